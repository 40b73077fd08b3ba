-- schemes_registry.sql: the scheme registry of the library (src/schemes.c)
-- is the one list of schemes.
--
--   * webhook_schemes() lists the registry's schemes, in its order, and
--     webhook_scheme_known() answers for exactly those (case-sensitively);
--   * webhook_providers.scheme is checked by the named CHECK
--     webhook_providers_scheme_known, which asks webhook_scheme_known():
--     with the triggers off (session_replication_role = replica) an
--     unknown scheme is still refused, SQLSTATE 23514;
--   * with the triggers on, webhook_add_provider refuses an unknown scheme
--     through the providers' trigger (webhook_check_config, 22023), its
--     hint listing webhook_schemes();
--   * every scheme of the registry has rows in webhook_event_actions, and
--     every scheme there is in the registry;
--   * the Schemes table of README.md (read from the checkout, as
--     grants.sql reads it: run from its top) has one row per scheme of
--     the registry, in its order;
--   * no SQL or PL/pgSQL function of the extension names a scheme as a
--     quoted literal, and no CHECK of webhook_providers does: only the
--     seeded rows name schemes.  The function assertions are generated
--     from pg_proc joined to pg_depend (members of extension webhook), so
--     a function added later is covered without editing this file.
BEGIN;
CREATE EXTENSION webhook;

CREATE TEMP VIEW tap_body_funcs AS
SELECT p.oid, p.oid::regprocedure AS sig, l.lanname, p.prosrc
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook'
 WHERE l.lanname IN ('sql', 'plpgsql');

-- The hint of the error a statement raises, NULL when it raises none.
CREATE FUNCTION s_hint(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_hint text;
BEGIN
    EXECUTE p_sql;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_hint = PG_EXCEPTION_HINT;
    RETURN v_hint;
END
$$;

SELECT plan(
      5                                                                   -- the registry
    + 1                                                                   -- the README
    + 2                                                                   -- the CHECK
    + 2                                                                   -- triggers off
    + 2                                                                   -- triggers on
    + pg_catalog.cardinality(webhook_schemes()) + 1                       -- the seeds
    + 1 + (SELECT count(*) FROM tap_body_funcs)::int                      -- the functions
);

--------------------------------------------------------------------------
-- The registry
--------------------------------------------------------------------------

SELECT is(webhook_schemes(), ARRAY['stripe', 'standard', 'vipps', 'paypal', 'hmac', 'apikey',
                                  'adyen', 'gocardless', 'authorizenet', 'mollie', 'paddle', 'razorpay', 'square'],
    'webhook_schemes() lists the registry''s schemes in its order');
SELECT ok(webhook_scheme_known('stripe') AND webhook_scheme_known('apikey'),
    'webhook_scheme_known knows stripe and apikey');
SELECT ok(NOT webhook_scheme_known('soap'), 'webhook_scheme_known does not know soap');
SELECT ok(NOT webhook_scheme_known('Stripe'), 'webhook_scheme_known is case-sensitive, as the CHECK always was');
SELECT is(webhook_scheme_known(NULL), NULL, 'webhook_scheme_known(NULL) is NULL (STRICT)');

\set tap_readme `cat README.md`
SELECT is(ARRAY(SELECT m[1]
                  FROM pg_catalog.regexp_matches(
                         pg_catalog.substring(:'tap_readme', '\n## Schemes\n\n(.*?)\n\n'),
                         '^\| `([a-z0-9_]+)` \|', 'gn') AS m),
          webhook_schemes(),
    'the README''s Schemes table has a row for each scheme of the registry, in its order');

--------------------------------------------------------------------------
-- The CHECK of webhook_providers.scheme
--------------------------------------------------------------------------

SELECT ok(EXISTS (SELECT FROM pg_catalog.pg_constraint c
                    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_constraint'::regclass
                                               AND d.objid = c.oid
                                               AND d.refclassid = 'pg_catalog.pg_proc'::regclass
                                               AND d.refobjid = 'webhook_scheme_known(text)'::regprocedure
                   WHERE c.conrelid = 'webhook_providers'::regclass AND c.contype = 'c'
                     AND c.conname = 'webhook_providers_scheme_known'),
    'webhook_providers has CHECK webhook_providers_scheme_known, which calls webhook_scheme_known');
SELECT is(ARRAY(SELECT c.conname::text || ' names ' || s
                  FROM pg_catalog.pg_constraint c, pg_catalog.unnest(webhook_schemes()) s
                 WHERE c.conrelid = 'webhook_providers'::regclass
                   AND pg_catalog.strpos(pg_catalog.pg_get_constraintdef(c.oid), pg_catalog.quote_literal(s)) > 0
                 ORDER BY 1),
          ARRAY[]::text[],
    'no constraint of webhook_providers names a scheme');

SET session_replication_role = replica;
SELECT throws_ok($$INSERT INTO webhook_providers (name, scheme) VALUES ('soapy', 'soap')$$, '23514',
    'new row for relation "webhook_providers" violates check constraint "webhook_providers_scheme_known"',
    'with the triggers off, the CHECK still refuses an unknown scheme');
SELECT lives_ok($$INSERT INTO webhook_providers (name, scheme) VALUES ('paypal_raw', 'paypal')$$,
    'with the triggers off, the CHECK lets a known scheme in');
RESET session_replication_role;

SELECT throws_ok($$SELECT webhook_add_provider('x', 'soap')$$, '22023', 'unknown scheme "soap"',
    'webhook_add_provider refuses an unknown scheme (through the providers'' trigger)');
SELECT is(s_hint($$SELECT webhook_add_provider('x', 'soap')$$),
          'Schemes: ' || pg_catalog.array_to_string(webhook_schemes(), ', ') || '.',
    'the hint lists webhook_schemes()');

--------------------------------------------------------------------------
-- The seeds: every scheme has its event actions, and only schemes do
--------------------------------------------------------------------------

SELECT ok(EXISTS (SELECT FROM webhook_event_actions a WHERE a.scheme = s),
          format('scheme %s has rows in webhook_event_actions', s))
  FROM pg_catalog.unnest(webhook_schemes()) WITH ORDINALITY AS r(s, i) ORDER BY i;
SELECT is(ARRAY(SELECT DISTINCT a.scheme FROM webhook_event_actions a
                 WHERE NOT webhook_scheme_known(a.scheme) ORDER BY 1),
          ARRAY[]::text[],
    'every scheme of webhook_event_actions is in the registry');

--------------------------------------------------------------------------
-- No function names a scheme
--------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*)::int FROM tap_body_funcs), '>=', 16,
    'the extension has at least the 16 SQL and PL/pgSQL functions it had when this test was written');
SELECT is(ARRAY(SELECT s FROM pg_catalog.unnest(webhook_schemes()) s
                 WHERE pg_catalog.strpos(f.prosrc, pg_catalog.quote_literal(s)) > 0),
          ARRAY[]::text[],
          format('%s function %s names no scheme as a literal', f.lanname, f.sig))
  FROM tap_body_funcs f ORDER BY f.sig::text;

SELECT * FROM finish();
ROLLBACK;

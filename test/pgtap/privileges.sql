-- privileges.sql: who can do what (SPEC 2 and 4, STYLE "Tests").
--
--   * PUBLIC holds nothing: no privilege on any table, view or sequence of
--     the extension, no column privilege, no EXECUTE on any of its
--     functions.  The assertions are generated from the catalog (members of
--     extension webhook), so an object added later is covered without
--     editing this file; count assertions make sure the sets are not empty.
--   * A role holding only EXECUTE on the three webhook_ingest functions (and
--     USAGE on the schema) can ingest through each of them, and can neither
--     read any table nor call any other function of the extension.
--   * The README's DBA grant (SELECT on every column of webhook_secrets but
--     secret) reads id, provider and label, and not secret.
BEGIN;
CREATE EXTENSION webhook;

CREATE TEMP VIEW tap_ext_funcs AS
SELECT p.oid, n.nspname AS schema, p.proname, p.oid::regprocedure AS sig,
       ARRAY(SELECT pg_catalog.format_type(t, NULL)
               FROM pg_catalog.unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)
              ORDER BY i)::name[] AS args,
       p.prorettype
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook';

CREATE TEMP VIEW tap_ext_rels AS
SELECT c.oid, n.nspname AS schema, c.relname, c.relkind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'webhook'
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S');

CREATE TEMP VIEW tap_schema AS
SELECT n.nspname AS s
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'webhook';

-- The ingest functions: the only ones the ingest role may call.
CREATE TEMP VIEW tap_ingest_funcs AS
SELECT * FROM tap_ext_funcs WHERE proname = 'webhook_ingest';

SELECT plan(
      7                                                                   -- counts
    + (SELECT count(*) FROM tap_ext_rels)::int                            -- PUBLIC, relations
    + 1                                                                   -- PUBLIC, columns
    + (SELECT count(*) FROM tap_ext_funcs)::int                           -- PUBLIC, functions
    + 13                                                                  -- ingest role: ingest
    + (SELECT count(*) FROM tap_ext_rels WHERE relkind <> 'S')::int       -- ingest role: SELECT each
    + (SELECT count(*) FROM tap_ext_funcs WHERE proname <> 'webhook_ingest')::int  -- ingest role: call each
    + 6                                                                   -- ingest role: recorded
    + 6                                                                   -- DBA grant on webhook_secrets
    + 5                                                                   -- the shop's grant
);

--------------------------------------------------------------------------
-- The generated sets are not empty
--------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_funcs), '>=', 32,
    'the extension has at least the 32 functions it had when this test was written');
SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_rels WHERE relkind IN ('r', 'p')), '>=', 10,
    'the extension has at least the 10 tables of SPEC 4');
SELECT cmp_ok((SELECT count(*)::int FROM tap_ext_rels WHERE relkind = 'S'), '>=', 5,
    'the extension has at least 5 sequences');
SELECT is((SELECT count(*)::int FROM tap_ingest_funcs), 3, 'there are three webhook_ingest functions');
SELECT ok((SELECT array_agg(relname::text) FROM tap_ext_rels)
          @> ARRAY['webhook_providers', 'webhook_secrets', 'webhook_certificates', 'webhook_deliveries',
                   'webhook_events', 'webhook_payments', 'webhook_orders', 'webhook_refunds',
                   'webhook_currencies', 'webhook_event_actions'],
    'the generated relation set holds every table of SPEC 4');
SELECT ok((SELECT array_agg(sig::text) FROM tap_ext_funcs)
          @> ARRAY['webhook_add_provider(text,text,text,jsonb)',
                   'webhook_add_secret(text,text,text,text,timestamp with time zone)',
                   'webhook_rotate_secret(text,text,interval)', 'webhook_reprocess(bigint)'],
    'the generated function set holds the administration functions');
SELECT is((SELECT count(*)::int FROM tap_schema), 1, 'extension webhook is installed in one schema');

--------------------------------------------------------------------------
-- PUBLIC holds nothing
--------------------------------------------------------------------------

SELECT CASE WHEN r.relkind = 'S'
            THEN sequence_privs_are(r.schema, r.relname, 'public', ARRAY[]::name[],
                                    format('PUBLIC has no privilege on sequence %s', r.relname))
            ELSE table_privs_are(r.schema, r.relname, 'public', ARRAY[]::name[],
                                 format('PUBLIC has no privilege on %s', r.relname))
       END
  FROM tap_ext_rels r ORDER BY r.relkind = 'S', r.relname;

-- table_privs_are does not see column grants: look at every column.
SELECT is(ARRAY(
    SELECT format('%s.%s %s', r.relname, a.attname, p.priv)
      FROM tap_ext_rels r
      JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
     CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('REFERENCES')) AS p(priv)
     WHERE r.relkind <> 'S' AND pg_catalog.has_column_privilege('public', r.oid, a.attnum, p.priv)
     ORDER BY 1), ARRAY[]::text[],
    'PUBLIC has no privilege on any column of the extension''s tables');

SELECT function_privs_are(f.schema, f.proname, f.args, 'public', ARRAY[]::name[],
                          format('PUBLIC cannot execute %s', f.sig))
  FROM tap_ext_funcs f ORDER BY f.sig::text;

--------------------------------------------------------------------------
-- A role that holds only EXECUTE on webhook_ingest
--------------------------------------------------------------------------

CREATE ROLE webhook_tap_ingest NOLOGIN;
SELECT format('GRANT USAGE ON SCHEMA %I TO webhook_tap_ingest', s) FROM tap_schema \gexec
SELECT format('GRANT EXECUTE ON FUNCTION %s TO webhook_tap_ingest', f.oid::regprocedure)
  FROM tap_ingest_funcs f \gexec

-- The verifier's clock: set first, since a secret is valid from webhook_now().
SET webhook.clock_override = '2026-03-01 12:00:00+00';
\o /dev/null
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_tap_secret');
\o
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10.99, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('stripe', 'R-1', 'pi_1', 'SO-1', 10.99, 'EUR');

-- Requests, signed by the superuser: the ingest role cannot call the signer.
CREATE TEMP TABLE tap_req (k text PRIMARY KEY, body text, headers jsonb);
INSERT INTO tap_req (k, body)
VALUES ('applied', '{"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 1099, "currency": "eur"}}}'),
       ('ignored', '{"id": "evt_2", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1", "object": "customer"}}}'),
       ('forged',  '{"id": "evt_3", "object": "event", "type": "payment_intent.canceled", "data": {"object": {"id": "pi_1", "object": "payment_intent"}}}');
UPDATE tap_req SET headers = jsonb_build_object('Stripe-Signature',
    webhook_sign_stripe(body, CASE k WHEN 'forged' THEN 'whsec_not_the_secret' ELSE 'whsec_tap_secret' END, 1772366400));
GRANT SELECT ON tap_req, tap_ext_funcs, tap_ext_rels, tap_schema TO webhook_tap_ingest;

-- webhook.clock_override (superuser only) was set above and stays in effect.
SET ROLE webhook_tap_ingest;

SELECT is(current_user::text, 'webhook_tap_ingest', 'the tests below run as the ingest role');
SELECT ok(NOT pg_catalog.has_function_privilege('webhook_sign_stripe(text,text,bigint)', 'EXECUTE'),
    'the ingest role cannot execute webhook_sign_stripe');

CREATE TEMP TABLE tap_got (k text PRIMARY KEY, reply jsonb);
INSERT INTO tap_got SELECT k, webhook_ingest('stripe', headers, body) FROM tap_req WHERE k = 'applied';
INSERT INTO tap_got SELECT k, webhook_ingest('stripe', headers, convert_to(body, 'UTF8')) FROM tap_req WHERE k = 'ignored';
INSERT INTO tap_got SELECT k, webhook_ingest(jsonb_build_object('provider', 'stripe', 'headers', headers, 'body', body))
  FROM tap_req WHERE k = 'forged';

SELECT is((SELECT reply->>'outcome' FROM tap_got WHERE k = 'applied'), 'applied',
    'ingest role, text form, signed event for a known payment: outcome applied');
SELECT is((SELECT (reply->>'http_status')::int FROM tap_got WHERE k = 'applied'), 200,
    'ingest role, text form: http_status 200');
SELECT is((SELECT reply->'payment'->>'state' FROM tap_got WHERE k = 'applied'), 'captured',
    'ingest role, text form: the reply shows the payment captured');
SELECT is((SELECT reply->>'outcome' FROM tap_got WHERE k = 'ignored'), 'ignored',
    'ingest role, bytea form, signed event of an unmapped type: outcome ignored');
SELECT is((SELECT (reply->>'http_status')::int FROM tap_got WHERE k = 'ignored'), 200,
    'ingest role, bytea form: http_status 200');
SELECT is((SELECT reply->>'outcome' FROM tap_got WHERE k = 'forged'), 'invalid_signature',
    'ingest role, envelope form, wrong key: outcome invalid_signature');
SELECT is((SELECT (reply->>'http_status')::int FROM tap_got WHERE k = 'forged'), 401,
    'ingest role, envelope form, wrong key: http_status 401');
SELECT ok((SELECT bool_and((reply->>'delivery_id') IS NOT NULL) FROM tap_got),
    'every reply to the ingest role names its delivery');

-- It can read nothing and call nothing else.
SELECT throws_ok(format('SELECT * FROM %I.%I', r.schema, r.relname), '42501', NULL,
                 format('the ingest role cannot SELECT from %s', r.relname))
  FROM tap_ext_rels r WHERE r.relkind <> 'S' ORDER BY r.relname;

SELECT throws_ok(format('SELECT %I.%I(%s)', f.schema, f.proname,
                        (SELECT string_agg(format('(SELECT NULL::%s)', t), ', ') FROM pg_catalog.unnest(f.args) AS t)),
                 '42501', NULL, format('the ingest role cannot execute %s', f.sig))
  FROM tap_ext_funcs f WHERE f.proname <> 'webhook_ingest' ORDER BY f.sig::text;

-- and the three administration calls by name, with real arguments
SELECT throws_ok($$SELECT webhook_add_provider('evil', 'stripe', 'whsec_evil')$$, '42501', NULL,
    'the ingest role cannot call webhook_add_provider');
SELECT throws_ok($$SELECT webhook_add_secret('stripe', 'whsec_evil')$$, '42501', NULL,
    'the ingest role cannot call webhook_add_secret');
SELECT throws_ok($$SELECT webhook_reprocess(1)$$, '42501', NULL,
    'the ingest role cannot call webhook_reprocess');

RESET ROLE;

-- What the ingest role's calls left behind, seen by the owner.
SELECT is((SELECT count(*)::int FROM webhook_deliveries), 3, 'the ingest role''s three calls left three deliveries');
SELECT is((SELECT http_status FROM webhook_deliveries d JOIN tap_got g ON g.k = 'forged'
            WHERE d.id = (g.reply->>'delivery_id')::bigint), 401,
    'the forged delivery is recorded with http_status 401');
SELECT is((SELECT outcome FROM webhook_deliveries d JOIN tap_got g ON g.k = 'forged'
            WHERE d.id = (g.reply->>'delivery_id')::bigint), 'invalid_signature',
    'the forged delivery is recorded as invalid_signature');
SELECT is((SELECT status FROM webhook_events WHERE event_id = 'evt_1'), 'applied',
    'the applied event is stored with status applied');
SELECT is((SELECT state FROM webhook_payments WHERE reference = 'R-1'), 'captured',
    'the payment is captured');
SELECT is((SELECT count(*)::int FROM webhook_events WHERE event_id = 'evt_3'), 0,
    'the forged event is not stored');

--------------------------------------------------------------------------
-- The README's DBA grant: every column of webhook_secrets but secret
--------------------------------------------------------------------------

CREATE ROLE webhook_tap_dba NOLOGIN;
SELECT format('GRANT USAGE ON SCHEMA %I TO webhook_tap_dba', s) FROM tap_schema \gexec
SELECT format('GRANT SELECT (%s) ON %I.webhook_secrets TO webhook_tap_dba',
              string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), min(r.schema))
  FROM tap_ext_rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
 WHERE r.relname = 'webhook_secrets' AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'secret' \gexec
SELECT webhook_add_secret('stripe', 'whsec_second', 'registration-2') AS tap_secret_id \gset

SET ROLE webhook_tap_dba;
SELECT is((SELECT provider || '/' || label FROM webhook_secrets WHERE id = :tap_secret_id), 'stripe/registration-2',
    'the DBA role reads provider and label of a secret');
SELECT is((SELECT count(*)::int FROM webhook_secrets WHERE provider = 'stripe'), 2,
    'the DBA role sees every secret row');
SELECT throws_ok('SELECT secret FROM webhook_secrets', '42501', NULL,
    'the DBA role cannot read the secret column');
SELECT throws_ok('SELECT * FROM webhook_secrets', '42501', NULL,
    'the DBA role cannot SELECT * from webhook_secrets');
SELECT throws_ok($$SELECT id FROM webhook_secrets WHERE secret LIKE 'whsec_%'$$, '42501', NULL,
    'the DBA role cannot filter on the secret column either');
RESET ROLE;
SELECT column_privs_are(s, 'webhook_secrets', 'secret', 'webhook_tap_dba', ARRAY[]::name[],
    'the DBA grant holds no privilege on webhook_secrets.secret') FROM tap_schema;

--------------------------------------------------------------------------
-- The README's shop grant: its payments and orders.  Moving a payment by
-- hand moves its order through the triggers, with no other right.
--------------------------------------------------------------------------

CREATE ROLE webhook_tap_shop NOLOGIN;
SELECT format('GRANT USAGE ON SCHEMA %I TO webhook_tap_shop', s) FROM tap_schema \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE ON %1$I.webhook_payments, %1$I.webhook_orders TO webhook_tap_shop', s)
  FROM tap_schema \gexec

SET ROLE webhook_tap_shop;
SELECT lives_ok($$INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-SHOP', 20, 'EUR')$$,
    'the shop role creates an order');
SELECT lives_ok($$INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency)
                  VALUES ('stripe', 'R-SHOP', 'SO-SHOP', 20, 'EUR')$$,
    'the shop role creates a payment for it');
SELECT lives_ok($$UPDATE webhook_payments SET state = 'captured', amount_captured = 20 WHERE reference = 'R-SHOP'$$,
    'the shop role captures the payment by hand');
SELECT is((SELECT state || ' ' || amount_paid FROM webhook_orders WHERE ref = 'SO-SHOP'), 'paid 20',
    'the order follows the payment the shop role moved');
SELECT throws_ok($$UPDATE webhook_payments SET state = 'pending' WHERE reference = 'R-SHOP'$$, 'WH001', NULL,
    'the shop role cannot move a payment against the state machine');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

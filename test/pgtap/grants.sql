-- grants.sql: the README's grants, as the README writes them (README
-- "Security"), and what each role it creates can and cannot do.
--
--   * The SQL block of README.md's Security section that creates
--     shop_webhooks is read from README.md itself (psql runs `cat
--     README.md`: run this file from the top of the checkout, as
--     scripts/test.sh does), cut into statements and run one by one,
--     exactly as written; so the README and this test cannot drift apart.
--     PUBLIC's USAGE on schema public is revoked first (rolled back at the
--     end), so the block's own USAGE grants are what let each role in.
--   * What the roles then hold is compared with the catalog, object by
--     object, for every table, view, sequence, column and function of the
--     extension (generated from pg_depend, so an object added later is
--     covered): shop_webhooks EXECUTE on the three webhook_ingest functions
--     and nothing else; shop_app SELECT, INSERT, UPDATE on payments and
--     orders and nothing else; support SELECT on every table and view but
--     webhook_secrets, and on every column of webhook_secrets but secret.
--     A table or view added without its line in the README fails here.
--   * Then each role does what the README says it does:
--       shop_webhooks ingests signed deliveries through each webhook_ingest
--         form, and can read no table or view;
--       shop_app creates and moves orders and payments, by hand and by
--         inserting a payment whose parked event is then applied, and can
--         read nothing else;
--       support reads every table and view (webhook_stats,
--         webhook_parked_events and webhook_stuck_payments showing what
--         the other two roles did), reads webhook_secrets but its secret
--         column, and writes nothing.
BEGIN;
CREATE EXTENSION webhook;

CREATE TEMP VIEW tap_ext_funcs AS
SELECT p.oid, n.nspname AS schema, p.proname, p.oid::regprocedure AS sig,
       ARRAY(SELECT pg_catalog.format_type(t, NULL)
               FROM pg_catalog.unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)
              ORDER BY i)::name[] AS args
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

-- The three roles of the README, and what each is to hold.
CREATE TEMP TABLE tap_roles (role name PRIMARY KEY);
INSERT INTO tap_roles VALUES ('shop_webhooks'), ('shop_app'), ('support'), ('shop_worker');

-- what shop_worker may execute: the outbox's functions but retry
CREATE TEMP TABLE tap_worker_funcs (proname name PRIMARY KEY);
INSERT INTO tap_worker_funcs VALUES ('webhook_subscribe'), ('webhook_unsubscribe'),
    ('webhook_outbox_claim'), ('webhook_outbox_ack'), ('webhook_outbox_nack'), ('webhook_listen'),
    ('webhook_apply_object');

CREATE TEMP VIEW tap_expected_rel_privs AS
SELECT ro.role, r.schema, r.relname, r.relkind,
       CASE
           WHEN r.relkind = 'S' THEN ARRAY[]::name[]
           WHEN ro.role = 'shop_app' AND r.relname IN ('webhook_payments', 'webhook_orders')
               THEN ARRAY['INSERT', 'SELECT', 'UPDATE']::name[]
           WHEN ro.role = 'support' AND r.relname <> 'webhook_secrets' THEN ARRAY['SELECT']::name[]
           ELSE ARRAY[]::name[]
       END AS privs
  FROM tap_roles ro CROSS JOIN tap_ext_rels r;

--------------------------------------------------------------------------
-- The README's block, statement by statement
--------------------------------------------------------------------------

\set tap_readme `cat README.md`
CREATE TEMP TABLE tap_readme_block AS
SELECT (SELECT m[1]
          FROM pg_catalog.regexp_matches(
                   pg_catalog.substring(:'tap_readme', '\n## Security\n(.*?)\n## '),
                   '```sql\n(.*?)\n```', 'g') AS m
         WHERE m[1] LIKE '%CREATE ROLE shop_webhooks%'
         LIMIT 1) AS block;

-- Statements end with ";" at the end of a line (a comment may follow);
-- comment lines are dropped, the rest is run as it is written.
CREATE TEMP TABLE tap_readme_stmts AS
SELECT row_number() OVER (ORDER BY i) AS n, stmt,
       pg_catalog.regexp_replace(stmt, '\s+', ' ', 'g') AS label
  FROM (SELECT i, pg_catalog.btrim(pg_catalog.regexp_replace(piece, '^[ \t]*--.*$', '', 'gn'), E' \t\n') AS stmt
          FROM tap_readme_block,
               pg_catalog.regexp_split_to_table(block, ';[ \t]*(--[^\n]*)?(\n|$)') WITH ORDINALITY AS p(piece, i)) s
 WHERE stmt <> '';

SELECT plan(
      4                                                                   -- the block
    + (SELECT count(*) FROM tap_readme_stmts)::int                        -- each statement
    + (SELECT count(*) FROM tap_roles)::int                               -- schema USAGE
    + (SELECT count(*) FROM tap_expected_rel_privs)::int                  -- relations
    + (SELECT count(*) FROM tap_roles)::int                               -- column grants
    + (SELECT count(*) FROM tap_roles)::int * (SELECT count(*) FROM tap_ext_funcs)::int  -- functions
    + 4 + (SELECT count(*) FROM tap_ext_rels WHERE relkind <> 'S')::int   -- shop_webhooks
    + 2                                                                   -- what it stored
    + 16 + (SELECT count(*) FROM tap_ext_rels WHERE relkind <> 'S'
              AND relname NOT IN ('webhook_payments', 'webhook_orders'))::int  -- shop_app
    + 10 + (SELECT count(*) FROM tap_ext_rels WHERE relkind <> 'S'
              AND relname <> 'webhook_secrets')::int                      -- support
    + 7                                                                   -- shop_worker
);

SELECT ok((SELECT block IS NOT NULL FROM tap_readme_block),
    'README.md has a SQL block in its Security section that creates shop_webhooks');
SELECT is(ARRAY(SELECT pg_catalog.substring(stmt, '^CREATE ROLE (\w+)') FROM tap_readme_stmts
                 WHERE stmt LIKE 'CREATE ROLE %' ORDER BY n)::text[],
          ARRAY['shop_webhooks', 'shop_app', 'support', 'shop_worker'],
    'the README block creates shop_webhooks, shop_app, support and shop_worker');
SELECT is(ARRAY(SELECT DISTINCT pg_catalog.substring(stmt, '\sTO\s+(\w+)$') FROM tap_readme_stmts
                 WHERE stmt LIKE 'GRANT %' ORDER BY 1)::text[],
          ARRAY['shop_app', 'shop_webhooks', 'shop_worker', 'support'],
    'every GRANT of the README block is to one of the four roles');
SELECT is((SELECT count(*)::int FROM tap_readme_stmts WHERE stmt !~ '^(CREATE ROLE|GRANT) '), 0,
    'the README block holds only CREATE ROLE and GRANT statements');

-- Without this, PostgreSQL 15 would let every role use schema public.
REVOKE USAGE ON SCHEMA public FROM PUBLIC;

SELECT format('SELECT lives_ok(%L, %L);', stmt, format('README Security, statement %s: %s', n, label))
  FROM tap_readme_stmts ORDER BY n \gexec

--------------------------------------------------------------------------
-- What the roles hold: exactly that
--------------------------------------------------------------------------

SELECT schema_privs_are(s, ro.role, ARRAY['USAGE']::name[],
                        format('%s holds USAGE on the extension''s schema', ro.role))
  FROM tap_schema, tap_roles ro ORDER BY ro.role;

SELECT CASE WHEN e.relkind = 'S'
            THEN sequence_privs_are(e.schema, e.relname, e.role, e.privs,
                                    format('%s holds no privilege on sequence %s', e.role, e.relname))
            ELSE table_privs_are(e.schema, e.relname, e.role, e.privs,
                                 format('%s holds %s on %s', e.role,
                                        coalesce(nullif(array_to_string(e.privs, ', '), ''), 'nothing'), e.relname))
       END
  FROM tap_expected_rel_privs e ORDER BY e.role, e.relkind = 'S', e.relname;

-- Column grants, read from the catalog: support's on every column of
-- webhook_secrets but secret, nobody's anywhere else.
SELECT is(ARRAY(SELECT format('%s.%s %s', r.relname, a.attname, x.privilege_type)
                  FROM tap_ext_rels r
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
                 CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl) x
                 WHERE x.grantee = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ro.role)
                 ORDER BY 1),
          ARRAY(SELECT format('webhook_secrets.%s SELECT', a.attname)
                  FROM tap_ext_rels r
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
                 WHERE ro.role = 'support' AND r.relname = 'webhook_secrets' AND a.attname <> 'secret'
                 ORDER BY 1),
          CASE ro.role WHEN 'support' THEN 'support holds SELECT on every column of webhook_secrets but secret, and no other column grant'
                       ELSE format('%s holds no column grant', ro.role) END)
  FROM tap_roles ro ORDER BY ro.role;

SELECT function_privs_are(f.schema, f.proname, f.args, ro.role,
                          CASE WHEN x.may THEN ARRAY['EXECUTE'] ELSE ARRAY[]::name[] END,
                          format('%s %s execute %s', ro.role, CASE WHEN x.may THEN 'can' ELSE 'cannot' END, f.sig))
  FROM tap_roles ro, tap_ext_funcs f,
       LATERAL (SELECT (ro.role = 'shop_webhooks' AND f.proname = 'webhook_ingest') OR
                       (ro.role = 'shop_worker' AND f.proname IN (SELECT proname FROM tap_worker_funcs)) AS may) x
 ORDER BY ro.role, f.sig::text;

--------------------------------------------------------------------------
-- The deliveries, signed by the superuser (no role of the README can sign)
--------------------------------------------------------------------------

-- The per-relation checks below read this list as each role.
GRANT SELECT ON tap_ext_rels TO shop_webhooks, shop_app, support;

SET webhook.clock_override = '2026-03-01 12:00:00+00';
\o /dev/null
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_tap_secret');
\o

-- evt_applied: captures R-APPLIED, which shop_app creates first;
-- evt_parked: arrives before its payment R-PARKED, which shop_app inserts later;
-- evt_never: names a payment that never comes, and stays parked.
SELECT b.body AS tap_body_applied,
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(b.body, 'whsec_tap_secret', 1772366400))::text AS tap_hdr_applied
  FROM (SELECT '{"id": "evt_applied", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_applied", "object": "payment_intent", "amount": 1099, "currency": "eur"}}}'::text AS body) b \gset
SELECT b.body AS tap_body_parked,
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(b.body, 'whsec_tap_secret', 1772366400))::text AS tap_hdr_parked
  FROM (SELECT '{"id": "evt_parked", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_parked", "object": "payment_intent", "amount": 2000, "currency": "eur"}}}'::text AS body) b \gset
SELECT b.body AS tap_body_never,
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(b.body, 'whsec_tap_secret', 1772366400))::text AS tap_hdr_never
  FROM (SELECT '{"id": "evt_never", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_never", "object": "payment_intent", "amount": 500, "currency": "eur"}}}'::text AS body) b \gset

--------------------------------------------------------------------------
-- shop_app at checkout: orders and payments, moved by hand too
--------------------------------------------------------------------------

SET ROLE shop_app;
SELECT lives_ok($$INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-APPLIED', 10.99, 'EUR')$$,
    'shop_app creates an order');
SELECT lives_ok($$INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
                  VALUES ('stripe', 'R-APPLIED', 'pi_applied', 'SO-APPLIED', 10.99, 'EUR')$$,
    'shop_app starts a payment for it');
SELECT lives_ok($$INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-HAND', 30, 'EUR')$$,
    'shop_app creates a second order');
SELECT lives_ok($$INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency)
                  VALUES ('stripe', 'R-HAND', 'SO-HAND', 30, 'EUR')$$,
    'shop_app starts a payment it will move by hand');
SELECT lives_ok($$UPDATE webhook_orders SET total = 40 WHERE ref = 'SO-HAND'$$,
    'shop_app updates an order');
SELECT lives_ok($$UPDATE webhook_payments SET state = 'captured', amount_captured = 30 WHERE reference = 'R-HAND'$$,
    'shop_app captures the payment by hand');
-- a payment left pending two hours ago, with no event since: stuck
SELECT lives_ok($$INSERT INTO webhook_payments (provider, reference, amount, currency, created_at, state_changed_at)
                  VALUES ('stripe', 'R-STUCK', 5, 'EUR', now() - interval '2 hours', now() - interval '2 hours')$$,
    'shop_app starts a payment that nothing moves');
RESET ROLE;

--------------------------------------------------------------------------
-- shop_webhooks: ingest only, through each form
--------------------------------------------------------------------------

SET ROLE shop_webhooks;
SELECT lives_ok(format('SELECT webhook_ingest(%L, %L::jsonb, %L::text)', 'stripe', :'tap_hdr_applied', :'tap_body_applied'),
    'shop_webhooks ingests a signed delivery (text body)');
SELECT lives_ok(format('SELECT webhook_ingest(%L, %L::jsonb, pg_catalog.convert_to(%L, ''UTF8''))', 'stripe',
                       :'tap_hdr_parked', :'tap_body_parked'),
    'shop_webhooks ingests a signed delivery (bytea body)');
SELECT lives_ok(format('SELECT webhook_ingest(pg_catalog.jsonb_build_object(''provider'', ''stripe'', ''headers'', %L::jsonb, ''body'', %L::text))',
                       :'tap_hdr_never', :'tap_body_never'),
    'shop_webhooks ingests a signed delivery (envelope)');
SELECT throws_ok($$SELECT webhook_sign_stripe('{}'::text, 'whsec_x', 1)$$, '42501', NULL,
    'shop_webhooks cannot call the signing helpers');
SELECT throws_ok(format('SELECT count(*) FROM %I.%I', r.schema, r.relname), '42501', NULL,
                 format('shop_webhooks cannot read %s', r.relname))
  FROM tap_ext_rels r WHERE r.relkind <> 'S' ORDER BY r.relname;
RESET ROLE;

SELECT results_eq($$SELECT event_id, status FROM webhook_events ORDER BY id$$,
                  $$VALUES ('evt_applied', 'applied'), ('evt_parked', 'unmatched'), ('evt_never', 'unmatched')$$,
    'shop_webhooks'' deliveries stored one event applied and two parked');
SELECT results_eq($$SELECT http_status, outcome FROM webhook_deliveries ORDER BY id$$,
                  $$VALUES (200, 'applied'), (200, 'unmatched'), (200, 'unmatched')$$,
    'shop_webhooks'' deliveries are recorded');

--------------------------------------------------------------------------
-- shop_app: the payment a parked event was waiting for
--------------------------------------------------------------------------

SET ROLE shop_app;
SELECT results_eq($$SELECT reference, state, amount_captured FROM webhook_payments WHERE reference = 'R-APPLIED'$$,
                  $$VALUES ('R-APPLIED'::text, 'captured'::text, 10.99::numeric)$$,
    'shop_app reads its payment, captured by the delivery');
SELECT lives_ok($$INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-PARKED', 20, 'EUR')$$,
    'shop_app creates the order of the parked event');
SELECT lives_ok($$INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
                  VALUES ('stripe', 'R-PARKED', 'pi_parked', 'SO-PARKED', 20, 'EUR')$$,
    'shop_app inserts the payment the parked event names');
SELECT results_eq($$SELECT p.state, p.amount_captured, o.state
                      FROM webhook_payments p JOIN webhook_orders o ON o.ref = p.order_ref
                     WHERE p.reference = 'R-PARKED'$$,
                  $$VALUES ('captured'::text, 20::numeric, 'paid'::text)$$,
    'the parked event was applied by shop_app''s insert: payment captured, order paid');
SELECT results_eq($$SELECT state, amount_paid FROM webhook_orders WHERE ref IN ('SO-APPLIED', 'SO-HAND') ORDER BY ref$$,
                  $$VALUES ('paid'::text, 10.99::numeric), ('partially_paid'::text, 30::numeric)$$,
    'shop_app reads its orders, moved by the delivery and by its own updates');
SELECT throws_ok($$UPDATE webhook_payments SET state = 'pending' WHERE reference = 'R-HAND'$$, 'WH001', NULL,
    'shop_app cannot move a payment against the state machine');
SELECT throws_ok($$DELETE FROM webhook_payments WHERE reference = 'R-HAND'$$, '42501', NULL,
    'shop_app cannot delete payments');
SELECT throws_ok($$DELETE FROM webhook_orders WHERE ref = 'SO-HAND'$$, '42501', NULL,
    'shop_app cannot delete orders');
SELECT throws_ok($$SELECT webhook_reprocess(1)$$, '42501', NULL,
    'shop_app cannot call webhook_reprocess');
SELECT throws_ok(format('SELECT count(*) FROM %I.%I', r.schema, r.relname), '42501', NULL,
                 format('shop_app cannot read %s', r.relname))
  FROM tap_ext_rels r WHERE r.relkind <> 'S' AND r.relname NOT IN ('webhook_payments', 'webhook_orders')
 ORDER BY r.relname;
RESET ROLE;

--------------------------------------------------------------------------
-- support: every table and view, never the secret
--------------------------------------------------------------------------

SET ROLE support;
SELECT lives_ok(format('SELECT count(*) FROM %I.%I', r.schema, r.relname),
                format('support reads %s', r.relname))
  FROM tap_ext_rels r WHERE r.relkind <> 'S' AND r.relname <> 'webhook_secrets' ORDER BY r.relname;
SELECT results_eq($$SELECT provider, parked FROM webhook_stats$$,
                  $$VALUES ('stripe'::text, 1::bigint)$$,
    'support reads webhook_stats: the provider and its parked event');
SELECT results_eq($$SELECT event_id, status FROM webhook_parked_events$$,
                  $$VALUES ('evt_never'::text, 'unmatched'::text)$$,
    'support reads webhook_parked_events: the event still parked');
SELECT results_eq($$SELECT reference FROM webhook_stuck_payments$$,
                  $$VALUES ('R-STUCK'::text)$$,
    'support reads webhook_stuck_payments: the payment nothing moved');
SELECT results_eq($$SELECT provider, label, payment_reference, valid_until FROM webhook_secrets$$,
                  $$VALUES ('stripe'::text, NULL::text, NULL::text, NULL::timestamptz)$$,
    'support reads every column of webhook_secrets but secret');
SELECT throws_ok('SELECT secret FROM webhook_secrets', '42501', NULL,
    'support cannot read webhook_secrets.secret');
SELECT throws_ok('SELECT * FROM webhook_secrets', '42501', NULL,
    'support cannot SELECT * from webhook_secrets');
SELECT throws_ok($$SELECT count(*) FROM webhook_secrets WHERE secret LIKE 'whsec_%'$$, '42501', NULL,
    'support cannot filter on webhook_secrets.secret');
SELECT throws_ok($$INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-SUPPORT', 1, 'EUR')$$, '42501', NULL,
    'support cannot create orders');
SELECT throws_ok($$UPDATE webhook_payments SET amount = 1 WHERE reference = 'R-STUCK'$$, '42501', NULL,
    'support cannot update payments');
SELECT throws_ok($$SELECT webhook_purge('1 day')$$, '42501', NULL,
    'support cannot call webhook_purge');
RESET ROLE;

--------------------------------------------------------------------------
-- shop_worker: subscribes, claims the change shop_app makes, acknowledges
--------------------------------------------------------------------------

SET ROLE shop_worker;
SELECT lives_ok($$SELECT webhook_subscribe('receipts', '{payment.*}')$$,
    'shop_worker subscribes');
RESET ROLE;
SET ROLE shop_app;
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'R-WORKER', 'pi_worker', 3, 'EUR');
UPDATE webhook_payments SET state = 'canceled' WHERE reference = 'R-WORKER';
RESET ROLE;
SET ROLE shop_worker;
CREATE TEMP TABLE tap_claimed AS SELECT * FROM webhook_outbox_claim('receipts');
SELECT results_eq($$SELECT topic, payload->'payment'->>'reference' FROM tap_claimed$$,
                  $$VALUES ('payment.canceled'::text, 'R-WORKER'::text)$$,
    'shop_worker claims the message of shop_app''s change');
SELECT is(webhook_outbox_ack('receipts', ARRAY(SELECT id FROM tap_claimed)), 1,
    'shop_worker acknowledges it');
SELECT throws_ok('SELECT count(*) FROM webhook_outbox', '42501', NULL,
    'shop_worker cannot read webhook_outbox');
SELECT throws_ok($$SELECT webhook_outbox_retry(1)$$, '42501', NULL,
    'shop_worker cannot call webhook_outbox_retry');
SELECT throws_ok($$SELECT webhook_ingest('stripe', '{}', '{}'::text)$$, '42501', NULL,
    'shop_worker cannot ingest');
SELECT lives_ok($$SELECT webhook_unsubscribe('receipts')$$,
    'shop_worker unsubscribes');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

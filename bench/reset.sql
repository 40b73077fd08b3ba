-- bench/reset.sql: put every table the workloads write back to the state
-- before the run (all payments pending, all orders open, only the history
-- in the events and deliveries tables), on fresh files, so that every run
-- starts equal.  Triggers are off while reloading
-- (session_replication_role): the data is consistent, and loading it is
-- not what is measured.
--
-- Optional psql variables, for the scripts whose runs start elsewhere:
--   captured     true: every payment captured and every order paid instead
--   keep_events  the events and deliveries with ids up to this stay (a
--                history loaded once, in bulk): only later ones are
--                deleted, and the history tables are not loaded
--   extra        a file (relative to bench/) run before the commit, to load
--                more (its own variables: see there)
\set ON_ERROR_STOP 1
\if :{?captured}
\else
\set captured false
\endif
SET client_min_messages = warning;
SET session_replication_role = replica;
SET synchronous_commit = on;

BEGIN;
\if :{?keep_events}
DELETE FROM webhook_events WHERE id > :keep_events;
DELETE FROM webhook_deliveries WHERE id > :keep_events;
TRUNCATE webhook_refunds, webhook_payments, webhook_orders,
         bench_floor_events, bench_floor_payments, bench_floor_orders, bench_floor_deliveries
         RESTART IDENTITY;
\else
TRUNCATE webhook_events, webhook_deliveries, webhook_refunds, webhook_payments, webhook_orders,
         bench_floor_events, bench_floor_payments, bench_floor_orders, bench_floor_deliveries
         RESTART IDENTITY;
\endif
INSERT INTO webhook_orders (ref, total, currency, state, amount_paid, paid_at, created_at, updated_at)
SELECT ref, total, currency, CASE WHEN :captured THEN 'paid' ELSE 'open' END,
       CASE WHEN :captured THEN total ELSE 0 END,
       CASE WHEN :captured THEN timestamptz '2024-07-25 22:30+00' END,
       '2024-07-25 22:00+00', '2024-07-25 22:00+00'
  FROM bench_orders_seed ORDER BY ref;
INSERT INTO webhook_payments (id, provider, reference, external_id, order_ref, amount, currency,
                              state, amount_captured, state_changed_at, created_at, updated_at)
SELECT id, 'stripe', reference, external_id, order_ref, amount, currency,
       CASE WHEN :captured THEN 'captured' ELSE 'pending' END,
       CASE WHEN :captured THEN amount ELSE 0 END,
       '2024-07-25 22:00+00', '2024-07-25 22:00+00', '2024-07-25 22:00+00'
  FROM bench_payments_seed ORDER BY id;
\if :{?keep_events}
\else
INSERT INTO webhook_events SELECT * FROM bench_history_events ORDER BY id;
INSERT INTO webhook_deliveries SELECT * FROM bench_history_deliveries ORDER BY id;
\endif
INSERT INTO bench_floor_orders SELECT * FROM webhook_orders ORDER BY ref;
INSERT INTO bench_floor_payments SELECT * FROM webhook_payments ORDER BY id;
INSERT INTO bench_floor_events SELECT * FROM bench_history_events ORDER BY id;
INSERT INTO bench_floor_deliveries SELECT * FROM bench_history_deliveries ORDER BY id;
\if :{?extra}
\ir :extra
\endif
COMMIT;

SELECT setval(pg_get_serial_sequence(t, 'id'), greatest(max_id, 1))
  FROM (VALUES ('webhook_payments', (SELECT max(id) FROM webhook_payments)),
               ('bench_floor_payments', (SELECT max(id) FROM bench_floor_payments)),
               ('webhook_events', (SELECT max(id) FROM webhook_events)),
               ('bench_floor_events', (SELECT max(id) FROM bench_floor_events)),
               ('webhook_deliveries', (SELECT max(id) FROM webhook_deliveries)),
               ('bench_floor_deliveries', (SELECT max(id) FROM bench_floor_deliveries))) AS s(t, max_id)
 WHERE max_id IS NOT NULL \g /dev/null
RESET session_replication_role;
VACUUM ANALYZE;
CHECKPOINT;

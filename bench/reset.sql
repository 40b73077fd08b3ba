-- bench/reset.sql: put every table the workloads write back to the state
-- before the run (all payments pending, all orders open, only the history
-- in the events and deliveries tables), on fresh files, so that every run
-- starts equal.  Triggers are off while reloading
-- (session_replication_role): the data is consistent, and loading it is
-- not what is measured.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;
SET synchronous_commit = on;

BEGIN;
TRUNCATE webhook_events, webhook_deliveries, webhook_refunds, webhook_payments, webhook_orders,
         bench_floor_events, bench_floor_payments, bench_floor_orders, bench_floor_deliveries
         RESTART IDENTITY;
INSERT INTO webhook_orders (ref, total, currency, created_at, updated_at)
SELECT ref, total, currency, '2024-07-25 22:00+00', '2024-07-25 22:00+00' FROM bench_orders_seed ORDER BY ref;
INSERT INTO webhook_payments (id, provider, reference, external_id, order_ref, amount, currency,
                              state_changed_at, created_at, updated_at)
SELECT id, 'stripe', reference, external_id, order_ref, amount, currency,
       '2024-07-25 22:00+00', '2024-07-25 22:00+00', '2024-07-25 22:00+00'
  FROM bench_payments_seed ORDER BY id;
INSERT INTO webhook_events SELECT * FROM bench_history_events ORDER BY id;
INSERT INTO webhook_deliveries SELECT * FROM bench_history_deliveries ORDER BY id;
INSERT INTO bench_floor_orders SELECT * FROM webhook_orders ORDER BY ref;
INSERT INTO bench_floor_payments SELECT * FROM webhook_payments ORDER BY id;
INSERT INTO bench_floor_events SELECT * FROM bench_history_events ORDER BY id;
INSERT INTO bench_floor_deliveries SELECT * FROM bench_history_deliveries ORDER BY id;
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

-- bench/reset.sql: put every table the workloads write back to the state
-- before any event (all payments pending, all orders open, no events, no
-- deliveries), on fresh files, so that every run starts equal.  Triggers
-- are off while reloading (session_replication_role): the seed is
-- consistent, and loading it is not what is measured.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;
SET synchronous_commit = on;

BEGIN;
TRUNCATE webhook_events, webhook_deliveries, webhook_refunds, webhook_payments, webhook_orders,
         bench_floor_events, bench_floor_payments, bench_floor_orders RESTART IDENTITY;
INSERT INTO webhook_orders (ref, total, currency, created_at, updated_at)
SELECT ref, total, currency, '2024-07-25 22:00+00', '2024-07-25 22:00+00' FROM bench_orders_seed ORDER BY ref;
INSERT INTO webhook_payments (id, provider, reference, external_id, order_ref, amount, currency,
                              state_changed_at, created_at, updated_at)
SELECT id, 'stripe', reference, external_id, order_ref, amount, currency,
       '2024-07-25 22:00+00', '2024-07-25 22:00+00', '2024-07-25 22:00+00'
  FROM bench_payments_seed ORDER BY id;
INSERT INTO bench_floor_orders SELECT * FROM webhook_orders ORDER BY ref;
INSERT INTO bench_floor_payments SELECT * FROM webhook_payments ORDER BY id;
COMMIT;

SELECT setval(pg_get_serial_sequence('webhook_payments', 'id'), max(id)) FROM webhook_payments \g /dev/null
SELECT setval(pg_get_serial_sequence('bench_floor_payments', 'id'), max(id)) FROM bench_floor_payments \g /dev/null
RESET session_replication_role;
VACUUM ANALYZE;
CHECKPOINT;

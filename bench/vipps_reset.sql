-- bench/vipps_reset.sql: run by bench/reset.sql (-v extra=vipps_reset.sql)
-- for bench/secrets.sh: the Vipps payments of bench_vipps' first rows,
-- pending, each with its order, and, with -v secrets=true, each payment's
-- own secret; the provider's own secrets stay.  psql variables: payments,
-- secrets.
CREATE TEMP TABLE provider_secrets AS SELECT * FROM webhook_secrets WHERE payment_reference IS NULL;
TRUNCATE webhook_secrets;
INSERT INTO webhook_secrets SELECT * FROM provider_secrets ORDER BY id;
INSERT INTO webhook_secrets (provider, secret, label, payment_reference)
SELECT 'vipps', secret, 'hook-' || reference, reference FROM bench_vipps WHERE n <= :payments AND :secrets ORDER BY n;
INSERT INTO webhook_orders (ref, total, currency, created_at, updated_at)
SELECT order_ref, amount, currency, '2024-07-25 22:00+00', '2024-07-25 22:00+00'
  FROM bench_vipps WHERE n <= :payments ORDER BY n;
INSERT INTO webhook_payments (id, provider, reference, order_ref, amount, currency,
                              state_changed_at, created_at, updated_at)
SELECT 20000000 + n, 'vipps', reference, order_ref, amount, currency,
       '2024-07-25 22:00+00', '2024-07-25 22:00+00', '2024-07-25 22:00+00'
  FROM bench_vipps WHERE n <= :payments ORDER BY n;
SELECT setval(pg_get_serial_sequence('webhook_secrets', 'id'), (SELECT max(id) FROM webhook_secrets)) \g /dev/null

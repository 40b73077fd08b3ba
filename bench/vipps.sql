-- bench/vipps.sql: Vipps MobilePay deliveries for bench/secrets.sh, in
-- bench_vipps: for each payment i of :payments (whose secrets the runs
-- store) and each payment j of :loop (which the runs create), a CAPTURED
-- event of the whole amount, as Vipps' ePayment webhooks send it, with the
-- request headers of its delivery (x-ms-date :date):
--
--   row i                 signed with the payment's own secret
--   row :ks + i           the same body, signed with the registration's secret
--   row 2 * :ks + j       a payment the run creates, signed with its own secret
--
-- psql variables: payments, loop, ks, secret (the registration's), date.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\ir functions.sql

DROP TABLE IF EXISTS bench_vipps;
CREATE TABLE bench_vipps (
    n         int PRIMARY KEY,
    reference text NOT NULL,
    order_ref text NOT NULL,
    amount    numeric NOT NULL,
    currency  text NOT NULL,
    secret    text NOT NULL,     -- the payment's own
    headers   jsonb NOT NULL,
    body      text NOT NULL
) WITH (toast_tuple_target = 8160, fillfactor = 100);
ALTER TABLE bench_vipps ALTER headers SET STORAGE main, ALTER body SET STORAGE main;

CREATE TEMP TABLE v AS
SELECT n, 'VP-' || lpad(n::text, 8, '0') AS reference, 'VO-' || lpad(n::text, 8, '0') AS order_ref,
       5000 + (hashint4(n) & 2147483647) % 145000 AS minor,
       bench_secret('payment ' || n) AS secret,
       format('{"msn":"123456","reference":"%s","pspReference":"%s","name":"CAPTURED",'
              '"amount":{"currency":"NOK","value":%s},"timestamp":"2024-07-25T23:03:%s.%sZ",'
              '"idempotencyKey":"%s","success":true}',
              'VP-' || lpad(n::text, 8, '0'), 7600000000 + (hashint4(n + 3) & 2147483647),
              5000 + (hashint4(n) & 2147483647) % 145000, lpad((10 + n % 8)::text, 2, '0'),
              lpad((n % 1000)::text, 3, '0'), left(md5('vipps' || n), 20)) AS body
  FROM (SELECT generate_series(1, :payments) AS n
        UNION ALL SELECT 2 * :ks + generate_series(1, :loop)) g;
-- a delivery's headers: the shop's web server's, and Vipps' four, signed with secret
CREATE FUNCTION pg_temp.vipps_headers(body text, secret text, date text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT (bench_headers(body, 'Vipps MobilePay Webhooks/1.0', '{}') - 'Host') ||
           webhook_sign_vipps(body, secret, '/hooks/vipps', 'shop.example.com', date)
$$;
INSERT INTO bench_vipps
SELECT n, reference, order_ref, minor / 100.0, 'NOK', secret, pg_temp.vipps_headers(body, secret, :'date'), body
  FROM v
UNION ALL
SELECT :ks + n, reference, order_ref, minor / 100.0, 'NOK', secret, pg_temp.vipps_headers(body, :'secret', :'date'), body
  FROM v WHERE n <= :payments
 ORDER BY 1;
ALTER TABLE bench_vipps SET (autovacuum_enabled = off);
ANALYZE bench_vipps;
SELECT count(*) AS vipps_deliveries, round(avg(octet_length(body))) AS avg_body_bytes FROM bench_vipps \gset
\echo Vipps deliveries :vipps_deliveries, body bytes avg :avg_body_bytes

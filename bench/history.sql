-- bench/history.sql: for bench/growth.sh, :rows earlier events and as many
-- deliveries (ids 1 .. :rows) written straight into webhook_events and
-- webhook_deliveries in bulk (generate_series, triggers off), as a shop
-- that has run for years holds them: two events per earlier payment
-- (payment_id and the Stripe ids distinct, not in webhook_payments), over
-- the 720 days before the measured events (applied and unchanged),
-- and the payloads and headers of bench_events' deliveries (cycled; 2.7 KB
-- bodies, stored lz4-compressed as ingest stores them).  psql variable: rows.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;
SET synchronous_commit = off;

CREATE TEMP TABLE src (k int PRIMARY KEY, payload jsonb COMPRESSION lz4, headers jsonb,
                       body_size int, amount_minor bigint, currency text);
INSERT INTO src
SELECT n - 1, body::jsonb, headers, octet_length(body), amount_minor, currency
  FROM bench_events WHERE n <= 20000;

TRUNCATE webhook_events, webhook_deliveries;
INSERT INTO webhook_events
       (id, provider, event_id, event_type, action, object_id, reference, payment_id, amount,
        amount_minor, currency, occurred_at, received_at, payload, status, processed_at)
SELECT g, 'stripe', 'evt_1' || left(md5('history' || g), 24),
       CASE WHEN g % 2 = 0 THEN 'charge.succeeded' ELSE 'payment_intent.succeeded' END, 'capture',
       'pi_1' || left(md5('historypi' || g / 2), 24), 'OLD-' || lpad((g / 2)::text, 9, '0'), 1000000000 + g / 2,
       s.amount_minor / 100.0, s.amount_minor, s.currency, t, t + interval '1 second', s.payload,
       CASE WHEN g % 2 = 0 THEN 'applied' ELSE 'unchanged' END, t + interval '1 second'
  FROM generate_series(1, :rows) g
  JOIN src s ON s.k = g % 20000,
       LATERAL (SELECT timestamptz '2022-08-05 00:00+00' + (g::float8 / :rows) * interval '720 days' AS t) x
 ORDER BY g;
INSERT INTO webhook_deliveries
       (id, provider, received_at, http_status, outcome, event_id, event_pk, secret_id,
        headers, body_sha256, body_size)
SELECT e.id, 'stripe', e.received_at, 200, e.status, e.event_id, e.id, (SELECT min(id) FROM webhook_secrets),
       s.headers, sha256(convert_to(e.event_id, 'UTF8')), s.body_size
  FROM webhook_events e JOIN src s ON s.k = e.id % 20000
 ORDER BY e.id;
RESET session_replication_role;
VACUUM ANALYZE webhook_events, webhook_deliveries;
CHECKPOINT;

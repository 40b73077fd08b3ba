-- bench/setup.sql: the data of the benchmark, in database webhook_bench.
-- Run by bench/run.sh with psql variables
--   tmpl     the event body template (bench/event.json, format() positions)
--   nevents  how many events, payments and orders
--   secret   the Stripe endpoint secret
--   ts       the Unix time the events are signed at
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION webhook;
SELECT webhook_add_provider('stripe', 'stripe', :'secret');

\ir functions.sql

/*
 * One pre-generated delivery per payment: the request headers (with its
 * Stripe-Signature) and the raw body, plus what a shop's app server
 * would know about it once parsed (the floor workload writes those).
 * toast_tuple_target keeps the bodies uncompressed and inline, so that
 * fetching one costs a page read and nothing else, in both workloads.
 */
CREATE TABLE bench_events (
    n            int PRIMARY KEY,
    headers      jsonb NOT NULL,
    body         text NOT NULL,
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    object_id    text NOT NULL,
    reference    text NOT NULL,
    amount       numeric NOT NULL,
    amount_minor bigint NOT NULL,
    currency     text NOT NULL,
    occurred_at  timestamptz NOT NULL
) WITH (toast_tuple_target = 8160, fillfactor = 100);
ALTER TABLE bench_events ALTER headers SET STORAGE main, ALTER body SET STORAGE main;

-- The shop's payments and orders before any event: reloaded before each run.
CREATE TABLE bench_orders_seed (ref text PRIMARY KEY, total numeric, currency text);
CREATE TABLE bench_payments_seed (id bigint PRIMARY KEY, reference text, external_id text,
                                  order_ref text, amount numeric, currency text);

CREATE TEMP TABLE g AS
SELECT n,
       bench_rid('evt_3', 'evt' || n, 23) AS evt,
       bench_rid('pi_3', 'pi' || n, 23) AS pi,
       bench_rid('', 'cs' || n, 25) AS cs,
       bench_rid('cus_', 'cus' || (n % 50000), 14) AS cus,
       bench_rid('ch_3', 'ch' || n, 23) AS ch,
       bench_rid('pm_1', 'pm' || n, 23) AS pm,
       bench_rid('req_', 'req' || n, 14) AS req,
       md5('idem' || n)::uuid::text AS idem,
       'PAY-' || lpad(n::text, 8, '0') AS reference,
       'SO-' || lpad(n::text, 8, '0') AS order_ref,
       -- 5.00 .. 1499.99, in the currencies of a European shop
       500 + (hashint4(n) & 2147483647) % 149500 AS amount_minor,
       (ARRAY['eur', 'eur', 'eur', 'nok', 'sek', 'dkk', 'gbp', 'usd'])[1 + n % 8] AS currency,
       :ts - 2 - n % 20 AS created,
       :ts - 40 - n % 600 AS pi_created,
       (ARRAY['Kari Nordmann', 'Erik Johansson', 'Anna Schmidt', 'Jean Dupont', 'Maria Rossi',
              'Olivia Smith', 'Lars Hansen', 'Sofia García'])[1 + n % 8] || ' ' || (n % 97) AS name,
       (n % 180 + 1) || ' ' || (ARRAY['Storgata', 'Drottninggatan', 'Hauptstraße', 'Rue de Rivoli',
              'Via Roma', 'High Street', 'Nørrebrogade', 'Calle Mayor'])[1 + (n / 8) % 8] AS line1,
       (ARRAY['Oslo', 'Stockholm', 'Berlin', 'Paris', 'Milano', 'London', 'København', 'Madrid'])[1 + (n / 8) % 8] AS city,
       lpad(((hashint4(n + 7) & 2147483647) % 99999)::text, 5, '0') AS postal,
       (ARRAY['NO', 'SE', 'DE', 'FR', 'IT', 'GB', 'DK', 'ES'])[1 + (n / 8) % 8] AS country
  FROM generate_series(1, :nevents) AS n;

INSERT INTO bench_orders_seed (ref, total, currency)
SELECT order_ref, amount_minor / 100.0, upper(currency) FROM g;
INSERT INTO bench_payments_seed (id, reference, external_id, order_ref, amount, currency)
SELECT n, reference, pi, order_ref, amount_minor / 100.0, upper(currency) FROM g;

CREATE TEMP TABLE b AS
SELECT g.*,
       format(:'tmpl', evt, created, pi, amount_minor, cs, pi_created, currency, cus, NULL, ch,
              reference, order_ref, pm,
              lower(translate(split_part(name, ' ', 1), 'í', 'i')) || '.' || n || '@example.net',
              name, line1, city, postal, country, req, idem,
              bench_rid('cart_', 'cart' || n, 16), 'C' || lpad((n % 50000)::text, 6, '0'),
              right(order_ref, 8)) AS body
  FROM g;

INSERT INTO bench_events (n, headers, body, event_id, event_type, object_id, reference,
                          amount, amount_minor, currency, occurred_at)
SELECT n, bench_stripe_headers(body, :'secret', :ts), body, evt, 'payment_intent.succeeded', pi, reference,
       amount_minor / 100.0, amount_minor, upper(currency), to_timestamp(created)
  FROM b ORDER BY n;

\ir tables.sql

SELECT count(*) AS events,
       min(octet_length(body)) AS min_body_bytes,
       round(avg(octet_length(body))) AS avg_body_bytes,
       max(octet_length(body)) AS max_body_bytes
  FROM bench_events \gset
\echo events :events, body bytes min :min_body_bytes avg :avg_body_bytes max :max_body_bytes

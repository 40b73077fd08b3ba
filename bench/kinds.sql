-- bench/kinds.sql: more deliveries for the payments of bench_events, for
-- bench/outcomes.sh and bench/stream.sh: for each payment i up to :kinds,
-- the delivery of kind k is bench_events row k * :ks + i (kind 0, row i,
-- is setup.sql's payment_intent.succeeded):
--
--   1  charge.succeeded (captured)          bench/charge.json
--   2  charge.updated (its description)     bench/charge.json
--   3  payment_intent.processing            kind 0's body, status processing
--   4  charge.refunded, the whole amount    bench/charge.json
--   5  refund.created, the whole amount     bench/refund.json
--   6  payment_intent.succeeded of a payment that does not exist
--   7  Stripe's retry of kind 0 (the same body, signed 5 s later)
--   8  Stripe's retry of kind 1
--
-- and bench_stored_events: an earlier event of every payment and its
-- delivery, as webhook_events and webhook_deliveries would hold them, in
-- two sets that stored.sql loads: 'succeeded' (kind 0, applied) and
-- 'created' (the payment_intent.created that began the payment, ignored).
-- Their ids are 1,000,000,000 + i.
--
-- psql variables: kinds, ks, secret, ts, charge (bench/charge.json),
-- refund (bench/refund.json).  Takes a few minutes for 100,000 payments.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\ir functions.sql

DELETE FROM bench_events WHERE n > :ks;
DROP TABLE IF EXISTS bench_stored_events, bench_stored_deliveries;

-- what kind 0 says about its payment
CREATE TEMP TABLE p AS
SELECT b.n AS i, b.event_id AS evt, b.body, b.reference, b.amount, b.amount_minor AS amt, b.currency,
       j->>'created' AS created, o->>'id' AS pi, o->>'latest_charge' AS ch, lower(b.currency) AS cur,
       o->>'customer' AS cus, o->>'payment_method' AS pm, o->>'receipt_email' AS email,
       o->'shipping'->>'name' AS name, o->'shipping'->'address'->>'line1' AS line1,
       o->'shipping'->'address'->>'city' AS city, o->'shipping'->'address'->>'postal_code' AS postal,
       o->'shipping'->'address'->>'country' AS country, o->'metadata'->>'order_ref' AS order_ref,
       o->'metadata'->>'cart_id' AS cart, o->'metadata'->>'customer_no' AS custno,
       j->'request' AS request
  FROM bench_events b, LATERAL (SELECT b.body::jsonb AS j) x, LATERAL (SELECT j->'data'->'object' AS o) y
 WHERE b.n <= :kinds;

-- a charge event of payment p: format() arguments of bench/charge.json
CREATE FUNCTION pg_temp.charge(tmpl text, p p, kind text, evt text, created bigint, refunded bigint,
                               previous text, request jsonb) RETURNS text
LANGUAGE sql AS $$
    SELECT format(tmpl, evt, created, p.ch, p.amt, refunded, bench_rid('txn_3', 'txn' || p.i, 23),
                  p.created::bigint - 3, p.cur, p.cus, p.pi, p.email, p.name, p.line1, p.city, p.postal,
                  p.country, p.reference, p.order_ref, right(p.order_ref, 8), p.cart, p.custno,
                  p.i % 61, p.pm, 1 + p.i % 12, bench_rid('', 'fp' || p.i, 16), lpad((p.i % 9973)::text, 4, '0'),
                  bench_rid('acct_1', 'shop', 16) || '/' || bench_rid('ch_', 'rcpt' || p.i, 40),
                  (refunded > 0)::text, previous, jsonb_pretty(request), kind)
$$;

CREATE TEMP TABLE k (n int, kind int, body text, event_type text, object_id text, reference text,
                     amount_minor bigint, signed_at bigint);
-- kind 0's PaymentIntent body as another event of it: its id, its type and
-- status, nothing received yet
CREATE FUNCTION pg_temp.intent(body text, evt text, new_evt text, amt bigint, type text, status text)
RETURNS text LANGUAGE sql AS $$
    SELECT replace(replace(replace(replace(body, evt, new_evt),
                                   '"type": "payment_intent.succeeded"', '"type": "' || type || '"'),
                           '"status": "succeeded"', '"status": "' || status || '"'),
                   '"amount_received": ' || amt, '"amount_received": 0')
$$;

INSERT INTO k
SELECT i, c.kind,
       pg_temp.charge(:'charge', p, c.type, bench_rid('evt_3', c.seed || i, 23), created::bigint + c.later,
                      CASE WHEN c.refund THEN amt ELSE 0 END, c.previous,
                      CASE WHEN c.kind = 1 THEN request
                           ELSE jsonb_build_object('id', bench_rid('req_', 'req' || c.seed || i, 14),
                                                   'idempotency_key', md5('idem' || c.seed || i)::uuid) END),
       c.type, pi, reference, amt, :ts
  FROM p,
       (VALUES (1, 'charge.succeeded', 'chs', -1, false, ''),
               (2, 'charge.updated', 'chu', 30, false,
                E',\n    "previous_attributes": {\n      "description": null\n    }'),
               (4, 'charge.refunded', 'chr', 3600, true,
                E',\n    "previous_attributes": {\n      "amount_refunded": 0,\n      "refunded": false\n    }'))
       AS c(kind, type, seed, later, refund, previous);
INSERT INTO k
SELECT i, 3, pg_temp.intent(body, evt, bench_rid('evt_3', 'pip' || i, 23), amt, 'payment_intent.processing', 'processing'),
       'payment_intent.processing', pi, reference, amt, :ts
  FROM p;
INSERT INTO k
SELECT i, 5, format(:'refund', bench_rid('evt_3', 'rfc' || i, 23), created::bigint + 3600,
                    bench_rid('re_3', 're' || i, 23), amt, bench_rid('txn_3', 'rtxn' || i, 23), ch, cur,
                    lpad(((hashint4(i) & 2147483647) % 1000000000)::text, 23, '7'), pi, order_ref,
                    lpad(i::text, 8, '0'), bench_rid('req_', 'reqf' || i, 14), md5('idemf' || i)::uuid),
       'refund.created', pi, reference, amt, :ts
  FROM p;
INSERT INTO k
SELECT i, 6, replace(replace(replace(body, evt, bench_rid('evt_3', 'gone' || i, 23)),
                             pi, bench_rid('pi_3', 'gonepi' || i, 23)),
                     reference, 'GONE-' || right(reference, 8)),
       'payment_intent.succeeded', bench_rid('pi_3', 'gonepi' || i, 23), 'GONE-' || right(reference, 8), amt, :ts
  FROM p;
INSERT INTO k SELECT i, 7, body, 'payment_intent.succeeded', pi, reference, amt, :ts + 5 FROM p;
INSERT INTO k SELECT n, 8, body, event_type, object_id, reference, amount_minor, :ts + 5 FROM k WHERE kind = 1;

INSERT INTO bench_events (n, headers, body, event_id, event_type, object_id, reference,
                          amount, amount_minor, currency, occurred_at)
SELECT k.kind * :ks + k.n, bench_stripe_headers(k.body, :'secret', k.signed_at), k.body, j->>'id', k.event_type,
       k.object_id, k.reference, k.amount_minor / 100.0, k.amount_minor, p.currency,
       to_timestamp((j->>'created')::bigint)
  FROM k JOIN p ON p.i = k.n, LATERAL (SELECT k.body::jsonb AS j) x
 ORDER BY 1;

CREATE TABLE bench_stored_events (
    set text, id bigint, event_id text, event_type text, action text, object_id text, reference text,
    payment_id bigint, amount numeric, amount_minor bigint, currency text, occurred_at timestamptz,
    payload jsonb, status text, headers jsonb, body_sha256 bytea, body_size int
);
INSERT INTO bench_stored_events
SELECT 'succeeded', 1000000000 + b.n, b.event_id, b.event_type, 'capture', b.object_id, b.reference, b.n,
       b.amount, b.amount_minor, b.currency, b.occurred_at, b.body::jsonb, 'applied', b.headers,
       sha256(convert_to(b.body, 'UTF8')), octet_length(b.body)
  FROM bench_events b WHERE b.n <= :kinds;
INSERT INTO bench_stored_events
SELECT 'created', 1000000000 + i, new_evt, 'payment_intent.created', NULL, pi, reference, NULL, amount, amt,
       currency, to_timestamp(created::bigint - 40), new_body::jsonb, 'ignored',
       bench_stripe_headers(new_body, :'secret', :ts - 40), sha256(convert_to(new_body, 'UTF8')), octet_length(new_body)
  FROM p, LATERAL (SELECT bench_rid('evt_3', 'pic' || i, 23) AS new_evt) e,
       LATERAL (SELECT pg_temp.intent(body, evt, new_evt, amt, 'payment_intent.created', 'requires_payment_method')
                       AS new_body) x;
ALTER TABLE bench_stored_events SET (autovacuum_enabled = off);
ANALYZE bench_events;
SELECT kind, count(*), round(avg(octet_length(body))) AS avg_body_bytes FROM k GROUP BY 1 ORDER BY 1;

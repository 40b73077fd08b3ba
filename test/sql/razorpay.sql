-- Razorpay: the official vectors of reference/providers-next.md A.2.6
-- (RZ-1 and RZ-redirect), a derived one, then ingest moving payments through
-- the state machine, with the scheme's rejections and a rotated secret.
CREATE SCHEMA razorpay_test;
SET search_path = razorpay_test;
CREATE EXTENSION webhook SCHEMA razorpay_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;

-- RZ-1 (official: razorpay/razorpay-python tests/test_client_utility.py
-- test_verify_webhook_signature): the whole of tests/mocks/
-- fake_payment_authorized_webhook.json, 971 bytes, pretty-printed, ending in
-- one LF, signed with the client's key_secret
CREATE TABLE rz1 (body bytea);
INSERT INTO rz1 VALUES (convert_to(
    E'{\n' ||
    E'  "event": "payment.authorized",\n' ||
    E'  "entity": "event",\n' ||
    E'  "contains": [\n' ||
    E'    "payment"\n' ||
    E'  ],\n' ||
    E'  "payload": {\n' ||
    E'    "payment": {\n' ||
    E'      "entity": {\n' ||
    E'        "id": "pay_6koWN7bvxujzxM",\n' ||
    E'        "entity": "payment",\n' ||
    E'        "amount": 1000000,\n' ||
    E'        "currency": "INR",\n' ||
    E'        "status": "captured",\n' ||
    E'        "order_id": "order_100000000order",\n' ||
    E'        "international": false,\n' ||
    E'        "method": "card",\n' ||
    E'        "amount_refunded": 0,\n' ||
    E'        "refund_status": null,\n' ||
    E'        "captured": true,\n' ||
    E'        "description": "random description",\n' ||
    E'        "card_id": "card_6koWNAT6LASUqy",\n' ||
    E'        "bank": null,\n' ||
    E'        "wallet": null,\n' ||
    E'        "vpa": null,\n' ||
    E'        "email": "a@b.com",\n' ||
    E'        "contact": "+919999999999",\n' ||
    E'        "notes": {\n' ||
    E'          "merchant_order_id": "random order id"\n' ||
    E'        },\n' ||
    E'        "fee": 23000,\n' ||
    E'        "service_tax": 3000,\n' ||
    E'        "error_code": null,\n' ||
    E'        "error_description": null,\n' ||
    E'        "created_at": 1479978483\n' ||
    E'      }\n' ||
    E'    }\n' ||
    E'  },\n' ||
    E'  "created_at": 1400826760\n' ||
    E'}\n', 'UTF8'));
SELECT octet_length(body) AS bytes, encode(substr(body, 971), 'hex') AS last_byte FROM rz1;
\set rz1_sig 'd60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9'
SELECT webhook_verify('razorpay', jsonb_build_object('X-Razorpay-Signature', :'rz1_sig', 'x-razorpay-event-id', 'evt_rz1'),
                      body, 'key_secret') AS rz1,
       webhook_sign('razorpay', body, 'key_secret', '{"event_id": "evt_rz1"}')->>'X-Razorpay-Signature' = :'rz1_sig' AS rz1_signed,
       -- without its final LF the HMAC becomes 0971cde1...12e4 (RZ-1's negative)
       webhook_verify('razorpay', jsonb_build_object('X-Razorpay-Signature', :'rz1_sig', 'x-razorpay-event-id', 'evt_rz1'),
                      substr(body, 1, 970), 'key_secret') AS without_final_lf,
       left(h, 8) || '...' || right(h, 4) AS without_final_lf_hmac
  FROM rz1,
       LATERAL (SELECT webhook_sign('razorpay', substr(body, 1, 970), 'key_secret', '{"event_id": "evt_rz1"}')->>'X-Razorpay-Signature') AS s(h);
-- RZ-redirect (official, same test file): the checkout redirect's signature,
-- HMAC-SHA256 of "order_id|payment_id" with key_secret.  No webhook carries
-- it; the extension's HMAC gives it.
SELECT encode(webhook_hmac('fake_order_id|fake_payment_id'::bytea, 'key_secret'::bytea), 'hex')
       = 'b2335e3b0801106b84a7faff035df56ecffde06918c9ddd1f0fafbb37a51cc89' AS rz_redirect;

-- RZ-D (derived, computed with Python's hmac, not from Razorpay): a compact body
\set rzd_secret 'rzp_derived_webhook_secret'
\set rzd_body '{"entity":"event","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_derived1","amount":50000,"currency":"INR","status":"captured"}}},"created_at":1700000000}'
SELECT webhook_sign('razorpay', convert_to(:'rzd_body', 'UTF8'), :'rzd_secret', '{"event_id": "evt_derived1"}')
       = '{"X-Razorpay-Signature": "eba34d5e06f2431b835b6f94133dbb34157ac83ce470ae9d5e6407736101d25f", "x-razorpay-event-id": "evt_derived1"}' AS rzd;

-- webhook_verify, one bad input a line (RZ-D's headers unless said)
CREATE FUNCTION v(headers jsonb, body text DEFAULT :'rzd_body', secret text DEFAULT :'rzd_secret') RETURNS boolean
LANGUAGE sql AS $$
    SELECT webhook_verify('razorpay', headers, convert_to(body, 'UTF8'), secret)
$$;
\set rzd_headers '{"X-Razorpay-Signature": "eba34d5e06f2431b835b6f94133dbb34157ac83ce470ae9d5e6407736101d25f", "x-razorpay-event-id": "evt_derived1"}'
SELECT v(:'rzd_headers') AS signed,
       v(:'rzd_headers', body => :'rzd_body' || E'\n') AS tampered_body,
       v(:'rzd_headers', secret => 'rzp_derived_webhook_secreT') AS wrong_key,
       v(:'rzd_headers'::jsonb - 'X-Razorpay-Signature') AS no_signature,
       v(:'rzd_headers'::jsonb - 'x-razorpay-event-id') AS no_event_id,
       v(jsonb_set(:'rzd_headers', '{X-Razorpay-Signature}', to_jsonb(upper(:'rzd_headers'::jsonb->>'X-Razorpay-Signature')))) AS upper_hex,
       v(jsonb_set(:'rzd_headers', '{X-Razorpay-Signature}', to_jsonb('sha256=' || (:'rzd_headers'::jsonb->>'X-Razorpay-Signature')))) AS with_prefix,
       v(jsonb_set(:'rzd_headers', '{X-Razorpay-Signature}', '"not hex"')) AS not_hex,
       v(jsonb_set(:'rzd_headers', '{X-Razorpay-Signature}', to_jsonb(left(:'rzd_headers'::jsonb->>'X-Razorpay-Signature', 62)))) AS short_mac;

-- Ingest: a provider, its secret (RZ-1's), an order and its payments
SET webhook.clock_override = '2023-11-14 22:13:20+00';
SELECT webhook_add_provider('razorpay', 'razorpay', 'key_secret');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10000.00, 'INR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('razorpay', 'R-1', 'pay_6koWN7bvxujzxM', 'SO-1', 10000.00, 'INR');
INSERT INTO webhook_payments (provider, reference, amount, currency)
VALUES ('razorpay', 'R-2', 500.00, 'INR'), ('razorpay', 'R-3', 250.00, 'INR'), ('razorpay', 'R-4', 99.00, 'INR');
CREATE FUNCTION payment(pay text, amount bigint, ref text DEFAULT NULL, status text DEFAULT 'captured') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('entity', jsonb_build_object('id', pay, 'entity', 'payment', 'amount', amount,
        'currency', 'INR', 'status', status, 'order_id', 'order_' || substr(pay, 5), 'method', 'upi',
        'notes', CASE WHEN ref IS NULL THEN '{}' ELSE jsonb_build_object('reference', ref) END,
        'created_at', 1699999990))
$$;
CREATE FUNCTION ev(event text, payload jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('entity', 'event', 'account_id', 'acc_BFQ7uQEaa7j2z7', 'event', event,
        'contains', (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(payload) k),
        'payload', payload, 'created_at', 1700000000)::text
$$;
CREATE FUNCTION refund(id text, pay text, amount bigint, status text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('entity', jsonb_build_object('id', id, 'entity', 'refund', 'amount', amount,
        'currency', 'INR', 'payment_id', pay, 'notes', '{}', 'status', status, 'speed_processed', 'normal',
        'created_at', 1700000000))
$$;
CREATE FUNCTION rzp(body text, event_id text, secret text DEFAULT 'key_secret') RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('razorpay', webhook_sign('razorpay', convert_to(body, 'UTF8'), secret,
                                                   jsonb_build_object('event_id', event_id)), body)
$$;

-- RZ-1's bytes and signature as Razorpay sent them: R-1 by its payment id
SELECT show(webhook_ingest('razorpay', jsonb_build_object('X-Razorpay-Signature', :'rz1_sig',
                                                          'X-Razorpay-Event-Id', 'evt_rz1'), body)) FROM rz1;
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_6koWN7bvxujzxM', 1000000))), 'evt_R1a'));
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_6koWN7bvxujzxM', 1000000))), 'evt_R1a'));
-- refunds: refund.created while pending waits for refund.processed; each refund counted once
SELECT show(rzp(ev('refund.created', jsonb_build_object('refund', refund('rfnd_1', 'pay_6koWN7bvxujzxM', 300000, 'pending'),
                                                        'payment', payment('pay_6koWN7bvxujzxM', 1000000))), 'evt_R1b'));
SELECT show(rzp(ev('refund.processed', jsonb_build_object('refund', refund('rfnd_1', 'pay_6koWN7bvxujzxM', 300000, 'processed'),
                                                          'payment', payment('pay_6koWN7bvxujzxM', 1000000))), 'evt_R1c'));
SELECT show(rzp(ev('refund.created', jsonb_build_object('refund', refund('rfnd_2', 'pay_6koWN7bvxujzxM', 700000, 'processed'),
                                                        'payment', payment('pay_6koWN7bvxujzxM', 1000000))), 'evt_R1d'));
SELECT show(rzp(ev('refund.processed', jsonb_build_object('refund', refund('rfnd_2', 'pay_6koWN7bvxujzxM', 700000, 'processed'),
                                                          'payment', payment('pay_6koWN7bvxujzxM', 1000000))), 'evt_R1e'));
-- R-2 by notes.reference: a failed attempt, then another payment succeeds
SELECT show(rzp(ev('payment.failed', jsonb_build_object('payment', payment('pay_R2a', 50000, 'R-2', 'failed'))), 'evt_R2a'));
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_R2b', 50000, 'R-2'))), 'evt_R2b'));
-- R-3 by the order's receipt: order.paid carries the payment and the order
SELECT show(rzp(ev('order.paid', jsonb_build_object('payment', payment('pay_R3', 25000),
       'order', jsonb_build_object('entity', jsonb_build_object('id', 'order_R3', 'entity', 'order', 'amount', 25000,
                                   'amount_paid', 25000, 'currency', 'INR', 'receipt', 'R-3', 'status', 'paid')))), 'evt_R3'));
-- R-4 by a payment link's reference_id: cancelled before it was paid
SELECT show(rzp(ev('payment_link.cancelled', jsonb_build_object('payment_link',
       jsonb_build_object('entity', jsonb_build_object('id', 'plink_R4', 'amount', 9900, 'currency', 'INR',
                                   'reference_id', 'R-4', 'status', 'cancelled')))), 'evt_R4'));
-- a payment not known yet is parked; an event that maps to nothing is ignored
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_R9', 100, 'R-9'))), 'evt_R9'));
SELECT show(rzp(ev('payment.dispute.created', jsonb_build_object('payment', payment('pay_R2b', 50000, 'R-2'))), 'evt_R2c'));

-- rejections, one bad input a line
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_x', 1))), 'evt_x1', secret => 'not_the_secret'));
SELECT show(webhook_ingest('razorpay', webhook_sign('razorpay', convert_to(b, 'UTF8'), 'key_secret', '{"event_id": "evt_x2"}'), b || ' '))
  FROM ev('payment.captured', jsonb_build_object('payment', payment('pay_x', 1))) b;
SELECT show(webhook_ingest('razorpay', webhook_sign('razorpay', convert_to(b, 'UTF8'), 'key_secret', '{"event_id": "evt_x3"}')
                                       - 'X-Razorpay-Signature', b))
  FROM ev('payment.captured', jsonb_build_object('payment', payment('pay_x', 1))) b;
SELECT show(webhook_ingest('razorpay', webhook_sign('razorpay', convert_to(b, 'UTF8'), 'key_secret', '{"event_id": "evt_x4"}')
                                       - 'x-razorpay-event-id', b))
  FROM ev('payment.captured', jsonb_build_object('payment', payment('pay_x', 1))) b;
SELECT show(webhook_ingest('razorpay', '{"X-Razorpay-Signature": "xyz", "x-razorpay-event-id": "evt_x5"}', '{}'::text));
SELECT show(webhook_ingest('razorpay', '{"X-Razorpay-Signature": "00", "x-razorpay-signature": "00", "x-razorpay-event-id": "evt_x6"}', '{}'::text));
SELECT show(rzp('{"entity": "event", "payload": {}}', 'evt_x7'));

-- a rotated secret: both verify during the overlap, only the new one after it
SELECT webhook_rotate_secret('razorpay', 'rzp_new_webhook_secret', '1 hour') > 0 AS rotated;
UPDATE webhook_secrets SET label = CASE secret WHEN 'key_secret' THEN 'old' ELSE 'new' END WHERE provider = 'razorpay';
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('razorpay', 'R-5', 1.00, 'INR'),
       ('razorpay', 'R-6', 1.00, 'INR');
SELECT show(rzp(ev('payment.authorized', jsonb_build_object('payment', payment('pay_R5', 100, 'R-5', 'authorized'))), 'evt_R5a'));
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_R5', 100, 'R-5'))), 'evt_R5b',
                secret => 'rzp_new_webhook_secret'));
SET webhook.clock_override = '2023-11-14 23:13:21+00';
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_R6', 100, 'R-6'))), 'evt_R6a'));
SELECT show(rzp(ev('payment.captured', jsonb_build_object('payment', payment('pay_R6', 100, 'R-6'))), 'evt_R6b',
                secret => 'rzp_new_webhook_secret'));
SELECT d.event_id, d.outcome, s.label FROM webhook_deliveries d LEFT JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.event_id LIKE 'evt_R5%' OR d.event_id LIKE 'evt_R6%' OR d.outcome = 'invalid_signature' ORDER BY d.id;

-- what was stored
SELECT left(event_id, 12) AS event_id, event_type, action, object_id, reference, status, amount, currency, occurred_at
  FROM webhook_events WHERE provider = 'razorpay' ORDER BY id;
SELECT reference, external_id, state, amount_captured, amount_refunded FROM webhook_payments
 WHERE provider = 'razorpay' ORDER BY reference;
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders WHERE ref = 'SO-1';
SELECT refund_id, amount, currency FROM webhook_refunds WHERE provider = 'razorpay' ORDER BY refund_id;

-- webhook_sign: the headers Razorpay sends, options.event_id required
SELECT webhook_verify('razorpay', webhook_sign('razorpay', 'body'::bytea, 's', '{"event_id": "e"}'), 'body'::bytea, 's') AS verifies,
       webhook_verify('razorpay', webhook_sign('razorpay', 'body'::bytea, 's', '{"event_id": "e"}'), 'bodY'::bytea, 's') AS tampered;
SELECT webhook_sign('razorpay', 'x'::bytea, 's');
SELECT webhook_sign('razorpay', 'x'::bytea, 's', '{"event_id": ""}');
\set VERBOSITY terse
SELECT webhook_add_provider('razorpay_cfg', 'razorpay', NULL, '{"header": "X-Other"}');
\set VERBOSITY default

RESET webhook.clock_override;
RESET search_path;
DROP SCHEMA razorpay_test CASCADE;

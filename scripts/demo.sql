-- webhook demo: signed deliveries from several providers move payments and orders.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS webhook;

\echo
\echo '== 1. Register Stripe, a GitHub-style HMAC gateway and an API-key gateway'
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_demo_7f3a9c');
SELECT webhook_add_provider('acme_pay', 'hmac', 'acme-shared-secret',
       '{"header": "X-Acme-Signature", "prefix": "sha256=", "event_id_header": "X-Acme-Delivery"}');
SELECT webhook_add_provider('kassa', 'apikey', 'kassa-api-key-123', '{"header": "X-API-Key"}');
SELECT name, scheme, config FROM webhook_providers ORDER BY name;
\echo '   ... and the shop''s workers subscribe to the outbox: receipts on captures, fulfilment on paid orders'
SELECT webhook_subscribe('receipts', '{payment.captured}');
SELECT webhook_subscribe('fulfilment', '{order.paid}');

\echo
\echo '== 2. The shop creates two orders and starts three payments'
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1001', 49.90, 'EUR'), ('SO-1002', 120.00, 'NOK');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES
    ('stripe',   'PAY-1', 'pi_3PgafyB7WZ01zgkW', 'SO-1001', 49.90, 'EUR'),
    ('acme_pay', 'PAY-2', 'acme-7781',          'SO-1002', 100.00, 'NOK'),
    ('kassa',    'PAY-3', 'k-555',              'SO-1002', 20.00, 'NOK');
SELECT reference, provider, order_ref, amount, currency, state FROM webhook_payments ORDER BY id;

\echo
\echo '== 3. Stripe delivers payment_intent.succeeded, signed with the endpoint secret'
\set stripe_body '{"id":"evt_1PgcDemo","object":"event","type":"payment_intent.succeeded","created":1721948530,"data":{"object":{"id":"pi_3PgafyB7WZ01zgkW","object":"payment_intent","amount":4990,"amount_received":4990,"currency":"eur","status":"succeeded","metadata":{"reference":"PAY-1"}}}}'
SELECT jsonb_pretty(webhook_ingest('stripe',
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'stripe_body', 'whsec_demo_7f3a9c')),
       :'stripe_body')) AS reply;

\echo
\echo '== 4. Stripe retries the same event: stored once, nothing applied twice'
SELECT webhook_ingest('stripe',
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'stripe_body', 'whsec_demo_7f3a9c')),
       :'stripe_body') ->> 'outcome' AS outcome;

\echo
\echo '== 5. Someone replays it with a forged signature: refused and recorded'
SELECT webhook_ingest('stripe',
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'stripe_body', 'whsec_guess')),
       :'stripe_body') - 'delivery_id' AS reply;

\echo
\echo '== 6. The HMAC gateway captures PAY-2; the API-key gateway authorizes, then captures PAY-3'
\set acme_body '{"payment_id":"acme-7781","transaction_id":"PAY-2","status":"completed","amount":"100.00","currency":"NOK"}'
SELECT webhook_ingest('acme_pay',
       jsonb_build_object('X-Acme-Signature', 'sha256=' || webhook_sign_hmac(:'acme_body', 'acme-shared-secret'),
                          'X-Acme-Delivery', 'dlv-0001'),
       :'acme_body') - 'delivery_id' AS reply;
SELECT webhook_ingest('kassa', '{"X-API-Key": "kassa-api-key-123"}',
       '{"paymentId":"k-555","orderId":"PAY-3","status":"authorized","event":"auth"}'::text) - 'delivery_id' AS reply;
SELECT webhook_ingest('kassa', '{"X-API-Key": "kassa-api-key-123"}',
       '{"paymentId":"k-555","orderId":"PAY-3","status":"captured","event":"capture"}'::text) - 'delivery_id' AS reply;

\echo
\echo '== 7. A late "authorized" arrives after the capture: superseded, the state is kept'
SELECT webhook_ingest('kassa', '{"X-API-Key": "kassa-api-key-123"}',
       '{"paymentId":"k-555","orderId":"PAY-3","status":"authorized","event":"auth-retry"}'::text) ->> 'outcome' AS outcome;

\echo
\echo '== 8. Stripe refunds 9.90 of PAY-1 (refund.created, then the cumulative charge.refunded)'
\set refund_body '{"id":"evt_1PgcRefund","object":"event","type":"refund.created","created":1721949000,"data":{"object":{"id":"re_3PgbDemo","object":"refund","amount":990,"currency":"eur","payment_intent":"pi_3PgafyB7WZ01zgkW","status":"succeeded"}}}'
\set charge_body '{"id":"evt_1PgcCharge","object":"event","type":"charge.refunded","created":1721949001,"data":{"object":{"id":"ch_3PgbDemo","object":"charge","amount":4990,"amount_refunded":990,"currency":"eur","payment_intent":"pi_3PgafyB7WZ01zgkW"}}}'
SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'refund_body', 'whsec_demo_7f3a9c')), :'refund_body') ->> 'outcome' AS refund_created;
SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'charge_body', 'whsec_demo_7f3a9c')), :'charge_body') ->> 'outcome' AS charge_refunded;

\echo
\echo '== 9. An event arrives before its payment exists: parked, then applied when the shop inserts the payment'
\set early_body '{"id":"evt_1PgcEarly","object":"event","type":"payment_intent.succeeded","created":1721950000,"data":{"object":{"id":"pi_3PgzEarly","object":"payment_intent","amount":1500,"currency":"eur","metadata":{"reference":"PAY-4"}}}}'
SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'early_body', 'whsec_demo_7f3a9c')), :'early_body') ->> 'outcome' AS outcome;
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1003', 15.00, 'EUR');
INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency) VALUES ('stripe', 'PAY-4', 'SO-1003', 15.00, 'EUR');

\echo
\echo '== 10. Vipps MobilePay: a registration secret, then AUTHORIZED and two partial CAPTUREs'
SELECT webhook_add_provider('vipps', 'vipps', NULL, '{"public_url": "https://shop.example.com/hooks/vipps?shop=1"}');
SELECT webhook_add_secret('vipps', '090a478d-37ff-4e77-970e-d457aeb26a3a', 'vipps-webhook-2f7c') > 0 AS registered;
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1004', 350.00, 'NOK');
INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency) VALUES ('vipps', 'order-10001', 'SO-1004', 350.00, 'NOK');
SELECT name, webhook_ingest('vipps',
       webhook_sign_vipps(b, '090a478d-37ff-4e77-970e-d457aeb26a3a', '/hooks/vipps?shop=1', 'shop.example.com'),
       b, '/proxied/by/nginx') - 'delivery_id' AS reply
  FROM (VALUES (1, 'AUTHORIZED', 'psp-1', 35000), (2, 'CAPTURED', 'psp-2', 20000), (3, 'CAPTURED', 'psp-3', 15000)) v(n, name, psp, value),
       LATERAL (SELECT jsonb_build_object('msn', '123456', 'reference', 'order-10001', 'pspReference', psp, 'name', name,
                'amount', jsonb_build_object('currency', 'NOK', 'value', value), 'timestamp', now(), 'success', true)::text AS b) body
 ORDER BY n;

\echo
\echo '== 11. A Standard Webhooks (Svix-style) gateway'
SELECT webhook_add_provider('acme_std', 'standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
       '{"paths": {"external_id": ["data", "payment_id"], "event_type": ["data", "status"], "amount": ["data", "amount"], "currency": ["data", "currency"]}}');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('acme_std', 'PAY-5', 'std-42', 12.00, 'EUR');
\set std_body '{"type":"payment.updated","data":{"payment_id":"std-42","status":"succeeded","amount":"12.00","currency":"EUR"}}'
SELECT webhook_ingest('acme_std', jsonb_build_object('webhook-id', 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
       'webhook-timestamp', t::text,
       'webhook-signature', webhook_sign_standard(:'std_body', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', t)),
       :'std_body') - 'delivery_id' AS reply
  FROM (SELECT floor(extract(epoch FROM now()))::bigint AS t) ts;

\echo
\echo '== Payments now'
SELECT reference, provider, state, amount, amount_captured, amount_refunded FROM webhook_payments ORDER BY id;
\echo '== Orders now'
SELECT ref, total, currency, state, amount_paid, amount_refunded FROM webhook_orders ORDER BY ref;
\echo '== Events (one row per provider event)'
SELECT provider, event_id, event_type, action, status, amount, currency, deliveries FROM webhook_events ORDER BY id;
\echo '== Deliveries (one row per call, rejected bodies kept for investigation)'
SELECT id, provider, http_status, outcome, event_id, body IS NOT NULL AS body_kept FROM webhook_deliveries ORDER BY id;
\echo '== What a DBA looks at each morning'
SELECT * FROM webhook_stats ORDER BY provider;
SELECT provider, event_id, status, detail FROM webhook_parked_events;
\echo
\echo '== The outbox: one message per change and worker, written in the change''s transaction'
SELECT id, consumer, topic, payload->'payment'->>'reference' AS payment, payload->'order'->>'ref' AS "order",
       payload->'event'->>'event_id' AS event, status
  FROM webhook_outbox ORDER BY id;
\echo '== The receipts worker claims its messages, sends the receipts, and acknowledges them'
\o /dev/null
CREATE TEMP TABLE claimed AS SELECT * FROM webhook_outbox_claim('receipts', 100);
\o
SELECT id, topic, payload->'payment'->>'reference' AS payment, (payload->'payment'->>'amount_captured')::numeric AS captured,
       payload->'payment'->>'currency' AS currency, attempts FROM claimed ORDER BY id;
SELECT webhook_outbox_ack('receipts', ARRAY(SELECT id FROM claimed)) AS acknowledged;
SELECT consumer, ready, leased, dead, lag FROM webhook_outbox_lag ORDER BY consumer;

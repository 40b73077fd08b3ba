-- webhook_ingest: every outcome the stripe, hmac and apikey schemes can
-- produce, every caller error, and the delivery record of each call.
CREATE SCHEMA ingest_test;
SET search_path = ingest_test;
CREATE EXTENSION webhook SCHEMA ingest_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';
\set now 1772366400

-- One line per reply: status, outcome, payment and order state, detail.
CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;
-- A Stripe event whose object is a PaymentIntent.
CREATE FUNCTION pi_event(evt text, typ text, pi text, amount bigint, cur text DEFAULT 'eur',
                         ref text DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', typ, 'created', 1772366390,
        'livemode', false, 'api_version', '2024-06-20',
        'data', jsonb_build_object('object', jsonb_build_object(
            'id', pi, 'object', 'payment_intent', 'amount', amount, 'amount_received', amount,
            'currency', cur, 'status', 'succeeded',
            'metadata', CASE WHEN ref IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reference', ref) END)))::text
$$;
-- Sign with a secret at a time and ingest, as Stripe would deliver it.
CREATE FUNCTION stripe(body text, secret text DEFAULT 'whsec_test_secret', ts bigint DEFAULT 1772366400)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(body, secret, ts)), body)
$$;

SELECT webhook_add_provider('stripe', 'stripe', 'whsec_test_secret');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10.99, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('stripe', 'R-1', 'pi_1', 'SO-1', 10.99, 'EUR');

-- applied, then the same event again, then an event that changes nothing
SELECT show(stripe(pi_event('evt_1', 'payment_intent.succeeded', 'pi_1', 1099)));
SELECT show(stripe(pi_event('evt_1', 'payment_intent.succeeded', 'pi_1', 1099)));
SELECT show(stripe(pi_event('evt_2', 'charge.captured', 'pi_1', 1099)));
-- a late "processing" after "succeeded" keeps the captured state
SELECT show(stripe(pi_event('evt_3', 'payment_intent.processing', 'pi_1', 1099)));
-- a type that maps to no action
SELECT show(stripe(pi_event('evt_4', 'customer.created', 'pi_1', 1099)));
SELECT event_id, status, deliveries, amount, amount_minor, currency FROM webhook_events ORDER BY id;

-- the reply carries what a caller needs
SELECT r - 'delivery_id' FROM stripe(pi_event('evt_1', 'payment_intent.succeeded', 'pi_1', 1099)) r;

-- unmatched: parked, then applied when its payment is inserted
SELECT show(stripe(pi_event('evt_5', 'payment_intent.succeeded', 'pi_2', 500, 'usd', 'R-2')));
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('stripe', 'R-2', 5, 'USD');
SELECT reference, state, amount_captured FROM webhook_payments WHERE reference = 'R-2';
SELECT event_id, status, payment_id IS NOT NULL AS matched FROM webhook_events WHERE event_id = 'evt_5';

-- failed: an unknown currency; stored with the error, applied when redelivered after the fix
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-3', 'pi_3', 12, 'ZZZ');
SELECT show(stripe(pi_event('evt_6', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz')));
SELECT show(stripe(pi_event('evt_6', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz')));
INSERT INTO webhook_currencies VALUES ('ZZZ', 2);
SELECT show(stripe(pi_event('evt_6', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz')));
SELECT show(stripe(pi_event('evt_6', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz')));
SELECT event_id, status, deliveries, amount FROM webhook_events WHERE event_id = 'evt_6';

-- held: the amount disagrees and the provider's policy is hold
UPDATE webhook_providers SET config = '{"on_mismatch": "hold"}' WHERE name = 'stripe';
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-4', 'pi_4', 20, 'EUR');
SELECT show(stripe(pi_event('evt_7', 'payment_intent.succeeded', 'pi_4', 1999)));
SELECT show(stripe(pi_event('evt_8', 'payment_intent.succeeded', 'pi_4', 2000, 'usd')));
-- apply (the default) stores the mismatch in detail
UPDATE webhook_providers SET config = '{}' WHERE name = 'stripe';
SELECT show(stripe(pi_event('evt_9', 'payment_intent.succeeded', 'pi_4', 1999)));
SELECT reference, state, amount, amount_captured FROM webhook_payments WHERE reference = 'R-4';

-- unmatched with policy reject: 404, nothing stored, accepted once the payment exists
UPDATE webhook_providers SET config = '{"unmatched": "reject"}' WHERE name = 'stripe';
SELECT show(stripe(pi_event('evt_10', 'payment_intent.succeeded', 'pi_10', 100)));
SELECT count(*) AS stored FROM webhook_events WHERE event_id = 'evt_10';
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-10', 'pi_10', 1, 'EUR');
SELECT show(stripe(pi_event('evt_10', 'payment_intent.succeeded', 'pi_10', 100)));
UPDATE webhook_providers SET config = '{}' WHERE name = 'stripe';

-- Rejections: one bad input per line.
SELECT show(webhook_ingest('nobody', '{}', '{}'::text));
UPDATE webhook_providers SET enabled = false WHERE name = 'stripe';
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099)));
UPDATE webhook_providers SET enabled = true WHERE name = 'stripe';
SET webhook.max_body_bytes = 100;
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099)));
RESET webhook.max_body_bytes;
SELECT show(webhook_ingest('stripe', '{}', '{"id":"evt_x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":"t=1,v1=00","stripe-signature":"t=1,v1=00"}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":"v1=abcd"}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":"t=1772366400,t=1772366400,v1=abcd"}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":"t=17723664OO,v1=abcd"}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":"t=-1772366400,v1=abcd"}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":"garbage"}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', '{"Stripe-Signature":""}', '{"id":"evt_x","type":"x"}'::text));
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099), 'whsec_wrong'));
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099), 'test_secret'));
SELECT show(webhook_ingest('stripe', jsonb_build_object('Stripe-Signature',
    replace(webhook_sign_stripe('{"id":"evt_x","type":"x"}', 'whsec_test_secret', :now), 'v1=', 'v0=')),
    '{"id":"evt_x","type":"x"}'::text));
SELECT show(webhook_ingest('stripe', jsonb_build_object('Stripe-Signature',
    webhook_sign_stripe('{"id":"evt_x","type":"x"}', 'whsec_test_secret', :now)),
    '{"id":"evt_x","type":"y"}'::text));
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099), ts => :now - 301));
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099), ts => :now + 301));
SELECT show(stripe(pi_event('evt_x', 'payment_intent.succeeded', 'pi_1', 1099), ts => :now - 300));
SELECT show(stripe('not json'));
SELECT show(stripe('[1, 2, 3]'));
SELECT show(stripe('"a string"'));
SELECT show(stripe('{"id": "evt_y", "type": "x"'));
SELECT show(stripe('{"type": "payment_intent.succeeded"}'));
SELECT show(stripe('{"id": 42, "type": "payment_intent.succeeded"}'));
SELECT show(stripe('{"id": "evt_y"}'));
-- amounts and currencies that cannot be applied: stored held, never applied
SELECT show(stripe('{"id": "evt_a1", "type": "charge.succeeded", "data": {"object": {"object": "charge", "amount": 10.5, "currency": "eur"}}}'));
SELECT show(stripe('{"id": "evt_a2", "type": "charge.succeeded", "data": {"object": {"object": "charge", "amount": -5, "currency": "eur"}}}'));
SELECT show(stripe('{"id": "evt_a3", "type": "charge.succeeded", "data": {"object": {"object": "charge", "amount": 5}}}'));
SELECT show(stripe('{"id": "evt_a4", "type": "charge.succeeded", "data": {"object": {"object": "charge", "amount": 5, "currency": "euro"}}}'));
SELECT show(stripe('{"id": "evt_a5", "type": "charge.succeeded", "data": {"object": {"object": "charge", "amount": 5, "currency": 978}}}'));
-- an event that maps to no action is ignored, whatever its currency
SELECT show(stripe('{"id": "evt_a6", "type": "x", "data": {"object": {"object": "charge", "amount": 5, "currency": "euro"}}}'));
SELECT event_id, status, detail, amount, amount_minor, currency FROM webhook_events WHERE event_id LIKE 'evt_a_' ORDER BY event_id;
SELECT show(stripe('{"id": "evt_y", "type": "x", "created": "yesterday"}'));
SELECT show(stripe('{"id": "evt_y", "type": "x", "n": 1e100000000}'));
SELECT show(stripe('{"id": "evt_y", "type": "x", "s": "\u0000"}'));
SELECT show(stripe(repeat('[', 100000) || repeat(']', 100000)));
SELECT show(stripe('{"id": "' || repeat('e', 300) || '", "type": "x"}'));
-- bytes that are not UTF-8, through the bytea form
SELECT show(webhook_ingest('stripe', jsonb_build_object('Stripe-Signature',
    webhook_sign_stripe('\x7b226964223a22ff227d'::bytea, 'whsec_test_secret', :now)),
    '\x7b226964223a22ff227d'::bytea));
SELECT show(webhook_ingest('stripe', jsonb_build_object('Stripe-Signature',
    webhook_sign_stripe('\x7b7d00'::bytea, 'whsec_test_secret', :now)), '\x7b7d00'::bytea));

-- every call left one delivery; bodies are kept for rejections (4xx) only
SELECT outcome, http_status, count(*), count(body) AS bodies, bool_and(body_sha256 IS NOT NULL) AS hashed
  FROM webhook_deliveries GROUP BY 1, 2 ORDER BY 2, 1;
SELECT d.outcome, d.event_pk = e.id AS linked, d.secret_id IS NOT NULL AS secret
  FROM webhook_deliveries d JOIN webhook_events e ON e.event_id = d.event_id
 WHERE e.event_id = 'evt_1' ORDER BY d.id;

-- The envelope form
SELECT show(webhook_ingest(jsonb_build_object('provider', 'stripe',
    'headers', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(pi_event('evt_20', 'payment_intent.succeeded', 'pi_1', 1099), 'whsec_test_secret', :now)),
    'body', pi_event('evt_20', 'payment_intent.succeeded', 'pi_1', 1099))));
SELECT show(webhook_ingest(jsonb_build_object('provider', 'stripe',
    'headers', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(pi_event('evt_21', 'payment_intent.succeeded', 'pi_1', 1099), 'whsec_test_secret', :now)),
    'path', '/hooks/stripe',
    'body_base64', encode(convert_to(pi_event('evt_21', 'payment_intent.succeeded', 'pi_1', 1099), 'UTF8'), 'base64'))));
SELECT path FROM webhook_deliveries WHERE event_id = 'evt_21';

-- Caller errors: SQL errors with an SQLSTATE, and nothing recorded
\set VERBOSITY sqlstate
SELECT webhook_ingest(NULL, '{}', '{}'::text);
SELECT webhook_ingest('stripe', NULL, '{}'::text);
SELECT webhook_ingest('stripe', '{}', NULL::text);
SELECT webhook_ingest('stripe', '[]', '{}'::text);
SELECT webhook_ingest('stripe', '"x"', '{}'::text);
SELECT webhook_ingest('stripe', '{"Stripe-Signature": 1}', '{}'::text);
SELECT webhook_ingest(NULL::jsonb);
SELECT webhook_ingest('[]'::jsonb);
SELECT webhook_ingest('{"headers": {}, "body": "{}"}'::jsonb);
SELECT webhook_ingest('{"provider": "stripe", "body": "{}"}'::jsonb);
SELECT webhook_ingest('{"provider": "stripe", "headers": {}}'::jsonb);
SELECT webhook_ingest('{"provider": "stripe", "headers": {}, "body": "{}", "body_base64": "e30="}'::jsonb);
SELECT webhook_ingest('{"provider": "stripe", "headers": {}, "body_base64": "not base64!"}'::jsonb);
SELECT webhook_ingest('{"provider": 7, "headers": {}, "body": "{}"}'::jsonb);
\set VERBOSITY default
SELECT webhook_ingest(NULL, '{}', '{}'::text);
SELECT webhook_ingest('stripe', '[]', '{}'::text);
SELECT webhook_ingest('stripe', '{"Stripe-Signature": 1}', '{}'::text);

-- Generic HMAC: GitHub (hex, prefix, delivery id header) and Shopify (base64)
SELECT webhook_add_provider('github', 'hmac', 'It''s a Secret to Everybody',
    '{"header": "X-Hub-Signature-256", "prefix": "sha256=", "event_id_header": "X-GitHub-Delivery"}');
SELECT webhook_add_provider('shopify', 'hmac', 'test_secret_key',
    '{"header": "X-Shopify-Hmac-Sha256", "encoding": "base64", "paths": {"event_id": ["id"], "external_id": ["payment_id"], "event_type": ["financial_status"], "amount": ["total_price"], "currency": ["currency"]}}');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-5', 25, 'USD');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('github', 'T-5', 'P-5', 'SO-5', 25, 'USD'), ('shopify', 'S-6', 'P-6', NULL, 7.5, 'NOK');
SELECT show(webhook_ingest('github', jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac(b, 'It''s a Secret to Everybody'), 'X-GitHub-Delivery', 'd-1'), b))
  FROM (VALUES ('{"payment_id": "P-5", "transaction_id": "T-5", "status": "completed", "amount": "25.00", "currency": "usd"}'::text)) v(b);
SELECT event_id, event_type, action, amount, currency FROM webhook_events WHERE provider = 'github';
SELECT show(webhook_ingest('github', jsonb_build_object('x-hub-signature-256', 'sha256=' || upper(webhook_sign_hmac(b, 'It''s a Secret to Everybody')), 'x-github-delivery', 'd-1'), b))
  FROM (VALUES ('{"payment_id": "P-5", "transaction_id": "T-5", "status": "completed", "amount": "25.00", "currency": "usd"}'::text)) v(b);
SELECT show(webhook_ingest('github', jsonb_build_object('X-Hub-Signature-256', webhook_sign_hmac(b, 'It''s a Secret to Everybody')), b))
  FROM (VALUES ('{"payment_id": "P-5", "status": "refunded"}'::text)) v(b);
SELECT show(webhook_ingest('github', jsonb_build_object('X-Hub-Signature-256', 'sha256=zz'), '{}'::text));
SELECT show(webhook_ingest('github', jsonb_build_object('X-Hub-Signature-256', 'sha256=abcd'), '{}'::text));
SELECT show(webhook_ingest('github', jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac('{}'::text, 'wrong')), '{}'::text));
-- without the delivery header the event id is the body's SHA-256; the generic refund applies
SELECT show(webhook_ingest('github', jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac(b, 'It''s a Secret to Everybody')), b))
  FROM (VALUES ('{"payment_id": "P-5", "status": "REFUNDED", "amount": "5.00", "currency": "USD"}'::text)) v(b);
SELECT event_id = encode(sha256(convert_to('{"payment_id": "P-5", "status": "REFUNDED", "amount": "5.00", "currency": "USD"}', 'UTF8')), 'hex') AS body_hash_id, status
  FROM webhook_events WHERE provider = 'github' AND event_type = 'REFUNDED';
SELECT show(webhook_ingest('shopify', jsonb_build_object('X-Shopify-Hmac-Sha256', webhook_sign_hmac(b, 'test_secret_key', 'sha256', 'base64')), b))
  FROM (VALUES ('{"id": 820982911946154508, "payment_id": "P-6", "financial_status": "paid", "total_price": "7.50", "currency": "NOK"}'::text)) v(b);
SELECT show(webhook_ingest('shopify', jsonb_build_object('X-Shopify-Hmac-Sha256', 'not base64'), '{"id": 1}'::text));
SELECT show(webhook_ingest('shopify', jsonb_build_object('X-Shopify-Hmac-Sha256', webhook_sign_hmac('{"id": 2}'::text, 'test_secret_key', 'sha256', 'hex')), '{"id": 2}'::text));

-- API keys: compared in constant time and stored redacted
SELECT webhook_add_provider('gateway', 'apikey', 'k3y-0f-the-gateway');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('gateway', 'G-1', 'gp_1', 3, 'EUR');
SELECT show(webhook_ingest('gateway', '{"X-API-Key": "k3y-0f-the-gateway", "X-Other": "kept"}',
    '{"paymentId": "gp_1", "orderId": "G-1", "status": "authorized", "event": "auth", "timestamp": "2026-03-01T11:59:00Z"}'::text));
SELECT show(webhook_ingest('gateway', '{"x-api-key": "k3y-0f-the-gateway"}',
    '{"paymentId": "gp_1", "orderId": "G-1", "status": "captured", "event": "capture"}'::text));
SELECT show(webhook_ingest('gateway', '{"X-API-Key": "wrong"}', '{"paymentId": "gp_1", "status": "failed", "event": "x"}'::text));
SELECT show(webhook_ingest('gateway', '{"X-API-Key": ""}', '{"paymentId": "gp_1", "status": "failed", "event": "x"}'::text));
SELECT show(webhook_ingest('gateway', '{}', '{"paymentId": "gp_1", "status": "failed", "event": "x"}'::text));
SELECT event_id, event_type, action, status, occurred_at FROM webhook_events WHERE provider = 'gateway' ORDER BY id;
SELECT outcome, headers FROM webhook_deliveries WHERE provider = 'gateway' ORDER BY id;
SELECT count(*) AS secrets_in_deliveries FROM webhook_deliveries
 WHERE headers::text LIKE '%k3y-0f%' OR position(convert_to('k3y-0f', 'UTF8') IN coalesce(body, '')) > 0;

RESET search_path;
DROP SCHEMA ingest_test CASCADE;

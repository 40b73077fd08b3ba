-- Fetch and apply (README "Fetch and apply"): Stripe's thin events (v2
-- event destinations) are verified and stored with status fetch, change no
-- payment, and add the outbox message fetch.stripe; the object the shop
-- fetches is applied by webhook_apply_object as authoritative, within the
-- state machine, idempotently, recorded as a delivery of kind object.
CREATE SCHEMA fetch_test;
SET search_path = fetch_test;
CREATE EXTENSION webhook SCHEMA fetch_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '[' || (SELECT string_agg(concat_ws(':', e->>'outcome', e->'payment'->>'state'), ' ' ORDER BY o)
                  FROM jsonb_array_elements(r->'events') WITH ORDINALITY AS x(e, o)) || ']',
        '(' || (r->>'detail') || ')')
$$;
CREATE FUNCTION states() RETURNS TABLE (reference text, state text, captured numeric, refunded numeric, "order" text)
LANGUAGE sql AS $$
    SELECT p.reference, p.state, p.amount_captured, p.amount_refunded, o.state
      FROM webhook_payments p LEFT JOIN webhook_orders o ON o.ref = p.order_ref ORDER BY p.reference
$$;

SET webhook.clock_override = '2024-09-17 06:21:00+00';
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_thin');
SELECT webhook_subscribe('fetcher', '{fetch.*}');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10.99, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES
    ('stripe', 'R-1', 'pi_1', 'SO-1', 10.99, 'EUR'),
    ('stripe', 'R-2', 'pi_2', NULL, 20, 'EUR');
CREATE FUNCTION deliver(body text, secret text DEFAULT 'whsec_thin') RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature',
                          webhook_sign_stripe(body, secret, 1726554060)), body)
$$;

-- The changelog's thin event, verbatim: verified, stored fetch, nothing moves
\set thin '{ "id": "evt_test_65R9Ijk8dKEYZcXeRWn16R9A7j1FSQ3w3TGDPLLGSM4CW0", "object": "v2.core.event", "type": "v1.billing.meter.error_report_triggered", "livemode": false, "created": "2024-09-17T06:20:52.246Z", "related_object": { "id": "mtr_test_61R9IeP0SgKbYROOx41PEAQhH0qO23oW", "type": "billing.meter", "url": "/v1/billing/meters/mtr_test_61R9IeP0SgKbYROOx41PEAQhH0qO23oW" } }'
SELECT show(deliver(:'thin'));
SELECT event_id, event_type, object_id, status, detail, occurred_at FROM webhook_events;
-- a thin event about a PaymentIntent, and one that names no object (the event itself is fetched)
SELECT show(deliver('{"id": "evt_2", "object": "v2.core.event", "type": "v1.payment_intent.succeeded",
    "created": "2024-09-17T06:20:53Z", "related_object": {"id": "pi_1", "type": "payment_intent",
    "url": "/v1/payment_intents/pi_1"}}'));
SELECT show(deliver('{"id": "evt_3", "object": "v2.core.event", "type": "v2.core.account.updated",
    "created": "2024-09-17T06:20:54Z", "related_object": null}'));
-- its retry is a duplicate and writes no second message; a wrong signature is refused as ever
SELECT show(deliver('{"id": "evt_2", "object": "v2.core.event", "type": "v1.payment_intent.succeeded",
    "created": "2024-09-17T06:20:53Z", "related_object": {"id": "pi_1", "type": "payment_intent",
    "url": "/v1/payment_intents/pi_1"}}'));
SELECT show(deliver(:'thin', 'whsec_other'));
SELECT * FROM states();
-- the messages: one per thin event stored, naming what to fetch
SELECT topic, payload->'event'->>'event_id' AS event_id, payload->'event'->'object' AS object
  FROM webhook_outbox_claim('fetcher') ORDER BY id;

-- The shop fetches pi_1 and applies it: the payment follows the object
\set pi1 '{"id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": 1099, "amount_received": 1099, "currency": "eur", "metadata": {}}'
SELECT show(webhook_apply_object('stripe', :'pi1'));
-- the same object again changes nothing: a duplicate
SELECT show(webhook_apply_object('stripe', :'pi1'));
-- an older state fetched late (a retry of the fetch) is superseded, within the state machine
SELECT show(webhook_apply_object('stripe', '{"id": "pi_1", "object": "payment_intent", "status": "processing",
    "amount": 1099, "currency": "eur"}'));
-- a PaymentIntent waiting for capture authorizes; a status that says nothing yet stores nothing
SELECT show(webhook_apply_object('stripe', '{"id": "pi_2", "object": "payment_intent", "status": "requires_capture",
    "amount": 2000, "currency": "eur"}'));
SELECT show(webhook_apply_object('stripe', '{"id": "pi_2", "object": "payment_intent", "status": "requires_action",
    "amount": 2000, "currency": "eur"}'));
-- a Charge with refunds: its capture and its cumulative refund, two events
SELECT show(webhook_apply_object('stripe', '{"id": "ch_2", "object": "charge", "status": "succeeded",
    "captured": true, "payment_intent": "pi_2", "amount": 2000, "amount_captured": 2000,
    "amount_refunded": 500, "currency": "eur"}'));
SELECT * FROM states();
-- what it cannot apply
SELECT show(webhook_apply_object('stripe', '{"id": "cus_1", "object": "customer"}'));
SELECT show(webhook_apply_object('stripe', '[1, 2]'));
SELECT show(webhook_apply_object('nobody', :'pi1'));
SELECT webhook_apply_object('stripe', NULL);
SELECT webhook_add_provider('hooks', 'hmac', 'k');
SELECT webhook_apply_object('hooks', :'pi1');

-- The deliveries: the thin events' as webhooks, the objects' of their own kind
SELECT kind, http_status, outcome, event_count, headers IS NULL AS no_headers
  FROM webhook_deliveries ORDER BY id;
SELECT event_id LIKE 'object:%' AS object_id, event_type, status FROM webhook_events
 WHERE event_id NOT LIKE 'evt%' ORDER BY id;
-- a refused object cannot be redelivered as a webhook
SELECT webhook_redeliver(max(id)) FROM webhook_deliveries WHERE kind = 'object' AND http_status = 400;

DROP SCHEMA fetch_test CASCADE;

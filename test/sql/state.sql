-- Payment and order state: the transition table, hand updates, orders,
-- the refund ledger, minor units and parked events.
CREATE SCHEMA state_test;
SET search_path = state_test;
CREATE EXTENSION webhook SCHEMA state_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;
CREATE FUNCTION stripe(body jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature',
        webhook_sign_stripe(body::text, 'whsec_s', 1772366400)), body::text)
$$;
CREATE FUNCTION ev(evt text, typ text, obj jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', typ, 'created', 1772366000,
                              'data', jsonb_build_object('object', obj))
$$;
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_s');

-- The transition table, as the state machine allows it
SELECT f AS from_state, string_agg(t, ' ' ORDER BY t) AS to_states
  FROM unnest(ARRAY['pending','authorized','captured','failed','canceled','partially_refunded','refunded']) f,
       unnest(ARRAY['pending','authorized','captured','failed','canceled','partially_refunded','refunded']) t
 WHERE webhook_transition_allowed(f, t)
 GROUP BY f ORDER BY f;

-- An order's state from its amounts, at each boundary (total 10)
SELECT paid, refunded, webhook_order_state(10, paid, refunded) AS state
  FROM (VALUES (0, 0), (0.01, 0), (9.99, 0), (10, 0), (12, 0),
               (10, 0.01), (10, 9.99), (10, 10), (10, 11), (0, 5)) v(paid, refunded);

-- An app that updates a payment by hand obeys the same rules
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 30, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('stripe', 'R-1', 'pi_1', 'SO-1', 10, 'eur'),
       ('stripe', 'R-2', 'pi_2', 'SO-1', 20, 'EUR');
SELECT reference, currency, state, state_changed_at IS NOT NULL AS stamped FROM webhook_payments ORDER BY id;
UPDATE webhook_payments SET state = 'authorized' WHERE reference = 'R-1';
UPDATE webhook_payments SET state = 'pending' WHERE reference = 'R-1';
UPDATE webhook_payments SET state = 'refunded' WHERE reference = 'R-1';
UPDATE webhook_payments SET state = 'shipped' WHERE reference = 'R-1';
-- what CHECK constraints would refuse, the triggers refuse
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('stripe', 'X-1', 1, 'euro');
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('stripe', 'X-2', -1, 'EUR');
INSERT INTO webhook_payments (provider, reference, amount, currency, state) VALUES ('stripe', 'X-3', 1, 'EUR', 'paid');
INSERT INTO webhook_payments (provider, amount, currency) VALUES ('stripe', 1, 'EUR');
UPDATE webhook_payments SET currency = 'EU' WHERE reference = 'R-1';
UPDATE webhook_payments SET amount = -10 WHERE reference = 'R-1';
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-X', -1, 'EUR');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-X', 1, 'eur');
INSERT INTO webhook_orders (ref, total, currency, state) VALUES ('SO-X', 1, 'EUR', 'shipped');
UPDATE webhook_orders SET total = -5 WHERE ref = 'SO-1';
-- capturing by hand moves the order like an event would
UPDATE webhook_payments SET state = 'captured', amount_captured = 10 WHERE reference = 'R-1';
SELECT ref, state, amount_paid, amount_refunded, paid_at IS NOT NULL AS paid FROM webhook_orders;
SELECT show(stripe(ev('evt_1', 'payment_intent.succeeded',
    '{"id": "pi_2", "object": "payment_intent", "amount": 2000, "amount_received": 2000, "currency": "eur"}')));
SELECT ref, state, amount_paid, amount_refunded, paid_at IS NOT NULL AS paid FROM webhook_orders;

-- Refunds: the ledger counts each refund id once; cumulative figures only raise the total
SELECT show(stripe(ev('evt_2', 'refund.created',
    '{"id": "re_1", "object": "refund", "amount": 500, "currency": "eur", "payment_intent": "pi_2", "status": "succeeded"}')));
SELECT show(stripe(ev('evt_3', 'charge.refunded',
    '{"id": "ch_2", "object": "charge", "amount": 2000, "amount_refunded": 500, "currency": "eur", "payment_intent": "pi_2"}')));
SELECT show(stripe(ev('evt_4', 'refund.updated',
    '{"id": "re_1", "object": "refund", "amount": 500, "currency": "eur", "payment_intent": "pi_2", "status": "succeeded"}')));
SELECT reference, state, amount_captured, amount_refunded, refunded_reported FROM webhook_payments WHERE reference = 'R-2';
-- the other order of the same story: the cumulative figure first, then the refund it covers
SELECT show(stripe(ev('evt_5', 'charge.refunded',
    '{"id": "ch_1", "object": "charge", "amount": 1000, "amount_refunded": 300, "currency": "eur", "payment_intent": "pi_1"}')));
SELECT show(stripe(ev('evt_6', 'refund.created',
    '{"id": "re_2", "object": "refund", "amount": 300, "currency": "eur", "payment_intent": "pi_1", "status": "succeeded"}')));
SELECT reference, state, amount_captured, amount_refunded, refunded_reported FROM webhook_payments WHERE reference = 'R-1';
-- a pending refund is not money back yet
SELECT show(stripe(ev('evt_7', 'refund.created',
    '{"id": "re_3", "object": "refund", "amount": 700, "currency": "eur", "payment_intent": "pi_1", "status": "pending"}')));
SELECT show(stripe(ev('evt_8', 'refund.updated',
    '{"id": "re_3", "object": "refund", "amount": 700, "currency": "eur", "payment_intent": "pi_1", "status": "succeeded"}')));
SELECT provider, refund_id, amount, currency, status FROM webhook_refunds ORDER BY id;
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders;
SELECT show(stripe(ev('evt_9', 'charge.refunded',
    '{"id": "ch_2", "object": "charge", "amount": 2000, "amount_refunded": 2000, "currency": "eur", "payment_intent": "pi_2"}')));
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders;
-- a refunded payment takes no further events
SELECT show(stripe(ev('evt_10', 'payment_intent.succeeded',
    '{"id": "pi_2", "object": "payment_intent", "amount": 2000, "currency": "eur"}')));
-- a refund before any capture is out of order
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-3', 'pi_3', 5, 'EUR');
SELECT show(stripe(ev('evt_11', 'refund.created',
    '{"id": "re_4", "object": "refund", "amount": 500, "currency": "eur", "payment_intent": "pi_3", "status": "succeeded"}')));

-- Stripe's special cases: an uncaptured charge authorizes; an unpaid checkout is pending
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'R-4', 'pi_4', 12, 'EUR'), ('stripe', 'R-5', 'pi_5', 12, 'EUR');
SELECT show(stripe(ev('evt_12', 'charge.succeeded',
    '{"id": "ch_4", "object": "charge", "amount": 1200, "captured": false, "currency": "eur", "payment_intent": "pi_4"}')));
SELECT show(stripe(ev('evt_13', 'charge.captured',
    '{"id": "ch_4", "object": "charge", "amount": 1200, "amount_captured": 1200, "captured": true, "currency": "eur", "payment_intent": "pi_4"}')));
SELECT show(stripe(ev('evt_14', 'checkout.session.completed',
    '{"id": "cs_5", "object": "checkout.session", "payment_status": "unpaid", "amount_total": 1200, "currency": "eur", "payment_intent": "pi_5", "client_reference_id": "R-5"}')));
SELECT show(stripe(ev('evt_15', 'checkout.session.async_payment_failed',
    '{"id": "cs_5", "object": "checkout.session", "payment_status": "unpaid", "amount_total": 1200, "currency": "eur", "client_reference_id": "R-5"}')));
-- a retry on the same payment can still succeed
SELECT show(stripe(ev('evt_16', 'checkout.session.async_payment_succeeded',
    '{"id": "cs_5", "object": "checkout.session", "payment_status": "paid", "amount_total": 1200, "currency": "eur", "client_reference_id": "R-5"}')));
SELECT event_id, event_type, action, status FROM webhook_events WHERE event_id IN ('evt_12','evt_13','evt_14','evt_15','evt_16') ORDER BY id;

-- Minor units through webhook_currencies: zero, two and three decimals
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'J-1', 'pi_j', 1000, 'JPY'), ('stripe', 'K-1', 'pi_k', 1.234, 'KWD');
SELECT show(stripe(ev('evt_17', 'payment_intent.succeeded', '{"id": "pi_j", "object": "payment_intent", "amount": 1000, "currency": "jpy"}')));
SELECT show(stripe(ev('evt_18', 'payment_intent.succeeded', '{"id": "pi_k", "object": "payment_intent", "amount": 1234, "currency": "kwd"}')));
SELECT event_id, amount_minor, amount, currency FROM webhook_events WHERE event_id IN ('evt_1', 'evt_17', 'evt_18') ORDER BY id;
-- ... and for an event an app inserts itself, in any case of the code; an
-- unknown code is an error naming it
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'M-1', 'pi_m', 12.5, 'EUR');
INSERT INTO webhook_events (provider, event_id, event_type, action, object_id, amount_minor, currency)
VALUES ('stripe', 'app_1', 'app.capture', 'capture', 'pi_m', 1250, 'eur')
RETURNING event_id, status, amount;
INSERT INTO webhook_events (provider, event_id, event_type, action, object_id, amount_minor, currency)
VALUES ('stripe', 'app_2', 'app.capture', 'capture', 'pi_m', 1250, 'zzz');

-- Parked events are applied in provider order when the payment arrives
SELECT show(stripe(ev('evt_21', 'payment_intent.succeeded', '{"id": "pi_6", "object": "payment_intent", "amount": 800, "currency": "eur"}')));
SELECT show(stripe(ev('evt_20', 'payment_intent.amount_capturable_updated', '{"id": "pi_6", "object": "payment_intent", "amount": 800, "currency": "eur"}')
    || '{"created": 1772365000}'));
SELECT show(stripe(ev('evt_22', 'charge.refunded', '{"id": "ch_6", "object": "charge", "amount_refunded": 100, "currency": "eur", "payment_intent": "pi_6"}')
    || '{"created": 1772366300}'));
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-6', 8, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES ('stripe', 'R-6', 'pi_6', 'SO-6', 8, 'EUR');
SELECT event_id, status FROM webhook_events WHERE event_id IN ('evt_20', 'evt_21', 'evt_22') ORDER BY occurred_at;
SELECT reference, state, amount_captured, amount_refunded FROM webhook_payments WHERE reference = 'R-6';
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders WHERE ref = 'SO-6';

RESET search_path;
DROP SCHEMA state_test CASCADE;

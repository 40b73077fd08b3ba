-- GoCardless: the official vector GC-1, then deliveries that carry several
-- events (README "Deliveries with several events"): each event stored,
-- deduplicated, applied and answered on its own, one delivery row that
-- counts them, a failure of one that rolls back none of the others, and
-- 498 for a signature refused.
CREATE SCHEMA gocardless_test;
SET search_path = gocardless_test;
CREATE EXTENSION webhook SCHEMA gocardless_test;

-- The reply in one line: status, outcome, and each event's id, outcome and payment state.
CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        '[' || (SELECT string_agg(concat_ws(':', e->>'event_id', e->>'outcome', e->'payment'->>'state'), ' '
                                  ORDER BY o)
                  FROM jsonb_array_elements(r->'events') WITH ORDINALITY AS x(e, o)) || ']',
        '(' || (r->>'detail') || ')')
$$;

\set gc1_secret 'ED7D658C-D8EB-4941-948B-3973214F2D49'
\set gc1_body '{"events":[{"id":"EV00BD05S5VM2T","created_at":"2018-07-05T09:13:51.404Z","resource_type":"subscriptions","action":"created","links":{"subscription":"SB0003JJQ2MR06"},"details":{"origin":"api","cause":"subscription_created","description":"Subscription created via the API."},"metadata":{}},{"id":"EV00BD05TB8K63","created_at":"2018-07-05T09:13:56.893Z","resource_type":"mandates","action":"created","links":{"mandate":"MD000AMA19XGEC"},"details":{"origin":"api","cause":"mandate_created","description":"Mandate created via the API."},"metadata":{}}]}'
\set gc1_sig '2693754819d3e32d7e8fcb13c729631f316c6de8dc1cf634d6527f1c07276e7e'

-- GC-1 (official, gocardless-pro-java's WebhookTest): the 550-byte body's signature
SELECT octet_length(:'gc1_body') AS gc1_bytes,
       webhook_sign('gocardless', convert_to(:'gc1_body', 'UTF8'), :'gc1_secret')
           ->> 'Webhook-Signature' = :'gc1_sig' AS gc1_signs;
SELECT webhook_verify('gocardless', jsonb_build_object('Webhook-Signature', :'gc1_sig'),
                      convert_to(:'gc1_body', 'UTF8'), :'gc1_secret') AS gc1_verifies,
       webhook_verify('gocardless', jsonb_build_object('Webhook-Signature', upper(:'gc1_sig')),
                      convert_to(:'gc1_body', 'UTF8'), :'gc1_secret') AS upper_hex_verifies,
       webhook_verify('gocardless', '{"Webhook-Signature": "dummy"}',
                      convert_to(:'gc1_body', 'UTF8'), :'gc1_secret') AS dummy_verifies,
       webhook_verify('gocardless', jsonb_build_object('Webhook-Signature', :'gc1_sig'),
                      convert_to(:'gc1_body' || ' ', 'UTF8'), :'gc1_secret') AS tampered_verifies,
       webhook_verify('gocardless', jsonb_build_object('Webhook-Signature', :'gc1_sig'),
                      convert_to(:'gc1_body', 'UTF8'), 'another secret') AS wrong_key_verifies;

SET webhook.clock_override = '2018-07-05 09:14:00+00';
SELECT webhook_add_provider('gocardless', 'gocardless', :'gc1_secret');

-- GC-1's delivery: two events about no payment, each stored and answered
SELECT show(webhook_ingest('gocardless', jsonb_build_object('Webhook-Signature', :'gc1_sig'), :'gc1_body'));
SELECT event_id, event_type, status, detail FROM webhook_events ORDER BY id;
-- ... and again: both are duplicates, and the delivery is still one row
SELECT show(webhook_ingest('gocardless', jsonb_build_object('Webhook-Signature', :'gc1_sig'), :'gc1_body'));
SELECT event_id, deliveries FROM webhook_events ORDER BY id;

-- A signature refused answers 498 (GoCardless: "Token Invalid"), whatever is wrong with it
SELECT show(webhook_ingest('gocardless', '{"Webhook-Signature": "dummy"}', :'gc1_body'));
SELECT show(webhook_ingest('gocardless', jsonb_build_object('Webhook-Signature', repeat('0', 64)), :'gc1_body'));
SELECT show(webhook_ingest('gocardless', '{}', :'gc1_body'));
SELECT show(webhook_ingest('gocardless', jsonb_build_object('Webhook-Signature', :'gc1_sig'), :'gc1_body' || ' '));

-- Payments: found by links.payment (the provider's id)
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 25, 'GBP'), ('SO-2', 10, 'GBP');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency, state) VALUES
    ('gocardless', 'pay-1', 'PM0001', 'SO-1', 25, 'GBP', 'pending'),
    ('gocardless', 'pay-2', 'PM0002', 'SO-2', 10, 'GBP', 'pending'),
    ('gocardless', 'pay-3', 'PM0003', NULL, 40, 'GBP', 'pending');
CREATE FUNCTION ev(id text, action text, payment text, resource text DEFAULT 'payments') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', id, 'created_at', '2018-07-05T09:13:51.404Z',
        'resource_type', resource, 'action', action, 'links', jsonb_build_object('payment', payment),
        'details', jsonb_build_object('origin', 'gocardless'), 'metadata', '{}'::jsonb)
$$;
-- one delivery of the events given, signed with the provider's secret
CREATE FUNCTION deliver(VARIADIC events jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('gocardless',
                          webhook_sign('gocardless', convert_to(b, 'UTF8'), 'ED7D658C-D8EB-4941-948B-3973214F2D49'), b)
      FROM (SELECT jsonb_build_object('events', to_jsonb(events))::text AS b) x
$$;
CREATE FUNCTION states() RETURNS TABLE (reference text, state text, captured numeric, refunded numeric, "order" text)
LANGUAGE sql AS $$
    SELECT p.reference, p.state, p.amount_captured, p.amount_refunded, o.state
      FROM webhook_payments p LEFT JOIN webhook_orders o ON o.ref = p.order_ref ORDER BY p.reference
$$;

-- two events for two payments: each moves its own payment and order
SELECT show(deliver(ev('EV01', 'submitted', 'PM0001'), ev('EV02', 'confirmed', 'PM0002')));
SELECT * FROM states();
-- a batch with an event stored before (a duplicate) and a new one
SELECT show(deliver(ev('EV01', 'submitted', 'PM0001'), ev('EV03', 'confirmed', 'PM0001')));
SELECT * FROM states();
-- a late event in a batch changes nothing (superseded), the others still apply
SELECT show(deliver(ev('EV04', 'created', 'PM0001'), ev('EV05', 'confirmed', 'PM0003')));
-- the same event twice in one delivery: stored once
SELECT show(deliver(ev('EV06', 'charged_back', 'PM0002'), ev('EV06', 'charged_back', 'PM0002')));
SELECT * FROM states();

-- One event fails (the shop's trigger refuses it): it is stored failed, the
-- others are applied, and the delivery answers 500 so that GoCardless sends
-- it again; then its stored events are duplicates and the failed one applies.
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency, state) VALUES
    ('gocardless', 'pay-boom', 'PM0009', 5, 'GBP', 'pending'),
    ('gocardless', 'pay-4', 'PM0004', 7, 'GBP', 'pending');
CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reference = 'pay-boom' AND NEW.state = 'captured' THEN
        RAISE EXCEPTION 'the ledger is closed';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER boom BEFORE UPDATE ON webhook_payments FOR EACH ROW EXECUTE FUNCTION boom();
SELECT show(deliver(ev('EV07', 'confirmed', 'PM0004'), ev('EV08', 'confirmed', 'PM0009'),
                    ev('EV09', 'failed', 'PM0003')));
SELECT event_id, status, detail FROM webhook_events WHERE event_id IN ('EV07', 'EV08', 'EV09') ORDER BY event_id;
DROP TRIGGER boom ON webhook_payments;
SELECT show(deliver(ev('EV07', 'confirmed', 'PM0004'), ev('EV08', 'confirmed', 'PM0009'),
                    ev('EV09', 'failed', 'PM0003')));
SELECT * FROM states();

-- an event the scheme cannot map (no id) is stored ignored; the others apply
SELECT show(deliver(ev(NULL, 'confirmed', 'PM0001'), ev('EV10', 'paid_out', 'PM0004')));
SELECT event_type, status, detail FROM webhook_events WHERE status = 'ignored' AND detail LIKE 'unmapped:%';
-- a refund event carries no amount: ignored, no money moves
SELECT show(deliver(jsonb_set(ev('EV11', 'paid', 'PM0001', 'refunds'), '{links,refund}', '"RF0001"')));
-- an event for no known payment is parked, as a delivery of one would be
SELECT show(deliver(ev('EV12', 'confirmed', 'PM9999')));
-- no events: 200, nothing stored; not a batch at all: stored ignored
SELECT show(deliver(VARIADIC '{}'::jsonb[]));
SELECT show(webhook_ingest('gocardless', webhook_sign('gocardless', '\x7b2266223a317d', :'gc1_secret'), '{"f":1}'));
-- more events than one delivery may carry
SELECT show(deliver(VARIADIC (SELECT array_agg(ev('EVX' || i, 'created', 'PM0001')) FROM generate_series(1, 1001) i)));

-- The delivery rows: one per delivery, counting its events, the first event's outcome
SELECT http_status, outcome, event_id, event_count FROM webhook_deliveries ORDER BY id;
-- the payments' states a DBA sees, and the outbox-free counts per outcome
SELECT status, count(*) FROM webhook_events GROUP BY status ORDER BY status;

DROP SCHEMA gocardless_test CASCADE;

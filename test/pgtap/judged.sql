-- judged.sql: the events webhook_ingest judges itself (unchanged,
-- superseded, ignored: written through the single-row insert, with no
-- trigger) are stored and answered exactly as the events trigger stores
-- and answers the same event, and a payments table that the single-row
-- path cannot update still gives the same outcomes; last, an ingest whose
-- configuration cache is rebuilt while it runs.
--
-- For each case two payments start alike: one gets the event through
-- webhook_ingest, the other gets the same event inserted by hand into
-- webhook_events (the trigger applies it).  The two event rows must agree
-- in every column but the ids, and the reply must say what the tables say.
BEGIN;
CREATE EXTENSION webhook;
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT plan(32);

\o /dev/null
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_judged');
\o

-- A Stripe event of a PaymentIntent, amount in minor units.
CREATE FUNCTION j_event(p_evt text, p_type text, p_pi text, p_amount bigint) RETURNS text
LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', p_evt, 'object', 'event', 'type', p_type, 'created', 1772366390,
        'data', jsonb_build_object('object', jsonb_build_object(
            'id', p_pi, 'object', 'payment_intent', 'amount', p_amount, 'amount_received', p_amount,
            'currency', 'eur', 'status', 'succeeded')))::text
$$;
CREATE FUNCTION j_ingest(p_body text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe',
        jsonb_build_object('Stripe-Signature', webhook_sign_stripe(p_body, 'whsec_judged', 1772366400)), p_body)
$$;
-- The same event through the trigger: what extraction gives, inserted by hand.
CREATE FUNCTION j_by_trigger(p_evt text, p_type text, p_pi text, p_amount bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO webhook_events (provider, event_id, event_type, action, object_id, amount,
                                amount_minor, currency, occurred_at, received_at, payload)
    SELECT 'stripe', p_evt, p_type, (SELECT action FROM webhook_event_actions
                                      WHERE scheme = 'stripe' AND event_type = p_type),
           p_pi, round(p_amount / 100.0, 2), p_amount, 'EUR', to_timestamp(1772366390), now(),
           j_event(p_evt, p_type, p_pi, p_amount)::jsonb
$$;
-- An event row without what differs by construction (ids, the payment's id, the event id)
CREATE FUNCTION j_row(p_evt text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT to_jsonb(e) - 'id' - 'event_id' - 'object_id' - 'payment_id' - 'payload' - 'received_at'
           || jsonb_build_object('payment', p.reference IS NOT NULL, 'payment_state', p.state)
      FROM webhook_events e LEFT JOIN webhook_payments p ON p.id = e.payment_id
     WHERE e.event_id = p_evt
$$;

INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-A', 12.50, 'EUR'), ('SO-B', 12.50, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES
    ('stripe', 'R-A', 'pi_a', 'SO-A', 12.50, 'EUR'),
    ('stripe', 'R-B', 'pi_b', 'SO-B', 12.50, 'EUR');

-- both captured, their orders paid
SELECT is(j_ingest(j_event('evt_a1', 'payment_intent.succeeded', 'pi_a', 1250))->>'outcome', 'applied',
          'the capture through ingest is applied');
SELECT j_by_trigger('evt_b1', 'payment_intent.succeeded', 'pi_b', 1250);
SELECT is((SELECT string_agg(state, ' ' ORDER BY ref) FROM webhook_orders), 'paid paid',
          'both orders are paid');

-- unchanged: a second capture event of a captured payment
CREATE TEMP TABLE j_reply AS
SELECT 'unchanged' AS k, j_ingest(j_event('evt_a2', 'charge.succeeded', 'pi_a', 1250)) AS r;
SELECT j_by_trigger('evt_b2', 'charge.succeeded', 'pi_b', 1250);
-- superseded: a cancel of a captured payment
INSERT INTO j_reply SELECT 'superseded', j_ingest(j_event('evt_a3', 'payment_intent.canceled', 'pi_a', 1250));
SELECT j_by_trigger('evt_b3', 'payment_intent.canceled', 'pi_b', 1250);
-- ignored: an event with no action, of a captured payment
INSERT INTO j_reply SELECT 'ignored', j_ingest(j_event('evt_a4', 'payment_intent.created', 'pi_a', 1250));
SELECT j_by_trigger('evt_b4', 'payment_intent.created', 'pi_b', 1250);

SELECT is(r->>'outcome', k, k || ': the reply says ' || k) FROM j_reply ORDER BY k;
SELECT is(j_row(a), j_row(b), k || ': the event row is the one the trigger writes')
  FROM (VALUES ('unchanged', 'evt_a2', 'evt_b2'), ('superseded', 'evt_a3', 'evt_b3'),
               ('ignored', 'evt_a4', 'evt_b4')) v(k, a, b) ORDER BY k;
SELECT is((SELECT payment_id FROM webhook_events WHERE event_id = 'evt_a2'),
          (SELECT id FROM webhook_payments WHERE reference = 'R-A'),
          'unchanged: the event names its payment');
SELECT is((SELECT payment_id FROM webhook_events WHERE event_id = 'evt_a3'),
          (SELECT id FROM webhook_payments WHERE reference = 'R-A'),
          'superseded: the event names its payment');
SELECT is((SELECT payment_id FROM webhook_events WHERE event_id = 'evt_a4'), NULL,
          'ignored: the event names no payment, as the trigger leaves it');
SELECT is(r->'payment', '{"reference": "R-A", "state": "captured"}'::jsonb,
          k || ': the reply shows the payment as it is')
  FROM j_reply WHERE k <> 'ignored' ORDER BY k;
SELECT is(r->'order', '{"ref": "SO-A", "state": "paid"}'::jsonb, k || ': the reply shows the order as it is')
  FROM j_reply WHERE k <> 'ignored' ORDER BY k;
SELECT ok(NOT r ? 'payment', 'ignored: the reply names no payment') FROM j_reply WHERE k = 'ignored';
SELECT is((SELECT state || ' ' || amount_captured FROM webhook_payments WHERE reference = 'R-A'),
          'captured 12.50', 'the payment is as the capture left it');

-- an amount in minor units of an ignored event is kept in major units too, as the trigger keeps it
SELECT is((SELECT amount FROM webhook_events WHERE event_id = 'evt_a4'), 12.50::numeric,
          'ignored: the amount is stored in major units');

-- a redelivery of each answers duplicate with the same payment and order
SELECT is(j_ingest(j_event('evt_a2', 'charge.succeeded', 'pi_a', 1250)) - 'delivery_id' - 'outcome',
          r - 'delivery_id' - 'outcome', 'unchanged: its retry answers as the first delivery did')
  FROM j_reply WHERE k = 'unchanged';
SELECT is(j_ingest(j_event('evt_a2', 'charge.succeeded', 'pi_a', 1250))->>'outcome', 'duplicate',
          'unchanged: its retry is a duplicate');
SELECT is((SELECT deliveries FROM webhook_events WHERE event_id = 'evt_a2'), 3,
          'unchanged: the retries are counted in the event');

-- The same outcomes when the payments table takes no single-row update
-- (a statement trigger of the shop's: the update goes through SQL, and
-- the trigger judges the event).
CREATE TABLE j_audit (n int);
CREATE FUNCTION j_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.j_audit VALUES (1); RETURN NULL; END $$;
CREATE TRIGGER j_audit AFTER UPDATE ON webhook_payments FOR EACH STATEMENT EXECUTE FUNCTION j_audit();
SELECT is(j_ingest(j_event('evt_a5', 'charge.succeeded', 'pi_a', 1250))->>'outcome', 'unchanged',
          'with a statement trigger: unchanged');
SELECT is(j_ingest(j_event('evt_a6', 'payment_intent.canceled', 'pi_a', 1250))->>'outcome', 'superseded',
          'with a statement trigger: superseded');
SELECT is(j_ingest(j_event('evt_a7', 'payment_intent.created', 'pi_a', 1250))->>'outcome', 'ignored',
          'with a statement trigger: ignored');
SELECT is(j_row('evt_a5') - 'event_type', j_row('evt_b2') - 'event_type',
          'with a statement trigger: the unchanged event row is the one the trigger writes');
DROP TRIGGER j_audit ON webhook_payments;

-- a payment the provider's id does not find, but its reference does:
-- judged by the trigger as before (the single-row move looks by the id only)
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency, state, amount_captured)
VALUES ('stripe', 'R-C', NULL, 5, 'EUR', 'captured', 5);
SELECT is(j_ingest(jsonb_set(j_event('evt_c1', 'charge.succeeded', 'pi_c', 500)::jsonb,
                             '{data,object,metadata}', '{"reference": "R-C"}')::text)->>'outcome',
          'unchanged', 'a captured payment found by its reference: unchanged');
SELECT is((SELECT p.reference FROM webhook_events e JOIN webhook_payments p ON p.id = e.payment_id
            WHERE e.event_id = 'evt_c1'), 'R-C', 'the event names the payment its reference found');

-- The cache rebuilt in the middle of an ingest: a trigger of the shop's on
-- webhook_events adds a provider secret (which makes every cache stale)
-- before the events trigger asks for the cache again.  The ingest still
-- holds the cache it began with, which must stay whole until it is done.
CREATE FUNCTION j_rotate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.webhook_secrets (provider, secret, label)
    VALUES ('stripe', 'whsec_judged_' || NEW.event_id, 'added by ' || NEW.event_id);
    RETURN NEW;
END $$;
CREATE TRIGGER j_rotate BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION j_rotate();
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('stripe', 'R-D', 7, 'EUR');
CREATE TEMP TABLE j_mid AS
SELECT j_ingest(jsonb_set(j_event('evt_d1', 'payment_intent.succeeded', 'pi_d', 700)::jsonb,
                          '{data,object,metadata}', '{"reference": "R-D"}')::text) AS r;
SELECT is(r->>'outcome', 'applied', 'a cache rebuilt mid-ingest: the event is applied') FROM j_mid;
SELECT is(r->'payment', '{"reference": "R-D", "state": "captured"}'::jsonb,
          'a cache rebuilt mid-ingest: the reply shows the payment') FROM j_mid;
SELECT is((SELECT provider || ' ' || outcome || ' ' || http_status FROM webhook_deliveries
            WHERE id = (r->>'delivery_id')::bigint), 'stripe applied 200',
          'a cache rebuilt mid-ingest: the delivery row names its provider and outcome') FROM j_mid;
SELECT is((SELECT label FROM webhook_secrets WHERE label = 'added by evt_d1'), 'added by evt_d1',
          'a cache rebuilt mid-ingest: the shop''s trigger ran');
DROP TRIGGER j_rotate ON webhook_events;

SELECT is((SELECT count(*) FROM webhook_events WHERE status IN ('failed', 'held')), 0::bigint,
          'no event failed or was held');
SELECT * FROM finish();
ROLLBACK;

-- outbox.sql: the outbox (README "The outbox"): which changes write a
-- message, to whom, with what payload; and what claim, ack, nack, retry,
-- unsubscribe and purge do with them.
--
-- Every path that moves a payment is here: ingest's one-row move (the
-- common case), its general path (a refund), the events trigger (an event
-- inserted by hand), a parked event applied by its payment's insert, a
-- hand update, and the one-row move's statement form (a payments table
-- with a statement trigger).  Each must write the same messages.
BEGIN;
CREATE EXTENSION webhook;
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT plan(66);

\o /dev/null
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_outbox');
SELECT webhook_add_provider('hmac', 'hmac', 'hmac_outbox_secret');
\o

CREATE FUNCTION o_event(p_evt text, p_type text, p_obj jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', p_evt, 'object', 'event', 'type', p_type, 'created', 1772366390,
        'data', jsonb_build_object('object', p_obj))::text
$$;
CREATE FUNCTION o_pi(p_pi text, p_amount bigint) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', p_pi, 'object', 'payment_intent', 'amount', p_amount,
                              'amount_received', p_amount, 'currency', 'eur', 'status', 'succeeded')
$$;
CREATE FUNCTION o_ingest(p_body text) RETURNS text LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe',
        jsonb_build_object('Stripe-Signature', webhook_sign_stripe(p_body, 'whsec_outbox', 1772366400)),
        p_body)->>'outcome'
$$;
CREATE FUNCTION o_capture(p_evt text, p_pi text, p_amount bigint) RETURNS text LANGUAGE sql AS $$
    SELECT o_ingest(o_event(p_evt, 'payment_intent.succeeded', o_pi(p_pi, p_amount)))
$$;
-- the messages since a mark, one line each
CREATE FUNCTION o_messages(p_after bigint DEFAULT 0) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT concat_ws(' ', consumer, topic, payload->'payment'->>'reference',
                     payload->'payment'->>'old_state', payload->'order'->>'state',
                     payload->'event'->>'event_id')
      FROM webhook_outbox WHERE id > p_after ORDER BY id
$$;
CREATE FUNCTION o_mark() RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(max(id), 0) FROM webhook_outbox
$$;

INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 12.50, 'EUR'), ('SO-2', 20, 'EUR'),
    ('SO-3', 5, 'EUR'), ('SO-4', 7, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES
    ('stripe', 'R-0', 'pi_0', NULL, 3, 'EUR'),
    ('stripe', 'R-1', 'pi_1', 'SO-1', 12.50, 'EUR'),
    ('stripe', 'R-2', 'pi_2', 'SO-2', 20, 'EUR'),
    ('stripe', 'R-3', 'pi_3', 'SO-3', 5, 'EUR');

--------------------------------------------------------------------------
-- No consumer: no message
--------------------------------------------------------------------------

SELECT is(o_capture('evt_0', 'pi_0', 300), 'applied', 'a capture with no consumer is applied');
UPDATE webhook_payments SET state = 'refunded', amount_refunded = 3 WHERE reference = 'R-0';
SELECT is((SELECT count(*)::int FROM webhook_outbox), 0, 'no consumer subscribes: no message is written');

--------------------------------------------------------------------------
-- Subscriptions
--------------------------------------------------------------------------

SELECT lives_ok($$SELECT webhook_subscribe('shop')$$, 'a consumer subscribes to every topic by default');
SELECT lives_ok($$SELECT webhook_subscribe('receipts', '{payment.captured}')$$, 'a consumer subscribes to one topic');
SELECT lives_ok($$SELECT webhook_subscribe('fulfilment', '{order.*}')$$, 'a consumer subscribes to a prefix');
SELECT lives_ok($$SELECT webhook_subscribe('fulfilment', '{order.*}')$$, 'subscribing again changes nothing');
SELECT is((SELECT topics FROM webhook_subscriptions WHERE consumer = 'shop'), '{*}'::text[],
          'the default topics are {*}');
SELECT throws_ok($$SELECT webhook_subscribe('bad', '{payment.}')$$, '22023', NULL,
                 'a malformed topic is refused');
SELECT throws_ok($$SELECT webhook_subscribe('bad', '{}')$$, '23514', NULL,
                 'an empty list of topics is refused');
SELECT throws_ok($$SELECT webhook_subscribe(NULL, '{*}')$$, '22004', NULL,
                 'a NULL consumer is refused');

--------------------------------------------------------------------------
-- What each change writes
--------------------------------------------------------------------------

-- ingest's one-row move: the payment and its order
SELECT is(o_capture('evt_1', 'pi_1', 1250), 'applied', 'the capture through ingest is applied');
SELECT results_eq($$SELECT * FROM o_messages()$$,
    $$VALUES ('shop payment.captured R-1 pending paid evt_1'), ('receipts payment.captured R-1 pending paid evt_1'),
             ('shop order.paid R-1 pending paid evt_1'), ('fulfilment order.paid R-1 pending paid evt_1')$$,
    'a capture writes payment.captured and order.paid to the consumers of each topic');
SELECT is((SELECT payload FROM webhook_outbox WHERE consumer = 'shop' AND topic = 'payment.captured'),
    jsonb_build_object('topic', 'payment.captured',
        'payment', jsonb_build_object('id', (SELECT id FROM webhook_payments WHERE reference = 'R-1'),
            'provider', 'stripe', 'reference', 'R-1', 'external_id', 'pi_1', 'order_ref', 'SO-1',
            'state', 'captured', 'old_state', 'pending', 'amount', 12.50, 'currency', 'EUR',
            'amount_captured', 12.50, 'amount_refunded', 0),
        'order', jsonb_build_object('ref', 'SO-1', 'state', 'paid', 'old_state', 'open', 'total', 12.50,
            'amount_paid', 12.50, 'amount_refunded', 0),
        'event', jsonb_build_object('pk', (SELECT id FROM webhook_events WHERE event_id = 'evt_1'),
            'provider', 'stripe', 'event_id', 'evt_1', 'event_type', 'payment_intent.succeeded'),
        'changed_at', to_jsonb(now())),
    'the payload names the payment, its order and the event, before and after');
SELECT is((SELECT count(DISTINCT payment_id)::int FROM webhook_outbox), 1,
          'every message of the change carries the payment''s id');

-- a duplicate, an unchanged and a superseded event change nothing
SELECT o_mark() AS mark \gset
SELECT is(o_capture('evt_1', 'pi_1', 1250), 'duplicate', 'the same event again is a duplicate');
SELECT is(o_capture('evt_1b', 'pi_1', 1250), 'unchanged', 'another capture of it is unchanged');
SELECT is(o_ingest(o_event('evt_1c', 'payment_intent.processing', o_pi('pi_1', 1250))), 'superseded',
          'a late processing is superseded');
SELECT is_empty($$SELECT * FROM o_messages($$ || :mark || $$)$$,
    'duplicates, unchanged and superseded events write no message');

-- the general path: a partial refund (cumulative, Stripe charge.refunded)
SELECT o_mark() AS mark \gset
SELECT is(o_ingest(o_event('evt_2', 'charge.refunded', jsonb_build_object('id', 'ch_1', 'object', 'charge',
          'payment_intent', 'pi_1', 'amount', 1250, 'amount_refunded', 500, 'currency', 'eur'))),
          'applied', 'a partial refund is applied');
SELECT results_eq($$SELECT * FROM o_messages($$ || :mark || $$)$$,
    $$VALUES ('shop payment.partially_refunded R-1 captured partially_refunded evt_2'),
             ('shop order.partially_refunded R-1 captured partially_refunded evt_2'),
             ('fulfilment order.partially_refunded R-1 captured partially_refunded evt_2')$$,
    'a refund through the general path names its event too');
SELECT is((SELECT (payload->'payment'->>'amount_refunded')::numeric FROM webhook_outbox
            WHERE consumer = 'shop' AND topic = 'payment.partially_refunded'), 5.00::numeric,
          'the payload carries the refunded amount in major units');

-- a hand update: no event
SELECT o_mark() AS mark \gset
UPDATE webhook_payments SET state = 'canceled' WHERE reference = 'R-3';
SELECT results_eq($$SELECT * FROM o_messages($$ || :mark || $$)$$,
    $$VALUES ('shop payment.canceled R-3 pending')$$,
    'a hand update writes payment.<state> with no event and, its order unmoved, no order message');
SELECT is((SELECT payload->'event' FROM webhook_outbox WHERE topic = 'payment.canceled'), 'null'::jsonb,
          'a hand change has "event": null');
UPDATE webhook_payments SET updated_at = updated_at WHERE reference = 'R-3';
SELECT is((SELECT count(*)::int FROM webhook_outbox WHERE id > :mark), 1,
          'an update that changes neither state nor amounts writes nothing');

-- the events trigger: an event inserted by hand
SELECT o_mark() AS mark \gset
INSERT INTO webhook_events (provider, event_id, event_type, action, object_id, amount, currency)
VALUES ('stripe', 'evt_3', 'payment_intent.succeeded', 'capture', 'pi_2', 20, 'EUR');
SELECT results_eq($$SELECT * FROM o_messages($$ || :mark || $$)$$,
    $$VALUES ('shop payment.captured R-2 pending paid evt_3'), ('receipts payment.captured R-2 pending paid evt_3'),
             ('shop order.paid R-2 pending paid evt_3'), ('fulfilment order.paid R-2 pending paid evt_3')$$,
    'an event inserted by hand writes the same messages as ingest');

-- a parked event, applied by its payment's insert
SELECT o_mark() AS mark \gset
SELECT is(o_capture('evt_4', 'pi_4', 700), 'unmatched', 'a capture before its payment is parked');
SELECT is_empty($$SELECT * FROM o_messages($$ || :mark || $$)$$, 'a parked event writes no message');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('stripe', 'R-4', 'pi_4', 'SO-4', 7, 'EUR');
SELECT results_eq($$SELECT * FROM o_messages($$ || :mark || $$)$$,
    $$VALUES ('shop payment.captured R-4 pending paid evt_4'), ('receipts payment.captured R-4 pending paid evt_4'),
             ('shop order.paid R-4 pending paid evt_4'), ('fulfilment order.paid R-4 pending paid evt_4')$$,
    'the payment''s insert applies it and writes its messages');

-- a change that rolls back leaves no message
SELECT o_mark() AS mark \gset
SAVEPOINT before_change;
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-5', 'pi_5', 1, 'EUR');
UPDATE webhook_payments SET state = 'failed' WHERE reference = 'R-5';
SELECT is((SELECT count(*)::int FROM webhook_outbox WHERE id > :mark), 1, 'the change writes its message');
ROLLBACK TO before_change;
SELECT is((SELECT count(*)::int FROM webhook_outbox WHERE id > :mark), 0, 'rolled back, it leaves none');

-- held and failed events
SELECT o_mark() AS mark \gset
SELECT is(o_ingest(o_event('evt_6', 'payment_intent.succeeded', o_pi('pi_6', -5))), 'held',
          'a negative amount is held');
SELECT results_eq($$SELECT topic, payload->'event'->>'status', payload->'event'->>'event_id',
                           left(payload->'event'->>'detail', 15) FROM webhook_outbox
                     WHERE id > $$ || :mark || $$ ORDER BY id$$,
    $$VALUES ('event.held'::text, 'held'::text, 'evt_6'::text, 'invalid_amount:'::text)$$,
    'a held event writes event.held to the consumers of it, with its detail');
SELECT o_mark() AS mark \gset
UPDATE webhook_events SET status = 'failed', detail = 'by hand' WHERE event_id = 'evt_6';
SELECT is((SELECT topic FROM webhook_outbox WHERE id > :mark), 'event.failed',
          'an event set failed writes event.failed');
UPDATE webhook_events SET detail = 'again' WHERE event_id = 'evt_6';
UPDATE webhook_events SET status = 'failed' WHERE event_id = 'evt_6';
SELECT is((SELECT count(*)::int FROM webhook_outbox WHERE id > :mark), 1,
          'an event already failed writes nothing more');

-- the one-row move as a statement: a payments table with a statement trigger
SELECT o_mark() AS mark \gset
CREATE FUNCTION o_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER o_statement AFTER UPDATE ON webhook_payments FOR EACH STATEMENT EXECUTE FUNCTION o_noop();
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-7', 9, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('stripe', 'R-7', 'pi_7', 'SO-7', 9, 'EUR');
SELECT is(o_capture('evt_7', 'pi_7', 900), 'applied', 'a capture by the statement form is applied');
SELECT results_eq($$SELECT * FROM o_messages($$ || :mark || $$)$$,
    $$VALUES ('shop payment.captured R-7 pending paid evt_7'), ('receipts payment.captured R-7 pending paid evt_7'),
             ('shop order.paid R-7 pending paid evt_7'), ('fulfilment order.paid R-7 pending paid evt_7')$$,
    'the statement form writes the same messages');
DROP TRIGGER o_statement ON webhook_payments;

--------------------------------------------------------------------------
-- Claim, ack, nack, retry
--------------------------------------------------------------------------

SELECT webhook_unsubscribe('fulfilment') AS dropped \gset
SELECT is(:dropped::int, 5, 'unsubscribe drops the consumer''s pending messages and says how many');
SELECT is((SELECT count(*)::int FROM webhook_outbox WHERE consumer = 'fulfilment'), 0,
          'none of them is left');

-- receipts: R-1, R-2, R-4, R-7 captured, one message each, all ready
CREATE TEMP TABLE o_claim AS SELECT * FROM webhook_outbox_claim('receipts', 2);
SELECT results_eq($$SELECT payload->'payment'->>'reference', attempts FROM o_claim ORDER BY id$$,
    $$VALUES ('R-1'::text, 1), ('R-2'::text, 1)$$, 'a claim hands out the oldest messages, up to its limit');
INSERT INTO o_claim SELECT * FROM webhook_outbox_claim('receipts', 10);
SELECT results_eq($$SELECT payload->'payment'->>'reference' FROM o_claim ORDER BY id OFFSET 2$$,
    $$VALUES ('R-4'::text), ('R-7'::text)$$, 'a second claim never hands out a leased message');
SELECT is_empty($$SELECT * FROM webhook_outbox_claim('receipts')$$, 'nothing is left to claim');
SELECT is(webhook_outbox_ack('receipts', ARRAY(SELECT id FROM o_claim)), 4, 'ack counts what it marks done');
SELECT is(webhook_outbox_ack('receipts', ARRAY(SELECT id FROM o_claim)), 0, 'a second ack marks nothing');
SELECT is(webhook_outbox_ack('shop', ARRAY(SELECT id FROM o_claim)), 0, 'another consumer cannot ack them');

-- shop: in order per payment.  R-1 has payment.captured, order.paid,
-- payment.partially_refunded, order.partially_refunded, all ready.
CREATE TEMP TABLE o_shop AS SELECT * FROM webhook_outbox_claim('shop', 100);
SELECT is((SELECT count(*)::int FROM o_shop WHERE payload->'payment'->>'reference' = 'R-1'), 1,
          'a claim hands out one message of a payment');
SELECT is((SELECT topic FROM o_shop WHERE payload->'payment'->>'reference' = 'R-1'), 'payment.captured',
          'the first of them');
SELECT is((SELECT count(*)::int FROM webhook_outbox_claim('shop', 100)), 0,
          'none of a payment while an earlier one is leased');
SELECT is(webhook_outbox_nack('shop', (SELECT id FROM o_shop WHERE payload->'payment'->>'reference' = 'R-1'),
                              'smtp down', '0 seconds'), 'ready', 'nack puts a message back');
SELECT is((SELECT topic FROM webhook_outbox_claim('shop', 100) WHERE payload->'payment'->>'reference' = 'R-1'),
          'payment.captured', 'the payment''s first message comes again, not the next one');
SELECT is((SELECT attempts FROM webhook_outbox WHERE consumer = 'shop' AND topic = 'payment.captured'
            AND payload->'payment'->>'reference' = 'R-1'), 2, 'each claim counts an attempt');
SELECT is(webhook_outbox_nack('shop', -1, 'x'), NULL, 'nack of a message the consumer does not hold says NULL');
UPDATE webhook_outbox SET leased_until = now() - interval '1 second'
 WHERE consumer = 'shop' AND topic = 'payment.captured' AND payload->'payment'->>'reference' = 'R-1';
SELECT is((SELECT attempts FROM webhook_outbox_claim('shop', 100) WHERE payload->'payment'->>'reference' = 'R-1'),
          3, 'a lease that ran out is claimed again');
SELECT is(webhook_outbox_nack('shop', (SELECT id FROM webhook_outbox WHERE consumer = 'shop'
                                        AND topic = 'payment.captured' AND payload->'payment'->>'reference' = 'R-1'),
                              'smtp down'), 'ready', 'nack with no delay');
SELECT ok((SELECT available_at >= now() + interval '8 seconds' FROM webhook_outbox WHERE consumer = 'shop'
            AND topic = 'payment.captured' AND payload->'payment'->>'reference' = 'R-1'),
          'puts it back after a backoff that grows with its attempts (2^3 s)');
SET webhook.outbox_max_attempts = 3;
UPDATE webhook_outbox SET available_at = now() WHERE consumer = 'shop' AND payload->'payment'->>'reference' = 'R-1';
SELECT is(webhook_outbox_nack('shop', (SELECT id FROM webhook_outbox_claim('shop', 100)
                                       WHERE payload->'payment'->>'reference' = 'R-1'), 'smtp down', '0 s'),
          'dead', 'after webhook.outbox_max_attempts claims a nack makes it dead');
SELECT results_eq($$SELECT consumer, topic, attempts, last_error FROM webhook_outbox_dead$$,
    $$VALUES ('shop'::text, 'payment.captured'::text, 4, 'smtp down'::text)$$, 'webhook_outbox_dead shows it');
SELECT is((SELECT topic FROM webhook_outbox_claim('shop', 100) WHERE payload->'payment'->>'reference' = 'R-1'),
          'order.paid', 'a dead message no longer holds back its payment''s next one');
SELECT ok(webhook_outbox_retry((SELECT id FROM webhook_outbox_dead)), 'retry makes a dead message ready');
SELECT is((SELECT status || ' ' || attempts FROM webhook_outbox WHERE consumer = 'shop'
            AND topic = 'payment.captured' AND payload->'payment'->>'reference' = 'R-1'), 'ready 0',
          'with its attempts reset');
SELECT ok(NOT webhook_outbox_retry((SELECT id FROM webhook_outbox WHERE status = 'done' LIMIT 1)),
          'retry of a message that is not dead does nothing');
RESET webhook.outbox_max_attempts;

--------------------------------------------------------------------------
-- Lag, purge
--------------------------------------------------------------------------

SELECT results_eq($$SELECT consumer, ready + leased > 0, dead FROM webhook_outbox_lag ORDER BY consumer$$,
    $$VALUES ('receipts'::text, false, 0::bigint), ('shop'::text, true, 0::bigint)$$,
    'webhook_outbox_lag counts each consumer''s messages');
SELECT is((SELECT oldest_ready_at FROM webhook_outbox_lag WHERE consumer = 'receipts'), NULL,
          'a consumer with nothing pending has no lag');
UPDATE webhook_outbox SET done_at = now() - interval '2 days' WHERE status = 'done';
SELECT is(webhook_purge('1 day') >= 2, true, 'webhook_purge counts the messages it deletes');
SELECT is((SELECT count(*)::int FROM webhook_outbox WHERE status = 'done'), 0,
          'done messages older than its argument are gone');
SELECT ok((SELECT count(*) > 0 FROM webhook_outbox WHERE status <> 'done'), 'pending ones stay');

SELECT throws_ok($$SELECT webhook_listen('elsewhere')$$, '22023', NULL,
                 'webhook_listen listens on its two channels only');

SELECT * FROM finish();
ROLLBACK;

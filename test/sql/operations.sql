-- Operations: redelivering rejected deliveries, purging, the DBA's views.
CREATE SCHEMA operations_test;
SET search_path = operations_test;
CREATE EXTENSION webhook SCHEMA operations_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;
CREATE FUNCTION pi_body(evt text, pi text) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', 'payment_intent.succeeded',
        'data', jsonb_build_object('object', jsonb_build_object('id', pi, 'object', 'payment_intent',
        'amount', 1000, 'currency', 'eur')))::text
$$;

SELECT webhook_add_provider('stripe', 'stripe', 'whsec_wrong_one');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'R-1', 'pi_1', 10, 'EUR'), ('stripe', 'R-2', 'pi_2', 10, 'EUR');

-- Deliveries refused while the configured secret was wrong...
SELECT show(webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(pi_body('evt_1', 'pi_1'), 'whsec_right_one')), pi_body('evt_1', 'pi_1')));
-- ...one of them signed a day ago, as a delivery held in the provider's retry queue
SELECT show(webhook_ingest('stripe',
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe(pi_body('evt_2', 'pi_2'), 'whsec_right_one', extract(epoch FROM now() - interval '1 day')::bigint)),
       pi_body('evt_2', 'pi_2'), '/hooks/stripe'));
UPDATE webhook_deliveries SET received_at = now() - interval '1 day' WHERE event_id = 'evt_2';
-- the secret is fixed: both are recovered without waiting for the provider
SELECT webhook_rotate_secret('stripe', 'whsec_right_one', '0') > 0 AS fixed;
SELECT show(webhook_redeliver(id)) FROM webhook_deliveries WHERE event_id = 'evt_1' AND redelivery_of IS NULL;
SELECT show(webhook_redeliver(id)) FROM webhook_deliveries WHERE event_id = 'evt_2' AND redelivery_of IS NULL;
-- the same delivery again is a duplicate; a delivery that was not rejected cannot be run again
SELECT show(webhook_redeliver(id)) FROM webhook_deliveries WHERE event_id = 'evt_1' AND redelivery_of IS NULL;
SELECT webhook_redeliver(id) FROM webhook_deliveries WHERE event_id = 'evt_1' AND outcome = 'applied';
SELECT webhook_redeliver(-1);
SELECT d.event_id, d.outcome, r.outcome AS first_outcome, d.path
  FROM webhook_deliveries d JOIN webhook_deliveries r ON r.id = d.redelivery_of ORDER BY d.id;
SELECT reference, state FROM webhook_payments ORDER BY reference;

-- The views
INSERT INTO webhook_payments (provider, reference, amount, currency, created_at, state_changed_at)
VALUES ('stripe', 'R-old', 5, 'EUR', now() - interval '2 hours', now() - interval '2 hours'),
       ('stripe', 'R-new', 5, 'EUR', now(), now());
SELECT show(webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(pi_body('evt_3', 'pi_3'), 'whsec_right_one')), pi_body('evt_3', 'pi_3')));
SELECT show(webhook_ingest('stripe', '{}', '{}'::text));
SELECT show(webhook_ingest('ghost', '{}', '{}'::text));
SELECT provider, deliveries, events, duplicates, rejections, rejections_by_outcome, failed, parked, held,
       last_delivery_at IS NOT NULL AS seen
  FROM webhook_stats ORDER BY provider;
SELECT provider, event_id, status, object_id FROM webhook_parked_events;
SELECT reference, state FROM webhook_stuck_payments;

-- Purge: bodies, headers and settled payloads go; ids, outcomes, hashes and amounts stay
SELECT webhook_purge('-1 day');
SELECT webhook_purge('1 hour') AS purged;
SELECT webhook_purge('0') AS purged;
SELECT count(*) FILTER (WHERE body IS NOT NULL OR headers IS NOT NULL) AS with_bodies,
       count(*) FILTER (WHERE body_sha256 IS NOT NULL) AS hashed, count(*) AS deliveries
  FROM webhook_deliveries;
SELECT event_id, status, payload IS NOT NULL AS payload_kept, amount FROM webhook_events ORDER BY id;
SELECT webhook_purge('0') AS purged_again;

RESET search_path;
DROP SCHEMA operations_test CASCADE;

-- Administration: providers, secrets, rotation, reprocessing, settings.
CREATE SCHEMA admin_test;
SET search_path = admin_test;
CREATE EXTENSION webhook SCHEMA admin_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;
CREATE FUNCTION stripe(body text, secret text, ts bigint DEFAULT 1772366400) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(body, secret, ts)), body)
$$;

-- Providers
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_old');
SELECT name, scheme, config, tolerance_seconds, enabled FROM webhook_providers;
SELECT webhook_add_provider('stripe', 'stripe');
-- an unknown scheme (its hint lists the registry: test/pgtap/schemes_registry.sql)
\set VERBOSITY terse
SELECT webhook_add_provider('x', 'soap');
\set VERBOSITY default
-- the registry's CHECK refuses an unknown scheme even with triggers off
SET session_replication_role = replica;
INSERT INTO webhook_providers (name, scheme, created_at) VALUES ('x', 'soap', '2026-01-01 00:00+00');
RESET session_replication_role;
SELECT (webhook_schemes())[1:6] AS first_schemes;
SELECT webhook_add_provider(NULL, 'stripe');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"colour": "red"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"algorithm": "md5"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"encoding": "base32"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"header": 7}');
SELECT webhook_add_provider('x', 'stripe', NULL, '{"header": "X-Sig"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"paths": {"amount": "total"}}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"paths": {"amount": []}}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"paths": {"amout": ["total"]}}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"actions": {"paid": "ship"}}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"unmatched": "drop"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"on_mismatch": "ignore"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '{"amount_unit": "cents"}');
SELECT webhook_add_provider('x', 'hmac', NULL, '[]');
UPDATE webhook_providers SET config = '{"secret_encoding": "hex"}' WHERE name = 'stripe';

-- Secrets: validated for their scheme, never echoed back
SELECT webhook_add_provider('hexed', 'hmac', NULL, '{"secret_encoding": "hex"}');
SELECT webhook_add_secret('hexed', 'not-hex-s3cr3t');
SELECT webhook_add_secret('hexed', 'c0ffee') > 0 AS added;
SELECT webhook_add_provider('pp', 'paypal', NULL, '{"webhook_id": "WH-1"}');
SELECT webhook_add_secret('pp', 's3cr3t');
SELECT webhook_add_secret('nobody', 's3cr3t');
SELECT webhook_add_secret('hexed', '');

-- Rotation: both secrets verify during the overlap, only the new one after it
SELECT webhook_rotate_secret('stripe', 'whsec_new', '1 hour') > 0 AS rotated;
SELECT secret, valid_until - webhook_now() AS left_for_old FROM webhook_secrets WHERE provider = 'stripe' ORDER BY id;
SELECT show(stripe('{"id": "evt_a", "type": "x"}', 'whsec_old'));
SELECT show(stripe('{"id": "evt_b", "type": "x"}', 'whsec_new'));
SELECT d.outcome, s.secret FROM webhook_deliveries d JOIN webhook_secrets s ON s.id = d.secret_id ORDER BY d.id;
-- two hours later, as the verifier sees it
SET webhook.clock_override = '2026-03-01 14:00:00+00';
SELECT show(stripe('{"id": "evt_c", "type": "x"}', 'whsec_old', 1772373600));
SELECT show(stripe('{"id": "evt_d", "type": "x"}', 'whsec_new', 1772373600));
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT webhook_rotate_secret('nobody', 'whsec_x');
-- a secret that has not started yet verifies nothing
UPDATE webhook_secrets SET valid_from = webhook_now() + interval '1 day' WHERE secret = 'whsec_new';
SELECT show(stripe('{"id": "evt_e", "type": "x"}', 'whsec_new'));
UPDATE webhook_secrets SET valid_from = webhook_now() - interval '1 day' WHERE secret = 'whsec_new';

-- Per-payment secrets are tried first, and only for their payment
SELECT webhook_add_secret('stripe', 'whsec_only_r7', 'hook-7', 'R-7') > 0 AS added;
SELECT show(stripe('{"id": "evt_f", "type": "x", "data": {"object": {"metadata": {"reference": "R-7"}}}}', 'whsec_only_r7'));
SELECT show(stripe('{"id": "evt_g", "type": "x", "data": {"object": {"metadata": {"reference": "R-8"}}}}', 'whsec_only_r7'));
SELECT show(stripe('{"id": "evt_h", "type": "x", "data": {"object": {"metadata": {"reference": "R-7"}}}}', 'whsec_new'));
-- an event naming the payment only by the provider's id is scoped through the payment row
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-7', 'pi_7', 1, 'EUR');
SELECT show(stripe('{"id": "evt_f2", "type": "x", "data": {"object": {"id": "pi_7", "object": "payment_intent"}}}', 'whsec_only_r7'));
SELECT show(stripe('{"id": "evt_g2", "type": "x", "data": {"object": {"id": "pi_8", "object": "payment_intent"}}}', 'whsec_only_r7'));
SELECT d.event_id, s.label FROM webhook_deliveries d JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.event_id IN ('evt_f', 'evt_h', 'evt_f2') ORDER BY d.id;

-- Reprocessing parked, held and failed events
UPDATE webhook_providers SET config = '{"on_mismatch": "hold"}' WHERE name = 'stripe';
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-9', 'pi_9', 10, 'EUR');
SELECT show(stripe('{"id": "evt_i", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_9", "object": "payment_intent", "amount": 999, "currency": "eur"}}}', 'whsec_new'));
SELECT webhook_reprocess(id) - 'event_pk' FROM webhook_events WHERE event_id = 'evt_i';
SELECT webhook_reprocess(id) FROM webhook_events WHERE event_id = 'evt_i';
SELECT webhook_reprocess(-1);
SELECT show(stripe('{"id": "evt_j", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_10", "object": "payment_intent", "amount": 100, "currency": "eur"}}}', 'whsec_new'));
SELECT webhook_reprocess(id) - 'event_pk' FROM webhook_events WHERE event_id = 'evt_j';
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-10', 'pi_10', 1, 'EUR');
SELECT event_id, status FROM webhook_events WHERE event_id = 'evt_j';

-- A config change is seen by the next call (the cache is invalidated)
UPDATE webhook_event_actions SET action = 'ignore' WHERE scheme = 'stripe' AND event_type = 'payment_intent.canceled';
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('stripe', 'R-11', 'pi_11', 1, 'EUR');
SELECT show(stripe('{"id": "evt_k", "type": "payment_intent.canceled", "data": {"object": {"id": "pi_11", "object": "payment_intent", "amount": 100, "currency": "eur"}}}', 'whsec_new'));
UPDATE webhook_providers SET config = '{"actions": {"payment_intent.canceled": "cancel"}}' WHERE name = 'stripe';
SELECT show(stripe('{"id": "evt_l", "type": "payment_intent.canceled", "data": {"object": {"id": "pi_11", "object": "payment_intent", "amount": 100, "currency": "eur"}}}', 'whsec_new'));
UPDATE webhook_providers SET tolerance_seconds = 10 WHERE name = 'stripe';
SELECT show(stripe('{"id": "evt_m", "type": "x"}', 'whsec_new', 1772366400 - 11));

-- Settings
SHOW webhook.max_body_bytes;
SHOW webhook.notify;
-- the override is the clock until reset, and follows SET LOCAL and rollback
SET webhook.clock_override = '2030-01-02 03:04:05+00';
SELECT webhook_now() AT TIME ZONE 'UTC' AS now_utc;
BEGIN;
SET LOCAL webhook.clock_override = '2031-06-01 00:00:00+00';
SELECT webhook_now() AT TIME ZONE 'UTC' AS local_utc;
ROLLBACK;
SELECT webhook_now() AT TIME ZONE 'UTC' AS after_rollback_utc;
RESET webhook.clock_override;
SELECT webhook_now() BETWEEN now() AND clock_timestamp() AS wall_clock;
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SET webhook.clock_override = 'not a time';
SELECT webhook_now() AT TIME ZONE 'UTC' AS unchanged_by_a_bad_value;
SET webhook.max_body_bytes = 0;
SET webhook.nonsense = 1;
CREATE ROLE webhook_nobody;
SET ROLE webhook_nobody;
SET webhook.clock_override = '2020-01-01';
SET webhook.max_body_bytes = 10;
RESET ROLE;
DROP ROLE webhook_nobody;

RESET search_path;
DROP SCHEMA admin_test CASCADE;

-- outcomes.sql: webhook_ingest through the public API, one assertion per
-- fact a caller or a DBA would notice (SPEC 2, 3 and 5).
--
-- Every call goes through tap_ingest(), which counts webhook_deliveries
-- before and after and keeps the reply and the bytes sent.  tap_check() then
-- asserts, for that call:
--   1. the reply's outcome,
--   2. the reply's http_status,
--   3. exactly one new webhook_deliveries row,
--   4. the row named by the reply's delivery_id records the same outcome and
--      http_status,
--   5. the body: a rejected delivery (4xx) keeps the body byte for byte; any
--      other keeps none.  body_too_large (413) keeps none either: storing a
--      body larger than webhook.max_body_bytes would defeat the limit (its
--      size and SHA-256 are still recorded, asserted below).
-- Outcomes covered: every one of SPEC 2 the stripe, hmac and apikey schemes
-- can produce (unknown_certificate is PayPal's).
BEGIN;
CREATE EXTENSION webhook;

-- The verifier's clock, set before any secret is added (a secret is valid
-- from webhook_now()).  1772366400 is this instant as a Unix time.
SET webhook.clock_override = '2026-03-01 12:00:00+00';

--------------------------------------------------------------------------
-- Helpers
--------------------------------------------------------------------------

CREATE TEMP TABLE tap_calls (k text PRIMARY KEY, reply jsonb, n_before bigint, n_after bigint, sent bytea);

-- Call webhook_ingest in one of its three forms and remember what happened.
CREATE FUNCTION tap_ingest(p_k text, p_provider text, p_headers jsonb, p_body bytea,
                           p_form text DEFAULT 'text') RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_before bigint;
    v_after  bigint;
    v_reply  jsonb;
BEGIN
    SELECT count(*) INTO v_before FROM webhook_deliveries;
    v_reply := CASE p_form
        WHEN 'text' THEN webhook_ingest(p_provider, p_headers, convert_from(p_body, 'UTF8'))
        WHEN 'bytea' THEN webhook_ingest(p_provider, p_headers, p_body)
        WHEN 'envelope' THEN webhook_ingest(jsonb_build_object('provider', p_provider, 'headers', p_headers,
                                                               'body', convert_from(p_body, 'UTF8')))
    END;
    SELECT count(*) INTO v_after FROM webhook_deliveries;
    INSERT INTO tap_calls VALUES (p_k, v_reply, v_before, v_after, p_body);
    RETURN v_reply;
END
$$;

-- A Stripe delivery: body signed with secret at Unix time ts.
CREATE FUNCTION tap_stripe(p_k text, p_body text, p_secret text DEFAULT 'whsec_tap_secret',
                           p_ts bigint DEFAULT 1772366400, p_provider text DEFAULT 'stripe',
                           p_form text DEFAULT 'text') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT tap_ingest(p_k, p_provider,
                      jsonb_build_object('Stripe-Signature', webhook_sign_stripe(p_body, p_secret, p_ts)),
                      convert_to(p_body, 'UTF8'), p_form)
$$;

-- A Stripe event whose object is a PaymentIntent (amount in minor units).
CREATE FUNCTION tap_pi(p_evt text, p_type text, p_pi text, p_amount bigint, p_cur text DEFAULT 'eur',
                       p_ref text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', p_evt, 'object', 'event', 'type', p_type, 'created', 1772366390,
        'livemode', false,
        'data', jsonb_build_object('object', jsonb_build_object(
            'id', p_pi, 'object', 'payment_intent', 'amount', p_amount, 'amount_received', p_amount,
            'currency', p_cur, 'status', 'succeeded',
            'metadata', CASE WHEN p_ref IS NULL THEN '{}'::jsonb
                             ELSE jsonb_build_object('reference', p_ref) END)))::text
$$;

-- An event that maps to no action; optionally naming a payment reference.
CREATE FUNCTION tap_plain(p_evt text, p_ref text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', p_evt, 'object', 'event', 'type', 'customer.created',
        'data', jsonb_build_object('object', jsonb_build_object('id', 'cus_1', 'object', 'customer',
            'metadata', CASE WHEN p_ref IS NULL THEN '{}'::jsonb
                             ELSE jsonb_build_object('reference', p_ref) END)))::text
$$;

-- The five facts every call must show (see the header).
CREATE FUNCTION tap_check(p_k text, p_outcome text, p_status int) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    c tap_calls;
    d webhook_deliveries;
BEGIN
    SELECT * INTO c FROM tap_calls WHERE k = p_k;
    SELECT * INTO d FROM webhook_deliveries WHERE id = (c.reply->>'delivery_id')::bigint;
    RETURN NEXT is(c.reply->>'outcome', p_outcome, format('%s: outcome %s', p_k, p_outcome));
    RETURN NEXT is((c.reply->>'http_status')::int, p_status, format('%s: http_status %s', p_k, p_status));
    RETURN NEXT is(c.n_after - c.n_before, 1::bigint, format('%s: exactly one delivery row recorded', p_k));
    RETURN NEXT is(format('%s %s', d.outcome, d.http_status), format('%s %s', p_outcome, p_status),
                   format('%s: the delivery named in the reply records %s %s', p_k, p_outcome, p_status));
    IF p_status BETWEEN 400 AND 499 AND p_status <> 413 THEN
        RETURN NEXT is(d.body, c.sent, format('%s: the rejected body is kept byte for byte', p_k));
    ELSE
        RETURN NEXT ok(d.id IS NOT NULL AND d.body IS NULL, format('%s: no body is kept', p_k));
    END IF;
END
$$;

CREATE FUNCTION tap_reply(p_k text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT reply FROM tap_calls WHERE k = p_k
$$;
CREATE FUNCTION tap_delivery(p_k text) RETURNS webhook_deliveries LANGUAGE sql AS $$
    SELECT d.* FROM webhook_deliveries d, tap_calls c
     WHERE c.k = p_k AND d.id = (c.reply->>'delivery_id')::bigint
$$;

--------------------------------------------------------------------------
-- Providers and payments
--------------------------------------------------------------------------

\o /dev/null
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_tap_secret');
SELECT webhook_add_provider('stripe_hold', 'stripe', 'whsec_tap_secret', '{"on_mismatch": "hold"}');
SELECT webhook_add_provider('stripe_reject', 'stripe', 'whsec_tap_secret', '{"unmatched": "reject"}');
SELECT webhook_add_provider('stripe_off', 'stripe', 'whsec_tap_secret');
UPDATE webhook_providers SET enabled = false WHERE name = 'stripe_off';
SELECT webhook_add_provider('github', 'hmac', 'It''s a Secret to Everybody',
    '{"header": "X-Hub-Signature-256", "prefix": "sha256=", "event_id_header": "X-GitHub-Delivery"}');
SELECT webhook_add_provider('gateway', 'apikey', 'k3y-0f-the-gateway');
SELECT webhook_add_provider('rot', 'stripe', 'whsec_old');
SELECT webhook_add_provider('scoped', 'stripe', 'whsec_provider_wide');

INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10.99, 'EUR'), ('SO-5', 25, 'USD');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES
    ('stripe', 'R-1', 'pi_1', 'SO-1', 10.99, 'EUR'),
    ('stripe', 'R-3', 'pi_3', NULL, 12, 'ZZZ'),
    ('stripe', 'R-6', 'pi_6', NULL, 6, 'EUR'),
    ('stripe_hold', 'R-4', 'pi_4', NULL, 20, 'EUR'),
    ('github', 'T-5', 'P-5', 'SO-5', 25, 'USD'),
    ('gateway', 'G-1', 'gp_1', NULL, 3, 'EUR');

-- Calls whose results the assertions read; nothing below this block
-- changes them.
SELECT tap_stripe('applied', tap_pi('evt_applied', 'payment_intent.succeeded', 'pi_1', 1099));
SELECT tap_stripe('duplicate', tap_pi('evt_applied', 'payment_intent.succeeded', 'pi_1', 1099));
SELECT tap_stripe('unchanged', tap_pi('evt_unchanged', 'charge.captured', 'pi_1', 1099));
SELECT tap_stripe('superseded', tap_pi('evt_superseded', 'payment_intent.canceled', 'pi_1', 1099));
SELECT tap_stripe('ignored', tap_plain('evt_ignored'));
SELECT tap_stripe('unmatched', tap_pi('evt_unmatched', 'payment_intent.succeeded', 'pi_2', 500, 'usd', 'R-2'));
SELECT tap_stripe('held', tap_pi('evt_held', 'payment_intent.succeeded', 'pi_4', 1999), p_provider => 'stripe_hold');
SELECT tap_stripe('unmatched_reject', tap_pi('evt_reject', 'payment_intent.succeeded', 'pi_404', 100),
                  p_provider => 'stripe_reject');
SELECT tap_stripe('failed', tap_pi('evt_failed', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz'));
SELECT tap_stripe('failed_again', tap_pi('evt_failed', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz'));
SELECT tap_stripe('envelope', tap_pi('evt_envelope', 'payment_intent.succeeded', 'pi_6', 600), p_form => 'envelope');
SELECT tap_stripe('bytea', tap_plain('evt_bytea'), p_form => 'bytea');

-- rejections
SELECT tap_ingest('missing_header', 'stripe', '{}', convert_to(tap_plain('evt_x'), 'UTF8'));
SELECT tap_ingest('malformed_header', 'stripe', '{"Stripe-Signature": "garbage"}', convert_to(tap_plain('evt_x'), 'UTF8'));
SELECT tap_ingest('malformed_header_twice', 'stripe',
    jsonb_build_object('Stripe-Signature', webhook_sign_stripe(tap_plain('evt_x'), 'whsec_tap_secret', 1772366400),
                       'stripe-signature', webhook_sign_stripe(tap_plain('evt_x'), 'whsec_tap_secret', 1772366400)),
    convert_to(tap_plain('evt_x'), 'UTF8'));
SELECT tap_stripe('malformed_body_not_json', 'not json');
-- JSON that is no event: judged after the signature (verified: stored ignored; not: 401)
SELECT tap_stripe('unmapped_array', '[1, 2, 3]');
SELECT tap_stripe('unmapped_no_id', '{"type": "payment_intent.succeeded"}');
SELECT tap_stripe('unverified_array', '[1, 2, 3]', 'whsec_not_the_secret');
SELECT tap_stripe('unverified_no_id', '{"type": "payment_intent.succeeded"}', 'whsec_not_the_secret');
SELECT tap_ingest('malformed_body_not_utf8', 'stripe',
    jsonb_build_object('Stripe-Signature', webhook_sign_stripe('\x7b226964223a22ff227d'::bytea, 'whsec_tap_secret', 1772366400)),
    '\x7b226964223a22ff227d'::bytea, 'bytea');
SELECT tap_stripe('invalid_signature', tap_plain('evt_x'), 'whsec_not_the_secret');
SELECT tap_ingest('invalid_signature_tampered', 'stripe',
    jsonb_build_object('Stripe-Signature', webhook_sign_stripe(tap_plain('evt_x'), 'whsec_tap_secret', 1772366400)),
    convert_to(replace(tap_plain('evt_x'), 'customer.created', 'payment_intent.succeeded'), 'UTF8'));
SELECT tap_stripe('stale_past', tap_plain('evt_x'), p_ts => 1772366400 - 301);
SELECT tap_stripe('stale_future', tap_plain('evt_x'), p_ts => 1772366400 + 301);
SELECT tap_stripe('tolerance_edge', tap_plain('evt_edge'), p_ts => 1772366400 - 300);
SELECT tap_stripe('unknown_provider', tap_plain('evt_x'), p_provider => 'nobody');
SELECT tap_stripe('unknown_provider_disabled', tap_plain('evt_x'), p_provider => 'stripe_off');
SET webhook.max_body_bytes = 100;
SELECT tap_stripe('body_too_large', tap_pi('evt_large', 'payment_intent.succeeded', 'pi_1', 1099));
RESET webhook.max_body_bytes;

-- hmac (GitHub style: hex, "sha256=" prefix, event id from a header)
SELECT tap_ingest('hmac_applied', 'github',
    jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac(b, 'It''s a Secret to Everybody'),
                       'X-GitHub-Delivery', 'gh-1'), convert_to(b, 'UTF8'))
  FROM (VALUES ('{"payment_id": "P-5", "transaction_id": "T-5", "status": "completed", "amount": "25.00", "currency": "USD"}')) v(b);
SELECT tap_ingest('hmac_duplicate', 'github',
    jsonb_build_object('x-hub-signature-256', 'sha256=' || webhook_sign_hmac(b, 'It''s a Secret to Everybody'),
                       'x-github-delivery', 'gh-1'), convert_to(b, 'UTF8'))
  FROM (VALUES ('{"payment_id": "P-5", "transaction_id": "T-5", "status": "completed", "amount": "25.00", "currency": "USD"}')) v(b);
SELECT tap_ingest('hmac_missing_header', 'github', '{"X-GitHub-Delivery": "gh-2"}',
    convert_to('{"payment_id": "P-5", "status": "refunded"}', 'UTF8'));
SELECT tap_ingest('hmac_malformed_header', 'github', '{"X-Hub-Signature-256": "sha256=zz", "X-GitHub-Delivery": "gh-2"}',
    convert_to('{"payment_id": "P-5", "status": "refunded"}', 'UTF8'));
SELECT tap_ingest('hmac_invalid_signature', 'github',
    jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac(b, 'not the secret'),
                       'X-GitHub-Delivery', 'gh-2'), convert_to(b, 'UTF8'))
  FROM (VALUES ('{"payment_id": "P-5", "status": "refunded"}')) v(b);

-- apikey
SELECT tap_ingest('apikey_applied', 'gateway', '{"X-API-Key": "k3y-0f-the-gateway", "X-Other": "kept"}',
    convert_to('{"paymentId": "gp_1", "orderId": "G-1", "status": "authorized", "event": "auth"}', 'UTF8'));
SELECT tap_ingest('apikey_invalid_signature', 'gateway', '{"X-API-Key": "k3y-0f-the-gatewaY"}',
    convert_to('{"paymentId": "gp_1", "orderId": "G-1", "status": "failed", "event": "fail"}', 'UTF8'));
SELECT tap_ingest('apikey_missing_header', 'gateway', '{"X-Other": "k3y-0f-the-gateway"}',
    convert_to('{"paymentId": "gp_1", "orderId": "G-1", "status": "failed", "event": "fail"}', 'UTF8'));
\o

SELECT plan(
      5 * (SELECT count(*) FROM tap_calls)::int   -- tap_check for the calls above
    + 5 * 8                                       -- tap_check for the calls further down
    + 1                                           -- every outcome covered
    + 52                                          -- the rest
);

--------------------------------------------------------------------------
-- Accepted deliveries (stripe)
--------------------------------------------------------------------------

SELECT tap_check('applied', 'applied', 200);
SELECT is(tap_reply('applied')->>'event_id', 'evt_applied', 'applied: the reply names the event');
SELECT is(tap_reply('applied')->>'event_status', 'applied', 'applied: the reply gives the event status');
SELECT is(tap_reply('applied')->'payment'->>'reference', 'R-1', 'applied: the reply names the payment');
SELECT is(tap_reply('applied')->'payment'->>'state', 'captured', 'applied: the reply gives the payment state');
SELECT is(tap_reply('applied')->'order'->>'ref', 'SO-1', 'applied: the reply names the order');
SELECT is(tap_reply('applied')->'order'->>'state', 'paid', 'applied: the reply gives the order state');
SELECT is((SELECT state || ' ' || amount_captured FROM webhook_payments WHERE reference = 'R-1'), 'captured 10.99',
    'applied: the payment is captured for 10.99 (1099 minor units of EUR)');
SELECT is((SELECT state FROM webhook_orders WHERE ref = 'SO-1'), 'paid', 'applied: the order is paid');
SELECT is((tap_delivery('applied')).event_pk, (SELECT id FROM webhook_events WHERE event_id = 'evt_applied'),
    'applied: the delivery points to the stored event');

SELECT tap_check('duplicate', 'duplicate', 200);
SELECT is(tap_reply('duplicate')->>'event_status', 'applied', 'duplicate: the reply gives the first delivery''s status');
SELECT is(tap_reply('duplicate')->'payment'->>'state', 'captured', 'duplicate: the reply still shows the payment');
SELECT is((SELECT count(*)::int || ' row, ' || max(deliveries) || ' deliveries' FROM webhook_events WHERE event_id = 'evt_applied'),
    '1 row, 2 deliveries', 'duplicate: one event row, its delivery count raised');

SELECT tap_check('unchanged', 'unchanged', 200);
SELECT is((SELECT status FROM webhook_events WHERE event_id = 'evt_unchanged'), 'unchanged',
    'unchanged: the event is stored with status unchanged');

SELECT tap_check('superseded', 'superseded', 200);
SELECT is(tap_reply('superseded')->'payment'->>'state', 'captured', 'superseded: a late cancel keeps the payment captured');
SELECT is((SELECT status FROM webhook_events WHERE event_id = 'evt_superseded'), 'superseded',
    'superseded: the event is stored with status superseded');

SELECT tap_check('ignored', 'ignored', 200);
SELECT is((SELECT status FROM webhook_events WHERE event_id = 'evt_ignored'), 'ignored',
    'ignored: the event is stored with status ignored');
SELECT ok(NOT tap_reply('ignored') ? 'payment', 'ignored: the reply names no payment for an event about none');

SELECT tap_check('unmatched', 'unmatched', 200);
SELECT ok(NOT tap_reply('unmatched') ? 'payment', 'unmatched: the reply names no payment');
SELECT is((SELECT status FROM webhook_events WHERE event_id = 'evt_unmatched'), 'unmatched',
    'unmatched: the event is stored and parked');
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('stripe', 'R-2', 5, 'USD');
SELECT is((SELECT state FROM webhook_payments WHERE reference = 'R-2'), 'captured',
    'unmatched: inserting the payment applies the parked event');

SELECT tap_check('held', 'held', 200);
SELECT is(tap_reply('held')->'payment'->>'state', 'pending', 'held: the payment stays pending');
SELECT is((SELECT status || ' ' || detail FROM webhook_events WHERE event_id = 'evt_held'), 'held amount_mismatch',
    'held: the event is stored as held, with the mismatch');

SELECT tap_check('unmatched_reject', 'unmatched', 404);
SELECT is((SELECT count(*)::int FROM webhook_events WHERE event_id = 'evt_reject'), 0,
    'unmatched (reject): the event is not stored');

SELECT tap_check('failed', 'failed', 500);
SELECT ok((SELECT status = 'failed' AND detail IS NOT NULL FROM webhook_events WHERE event_id = 'evt_failed'),
    'failed: the event is stored as failed, with the error');
SELECT tap_check('failed_again', 'failed', 500);
-- fix the cause; the next redelivery applies it
INSERT INTO webhook_currencies (code, exponent) VALUES ('ZZZ', 2);
\o /dev/null
SELECT tap_stripe('failed_fixed', tap_pi('evt_failed', 'payment_intent.succeeded', 'pi_3', 1200, 'zzz'));
\o
SELECT tap_check('failed_fixed', 'applied', 200);
SELECT is((SELECT status || ' ' || deliveries FROM webhook_events WHERE event_id = 'evt_failed'), 'applied 3',
    'failed: a redelivery after the fix applies the event, still one row');

SELECT tap_check('envelope', 'applied', 200);
SELECT is((SELECT state FROM webhook_payments WHERE reference = 'R-6'), 'captured',
    'envelope: the envelope form applies the event');
SELECT tap_check('bytea', 'ignored', 200);

--------------------------------------------------------------------------
-- Rejections (stripe)
--------------------------------------------------------------------------

SELECT tap_check('missing_header', 'missing_header', 400);
SELECT tap_check('malformed_header', 'malformed_header', 400);
SELECT tap_check('malformed_header_twice', 'malformed_header', 400);
SELECT tap_check('malformed_body_not_json', 'malformed_body', 400);
SELECT tap_check('unmapped_array', 'ignored', 200);
SELECT tap_check('unmapped_no_id', 'ignored', 200);
SELECT tap_check('unverified_array', 'invalid_signature', 401);
SELECT tap_check('unverified_no_id', 'invalid_signature', 401);
SELECT tap_check('malformed_body_not_utf8', 'malformed_body', 400);
SELECT tap_check('invalid_signature', 'invalid_signature', 401);
SELECT tap_check('invalid_signature_tampered', 'invalid_signature', 401);
SELECT tap_check('stale_past', 'stale_timestamp', 401);
SELECT tap_check('stale_future', 'stale_timestamp', 401);
SELECT tap_check('tolerance_edge', 'ignored', 200);
SELECT tap_check('unknown_provider', 'unknown_provider', 404);
SELECT tap_check('unknown_provider_disabled', 'unknown_provider', 404);
SELECT tap_check('body_too_large', 'body_too_large', 413);
SELECT is((tap_delivery('body_too_large')).body_size, (SELECT octet_length(sent) FROM tap_calls WHERE k = 'body_too_large'),
    'body_too_large: the delivery records the body''s size');
SELECT is((tap_delivery('body_too_large')).body_sha256, (SELECT sha256(sent) FROM tap_calls WHERE k = 'body_too_large'),
    'body_too_large: the delivery records the body''s SHA-256');
SELECT is((SELECT count(*)::int FROM webhook_events WHERE event_id IN ('evt_x', 'evt_large')), 0,
    'no rejected delivery stored an event');

--------------------------------------------------------------------------
-- hmac and apikey
--------------------------------------------------------------------------

SELECT tap_check('hmac_applied', 'applied', 200);
SELECT is(tap_reply('hmac_applied')->'order'->>'state', 'paid', 'hmac_applied: the reply shows the order paid');
SELECT is((SELECT event_id FROM webhook_events WHERE provider = 'github'), 'gh-1',
    'hmac_applied: the event id comes from config.event_id_header');
SELECT tap_check('hmac_duplicate', 'duplicate', 200);
SELECT tap_check('hmac_missing_header', 'missing_header', 400);
SELECT tap_check('hmac_malformed_header', 'malformed_header', 400);
SELECT tap_check('hmac_invalid_signature', 'invalid_signature', 401);

SELECT tap_check('apikey_applied', 'applied', 200);
SELECT is(tap_reply('apikey_applied')->'payment'->>'state', 'authorized', 'apikey_applied: the payment is authorized');
SELECT tap_check('apikey_invalid_signature', 'invalid_signature', 401);
SELECT tap_check('apikey_missing_header', 'missing_header', 400);
SELECT is((tap_delivery('apikey_applied')).headers->>'X-Other', 'kept', 'apikey: other headers are stored as sent');
SELECT is((SELECT count(*)::int FROM webhook_deliveries WHERE provider = 'gateway'
             AND (headers->>'X-API-Key') LIKE '%k3y-0f%'), 0,
    'apikey: the X-API-Key header is never stored in clear');

--------------------------------------------------------------------------
-- Secret rotation: both secrets verify during the overlap, only the new
-- one after it
--------------------------------------------------------------------------

SELECT webhook_rotate_secret('rot', 'whsec_new', '1 hour') AS tap_new_id \gset
SELECT is(:tap_new_id::bigint, (SELECT id FROM webhook_secrets WHERE provider = 'rot' AND secret = 'whsec_new'),
    'webhook_rotate_secret returns the new secret''s id');
SELECT is((SELECT valid_until FROM webhook_secrets WHERE provider = 'rot' AND secret = 'whsec_old'),
    '2026-03-01 13:00:00+00'::timestamptz, 'rotation: the old secret expires at the end of the overlap');
\o /dev/null
SELECT tap_stripe('rot_old_during', tap_plain('evt_rot_1'), 'whsec_old', p_provider => 'rot');
SELECT tap_stripe('rot_new_during', tap_plain('evt_rot_2'), 'whsec_new', p_provider => 'rot');
\o
SELECT tap_check('rot_old_during', 'ignored', 200);
SELECT tap_check('rot_new_during', 'ignored', 200);
SELECT is((tap_delivery('rot_old_during')).secret_id, (SELECT id FROM webhook_secrets WHERE secret = 'whsec_old'),
    'rotation: during the overlap the old secret verifies');
SELECT is((tap_delivery('rot_new_during')).secret_id, :tap_new_id::bigint,
    'rotation: during the overlap the new secret verifies');
-- two hours later, as the verifier sees it
SET webhook.clock_override = '2026-03-01 14:00:00+00';
\o /dev/null
SELECT tap_stripe('rot_old_after', tap_plain('evt_rot_3'), 'whsec_old', 1772373600, p_provider => 'rot');
SELECT tap_stripe('rot_new_after', tap_plain('evt_rot_4'), 'whsec_new', 1772373600, p_provider => 'rot');
\o
SELECT tap_check('rot_old_after', 'invalid_signature', 401);
SELECT tap_check('rot_new_after', 'ignored', 200);
SET webhook.clock_override = '2026-03-01 12:00:00+00';
\o /dev/null
SELECT webhook_rotate_secret('rot', 'whsec_newer');
\o
SELECT is((SELECT valid_until FROM webhook_secrets WHERE provider = 'rot' AND secret = 'whsec_new'),
    '2026-03-02 12:00:00+00'::timestamptz, 'rotation: the default overlap is 24 hours');

--------------------------------------------------------------------------
-- Per-payment secrets: tried for their payment reference only
--------------------------------------------------------------------------

SELECT webhook_add_secret('scoped', 'whsec_only_r7', 'hook-7', 'R-7') AS tap_r7_id \gset
\o /dev/null
SELECT tap_stripe('scoped_own', tap_plain('evt_s1', 'R-7'), 'whsec_only_r7', p_provider => 'scoped');
SELECT tap_stripe('scoped_other', tap_plain('evt_s2', 'R-8'), 'whsec_only_r7', p_provider => 'scoped');
SELECT tap_stripe('scoped_provider', tap_plain('evt_s3', 'R-7'), 'whsec_provider_wide', p_provider => 'scoped');
\o
-- scoped_own: the per-payment secret verifies an event for its reference
SELECT tap_check('scoped_own', 'ignored', 200);
SELECT is((tap_delivery('scoped_own')).secret_id, :tap_r7_id::bigint,
    'per-payment secret: the delivery names the per-payment secret');
-- scoped_other: it does not verify an event for another reference
SELECT tap_check('scoped_other', 'invalid_signature', 401);
-- scoped_provider: the provider's own secret still verifies that payment's events
SELECT tap_check('scoped_provider', 'ignored', 200);
SELECT is((tap_delivery('scoped_provider')).secret_id,
    (SELECT id FROM webhook_secrets WHERE secret = 'whsec_provider_wide'),
    'per-payment secret: the provider-wide secret is named when it verified');

--------------------------------------------------------------------------
-- Every outcome of SPEC 2 that these schemes can produce was produced
--------------------------------------------------------------------------

SELECT is(ARRAY(SELECT DISTINCT outcome || ' ' || http_status FROM webhook_deliveries ORDER BY 1),
    ARRAY['applied 200', 'body_too_large 413', 'duplicate 200', 'failed 500', 'held 200', 'ignored 200',
          'invalid_signature 401', 'malformed_body 400', 'malformed_header 400', 'missing_header 400',
          'stale_timestamp 401', 'superseded 200', 'unchanged 200', 'unknown_provider 404',
          'unmatched 200', 'unmatched 404'],
    'every outcome and http_status of SPEC 2 (but PayPal''s) was recorded');

--------------------------------------------------------------------------
-- Caller errors: plain SQL errors with an SQLSTATE
--------------------------------------------------------------------------

SELECT throws_ok($$SELECT webhook_ingest(NULL, '{}', '{}'::text)$$, '22004', NULL, 'a NULL provider raises 22004');
SELECT throws_ok($$SELECT webhook_ingest('stripe', NULL, '{}'::text)$$, '22004', NULL, 'NULL headers raise 22004');
SELECT throws_ok($$SELECT webhook_ingest('stripe', '{}', NULL::text)$$, '22004', NULL, 'a NULL text body raises 22004');
SELECT throws_ok($$SELECT webhook_ingest('stripe', '{}', NULL::bytea)$$, '22004', NULL, 'a NULL bytea body raises 22004');
SELECT throws_ok($$SELECT webhook_ingest('stripe', '[]', '{}'::text)$$, '22023', NULL, 'headers that are not an object raise 22023');
SELECT throws_ok($$SELECT webhook_ingest('stripe', '{"Stripe-Signature": 1}', '{}'::text)$$, '22023', NULL,
    'a header value that is not a string raises 22023');
SELECT throws_ok($$SELECT webhook_ingest(NULL::jsonb)$$, '22004', NULL, 'a NULL envelope raises 22004');
SELECT throws_ok($$SELECT webhook_ingest('[]'::jsonb)$$, '22023', NULL, 'an envelope that is not an object raises 22023');
SELECT throws_ok($$SELECT webhook_ingest('{"headers": {}, "body": "{}"}'::jsonb)$$, '22004', NULL,
    'an envelope without provider raises 22004');
SELECT throws_ok($$SELECT webhook_ingest('{"provider": "stripe", "headers": {}}'::jsonb)$$, '22023', NULL,
    'an envelope without body or body_base64 raises 22023');
SELECT throws_ok($$SELECT webhook_ingest('{"provider": "stripe", "headers": {}, "body": "{}", "body_base64": "e30="}'::jsonb)$$,
    '22023', NULL, 'an envelope with both body and body_base64 raises 22023');

SELECT * FROM finish();
ROLLBACK;

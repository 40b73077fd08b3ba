-- Money never moves the wrong way, ids never collide, a config change never
-- silently breaks verification, and the signature is checked before the
-- body's shape is judged.  One case a line.
CREATE SCHEMA money_test;
SET search_path = money_test;
CREATE EXTENSION webhook SCHEMA money_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';
\set now 1772366400

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome', r->>'event_status',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;
-- A generic gateway (major units) authenticated by an API key.
CREATE FUNCTION gw(body text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('gw', '{"X-API-Key": "gw-key"}', body)
$$;
CREATE FUNCTION stripe(body text, secret text DEFAULT 'whsec_money') RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(body, secret, 1772366400)), body)
$$;
SELECT webhook_add_provider('gw', 'apikey', 'gw-key');
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_money');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('O-1', 10, 'EUR'), ('O-2', 10, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('gw', 'T-1', 'P-1', 'O-1', 10, 'EUR'), ('gw', 'T-2', 'P-2', 'O-2', 10, 'EUR'),
       ('stripe', 'R-1', 'pi_1', NULL, 10, 'EUR');

-- Money: a verified capture of -5 is held, the payment and its order stay as they were
SELECT show(gw('{"payment_id": "P-1", "transaction_id": "T-1", "status": "captured", "amount": "-5", "currency": "EUR"}'));
-- a capture finer than the currency allows is held
SELECT show(gw('{"payment_id": "P-1", "transaction_id": "T-1", "status": "captured", "amount": "9.999", "currency": "EUR"}'));
-- trailing zeros are no extra precision: 10.000 EUR captures
SELECT show(gw('{"payment_id": "P-1", "transaction_id": "T-1", "status": "captured", "amount": "10.000", "currency": "EUR"}'));
-- an amount that is no number is held
SELECT show(gw('{"payment_id": "P-2", "transaction_id": "T-2", "status": "captured", "amount": "ten", "currency": "EUR"}'));
-- a currency given as a JSON number is held, never a 5xx
SELECT show(gw('{"payment_id": "P-2", "transaction_id": "T-2", "status": "captured", "amount": "10", "currency": 978}'));
SELECT show(stripe('{"id": "evt_cur", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 1000, "amount_received": 1000, "currency": 978}}}'));
SELECT reference, state, amount_captured FROM webhook_payments ORDER BY id;
SELECT ref, state, amount_paid FROM webhook_orders ORDER BY ref;
-- held events wait in webhook_parked_events with their reason
SELECT provider, status, detail, amount, currency FROM webhook_parked_events ORDER BY event_pk;
-- webhook_reprocess never applies an amount that cannot be applied
SELECT string_agg(webhook_reprocess(event_pk)->>'event_status', ' ' ORDER BY event_pk) AS reprocessed FROM webhook_parked_events;
SELECT reference, state, amount_captured FROM webhook_payments WHERE reference = 'T-2';

-- Money: refunds of +4, -4 and +4 on a captured payment: 8 refunded, the -4 held
SELECT show(gw('{"payment_id": "P-1", "transaction_id": "T-1", "status": "refunded", "amount": "4", "currency": "EUR", "n": 1}'));
SELECT show(gw('{"payment_id": "P-1", "transaction_id": "T-1", "status": "refunded", "amount": "-4", "currency": "EUR", "n": 2}'));
SELECT show(gw('{"payment_id": "P-1", "transaction_id": "T-1", "status": "refunded", "amount": "4", "currency": "EUR", "n": 3}'));
SELECT reference, state, amount_captured, amount_refunded FROM webhook_payments WHERE reference = 'T-1';
SELECT count(*) AS refunds, sum(amount) AS refunded FROM webhook_refunds;

-- Money: an app inserting an event with a negative amount gets it held too
INSERT INTO webhook_events (provider, event_id, event_type, action, object_id, amount, currency)
VALUES ('gw', 'app-1', 'captured', 'capture', 'P-2', -3, 'EUR') RETURNING status, detail;
INSERT INTO webhook_events (provider, event_id, event_type, action, object_id, amount_minor, currency)
VALUES ('stripe', 'app-2', 'charge.succeeded', 'capture', 'pi_1', -300, 'EUR') RETURNING status, detail;

-- Money: the triggers refuse negative amounts written by hand (23514)
\set VERBOSITY sqlstate
UPDATE webhook_payments SET amount_captured = -100 WHERE reference = 'T-2';
UPDATE webhook_payments SET amount_refunded = -1 WHERE reference = 'T-1';
UPDATE webhook_payments SET refunded_reported = -1 WHERE reference = 'T-1';
INSERT INTO webhook_payments (provider, reference, amount, currency, amount_captured) VALUES ('gw', 'T-9', 1, 'EUR', -1);
\set VERBOSITY default
UPDATE webhook_payments SET amount_captured = -100 WHERE reference = 'T-2';

-- Ids: generic shape 2, paymentId "a:b" with event "c" and paymentId "a" with event "b:c" are two events
INSERT INTO webhook_payments (provider, external_id, amount, currency) VALUES ('gw', 'a:b', 1, 'EUR'), ('gw', 'a', 1, 'EUR');
SELECT show(gw('{"paymentId": "a:b", "status": "authorized", "event": "c"}'));
SELECT show(gw('{"paymentId": "a", "status": "authorized", "event": "b:c"}'));
SELECT show(gw('{"paymentId": "a", "status": "authorized", "event": "b:c"}'));
-- a backslash is escaped too, and parts without ':' or '\' read as before
SELECT show(gw('{"paymentId": "a", "status": "captured", "event": "x\\"}'));
SELECT show(gw('{"paymentId": "P-2", "status": "authorized", "event": "auth"}'));
SELECT event_id, status FROM webhook_events WHERE provider = 'gw' AND event_id LIKE '%:%' ORDER BY id;

-- Ids: Vipps' msn:reference:pspReference:name with a colon inside a part
SET webhook.clock_override = '2023-08-14 12:48:47+00';
SELECT webhook_add_provider('vipps', 'vipps', 'vipps-secret', '{"public_url": "https://shop.example.com/hooks/vipps"}');
CREATE FUNCTION vipps(body text, secret text DEFAULT 'vipps-secret') RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('vipps', webhook_sign_vipps(body, secret, '/hooks/vipps', 'shop.example.com',
                          'Mon, 14 Aug 2023 12:48:47 GMT'), body)
$$;
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('vipps', 'r:1', 1, 'NOK'), ('vipps', 'r', 1, 'NOK');
SELECT show(vipps('{"msn": "1", "reference": "r:1", "pspReference": "p", "name": "AUTHORIZED", "amount": {"currency": "NOK", "value": 100}, "success": true}'));
SELECT show(vipps('{"msn": "1", "reference": "r", "pspReference": "1:p", "name": "AUTHORIZED", "amount": {"currency": "NOK", "value": 100}, "success": true}'));
SELECT event_id, reference, status FROM webhook_events WHERE provider = 'vipps' ORDER BY id;

-- Verify first: VV-1's body (official; no ePayment event) verifies and is stored ignored, 200
SET webhook.clock_override = '2023-03-30 08:38:32+00';
SELECT webhook_add_provider('vipps_docs', 'vipps',
       'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==',
       '{"public_url": "https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63"}');
SELECT show(webhook_ingest('vipps_docs', '{"x-ms-date": "Thu, 30 Mar 2023 08:38:32 GMT",
    "x-ms-content-sha256": "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=", "host": "webhook.site",
    "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="}',
    '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}'::text));
-- its event id is the body's SHA-256; the second delivery is a duplicate
SELECT event_id = encode(sha256(convert_to('{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}', 'UTF8')), 'hex') AS sha_id,
       status, detail FROM webhook_events WHERE provider = 'vipps_docs';
SELECT show(webhook_ingest('vipps_docs', '{"x-ms-date": "Thu, 30 Mar 2023 08:38:32 GMT",
    "x-ms-content-sha256": "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=", "host": "webhook.site",
    "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="}',
    '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}'::text));
-- the same body with a wrong signature is 401, not 400
SELECT show(webhook_ingest('vipps_docs', '{"x-ms-date": "Thu, 30 Mar 2023 08:38:32 GMT",
    "x-ms-content-sha256": "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=", "host": "webhook.site",
    "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AgAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U="}',
    '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}'::text));
-- unverified Stripe bodies that lack the scheme's fields: 401; verified: 200 ignored
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT show(stripe('{"type": "payment_intent.succeeded"}', 'whsec_wrong'));
SELECT show(stripe('[1, 2]', 'whsec_wrong'));
SELECT show(stripe('{"type": "payment_intent.succeeded"}'));
-- a body that is not JSON is malformed before any signature
SELECT show(stripe('{"id": '));

-- Config: secret_encoding hex while a live secret is not hex is refused, naming the secret, never its value
SELECT webhook_add_provider('gh', 'hmac', 'deadbeef', '{"header": "X-Sig"}');
SELECT webhook_add_secret('gh', 'also not hex', 'registration-2') > 0 AS added;
UPDATE webhook_providers SET config = '{"header": "X-Sig", "secret_encoding": "hex"}' WHERE name = 'gh';
\set VERBOSITY sqlstate
UPDATE webhook_providers SET config = '{"header": "X-Sig", "secret_encoding": "hex"}' WHERE name = 'gh';
\set VERBOSITY default
SELECT config->>'secret_encoding' AS encoding FROM webhook_providers WHERE name = 'gh';
-- an expired secret does not count: once only hex secrets are live the change is accepted
UPDATE webhook_secrets SET valid_from = '2026-02-01', valid_until = '2026-02-02' WHERE label = 'registration-2';
UPDATE webhook_providers SET config = '{"header": "X-Sig", "secret_encoding": "hex"}' WHERE name = 'gh';
SELECT config->>'secret_encoding' AS encoding FROM webhook_providers WHERE name = 'gh';
-- and the hex key verifies
SELECT show(webhook_ingest('gh', jsonb_build_object('X-Sig', webhook_sign_hmac('{"payment_id": "x", "status": "pending"}'::bytea, '\xdeadbeef'::bytea)),
    '{"payment_id": "x", "status": "pending"}'::text));
-- a scheme change that would orphan the secrets is refused too
UPDATE webhook_providers SET scheme = 'paypal', config = '{"webhook_id": "W"}' WHERE name = 'gw';

DROP SCHEMA money_test CASCADE;

-- Square: the official vector of reference/providers-next.md A.2.3 (SQ-1)
-- and its five negatives, a derived vector, the required
-- config.notification_url, then ingest moving payments through the state
-- machine, with the scheme's rejections and a rotated secret.
CREATE SCHEMA square_test;
SET search_path = square_test;
CREATE EXTENSION webhook SCHEMA square_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;

-- SQ-1 (official: square/square-python-sdk tests/utilities/test_webhooks_helper.py):
-- the notification URL followed by the body, signature key as given
\set sq1_key 'Ibxx_5AKakO-3qeNVR61Dw'
\set sq1_url 'https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9'
\set sq1_body '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}'
\set sq1_sig 'GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4='
CREATE FUNCTION v(body bytea, sig text DEFAULT :'sq1_sig', key text DEFAULT :'sq1_key', url text DEFAULT :'sq1_url')
RETURNS boolean LANGUAGE sql AS $$
    SELECT webhook_verify('square', CASE WHEN sig IS NULL THEN '{}' ELSE jsonb_build_object('x-square-hmacsha256-signature', sig) END,
                          body, key, jsonb_build_object('notification_url', url))
$$;
SELECT octet_length(convert_to(:'sq1_body', 'UTF8')) AS bytes,
       v(convert_to(:'sq1_body', 'UTF8')) AS sq1,
       webhook_sign('square', convert_to(:'sq1_body', 'UTF8'), :'sq1_key', jsonb_build_object('notification_url', :'sq1_url'))
       = jsonb_build_object('x-square-hmacsha256-signature', :'sq1_sig') AS sq1_signed;
-- SQ-1's negatives, from the same test file
SELECT v(convert_to(:'sq1_body', 'UTF8'), url => 'https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9') AS url_mismatch,
       v(convert_to(:'sq1_body', 'UTF8'), key => 'MCmhFRxGX82xMwg5FsaoQA') AS invalid_signature_key,
       v(convert_to(:'sq1_body', 'UTF8'), sig => '1z2n3DEJJiUPKcPzQo1ftvbxGdw=') AS invalid_signature_header,
       v(convert_to(replace(:'sq1_body', '2022-07-13', '2022-06-13'), 'UTF8')) AS body_mismatch,
       v(convert_to(
    E'\n' ||
    E'        {\n' ||
    E'            "merchant_id": "MLEFBHHSJGVHD",\n' ||
    E'            "type": "webhooks.test_notification",\n' ||
    E'            "event_id": "ac3ac95b-f97d-458c-a6e6-18981597e05f",\n' ||
    E'            "created_at": "2022-07-13T20:30:59.037339943Z",\n' ||
    E'            "data": {\n' ||
    E'              "type": "webhooks",\n' ||
    E'              "id": "bc368e64-01aa-407e-b46e-3231809b1129"\n' ||
    E'            }\n' ||
    E'        }\n' ||
    '        ', 'UTF8')) AS body_formatted;
-- and ours: the URL is not trimmed nor normalised, the header is needed, the
-- base64 is decoded strictly (its padding may go), an empty body is signed too
SELECT v(convert_to(:'sq1_body', 'UTF8'), url => :'sq1_url' || '/') AS url_trailing_slash,
       v(convert_to(:'sq1_body', 'UTF8'), url => upper(:'sq1_url')) AS url_upper,
       v(convert_to(:'sq1_body', 'UTF8'), sig => NULL) AS no_header,
       v(convert_to(:'sq1_body', 'UTF8'), sig => rtrim(:'sq1_sig', '=')) AS unpadded,
       v(convert_to(:'sq1_body', 'UTF8'), sig => replace(:'sq1_sig', '/', '_')) AS url_safe_alphabet,
       v(convert_to(:'sq1_body', 'UTF8'), sig => encode(decode(:'sq1_sig', 'base64'), 'hex')) AS as_hex,
       v(convert_to(:'sq1_body', 'UTF8'), sig => ' ' || :'sq1_sig') AS leading_space,
       v(convert_to(:'sq1_body' || E'\n', 'UTF8')) AS trailing_lf;

-- SQ-D (derived, computed with Python's hmac, not from Square): a payment
-- body, a URL with a query, and the empty body
\set sqd_key 'sq0wbk_derived-signature_key'
\set sqd_url 'https://shop.example/hooks/square?src=sq'
\set sqd_body '{"merchant_id":"ML0DERIVED","type":"payment.updated","event_id":"evt-derived-1","created_at":"2023-11-14T22:13:19.812Z","data":{"type":"payment","id":"pay_derived_1","object":{"payment":{"id":"pay_derived_1","amount_money":{"amount":1000,"currency":"USD"},"status":"COMPLETED"}}}}'
SELECT webhook_sign('square', convert_to(:'sqd_body', 'UTF8'), :'sqd_key', jsonb_build_object('notification_url', :'sqd_url'))
       ->> 'x-square-hmacsha256-signature' = 'TQGosJbuMM5PSISQv1zbBUvK1D84AyL/H0tB8E28yRQ=' AS sqd,
       webhook_sign('square', ''::bytea, :'sqd_key', jsonb_build_object('notification_url', :'sqd_url'))
       ->> 'x-square-hmacsha256-signature' = 'zOi7O2p+xxIU9+l67LGUNX736arH+c+BoMCnxoLAqH0=' AS sqd_empty_body,
       v(convert_to(:'sqd_body', 'UTF8'), 'TQGosJbuMM5PSISQv1zbBUvK1D84AyL/H0tB8E28yRQ=', :'sqd_key', :'sqd_url') AS sqd_verifies;

-- config.notification_url is required, a non-empty string
\set VERBOSITY terse
SELECT webhook_add_provider('sq_bad', 'square', :'sq1_key');
SELECT webhook_add_provider('sq_bad', 'square', :'sq1_key', '{"notification_url": ""}');
SELECT webhook_add_provider('sq_bad', 'square', :'sq1_key', '{"notification_url": 42}');
SELECT webhook_add_provider('sq_bad', 'square', :'sq1_key', '{"notification_url": "https://x", "public_url": "https://x"}');
SELECT webhook_verify('square', jsonb_build_object('x-square-hmacsha256-signature', :'sq1_sig'), convert_to(:'sq1_body', 'UTF8'), :'sq1_key');
SELECT webhook_sign('square', 'x'::bytea, :'sq1_key');
\set VERBOSITY default
DO $$
BEGIN
    PERFORM webhook_add_provider('sq_bad', 'square', 'k', '{"paths": {"reference": ["data", "id"]}}');
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;
SELECT webhook_add_provider('sq_later', 'square', NULL, jsonb_build_object('notification_url', :'sq1_url'));
UPDATE webhook_providers SET config = '{}' WHERE name = 'sq_later';
SELECT count(*) AS sq_bad_rows FROM webhook_providers WHERE name = 'sq_bad';

-- Ingest: SQ-1's delivery (a test notification: ignored), then payments
SET webhook.clock_override = '2023-11-14 22:13:20+00';
SELECT webhook_add_provider('square', 'square', :'sq1_key', jsonb_build_object('notification_url', :'sq1_url'));
SELECT show(webhook_ingest('square', jsonb_build_object('X-Square-HmacSha256-Signature', :'sq1_sig'), :'sq1_body'::text));
SELECT show(webhook_ingest('square', jsonb_build_object('X-Square-HmacSha256-Signature', :'sq1_sig'), :'sq1_body'::text));
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10.00, 'USD');
INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency)
VALUES ('square', 'R-1', 'SO-1', 10.00, 'USD');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('square', 'R-2', 'sqpay_2', 20.00, 'USD'), ('square', 'R-3', 'sqpay_3', 30.00, 'JPY');
CREATE FUNCTION pay(event_id text, type text, pay text, status text, amount bigint, ref text DEFAULT NULL,
                    currency text DEFAULT 'USD', tip bigint DEFAULT 0) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('merchant_id', 'ML0SHOP', 'type', type, 'event_id', event_id,
        'created_at', '2023-11-14T22:13:19.812Z',
        'data', jsonb_build_object('type', 'payment', 'id', pay, 'object', jsonb_build_object('payment',
            jsonb_strip_nulls(jsonb_build_object('id', pay, 'status', status, 'reference_id', ref,
                'amount_money', jsonb_build_object('amount', amount, 'currency', currency),
                'tip_money', jsonb_build_object('amount', tip, 'currency', currency),
                'total_money', jsonb_build_object('amount', amount + tip, 'currency', currency),
                'source_type', 'CARD', 'order_id', 'ord_' || pay, 'version', 1)))))::text
$$;
CREATE FUNCTION refund(event_id text, type text, refund text, pay text, status text, amount bigint) RETURNS text
LANGUAGE sql AS $$
    SELECT jsonb_build_object('merchant_id', 'ML0SHOP', 'type', type, 'event_id', event_id,
        'created_at', '2023-11-14T22:13:19.812Z',
        'data', jsonb_build_object('type', 'refund', 'id', refund, 'object', jsonb_build_object('refund',
            jsonb_build_object('id', refund, 'status', status, 'payment_id', pay,
                'amount_money', jsonb_build_object('amount', amount, 'currency', 'USD'), 'version', 1))))::text
$$;
CREATE FUNCTION sq(body text, key text DEFAULT :'sq1_key', url text DEFAULT :'sq1_url', provider text DEFAULT 'square')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest(provider, webhook_sign('square', convert_to(body, 'UTF8'), key,
                                                 jsonb_build_object('notification_url', url)), body)
$$;
-- R-1 by reference_id: created approved (a delayed capture), updated completed, a repeat
SELECT show(sq(pay('e-1a', 'payment.created', 'sqpay_1', 'APPROVED', 1000, 'R-1')));
SELECT show(sq(pay('e-1b', 'payment.updated', 'sqpay_1', 'COMPLETED', 1000, 'R-1')));
SELECT show(sq(pay('e-1b', 'payment.updated', 'sqpay_1', 'COMPLETED', 1000, 'R-1')));
-- refunds by payment_id, each by its refund id: pending is ignored, completed counts once
UPDATE webhook_payments SET external_id = 'sqpay_1' WHERE provider = 'square' AND reference = 'R-1';
SELECT show(sq(refund('e-1c', 'refund.created', 'sqref_1', 'sqpay_1', 'PENDING', 400)));
SELECT show(sq(refund('e-1d', 'refund.updated', 'sqref_1', 'sqpay_1', 'COMPLETED', 400)));
SELECT show(sq(refund('e-1e', 'refund.updated', 'sqref_1', 'sqpay_1', 'COMPLETED', 400)));
SELECT show(sq(refund('e-1f', 'refund.created', 'sqref_2', 'sqpay_1', 'REJECTED', 600)));
-- R-2 by its payment id: failed, then completed with a tip (total_money: an amount mismatch, applied)
SELECT show(sq(pay('e-2a', 'payment.updated', 'sqpay_2', 'FAILED', 2000)));
SELECT show(sq(pay('e-2b', 'payment.updated', 'sqpay_2', 'COMPLETED', 2000, tip => 300)));
-- R-3 in yen (no minor unit): approved, then canceled, then a late completed is superseded
SELECT show(sq(pay('e-3a', 'payment.created', 'sqpay_3', 'APPROVED', 30, currency => 'JPY')));
SELECT show(sq(pay('e-3b', 'payment.updated', 'sqpay_3', 'CANCELED', 30, currency => 'JPY')));
SELECT show(sq(pay('e-3c', 'payment.updated', 'sqpay_3', 'COMPLETED', 30, currency => 'JPY')));
-- unknown payment: parked; an event of another object: ignored
SELECT show(sq(pay('e-9', 'payment.created', 'sqpay_9', 'PENDING', 100, 'R-9')));
SELECT show(sq('{"merchant_id": "ML0SHOP", "type": "dispute.created", "event_id": "e-10", "data": {"type": "dispute", "id": "dp_1", "object": {"dispute": {"id": "dp_1", "state": "INQUIRY_EVIDENCE_REQUIRED"}}}}'));

-- rejections, one bad input a line
SELECT show(sq(pay('e-x1', 'payment.updated', 'sqpay_x', 'COMPLETED', 1), key => 'MCmhFRxGX82xMwg5FsaoQA'));
SELECT show(sq(pay('e-x2', 'payment.updated', 'sqpay_x', 'COMPLETED', 1), url => 'https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9'));
SELECT show(webhook_ingest('square', webhook_sign('square', convert_to(b, 'UTF8'), :'sq1_key',
                                                  jsonb_build_object('notification_url', :'sq1_url')), b || ' '))
  FROM pay('e-x3', 'payment.updated', 'sqpay_x', 'COMPLETED', 1) b;
SELECT show(webhook_ingest('square', '{}', pay('e-x4', 'payment.updated', 'sqpay_x', 'COMPLETED', 1)));
SELECT show(webhook_ingest('square', '{"x-square-signature": "1z2n3DEJJiUPKcPzQo1ftvbxGdw="}', pay('e-x5', 'payment.updated', 'sqpay_x', 'COMPLETED', 1)));
SELECT show(webhook_ingest('square', '{"x-square-hmacsha256-signature": "not base64!"}', pay('e-x6', 'payment.updated', 'sqpay_x', 'COMPLETED', 1)));
SELECT show(webhook_ingest('square', '{"x-square-hmacsha256-signature": "1z2n3DEJJiUPKcPzQo1ftvbxGdw="}', pay('e-x7', 'payment.updated', 'sqpay_x', 'COMPLETED', 1)));
SELECT show(sq('{"type": "payment.updated", "data": {"type": "payment", "id": "sqpay_x"}}'));

-- a proxy's URL is not what Square signed: the provider's notification_url is
SELECT webhook_add_provider('square_proxied', 'square', :'sq1_key', '{"notification_url": "https://shop.example/hooks/square"}');
SELECT show(sq(pay('e-p1', 'payment.updated', 'sqpay_p', 'COMPLETED', 1), url => 'https://shop.example/hooks/square', provider => 'square_proxied'));
SELECT show(sq(pay('e-p2', 'payment.updated', 'sqpay_p', 'COMPLETED', 1), url => 'http://10.0.0.5:8080/hooks/square', provider => 'square_proxied'));

-- a rotated signature key: both verify during the overlap, only the new one after it
SELECT webhook_rotate_secret('square', 'sq_new_signature_key', '1 hour') > 0 AS rotated;
UPDATE webhook_secrets SET label = CASE secret WHEN 'sq_new_signature_key' THEN 'new' ELSE 'old' END WHERE provider = 'square';
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('square', 'R-5', 1.00, 'USD'),
       ('square', 'R-6', 1.00, 'USD');
SELECT show(sq(pay('e-5a', 'payment.created', 'sqpay_5', 'APPROVED', 100, 'R-5')));
SELECT show(sq(pay('e-5b', 'payment.updated', 'sqpay_5', 'COMPLETED', 100, 'R-5'), key => 'sq_new_signature_key'));
SET webhook.clock_override = '2023-11-14 23:13:21+00';
SELECT show(sq(pay('e-6a', 'payment.updated', 'sqpay_6', 'COMPLETED', 100, 'R-6')));
SELECT show(sq(pay('e-6b', 'payment.updated', 'sqpay_6', 'COMPLETED', 100, 'R-6'), key => 'sq_new_signature_key'));
SELECT d.event_id, d.outcome, s.label FROM webhook_deliveries d LEFT JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.provider = 'square' AND (d.event_id LIKE 'e-5%' OR d.event_id LIKE 'e-6%' OR d.outcome = 'invalid_signature') ORDER BY d.id;

-- config.actions: by the event's type, or by "<object>.<status>" as the map is keyed
SELECT webhook_add_provider('square_auto', 'square', :'sq1_key', jsonb_build_object('notification_url', :'sq1_url',
       'actions', jsonb_build_object('payment.created', 'ignore', 'payment.APPROVED', 'capture')));
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('square_auto', 'A-1', 1.00, 'USD');
SELECT show(sq(pay('e-a1', 'payment.created', 'sqpay_a1', 'COMPLETED', 100, 'A-1'), provider => 'square_auto'));
SELECT show(sq(pay('e-a2', 'payment.updated', 'sqpay_a1', 'APPROVED', 100, 'A-1'), provider => 'square_auto'));

-- what was stored
SELECT left(event_id, 12) AS event_id, event_type, action, object_id, reference, status, amount, currency, occurred_at
  FROM webhook_events WHERE provider LIKE 'square%' ORDER BY id;
SELECT provider, reference, external_id, state, amount_captured, amount_refunded FROM webhook_payments
 WHERE provider LIKE 'square%' ORDER BY provider, reference;
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders WHERE ref = 'SO-1';
SELECT refund_id, amount, currency FROM webhook_refunds WHERE provider = 'square' ORDER BY refund_id;
SELECT left(event_id, 12) AS event_id, detail FROM webhook_events WHERE provider = 'square' AND detail IS NOT NULL ORDER BY id;

-- webhook_sign's header verifies with the same notification_url, not another
SELECT webhook_verify('square', webhook_sign('square', 'body'::bytea, 'k', '{"notification_url": "https://a.example/h"}'),
                      'body'::bytea, 'k', '{"notification_url": "https://a.example/h"}') AS verifies,
       webhook_verify('square', webhook_sign('square', 'body'::bytea, 'k', '{"notification_url": "https://a.example/h"}'),
                      'bodY'::bytea, 'k', '{"notification_url": "https://a.example/h"}') AS tampered,
       webhook_verify('square', webhook_sign('square', 'body'::bytea, 'k', '{"notification_url": "https://a.example/h"}'),
                      'body'::bytea, 'k', '{"notification_url": "https://b.example/h"}') AS other_url;

RESET webhook.clock_override;
RESET search_path;
DROP SCHEMA square_test CASCADE;

-- Adyen: the official vectors AD-1 to AD-6 (Adyen's Python library tests),
-- then deliveries: a batch of notificationItems, each signed on its own,
-- answered [accepted]; one item that does not verify refuses the delivery.
CREATE SCHEMA adyen_test;
SET search_path = adyen_test;
CREATE EXTENSION webhook SCHEMA adyen_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        '[' || (SELECT string_agg(concat_ws(':', e->>'event_id', e->>'outcome', e->'payment'->>'state'), ' '
                                  ORDER BY o)
                  FROM jsonb_array_elements(r->'events') WITH ORDINALITY AS x(e, o)) || ']',
        'body=' || (r->>'response_body'), '(' || (r->>'detail') || ')')
$$;
-- an item's hmacSignature as webhook_sign gives it (a body that is one item)
CREATE FUNCTION item_sig(item jsonb, key text) RETURNS text LANGUAGE sql AS $$
    SELECT webhook_sign('adyen', convert_to(item::text, 'UTF8'), key) ->> 'hmacSignature'
$$;

\set ad1_key '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
\set ad2_key '74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174'
-- AD-1: test_notification_request_item_hmac
SELECT item_sig('{"pspReference": "7914073381342284", "merchantReference": "TestPayment-1407325143704",
                  "merchantAccountCode": "TestMerchant", "amount": {"currency": "EUR", "value": 1130},
                  "eventCode": "AUTHORISATION", "success": "true", "eventDate": "2019-05-06T17:15:34.121+02:00",
                  "operations": ["CANCEL", "CAPTURE", "REFUND"], "paymentMethod": "visa"}', :'ad1_key')
       = 'coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0=' AS ad1;
-- AD-2 to AD-5: colons, backslashes and slashes in merchantReference, signed unescaped
CREATE FUNCTION fixture(psp text, ref text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('pspReference', psp, 'merchantAccountCode', 'AntoniStroinski',
        'merchantReference', ref, 'amount', jsonb_build_object('value', 1000, 'currency', 'EUR'),
        'eventCode', 'AUTHORISATION', 'success', 'true')
$$;
SELECT item_sig(fixture('M8NB66SBZSGLNK82', ':slashes are fun'), :'ad2_key')
       = '2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViA=' AS ad2_colon,
       item_sig(fixture('T7FD4VM4D3RZNN82', '\\slashes are fun'), :'ad2_key')
       = 'nIgT81gaB5oJpn2jPXupDq68iRo2wUlBsuYjtYfwKqo=' AS ad3_backslash,
       item_sig(fixture('X3GWNS6KJ8NKGK82', '//slashes are fun'), :'ad2_key')
       = '9Z0xdpG9Xi3zcmXv14t/BvMBut77O/Xq9D4CQXSDUi4=' AS ad4_forwardslash,
       item_sig(fixture('ZVWN7D3WSMK2WN82', '\:/\/slashes are fun'), :'ad2_key')
       = 'CZErGCNQaSsxbaQfZaJlakqo7KPP+mIa8a+wx3yNs9A=' AS ad5_mixed;
-- the signing string escaped as Odoo's controller escapes it would not verify AD-2
SELECT item_sig(fixture('M8NB66SBZSGLNK82', '\:slashes are fun'), :'ad2_key')
       = '2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViA=' AS ad2_escaped;
-- AD-6: test_is_valid_hmac_payload, the HmacSignature header over the raw body
SELECT E'\n        {\n            "type": "merchant.created",\n            "environment": "test",\n            "createdAt": "01-01-2024",\n            "data": {\n                "capabilities": {\n                    "sendToTransferInstrument": {\n                        "requested": true,\n                        "requestedLevel": "notApplicable"\n                    }\n                },\n                "companyId": "YOUR_COMPANY_ID",\n                "merchantId": "YOUR_MERCHANT_ACCOUNT",\n                "status": "PreActive"\n            }\n        }\n        ' AS ad6_body \gset
SELECT octet_length(:'ad6_body') AS ad6_bytes,
       webhook_sign('adyen', convert_to(:'ad6_body', 'UTF8'), :'ad1_key') ->> 'HmacSignature'
       = 'fX74xUdztFmaXAn3IusMFFUBUSkLmDQUK0tm8xL6ZTU=' AS ad6,
       webhook_verify('adyen', '{"HmacSignature": "fX74xUdztFmaXAn3IusMFFUBUSkLmDQUK0tm8xL6ZTU="}',
                      convert_to(:'ad6_body', 'UTF8'), :'ad1_key') AS ad6_verifies,
       webhook_verify('adyen', '{"HmacSignature": "MismatchingHmacKey="}',
                      convert_to(:'ad6_body', 'UTF8'), :'ad1_key') AS mismatching_verifies;

-- Ingest: a provider whose HMAC key is hex (a key that is not hex is refused)
SET webhook.clock_override = '2024-05-06 15:16:00+00';
SELECT webhook_add_provider('adyen', 'adyen', 'not hex');
SELECT webhook_add_provider('adyen', 'adyen', :'ad1_key');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 11.30, 'EUR'), ('SO-2', 50, 'EUR');
INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency, state) VALUES
    ('adyen', 'TestPayment-1', 'SO-1', 11.30, 'EUR', 'pending'),
    ('adyen', 'TestPayment-2', 'SO-2', 50, 'EUR', 'pending'),
    ('adyen', 'TestPayment-ISK', NULL, 100, 'ISK', 'pending');
-- one item, signed with key
CREATE FUNCTION item(psp text, code text, ref text, value bigint, currency text DEFAULT 'EUR',
                     success text DEFAULT 'true', original text DEFAULT NULL,
                     key text DEFAULT '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT i || jsonb_build_object('additionalData', jsonb_build_object('hmacSignature', item_sig(i, key)))
      FROM (SELECT jsonb_strip_nulls(jsonb_build_object('pspReference', psp, 'originalReference', original,
                'merchantAccountCode', 'TestMerchant', 'merchantReference', ref,
                'amount', jsonb_build_object('value', value, 'currency', currency),
                'eventCode', code, 'success', success, 'eventDate', '2024-05-06T17:15:34.121+02:00')) AS i) x
$$;
CREATE FUNCTION notification(VARIADIC items jsonb[]) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('live', 'false', 'notificationItems',
        (SELECT coalesce(jsonb_agg(jsonb_build_object('NotificationRequestItem', i)), '[]') FROM unnest(items) i))::text
$$;
CREATE FUNCTION deliver(VARIADIC items jsonb[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('adyen', '{"Content-Type": "application/json"}', notification(VARIADIC items))
$$;
CREATE FUNCTION states() RETURNS TABLE (reference text, state text, captured numeric, refunded numeric, "order" text)
LANGUAGE sql AS $$
    SELECT p.reference, p.state, p.amount_captured, p.amount_refunded, o.state
      FROM webhook_payments p LEFT JOIN webhook_orders o ON o.ref = p.order_ref ORDER BY p.reference
$$;

-- a batch of two: each item found by merchantReference, answered [accepted]
SELECT show(deliver(item('PSP1', 'AUTHORISATION', 'TestPayment-1', 1130),
                    item('PSP2', 'AUTHORISATION', 'TestPayment-2', 5000)));
SELECT r->>'response_body' AS response_body, r->>'content_type' AS content_type,
       jsonb_array_length(r->'events') AS events, r->'events'->0->>'event_status' AS first_status
  FROM deliver(item('PSP1', 'AUTHORISATION', 'TestPayment-1', 1130)) r;
-- captures add up, each by its own pspReference, naming the payment's as originalReference
SELECT show(deliver(item('CAP1', 'CAPTURE', 'TestPayment-2', 2000, original => 'PSP2'),
                    item('CAP2', 'CAPTURE', 'TestPayment-2', 3000, original => 'PSP2')));
SELECT show(deliver(item('CAP0', 'CAPTURE', 'TestPayment-1', 1130, original => 'PSP1'),
                    item('REF1', 'REFUND', 'TestPayment-2', 1000, original => 'PSP2')));
SELECT * FROM states();
SELECT refund_id, amount FROM webhook_refunds ORDER BY id;
-- an operation that did not succeed changes nothing; a refused authorisation fails its payment
INSERT INTO webhook_payments (provider, reference, amount, currency, state) VALUES
    ('adyen', 'TestPayment-3', 20, 'EUR', 'pending');
SELECT show(deliver(item('REF2', 'REFUND', 'TestPayment-2', 4000, success => 'false', original => 'PSP2'),
                    item('PSP3', 'AUTHORISATION', 'TestPayment-3', 2000, success => 'false')));
SELECT * FROM states();
-- ISK: Adyen sends two decimals where ISO 4217 has none
SELECT show(deliver(item('PSPI', 'AUTHORISATION', 'TestPayment-ISK', 10000, 'ISK')));
SELECT show(deliver(item('PSPJ', 'CAPTURE', 'TestPayment-ISK', 10050, 'ISK', original => 'PSPI')));
SELECT event_id, amount, currency, status, detail FROM webhook_events WHERE currency = 'ISK' ORDER BY id;

-- One item that does not verify refuses the whole delivery: nothing is stored
SELECT count(*) AS events_before FROM webhook_events \gset
SELECT show(deliver(item('PSP4', 'CANCELLATION', 'TestPayment-3', 2000),
                    jsonb_set(item('PSP5', 'CANCELLATION', 'TestPayment-3', 2000), '{amount,value}', '1')));
SELECT show(deliver(item('PSP4', 'CANCELLATION', 'TestPayment-3', 2000, key => :'ad2_key')));
SELECT show(deliver(item('PSP4', 'CANCELLATION', 'TestPayment-3', 2000) #- '{additionalData}'));
SELECT show(deliver(jsonb_set(item('PSP4', 'CANCELLATION', 'TestPayment-3', 2000),
                              '{additionalData,hmacSignature}', '"not base64!"')));
SELECT count(*) - :events_before AS events_stored FROM webhook_events;
-- a rotated key: both verify while the old one lives
SELECT webhook_rotate_secret('adyen', :'ad2_key', interval '1 hour') > 0 AS rotated;
SELECT show(deliver(item('PSP6', 'PENDING', 'TestPayment-3', 2000),
                    item('PSP7', 'REPORT_AVAILABLE', NULL, 0, key => :'ad2_key')));
-- no items: nothing to verify, refused; a delivery of Adyen's other webhooks: stored ignored
SELECT show(deliver(VARIADIC '{}'::jsonb[]));
SELECT show(webhook_ingest('adyen', '{"HmacSignature": "fX74xUdztFmaXAn3IusMFFUBUSkLmDQUK0tm8xL6ZTU="}', :'ad6_body'));
SELECT show(webhook_ingest('adyen', '{}', :'ad6_body'));
-- the retry of a delivery: its items are duplicates, still [accepted]
SELECT show(deliver(item('PSP1', 'AUTHORISATION', 'TestPayment-1', 1130),
                    item('PSP2', 'AUTHORISATION', 'TestPayment-2', 5000)));

SELECT http_status, outcome, event_id, event_count FROM webhook_deliveries ORDER BY id;

DROP SCHEMA adyen_test CASCADE;

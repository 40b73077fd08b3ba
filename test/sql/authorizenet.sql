-- authorizenet: X-ANET-Signature, "sha512=" and the HMAC-SHA512 of the
-- body in hex, with the Signature Key read both ways (config.secret_encoding
-- utf8, the default, and hex).  Authorize.Net publishes no vector: AN-D of
-- reference/providers-next.md A.2.8 is derived, one MAC per reading of the
-- key.  Then the rejections, one bad input per line, a rotated secret, and
-- ingest moving payments by transaction id and by the shop's reference.
CREATE SCHEMA authorizenet_test;
SET search_path = authorizenet_test;
CREATE EXTENSION webhook SCHEMA authorizenet_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;

-- AN-D (derived): the Signature Key is 128 hex digits; the body has no newline
\set key 'A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4'
\set an_body '{"id":"evt_test","type":"payment_captured"}'
\set an_hex 'sha512=799E2762DA8C0702D1911B6867A9ECEB30128E15C897E394DABB6BEAE4204EF8071FD66AA0C01938FE210585768EB4A33BB708ECAE60844F4997956D0946B72A'
\set an_utf8 'sha512=A8514B21FD0F12D412A4BD6B992AAEA4944C31365347DCEED354AA4726A102A1072F5A04AA08090C83EDBE5F628DFF0380E14AFBEA48AD732FF9E1A5A29DFCE7'
-- the key hex-decoded (secret_encoding hex): signs and verifies, hex in either case
SELECT webhook_sign('authorizenet', convert_to(:'an_body', 'UTF8'), :'key', '{"secret_encoding": "hex"}')
       = jsonb_build_object('X-ANET-Signature', :'an_hex') AS an_d_hex_signs,
       webhook_verify('authorizenet', jsonb_build_object('X-ANET-Signature', :'an_hex'),
                      convert_to(:'an_body', 'UTF8'), :'key', '{"secret_encoding": "hex"}') AS an_d_hex_verifies,
       webhook_verify('authorizenet', jsonb_build_object('x-anet-signature', 'SHA512=' || lower(substr(:'an_hex', 8))),
                      convert_to(:'an_body', 'UTF8'), :'key', '{"secret_encoding": "hex"}') AS lower_case_hex,
       webhook_verify('authorizenet', jsonb_build_object('X-ANET-Signature', :'an_hex'),
                      convert_to(:'an_body', 'UTF8'), :'key') AS read_as_utf8;
-- the key's ASCII bytes (secret_encoding utf8, the default)
SELECT webhook_sign('authorizenet', convert_to(:'an_body', 'UTF8'), :'key')
       = jsonb_build_object('X-ANET-Signature', :'an_utf8') AS an_d_utf8_signs,
       webhook_verify('authorizenet', jsonb_build_object('X-ANET-Signature', :'an_utf8'),
                      convert_to(:'an_body', 'UTF8'), :'key') AS an_d_utf8_verifies,
       webhook_verify('authorizenet', jsonb_build_object('X-ANET-Signature', :'an_utf8'),
                      convert_to(:'an_body', 'UTF8'), :'key', '{"secret_encoding": "utf8"}') AS utf8_said,
       webhook_verify('authorizenet', jsonb_build_object('X-ANET-Signature', :'an_utf8'),
                      convert_to(:'an_body', 'UTF8'), :'key', '{"secret_encoding": "hex"}') AS read_as_hex;
-- what webhook_sign gives, webhook_verify accepts, and a changed byte does not
SELECT webhook_verify('authorizenet', webhook_sign('authorizenet', 'body'::bytea, :'key'), 'body'::bytea, :'key') AS verifies,
       webhook_verify('authorizenet', webhook_sign('authorizenet', 'body'::bytea, :'key'), 'bodY'::bytea, :'key') AS tampered;
-- config: secret_encoding is utf8 or hex; a key that is not hex cannot be read as hex
SELECT webhook_verify('authorizenet', '{}', '{}'::bytea, :'key', '{"secret_encoding": "base64"}');
SELECT webhook_verify('authorizenet', '{}', '{}'::bytea, 'A1B', '{"secret_encoding": "hex"}') AS odd_key;
SELECT webhook_verify('authorizenet', '{}', '{}'::bytea, :'key', '{"header": "X-Other"}');

-- Ingest: a provider that reads the key as its ASCII bytes
SELECT webhook_add_provider('anet', 'authorizenet', :'key');
SELECT webhook_add_provider('anet_hex', 'authorizenet', :'key', '{"secret_encoding": "hex"}');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 45, 'USD');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('anet', 'INV-1001', '60020981676', 'SO-1', 45, 'USD'),
       ('anet', 'INV-1002', '60020981677', NULL, 20, 'USD'),
       ('anet', 'INV-1003', '60020981678', NULL, 30, 'USD'),
       ('anet', 'INV-1004', NULL, NULL, 12.5, 'USD'),
       ('anet', 'INV-1005', '60020981690', NULL, 45, 'USD'),
       ('anet', 'INV-1006', '60020981691', NULL, 45, 'USD'),
       ('anet_hex', 'INV-2001', '60020990001', NULL, 9.99, 'USD');
-- An Authorize.Net notification, as its webhooks documentation shows one.
CREATE FUNCTION note(id text, typ text, trans text, amount numeric, code int DEFAULT 1,
                     invoice text DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('notificationId', id, 'eventType', 'net.authorize.payment.' || typ,
        'eventDate', '2026-03-01T11:59:58.1234567Z', 'webhookId', '63d6fea2-aa13-4b1d-a204-f5fbc15942b7',
        'payload', jsonb_strip_nulls(jsonb_build_object('responseCode', code, 'authCode', 'LZ6I19',
            'avsResponse', 'Y', 'authAmount', amount, 'invoiceNumber', invoice,
            'entityName', 'transaction', 'id', trans)))::text
$$;
-- Sign as Authorize.Net does and ingest.
CREATE FUNCTION anet(body text, secret text DEFAULT :'key', provider text DEFAULT 'anet',
                     options jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest(provider, webhook_sign('authorizenet', convert_to(body, 'UTF8'), secret, options), body)
$$;
-- authorized by transaction id, the same notification again, then captured
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000001', 'authorization.created', '60020981676', 45.00)));
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000001', 'authorization.created', '60020981676', 45.00)));
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000002', 'priorAuthCapture.created', '60020981676', 45.00)));
-- a refund is a transaction of its own: found by the invoice number, its id the refund's
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000003', 'refund.created', '60020981999', 10.00, invoice => 'INV-1001')));
-- declined (2) fails the payment; held for review (4) is pending; a declined void changes nothing
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000004', 'authcapture.created', '60020981677', 20.00, 4)));
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000005', 'authcapture.created', '60020981677', 20.00, 2)));
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000006', 'void.created', '60020981678', 30.00, 3)));
SELECT show(anet(note('8d1a4a7c-0001-4f00-9000-000000000007', 'void.created', '60020981678', 30.00)));
-- merchantReferenceId names the shop's reference where the payload carries it
SELECT show(anet(jsonb_set(note('8d1a4a7c-0001-4f00-9000-000000000008', 'authcapture.created', '60020981680', 12.50)::jsonb,
       '{payload,merchantReferenceId}', '"INV-1004"')::text));
-- a customer profile event maps to no action; a notification without its id is stored unmapped
SELECT show(anet('{"notificationId": "8d1a4a7c-0001-4f00-9000-000000000009", "eventType": "net.authorize.customer.created", "payload": {"entityName": "customerProfile", "id": "394"}}'));
SELECT show(anet('{"eventType": "net.authorize.payment.authcapture.created", "payload": {"id": "60020981676"}}'));
SELECT event_id, event_type, action, status, object_id, reference, refund_id, amount, currency,
       occurred_at AT TIME ZONE 'UTC' AS occurred_utc, detail
  FROM webhook_events WHERE provider = 'anet' ORDER BY id;
SELECT reference, state, amount_captured, amount_refunded FROM webhook_payments WHERE provider = 'anet' ORDER BY reference;
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders WHERE ref = 'SO-1';
SELECT refund_id, amount, currency FROM webhook_refunds ORDER BY id;

-- the provider that reads the key hex-decoded takes only the hex reading's MAC
SELECT show(anet(note('8d1a4a7c-0002-4f00-9000-000000000001', 'authcapture.created', '60020990001', 9.99),
       provider => 'anet_hex', options => '{"secret_encoding": "hex"}'));
SELECT show(anet(note('8d1a4a7c-0002-4f00-9000-000000000002', 'authcapture.created', '60020990001', 9.99),
       provider => 'anet_hex'));
SELECT show(anet(note('8d1a4a7c-0002-4f00-9000-000000000003', 'authcapture.created', '60020981676', 45.00),
       options => '{"secret_encoding": "hex"}'));

-- rejections, one bad input per line
\set body '{"notificationId": "8d1a4a7c-0003-4f00-9000-000000000001", "eventType": "net.authorize.payment.authcapture.created", "payload": {"responseCode": 1, "authAmount": 45.00, "entityName": "transaction", "id": "60020981690"}}'
SELECT webhook_sign('authorizenet', convert_to(:'body', 'UTF8'), :'key')->>'X-ANET-Signature' AS sig \gset
-- tampered body (45.00 re-serialised as 45.0), wrong key
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', :'sig'), replace(:'body', '45.00', '45.0')));
SELECT show(anet(:'body', secret => 'B1B2C3D4'));
-- missing header, the same header twice, an empty one
SELECT show(webhook_ingest('anet', '{}', :'body'::text));
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', :'sig', 'x-anet-signature', :'sig'), :'body'::text));
SELECT show(webhook_ingest('anet', '{"X-ANET-Signature": ""}', :'body'::text));
-- wrong prefix, no prefix, odd hex, not hex, a SHA-256's length
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', 'sha256=' || substr(:'sig', 8)), :'body'::text));
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', substr(:'sig', 8)), :'body'::text));
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', substr(:'sig', 1, 134)), :'body'::text));
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', substr(:'sig', 1, 133) || 'ZZ'), :'body'::text));
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', substr(:'sig', 1, 71)), :'body'::text));
-- the signature as sent, after the rejections: applied once
SELECT show(webhook_ingest('anet', jsonb_build_object('X-ANET-Signature', :'sig'), :'body'::text));
SELECT outcome, http_status, count(*) FROM webhook_deliveries WHERE provider = 'anet'
 GROUP BY 1, 2 ORDER BY 2, 1;

-- a rotated key: both verify during the overlap, only the new one after it
SELECT webhook_rotate_secret('anet', 'C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4', '1 hour') > 0 AS rotated;
SELECT show(anet(note('8d1a4a7c-0004-4f00-9000-000000000001', 'authorization.created', '60020981691', 45.00)));
SELECT show(anet(note('8d1a4a7c-0004-4f00-9000-000000000002', 'priorAuthCapture.created', '60020981691', 45.00),
       secret => 'C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4'));
SET webhook.clock_override = '2026-03-01 13:00:01+00';
SELECT show(anet(note('8d1a4a7c-0004-4f00-9000-000000000003', 'refund.created', '60020981998', 5.00, invoice => 'INV-1006')));
SELECT show(anet(note('8d1a4a7c-0004-4f00-9000-000000000004', 'refund.created', '60020981998', 5.00, invoice => 'INV-1006'),
       secret => 'C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4C1C2C3C4'));
SELECT d.event_id, d.outcome, s.id = (SELECT max(id) FROM webhook_secrets WHERE provider = 'anet') AS new_key
  FROM webhook_deliveries d LEFT JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.provider = 'anet' AND d.event_id LIKE '8d1a4a7c-0004-%'
 ORDER BY d.id;

-- a hex provider refuses a key that is not hex, and base64 is no reading of a Signature Key
SELECT webhook_add_secret('anet_hex', 'not hex at all');
SELECT webhook_add_provider('anet_b64', 'authorizenet', NULL, '{"secret_encoding": "base64"}');

RESET search_path;
DROP SCHEMA authorizenet_test CASCADE;

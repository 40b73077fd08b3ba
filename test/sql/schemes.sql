-- Vipps MobilePay and Standard Webhooks: the official vectors, then ingest
-- with every rule of reference/providers.md sections 3 and 4.
CREATE SCHEMA schemes_test;
SET search_path = schemes_test;
CREATE EXTENSION webhook SCHEMA schemes_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;

-- VV-1 (official): the secret string is the key, not base64-decoded
SELECT h->>'x-ms-content-sha256' = 'lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=' AS vv1_hash,
       h->>'Authorization' = 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=' AS vv1_signature
  FROM webhook_sign_vipps('{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}'::text,
       'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==',
       '/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63', 'webhook.site', 'Thu, 30 Mar 2023 08:38:32 GMT') h;
-- VV-2: a query string and an ePayment body
\set vv2_body '{"msn":"123456","reference":"order-10001","pspReference":"1234567891","name":"CAPTURED","amount":{"currency":"NOK","value":35000},"timestamp":"2023-08-14T12:48:46.260Z","idempotencyKey":"49ca711a9487112e1def","success":true}'
\set vv2_secret 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=='
SELECT h->>'x-ms-content-sha256' = 'pX7536v3ihTgUceftJGbhnpwDUZRPGwwxoP5TzEWioA=' AS vv2_hash,
       h->>'Authorization' LIKE '%&Signature=+5vE6cu+gAl1Vbjk+5qUiCAkZr+LM8/1N3tMapponPE=' AS vv2_signature,
       h->>'host' AS host
  FROM webhook_sign_vipps(:'vv2_body'::text, :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook',
       'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT') h;

-- SW-1 and SW-2 (official): whsec_ secrets are base64-decoded
SELECT webhook_sign_standard('{"test": 2432232314}'::text, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
       'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330) = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' AS sw1;
SELECT webhook_sign_standard('{"email":"test@example.com","username":"test_user"}'::text,
       'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', 'msg_27UH4WbU6Z5A5EzD8u03UvzRbpk', 1649367553)
       = 'v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=' AS sw2;
SELECT webhook_sign_standard('{}'::text, 'whsec_not base64!', 'msg_1', 1);
SELECT webhook_sign_standard('{}'::text, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg.1', 1);

-- Vipps ingest: VV-2's delivery, as received at 2023-08-14 12:48:47
SET webhook.clock_override = '2023-08-14 12:48:47+00';
SELECT webhook_add_provider('vipps', 'vipps', NULL,
       '{"public_url": "https://shop.example.com/wc-api/wc_gateway_vipps/?callback=webhook"}');
SELECT webhook_add_secret('vipps', :'vv2_secret', 'registration-1') > 0 AS added;
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-10001', 350, 'NOK');
INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency, state)
VALUES ('vipps', 'order-10001', 'SO-10001', 350, 'NOK', 'pending');
CREATE FUNCTION vipps(body text, secret text DEFAULT :'vv2_secret', path text DEFAULT '/wc-api/wc_gateway_vipps/?callback=webhook',
                      host text DEFAULT 'shop.example.com', date text DEFAULT 'Mon, 14 Aug 2023 12:48:47 GMT',
                      provider text DEFAULT 'vipps')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest(provider, webhook_sign_vipps(body, secret, path, host, date), body, '/proxied/path')
$$;
CREATE FUNCTION ev(name text, psp text, value int, ref text DEFAULT 'order-10001', success bool DEFAULT true) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('msn', '123456', 'reference', ref, 'pspReference', psp, 'name', name,
        'amount', jsonb_build_object('currency', 'NOK', 'value', value),
        'timestamp', '2023-08-14T12:48:46.260Z', 'success', success)::text
$$;
SELECT show(vipps(ev('AUTHORIZED', 'psp-1', 35000)));
-- partial captures add up, each by its pspReference; a repeat is a duplicate
SELECT show(vipps(ev('CAPTURED', 'psp-2', 20000)));
SELECT show(vipps(ev('CAPTURED', 'psp-2', 20000)));
SELECT show(vipps(ev('CAPTURED', 'psp-3', 15000)));
-- repeated refunds, each by its pspReference
SELECT show(vipps(ev('REFUNDED', 'psp-4', 5000)));
SELECT show(vipps(ev('REFUNDED', 'psp-5', 5000)));
SELECT show(vipps(ev('CANCELLED', 'psp-6', 0, success => false)));
SELECT event_id, event_type, action, status, amount, currency FROM webhook_events WHERE provider = 'vipps' ORDER BY id;
SELECT reference, state, amount_captured, amount_refunded FROM webhook_payments WHERE provider = 'vipps';
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders WHERE ref = 'SO-10001';
-- the official bytes verify as they are (a capture beyond the payment's amount is flagged)
SELECT show(webhook_ingest('vipps', jsonb_build_object('x-ms-date', 'Mon, 14 Aug 2023 12:48:47 GMT',
       'x-ms-content-sha256', 'pX7536v3ihTgUceftJGbhnpwDUZRPGwwxoP5TzEWioA=', 'host', 'internal:8080',
       'Authorization', 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=+5vE6cu+gAl1Vbjk+5qUiCAkZr+LM8/1N3tMapponPE='),
       :'vv2_body'::text));
-- rejections, one bad input per line
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), secret => 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A='));
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), path => '/wc-api/wc_gateway_vipps/'));
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), host => 'evil.example.com'));
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), date => 'Mon, 14 Aug 2023 12:53:48 GMT'));
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), date => 'Mon, 14 Aug 2023 12:43:46 GMT'));
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), date => 'Tue, 14 Aug 2023 12:48:47 GMT'));
SELECT show(vipps(ev('CAPTURED', 'psp-9', 1), date => '2023-08-14T12:48:47Z'));
SELECT show(webhook_ingest('vipps', webhook_sign_vipps(ev('CAPTURED', 'psp-9', 1), :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT')
       || '{"x-ms-content-sha256": "pX7536v3ihTgUceftJGbhnpwDUZRPGwwxoP5TzEWioA="}', ev('CAPTURED', 'psp-9', 1)));
SELECT show(webhook_ingest('vipps', webhook_sign_vipps(ev('CAPTURED', 'psp-9', 1), :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT')
       - 'Authorization', ev('CAPTURED', 'psp-9', 1)));
SELECT show(webhook_ingest('vipps', webhook_sign_vipps(ev('CAPTURED', 'psp-9', 1), :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT')
       - 'x-ms-date', ev('CAPTURED', 'psp-9', 1)));
SELECT show(webhook_ingest('vipps', jsonb_set(webhook_sign_vipps(ev('CAPTURED', 'psp-9', 1), :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT'),
       '{Authorization}', '"HMAC-SHA256 Signature=abc"'), ev('CAPTURED', 'psp-9', 1)));
SELECT show(vipps('{"msn": "123456", "name": "CAPTURED"}'));
-- Vipps' plugin: X-Vipps-Authorization when a proxy strips Authorization
SELECT show(webhook_ingest('vipps', h - 'Authorization' || jsonb_build_object('X-Vipps-Authorization', h->'Authorization'), b))
  FROM (SELECT ev('CAPTURED', 'psp-10', 100) AS b) e,
       LATERAL webhook_sign_vipps(e.b, :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT') h;

-- The Webhooks API's other events (reference/providers-next.md A.2.14): Recurring
-- agreements and charges, QR check-ins and Login verify as ePayment events do; each
-- is stored once under its own id and answers 200 ignored, a retry is a duplicate,
-- and a delivery that does not verify answers 401
\set agreement '{"agreementId":"agr_5kSeqz","eventType":"recurring.agreement-activated.v1","occurred":"2023-08-14T12:48:40Z","actor":"USER"}'
\set charge '{"agreementId":"agr_5kSeqz","chargeId":"chr-123ab","eventType":"recurring.charge-canceled.v1","amount":35000,"currency":"NOK","occurred":"2023-08-14T12:48:41Z"}'
\set checkin '{"msn":"123456","merchantQrId":"till-1","customerToken":"Q1VTVE9NRVItVE9LRU4=","initiatedAt":"2023-08-14T12:48:42Z"}'
\set login '{"auth_req_id":"8b4f3e2a-6c1d-4a7e-9f0b-2d5c8e1a7b3c"}'
SELECT show(vipps(:'agreement'));
SELECT show(vipps(:'agreement'));
SELECT show(vipps(:'charge'));
SELECT show(vipps(:'charge'));
SELECT show(vipps(:'checkin'));
SELECT show(vipps(:'checkin'));
SELECT show(vipps(:'login'));
SELECT show(vipps(:'login'));
SELECT show(vipps(:'agreement', secret => 'not-the-registration-secret'));
SELECT show(vipps(:'charge', secret => 'not-the-registration-secret'));
SELECT show(vipps(:'checkin', secret => 'not-the-registration-secret'));
SELECT show(vipps(:'login', secret => 'not-the-registration-secret'));
SELECT show(webhook_ingest('vipps', webhook_sign_vipps(:'charge'::text, :'vv2_secret', '/wc-api/wc_gateway_vipps/?callback=webhook', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT'),
       replace(:'charge', '35000', '3500')));
SELECT event_id, event_type, action, object_id, status, detail, deliveries,
       occurred_at AT TIME ZONE 'UTC' AS occurred_utc
  FROM webhook_events WHERE provider = 'vipps' AND event_type NOT LIKE 'epayments.%' ORDER BY id;
-- a body of none of these kinds is still stored unmapped
SELECT show(vipps('{"agreementId":"agr_5kSeqz"}'));
-- config.actions may map such an event: a charge whose chargeId is a payment's external id
SELECT webhook_add_provider('vipps_recurring', 'vipps', :'vv2_secret',
       '{"public_url": "https://shop.example.com/wc-api/wc_gateway_vipps/?callback=webhook", "actions": {"recurring.charge-captured.v1": "capture"}}');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('vipps_recurring', 'sub-2023-08', 'chr-456cd', 350, 'NOK');
SELECT show(vipps('{"agreementId":"agr_5kSeqz","chargeId":"chr-456cd","eventType":"recurring.charge-captured.v1","amount":35000,"currency":"NOK","occurred":"2023-08-14T12:48:43Z"}',
       provider => 'vipps_recurring'));
SELECT reference, state, amount_captured FROM webhook_payments WHERE provider = 'vipps_recurring';

-- Without public_url: the Host header and the path argument are what was signed
SELECT webhook_add_provider('vipps_direct', 'vipps', :'vv2_secret');
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('vipps_direct', 'order-2', 10, 'NOK');
SELECT show(webhook_ingest('vipps_direct', webhook_sign_vipps(ev('AUTHORIZED', 'psp-20', 1000, 'order-2'), :'vv2_secret', '/hooks/vipps?x=1', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT'),
       ev('AUTHORIZED', 'psp-20', 1000, 'order-2'), '/hooks/vipps?x=1'));
SELECT show(webhook_ingest('vipps_direct', webhook_sign_vipps(ev('CAPTURED', 'psp-21', 1000, 'order-2'), :'vv2_secret', '/hooks/vipps?x=1', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT'),
       ev('CAPTURED', 'psp-21', 1000, 'order-2'), '/hooks/vipps?x=2'));
SELECT show(webhook_ingest('vipps_direct', webhook_sign_vipps(ev('CAPTURED', 'psp-21', 1000, 'order-2'), :'vv2_secret', '/hooks/vipps?x=1', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT') - 'host',
       ev('CAPTURED', 'psp-21', 1000, 'order-2'), '/hooks/vipps?x=1'));
\set VERBOSITY terse
SELECT show(webhook_ingest('vipps_direct', webhook_sign_vipps(ev('CAPTURED', 'psp-21', 1000, 'order-2'), :'vv2_secret', '/hooks/vipps?x=1', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT'),
       ev('CAPTURED', 'psp-21', 1000, 'order-2')));
\set VERBOSITY default

-- Per-registration and per-payment secrets: a payment's secret verifies only its events
SELECT webhook_add_secret('vipps_direct', 'per-payment-secret-order-3', 'hook-order-3', 'order-3') > 0 AS added;
SELECT webhook_add_secret('vipps_direct', 'second-registration-secret', 'registration-2') > 0 AS added;
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('vipps_direct', 'order-3', 10, 'NOK');
CREATE FUNCTION direct(body text, secret text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('vipps_direct', webhook_sign_vipps(body, secret, '/hooks/vipps', 'shop.example.com', 'Mon, 14 Aug 2023 12:48:47 GMT'), body, '/hooks/vipps')
$$;
SELECT show(direct(ev('AUTHORIZED', 'psp-30', 1000, 'order-3'), 'per-payment-secret-order-3'));
SELECT show(direct(ev('CAPTURED', 'psp-31', 1000, 'order-2'), 'per-payment-secret-order-3'));
SELECT show(direct(ev('CAPTURED', 'psp-32', 1000, 'order-3'), 'second-registration-secret'));
SELECT d.event_id, s.label FROM webhook_deliveries d JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.provider = 'vipps_direct' ORDER BY d.id;
-- a verified Vipps event that cannot be applied is stored as failed, but never answered 5xx
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('vipps_direct', 'order-4', 10, 'XTS');
SELECT show(direct(replace(ev('AUTHORIZED', 'psp-40', 1000, 'order-4'), 'NOK', 'XTS'), 'second-registration-secret'));

-- Standard Webhooks ingest
SET webhook.clock_override = '2021-02-25 15:02:10+00';
SELECT webhook_add_provider('std', 'standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
       '{"paths": {"external_id": ["data", "payment_id"], "event_type": ["data", "status"], "amount": ["data", "amount"], "currency": ["data", "currency"]}}');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency) VALUES ('std', 'S-1', 'pay_1', 24.32, 'EUR');
CREATE FUNCTION std(body text, id text DEFAULT 'msg_p5jXN8AQM9LWM0D4loKWxJek', ts bigint DEFAULT 1614265330,
                    sig text DEFAULT NULL, prefix text DEFAULT 'webhook-', provider text DEFAULT 'std')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest(provider, jsonb_build_object(prefix || 'id', id, prefix || 'timestamp', ts::text,
        prefix || 'signature', coalesce(sig, webhook_sign_standard(body, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id, ts))), body)
$$;
-- SW-1's delivery verifies; its webhook-id is the idempotency key
SELECT show(std('{"test": 2432232314}'));
SELECT show(std('{"test": 2432232314}'));
SELECT show(std('{"test": 2432232314}', sig => 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='));
-- SW-3: one changed character fails; any v1 in a list is enough; v2 is skipped; "v1," alone fails
SELECT show(std('{"test": 2432232314}', id => 'msg_2', sig => 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA='));
SELECT show(std('{"test": 2432232314}', id => 'msg_3',
       sig => 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= '
              || webhook_sign_standard('{"test": 2432232314}'::text, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_3', 1614265330)
              || ' v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc='));
SELECT show(std('{"test": 2432232314}', id => 'msg_4', sig => 'v1,'));
SELECT show(std('{"test": 2432232314}', id => 'msg_5', ts => 1614265330 - 301));
SELECT show(std('{"test": 2432232314}', id => 'msg_6', ts => 1614265330 + 301));
SELECT show(std('{"test": 2432232314}', id => 'msg_7', ts => 1614265330 + 300));
SELECT show(webhook_ingest('std', '{"webhook-timestamp": "1614265330", "webhook-signature": "v1,abc="}', '{}'::text));
SELECT show(webhook_ingest('std', '{"webhook-id": "m", "webhook-signature": "v1,abc="}', '{}'::text));
SELECT show(webhook_ingest('std', '{"webhook-id": "m", "webhook-timestamp": "1614265330"}', '{}'::text));
SELECT show(webhook_ingest('std', '{"webhook-id": "m", "webhook-timestamp": "16142653x0", "webhook-signature": "v1,abc="}', '{}'::text));
SELECT show(webhook_ingest('std', '{"webhook-id": "m.1", "webhook-timestamp": "1614265330", "webhook-signature": "v1,abc="}', '{}'::text));
-- an event located with config.paths
SELECT show(std('{"type": "payment.updated", "data": {"payment_id": "pay_1", "status": "succeeded", "amount": "24.32", "currency": "eur"}}', id => 'msg_8'));
SELECT event_id, event_type, action, status, amount FROM webhook_events WHERE provider = 'std' ORDER BY id;
-- Svix sends the same scheme under svix-* headers
SELECT webhook_add_provider('svix', 'standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"header_prefix": "svix-"}');
SELECT show(std('{"test": 1}', id => 'msg_9', prefix => 'svix-', provider => 'svix'));
SELECT show(std('{"test": 1}', id => 'msg_10', prefix => 'webhook-', provider => 'svix'));
SELECT webhook_add_secret('std', 'not base64!');

-- webhook_verify: any scheme of the registry, through its own verify
SELECT webhook_verify('stripe',
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe('{"id":"evt_v"}'::bytea, 'whsec_v', NULL)),
       '{"id":"evt_v"}'::bytea, 'whsec_v') AS stripe_ok,
       webhook_verify('stripe',
       jsonb_build_object('Stripe-Signature', webhook_sign_stripe('{"id":"evt_v"}'::bytea, 'whsec_v', NULL)),
       '{"id":"evt_w"}'::bytea, 'whsec_v') AS stripe_tampered,
       webhook_verify('stripe', '{}', '{}'::bytea, 'whsec_v') AS stripe_no_header;
SELECT webhook_verify('hmac', jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac('{"a":1}'::bytea, 'k'::bytea)),
       '{"a":1}'::bytea, 'k', '{"header": "X-Hub-Signature-256", "prefix": "sha256="}') AS hmac_ok,
       webhook_verify('hmac', jsonb_build_object('X-Hub-Signature-256', 'sha256=' || webhook_sign_hmac('{"a":1}'::bytea, 'k'::bytea)),
       '{"a":1}'::bytea, 'other', '{"header": "X-Hub-Signature-256", "prefix": "sha256="}') AS hmac_wrong_key,
       webhook_verify('apikey', '{"X-API-Key": "sk_1"}', '{}'::bytea, 'sk_1') AS apikey_ok,
       webhook_verify('standard', '{}', '{}'::bytea, 'not-whsec') AS standard_bad_secret;
\set VERBOSITY terse
SELECT webhook_verify('soap', '{}', ''::bytea, 'x');
\set VERBOSITY default
SELECT webhook_verify('stripe', '{}', ''::bytea, 'x', '{"prefix": "x"}');

-- webhook_sign: the headers each scheme's sender sends, accepted by webhook_verify
SELECT webhook_sign('stripe', '{"id":"evt_s"}'::bytea, 'whsec_s', '{"ts": 1614265330}')
       = jsonb_build_object('Stripe-Signature', webhook_sign_stripe('{"id":"evt_s"}'::bytea, 'whsec_s', 1614265330)) AS stripe_same;
SELECT webhook_sign('standard', '{"a":1}'::bytea, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"msg_id": "msg_s", "ts": 1614265330}');
SELECT webhook_sign('hmac', 'x'::bytea, 'It''s a Secret to Everybody', '{"header": "X-Hub-Signature-256", "prefix": "sha256="}');
SELECT webhook_sign('apikey', 'x'::bytea, 'sk_1');
SELECT s.scheme,
       webhook_verify(s.scheme, webhook_sign(s.scheme, 'body'::bytea, s.secret, s.options), 'body'::bytea, s.secret, s.config) AS verifies,
       webhook_verify(s.scheme, webhook_sign(s.scheme, 'body'::bytea, s.secret, s.options), 'bodY'::bytea, s.secret, s.config) AS tampered
  FROM (VALUES ('stripe', 'whsec_s', '{}'::jsonb, '{}'::jsonb),
               ('standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{"msg_id": "m1"}', '{}'),
               ('vipps', 'vipps-secret', '{"path": "/hook?x=1", "host": "shop.example"}', '{"public_url": "https://shop.example/hook?x=1"}'),
               ('hmac', 'k', '{"algorithm": "sha512", "encoding": "base64"}', '{"algorithm": "sha512", "encoding": "base64"}'),
               ('apikey', 'sk_2', '{}', '{}')) AS s(scheme, secret, options, config)
 ORDER BY 1;
SELECT webhook_sign('paypal', 'x'::bytea, 'k');
SELECT webhook_sign('standard', 'x'::bytea, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
SELECT webhook_sign('stripe', 'x'::bytea, 'whsec_s', '{"ts": -1}');

RESET search_path;
DROP SCHEMA schemes_test CASCADE;


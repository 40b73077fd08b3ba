--
-- test/upgrade/fill.sql: what a shop's 0.1.0 database holds after a while.
--
-- Run by test/upgrade/run.sh in a database where CREATE EXTENSION webhook
-- VERSION '0.1.0' has just run, with search_path set to the extension's
-- schema.  It uses 0.1.0's own functions (webhook_add_provider,
-- webhook_add_secret, webhook_rotate_secret, webhook_add_certificate, the
-- signers, webhook_ingest, webhook_redeliver) and plain INSERTs, as a shop
-- does, and leaves:
--
--   providers of six schemes (stripe twice, hmac, apikey, vipps, standard,
--   paypal) with their secrets: a rotated pair, a per-registration and a
--   per-payment secret, one added after a refused delivery;
--   a PayPal certificate (the throwaway chain of test/sql/paypal.sql);
--   orders and payments pending, authorized, captured, partially refunded,
--   failed and canceled; a refund in the ledger and a cumulative figure;
--   events applied (one of them delivered twice), superseded, ignored,
--   unmatched (parked), held and failed; deliveries accepted and refused,
--   one redelivered.
--
-- run.sh then updates the extension and checks, after the update, the
-- rows named here: a new Stripe delivery for PAY-S2 (pending), the parked
-- event evt_fill_park for PAY-PARK, and the per-payment secret of order-V1.
-- It creates no object: its helpers live in pg_temp and go with the
-- session.
--
\set ON_ERROR_STOP 1
SET client_min_messages = error;

CREATE FUNCTION pg_temp.pi(evt text, type text, pi text, amount int,
                           currency text DEFAULT 'eur', ref text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', type, 'created', 1721948530,
        'data', jsonb_build_object('object', jsonb_build_object('id', pi, 'object', 'payment_intent',
            'amount', amount, 'currency', currency,
            'metadata', CASE WHEN ref IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reference', ref) END)))::text
$$;
CREATE FUNCTION pg_temp.stripe(provider text, secret text, body text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest(provider, jsonb_build_object('Stripe-Signature', webhook_sign_stripe(body, secret)), body)
$$;
CREATE FUNCTION pg_temp.vipps(secret text, name text, psp text, value int, ref text DEFAULT 'order-V1')
RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('vipps', webhook_sign_vipps(b, secret, '/hooks/vipps', 'shop.example.com'), b, '/hooks/vipps')
      FROM (SELECT jsonb_build_object('msn', '123456', 'reference', ref, 'pspReference', psp, 'name', name,
                'amount', jsonb_build_object('currency', 'NOK', 'value', value),
                'timestamp', '2026-01-01T12:00:00.000Z', 'success', true)::text AS b) x
$$;

-- Providers and secrets
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_fill_old');
SELECT webhook_rotate_secret('stripe', 'whsec_fill_new', '7 days') > 0 AS rotated;
SELECT webhook_add_provider('stripe_hold', 'stripe', 'whsec_fill_hold', '{"on_mismatch": "hold"}');
SELECT webhook_add_provider('acme', 'hmac', 'acme-shared-secret',
       '{"header": "X-Acme-Signature", "prefix": "sha256=", "event_id_header": "X-Acme-Delivery"}');
SELECT webhook_add_provider('kassa', 'apikey', 'kassa-api-key-123', '{"header": "X-API-Key"}');
SELECT webhook_add_provider('vipps', 'vipps');
SELECT webhook_add_secret('vipps', 'vipps-registration-secret', 'vipps-webhook-1') > 0 AS registered;
SELECT webhook_add_secret('vipps', 'vipps-secret-of-order-V1', 'vipps-webhook-V1', 'order-V1') > 0 AS per_payment;
SELECT webhook_add_provider('std', 'standard', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
       '{"paths": {"external_id": ["data", "payment_id"], "event_type": ["data", "status"], "amount": ["data", "amount"], "currency": ["data", "currency"]}}');

-- PayPal: a provider trusting the test root, and a stored certificate (the
-- throwaway chain of test/sql/paypal.sql: test data, its keys were not kept)
CREATE TEMP TABLE pems (name text PRIMARY KEY, pem text NOT NULL);
INSERT INTO pg_temp.pems VALUES ('root', '-----BEGIN CERTIFICATE-----
MIIBwzCCAWmgAwIBAgICEAAwCgYIKoZIzj0EAwIwNzEdMBsGA1UEAwwUd2ViaG9v
ayB0ZXN0IHJvb3QgQ0ExFjAUBgNVBAoMDXdlYmhvb2sgdGVzdHMwIBcNMjQwMTAx
MDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMDcxHTAbBgNVBAMMFHdlYmhvb2sgdGVz
dCByb290IENBMRYwFAYDVQQKDA13ZWJob29rIHRlc3RzMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEcsmBgtIqBGvg6kAjCYN/Ai/uuoadNhXTSInmIZcnvHibvGwi
2G7A/Ljxi8vnESyieFv5PLlA+/WZ9Inmp3gVgaNjMGEwDwYDVR0TAQH/BAUwAwEB
/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFAJFYbnJdrAEJo7Gy2MQiKusPmEl
MB8GA1UdIwQYMBaAFAJFYbnJdrAEJo7Gy2MQiKusPmElMAoGCCqGSM49BAMCA0gA
MEUCIQCjOrkoFXad8ArWuqxDhtxEx8yR8kE40WD2shENvRQs7wIgJa6HIPb1Zyh8
lWMj6IVmJaQuO7bT+sFpDLkLiXge2bI=
-----END CERTIFICATE-----
');
INSERT INTO pg_temp.pems VALUES ('chain', '-----BEGIN CERTIFICATE-----
MIIDAjCCAqigAwIBAgICEAIwCgYIKoZIzj0EAwIwPzElMCMGA1UEAwwcd2ViaG9v
ayB0ZXN0IGludGVybWVkaWF0ZSBDQTEWMBQGA1UECgwNd2ViaG9vayB0ZXN0czAg
Fw0yNDAxMDEwMDAwMDBaGA8yMDk5MDYzMDEyMDAwMFowTTE0MDIGA1UEAwwrbWVz
c2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNhbmRib3gucGF5cGFsLmNvbTEVMBMGA1UE
CgwMUGF5UGFsLCBJbmMuMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA
r0mFXheCiqpCoAivFdNWxa9ZfO7mS9WKXnsCbLfsQvSQGUbUFKpMzZViRxxtOkBb
qUsQNdOwJ47XSg/vOqRamt+EWwmqQgZipFFGY46qVKzPB2pjScZ71Rm+OvInZUVK
j+KXZtY4me2ZVPJoLJiLE8HDP13MYNGxOTaM9JyV5RygNG2dkOHbUsfhGzHL5d7B
kEyM0Y73jtQO6ApRhl3Ps9jzqJW9ZXMHEoHuCGkZyYC0wfpnZ3OghTVlhRmGy84q
C111KY5zXZ32jGL6KJohW2zOiJDZ1Lkb8eJwH42ycBXTMaZY5Ktl+thQ+IJPPsc5
Pmu+dStSlkxMKfIvjslFQwIDAQABo4G4MIG1MAwGA1UdEwEB/wQCMAAwDgYDVR0P
AQH/BAQDAgeAMB0GA1UdJQQWMBQGCCsGAQUFBwMCBggrBgEFBQcDATAdBgNVHQ4E
FgQUlCKeKfOX8MFEchpXnejhWE/qWSMwHwYDVR0jBBgwFoAUeSAfJx6H79J1yn5G
s5SAVzAqUCwwNgYDVR0RBC8wLYIrbWVzc2FnZXZlcmlmaWNhdGlvbmNlcnRzLnNh
bmRib3gucGF5cGFsLmNvbTAKBggqhkjOPQQDAgNIADBFAiAcx7/gtA+a+HRzmwC8
KwmWuXp9XcZNCWQ1JN4YB9w5hAIhAIseFH7/x6D2Uq3WDfEYtStCUeWdjQmRuFc8
Fun7ZXVH
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIByzCCAXGgAwIBAgICEAEwCgYIKoZIzj0EAwIwNzEdMBsGA1UEAwwUd2ViaG9v
ayB0ZXN0IHJvb3QgQ0ExFjAUBgNVBAoMDXdlYmhvb2sgdGVzdHMwIBcNMjQwMTAx
MDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMD8xJTAjBgNVBAMMHHdlYmhvb2sgdGVz
dCBpbnRlcm1lZGlhdGUgQ0ExFjAUBgNVBAoMDXdlYmhvb2sgdGVzdHMwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQfsHZxhc8DW+Qxegk9SYbTPl0Wb6WFrZYKb1vl
Ky18QHkT7Go7rxUtQMwtUsSMkHjrl6JZoagR1mssbfuntqhlo2MwYTAPBgNVHRMB
Af8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUeSAfJx6H79J1yn5G
s5SAVzAqUCwwHwYDVR0jBBgwFoAUAkVhucl2sAQmjsbLYxCIq6w+YSUwCgYIKoZI
zj0EAwIDSAAwRQIgTIcq9S0Sx7LRt9hSe6lDr5Y+MM9kUpVqaY+9hFfSm1ACIQCt
ZY+0EuAA4FuPxiqn6fQ8+XWbKFeOwPRr1o4O5th+UA==
-----END CERTIFICATE-----
');
\set pp_url 'https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-FILL'
SELECT webhook_add_provider('paypal', 'paypal', NULL, jsonb_build_object('webhook_id', 'WEBHOOK_ID', 'ca_pem', (SELECT pem FROM pg_temp.pems WHERE name = 'root')));
SELECT webhook_add_certificate(:'pp_url', pem) FROM pg_temp.pems WHERE name = 'chain';

-- Orders and payments, as the shop starts them
INSERT INTO webhook_orders (ref, total, currency) VALUES
    ('SO-S1', 49.90, 'EUR'), ('SO-S2', 10.99, 'EUR'), ('SO-S3', 30.00, 'EUR'),
    ('SO-M', 120.00, 'NOK'), ('SO-V1', 350.00, 'NOK'), ('SO-STD', 12.00, 'EUR'),
    ('SO-PP', 5.00, 'USD'), ('SO-PARK', 15.00, 'EUR'), ('SO-OPEN', 99.00, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency) VALUES
    ('stripe', 'PAY-S1', 'pi_fill_s1', 'SO-S1', 49.90, 'EUR'),
    ('stripe', 'PAY-S2', 'pi_fill_s2', 'SO-S2', 10.99, 'EUR'),
    ('stripe', 'PAY-S3', 'pi_fill_s3', 'SO-S3', 30.00, 'EUR'),
    ('stripe', 'PAY-S4', 'pi_fill_s4', 'SO-S3', 30.00, 'EUR'),
    ('stripe', 'PAY-S5', 'pi_fill_s5', NULL, 12.00, 'XYZ'),
    ('stripe_hold', 'PAY-H1', 'pi_fill_h1', 'SO-OPEN', 99.00, 'EUR'),
    ('acme', 'PAY-A1', 'acme-7781', 'SO-M', 100.00, 'NOK'),
    ('kassa', 'PAY-K1', 'k-555', 'SO-M', 20.00, 'NOK'),
    ('vipps', 'order-V1', NULL, 'SO-V1', 350.00, 'NOK'),
    ('std', 'PAY-STD', 'std-42', 'SO-STD', 12.00, 'EUR'),
    ('paypal', 'PAY-PP', 'CAPTURE001', 'SO-PP', 5.00, 'USD');

-- Stripe: captured, then partly refunded, both ways (ledger and cumulative)
SELECT pg_temp.stripe('stripe', 'whsec_fill_old', pg_temp.pi('evt_fill_1', 'payment_intent.succeeded', 'pi_fill_s1', 4990, 'eur', 'PAY-S1')) ->> 'outcome';
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_1', 'payment_intent.succeeded', 'pi_fill_s1', 4990, 'eur', 'PAY-S1')) ->> 'outcome';
\set refund_body '{"id":"evt_fill_2","object":"event","type":"refund.created","created":1721949000,"data":{"object":{"id":"re_fill_1","object":"refund","amount":990,"currency":"eur","payment_intent":"pi_fill_s1","status":"succeeded"}}}'
\set charge_body '{"id":"evt_fill_3","object":"event","type":"charge.refunded","created":1721949001,"data":{"object":{"id":"ch_fill_1","object":"charge","amount":4990,"amount_refunded":990,"currency":"eur","payment_intent":"pi_fill_s1"}}}'
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', :'refund_body') ->> 'outcome';
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', :'charge_body') ->> 'outcome';
-- PAY-S2 stays pending (run.sh captures it after the update); a processing event for it
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_4', 'payment_intent.processing', 'pi_fill_s2', 1099)) ->> 'outcome';
-- PAY-S3 fails, PAY-S4 is canceled, then a late success for it is superseded
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_5', 'payment_intent.payment_failed', 'pi_fill_s3', 3000)) ->> 'outcome';
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_6', 'payment_intent.canceled', 'pi_fill_s4', 3000)) ->> 'outcome';
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_7', 'payment_intent.succeeded', 'pi_fill_s4', 3000)) ->> 'outcome';
-- ignored: a type that maps to no action
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_8', 'customer.created', 'cus_fill_1', 0)) ->> 'outcome';
-- failed: a currency webhook_currencies does not know
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_9', 'payment_intent.succeeded', 'pi_fill_s5', 1200, 'xyz')) ->> 'outcome';
-- unmatched: the payment PAY-PARK does not exist yet (run.sh inserts it)
SELECT pg_temp.stripe('stripe', 'whsec_fill_new', pg_temp.pi('evt_fill_park', 'payment_intent.succeeded', 'pi_fill_park', 1500, 'eur', 'PAY-PARK')) ->> 'outcome';
-- held: the amount disagrees and stripe_hold's policy is hold
SELECT pg_temp.stripe('stripe_hold', 'whsec_fill_hold', pg_temp.pi('evt_fill_h1', 'payment_intent.succeeded', 'pi_fill_h1', 1500)) ->> 'outcome';
-- refused: a forged signature (the body is kept), an unknown provider
SELECT pg_temp.stripe('stripe', 'whsec_guess', pg_temp.pi('evt_fill_x', 'payment_intent.succeeded', 'pi_fill_s2', 1099)) ->> 'outcome';
SELECT webhook_ingest('nobody', '{}', '{}'::text) ->> 'outcome';

-- HMAC: a delivery signed with a secret not registered yet is refused,
-- then run again once it is added
\set acme_body '{"payment_id":"acme-7781","transaction_id":"PAY-A1","status":"completed","amount":"100.00","currency":"NOK"}'
SELECT webhook_ingest('acme', jsonb_build_object('X-Acme-Signature', 'sha256=' || webhook_sign_hmac(:'acme_body', 'acme-rotated-secret'),
       'X-Acme-Delivery', 'dlv-0001'), :'acme_body') ->> 'outcome';
SELECT webhook_add_secret('acme', 'acme-rotated-secret', 'rotated') > 0 AS added;
SELECT r ->> 'outcome' FROM webhook_deliveries d, LATERAL webhook_redeliver(d.id) r
 WHERE d.provider = 'acme' AND d.http_status = 401;

-- API key: authorized
SELECT webhook_ingest('kassa', '{"X-API-Key": "kassa-api-key-123"}',
       '{"paymentId":"k-555","orderId":"PAY-K1","status":"authorized","event":"auth"}'::text) ->> 'outcome';

-- Vipps: authorized and a first partial capture, signed with order-V1's own secret
SELECT pg_temp.vipps('vipps-secret-of-order-V1', 'AUTHORIZED', 'psp-1', 35000) ->> 'outcome';
SELECT pg_temp.vipps('vipps-secret-of-order-V1', 'CAPTURED', 'psp-2', 20000) ->> 'outcome';

-- Standard Webhooks: captured
\set std_body '{"type":"payment.updated","data":{"payment_id":"std-42","status":"succeeded","amount":"12.00","currency":"EUR"}}'
SELECT webhook_ingest('std', jsonb_build_object('webhook-id', 'msg_fill_1', 'webhook-timestamp', ts::text,
       'webhook-signature', webhook_sign_standard(:'std_body', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_fill_1', ts)),
       :'std_body') ->> 'outcome'
  FROM (SELECT floor(extract(epoch FROM now()))::bigint AS ts) t;

-- PayPal: the test vector of test/sql/paypal.sql, at the time it was signed
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT webhook_ingest('paypal', jsonb_build_object('PAYPAL-TRANSMISSION-ID', 'test-transmission-1',
       'PAYPAL-TRANSMISSION-TIME', '2026-03-01T12:00:00Z',
       'PAYPAL-TRANSMISSION-SIG', 'eqGnQGPnH/I1sac5/2w8VO4BHQ4G1RcZtvLDgRu3onSctU7Sb219P2xyvT99058CN+E1QWwsnHIPDYXxqs5luXhFxzqt1Hhepsm783Ivn0Mg0MLGhTinpWMDHPvg+cFTn0GTdB/fr7OL614leQ7zl3/fI3tsz/Ea1izX293+e8n4F3cDajOstrY6fqSwj24cmZsTbZxGxBaPLG+5l/2PRbBBNpjaPyWu6goqKRvwjPGWYh3T0t8Rdtn9K2i1I6ZLnmknnuS6LBPLCtkcBOJGP8/nkFrhf0Cge45nVPg76SyiVv5AYu9SzWqh2jirukZyIAoSfcyeHK0g8XpYPC7uSg==',
       'PAYPAL-CERT-URL', :'pp_url', 'PAYPAL-AUTH-ALGO', 'SHA256withRSA'),
       '{"id":"WH-TEST-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAPTURE001"}}'::text) ->> 'outcome';
RESET webhook.clock_override;

-- What the rest of the test relies on: fail here, not later, when the
-- library no longer fills a 0.1.0 schema this way.
DO $$
DECLARE
    v_wrong text;
BEGIN
    SELECT string_agg(what, '; ') INTO v_wrong FROM (VALUES
        ('events applied, superseded, ignored, unmatched, held and failed',
         (SELECT count(DISTINCT status) FROM webhook_events
           WHERE status IN ('applied', 'superseded', 'ignored', 'unmatched', 'held', 'failed')) = 6),
        ('payments pending, authorized, captured, partially refunded, failed and canceled',
         (SELECT count(DISTINCT state) FROM webhook_payments
           WHERE state IN ('pending', 'authorized', 'captured', 'partially_refunded', 'failed', 'canceled')) = 6),
        ('PAY-S2 pending', (SELECT state FROM webhook_payments WHERE reference = 'PAY-S2') = 'pending'),
        ('evt_fill_park parked', (SELECT status FROM webhook_events WHERE event_id = 'evt_fill_park') = 'unmatched'),
        ('order-V1 captured 200 with its own secret',
         (SELECT amount_captured FROM webhook_payments WHERE reference = 'order-V1') = 200),
        ('PAY-STD and PAY-PP captured',
         (SELECT count(*) FROM webhook_payments WHERE reference IN ('PAY-STD', 'PAY-PP') AND state = 'captured') = 2),
        ('7 providers of 6 schemes',
         (SELECT count(*) = 7 AND count(DISTINCT scheme) = 6 FROM webhook_providers)),
        ('9 secrets, 1 per-payment, 1 expiring',
         (SELECT count(*) = 9 AND count(payment_reference) = 1 AND count(valid_until) = 1 FROM webhook_secrets)),
        ('1 certificate', (SELECT count(*) FROM webhook_certificates) = 1),
        ('1 refund in the ledger', (SELECT count(*) FROM webhook_refunds) = 1),
        ('1 event delivered twice', (SELECT count(*) FROM webhook_events WHERE deliveries = 2) = 1),
        ('1 redelivery', (SELECT count(*) FROM webhook_deliveries WHERE redelivery_of IS NOT NULL) = 1),
        ('2 refused signatures with their bodies',
         (SELECT count(*) FROM webhook_deliveries WHERE http_status = 401 AND body IS NOT NULL) = 2),
        ('1 unknown provider', (SELECT count(*) FROM webhook_deliveries WHERE http_status = 404) = 1),
        ('SO-S1 partially refunded, SO-M partially paid, SO-PP paid',
         (SELECT string_agg(state, ' ' ORDER BY ref) FROM webhook_orders WHERE ref IN ('SO-S1', 'SO-M', 'SO-PP'))
         = 'partially_paid paid partially_refunded')
    ) AS c(what, ok)
     WHERE ok IS NOT TRUE;
    IF v_wrong IS NOT NULL THEN
        RAISE EXCEPTION 'fill: not as expected: %', v_wrong;
    END IF;
END
$$;

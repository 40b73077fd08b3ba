-- mollie: Mollie's next-gen (signed) webhooks, X-Mollie-Signature: the
-- HMAC-SHA256 of the body in hex, with or without "sha256=", one value or
-- several.  Mollie publishes no vector: MO-D of reference/providers-next.md
-- A.2.2 is derived.  Then the rejections, one bad input per line, a rotated
-- secret (the header sent twice), and ingest moving payments by the
-- payment's id and by the shop's reference, with full and simple payloads.
CREATE SCHEMA mollie_test;
SET search_path = mollie_test;
CREATE EXTENSION webhook SCHEMA mollie_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;

-- MO-D (derived): secret test_mollie_secret, the body without a newline
\set mo_body '{"id":"evt_test","type":"payment_captured"}'
\set mo_hex 'b2273a164e46c552d3a25cb90a586a81826a4c01f4cfa75340b6ff20bcc3d7ad'
SELECT webhook_sign('mollie', convert_to(:'mo_body', 'UTF8'), 'test_mollie_secret')
       = jsonb_build_object('X-Mollie-Signature', 'sha256=' || :'mo_hex') AS mo_d_signs,
       webhook_verify('mollie', jsonb_build_object('X-Mollie-Signature', :'mo_hex'),
                      convert_to(:'mo_body', 'UTF8'), 'test_mollie_secret') AS bare_hex_as_documented,
       webhook_verify('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || :'mo_hex'),
                      convert_to(:'mo_body', 'UTF8'), 'test_mollie_secret') AS prefixed_as_the_client_reads,
       webhook_verify('mollie', jsonb_build_object('x-mollie-signature', 'SHA256=' || upper(:'mo_hex')),
                      convert_to(:'mo_body', 'UTF8'), 'test_mollie_secret') AS any_case,
       webhook_verify('mollie', jsonb_build_object('X-Mollie-Signature', :'mo_hex'),
                      convert_to(:'mo_body', 'UTF8'), 'test_mollie_secreT') AS wrong_secret;
SELECT webhook_verify('mollie', webhook_sign('mollie', 'body'::bytea, 's'), 'body'::bytea, 's') AS verifies,
       webhook_verify('mollie', webhook_sign('mollie', 'body'::bytea, 's'), 'bodY'::bytea, 's') AS tampered;
SELECT webhook_verify('mollie', '{}', '{}'::bytea, 's', '{"secret_encoding": "hex"}');

-- Ingest
SELECT webhook_add_provider('mollie', 'mollie', 'test_mollie_secret');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-2', 24.95, 'EUR');
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
VALUES ('mollie', 'R-2001', 'tr_5B8cwPMGnU6qLbRvo7qEZo', 'SO-2', 24.95, 'EUR'),
       ('mollie', 'R-2002', 'tr_WDqYK6vllg', NULL, 10, 'EUR'),
       ('mollie', 'R-2003', 'tr_7UhSN1zuXS', NULL, 15, 'EUR'),
       ('mollie', 'R-2004', NULL, NULL, 5, 'EUR'),
       ('mollie', 'R-2005', NULL, NULL, 7.5, 'EUR'),
       ('mollie', 'R-2006', 'pl_qng5gbbv8NAZ5gpM5ZYgx', NULL, 24.95, 'EUR'),
       ('mollie', 'R-2007', 'tr_Lw9yNpw6Hc', NULL, 1, 'EUR'),
       ('mollie', 'R-2008', 'tr_Mx0zOqx7Id', NULL, 2, 'EUR');
-- A payment and a refund as Mollie's API returns them.
CREATE FUNCTION payment(id text, status text, value text, meta jsonb DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('resource', 'payment', 'id', id, 'mode', 'live', 'status', status,
        'amount', jsonb_build_object('value', value, 'currency', 'EUR'), 'description', 'Order',
        'metadata', meta, 'profileId', 'pfl_QkEhN94Ba', 'createdAt', '2026-03-01T11:50:00+00:00')
$$;
CREATE FUNCTION refund(id text, payment text, value text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('resource', 'refund', 'id', id, 'paymentId', payment, 'status', 'refunded',
        'amount', jsonb_build_object('value', value, 'currency', 'eur'), 'createdAt', '2026-03-01T11:55:00+00:00')
$$;
-- A next-gen event: the full payload embeds the resource under its resource type, the simple one nothing.
CREATE FUNCTION ev(id text, typ text, entity text, embedded jsonb DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT (jsonb_build_object('resource', 'event', 'id', id, 'type', typ, 'entityId', entity,
        'createdAt', '2026-03-01T11:59:58.0Z',
        '_links', jsonb_build_object('self', jsonb_build_object('href', 'https://api.mollie.com/v2/events/' || id,
                                                                'type', 'application/hal+json')))
        || CASE WHEN embedded IS NULL THEN '{}'::jsonb
                ELSE jsonb_build_object('_embedded', jsonb_build_object(embedded->>'resource', embedded)) END)::text
$$;
-- Sign as Mollie does and ingest.
CREATE FUNCTION mollie(body text, secret text DEFAULT 'test_mollie_secret') RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('mollie', webhook_sign('mollie', convert_to(body, 'UTF8'), secret), body)
$$;
-- authorized, the same event again, paid; refunded in two parts, each by its refund id
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy1', 'payment.authorized', 'tr_5B8cwPMGnU6qLbRvo7qEZo',
       payment('tr_5B8cwPMGnU6qLbRvo7qEZo', 'authorized', '24.95', '{"reference": "R-2001"}'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy1', 'payment.authorized', 'tr_5B8cwPMGnU6qLbRvo7qEZo',
       payment('tr_5B8cwPMGnU6qLbRvo7qEZo', 'authorized', '24.95', '{"reference": "R-2001"}'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy2', 'payment.paid', 'tr_5B8cwPMGnU6qLbRvo7qEZo',
       payment('tr_5B8cwPMGnU6qLbRvo7qEZo', 'paid', '24.95', '{"reference": "R-2001"}'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy3', 'refund.pending', 're_4qqhO89gsT',
       refund('re_4qqhO89gsT', 'tr_5B8cwPMGnU6qLbRvo7qEZo', '5.00'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy4', 'refund.refunded', 're_4qqhO89gsT',
       refund('re_4qqhO89gsT', 'tr_5B8cwPMGnU6qLbRvo7qEZo', '5.00'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy5', 'refund.refunded', 're_5rriP90htU',
       refund('re_5rriP90htU', 'tr_5B8cwPMGnU6qLbRvo7qEZo', '19.95'))));
-- a simple payload: the payment's id, no amount
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy6', 'payment.failed', 'tr_WDqYK6vllg')));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy7', 'payment.canceled', 'tr_7UhSN1zuXS',
       payment('tr_7UhSN1zuXS', 'canceled', '15.00'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy8', 'payment.expired', 'tr_7UhSN1zuXS')));
-- found by the shop's reference: metadata.reference, else metadata.order_id
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJy9', 'payment.paid', 'tr_Hs6vKmt3Ez',
       payment('tr_Hs6vKmt3Ez', 'paid', '5.00', '{"reference": "R-2004"}'))));
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJ10', 'payment.paid', 'tr_Jt7wLnu4Fa',
       payment('tr_Jt7wLnu4Fa', 'paid', '7.50', '{"order_id": "R-2005"}'))));
-- a payment link paid, in the payload shape of Mollie's PHP client's fixture
SELECT show(mollie('{"resource": "event", "id": "event_GvJ8WHrp5isUdRub9CJyH", "type": "payment-link.paid", "entityId": "pl_qng5gbbv8NAZ5gpM5ZYgx", "createdAt": "2024-12-16T15:57:04.0Z", "_embedded": {"payment-link": {"resource": "payment-link", "id": "pl_qng5gbbv8NAZ5gpM5ZYgx", "profileId": "pfl_D96wnsu869", "mode": "live", "description": "Bicycle tires", "amount": {"currency": "EUR", "value": "24.95"}, "archived": false, "reusable": true}}}'));
-- the Events API's shape (_embedded.entity) reads alike; a payment no row matches parks
SELECT show(mollie('{"resource": "event", "id": "event_GvJ8WHrp5isUdRub9CJ11", "type": "payment.paid", "entityId": "tr_Kv8xMov5Gb", "createdAt": "2026-03-01T11:59:59.0Z", "_embedded": {"entity": {"resource": "payment", "id": "tr_Kv8xMov5Gb", "amount": {"value": "3.00", "currency": "EUR"}}}}'));
-- a simple refund names no payment: parked
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJ12', 'refund.refunded', 're_6ssjQ01ivV')));
-- a type the map lacks; an event without its id is stored unmapped
SELECT show(mollie(ev('event_GvJ8WHrp5isUdRub9CJ13', 'sales-invoice.paid', 'invoice_4Y0eZitmBnQ6IDoMqZQKh')));
SELECT show(mollie('{"resource": "event", "type": "payment.paid", "entityId": "tr_5B8cwPMGnU6qLbRvo7qEZo"}'));
SELECT event_id, event_type, action, status, object_id, reference, refund_id, amount, currency,
       occurred_at AT TIME ZONE 'UTC' AS occurred_utc, detail
  FROM webhook_events WHERE provider = 'mollie' ORDER BY id;
SELECT reference, state, amount_captured, amount_refunded FROM webhook_payments WHERE provider = 'mollie' ORDER BY reference;
SELECT ref, state, amount_paid, amount_refunded FROM webhook_orders WHERE ref = 'SO-2';
SELECT refund_id, amount, currency FROM webhook_refunds ORDER BY id;

-- rejections, one bad input per line
\set body '{"resource": "event", "id": "event_Rj0000000000000000001", "type": "payment.paid", "entityId": "tr_Lw9yNpw6Hc"}'
SELECT substr(webhook_sign('mollie', convert_to(:'body', 'UTF8'), 'test_mollie_secret')->>'X-Mollie-Signature', 8) AS hex \gset
-- tampered body, wrong secret
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || :'hex'), replace(:'body', 'payment.paid', 'payment.paid ')));
SELECT show(mollie(:'body', secret => 'test_mollie_secreT'));
-- missing header, the same header twice, an empty one
SELECT show(webhook_ingest('mollie', '{}', :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', :'hex', 'x-mollie-signature', :'hex'), :'body'::text));
SELECT show(webhook_ingest('mollie', '{"X-Mollie-Signature": ""}', :'body'::text));
-- wrong prefix, odd hex, not hex, a SHA-512's length of hex
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha1=' || :'hex'), :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || substr(:'hex', 2)), :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || substr(:'hex', 3) || 'zz'), :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || :'hex' || :'hex'), :'body'::text));
-- a list: a malformed value and a wrong one, an empty item, more than 16 values
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=xyz, sha256=' || repeat('0', 64)), :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || repeat('0', 64) || ',,'), :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', repeat('sha256=' || repeat('0', 64) || ', ', 16) || 'sha256=' || :'hex'), :'body'::text));
-- any value of a list may match: after a wrong one, before an empty item
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || repeat('0', 64) || ', sha256=' || :'hex'), :'body'::text));
SELECT show(webhook_ingest('mollie', jsonb_build_object('X-Mollie-Signature', 'sha256=' || :'hex' || ','), :'body'::text));
SELECT outcome, http_status, count(*) FROM webhook_deliveries WHERE provider = 'mollie' AND event_id = 'event_Rj0000000000000000001'
 GROUP BY 1, 2 ORDER BY 2, 1;

-- a rotated secret: Mollie sends the header twice while both are live (folded into one
-- value, comma-separated); the old one alone verifies during the overlap, not after it
SELECT webhook_rotate_secret('mollie', 'test_mollie_secret_2', '1 hour') > 0 AS rotated;
CREATE FUNCTION both_sigs(body text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('X-Mollie-Signature',
        (webhook_sign('mollie', convert_to(body, 'UTF8'), 'test_mollie_secret')->>'X-Mollie-Signature') || ', ' ||
        (webhook_sign('mollie', convert_to(body, 'UTF8'), 'test_mollie_secret_2')->>'X-Mollie-Signature'))
$$;
SELECT ev('event_Rt0000000000000000001', 'payment.authorized', 'tr_Mx0zOqx7Id') AS rot1,
       ev('event_Rt0000000000000000002', 'payment.paid', 'tr_Mx0zOqx7Id') AS rot2,
       ev('event_Rt0000000000000000003', 'refund.refunded', 're_7ttkR12jwW', refund('re_7ttkR12jwW', 'tr_Mx0zOqx7Id', '0.50')) AS rot3,
       ev('event_Rt0000000000000000004', 'refund.refunded', 're_7ttkR12jwW', refund('re_7ttkR12jwW', 'tr_Mx0zOqx7Id', '0.50')) AS rot4 \gset
SELECT show(webhook_ingest('mollie', both_sigs(:'rot1'), :'rot1'::text));
SELECT show(mollie(:'rot2'));
SET webhook.clock_override = '2026-03-01 13:00:01+00';
SELECT show(mollie(:'rot3'));
SELECT show(webhook_ingest('mollie', both_sigs(:'rot4'), :'rot4'::text));
SELECT d.event_id, d.outcome, s.id = (SELECT max(id) FROM webhook_secrets WHERE provider = 'mollie') AS new_secret
  FROM webhook_deliveries d LEFT JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.provider = 'mollie' AND d.event_id LIKE 'event_Rt%'
 ORDER BY d.id;

-- Classic webhooks (README "Fetch and apply"): the form post "id=tr_..." is unsigned, so a provider
-- takes it only with config.classic; each is stored fetch, never applied, and asks to fetch the payment
SELECT show(webhook_ingest('mollie', '{"Content-Type": "application/x-www-form-urlencoded"}',
                           'id=tr_5B8cwPMGnU6qLbRvo7qEZo'));
SELECT webhook_add_provider('mollie_classic', 'mollie', 'test_mollie_secret', '{"classic": "yes"}');
SELECT webhook_add_provider('mollie_classic', 'mollie', 'test_mollie_secret', '{"classic": true}');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('mollie_classic', 'R-3001', 'tr_C1assic0001', 10, 'EUR');
SELECT webhook_subscribe('fetcher', '{fetch.*}');
SET webhook.clock_override = '2026-03-01 14:00:00+00';
BEGIN;
SELECT show(webhook_ingest('mollie_classic', '{"Content-Type": "application/x-www-form-urlencoded"}',
                           'id=tr_C1assic0001'));
COMMIT;
-- Mollie calls again at the payment's next change: the same body is another event, another fetch
BEGIN;
SELECT show(webhook_ingest('mollie_classic', '{}', 'id=tr_C1assic0001'));
COMMIT;
-- what is no classic body, or is JSON without a signature, is refused as before
SELECT show(webhook_ingest('mollie_classic', '{}', 'id=tr_1&x=2'));
SELECT show(webhook_ingest('mollie_classic', '{}', '{"id": "tr_C1assic0001"}'));
SELECT event_type, object_id, status, detail FROM webhook_events WHERE provider = 'mollie_classic' ORDER BY id;
SELECT state FROM webhook_payments WHERE reference = 'R-3001';
SELECT topic, payload->'event'->'object' AS object FROM webhook_outbox_claim('fetcher') ORDER BY id;
-- The shop fetches GET /v2/payments/tr_C1assic0001 and applies it: the payment follows its status
SELECT show(webhook_apply_object('mollie_classic', payment('tr_C1assic0001', 'open', '10.00')));
SELECT show(webhook_apply_object('mollie_classic', payment('tr_C1assic0001', 'paid', '10.00')));
SELECT show(webhook_apply_object('mollie_classic', payment('tr_C1assic0001', 'paid', '10.00')));
SELECT show(webhook_apply_object('mollie_classic', refund('re_1', 'tr_C1assic0001', '1.00')));
SELECT state, amount_captured FROM webhook_payments WHERE reference = 'R-3001';

RESET search_path;
DROP SCHEMA mollie_test CASCADE;

-- Paddle Billing: the official vector of reference/providers-next.md A.2.4
-- (PD-1), derived ones, then ingest moving payments through the state
-- machine, with the scheme's rejections and a rotated secret.
CREATE SCHEMA paddle_test;
SET search_path = paddle_test;
CREATE EXTENSION webhook SCHEMA paddle_test;

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome',
        'payment=' || (r->'payment'->>'state'), 'order=' || (r->'order'->>'state'),
        '(' || (r->>'detail') || ')')
$$;

-- PD-1 (official: PaddleHQ/paddle-python-sdk tests/Unit/Notification/test_Verifier.py,
-- test_validate_paddle_signature_header_integrity, run there with Verifier(0)):
-- an h1 that is no hex ("dummy") before the good one, three secrets of which
-- only the third verifies, and secrets holding "/".  Judged at its own ts.
SET webhook.clock_override = '2023-10-01 21:32:34+00';
\set pd1_header 'ts=1696195954;h1=dummy;h1=d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02'
SELECT i, webhook_verify('paddle', jsonb_build_object('Paddle-Signature', :'pd1_header'),
                         'hello-world'::bytea, s) AS verifies
  FROM unnest(ARRAY['pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_TjIG2BXbm83HPXqNfziwe506sBEdqL/4',
                    'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_vB/yIOnTOCWIvpBadM5jzBZPHc7OmdSo',
                    'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh']) WITH ORDINALITY AS k(s, i)
 ORDER BY i;
-- the HMACs PD-1 lists for each secret over "1696195954:hello-world"
SELECT i, left(h1, 8) || '...' || right(h1, 4) AS h1
  FROM unnest(ARRAY['pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_TjIG2BXbm83HPXqNfziwe506sBEdqL/4',
                    'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_vB/yIOnTOCWIvpBadM5jzBZPHc7OmdSo',
                    'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh']) WITH ORDINALITY AS k(s, i),
       LATERAL split_part(webhook_sign('paddle', 'hello-world'::bytea, s, '{"ts": 1696195954}')->>'Paddle-Signature', 'h1=', 2) AS h1
 ORDER BY i;
SELECT webhook_sign('paddle', 'hello-world'::bytea,
                    'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh', '{"ts": 1696195954}') AS pd1_signed;
-- the same header without "dummy", and with only "dummy"
SELECT webhook_verify('paddle', '{"Paddle-Signature": "ts=1696195954;h1=d96299976a6eb066f484d7fde011ac56fc32b38fc9940bc419d6e537fdc6ef02"}',
                      'hello-world'::bytea, 'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh') AS good_alone,
       webhook_verify('paddle', '{"Paddle-Signature": "ts=1696195954;h1=dummy"}',
                      'hello-world'::bytea, 'pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh') AS dummy_alone;

-- PD-D (derived, computed with Python's hmac, not from Paddle): a body of
-- Paddle's shape signed at 1700000000 with a secret of Paddle's form
SET webhook.clock_override = '2023-11-14 22:13:20+00';
\set pdd_secret 'pdl_ntf_01hv8x2derived0shop0secret_Zx9/Qm+4'
\set pdd_body '{"event_id":"evt_derived_1","event_type":"transaction.completed","data":{"id":"txn_derived_1"}}'
SELECT webhook_sign('paddle', convert_to(:'pdd_body', 'UTF8'), :'pdd_secret', '{"ts": 1700000000}')
       = '{"Paddle-Signature": "ts=1700000000;h1=52f31217125a6b49eb3d562ea33c2ab90c2d02de616e9107b53862c79711b603"}' AS pdd,
       webhook_sign('paddle', ''::bytea, :'pdd_secret', '{"ts": 1700000000}')
       = '{"Paddle-Signature": "ts=1700000000;h1=eb75de1dc9878e54a95d35862b3dcb2fcf07c225e38b4cdb4ae90ab98995e3d7"}' AS pdd_empty_body;

-- webhook_verify, one bad input a line (PD-D's header unless said)
CREATE FUNCTION v(header text, body text DEFAULT :'pdd_body', secret text DEFAULT :'pdd_secret') RETURNS boolean
LANGUAGE sql AS $$
    SELECT webhook_verify('paddle', CASE WHEN header IS NULL THEN '{}' ELSE jsonb_build_object('Paddle-Signature', header) END,
                          convert_to(body, 'UTF8'), secret)
$$;
CREATE FUNCTION h(ts bigint, body text DEFAULT :'pdd_body', secret text DEFAULT :'pdd_secret') RETURNS text
LANGUAGE sql AS $$
    SELECT webhook_sign('paddle', convert_to(body, 'UTF8'), secret, jsonb_build_object('ts', ts))->>'Paddle-Signature'
$$;
SELECT v(h(1700000000)) AS signed_now,
       v(h(1700000000), body => :'pdd_body' || ' ') AS tampered_body,
       v(h(1700000000), secret => 'pdl_ntf_01hv8x2derived0shop0secret_Zx9/Qm+5') AS wrong_key,
       v(h(1700000000), secret => 'Zx9/Qm+4') AS key_without_prefix,
       v(NULL) AS no_header;
-- tolerance both ways: 300 seconds (webhook_verify's), not Paddle's SDK's 5 seconds one-sided
SELECT v(h(1700000000 - 300)) AS past_edge, v(h(1700000000 - 301)) AS stale,
       v(h(1700000000 + 300)) AS future_edge, v(h(1700000000 + 301)) AS future;
-- the layout: any h1 may match; h1 in upper case; an unknown key is skipped;
-- two ts, no ts, a ts that is no integer, an item without "=", Stripe's layout
SELECT v(replace(h(1700000000), ';h1=', ';h1=' || repeat('0', 64) || ';h1=')) AS second_h1,
       v(upper(h(1700000000)) ) AS upper_case_keys,
       v('ts=1700000000;h1=' || upper(split_part(h(1700000000), 'h1=', 2))) AS upper_hex,
       v(h(1700000000) || ';h2=abc') AS unknown_key,
       v('ts=1700000000;' || h(1700000000)) AS two_ts,
       v(split_part(h(1700000000), ';', 2)) AS no_ts,
       v(replace(h(1700000000), 'ts=1700000000', 'ts=1700000000.0')) AS ts_fraction,
       v(h(1700000000) || ';') AS empty_item,
       v(replace(replace(h(1700000000), 'ts=', 't='), ';h1=', ',v1=')) AS stripe_layout;

-- Ingest: a provider, its secret, an order and its payments
SELECT webhook_add_provider('paddle', 'paddle', 'pdl_ntf_01hv8x2shop00000000000000_OldSecret+/1');
INSERT INTO webhook_orders (ref, total, currency) VALUES ('SO-1', 10.00, 'USD');
INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency)
VALUES ('paddle', 'R-1001', 'SO-1', 10.00, 'USD');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('paddle', 'R-1002', 'txn_01hv8wptq8987qeep44cyrewp2', 25.00, 'EUR'),
       ('paddle', 'R-1003', 'txn_01hv8wptq8987qeep44cyrewp3', 5.00, 'USD');
CREATE FUNCTION txn(event_id text, type text, txn text, total text DEFAULT '1000', ref text DEFAULT NULL,
                    currency text DEFAULT 'USD') RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('event_id', event_id, 'event_type', type,
        'occurred_at', '2023-11-14T22:13:19.812Z', 'notification_id', 'ntf_' || substr(event_id, 5),
        'data', jsonb_build_object('id', txn, 'status', split_part(type, '.', 2), 'currency_code', currency,
            'custom_data', CASE WHEN ref IS NOT NULL THEN jsonb_build_object('reference', ref) END,
            'details', jsonb_build_object('totals', jsonb_build_object('subtotal', total, 'tax', '0',
                'total', total, 'grand_total', total))))::text
$$;
CREATE FUNCTION adj(event_id text, type text, adj text, txn text, total text, status text,
                    action text DEFAULT 'refund') RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('event_id', event_id, 'event_type', type,
        'occurred_at', '2023-11-14T22:13:19.812Z', 'notification_id', 'ntf_' || substr(event_id, 5),
        'data', jsonb_build_object('id', adj, 'action', action, 'transaction_id', txn, 'status', status,
            'currency_code', 'USD', 'totals', jsonb_build_object('subtotal', total, 'tax', '0', 'total', total)))::text
$$;
CREATE FUNCTION paddle(body text, ts bigint DEFAULT 1700000000,
                       secret text DEFAULT 'pdl_ntf_01hv8x2shop00000000000000_OldSecret+/1') RETURNS jsonb
LANGUAGE sql AS $$
    SELECT webhook_ingest('paddle', webhook_sign('paddle', convert_to(body, 'UTF8'), secret, jsonb_build_object('ts', ts)), body)
$$;

-- R-1001, by custom_data.reference: created, paid, completed (already captured), a repeat
SELECT show(paddle(txn('evt_01', 'transaction.created', 'txn_01hv8wptq8987qeep44cyrewp1', ref => 'R-1001')));
SELECT show(paddle(txn('evt_02', 'transaction.paid', 'txn_01hv8wptq8987qeep44cyrewp1', ref => 'R-1001')));
SELECT show(paddle(txn('evt_03', 'transaction.completed', 'txn_01hv8wptq8987qeep44cyrewp1', ref => 'R-1001')));
SELECT show(paddle(txn('evt_03', 'transaction.completed', 'txn_01hv8wptq8987qeep44cyrewp1', ref => 'R-1001')));
-- refunds are adjustments, by transaction_id: applied once approved, each by its adj_ id
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('paddle', 'R-1004', 'txn_01hv8wptq8987qeep44cyrewp4', 10.00, 'USD');
SELECT show(paddle(txn('evt_40', 'transaction.completed', 'txn_01hv8wptq8987qeep44cyrewp4')));
SELECT show(paddle(adj('evt_04', 'adjustment.created', 'adj_01', 'txn_01hv8wptq8987qeep44cyrewp4', '400', 'pending_approval')));
SELECT show(paddle(adj('evt_05', 'adjustment.updated', 'adj_01', 'txn_01hv8wptq8987qeep44cyrewp4', '400', 'approved')));
SELECT show(paddle(adj('evt_06', 'adjustment.created', 'adj_02', 'txn_01hv8wptq8987qeep44cyrewp4', '600', 'approved')));
SELECT show(paddle(adj('evt_07', 'adjustment.created', 'adj_03', 'txn_01hv8wptq8987qeep44cyrewp4', '100', 'approved', 'credit')));
-- R-1002, by its transaction id: a failed payment, then completed in EUR
SELECT show(paddle(txn('evt_08', 'transaction.payment_failed', 'txn_01hv8wptq8987qeep44cyrewp2', '2500', currency => 'EUR')));
SELECT show(paddle(txn('evt_09', 'transaction.completed', 'txn_01hv8wptq8987qeep44cyrewp2', '2500', currency => 'EUR')));
-- R-1003: canceled; then a late completed is superseded
SELECT show(paddle(txn('evt_10', 'transaction.canceled', 'txn_01hv8wptq8987qeep44cyrewp3', '500')));
SELECT show(paddle(txn('evt_11', 'transaction.completed', 'txn_01hv8wptq8987qeep44cyrewp3', '500')));
-- a payment not known yet is parked; an event of no payment type is ignored
SELECT show(paddle(txn('evt_12', 'transaction.completed', 'txn_01hv8wptq8987qeep44cyrewp9', ref => 'R-1009')));
SELECT show(paddle('{"event_id": "evt_13", "event_type": "subscription.created", "data": {"id": "sub_01"}}'));

-- rejections, one bad input a line
SELECT show(paddle(txn('evt_20', 'transaction.completed', 'txn_x', ref => 'R-1001'), ts => 1700000000 - 301));
SELECT show(paddle(txn('evt_21', 'transaction.completed', 'txn_x', ref => 'R-1001'), ts => 1700000000 + 301));
SELECT show(paddle(txn('evt_22', 'transaction.completed', 'txn_x', ref => 'R-1001'), secret => 'pdl_ntf_01hv8x2shop00000000000000_Wrong'));
SELECT show(webhook_ingest('paddle', '{}', txn('evt_23', 'transaction.completed', 'txn_x')));
SELECT show(webhook_ingest('paddle', '{"Paddle-Signature": "h1=abc"}', txn('evt_24', 'transaction.completed', 'txn_x')));
SELECT show(webhook_ingest('paddle', jsonb_build_object('Paddle-Signature', h(1700000000, b, 'pdl_ntf_01hv8x2shop00000000000000_OldSecret+/1'),
                                                        'paddle-signature', h(1700000000, b, 'pdl_ntf_01hv8x2shop00000000000000_OldSecret+/1')), b))
  FROM (SELECT txn('evt_25', 'transaction.completed', 'txn_x') AS b) e;
SELECT show(webhook_ingest('paddle', jsonb_build_object('Paddle-Signature', h(1700000000, txn('evt_26', 'transaction.completed', 'txn_x'),
                                                        'pdl_ntf_01hv8x2shop00000000000000_OldSecret+/1')),
                           txn('evt_26', 'transaction.completed', 'txn_y')));
SELECT show(paddle('{"event_type": "transaction.completed", "data": {"id": "txn_z"}}'));

-- a rotated secret: both verify during the overlap, only the new one after it
SELECT webhook_rotate_secret('paddle', 'pdl_ntf_01hv8x2shop00000000000000_NewSecret+/2', '1 hour') > 0 AS rotated;
UPDATE webhook_secrets SET label = CASE WHEN secret LIKE '%NewSecret%' THEN 'new' ELSE 'old' END WHERE provider = 'paddle';
INSERT INTO webhook_payments (provider, reference, amount, currency) VALUES ('paddle', 'R-1005', 10.00, 'USD'),
       ('paddle', 'R-1006', 10.00, 'USD');
SELECT show(paddle(txn('evt_30', 'transaction.paid', 'txn_05', ref => 'R-1005')));
SELECT show(paddle(txn('evt_31', 'transaction.completed', 'txn_05', ref => 'R-1005'),
                   secret => 'pdl_ntf_01hv8x2shop00000000000000_NewSecret+/2'));
SET webhook.clock_override = '2023-11-14 23:13:21+00';
SELECT show(paddle(txn('evt_32', 'transaction.paid', 'txn_06', ref => 'R-1006'), ts => 1700003601));
SELECT show(paddle(txn('evt_33', 'transaction.paid', 'txn_06', ref => 'R-1006'), ts => 1700003601,
                   secret => 'pdl_ntf_01hv8x2shop00000000000000_NewSecret+/2'));
SELECT d.event_id, d.outcome, s.label FROM webhook_deliveries d LEFT JOIN webhook_secrets s ON s.id = d.secret_id
 WHERE d.event_id IN ('evt_30', 'evt_31', 'evt_33') OR d.outcome = 'invalid_signature' ORDER BY d.id;

-- what was stored
SELECT left(event_id, 12) AS event_id, event_type, action, object_id, reference, status, amount, currency, occurred_at
  FROM webhook_events WHERE provider = 'paddle' ORDER BY id;
SELECT reference, external_id, state, amount_captured, amount_refunded FROM webhook_payments
 WHERE provider = 'paddle' ORDER BY reference;
SELECT ref, state, amount_paid FROM webhook_orders WHERE ref = 'SO-1';
SELECT refund_id, amount, currency FROM webhook_refunds WHERE provider = 'paddle' ORDER BY refund_id;

-- config.actions overrides the map, the adjustment rule included
SELECT webhook_add_provider('paddle_credit', 'paddle', 'pdl_ntf_credit',
       '{"actions": {"adjustment.created": "refund", "transaction.paid": "ignore"}}');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('paddle_credit', 'C-1', 'txn_c1', 10.00, 'USD');
SELECT e.i, show(webhook_ingest('paddle_credit', webhook_sign('paddle', convert_to(e.b, 'UTF8'), 'pdl_ntf_credit'), e.b))
  FROM (VALUES (1, txn('evt_c1', 'transaction.completed', 'txn_c1')),
               (2, adj('evt_c2', 'adjustment.created', 'adj_c1', 'txn_c1', '1000', 'pending_approval', 'credit')),
               (3, txn('evt_c3', 'transaction.paid', 'txn_c1'))) AS e(i, b)
 ORDER BY e.i;

-- webhook_sign's headers verify; a sender's clock is options.ts or now
SELECT webhook_verify('paddle', webhook_sign('paddle', 'body'::bytea, 'pdl_ntf_s'), 'body'::bytea, 'pdl_ntf_s') AS now_verifies,
       webhook_verify('paddle', webhook_sign('paddle', 'body'::bytea, 'pdl_ntf_s'), 'bodY'::bytea, 'pdl_ntf_s') AS tampered;
SELECT webhook_sign('paddle', 'x'::bytea, 'pdl_ntf_s', '{"ts": -1}');
SELECT webhook_sign('paddle', 'x'::bytea, 'pdl_ntf_s', '{"ts": "soon"}');

RESET webhook.clock_override;
RESET search_path;
DROP SCHEMA paddle_test CASCADE;

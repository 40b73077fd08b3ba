--
-- test/upgrade/snapshot.sql: the rows of a filled database, one line each,
-- as "table|row" ordered by key, and each table's row count and each
-- sequence's position.  test/upgrade/run.sh prints it before and after
-- ALTER EXTENSION webhook UPDATE and compares the two.
--
-- Columns are named, not "*": the ones 0.1.0 has, so a column an upgrade
-- adds does not count as a change.  Large values (payloads, bodies,
-- headers, certificates) are shown by their md5.  Runs with search_path
-- set to the extension's schema.
--
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only on
SET TimeZone = 'UTC';
SET extra_float_digits = 3;

SELECT 'count|' || t, n FROM (
    SELECT 'webhook_providers' AS t, count(*) AS n FROM webhook_providers
    UNION ALL SELECT 'webhook_secrets', count(*) FROM webhook_secrets
    UNION ALL SELECT 'webhook_certificates', count(*) FROM webhook_certificates
    UNION ALL SELECT 'webhook_orders', count(*) FROM webhook_orders
    UNION ALL SELECT 'webhook_payments', count(*) FROM webhook_payments
    UNION ALL SELECT 'webhook_events', count(*) FROM webhook_events
    UNION ALL SELECT 'webhook_deliveries', count(*) FROM webhook_deliveries
    UNION ALL SELECT 'webhook_refunds', count(*) FROM webhook_refunds) c
 ORDER BY t;

SELECT 'sequence|' || s, v FROM (
    SELECT 'webhook_secrets_id_seq' AS s, last_value || ' ' || is_called AS v FROM webhook_secrets_id_seq
    UNION ALL SELECT 'webhook_payments_id_seq', last_value || ' ' || is_called FROM webhook_payments_id_seq
    UNION ALL SELECT 'webhook_events_id_seq', last_value || ' ' || is_called FROM webhook_events_id_seq
    UNION ALL SELECT 'webhook_deliveries_id_seq', last_value || ' ' || is_called FROM webhook_deliveries_id_seq
    UNION ALL SELECT 'webhook_refunds_id_seq', last_value || ' ' || is_called FROM webhook_refunds_id_seq) s
 ORDER BY s;

SELECT 'webhook_providers', name, scheme, config, tolerance_seconds, enabled, created_at
  FROM webhook_providers ORDER BY name;
SELECT 'webhook_secrets', id, provider, secret, label, payment_reference, valid_from, valid_until, created_at
  FROM webhook_secrets ORDER BY id;
SELECT 'webhook_certificates', cert_url, md5(pem), not_after, added_at
  FROM webhook_certificates ORDER BY cert_url;
SELECT 'webhook_orders', ref, total, currency, state, amount_paid, amount_refunded, paid_at, created_at, updated_at
  FROM webhook_orders ORDER BY ref;
SELECT 'webhook_payments', id, provider, reference, external_id, order_ref, amount, currency, state,
       amount_captured, amount_refunded, refunded_reported, state_changed_at, created_at, updated_at
  FROM webhook_payments ORDER BY id;
SELECT 'webhook_events', id, provider, event_id, event_type, action, object_id, reference, payment_id,
       amount, amount_minor, currency, refund_id, cumulative, partial, occurred_at, received_at,
       md5(payload::text), status, detail, processed_at, deliveries
  FROM webhook_events ORDER BY id;
SELECT 'webhook_deliveries', id, provider, received_at, http_status, outcome, detail, event_id, event_pk,
       secret_id, path, md5(headers::text), encode(body_sha256, 'hex'), body_size, md5(body), redelivery_of
  FROM webhook_deliveries ORDER BY id;
SELECT 'webhook_refunds', id, payment_id, provider, refund_id, amount, currency, status, event_pk, created_at
  FROM webhook_refunds ORDER BY id;

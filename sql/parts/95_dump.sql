--------------------------------------------------------------------------
-- What pg_dump dumps of the extension's tables
--------------------------------------------------------------------------

-- pg_dump skips an extension's tables unless they are marked: mark every
-- table that holds the shop's configuration or data (secrets included: see
-- the README).  The seeded maps (currencies, event actions) are recreated
-- by CREATE EXTENSION and not dumped.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_providers', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_secrets', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_secrets_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_certificates', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_orders', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_payments', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_payments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_events', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_deliveries', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_deliveries_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_refunds', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_refunds_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_delivery_counts', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_subscriptions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_outbox', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_outbox_id_seq', '');

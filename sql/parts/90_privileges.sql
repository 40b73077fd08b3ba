--------------------------------------------------------------------------
-- Privileges: nothing for PUBLIC.  Trigger and internal functions are
-- not callable by PUBLIC either.
--------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_config_invalidate() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_secrets_invalidate() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_now() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_transition_allowed(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_order_state(numeric, numeric, numeric) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_order_recompute(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_payments_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_orders_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_payments_after() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_payments_inserted() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_event_apply(@extschema@.webhook_events, bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_events_apply() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_event_reapply(bigint, bool, bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_event_summary(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_providers_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_secrets_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_check_config(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_check_secret(text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_check_provider_secrets(text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_subscribe(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_unsubscribe(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_claim(text, int, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_ack(text, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_nack(text, bigint, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_retry(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_listen(text) FROM PUBLIC;

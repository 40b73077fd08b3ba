--------------------------------------------------------------------------
-- Configuration cache invalidation
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.webhook_config_invalidate() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_config_invalidate';
COMMENT ON FUNCTION @extschema@.webhook_config_invalidate() IS
    'Trigger: tells every backend that its cached providers, secrets or event map are stale.';

CREATE TRIGGER webhook_providers_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.webhook_providers
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_config_invalidate();
CREATE FUNCTION @extschema@.webhook_secrets_invalidate() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_secrets_invalidate';
COMMENT ON FUNCTION @extschema@.webhook_secrets_invalidate() IS
    'Trigger: a provider''s own secret makes every backend''s cache stale; a payment''s secret (never cached) does not, but for a provider''s first.';
CREATE TRIGGER webhook_secrets_invalidate
    AFTER INSERT OR UPDATE OR DELETE ON @extschema@.webhook_secrets
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_secrets_invalidate();
CREATE TRIGGER webhook_secrets_truncate_invalidate
    AFTER TRUNCATE ON @extschema@.webhook_secrets
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_secrets_invalidate();
CREATE TRIGGER webhook_currencies_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.webhook_currencies
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_config_invalidate();
CREATE TRIGGER webhook_event_actions_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.webhook_event_actions
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_config_invalidate();

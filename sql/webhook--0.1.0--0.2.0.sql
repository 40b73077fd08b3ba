-- webhook 0.1.0 -> 0.2.0.  ALTER EXTENSION webhook UPDATE runs this on a
-- database that has 0.1.0; afterwards its objects equal a fresh 0.2.0
-- install's (test/upgrade/ proves it).  Every schema change of 0.2.0 is
-- written here as well as in the install script, in the same order.
\echo Use "ALTER EXTENSION webhook UPDATE" to load this file. \quit

-- A provider's config change must not make one of its live secrets unusable.
CREATE FUNCTION @extschema@.webhook_check_provider_secrets(provider text, scheme text, config jsonb)
    RETURNS void LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'webhook_check_provider_secrets';
COMMENT ON FUNCTION @extschema@.webhook_check_provider_secrets(text, text, jsonb) IS
    'Raise if a secret of the provider that has not expired could not serve it under this scheme and config; the message names the secret by id and label, never by its value.';
REVOKE ALL ON FUNCTION @extschema@.webhook_check_provider_secrets(text, text, jsonb) FROM PUBLIC;
CREATE OR REPLACE FUNCTION @extschema@.webhook_providers_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.webhook_check_config(NEW.scheme, NEW.config);
    IF TG_OP = 'UPDATE' THEN
        PERFORM @extschema@.webhook_check_provider_secrets(NEW.name, NEW.scheme, NEW.config);
    END IF;
    RETURN NEW;
END
$$;

-- A payment's secrets are read on demand through an index, never cached:
-- only a provider's own secrets (and a provider's first per-payment one)
-- make the backends' caches stale.
CREATE INDEX webhook_secrets_payment_idx ON @extschema@.webhook_secrets (provider, payment_reference)
    WHERE payment_reference IS NOT NULL;
DROP TRIGGER webhook_secrets_invalidate ON @extschema@.webhook_secrets;
CREATE FUNCTION @extschema@.webhook_secrets_invalidate() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_secrets_invalidate';
COMMENT ON FUNCTION @extschema@.webhook_secrets_invalidate() IS
    'Trigger: a provider''s own secret makes every backend''s cache stale; a payment''s secret (never cached) does not, but for a provider''s first.';
REVOKE ALL ON FUNCTION @extschema@.webhook_secrets_invalidate() FROM PUBLIC;
CREATE TRIGGER webhook_secrets_invalidate
    AFTER INSERT OR UPDATE OR DELETE ON @extschema@.webhook_secrets
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_secrets_invalidate();
CREATE TRIGGER webhook_secrets_truncate_invalidate
    AFTER TRUNCATE ON @extschema@.webhook_secrets
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_secrets_invalidate();

--------------------------------------------------------------------------
-- Ingest
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.webhook_check_config(scheme text, config jsonb) RETURNS void
    LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'webhook_check_config';
COMMENT ON FUNCTION @extschema@.webhook_check_config(text, jsonb) IS
    'Raise if a provider config holds an unknown key or a value of the wrong kind for its scheme.';

CREATE FUNCTION @extschema@.webhook_check_secret(scheme text, config jsonb, secret text) RETURNS void
    LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'webhook_check_secret';
COMMENT ON FUNCTION @extschema@.webhook_check_secret(text, jsonb, text) IS
    'Raise if a secret cannot serve a provider of this scheme and config (not hex when secret_encoding is hex, ...).  The secret never appears in the message.';

CREATE FUNCTION @extschema@.webhook_check_provider_secrets(provider text, scheme text, config jsonb)
    RETURNS void LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'webhook_check_provider_secrets';
COMMENT ON FUNCTION @extschema@.webhook_check_provider_secrets(text, text, jsonb) IS
    'Raise if a secret of the provider that has not expired could not serve it under this scheme and config; the message names the secret by id and label, never by its value.';

/* BEFORE INSERT OR UPDATE on providers and secrets: refuse what ingest could not use. */
CREATE FUNCTION @extschema@.webhook_providers_check() RETURNS trigger
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
CREATE TRIGGER webhook_providers_check
    BEFORE INSERT OR UPDATE OF scheme, config ON @extschema@.webhook_providers
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_providers_check();

CREATE FUNCTION @extschema@.webhook_secrets_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_scheme text;
    v_config jsonb;
BEGIN
    -- before the table's CHECK, whose DETAIL would show the row, secret and all
    IF NEW.valid_until IS NOT NULL AND NEW.valid_until <= NEW.valid_from THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = 'a secret''s valid_until must be after its valid_from',
            DETAIL = format('valid_from is %s, valid_until is %s.', NEW.valid_from, NEW.valid_until);
    END IF;
    SELECT p.scheme, p.config INTO v_scheme, v_config
      FROM @extschema@.webhook_providers p WHERE p.name = NEW.provider;
    IF FOUND THEN
        PERFORM @extschema@.webhook_check_secret(v_scheme, v_config, NEW.secret);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER webhook_secrets_check
    BEFORE INSERT OR UPDATE OF provider, secret, valid_from, valid_until ON @extschema@.webhook_secrets
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_secrets_check();

CREATE FUNCTION @extschema@.webhook_ingest(provider text, headers jsonb, body bytea, path text DEFAULT NULL)
RETURNS jsonb LANGUAGE C CALLED ON NULL INPUT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_ingest_bytea';
CREATE FUNCTION @extschema@.webhook_ingest(provider text, headers jsonb, body text, path text DEFAULT NULL)
RETURNS jsonb LANGUAGE C CALLED ON NULL INPUT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_ingest_text';
CREATE FUNCTION @extschema@.webhook_ingest(request jsonb)
RETURNS jsonb LANGUAGE C CALLED ON NULL INPUT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_ingest_envelope';
REVOKE ALL ON FUNCTION @extschema@.webhook_ingest(text, jsonb, bytea, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_ingest(text, jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_ingest(jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_ingest(text, jsonb, bytea, text) IS
    'Verify, store and apply one webhook delivery: provider name, request headers as a JSON object, raw body, request path.  Returns {http_status, outcome, delivery_id, event_id, event_status, payment, order}.';
COMMENT ON FUNCTION @extschema@.webhook_ingest(text, jsonb, text, text) IS
    'webhook_ingest with the body as text (its UTF-8 bytes are what was signed).';
COMMENT ON FUNCTION @extschema@.webhook_ingest(jsonb) IS
    'webhook_ingest for callers that pass one JSON value: {provider, headers, path, body | body_base64}.';

CREATE FUNCTION @extschema@.webhook_apply_object(provider text, object jsonb)
RETURNS jsonb LANGUAGE C CALLED ON NULL INPUT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_apply_object';
REVOKE ALL ON FUNCTION @extschema@.webhook_apply_object(text, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_apply_object(text, jsonb) IS
    'Apply an object fetched from the provider''s API (after a fetch.<provider> message) as authoritative: the payment follows it within the state machine.  Idempotent; answered as webhook_ingest; recorded as a delivery of kind object.  Grant it to the worker, never to the ingest role.';

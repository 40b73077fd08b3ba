--------------------------------------------------------------------------
-- Administration
--------------------------------------------------------------------------

/* A jsonb summary of an event, its payment and its order. */
CREATE FUNCTION @extschema@.webhook_event_summary(p_event_pk bigint)
RETURNS jsonb LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'event_pk', e.id, 'event_id', e.event_id, 'event_status', e.status, 'detail', e.detail,
        'payment', CASE WHEN p.id IS NOT NULL THEN jsonb_build_object('reference', p.reference, 'state', p.state) END,
        'order', CASE WHEN o.ref IS NOT NULL THEN jsonb_build_object('ref', o.ref, 'state', o.state) END))
      FROM @extschema@.webhook_events e
      LEFT JOIN @extschema@.webhook_payments p ON p.id = e.payment_id
      LEFT JOIN @extschema@.webhook_orders o ON o.ref = p.order_ref
     WHERE e.id = p_event_pk
$$;
COMMENT ON FUNCTION @extschema@.webhook_event_summary(bigint) IS
    'A jsonb summary of an event, its payment and its order, as webhook_reprocess returns it.';

CREATE FUNCTION @extschema@.webhook_reprocess(event_pk bigint)
RETURNS jsonb LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ev @extschema@.webhook_events;
BEGIN
    SELECT * INTO ev FROM @extschema@.webhook_events e WHERE e.id = event_pk FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'event % does not exist', event_pk USING ERRCODE = 'no_data_found';
    END IF;
    IF ev.status NOT IN ('unmatched', 'held', 'failed') THEN
        RAISE EXCEPTION 'event % is %, not parked, held or failed', event_pk, ev.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only unmatched, held and failed events can be reprocessed.';
    END IF;
    PERFORM @extschema@.webhook_event_reapply(ev.id, ev.status = 'held', false);
    RETURN @extschema@.webhook_event_summary(ev.id);
END
$$;
REVOKE ALL ON FUNCTION @extschema@.webhook_reprocess(bigint) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_reprocess(bigint) IS
    'Apply a parked (unmatched), held or failed event again.  A held event is applied despite its mismatch, with detail amount_mismatch.';

CREATE FUNCTION @extschema@.webhook_add_secret(provider text, secret text, label text DEFAULT NULL,
                                               payment_reference text DEFAULT NULL,
                                               valid_until timestamptz DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    IF provider IS NULL OR secret IS NULL OR secret = '' THEN
        RAISE EXCEPTION 'provider and secret must not be null or empty' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.webhook_secrets AS s (provider, secret, label, payment_reference, valid_until)
    VALUES (webhook_add_secret.provider, webhook_add_secret.secret, webhook_add_secret.label,
            webhook_add_secret.payment_reference, webhook_add_secret.valid_until)
    RETURNING s.id INTO v_id;
    RETURN v_id;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.webhook_add_secret(text, text, text, text, timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_add_secret(text, text, text, text, timestamptz) IS
    'Add a secret to a provider (label: the registration id; payment_reference: a per-payment secret); returns its id.';

/*
 * An unknown scheme is refused by the providers' trigger: webhook_check_config
 * raises, its hint listing the registry's schemes.
 */
CREATE FUNCTION @extschema@.webhook_add_provider(name text, scheme text, secret text DEFAULT NULL,
                                                 config jsonb DEFAULT '{}')
RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF name IS NULL OR scheme IS NULL THEN
        RAISE EXCEPTION 'name and scheme must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.webhook_providers (name, scheme, config)
    VALUES (webhook_add_provider.name, webhook_add_provider.scheme, coalesce(webhook_add_provider.config, '{}'));
    IF secret IS NOT NULL THEN
        PERFORM @extschema@.webhook_add_secret(webhook_add_provider.name, webhook_add_provider.secret);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.webhook_add_provider(text, text, text, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_add_provider(text, text, text, jsonb) IS
    'Register a provider with its scheme, first secret and config.';

CREATE FUNCTION @extschema@.webhook_rotate_secret(provider text, new_secret text,
                                                  overlap interval DEFAULT '24 hours')
RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_until timestamptz := @extschema@.webhook_now() + coalesce(overlap, interval '0');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.webhook_providers p WHERE p.name = provider) THEN
        RAISE EXCEPTION 'provider "%" does not exist', provider USING ERRCODE = 'no_data_found';
    END IF;
    -- The provider-wide secrets still valid stop at the end of the overlap.
    UPDATE @extschema@.webhook_secrets s
       SET valid_until = greatest(v_until, s.valid_from + interval '1 microsecond')
     WHERE s.provider = webhook_rotate_secret.provider AND s.payment_reference IS NULL
       AND (s.valid_until IS NULL OR s.valid_until > v_until);
    RETURN @extschema@.webhook_add_secret(provider, new_secret);
END
$$;
REVOKE ALL ON FUNCTION @extschema@.webhook_rotate_secret(text, text, interval) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_rotate_secret(text, text, interval) IS
    'Add a new secret and let the provider''s current secrets expire after overlap; returns the new secret''s id.';

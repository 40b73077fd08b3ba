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

-- A payment insert applies the events parked for it once per statement,
-- over the inserted rows, and moves an order only for a payment that has
-- one: a bulk load runs no trigger per row but the guard.
CREATE FUNCTION @extschema@.webhook_payments_inserted() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_payments_inserted';
REVOKE ALL ON FUNCTION @extschema@.webhook_payments_inserted() FROM PUBLIC;
DROP TRIGGER webhook_payments_after ON @extschema@.webhook_payments;
CREATE TRIGGER webhook_payments_after
    AFTER UPDATE OR DELETE ON @extschema@.webhook_payments
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_payments_after();
CREATE TRIGGER webhook_payments_after_insert
    AFTER INSERT ON @extschema@.webhook_payments
    FOR EACH ROW WHEN (NEW.order_ref IS NOT NULL) EXECUTE FUNCTION @extschema@.webhook_payments_after();
CREATE TRIGGER webhook_payments_inserted
    AFTER INSERT ON @extschema@.webhook_payments
    REFERENCING NEW TABLE AS webhook_new_payments
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_payments_inserted();
ALTER TABLE @extschema@.webhook_payments ALTER COLUMN state_changed_at SET DEFAULT pg_catalog.now();
DROP TRIGGER webhook_payments_guard ON @extschema@.webhook_payments;
CREATE TRIGGER webhook_payments_guard
    BEFORE UPDATE ON @extschema@.webhook_payments
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_payments_guard();

-- webhook_stats reads counts that ingest keeps (src/stats.c) instead of every
-- delivery and event.  The counts start from the deliveries stored now: slot 0,
-- a delivery counting as a new event when it is the first to name its event.
CREATE TABLE @extschema@.webhook_delivery_counts (
    provider    text NOT NULL,
    day         date NOT NULL,
    outcome     text NOT NULL,
    http_status int NOT NULL,
    slot        int NOT NULL,
    deliveries  bigint NOT NULL,
    events      bigint NOT NULL,
    last_at     timestamptz NOT NULL,
    PRIMARY KEY (provider, day, outcome, http_status, slot)
);
COMMENT ON TABLE @extschema@.webhook_delivery_counts IS
    'Deliveries counted as they are recorded, by provider, UTC day, outcome, HTTP status and slot: what webhook_stats and webhook_stats_daily read.  Deleting deliveries or purging them lowers nothing here.';
COMMENT ON COLUMN @extschema@.webhook_delivery_counts.day IS 'The UTC date of the deliveries'' received_at.';
COMMENT ON COLUMN @extschema@.webhook_delivery_counts.slot IS
    'The id of the backend that counted them (plus a multiple of max backends when its row was busy), so that concurrent sessions never write the same row; 0 once a past day''s rows are folded into one, and for the counts seeded from the deliveries stored when the extension was updated to 0.2.0.';
COMMENT ON COLUMN @extschema@.webhook_delivery_counts.events IS 'How many of these deliveries stored a new event.';
COMMENT ON COLUMN @extschema@.webhook_delivery_counts.last_at IS 'The latest received_at among them.';
INSERT INTO @extschema@.webhook_delivery_counts
       (provider, day, outcome, http_status, slot, deliveries, events, last_at)
SELECT d.provider, (d.received_at AT TIME ZONE 'UTC')::date, d.outcome, d.http_status, 0,
       count(*), count(*) FILTER (WHERE d.stored_event), max(d.received_at)
  FROM (SELECT provider, received_at, outcome, http_status,
               event_pk IS NOT NULL AND outcome <> 'duplicate'
               AND id = min(id) OVER (PARTITION BY event_pk) AS stored_event
          FROM @extschema@.webhook_deliveries WHERE provider IS NOT NULL) d
 GROUP BY 1, 2, 3, 4;
CREATE OR REPLACE VIEW @extschema@.webhook_stats AS
SELECT coalesce(p.name, d.provider) AS provider,
       coalesce(d.deliveries, 0) AS deliveries,
       coalesce(d.events, 0) AS events,
       coalesce(d.duplicates, 0) AS duplicates,
       coalesce(d.rejections, 0) AS rejections,
       coalesce(d.rejections_by_outcome, '{}'::jsonb) AS rejections_by_outcome,
       coalesce(e.failed, 0) AS failed,
       coalesce(e.parked, 0) AS parked,
       coalesce(e.held, 0) AS held,
       d.last_delivery_at
  FROM @extschema@.webhook_providers p
  FULL JOIN (SELECT x.provider, sum(x.n)::bigint AS deliveries, sum(x.events)::bigint AS events,
                    sum(x.n) FILTER (WHERE x.outcome = 'duplicate')::bigint AS duplicates,
                    sum(x.n) FILTER (WHERE x.rejected)::bigint AS rejections,
                    pg_catalog.jsonb_object_agg(x.outcome, x.n) FILTER (WHERE x.rejected) AS rejections_by_outcome,
                    max(x.last_at) AS last_delivery_at
               FROM (SELECT provider, outcome,
                            http_status BETWEEN 400 AND 499 OR outcome = 'unknown_certificate' AS rejected,
                            sum(deliveries) AS n, sum(events) AS events, max(last_at) AS last_at
                       FROM @extschema@.webhook_delivery_counts GROUP BY 1, 2, 3) x
              GROUP BY x.provider) d ON d.provider = p.name
  LEFT JOIN (SELECT provider,
                    count(*) FILTER (WHERE status = 'failed') AS failed,
                    count(*) FILTER (WHERE status = 'unmatched') AS parked,
                    count(*) FILTER (WHERE status = 'held') AS held
               FROM @extschema@.webhook_events WHERE status IN ('unmatched', 'held', 'failed')
              GROUP BY provider) e ON e.provider = coalesce(p.name, d.provider);
COMMENT ON VIEW @extschema@.webhook_stats IS
    'Per provider: deliveries, events, duplicates, rejections (4xx and unknown_certificate) by outcome, from webhook_delivery_counts; failed, parked and held events as they are now; the last delivery.';

CREATE VIEW @extschema@.webhook_stats_daily AS
SELECT x.provider, x.day,
       sum(x.n)::bigint AS deliveries,
       sum(x.events)::bigint AS events,
       coalesce(sum(x.n) FILTER (WHERE x.outcome = 'duplicate'), 0)::bigint AS duplicates,
       coalesce(sum(x.n) FILTER (WHERE x.rejected), 0)::bigint AS rejections,
       coalesce(pg_catalog.jsonb_object_agg(x.outcome, x.n) FILTER (WHERE x.rejected), '{}'::jsonb) AS rejections_by_outcome,
       max(x.last_at) AS last_delivery_at
  FROM (SELECT provider, day, outcome,
               http_status BETWEEN 400 AND 499 OR outcome = 'unknown_certificate' AS rejected,
               sum(deliveries) AS n, sum(events) AS events, max(last_at) AS last_at
          FROM @extschema@.webhook_delivery_counts GROUP BY 1, 2, 3, 4) x
 GROUP BY x.provider, x.day;
COMMENT ON VIEW @extschema@.webhook_stats_daily IS
    'Per provider and UTC day: deliveries, events, duplicates, rejections (4xx and unknown_certificate) by outcome, the last delivery; from webhook_delivery_counts.';
REVOKE ALL ON @extschema@.webhook_delivery_counts FROM PUBLIC;
REVOKE ALL ON @extschema@.webhook_stats_daily FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_delivery_counts', '');

-- The functions that take secrets or request headers log their errors
-- without the statement (log_min_error_statement pinned to panic); the
-- signing and verifying helpers become SECURITY DEFINER so that the pin
-- applies for every caller.  See the install script.
ALTER FUNCTION @extschema@.webhook_ingest(text, jsonb, bytea, text) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_ingest(text, jsonb, text, text) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_ingest(jsonb) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_add_provider(text, text, text, jsonb) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_add_secret(text, text, text, text, timestamptz) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_rotate_secret(text, text, interval) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_redeliver(bigint) SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.bytea, pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_hmac(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.int8)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.int8)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.bytea, pg_catalog.text, pg_catalog.text, pg_catalog.int4)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_verify_stripe(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.int4)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_standard(bytea, text, text, bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_standard(text, text, text, bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_vipps(bytea, text, text, text, text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;
ALTER FUNCTION @extschema@.webhook_sign_vipps(text, text, text, text, text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET log_min_error_statement = panic;

-- A secret whose validity ends before it begins is refused before the
-- table's CHECK, whose DETAIL would show the row, secret and all.
CREATE OR REPLACE FUNCTION @extschema@.webhook_secrets_check() RETURNS trigger
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
DROP TRIGGER webhook_secrets_check ON @extschema@.webhook_secrets;
CREATE TRIGGER webhook_secrets_check
    BEFORE INSERT OR UPDATE OF provider, secret, valid_from, valid_until ON @extschema@.webhook_secrets
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_secrets_check();

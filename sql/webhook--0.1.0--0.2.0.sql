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

-- The text form of each signing and verifying helper is now the C function
-- of its bytea form, which tells the two apart by its argument types: the
-- library has no webhook_*_text symbols any more.  CREATE OR REPLACE keeps
-- the owner, the grants and the comment, and resets SECURITY DEFINER and
-- the SET clauses, which the ALTER FUNCTIONs below set.
CREATE OR REPLACE FUNCTION @extschema@.webhook_hmac(message pg_catalog.text, secret pg_catalog.text,
                                                    algorithm pg_catalog.text DEFAULT 'sha256')
RETURNS pg_catalog.bytea LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_hmac';
CREATE OR REPLACE FUNCTION @extschema@.webhook_sign_hmac(body pg_catalog.text, secret pg_catalog.text,
                                                         algorithm pg_catalog.text DEFAULT 'sha256',
                                                         encoding pg_catalog.text DEFAULT 'hex')
RETURNS pg_catalog.text LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_hmac';
CREATE OR REPLACE FUNCTION @extschema@.webhook_verify_hmac(message pg_catalog.text, secret pg_catalog.text,
                                                           signature pg_catalog.text,
                                                           algorithm pg_catalog.text DEFAULT 'sha256',
                                                           encoding pg_catalog.text DEFAULT 'hex')
RETURNS pg_catalog.bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_hmac';
CREATE OR REPLACE FUNCTION @extschema@.webhook_sign_stripe(body pg_catalog.text, secret pg_catalog.text,
                                                           ts pg_catalog.int8 DEFAULT NULL)
RETURNS pg_catalog.text LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_stripe';
CREATE OR REPLACE FUNCTION @extschema@.webhook_verify_stripe(body pg_catalog.text,
                                                             signature_header pg_catalog.text,
                                                             secret pg_catalog.text,
                                                             tolerance_seconds pg_catalog.int4 DEFAULT 300)
RETURNS pg_catalog.bool LANGUAGE C VOLATILE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_stripe';
CREATE OR REPLACE FUNCTION @extschema@.webhook_sign_standard(body text, secret text, msg_id text, ts bigint DEFAULT NULL)
RETURNS text LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_standard';
CREATE OR REPLACE FUNCTION @extschema@.webhook_sign_vipps(body text, secret text, path text, host text, date text DEFAULT NULL)
RETURNS jsonb LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign_vipps';
-- not SECURITY DEFINER and without settings, in 0.1.0 as in 0.2.0
CREATE OR REPLACE FUNCTION @extschema@.webhook_verify_paypal(body pg_catalog.text,
                                                             transmission_id pg_catalog.text,
                                                             transmission_time pg_catalog.text,
                                                             webhook_id pg_catalog.text,
                                                             signature pg_catalog.text,
                                                             pem pg_catalog.text)
RETURNS pg_catalog.bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_verify_paypal';

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

--------------------------------------------------------------------------
-- The outbox: the shop's own code follows every change
--------------------------------------------------------------------------

/*
 * A consumer (a worker of the shop: receipts, fulfilment, invoices) and the
 * topics it wants.  While no row is here, no message is written.
 */
CREATE TABLE @extschema@.webhook_subscriptions (
    consumer   text PRIMARY KEY,
    topics     text[] NOT NULL DEFAULT '{*}',
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT webhook_subscriptions_consumer_check
        CHECK (consumer <> '' AND pg_catalog.length(consumer) <= 200),
    CONSTRAINT webhook_subscriptions_topics_check
        CHECK (pg_catalog.cardinality(topics) > 0 AND pg_catalog.array_position(topics, NULL) IS NULL)
);
COMMENT ON TABLE @extschema@.webhook_subscriptions IS
    'Consumers of the outbox and their topics (payment.captured, payment.*, *).  Changed by webhook_subscribe and webhook_unsubscribe.';

/*
 * One row per change and subscribed consumer, written by the C code that
 * makes the change, in its transaction (src/outbox.c).  payment_id keeps
 * each payment's messages in order for webhook_outbox_claim.
 */
CREATE TABLE @extschema@.webhook_outbox (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    consumer     text NOT NULL,
    topic        text NOT NULL,
    payload      jsonb NOT NULL,
    payment_id   bigint,
    status       text NOT NULL DEFAULT 'ready',
    attempts     int NOT NULL DEFAULT 0,
    available_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    leased_until timestamptz,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    done_at      timestamptz,
    last_error   text,
    CONSTRAINT webhook_outbox_status_check CHECK (status IN ('ready', 'leased', 'done', 'dead'))
);
-- what a claim reads: the consumer's pending messages, oldest first ...
CREATE INDEX webhook_outbox_pending_idx ON @extschema@.webhook_outbox (consumer, id)
    WHERE status IN ('ready', 'leased');
-- ... and whether an earlier message of the same payment is still pending
CREATE INDEX webhook_outbox_payment_idx ON @extschema@.webhook_outbox (consumer, payment_id, id)
    WHERE status IN ('ready', 'leased');
CREATE INDEX webhook_outbox_dead_idx ON @extschema@.webhook_outbox (consumer, id)
    WHERE status = 'dead';
CREATE INDEX webhook_outbox_done_idx ON @extschema@.webhook_outbox (done_at)
    WHERE status = 'done';
-- A queue: every message is updated twice soon after it is written.
-- Vacuumed and analyzed by the changes, not by a fraction of the table,
-- so the claims' index keeps few dead entries and the plans know it.
ALTER TABLE @extschema@.webhook_outbox SET (autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 10000, autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 10000);
COMMENT ON TABLE @extschema@.webhook_outbox IS
    'One message per change of a payment or an order, or failed or held event, and per subscribed consumer, written in the transaction of the change.  The id is the idempotency key of effects outside the database.';
COMMENT ON COLUMN @extschema@.webhook_outbox.payment_id IS
    'The payment the message is about: webhook_outbox_claim hands out a payment''s messages one at a time, in order.';
COMMENT ON COLUMN @extschema@.webhook_outbox.status IS
    'ready (waiting, from available_at), leased (claimed until leased_until), done (acknowledged), dead (webhook.outbox_max_attempts claims failed; webhook_outbox_retry makes it ready).';
COMMENT ON COLUMN @extschema@.webhook_outbox.attempts IS 'How many times the message was claimed.';

CREATE TRIGGER webhook_subscriptions_invalidate
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.webhook_subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.webhook_config_invalidate();

CREATE FUNCTION @extschema@.webhook_subscribe(consumer text, topics text[] DEFAULT '{*}')
RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
BEGIN
    IF consumer IS NULL OR topics IS NULL THEN
        RAISE EXCEPTION 'consumer and topics must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT FROM unnest(topics) t WHERE t IS NULL OR t !~ '^([a-z_]+(\.[a-z_]+)*(\.\*)?|\*)$') THEN
        RAISE EXCEPTION 'invalid topics %', topics USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A topic is payment.<state>, order.<state>, event.failed or event.held; a trailing * matches the rest (payment.*, *).';
    END IF;
    INSERT INTO @extschema@.webhook_subscriptions AS s (consumer, topics)
    VALUES (consumer, topics)
    ON CONFLICT ON CONSTRAINT webhook_subscriptions_pkey
    DO UPDATE SET topics = EXCLUDED.topics WHERE s.topics IS DISTINCT FROM EXCLUDED.topics;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_subscribe(text, text[]) IS
    'Subscribe a consumer to topics (payment.captured, payment.*, order.paid, event.failed, *): every change committed after this commits writes it a message.  Idempotent; replaces the topics.';

CREATE FUNCTION @extschema@.webhook_unsubscribe(consumer text)
RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    v_dropped bigint;
BEGIN
    DELETE FROM @extschema@.webhook_subscriptions s WHERE s.consumer = consumer;
    DELETE FROM @extschema@.webhook_outbox o WHERE o.consumer = consumer AND o.status <> 'done';
    GET DIAGNOSTICS v_dropped = ROW_COUNT;
    RETURN v_dropped;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_unsubscribe(text) IS
    'Drop a consumer and its messages not yet done (ready, leased, dead); returns how many messages it dropped.  Done messages stay until webhook_purge.';

/*
 * Claims come oldest first, with SKIP LOCKED: concurrent workers never get
 * the same message.  A message whose payment has an earlier message still
 * ready or leased for this consumer waits for it, so a consumer sees each
 * payment's changes in order, one claim at a time; a dead message no
 * longer holds the payment's later ones back.  A lease that ran out after
 * the last attempt makes the message dead.
 */
CREATE FUNCTION @extschema@.webhook_outbox_claim(consumer text, max_messages int DEFAULT 100,
                                                 lease interval DEFAULT '5 minutes')
RETURNS TABLE (id bigint, topic text, payload jsonb, attempts int, created_at timestamptz)
LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_max int := coalesce(nullif(current_setting('webhook.outbox_max_attempts', true), ''), '10')::int;
BEGIN
    IF webhook_outbox_claim.lease IS NULL OR webhook_outbox_claim.lease <= interval '0'
       OR webhook_outbox_claim.max_messages IS NULL OR webhook_outbox_claim.max_messages < 1 THEN
        RAISE EXCEPTION 'max_messages must be at least 1 and lease a positive interval'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    -- The consumer as a range, and ordered by: so that the plan walks
    -- webhook_outbox_pending_idx, whatever the statistics say (an equality
    -- would let the primary key's order serve, reading every done message).
    WITH c AS (
        SELECT o.id
          FROM @extschema@.webhook_outbox o
         WHERE o.consumer >= webhook_outbox_claim.consumer AND o.consumer <= webhook_outbox_claim.consumer
           AND o.status IN ('ready', 'leased')
           AND CASE o.status WHEN 'ready' THEN o.available_at <= now() ELSE o.leased_until <= now() END
           AND (o.payment_id IS NULL OR NOT EXISTS (
                SELECT FROM @extschema@.webhook_outbox e
                 WHERE e.consumer = o.consumer AND e.payment_id = o.payment_id
                   AND e.id < o.id AND e.status IN ('ready', 'leased')))
         ORDER BY o.consumer, o.id
         LIMIT webhook_outbox_claim.max_messages
           FOR UPDATE OF o SKIP LOCKED
    ), u AS (
        -- a lease that ran out after the last attempt: dead, not handed out
        UPDATE @extschema@.webhook_outbox o
           SET status = CASE WHEN o.status = 'leased' AND o.attempts >= v_max THEN 'dead' ELSE 'leased' END,
               attempts = CASE WHEN o.status = 'leased' AND o.attempts >= v_max THEN o.attempts ELSE o.attempts + 1 END,
               leased_until = CASE WHEN o.status = 'leased' AND o.attempts >= v_max THEN NULL
                                   ELSE now() + webhook_outbox_claim.lease END,
               last_error = CASE WHEN o.status = 'leased' AND o.attempts >= v_max
                                 THEN coalesce(o.last_error || '; ', '') || 'lease ran out after the last attempt'
                                 ELSE o.last_error END
          FROM c
         WHERE o.id = c.id
        RETURNING o.id, o.topic, o.payload, o.attempts, o.created_at, o.status
    )
    SELECT u.id, u.topic, u.payload, u.attempts, u.created_at FROM u WHERE u.status = 'leased' ORDER BY u.id;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_outbox_claim(text, int, interval) IS
    'Lease up to max_messages ready messages of a consumer, oldest first, at most one per payment and none while an earlier one of its payment is pending; raises attempts.  Concurrent claims never share a message.';

CREATE FUNCTION @extschema@.webhook_outbox_ack(consumer text, ids bigint[])
RETURNS int LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    v_done int;
BEGIN
    UPDATE @extschema@.webhook_outbox o
       SET status = 'done', done_at = now(), leased_until = NULL
     WHERE o.consumer = consumer AND o.id = ANY (ids) AND o.status = 'leased';
    GET DIAGNOSTICS v_done = ROW_COUNT;
    RETURN v_done;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_outbox_ack(text, bigint[]) IS
    'Mark leased messages done; returns how many.  Acknowledged in the transaction of the effect, a message whose effect is on this database takes effect exactly once: roll back when this counts fewer than acknowledged.';

CREATE FUNCTION @extschema@.webhook_outbox_nack(consumer text, id bigint, error text,
                                                retry_in interval DEFAULT NULL)
RETURNS text LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
DECLARE
    v_max int := coalesce(nullif(current_setting('webhook.outbox_max_attempts', true), ''), '10')::int;
    v_status text;
BEGIN
    IF retry_in < interval '0' THEN
        RAISE EXCEPTION 'retry_in must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE @extschema@.webhook_outbox o
       SET status = CASE WHEN o.attempts >= v_max THEN 'dead' ELSE 'ready' END,
           available_at = now() + coalesce(retry_in,
                              least(interval '1 second' * power(2, least(o.attempts, 12)), interval '1 hour')),
           leased_until = NULL,
           last_error = left(error, 4000)
     WHERE o.consumer = consumer AND o.id = id AND o.status = 'leased'
    RETURNING o.status INTO v_status;
    RETURN v_status;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_outbox_nack(text, bigint, text, interval) IS
    'Give a leased message back with its error: ready again after retry_in (default 2^attempts seconds, at most an hour), or dead once claimed webhook.outbox_max_attempts times.  Returns the new status, NULL when the consumer holds no such lease.';

CREATE FUNCTION @extschema@.webhook_outbox_retry(id bigint)
RETURNS boolean LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_variable
BEGIN
    UPDATE @extschema@.webhook_outbox o
       SET status = 'ready', attempts = 0, available_at = now()
     WHERE o.id = id AND o.status = 'dead';
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_outbox_retry(bigint) IS
    'Make a dead message ready again, with its attempts reset; false when it is not dead.';

CREATE FUNCTION @extschema@.webhook_listen(channel text DEFAULT 'webhook_outbox')
RETURNS void LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_listen';
COMMENT ON FUNCTION @extschema@.webhook_listen(text) IS
    'LISTEN on webhook_outbox or webhook_payment in this session (from its commit), and have both sent while the session lasts: with no session listening this way, no change notifies and commits stay parallel.';

CREATE VIEW @extschema@.webhook_outbox_dead AS
SELECT o.id, o.consumer, o.topic, o.payload, o.attempts, o.last_error, o.created_at
  FROM @extschema@.webhook_outbox o
 WHERE o.status = 'dead';
COMMENT ON VIEW @extschema@.webhook_outbox_dead IS
    'Messages no worker could handle in webhook.outbox_max_attempts claims; webhook_outbox_retry(id) makes one ready again.';

CREATE VIEW @extschema@.webhook_outbox_lag AS
SELECT s.consumer, s.topics,
       (SELECT count(*) FROM @extschema@.webhook_outbox o
         WHERE o.consumer = s.consumer AND o.status = 'ready') AS ready,
       (SELECT count(*) FROM @extschema@.webhook_outbox o
         WHERE o.consumer = s.consumer AND o.status = 'leased') AS leased,
       (SELECT count(*) FROM @extschema@.webhook_outbox o
         WHERE o.consumer = s.consumer AND o.status = 'dead') AS dead,
       p.oldest_ready_at,
       now() - p.oldest_ready_at AS lag
  FROM @extschema@.webhook_subscriptions s
  LEFT JOIN LATERAL (SELECT o.created_at AS oldest_ready_at FROM @extschema@.webhook_outbox o
                      WHERE o.consumer = s.consumer AND o.status IN ('ready', 'leased')
                      ORDER BY o.id LIMIT 1) p ON true;
COMMENT ON VIEW @extschema@.webhook_outbox_lag IS
    'Per consumer: messages ready, leased and dead, and the oldest not yet done (its age is the lag).  Reads the partial indexes: costs what is pending, not the outbox''s history.';

REVOKE ALL ON FUNCTION @extschema@.webhook_subscribe(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_unsubscribe(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_claim(text, int, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_ack(text, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_nack(text, bigint, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_outbox_retry(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.webhook_listen(text) FROM PUBLIC;
REVOKE ALL ON @extschema@.webhook_subscriptions, @extschema@.webhook_outbox,
              @extschema@.webhook_outbox_dead, @extschema@.webhook_outbox_lag FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_subscriptions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_outbox', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.webhook_outbox_id_seq', '');

-- webhook_purge also deletes outbox messages done long ago.
CREATE OR REPLACE FUNCTION @extschema@.webhook_purge(older_than interval)
RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cutoff timestamptz := now() - older_than;
    v_deliveries bigint;
    v_events bigint;
    v_messages bigint;
BEGIN
    IF older_than IS NULL OR older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE @extschema@.webhook_deliveries d SET body = NULL, headers = NULL
     WHERE d.received_at < v_cutoff AND (d.body IS NOT NULL OR d.headers IS NOT NULL);
    GET DIAGNOSTICS v_deliveries = ROW_COUNT;
    UPDATE @extschema@.webhook_events e SET payload = NULL
     WHERE e.received_at < v_cutoff AND e.payload IS NOT NULL
       AND e.status NOT IN ('unmatched', 'held', 'failed');
    GET DIAGNOSTICS v_events = ROW_COUNT;
    DELETE FROM @extschema@.webhook_outbox o WHERE o.status = 'done' AND o.done_at < v_cutoff;
    GET DIAGNOSTICS v_messages = ROW_COUNT;
    RETURN v_deliveries + v_events + v_messages;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.webhook_purge(interval) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_purge(interval) IS
    'Drop the bodies and headers of deliveries and the payloads of settled events received more than older_than ago (ids, outcomes, hashes and amounts stay), and delete outbox messages done more than older_than ago.  Returns the number of rows purged.';


-- per provider and status, for monitoring: an index-only count of the
-- parked, held and failed events (they are few; the events table is not)
CREATE INDEX webhook_events_parked_idx ON @extschema@.webhook_events (provider, status, received_at)
    WHERE status IN ('unmatched', 'held', 'failed');
CREATE VIEW @extschema@.webhook_parked_counts AS
SELECT e.provider, e.status, pg_catalog.count(*) AS events,
       pg_catalog.min(e.received_at) AS oldest_received_at,
       pg_catalog.now() - pg_catalog.min(e.received_at) AS oldest_waiting
  FROM @extschema@.webhook_events e
 WHERE e.status IN ('unmatched', 'held', 'failed')
 GROUP BY e.provider, e.status;
COMMENT ON VIEW @extschema@.webhook_parked_counts IS
    'Per provider and status: how many events are unmatched, held or failed, and how long the oldest has waited (what a monitor scrapes; webhook_parked_events lists them).';
REVOKE ALL ON @extschema@.webhook_parked_counts FROM PUBLIC;

-- Any scheme of the registry, as webhook_ingest's verification judges it
-- (src/ingest.c): the scheme's own verify with one secret.
CREATE FUNCTION @extschema@.webhook_verify(scheme pg_catalog.text, headers pg_catalog.jsonb,
                                           body pg_catalog.bytea, secret pg_catalog.text,
                                           config pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.bool LANGUAGE C VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'webhook_verify';
REVOKE ALL ON FUNCTION @extschema@.webhook_verify(pg_catalog.text, pg_catalog.jsonb, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_verify(pg_catalog.text, pg_catalog.jsonb, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) IS
    'Whether headers and body verify for scheme with secret (NULL for paypal) and config, as webhook_ingest would judge them (tolerance 300 seconds, webhook.clock_override honoured).  False for a missing or malformed header, a secret that cannot serve the scheme, or a signature that does not verify.';

-- The headers a sender of any scheme sends (src/ingest.c, through the
-- registry): what webhook_ingest and webhook_verify then accept.
CREATE FUNCTION @extschema@.webhook_sign(scheme pg_catalog.text, body pg_catalog.bytea,
                                         secret pg_catalog.text,
                                         options pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.jsonb LANGUAGE C VOLATILE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_sign';
REVOKE ALL ON FUNCTION @extschema@.webhook_sign(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_sign(pg_catalog.text, pg_catalog.bytea, pg_catalog.text, pg_catalog.jsonb) IS
    'The headers a sender of scheme sends for body signed with secret.  options: the scheme''s signing inputs (a timestamp, a message or event id, a URL) and its config keys, as README "Functions" lists them.  A scheme whose provider signs with a key the shop does not hold cannot sign here.';

-- The scheme registry (src/schemes.c): the providers' CHECK asks it instead
-- of listing the schemes, and webhook_add_provider leaves an unknown scheme
-- to the providers' trigger (webhook_check_config, whose hint lists the
-- registry's schemes).
CREATE FUNCTION @extschema@.webhook_schemes() RETURNS text[]
    LANGUAGE C STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'webhook_schemes';
COMMENT ON FUNCTION @extschema@.webhook_schemes() IS
    'The signature schemes the library knows, in the registry''s order: what webhook_providers.scheme may be.';
REVOKE ALL ON FUNCTION @extschema@.webhook_schemes() FROM PUBLIC;
CREATE FUNCTION @extschema@.webhook_scheme_known(scheme text) RETURNS boolean
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'webhook_scheme_known';
COMMENT ON FUNCTION @extschema@.webhook_scheme_known(text) IS
    'Whether scheme is one of webhook_schemes(): the CHECK of webhook_providers.scheme.';
REVOKE ALL ON FUNCTION @extschema@.webhook_scheme_known(text) FROM PUBLIC;
ALTER TABLE @extschema@.webhook_providers
    DROP CONSTRAINT webhook_providers_scheme_check,
    ADD CONSTRAINT webhook_providers_scheme_known CHECK (@extschema@.webhook_scheme_known(scheme));
COMMENT ON COLUMN @extschema@.webhook_providers.scheme IS
    'A scheme of the registry (webhook_schemes()): how deliveries are verified and read.';
CREATE OR REPLACE FUNCTION @extschema@.webhook_add_provider(name text, scheme text, secret text DEFAULT NULL,
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
-- CREATE OR REPLACE resets the function's settings: its secret argument stays out of the log
ALTER FUNCTION @extschema@.webhook_add_provider(text, text, text, jsonb) SET log_min_error_statement = panic;

-- The seeds of schemes authorizenet and mollie (sql/parts/schemes/).
INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('authorizenet', 'net.authorize.payment.authorization.created', 'authorize'),
    ('authorizenet', 'net.authorize.payment.authcapture.created', 'capture'),
    ('authorizenet', 'net.authorize.payment.capture.created', 'capture'),
    ('authorizenet', 'net.authorize.payment.priorAuthCapture.created', 'capture'),
    ('authorizenet', 'net.authorize.payment.refund.created', 'refund'),
    ('authorizenet', 'net.authorize.payment.void.created', 'cancel'),
    ('authorizenet', 'net.authorize.payment.fraud.held', 'pending'),
    ('authorizenet', 'net.authorize.payment.fraud.approved', 'authorize'),
    ('authorizenet', 'net.authorize.payment.fraud.declined', 'fail');
INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('mollie', 'payment.pending', 'pending'),
    ('mollie', 'payment.authorized', 'authorize'),
    ('mollie', 'payment.paid', 'capture'),
    ('mollie', 'payment.failed', 'fail'),
    ('mollie', 'payment.canceled', 'cancel'),
    ('mollie', 'payment.expired', 'cancel'),
    ('mollie', 'payment-link.paid', 'capture'),
    ('mollie', 'refund.queued', 'ignore'),
    ('mollie', 'refund.pending', 'ignore'),
    ('mollie', 'refund.processing', 'ignore'),
    ('mollie', 'refund.refunded', 'refund'),
    ('mollie', 'refund.failed', 'ignore'),
    ('mollie', 'refund.canceled', 'ignore');

-- A delivery may carry several events (Adyen, GoCardless): the row counts
-- them (deliveries recorded by 0.1.0 keep NULL); and it may be an object
-- the shop fetched (webhook_apply_object).  Neither rewrites the table.
ALTER TABLE @extschema@.webhook_deliveries ADD COLUMN event_count int;
ALTER TABLE @extschema@.webhook_deliveries ADD COLUMN kind text NOT NULL DEFAULT 'webhook';
COMMENT ON COLUMN @extschema@.webhook_deliveries.kind IS
    'webhook: a webhook_ingest call; object: an object the shop fetched from the provider, passed to webhook_apply_object.';
COMMENT ON COLUMN @extschema@.webhook_deliveries.event_count IS
    'How many events the delivery carried (several for Adyen or GoCardless batches), once verified; 0 for a delivery refused or carrying none; NULL for deliveries recorded before 0.2.0.';

--------------------------------------------------------------------------
-- Seeds of scheme adyen: the action of each eventCode of Adyen's standard
-- webhooks (an item whose success is "false" changes nothing, but an
-- AUTHORISATION refused fails its payment: src/schemes/adyen.c).
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('adyen', 'PENDING', 'pending'),
    ('adyen', 'AUTHORISATION', 'authorize'),
    ('adyen', 'CAPTURE', 'capture'),
    ('adyen', 'CAPTURE_FAILED', 'ignore'),
    ('adyen', 'CANCELLATION', 'cancel'),
    ('adyen', 'OFFER_CLOSED', 'cancel'),
    ('adyen', 'AUTHORISATION_ADJUSTMENT', 'ignore'),
    ('adyen', 'REFUND', 'refund'),
    ('adyen', 'CANCEL_OR_REFUND', 'refund'),
    ('adyen', 'REFUND_FAILED', 'ignore'),
    ('adyen', 'REFUNDED_REVERSED', 'ignore'),
    ('adyen', 'CHARGEBACK', 'refund'),
    ('adyen', 'CHARGEBACK_REVERSED', 'ignore'),
    ('adyen', 'REPORT_AVAILABLE', 'ignore');

--------------------------------------------------------------------------
-- Seeds of scheme gocardless: the action of each resource_type.action.
-- GoCardless events carry no amount: a capture is of the payment's
-- amount, a chargeback or a late failure refunds what is left, and refund
-- events (which say neither how much nor always for which payment) are
-- ignored.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('gocardless', 'payments.created', 'pending'),
    ('gocardless', 'payments.customer_approval_granted', 'pending'),
    ('gocardless', 'payments.pending_submission', 'pending'),
    ('gocardless', 'payments.submitted', 'pending'),
    ('gocardless', 'payments.confirmed', 'capture'),
    ('gocardless', 'payments.paid_out', 'capture'),
    ('gocardless', 'payments.failed', 'fail'),
    ('gocardless', 'payments.customer_approval_denied', 'fail'),
    ('gocardless', 'payments.cancelled', 'cancel'),
    ('gocardless', 'payments.charged_back', 'refund'),
    ('gocardless', 'payments.late_failure_settled', 'refund'),
    ('gocardless', 'payments.chargeback_settled', 'ignore'),
    ('gocardless', 'payments.chargeback_cancelled', 'ignore'),
    ('gocardless', 'payments.resubmission_requested', 'ignore'),
    ('gocardless', 'refunds.created', 'ignore'),
    ('gocardless', 'refunds.paid', 'ignore'),
    ('gocardless', 'refunds.failed', 'ignore'),
    ('gocardless', 'refunds.refund_settled', 'ignore');

-- Objects fetched from the provider after a webhook that carries no state
-- (Mollie's classic webhooks, Stripe's thin events): src/fetch.c; such an
-- event's status is fetch.
COMMENT ON COLUMN @extschema@.webhook_events.status IS
    'Outcome of the first delivery (applied unchanged superseded ignored unmatched held failed fetch), updated when a parked, held or failed event is applied later; a fetch event never is (webhook_apply_object applies the object it names).';
CREATE FUNCTION @extschema@.webhook_apply_object(provider text, object jsonb)
RETURNS jsonb LANGUAGE C CALLED ON NULL INPUT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_apply_object';
REVOKE ALL ON FUNCTION @extschema@.webhook_apply_object(text, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_apply_object(text, jsonb) IS
    'Apply an object fetched from the provider''s API (after a fetch.<provider> message) as authoritative: the payment follows it within the state machine.  Idempotent; answered as webhook_ingest; recorded as a delivery of kind object.  Grant it to the worker, never to the ingest role.';

-- The seeds of the schemes paddle, razorpay and square (sql/parts/schemes/):
-- their default event maps, as a fresh install writes them.
INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('paddle', 'transaction.created', 'pending'),
    ('paddle', 'transaction.ready', 'pending'),
    ('paddle', 'transaction.billed', 'pending'),
    ('paddle', 'transaction.paid', 'capture'),
    ('paddle', 'transaction.completed', 'capture'),
    ('paddle', 'transaction.payment_failed', 'fail'),
    ('paddle', 'transaction.canceled', 'cancel'),
    ('paddle', 'adjustment.created', 'refund'),
    ('paddle', 'adjustment.updated', 'refund');
INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('razorpay', 'payment.authorized', 'authorize'),
    ('razorpay', 'payment.captured', 'capture'),
    ('razorpay', 'payment.failed', 'fail'),
    ('razorpay', 'order.paid', 'capture'),
    ('razorpay', 'refund.created', 'refund'),
    ('razorpay', 'refund.processed', 'refund'),
    ('razorpay', 'refund.failed', 'ignore'),
    ('razorpay', 'payment_link.paid', 'capture'),
    ('razorpay', 'payment_link.cancelled', 'cancel'),
    ('razorpay', 'payment_link.expired', 'cancel');
INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('square', 'payment.PENDING', 'pending'),
    ('square', 'payment.APPROVED', 'authorize'),
    ('square', 'payment.COMPLETED', 'capture'),
    ('square', 'payment.FAILED', 'fail'),
    ('square', 'payment.CANCELED', 'cancel'),
    ('square', 'refund.PENDING', 'ignore'),
    ('square', 'refund.COMPLETED', 'refund'),
    ('square', 'refund.REJECTED', 'ignore'),
    ('square', 'refund.FAILED', 'ignore');

--------------------------------------------------------------------------
-- Operations: redelivery, purge, and the DBA's views
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.webhook_redeliver(delivery_id bigint)
RETURNS jsonb LANGUAGE C STRICT VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'webhook_redeliver';
REVOKE ALL ON FUNCTION @extschema@.webhook_redeliver(bigint) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.webhook_redeliver(bigint) IS
    'Run a rejected (4xx) delivery again from its stored body, headers and path: signed timestamps are judged against its received_at, secrets by today''s clock.  Records a new delivery with redelivery_of; returns the reply.';

/*
 * Drop what old rows carry but nobody needs once they are settled: the
 * bodies and headers of deliveries, the payloads of applied events.  Ids,
 * outcomes, hashes, sizes and amounts stay, so idempotency and the books
 * are kept.  Parked, held and failed events keep their payloads.
 */
CREATE FUNCTION @extschema@.webhook_purge(older_than interval)
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

/*
 * The counts webhook_stats reads: webhook_ingest (webhook_redeliver too)
 * adds each delivery it records to one row here, in the same transaction
 * (src/stats.c).  A row per provider, UTC day, outcome, HTTP status and
 * slot, the slot being the recording backend's id: concurrent sessions
 * never update the same row.  The rows of past days are folded into one
 * per day (slot 0) by the first backend to count on a new day.
 */
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

CREATE VIEW @extschema@.webhook_stats AS
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

CREATE VIEW @extschema@.webhook_parked_events AS
SELECT e.id AS event_pk, e.provider, e.event_id, e.event_type, e.status, e.detail,
       e.reference, e.object_id, e.amount, e.currency, e.received_at, e.deliveries,
       pg_catalog.now() - e.received_at AS waiting
  FROM @extschema@.webhook_events e
 WHERE e.status IN ('unmatched', 'held', 'failed')
 ORDER BY e.received_at, e.id;
COMMENT ON VIEW @extschema@.webhook_parked_events IS
    'Unmatched, held and failed events, oldest first: what webhook_reprocess(event_pk) is for.';

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

CREATE VIEW @extschema@.webhook_stuck_payments AS
SELECT p.id, p.provider, p.reference, p.external_id, p.order_ref, p.state, p.amount, p.currency,
       p.created_at, p.state_changed_at, ev.last_event_at
  FROM @extschema@.webhook_payments p
  LEFT JOIN LATERAL (SELECT max(e.received_at) AS last_event_at
                       FROM @extschema@.webhook_events e WHERE e.payment_id = p.id) ev ON true
 WHERE p.state IN ('pending', 'authorized')
   AND coalesce(p.state_changed_at, p.created_at) < pg_catalog.now() - interval '1 hour'
   AND (ev.last_event_at IS NULL OR ev.last_event_at < pg_catalog.now() - interval '1 hour')
 ORDER BY coalesce(p.state_changed_at, p.created_at);
COMMENT ON VIEW @extschema@.webhook_stuck_payments IS
    'Payments still pending or authorized an hour after their last change, with no event in that hour.';

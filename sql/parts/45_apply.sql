--------------------------------------------------------------------------
-- Applying an event to its payment
--------------------------------------------------------------------------

/*
 * Apply an event to its payment; returns the event row with status,
 * detail, payment_id, amount and processed_at filled in.  It writes the
 * payment (and through its triggers the order and the refund ledger),
 * never the event row itself.  Raises when applying fails.  force applies
 * a held event despite its amount or currency mismatch.
 */
CREATE FUNCTION @extschema@.webhook_event_apply(ev @extschema@.webhook_events, force bool)
RETURNS @extschema@.webhook_events
    LANGUAGE C STRICT AS 'MODULE_PATHNAME', 'webhook_event_apply';
COMMENT ON FUNCTION @extschema@.webhook_event_apply(@extschema@.webhook_events, bool) IS
    'Apply an event to its payment; returns the event row with its status.  Used by the insert trigger and by webhook_event_reapply.';

/*
 * BEFORE INSERT on events: inserting an event applies it, and the row is
 * stored with the outcome.  A row inserted with a status already set (a
 * failed event recorded by webhook_ingest, a restore) is stored as it is.
 * If the insert then fails, on UNIQUE (provider, event_id) for a
 * duplicate, everything the trigger did is rolled back with it.
 */
CREATE FUNCTION @extschema@.webhook_events_apply() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_events_apply';
CREATE TRIGGER webhook_events_apply
    BEFORE INSERT OR UPDATE OF status ON @extschema@.webhook_events
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_events_apply();

/*
 * Apply a stored event again (parked, held, failed) and update its row;
 * returns its new status.  Locks the event row, so concurrent attempts
 * apply it once.  An error while applying leaves the event 'failed' with
 * the error in detail, and nothing of the attempt.  p_only_failed makes
 * it a no-op (returning 'duplicate') unless the event is failed: the
 * redelivery of a failed event.
 */
CREATE FUNCTION @extschema@.webhook_event_reapply(p_event_pk bigint, p_force bool, p_only_failed bool)
RETURNS text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ev @extschema@.webhook_events;
    r  @extschema@.webhook_events;
BEGIN
    SELECT * INTO ev FROM @extschema@.webhook_events WHERE id = p_event_pk FOR UPDATE;
    IF NOT FOUND OR (p_only_failed AND ev.status IS DISTINCT FROM 'failed') THEN
        RETURN 'duplicate';
    END IF;
    BEGIN
        r := @extschema@.webhook_event_apply(ev, p_force);
    EXCEPTION WHEN OTHERS THEN
        r := ev;
        r.status := 'failed';
        r.detail := SQLERRM;
        r.processed_at := now();
    END;
    UPDATE @extschema@.webhook_events e
       SET status = r.status, detail = r.detail, payment_id = r.payment_id,
           amount = r.amount, processed_at = r.processed_at
     WHERE e.id = ev.id;
    RETURN r.status;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_event_reapply(bigint, bool, bool) IS
    'Apply a stored (parked, held or failed) event again and record its new status; returns it.';

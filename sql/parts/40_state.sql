--------------------------------------------------------------------------
-- State: transitions, orders, notifications
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.webhook_transition_allowed(from_state text, to_state text)
RETURNS bool LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_transition_allowed';
COMMENT ON FUNCTION @extschema@.webhook_transition_allowed(text, text) IS
    'The payment state machine: true when a payment may move from from_state to to_state.';

CREATE FUNCTION @extschema@.webhook_order_state(total numeric, paid numeric, refunded numeric)
RETURNS text LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'webhook_order_state';
COMMENT ON FUNCTION @extschema@.webhook_order_state(numeric, numeric, numeric) IS
    'An order''s state from its total and the amounts paid and refunded: refunded, partially_refunded, paid, partially_paid or open.';

/*
 * Recompute an order from its payments; returns the order's state (NULL
 * when there is no such order).  Writes only when something changed.
 */
CREATE FUNCTION @extschema@.webhook_order_recompute(p_ref text)
RETURNS text LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state text;
BEGIN
    IF p_ref IS NULL THEN
        RETURN NULL;
    END IF;
    -- Lock first, then sum in a new statement: its snapshot sees every
    -- payment committed before the lock was granted.
    PERFORM FROM @extschema@.webhook_orders o WHERE o.ref = p_ref FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE @extschema@.webhook_orders o
       SET amount_paid = s.paid, amount_refunded = s.refunded,
           state = s.state,
           paid_at = CASE WHEN s.state = 'paid' AND o.paid_at IS NULL THEN now() ELSE o.paid_at END,
           updated_at = now()
      FROM (SELECT t.paid, t.refunded,
                   @extschema@.webhook_order_state(
                       (SELECT total FROM @extschema@.webhook_orders WHERE ref = p_ref), t.paid, t.refunded) AS state
              FROM (SELECT coalesce(sum(p.amount_captured), 0) AS paid,
                           coalesce(sum(p.amount_refunded), 0) AS refunded
                      FROM @extschema@.webhook_payments p WHERE p.order_ref = p_ref) t) s
     WHERE o.ref = p_ref
    RETURNING o.state INTO v_state;
    RETURN v_state;
END
$$;
COMMENT ON FUNCTION @extschema@.webhook_order_recompute(text) IS
    'Recompute an order''s amounts and state from its payments; returns the state.';

/*
 * BEFORE UPDATE on payments: the transition rules, for events and hand
 * updates alike (SQLSTATE WH001), time stamps, upper-case currency.  New
 * rows are checked by webhook_payments_inserted, once per statement, so
 * that COPY keeps its batched inserts.
 */
CREATE FUNCTION @extschema@.webhook_payments_guard() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_payments_guard';

/*
 * AFTER UPDATE OR DELETE on payments, and AFTER INSERT of a payment with
 * an order: move the order by the change in captured and refunded
 * amounts, send NOTIFY webhook_payment on a state change.
 */
CREATE FUNCTION @extschema@.webhook_payments_after() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_payments_after';

/*
 * AFTER INSERT on payments, once per statement over the inserted rows:
 * check each as the guard checks an update (23514), put its currency in
 * upper case, and apply the events parked for it, in provider order.
 */
CREATE FUNCTION @extschema@.webhook_payments_inserted() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_payments_inserted';

/* BEFORE INSERT OR UPDATE OF total, currency on orders: they (and the state) are valid. */
CREATE FUNCTION @extschema@.webhook_orders_guard() RETURNS trigger
    LANGUAGE C AS 'MODULE_PATHNAME', 'webhook_orders_guard';
CREATE TRIGGER webhook_orders_guard
    BEFORE INSERT OR UPDATE OF total, currency ON @extschema@.webhook_orders
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_orders_guard();

CREATE TRIGGER webhook_payments_guard
    BEFORE UPDATE ON @extschema@.webhook_payments
    FOR EACH ROW EXECUTE FUNCTION @extschema@.webhook_payments_guard();
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

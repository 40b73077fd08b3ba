-- What a DBA adds to webhook_events and webhook_deliveries holds for the
-- rows webhook_ingest writes, as it holds for an INSERT: row and
-- statement triggers and rules fire, a new column gets its default, constraints
-- and indexes (expression, partial, unique) see every row, and a failing
-- constraint fails the call.
CREATE SCHEMA tables_test;
SET search_path = tables_test;
CREATE EXTENSION webhook SCHEMA tables_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

CREATE FUNCTION pi_event(evt text, pi text) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', 'payment_intent.succeeded',
        'created', 1772366390, 'data', jsonb_build_object('object', jsonb_build_object(
            'id', pi, 'object', 'payment_intent', 'amount', 1000, 'currency', 'eur')))::text
$$;
CREATE FUNCTION stripe(evt text, pi text) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome', r->>'event_status',
                     'payment=' || (r->'payment'->>'state'), '(' || (r->>'detail') || ')')
      FROM webhook_ingest('stripe',
               jsonb_build_object('Stripe-Signature', webhook_sign_stripe(pi_event(evt, pi), 'whsec_t', 1772366400)),
               pi_event(evt, pi)) r
$$;
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_t');
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
SELECT 'stripe', 'R-' || i, 'pi_' || i, 10, 'EUR' FROM generate_series(1, 9) i;

-- as installed: the event and its delivery, each with its id
SELECT stripe('evt_1', 'pi_1');
SELECT e.event_id, e.status, e.amount, e.amount_minor, e.deliveries, e.processed_at IS NOT NULL AS processed,
       p.reference, d.outcome, d.http_status, d.event_pk = e.id AS linked
  FROM webhook_events e JOIN webhook_payments p ON p.id = e.payment_id
  JOIN webhook_deliveries d ON d.event_id = e.event_id;

-- row triggers: a BEFORE trigger that changes the row, an AFTER trigger that audits it
CREATE TABLE audit (tab text, id bigint, what text);
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tables_test.audit VALUES (TG_TABLE_NAME, NEW.id, TG_WHEN || ' ' || TG_LEVEL);
    RETURN NEW;
END $$;
CREATE FUNCTION note_path() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.path := coalesce(NEW.path, '/hooks/stripe');
    RETURN NEW;
END $$;
CREATE TRIGGER audit_events AFTER INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER audit_deliveries AFTER INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE FUNCTION note_reference() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.reference := coalesce(NEW.reference, 'noted ' || NEW.status);
    RETURN NEW;
END $$;
CREATE TRIGGER path_deliveries BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION note_path();
CREATE TRIGGER reference_events BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION note_reference();
SELECT stripe('evt_2', 'pi_2');
SELECT event_id, status, reference FROM webhook_events ORDER BY id;
DROP TRIGGER reference_events ON webhook_events;
SELECT a.tab, a.what, a.id = coalesce(e.id, d.id) AS same_row
  FROM audit a LEFT JOIN webhook_events e ON a.tab = 'webhook_events' AND e.id = a.id
  LEFT JOIN webhook_deliveries d ON a.tab = 'webhook_deliveries' AND d.id = a.id ORDER BY a.tab;
SELECT event_id, path FROM webhook_deliveries ORDER BY id;
DROP TRIGGER path_deliveries ON webhook_deliveries;

-- statement triggers
CREATE FUNCTION audit_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tables_test.audit VALUES (TG_TABLE_NAME, NULL, TG_WHEN || ' ' || TG_LEVEL);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_events_statement BEFORE INSERT ON webhook_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement();
CREATE TRIGGER audit_deliveries_statement AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement();
TRUNCATE audit;
SELECT stripe('evt_3', 'pi_3');
SELECT tab, what, id IS NOT NULL AS has_id FROM audit ORDER BY tab, what;
DROP TRIGGER audit_events_statement ON webhook_events;
DROP TRIGGER audit_deliveries_statement ON webhook_deliveries;
DROP TRIGGER audit_events ON webhook_events;
DROP TRIGGER audit_deliveries ON webhook_deliveries;

-- a column with a default, and one without
ALTER TABLE webhook_deliveries ADD COLUMN site text NOT NULL DEFAULT 'shop-1';
ALTER TABLE webhook_events ADD COLUMN note text;
ALTER TABLE webhook_events ADD COLUMN site text DEFAULT 'shop-1';
SELECT stripe('evt_4', 'pi_4');
SELECT e.event_id, e.status, e.note, e.site, d.site AS delivery_site
  FROM webhook_events e JOIN webhook_deliveries d ON d.event_pk = e.id WHERE e.event_id = 'evt_4';
ALTER TABLE webhook_events DROP COLUMN site;
SELECT stripe('evt_5', 'pi_5');
SELECT e.event_id, e.status, e.note, d.site AS delivery_site
  FROM webhook_events e JOIN webhook_deliveries d ON d.event_pk = e.id WHERE e.event_id = 'evt_5';
ALTER TABLE webhook_deliveries DROP COLUMN site;
ALTER TABLE webhook_events DROP COLUMN note;

-- indexes a DBA adds see every row: an expression index and a partial one
CREATE INDEX deliveries_outcome_idx ON webhook_deliveries (lower(outcome));
CREATE INDEX events_big_idx ON webhook_events (event_id) WHERE amount >= 10;
SELECT stripe('evt_6', 'pi_6');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM webhook_deliveries WHERE lower(outcome) = 'applied';
SELECT count(*) FROM webhook_deliveries WHERE lower(outcome) = 'applied';
EXPLAIN (COSTS OFF) SELECT event_id FROM webhook_events WHERE event_id = 'evt_6' AND amount >= 10;
SELECT event_id FROM webhook_events WHERE event_id = 'evt_6' AND amount >= 10;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- a unique index a DBA adds that the event breaks: as any error while
-- applying, the event is kept as failed and its payment does not move
CREATE FUNCTION stripe_typed(evt text, typ text, pi text) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome', 'payment=' || (r->'payment'->>'state'))
      FROM (SELECT replace(pi_event(evt, pi), 'payment_intent.succeeded', typ) AS body) b,
           webhook_ingest('stripe',
               jsonb_build_object('Stripe-Signature', webhook_sign_stripe(b.body, 'whsec_t', 1772366400)),
               b.body) r
$$;
CREATE UNIQUE INDEX events_one_per_payment ON webhook_events (payment_id) WHERE status = 'applied';
SELECT stripe_typed('evt_8a', 'payment_intent.amount_capturable_updated', 'pi_8');
SELECT stripe_typed('evt_8b', 'payment_intent.succeeded', 'pi_8');
SELECT e.event_id, e.status, e.detail, p.state AS payment
  FROM webhook_events e, webhook_payments p WHERE e.event_id LIKE 'evt_8%' AND p.reference = 'R-8' ORDER BY e.id;
DROP INDEX events_one_per_payment;

-- a CHECK that the row breaks fails the call, and nothing of it stays
ALTER TABLE webhook_deliveries ADD CONSTRAINT small_bodies CHECK (body_size < 10) NOT VALID;
\set VERBOSITY terse
SELECT stripe('evt_7', 'pi_7');
\set VERBOSITY default
ALTER TABLE webhook_deliveries DROP CONSTRAINT small_bodies;
SELECT count(*) AS events, (SELECT state FROM webhook_payments WHERE reference = 'R-7') AS payment
  FROM webhook_events WHERE event_id = 'evt_7';
SELECT stripe('evt_7', 'pi_7');

-- a rule on the table runs, as for an INSERT
CREATE RULE deliveries_audit AS ON INSERT TO webhook_deliveries
    DO ALSO INSERT INTO audit VALUES ('rule', NULL, NEW.outcome || ' ' || NEW.event_id);
TRUNCATE audit;
SELECT stripe('evt_9', 'pi_9');
SELECT tab, what FROM audit;
DROP RULE deliveries_audit ON webhook_deliveries;

-- the ids keep counting from the identity sequences, whichever way the rows went in
SELECT count(*) = count(DISTINCT id) AS distinct_ids, max(id) = (SELECT last_value FROM webhook_deliveries_id_seq) AS seq
  FROM webhook_deliveries;

-- What a DBA adds to webhook_payments and webhook_orders holds for the
-- moves webhook_ingest makes, as it holds for an UPDATE: column and
-- statement triggers, rules, indexes, constraints, columns of their own.
INSERT INTO webhook_orders (ref, total, currency) SELECT 'SO-' || i, 10, 'EUR' FROM generate_series(11, 19) i;
INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
SELECT 'stripe', 'R-' || i, 'pi_' || i, 'SO-' || i, 10, 'EUR' FROM generate_series(11, 19) i;
CREATE VIEW moves AS
SELECT p.reference, p.state, p.amount_captured, p.state_changed_at > p.created_at AS state_changed,
       p.updated_at > p.created_at AS payment_updated,
       o.state AS order_state, o.amount_paid, o.paid_at IS NOT NULL AS paid, o.updated_at > p.created_at AS order_updated
  FROM webhook_payments p LEFT JOIN webhook_orders o ON o.ref = p.order_ref;
CREATE FUNCTION audit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tables_test.audit VALUES (TG_TABLE_NAME, NULL, TG_WHEN || ' ' || TG_LEVEL || ' ' || NEW.ref || ' ' || NEW.state);
    RETURN NEW;
END $$;
CREATE FUNCTION note_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := 'was ' || OLD.state;
    RETURN NEW;
END $$;

-- column triggers fire for the columns the move sets, and only those;
-- a BEFORE trigger's change to a column of the DBA's own is kept
ALTER TABLE webhook_payments ADD COLUMN dropped int;
ALTER TABLE webhook_payments ADD COLUMN note text DEFAULT 'new';
ALTER TABLE webhook_payments DROP COLUMN dropped;
CREATE TRIGGER audit_state BEFORE UPDATE OF state ON webhook_payments FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER audit_currency BEFORE UPDATE OF currency ON webhook_payments FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER note_state BEFORE UPDATE ON webhook_payments FOR EACH ROW EXECUTE FUNCTION note_state();
CREATE TRIGGER audit_paid AFTER UPDATE OF amount_paid ON webhook_orders FOR EACH ROW EXECUTE FUNCTION audit_order();
TRUNCATE audit;
SELECT stripe('evt_11', 'pi_11');
SELECT m.*, p.note FROM moves m JOIN webhook_payments p USING (reference) WHERE reference = 'R-11';
SELECT a.tab, a.what, a.id = p.id AS same_row FROM audit a LEFT JOIN webhook_payments p ON p.id = a.id ORDER BY a.tab;
DROP TRIGGER audit_state ON webhook_payments;
DROP TRIGGER audit_currency ON webhook_payments;
DROP TRIGGER note_state ON webhook_payments;
DROP TRIGGER audit_paid ON webhook_orders;
ALTER TABLE webhook_payments DROP COLUMN note;

-- statement triggers and rules: the move is then an UPDATE statement
CREATE TRIGGER audit_payments_statement AFTER UPDATE ON webhook_payments
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement();
CREATE RULE orders_audit AS ON UPDATE TO webhook_orders
    DO ALSO INSERT INTO audit VALUES ('rule', NULL, NEW.ref || ' ' || NEW.state);
TRUNCATE audit;
SELECT stripe('evt_12', 'pi_12');
SELECT * FROM moves WHERE reference = 'R-12';
SELECT tab, what FROM audit ORDER BY tab;
DROP TRIGGER audit_payments_statement ON webhook_payments;
DROP RULE orders_audit ON webhook_orders;

-- row-level security on the payments: an UPDATE statement too (the
-- extension's owner here bypasses the policies)
ALTER TABLE webhook_payments ENABLE ROW LEVEL SECURITY;
SELECT stripe('evt_13', 'pi_13');
SELECT * FROM moves WHERE reference = 'R-13';
ALTER TABLE webhook_payments DISABLE ROW LEVEL SECURITY;

-- indexes a DBA adds see the moved rows
CREATE INDEX payments_state_idx ON webhook_payments (state);
CREATE INDEX orders_paid_idx ON webhook_orders (ref) WHERE state = 'paid';
SELECT stripe('evt_14', 'pi_14');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT reference FROM webhook_payments WHERE state = 'captured' AND reference = 'R-14';
SELECT reference FROM webhook_payments WHERE state = 'captured' AND reference = 'R-14';
EXPLAIN (COSTS OFF) SELECT ref FROM webhook_orders WHERE state = 'paid' AND ref = 'SO-14';
SELECT ref FROM webhook_orders WHERE state = 'paid' AND ref = 'SO-14';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX payments_state_idx, orders_paid_idx;

-- a CHECK that the order's move breaks: the event is kept as failed, and
-- neither the payment nor the order moves
ALTER TABLE webhook_orders ADD CONSTRAINT never_paid CHECK (state <> 'paid') NOT VALID;
SELECT stripe('evt_15', 'pi_15');
SELECT event_id, status, detail FROM webhook_events WHERE event_id = 'evt_15';
SELECT * FROM moves WHERE reference = 'R-15';
ALTER TABLE webhook_orders DROP CONSTRAINT never_paid;

-- a payment without an order moves alone
UPDATE webhook_payments SET order_ref = NULL WHERE reference = 'R-16';
SELECT stripe('evt_16', 'pi_16');
SELECT * FROM moves WHERE reference = 'R-16';

-- a BEFORE trigger that drops the move: the payment stays as the DBA's
-- trigger wants, and the reply says so
CREATE FUNCTION keep_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END $$;
CREATE TRIGGER keep_pending BEFORE UPDATE ON webhook_payments FOR EACH ROW EXECUTE FUNCTION keep_pending();
SELECT stripe('evt_17', 'pi_17');
SELECT * FROM moves WHERE reference = 'R-17';
DROP TRIGGER keep_pending ON webhook_payments;

DROP SCHEMA tables_test CASCADE;

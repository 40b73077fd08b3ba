-- protocol.sql: each C trigger function of the extension, attached as the
-- wrong kind of trigger, refuses with SQLSTATE 39P01
-- (trigger_protocol_violated) and a message that says what it must be.
BEGIN;
CREATE EXTENSION webhook;
SELECT plan(6);

CREATE TABLE p_scratch (id bigint, state text);

CREATE TRIGGER p_guard AFTER INSERT ON p_scratch FOR EACH ROW EXECUTE FUNCTION webhook_payments_guard();
SELECT throws_ok($$INSERT INTO p_scratch VALUES (1, 'pending')$$, '39P01',
    'webhook_payments_guard() must be a BEFORE row trigger', 'webhook_payments_guard as an AFTER trigger');
DROP TRIGGER p_guard ON p_scratch;

CREATE TRIGGER p_oguard AFTER INSERT ON p_scratch FOR EACH ROW EXECUTE FUNCTION webhook_orders_guard();
SELECT throws_ok($$INSERT INTO p_scratch VALUES (1, 'open')$$, '39P01',
    'webhook_orders_guard() must be a BEFORE row trigger', 'webhook_orders_guard as an AFTER trigger');
DROP TRIGGER p_oguard ON p_scratch;

CREATE TRIGGER p_after BEFORE INSERT ON p_scratch FOR EACH ROW EXECUTE FUNCTION webhook_payments_after();
SELECT throws_ok($$INSERT INTO p_scratch VALUES (1, 'pending')$$, '39P01',
    'webhook_payments_after() must be an AFTER row trigger', 'webhook_payments_after as a BEFORE trigger');
DROP TRIGGER p_after ON p_scratch;

CREATE TRIGGER p_inserted AFTER INSERT ON p_scratch FOR EACH ROW EXECUTE FUNCTION webhook_payments_inserted();
SELECT throws_ok($$INSERT INTO p_scratch VALUES (1, 'pending')$$, '39P01',
    'webhook_payments_inserted() must be an AFTER INSERT statement trigger with a NEW TABLE',
    'webhook_payments_inserted as a row trigger');
DROP TRIGGER p_inserted ON p_scratch;

CREATE TRIGGER p_events AFTER INSERT ON p_scratch FOR EACH ROW EXECUTE FUNCTION webhook_events_apply();
SELECT throws_ok($$INSERT INTO p_scratch VALUES (1, 'pending')$$, '39P01',
    'webhook_events_apply() must be a BEFORE row trigger', 'webhook_events_apply as an AFTER trigger');
DROP TRIGGER p_events ON p_scratch;

CREATE TRIGGER p_secrets BEFORE INSERT ON p_scratch FOR EACH ROW EXECUTE FUNCTION webhook_secrets_invalidate();
SELECT throws_ok($$INSERT INTO p_scratch VALUES (1, 'pending')$$, '39P01',
    'webhook_secrets_invalidate() must be called as an AFTER trigger', 'webhook_secrets_invalidate as a BEFORE trigger');
DROP TRIGGER p_secrets ON p_scratch;

SELECT * FROM finish();
ROLLBACK;

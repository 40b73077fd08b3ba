--------------------------------------------------------------------------
-- Seeds of scheme square: Square's payment.created and payment.updated
-- (refund.created, refund.updated) say nothing by their type, so the map is
-- keyed by the object and its status, "<object>.<status>"
-- (src/schemes/square.c); config.actions may also name an event type.
--------------------------------------------------------------------------

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

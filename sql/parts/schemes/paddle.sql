--------------------------------------------------------------------------
-- Seeds of scheme paddle: the action of each Paddle Billing event type.
-- An adjustment is a refund only when its action is refund and its status
-- approved (src/schemes/paddle.c); any other is ignored.
--------------------------------------------------------------------------

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

--------------------------------------------------------------------------
-- Seeds of scheme razorpay: the action of each Razorpay event type.
-- refund.created is a refund only when the refund is processed already
-- (src/schemes/razorpay.c); else refund.processed follows.
--------------------------------------------------------------------------

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

--------------------------------------------------------------------------
-- Seeds of scheme paypal: the action of each PayPal event type.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('paypal', 'PAYMENT.CAPTURE.COMPLETED', 'capture'),
    ('paypal', 'PAYMENT.CAPTURE.PENDING', 'pending'),
    ('paypal', 'PAYMENT.CAPTURE.DENIED', 'fail'),
    ('paypal', 'PAYMENT.CAPTURE.DECLINED', 'fail'),
    ('paypal', 'PAYMENT.CAPTURE.REFUNDED', 'refund'),
    ('paypal', 'PAYMENT.CAPTURE.REVERSED', 'refund'),
    ('paypal', 'PAYMENT.AUTHORIZATION.CREATED', 'authorize'),
    ('paypal', 'PAYMENT.AUTHORIZATION.VOIDED', 'cancel'),
    ('paypal', 'CHECKOUT.ORDER.APPROVED', 'ignore');

--------------------------------------------------------------------------
-- Seeds of scheme mollie: the action of each Mollie next-gen webhook event
-- on payments and refunds (a capture shows as the payment's paid).
--------------------------------------------------------------------------

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

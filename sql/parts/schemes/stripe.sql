--------------------------------------------------------------------------
-- Seeds of scheme stripe: the action of each Stripe event type.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('stripe', 'payment_intent.processing', 'pending'),
    ('stripe', 'payment_intent.amount_capturable_updated', 'authorize'),
    ('stripe', 'payment_intent.succeeded', 'capture'),
    ('stripe', 'payment_intent.payment_failed', 'fail'),
    ('stripe', 'payment_intent.canceled', 'cancel'),
    ('stripe', 'charge.succeeded', 'capture'),
    ('stripe', 'charge.captured', 'capture'),
    ('stripe', 'charge.failed', 'fail'),
    ('stripe', 'charge.refunded', 'refund'),
    ('stripe', 'refund.created', 'refund'),
    ('stripe', 'refund.updated', 'refund'),
    ('stripe', 'checkout.session.completed', 'capture'),
    ('stripe', 'checkout.session.async_payment_succeeded', 'capture'),
    ('stripe', 'checkout.session.async_payment_failed', 'fail'),
    ('stripe', 'checkout.session.expired', 'cancel');

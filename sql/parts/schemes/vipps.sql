--------------------------------------------------------------------------
-- Seeds of scheme vipps: the action of each Vipps MobilePay ePayment event.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('vipps', 'epayments.payment.created.v1', 'pending'),
    ('vipps', 'epayments.payment.authorized.v1', 'authorize'),
    ('vipps', 'epayments.payment.captured.v1', 'capture'),
    ('vipps', 'epayments.payment.refunded.v1', 'refund'),
    ('vipps', 'epayments.payment.cancelled.v1', 'cancel'),
    ('vipps', 'epayments.payment.aborted.v1', 'cancel'),
    ('vipps', 'epayments.payment.expired.v1', 'cancel'),
    ('vipps', 'epayments.payment.terminated.v1', 'cancel');

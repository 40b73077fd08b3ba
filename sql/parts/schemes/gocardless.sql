--------------------------------------------------------------------------
-- Seeds of scheme gocardless: the action of each resource_type.action.
-- GoCardless events carry no amount: a capture is of the payment's
-- amount, a chargeback or a late failure refunds what is left, and refund
-- events (which say neither how much nor always for which payment) are
-- ignored.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('gocardless', 'payments.created', 'pending'),
    ('gocardless', 'payments.customer_approval_granted', 'pending'),
    ('gocardless', 'payments.pending_submission', 'pending'),
    ('gocardless', 'payments.submitted', 'pending'),
    ('gocardless', 'payments.confirmed', 'capture'),
    ('gocardless', 'payments.paid_out', 'capture'),
    ('gocardless', 'payments.failed', 'fail'),
    ('gocardless', 'payments.customer_approval_denied', 'fail'),
    ('gocardless', 'payments.cancelled', 'cancel'),
    ('gocardless', 'payments.charged_back', 'refund'),
    ('gocardless', 'payments.late_failure_settled', 'refund'),
    ('gocardless', 'payments.chargeback_settled', 'ignore'),
    ('gocardless', 'payments.chargeback_cancelled', 'ignore'),
    ('gocardless', 'payments.resubmission_requested', 'ignore'),
    ('gocardless', 'refunds.created', 'ignore'),
    ('gocardless', 'refunds.paid', 'ignore'),
    ('gocardless', 'refunds.failed', 'ignore'),
    ('gocardless', 'refunds.refund_settled', 'ignore');

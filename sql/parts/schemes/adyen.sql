--------------------------------------------------------------------------
-- Seeds of scheme adyen: the action of each eventCode of Adyen's standard
-- webhooks (an item whose success is "false" changes nothing, but an
-- AUTHORISATION refused fails its payment: src/schemes/adyen.c).
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('adyen', 'PENDING', 'pending'),
    ('adyen', 'AUTHORISATION', 'authorize'),
    ('adyen', 'CAPTURE', 'capture'),
    ('adyen', 'CAPTURE_FAILED', 'ignore'),
    ('adyen', 'CANCELLATION', 'cancel'),
    ('adyen', 'OFFER_CLOSED', 'cancel'),
    ('adyen', 'AUTHORISATION_ADJUSTMENT', 'ignore'),
    ('adyen', 'REFUND', 'refund'),
    ('adyen', 'CANCEL_OR_REFUND', 'refund'),
    ('adyen', 'REFUND_FAILED', 'ignore'),
    ('adyen', 'REFUNDED_REVERSED', 'ignore'),
    ('adyen', 'CHARGEBACK', 'refund'),
    ('adyen', 'CHARGEBACK_REVERSED', 'ignore'),
    ('adyen', 'REPORT_AVAILABLE', 'ignore');

--------------------------------------------------------------------------
-- Seeds of scheme apikey: the generic status words (matched case-insensitively)
-- and their actions; hmac and standard seed the same words.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('apikey', 'completed', 'capture'),
    ('apikey', 'succeeded', 'capture'),
    ('apikey', 'paid', 'capture'),
    ('apikey', 'captured', 'capture'),
    ('apikey', 'authorized', 'authorize'),
    ('apikey', 'failed', 'fail'),
    ('apikey', 'declined', 'fail'),
    ('apikey', 'canceled', 'cancel'),
    ('apikey', 'cancelled', 'cancel'),
    ('apikey', 'refunded', 'refund'),
    ('apikey', 'pending', 'pending');

--------------------------------------------------------------------------
-- Seeds of scheme standard: the generic status words (matched case-insensitively)
-- and their actions; hmac and apikey seed the same words.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('standard', 'completed', 'capture'),
    ('standard', 'succeeded', 'capture'),
    ('standard', 'paid', 'capture'),
    ('standard', 'captured', 'capture'),
    ('standard', 'authorized', 'authorize'),
    ('standard', 'failed', 'fail'),
    ('standard', 'declined', 'fail'),
    ('standard', 'canceled', 'cancel'),
    ('standard', 'cancelled', 'cancel'),
    ('standard', 'refunded', 'refund'),
    ('standard', 'pending', 'pending');

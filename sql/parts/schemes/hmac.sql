--------------------------------------------------------------------------
-- Seeds of scheme hmac: the generic status words (matched case-insensitively)
-- and their actions; apikey and standard seed the same words.
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('hmac', 'completed', 'capture'),
    ('hmac', 'succeeded', 'capture'),
    ('hmac', 'paid', 'capture'),
    ('hmac', 'captured', 'capture'),
    ('hmac', 'authorized', 'authorize'),
    ('hmac', 'failed', 'fail'),
    ('hmac', 'declined', 'fail'),
    ('hmac', 'canceled', 'cancel'),
    ('hmac', 'cancelled', 'cancel'),
    ('hmac', 'refunded', 'refund'),
    ('hmac', 'pending', 'pending');

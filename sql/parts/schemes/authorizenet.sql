--------------------------------------------------------------------------
-- Seeds of scheme authorizenet: the action of each Authorize.Net payment
-- event (a declined or held transaction is judged by its responseCode).
--------------------------------------------------------------------------

INSERT INTO @extschema@.webhook_event_actions (scheme, event_type, action) VALUES
    ('authorizenet', 'net.authorize.payment.authorization.created', 'authorize'),
    ('authorizenet', 'net.authorize.payment.authcapture.created', 'capture'),
    ('authorizenet', 'net.authorize.payment.capture.created', 'capture'),
    ('authorizenet', 'net.authorize.payment.priorAuthCapture.created', 'capture'),
    ('authorizenet', 'net.authorize.payment.refund.created', 'refund'),
    ('authorizenet', 'net.authorize.payment.void.created', 'cancel'),
    ('authorizenet', 'net.authorize.payment.fraud.held', 'pending'),
    ('authorizenet', 'net.authorize.payment.fraud.approved', 'authorize'),
    ('authorizenet', 'net.authorize.payment.fraud.declined', 'fail');

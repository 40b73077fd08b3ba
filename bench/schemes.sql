-- bench/schemes.sql: the data of bench/schemes.sh.  For each scheme of
-- :'schemes' (space-separated), a provider b_<scheme>, :n payments of
-- 10.99 EUR (USD for authorizenet) each with its order, and one signed
-- delivery per payment in bench_scheme_bodies that captures it, every body
-- padded to about :size bytes; then GoCardless and Adyen batches of 1, 10
-- and 100 events (:nbatch events of each size), each event capturing its
-- own payment, in bench_batches.  Signed in SQL with webhook_sign.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT set_config('bench.schemes', :'schemes', false), set_config('bench.n', :'n', false),
       set_config('bench.size', :'size', false), set_config('bench.nbatch', :'nbatch', false) \gset
DROP TABLE IF EXISTS bench_scheme_bodies, bench_batches;
CREATE TABLE bench_scheme_bodies (scheme text, n int, headers jsonb, body text, PRIMARY KEY (scheme, n));
CREATE TABLE bench_batches (scheme text, k int, n int, headers jsonb, body text, PRIMARY KEY (scheme, k, n));

-- The secret of provider b_<scheme>, in the form its scheme takes.
CREATE OR REPLACE FUNCTION bench_scheme_secret(scheme text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE scheme
        WHEN 'stripe' THEN 'whsec_bench_schemes_0123456789'
        WHEN 'adyen' THEN '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
        ELSE 'bench_' || scheme || '_secret_0123456789' END
$$;

-- The config of provider b_<scheme>.
CREATE OR REPLACE FUNCTION bench_scheme_config(scheme text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE scheme WHEN 'square' THEN '{"notification_url": "https://shop.example/hooks/square"}'::jsonb
                       ELSE '{}' END
$$;

-- An event of scheme that captures payment i (references R-<scheme>-<i>), as that scheme sends it.
CREATE OR REPLACE FUNCTION bench_event(scheme text, i int, tag text DEFAULT '') RETURNS jsonb LANGUAGE sql AS $$
    SELECT CASE scheme
        WHEN 'stripe' THEN jsonb_build_object('id', 'evt_' || tag || i, 'object', 'event',
            'type', 'payment_intent.succeeded', 'created', 1721948600,
            'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_' || tag || i,
                'object', 'payment_intent', 'amount', 1099, 'amount_received', 1099, 'currency', 'eur',
                'metadata', jsonb_build_object('reference', 'R-' || scheme || '-' || tag || i))))
        WHEN 'gocardless' THEN jsonb_build_object('id', 'EV' || tag || i, 'created_at', '2024-07-25T23:03:20.000Z',
            'resource_type', 'payments', 'action', 'confirmed',
            'links', jsonb_build_object('payment', 'PM' || tag || i),
            'details', jsonb_build_object('origin', 'gocardless', 'cause', 'payment_confirmed'))
        WHEN 'adyen' THEN (SELECT it || jsonb_build_object('additionalData', jsonb_build_object('hmacSignature',
                webhook_sign('adyen', convert_to(it::text, 'UTF8'), bench_scheme_secret('adyen')) ->> 'hmacSignature'))
            FROM (SELECT jsonb_build_object('pspReference', 'PSP' || tag || i, 'merchantAccountCode', 'BenchShop',
                'merchantReference', 'R-adyen-' || tag || i,
                'amount', jsonb_build_object('value', 1099, 'currency', 'EUR'),
                'eventCode', 'CAPTURE', 'success', 'true', 'eventDate', '2024-07-25T23:03:20+00:00') AS it) x)
        WHEN 'authorizenet' THEN jsonb_build_object('notificationId', 'an-' || tag || i,
            'eventType', 'net.authorize.payment.authcapture.created', 'eventDate', '2024-07-25T23:03:20.0Z',
            'webhookId', 'bench', 'payload', jsonb_build_object('responseCode', 1, 'authAmount', 10.99,
                'entityName', 'transaction', 'id', 'TX' || tag || i, 'invoiceNumber', 'R-authorizenet-' || tag || i))
        WHEN 'paddle' THEN jsonb_build_object('event_id', 'evt_' || tag || i, 'event_type', 'transaction.completed',
            'occurred_at', '2024-07-25T23:03:20.000Z', 'notification_id', 'ntf_' || tag || i,
            'data', jsonb_build_object('id', 'txn_' || tag || i, 'status', 'completed', 'currency_code', 'EUR',
                'custom_data', jsonb_build_object('reference', 'R-paddle-' || tag || i),
                'details', jsonb_build_object('totals', jsonb_build_object('subtotal', '1099', 'tax', '0',
                    'total', '1099', 'grand_total', '1099'))))
        WHEN 'razorpay' THEN jsonb_build_object('entity', 'event', 'account_id', 'acc_bench', 'event', 'payment.captured',
            'contains', jsonb_build_array('payment'), 'created_at', 1721948600,
            'payload', jsonb_build_object('payment', jsonb_build_object('entity', jsonb_build_object(
                'id', 'pay_' || tag || i, 'entity', 'payment', 'amount', 1099, 'currency', 'EUR',
                'status', 'captured', 'notes', jsonb_build_object('reference', 'R-razorpay-' || tag || i),
                'created_at', 1721948600))))
        WHEN 'square' THEN jsonb_build_object('merchant_id', 'MLBENCH', 'type', 'payment.updated',
            'event_id', 'sq-' || tag || i, 'created_at', '2024-07-25T23:03:20.000Z',
            'data', jsonb_build_object('type', 'payment', 'id', 'sqp_' || tag || i, 'object', jsonb_build_object(
                'payment', jsonb_build_object('id', 'sqp_' || tag || i, 'status', 'COMPLETED',
                    'reference_id', 'R-square-' || tag || i,
                    'amount_money', jsonb_build_object('amount', 1099, 'currency', 'EUR'),
                    'total_money', jsonb_build_object('amount', 1099, 'currency', 'EUR'), 'version', 1))))
        WHEN 'mollie' THEN jsonb_build_object('resource', 'event', 'id', 'event_' || tag || i, 'type', 'payment.paid',
            'entityId', 'tr_' || tag || i, 'createdAt', '2024-07-25T23:03:20.0Z',
            '_embedded', jsonb_build_object('payment', jsonb_build_object('resource', 'payment', 'id', 'tr_' || tag || i,
                'status', 'paid', 'amount', jsonb_build_object('value', '10.99', 'currency', 'EUR'),
                'metadata', jsonb_build_object('reference', 'R-mollie-' || tag || i))))
    END
$$;

-- The provider's id of payment i, as the event names it.
CREATE OR REPLACE FUNCTION bench_external(scheme text, i int, tag text DEFAULT '') RETURNS text LANGUAGE sql AS $$
    SELECT CASE scheme WHEN 'stripe' THEN 'pi_' WHEN 'gocardless' THEN 'PM' WHEN 'adyen' THEN 'PSP'
                       WHEN 'authorizenet' THEN 'TX' WHEN 'mollie' THEN 'tr_' WHEN 'paddle' THEN 'txn_'
                       WHEN 'razorpay' THEN 'pay_' WHEN 'square' THEN 'sqp_' END || tag || i
$$;

-- A delivery of the events, as the scheme sends them: the body (padded to size) and its headers.
CREATE OR REPLACE FUNCTION bench_delivery(scheme text, events jsonb[], size int,
                                          OUT headers jsonb, OUT body text) LANGUAGE plpgsql AS $$
DECLARE
    b jsonb := CASE scheme
        WHEN 'gocardless' THEN jsonb_build_object('events', to_jsonb(events))
        WHEN 'adyen' THEN jsonb_build_object('live', 'false', 'notificationItems',
            (SELECT jsonb_agg(jsonb_build_object('NotificationRequestItem', e)) FROM unnest(events) e))
        ELSE events[1] END;
    pad int := size - length(b::text) - 12;
BEGIN
    IF pad > 0 THEN
        b := b || jsonb_build_object('bench_pad', repeat('x', pad));
    END IF;
    body := b::text;
    headers := webhook_sign(scheme, convert_to(body, 'UTF8'), bench_scheme_secret(scheme),
                            bench_scheme_config(scheme) || CASE scheme
                                WHEN 'stripe' THEN '{"ts": 1721948600}'::jsonb
                                WHEN 'paddle' THEN '{"ts": 1721948600}'::jsonb
                                WHEN 'razorpay' THEN jsonb_build_object('event_id', 'rz-' || md5(body))
                                ELSE '{}' END);
END
$$;

DO $$
DECLARE
    s text;
    n int := current_setting('bench.n')::int;
BEGIN
    FOREACH s IN ARRAY string_to_array(current_setting('bench.schemes'), ' ') LOOP
        DELETE FROM webhook_providers WHERE name = 'b_' || s;
        PERFORM webhook_add_provider('b_' || s, s, bench_scheme_secret(s), bench_scheme_config(s));
        INSERT INTO webhook_orders (ref, total, currency)
        SELECT 'SO-' || s || '-' || i, 10.99, CASE s WHEN 'authorizenet' THEN 'USD' ELSE 'EUR' END
          FROM generate_series(1, n) i;
        INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
        SELECT 'b_' || s, 'R-' || s || '-' || i, bench_external(s, i), 'SO-' || s || '-' || i, 10.99,
               CASE s WHEN 'authorizenet' THEN 'USD' ELSE 'EUR' END
          FROM generate_series(1, n) i;
        INSERT INTO bench_scheme_bodies
        SELECT s, i, d.headers, d.body
          FROM generate_series(1, n) i,
               LATERAL bench_delivery(s, ARRAY[bench_event(s, i)], current_setting('bench.size')::int) d;
    END LOOP;
END
$$;

-- Batches: delivery n of size k carries the events of payments B<k>_<n>_1 .. B<k>_<n>_k.
DO $$
DECLARE
    s text;
    k int;
    nbatch int := current_setting('bench.nbatch')::int;
BEGIN
    FOREACH s IN ARRAY ARRAY['gocardless', 'adyen'] LOOP
        FOREACH k IN ARRAY ARRAY[1, 10, 100] LOOP
            INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
            SELECT 'b_' || s, 'R-' || s || '-B' || k || '_' || j, bench_external(s, j, 'B' || k || '_'),
                   10.99, 'EUR'
              FROM generate_series(1, nbatch) j;
            INSERT INTO bench_batches
            SELECT s, k, b, d.headers, d.body
              FROM generate_series(1, nbatch / k) b,
                   LATERAL bench_delivery(s, ARRAY(SELECT bench_event(s, (b - 1) * k + e, 'B' || k || '_')
                                                     FROM generate_series(1, k) e), 0) d;
        END LOOP;
    END LOOP;
END
$$;
ANALYZE bench_scheme_bodies, bench_batches, webhook_payments, webhook_orders;
SELECT scheme, count(*) AS deliveries, round(avg(length(body))) AS avg_bytes
  FROM bench_scheme_bodies GROUP BY 1 ORDER BY 1;

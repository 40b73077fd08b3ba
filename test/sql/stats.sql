-- webhook_stats and webhook_stats_daily: counts kept as deliveries are recorded.
CREATE SCHEMA stats_test;
SET search_path = stats_test;
CREATE EXTENSION webhook SCHEMA stats_test;
SET webhook.clock_override = '2026-03-01 12:00:00+00';

CREATE FUNCTION show(r jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', r->>'http_status', r->>'outcome', '(' || (r->>'detail') || ')')
$$;
CREATE FUNCTION pi_body(evt text, pi text, currency text DEFAULT 'eur') RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object('id', evt, 'object', 'event', 'type', 'payment_intent.succeeded',
        'data', jsonb_build_object('object', jsonb_build_object('id', pi, 'object', 'payment_intent',
        'amount', 1000, 'currency', currency)))::text
$$;
CREATE FUNCTION stripe(body text, secret text DEFAULT 'whsec_stats', ts bigint DEFAULT 1772366400) RETURNS jsonb LANGUAGE sql AS $$
    SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(body, secret, ts)), body)
$$;
-- what webhook_stats showed in 0.1.0: every delivery and event read again
CREATE VIEW recount AS
SELECT p.provider,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.provider = p.provider) AS deliveries,
       (SELECT count(*) FROM webhook_events e WHERE e.provider = p.provider) AS events,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.provider = p.provider AND d.outcome = 'duplicate') AS duplicates,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.provider = p.provider
           AND (d.http_status BETWEEN 400 AND 499 OR d.outcome = 'unknown_certificate')) AS rejections,
       (SELECT coalesce(jsonb_object_agg(outcome, n), '{}') FROM
           (SELECT outcome, count(*) AS n FROM webhook_deliveries d WHERE d.provider = p.provider
               AND (d.http_status BETWEEN 400 AND 499 OR d.outcome = 'unknown_certificate') GROUP BY outcome) r) AS rejections_by_outcome,
       (SELECT count(*) FROM webhook_events e WHERE e.provider = p.provider AND e.status = 'failed') AS failed,
       (SELECT count(*) FROM webhook_events e WHERE e.provider = p.provider AND e.status = 'unmatched') AS parked,
       (SELECT count(*) FROM webhook_events e WHERE e.provider = p.provider AND e.status = 'held') AS held,
       (SELECT max(received_at) FROM webhook_deliveries d WHERE d.provider = p.provider) AS last_delivery_at
  FROM (SELECT name AS provider FROM webhook_providers
        UNION SELECT provider FROM webhook_deliveries WHERE provider IS NOT NULL) p;
-- rows of the view that the recount does not have, and the other way round
CREATE VIEW differences AS
(SELECT 'stats' AS only_in, * FROM webhook_stats EXCEPT SELECT 'stats', * FROM recount)
UNION ALL
(SELECT 'recount', * FROM recount EXCEPT SELECT 'recount', * FROM webhook_stats);

-- A fresh install counts nothing yet; a registered provider shows with zeros
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_stats');
SELECT * FROM webhook_stats;
SELECT count(*) AS count_rows FROM webhook_delivery_counts;

-- A mix of outcomes
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'R-1', 'pi_1', 10, 'EUR'), ('stripe', 'R-2', 'pi_2', 10, 'EUR'),
       ('stripe', 'R-3', 'pi_3', 10, 'EUR');
SELECT show(stripe(pi_body('evt_1', 'pi_1')));
SELECT show(stripe(pi_body('evt_1', 'pi_1')));
SELECT show(stripe(pi_body('evt_1', 'pi_1')));
SELECT show(stripe(pi_body('evt_9', 'pi_9')));
SELECT show(webhook_ingest('ghost', '{}', '{}'::text));
SET webhook.max_body_bytes = 100;
SELECT show(stripe(pi_body('evt_2', 'pi_2')));
RESET webhook.max_body_bytes;
-- applying fails (no such currency): one new event, and its retries store none
SELECT show(stripe(pi_body('evt_3', 'pi_3', 'xyz')));
SELECT show(stripe(pi_body('evt_3', 'pi_3', 'xyz')));
-- a provider that rejects unmatched events keeps none: a rejection, no event
UPDATE webhook_providers SET config = '{"unmatched": "reject"}' WHERE name = 'stripe';
SELECT show(stripe(pi_body('evt_8', 'pi_8')));
UPDATE webhook_providers SET config = '{}' WHERE name = 'stripe';
-- refused while the secret was missing, then run again by webhook_redeliver, which stores its event
-- (signed now, on the wall clock: a redelivery is judged against its first arrival)
RESET webhook.clock_override;
SELECT show(stripe(pi_body('evt_2', 'pi_2'), 'whsec_second', NULL));
SELECT webhook_add_secret('stripe', 'whsec_second') > 0 AS added;
SELECT show(webhook_redeliver(id)) FROM webhook_deliveries WHERE event_id = 'evt_2' AND outcome = 'invalid_signature';
SET webhook.clock_override = '2026-03-01 12:00:00+00';
SELECT provider, deliveries, events, duplicates, rejections, rejections_by_outcome, failed, parked, held,
       last_delivery_at IS NOT NULL AS seen
  FROM webhook_stats ORDER BY provider;
SELECT * FROM differences;

-- One row per provider, day, outcome and status for this session's slot
SELECT provider, day = (now() AT TIME ZONE 'UTC')::date AS today, outcome, http_status,
       deliveries, events
  FROM webhook_delivery_counts ORDER BY provider, outcome, http_status;
SELECT count(DISTINCT slot) AS slots, min(slot) > 0 AS backend_ids FROM webhook_delivery_counts;
SELECT provider, day = (now() AT TIME ZONE 'UTC')::date AS today, deliveries, events, duplicates,
       rejections, rejections_by_outcome,
       last_delivery_at = (SELECT max(received_at) FROM webhook_deliveries d WHERE d.provider = s.provider) AS last_is_latest
  FROM webhook_stats_daily s ORDER BY provider, day;

-- A rolled-back call counts nothing, as it leaves no delivery
BEGIN;
SELECT show(stripe(pi_body('evt_4', 'pi_4')));
SELECT show(webhook_ingest('ghost', '{}', '{}'::text));
SELECT provider, deliveries, events FROM webhook_stats ORDER BY provider;
ROLLBACK;
SELECT provider, deliveries, events FROM webhook_stats ORDER BY provider;
-- several calls in one transaction add up in the same row; one rolled back to a
-- savepoint does not
BEGIN;
SELECT show(webhook_ingest('ghost', '{}', '{}'::text));
SAVEPOINT s;
SELECT show(webhook_ingest('ghost', '{}', '{}'::text));
ROLLBACK TO SAVEPOINT s;
SELECT show(webhook_ingest('ghost', '{}', '{}'::text));
COMMIT;
SELECT provider, outcome, deliveries FROM webhook_delivery_counts WHERE provider = 'ghost';
SELECT * FROM differences;

-- The parked event, applied once its payment exists: no delivery, so the counts stay
INSERT INTO webhook_payments (provider, reference, external_id, amount, currency)
VALUES ('stripe', 'R-9', 'pi_9', 10, 'EUR');
SELECT provider, deliveries, events, failed, parked, held FROM webhook_stats ORDER BY provider;
SELECT * FROM differences;

-- Counts are not lowered by purging or deleting deliveries
SELECT webhook_purge('0') > 0 AS purged;
SELECT * FROM differences;
DELETE FROM webhook_deliveries WHERE provider = 'ghost';
SELECT provider, deliveries, rejections_by_outcome FROM webhook_stats ORDER BY provider;

-- Row triggers on the counts fire for the change made (an update of the session's
-- row here); a table a DBA gave a statement trigger is counted through INSERT ...
-- ON CONFLICT DO UPDATE, which fires BEFORE INSERT for the row it proposes, then
-- BEFORE UPDATE for the row it changes
CREATE FUNCTION said() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        RAISE NOTICE '% % row: % %', TG_WHEN, TG_OP, NEW.outcome, NEW.deliveries;
        RETURN NEW;
    END IF;
    RAISE NOTICE 'statement %', TG_OP;
    RETURN NULL;
END
$$;
CREATE TRIGGER counted BEFORE INSERT OR UPDATE ON webhook_delivery_counts FOR EACH ROW EXECUTE FUNCTION said();
SELECT show(stripe(pi_body('evt_1', 'pi_1')));
SELECT show(stripe(pi_body('evt_5', 'pi_5', 'eur'), 'whsec_nope'));
CREATE TRIGGER counted_statement AFTER INSERT ON webhook_delivery_counts FOR EACH STATEMENT EXECUTE FUNCTION said();
SELECT show(stripe(pi_body('evt_1', 'pi_1')));
SELECT show(stripe(pi_body('evt_6', 'pi_6', 'eur'), 'whsec_nope'));
DROP TRIGGER counted_statement ON webhook_delivery_counts;
DROP TRIGGER counted ON webhook_delivery_counts;
SELECT show(stripe(pi_body('evt_1', 'pi_1')));
SELECT provider, deliveries, duplicates, rejections, rejections_by_outcome FROM webhook_stats WHERE provider = 'stripe';
SELECT outcome, http_status, deliveries FROM webhook_delivery_counts
 WHERE provider = 'stripe' AND outcome IN ('duplicate', 'invalid_signature') ORDER BY outcome;

-- Once a day is over, its rows are folded into one per day (slot 0) by the
-- first backend to start a row on a later day; the sums stay
INSERT INTO webhook_delivery_counts VALUES
    ('stripe', (now() AT TIME ZONE 'UTC')::date - 2, 'applied', 200, 901, 5, 5, now() - interval '50 hours'),
    ('stripe', (now() AT TIME ZONE 'UTC')::date - 2, 'applied', 200, 902, 7, 6, now() - interval '49 hours'),
    ('stripe', (now() AT TIME ZONE 'UTC')::date - 1, 'duplicate', 200, 901, 2, 0, now() - interval '25 hours');
SELECT provider, deliveries, events, duplicates FROM webhook_stats WHERE provider = 'stripe';
\c
SET search_path = stats_test;
SELECT show(webhook_ingest('stripe', '{}', '{}'::text));
SELECT (now() AT TIME ZONE 'UTC')::date - day AS days_ago, outcome, slot, deliveries, events
  FROM webhook_delivery_counts WHERE day < (now() AT TIME ZONE 'UTC')::date ORDER BY 1 DESC, 2;
SELECT provider, deliveries, events, duplicates FROM webhook_stats WHERE provider = 'stripe';
SELECT (now() AT TIME ZONE 'UTC')::date - day AS days_ago, deliveries, events, duplicates
  FROM webhook_stats_daily WHERE provider = 'stripe' ORDER BY 1 DESC;

-- Nobody but the owner reads or writes the counts
SELECT has_table_privilege('public', 'webhook_delivery_counts', 'SELECT') AS public_reads,
       has_table_privilege('public', 'webhook_stats_daily', 'SELECT') AS public_reads_daily;

RESET search_path;
DROP SCHEMA stats_test CASCADE;

-- bench/tables.sql: the tables that follow the extension's definitions;
-- run after CREATE EXTENSION webhook (bench/run.sh runs it again whenever
-- it reinstalls the extension).  psql variable: history.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

DROP TABLE IF EXISTS bench_floor_events, bench_floor_payments, bench_floor_orders,
                     bench_floor_deliveries, bench_history_events, bench_history_deliveries;

/*
 * The floor's tables: the same definitions, indexes, constraints and
 * storage parameters (fillfactor: LIKE does not copy those), no triggers.
 * bench_floor_deliveries serves only bench/profile.sh.
 */
CREATE TABLE bench_floor_orders (LIKE webhook_orders INCLUDING ALL);
CREATE TABLE bench_floor_payments (LIKE webhook_payments INCLUDING ALL);
CREATE TABLE bench_floor_events (LIKE webhook_events INCLUDING ALL);
CREATE TABLE bench_floor_deliveries (LIKE webhook_deliveries INCLUDING ALL);
SELECT format('ALTER TABLE %I SET (%s)', 'bench_floor_' || substr(relname, 9),
              array_to_string(reloptions, ', '))
  FROM pg_class
 WHERE relname IN ('webhook_orders', 'webhook_payments', 'webhook_events', 'webhook_deliveries')
   AND relnamespace = (SELECT extnamespace FROM pg_extension WHERE extname = 'webhook')
   AND reloptions IS NOT NULL \gexec


/*
 * History: the events and deliveries of earlier payments, loaded into
 * both workloads' tables before each run, so that every run meets tables
 * of a shop in production (indexes with depth, statistics that are not
 * "empty") rather than empty ones.  Their event ids and payment ids are
 * not those of the measured events.
 */
CREATE TABLE bench_history_events (LIKE webhook_events INCLUDING DEFAULTS);
CREATE TABLE bench_history_deliveries (LIKE webhook_deliveries INCLUDING DEFAULTS);

INSERT INTO bench_history_events
       (id, provider, event_id, event_type, action, object_id, reference, payment_id, amount,
        amount_minor, currency, occurred_at, received_at, payload, status, processed_at)
SELECT b.n, 'stripe', h.evt, b.event_type, 'capture', h.pi, 'OLD-' || b.reference, NULL, b.amount,
       b.amount_minor, b.currency, b.occurred_at - interval '90 days',
       b.occurred_at - interval '90 days' + interval '1 second',
       jsonb_set(jsonb_set(b.body::jsonb, '{id}', to_jsonb(h.evt)), '{data,object,id}', to_jsonb(h.pi)),
       'applied', b.occurred_at - interval '90 days' + interval '1 second'
  FROM bench_events b,
       LATERAL (SELECT bench_rid('evt_1', 'hist' || b.n, 23) AS evt,
                       bench_rid('pi_1', 'histpi' || b.n, 23) AS pi) h
 WHERE b.n <= :history
 ORDER BY b.n;

INSERT INTO bench_history_deliveries
       (id, provider, received_at, http_status, outcome, event_id, event_pk, secret_id,
        headers, body_sha256, body_size)
SELECT e.id, 'stripe', e.received_at, 200, 'applied', e.event_id, e.id,
       (SELECT min(id) FROM webhook_secrets), b.headers, sha256(convert_to(b.body, 'UTF8')),
       octet_length(b.body)
  FROM bench_history_events e JOIN bench_events b ON b.n = e.id
 ORDER BY e.id;

/*
 * No autovacuum on the tables the workloads write, on either side, nor on
 * the benchmark's own (just loaded, so due for a first vacuum): each run
 * starts after VACUUM ANALYZE, and within a 20-second run an autovacuum
 * or auto-analyze (of 50,000+ jsonb payloads) starts or not by chance,
 * which moved single figures by 10-20 %.
 */
SELECT format('ALTER TABLE %I SET (autovacuum_enabled = off)', t)
  FROM unnest(ARRAY['webhook_events', 'webhook_deliveries', 'webhook_payments', 'webhook_orders',
                    'bench_floor_events', 'bench_floor_deliveries', 'bench_floor_payments',
                    'bench_floor_orders', 'bench_events', 'bench_orders_seed',
                    'bench_payments_seed', 'bench_history_events',
                    'bench_history_deliveries']) AS t \gexec

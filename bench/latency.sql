-- bench/latency.sql: for bench/secrets.sh, the latency of one webhook_ingest
-- call in a warm session (this one) right after ANOTHER session (a dblink
-- connection) changed the secrets, :rounds times each, the three kinds
-- taking turns:
--
--   after_payment_secret   the other session has just created a payment
--                          with its own secret (webhook_add_secret with
--                          payment_reference), as a shop's checkout does;
--                          this session ingests that payment's event
--   after_payment_secret_loaded  the same, by another session that has
--                          called webhook_ingest itself just before (so
--                          has read the providers and secrets)
--   stored_secret          nothing changed since this session's last call;
--                          an event of a payment whose secret was stored
--                          before the run
--   after_provider_secret  the other session has just replaced a secret of
--                          the provider's own (a registration): every
--                          backend's cache of providers and secrets is stale
--
-- Each call is its own transaction (COMMIT in a procedure); the time is
-- the call's, from clock_timestamp() before to after it, not the commit's.
-- Rows of bench_vipps (bench/vipps.sql): the payments the reset stored
-- with their secrets, 1 .. 2 * rounds + 20, and the ones created here,
-- :created + 1 .. :created + 2 * rounds.  psql variables: conn (the other session's
-- connection string), rounds, created.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
DROP TABLE IF EXISTS bench_latency;
CREATE UNLOGGED TABLE bench_latency (kind text, k int, ms float8, outcome text);

-- the other session's statements for a checkout: the order, the payment
-- and its own secret, in one transaction
CREATE OR REPLACE FUNCTION bench_checkout(v bench_vipps) RETURNS text LANGUAGE sql AS $$
    SELECT format('BEGIN; INSERT INTO webhook_orders (ref, total, currency) VALUES (%L, %s, %L); '
                  'INSERT INTO webhook_payments (provider, reference, order_ref, amount, currency) '
                  'VALUES (''vipps'', %L, %L, %s, %L); '
                  'SELECT webhook_add_secret(''vipps'', %L, %L, payment_reference => %L); COMMIT',
                  v.order_ref, v.amount, v.currency, v.reference, v.order_ref, v.amount, v.currency,
                  v.secret, 'hook-' || v.reference, v.reference)
$$;

-- one timed call of webhook_ingest for v, kept in bench_latency as kind's k-th
CREATE OR REPLACE FUNCTION bench_timed_ingest(kind text, k int, v bench_vipps) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    r jsonb := webhook_ingest('vipps', v.headers, v.body);
BEGIN
    INSERT INTO bench_latency VALUES (kind, k, 1000 * extract(epoch FROM clock_timestamp() - t0), r->>'outcome');
END
$$;

CREATE OR REPLACE PROCEDURE bench_latency_run(conn text, rounds int, created int)
LANGUAGE plpgsql AS $$
DECLARE
    v bench_vipps;
BEGIN
    PERFORM dblink_connect('other', conn);
    -- warm: this session has ingested before
    FOR k IN 2 * rounds + 1 .. 2 * rounds + 20 LOOP
        SELECT * INTO v FROM bench_vipps WHERE n = k;
        PERFORM webhook_ingest('vipps', v.headers, v.body);
        COMMIT;
    END LOOP;
    FOR k IN 1 .. rounds LOOP
        SELECT * INTO v FROM bench_vipps WHERE n = created + k;
        PERFORM dblink_exec('other', bench_checkout(v));
        COMMIT;
        PERFORM bench_timed_ingest('after_payment_secret', k, v);
        COMMIT;

        -- the same, but the other session has read the providers and secrets
        -- (its own call of webhook_ingest, for a delivery with no signature)
        SELECT * INTO v FROM bench_vipps WHERE n = created + rounds + k;
        PERFORM dblink_exec('other', 'SELECT webhook_ingest(''vipps'', ''{}'', ''{}''); ' || bench_checkout(v));
        COMMIT;
        PERFORM bench_timed_ingest('after_payment_secret_loaded', k, v);
        COMMIT;

        SELECT * INTO v FROM bench_vipps WHERE n = k;
        COMMIT;
        PERFORM bench_timed_ingest('stored_secret', k, v);
        COMMIT;

        SELECT * INTO v FROM bench_vipps WHERE n = rounds + k;
        PERFORM dblink_exec('other', format(
            'BEGIN; DELETE FROM webhook_secrets WHERE label = ''registration-2''; '
            'SELECT webhook_add_secret(''vipps'', %L, ''registration-2''); COMMIT',
            bench_secret('registration ' || (k + 1))));
        COMMIT;
        PERFORM bench_timed_ingest('after_provider_secret', k, v);
        COMMIT;
    END LOOP;
    PERFORM dblink_disconnect('other');
END
$$;
CALL bench_latency_run(:'conn', :rounds, :created);

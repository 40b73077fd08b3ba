-- bench/pairs.sql: for bench/outcomes.sh, two deliveries at once, sent by
-- this session through two other connections (dblink, asynchronously:
-- both queries leave within microseconds of each other), then both
-- answers awaited, pair after pair, for :seconds: either the same
-- payment_intent.succeeded to both (mode same: one must store and apply
-- it, the other answer duplicate), or two events of different payments
-- (mode different: the common case twice).  Pair k delivers bench_events
-- row k (and, for different, row :half + k).  Each delivery's own time
-- (from its statement's start to its reply, on its server) and outcome go
-- into bench_pairs; this session commits after every pair, so it holds no
-- snapshot that would keep the workload's dead rows from being pruned.
-- psql variables: conn (connection string of both), mode, seconds, half.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE UNLOGGED TABLE IF NOT EXISTS bench_pairs (mode text, k int, side text, outcome text, secs float8);
DELETE FROM bench_pairs;

CREATE OR REPLACE PROCEDURE bench_pairs_run(conn text, mode text, seconds float8, half int)
LANGUAGE plpgsql AS $$
DECLARE
    q text := 'SELECT r->>''outcome'', extract(epoch FROM clock_timestamp() - statement_timestamp()) '
              'FROM (SELECT webhook_ingest(''stripe'', b.headers, b.body) AS r FROM bench_events b WHERE b.n = %s) x';
    stop timestamptz := clock_timestamp() + seconds * interval '1 second';
    k int := 0;
    side text;
BEGIN
    PERFORM dblink_connect('a', conn);
    PERFORM dblink_connect('b', conn);
    WHILE clock_timestamp() < stop LOOP
        k := k + 1;
        PERFORM dblink_send_query('a', format(q, k));
        PERFORM dblink_send_query('b', format(q, CASE WHEN mode = 'same' THEN k ELSE half + k END));
        FOREACH side IN ARRAY ARRAY['a', 'b'] LOOP
            INSERT INTO bench_pairs SELECT mode, k, side, t.* FROM dblink_get_result(side) AS t(outcome text, secs float8);
            PERFORM * FROM dblink_get_result(side) AS t(outcome text, secs float8);
        END LOOP;
        COMMIT;
    END LOOP;
    PERFORM dblink_disconnect('a');
    PERFORM dblink_disconnect('b');
END
$$;
CALL bench_pairs_run(:'conn', :'mode', :seconds, :half);

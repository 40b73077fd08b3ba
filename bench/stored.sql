-- bench/stored.sql: run by bench/reset.sql (-v extra=stored.sql): the
-- earlier event of every payment and its delivery (bench_stored_events,
-- made by bench/kinds.sql), into both sides' tables.  psql variable:
-- stored, the set ('succeeded' or 'created').
INSERT INTO webhook_events
       (id, provider, event_id, event_type, action, object_id, reference, payment_id, amount,
        amount_minor, currency, occurred_at, received_at, payload, status, processed_at)
SELECT id, 'stripe', event_id, event_type, action, object_id, reference, payment_id, amount,
       amount_minor, currency, occurred_at, occurred_at + interval '1 second', payload, status,
       occurred_at + interval '1 second'
  FROM bench_stored_events WHERE set = :'stored' ORDER BY id;
INSERT INTO webhook_deliveries
       (id, provider, received_at, http_status, outcome, event_id, event_pk, secret_id,
        headers, body_sha256, body_size)
SELECT s.id, 'stripe', s.occurred_at + interval '1 second', 200, s.status, s.event_id, s.id,
       (SELECT min(id) FROM webhook_secrets), s.headers, s.body_sha256, s.body_size
  FROM bench_stored_events s WHERE set = :'stored' ORDER BY id;
INSERT INTO bench_floor_events SELECT * FROM webhook_events WHERE id > 1000000000 ORDER BY id;
INSERT INTO bench_floor_deliveries SELECT * FROM webhook_deliveries WHERE id > 1000000000 ORDER BY id;

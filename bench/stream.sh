#!/usr/bin/env bash
# bench/stream.sh: the deliveries Stripe really sends for a card payment,
# beside a floor that writes the same rows.
#
#   bash bench/stream.sh          # about 8 minutes (the first run also makes the data: + 5)
#
# In the database of bench/outcomes.sh (webhook_bench_more; see
# bench/lib.sh, bench/kinds.sql), with 2 clients and synchronous_commit
# off, each client on payments of its own.  Four workloads take turns,
# BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS (default 8) each:
#
#   stream        per payment, four deliveries, each its own transaction,
#                 through webhook_ingest: charge.succeeded (captures the
#                 payment, the order paid), payment_intent.succeeded
#                 (unchanged), charge.updated (ignored), and Stripe's retry
#                 of the charge.succeeded (duplicate)
#   stream_floor  the same four transactions as plain SQL writing the same
#                 rows into trigger-less copies of the tables: bench/floor.pgb
#                 for the charge.succeeded, bench/floor_event.pgb for the
#                 others (the event row; the retry counted in it)
#   floor, ingest one payment_intent.succeeded per payment, as bench/run.sh
#
# (TPS counts payments, four deliveries each, for the stream.)  Every run
# is checked afterwards: the stream's deliveries had those outcomes, its
# event rows are the floor's, and every payment is captured and its order
# paid.  Prints each side's TPS and the ratios (goals: stream >= 0.9 of its
# floor, ingest >= 0.9 of the floor).
#
# Environment: see bench/lib.sh, and BENCH_KINDS (bench/outcomes.sh).
set -euo pipefail
NAME=stream
DB=webhook_bench_more
BENCH_SECONDS=${BENCH_SECONDS:-8}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_kinds

SPAN=$KINDS
SPANS[floor]=$NEVENTS SPANS[ingest]=$NEVENTS
# the kinds of the stream, in order (bench/kinds.sql): charge.succeeded,
# payment_intent.succeeded, charge.updated, the charge.succeeded's retry
STREAM="1 0 2 8"

workload_file() {
	local k parts=()
	case $1 in
		stream) for k in $STREAM; do parts+=("ingest.pgb:$((k * KIND_STRIDE))"); done ;;
		stream_floor)
			for k in $STREAM; do
				parts+=("$([ "$k" = 1 ] && echo floor.pgb || echo floor_event.pgb):$((k * KIND_STRIDE))")
			done ;;
		*) echo "$1.pgb"; return ;;
	esac
	compose "$1" "${parts[@]}"
}

# the columns of the event rows both sides write
EVENT_ROWS="event_id, event_type, action, object_id, reference, payment_id, amount, amount_minor,
            currency, occurred_at, payload, status, deliveries"
# check_stream WORKLOAD N EVENTS PAYMENTS ORDERS: the N payments' four
# deliveries wrote three events (and a count), captured them, paid their orders
check_stream() {
	local w=$1 n=$2
	expect "$w: events" "$(tally "$3" status)" "applied:$n ignored:$n unchanged:$n"
	expect "$w: deliveries counted in the events" "$(tally "$3" deliveries)" "1:$((2 * n)) 2:$n"
	expect "$w: captured payments, paid orders" \
		"$(q "SELECT count(*) FROM $4 WHERE state = 'captured' AND amount_captured = amount") $(q "SELECT count(*) FROM $5 WHERE state = 'paid'")" \
		"$n $n"
}
check_run() {
	local w=$1 n=$2 differ
	case $w in
		stream)
			check_stream "$w" "$n" webhook_events webhook_payments webhook_orders
			expect "$w: deliveries" "$(tally webhook_deliveries outcome)" "applied:$n duplicate:$n ignored:$n unchanged:$n"
			# kept for the floor's check: the same deliveries must write the same rows
			q "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_stream_rows;
			   CREATE UNLOGGED TABLE bench_stream_rows AS SELECT $EVENT_ROWS FROM webhook_events WHERE id > $E0" ;;
		stream_floor)
			check_stream "$w" "$n" bench_floor_events bench_floor_payments bench_floor_orders
			differ=$(q "SELECT count(*) || ' of ' || (SELECT count(*) FROM bench_stream_rows)
			              FROM (SELECT $EVENT_ROWS FROM bench_floor_events
			                     WHERE id > $E0 AND event_id IN (SELECT event_id FROM bench_stream_rows)
			                    EXCEPT SELECT * FROM bench_stream_rows) d")
			expect "$w: event rows that differ from the stream's" "${differ%% *}" 0 ;;
		*) check_applied "$w" "$n" ;;
	esac
}

WORKLOADS="stream stream_floor ingest floor"
say "$SECS s per run, 2 clients, synchronous_commit off, $ROUNDS rounds; $KINDS payments for the stream; $(nproc) CPUs"
# shellcheck disable=SC2086
alternate off 2 $WORKLOADS
echo
summary stream_floor stream stream_floor
echo
summary floor ingest floor
echo
echo "(stream TPS: payments per second, four deliveries each)"
verdict "stream / stream_floor" "${RATIO[stream]}" 0.9
verdict "ingest / floor" "${RATIO[ingest]}" 0.9
echo "(saved in ${OUT#"$REPO"/}; pgbench logs in ${LOGDIR#"$REPO"/}/)"

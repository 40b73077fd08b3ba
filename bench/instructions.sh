#!/usr/bin/env bash
# bench/instructions.sh: CPU instructions per transaction of each workload,
# counted by valgrind (callgrind), so that the comparison with the floor
# does not move with what the machine's neighbours do.
#
#   bash bench/instructions.sh
#
# Same database and data as bench/run.sh (see bench/lib.sh).  For each
# workload it resets the tables, stops the cluster, runs the workload's
# statement in a single-user backend under callgrind (PREPARE, then EXECUTE
# for one new delivery after another, as pgbench -M prepared does), and
# starts the cluster again.  It does so twice, with FIRST and then LAST
# executions (new deliveries each time), and takes the difference divided
# by LAST - FIRST: start-up, PREPARE and planning drop out, and what is left
# is the instructions of one transaction.
#
# Valgrind's CPU has no SHA instructions (SHA-NI), so OpenSSL hashes in
# plain code there: the table also shows each figure without libcrypto.
# On hardware with SHA-NI, hashing a 2.7 KB body twice (its SHA-256 and the
# Stripe HMAC) takes a few microseconds.
#
# The count is of one backend on its own: no client, no lock waits, no
# cache misses.  It is the work; bench/run.sh measures the time.
#
# Two more workloads count the four deliveries of bench/stream.sh for one
# payment (charge.succeeded, payment_intent.succeeded, charge.updated and
# the charge.succeeded's retry, each its own transaction): stream through
# webhook_ingest, stream_floor as that script's floor.  With either in the
# ladder, every workload runs in bench/stream.sh's database
# (webhook_bench_more, with bench/kinds.sql's deliveries), and their
# figures are per payment, four deliveries each.  So do refund
# (charge.refunded, cumulative) and refund_ledger (refund.created, into the
# ledger): one refund of the whole amount per captured payment, as
# bench/outcomes.sh delivers them.
#
# Two more count what the outbox costs: ingest_outbox is ingest with one
# consumer subscribed (two messages per capture: payment.captured,
# order.paid), against floor_outbox (bench/floor_outbox.pgb, the floor plus
# those two rows in a trigger-less copy of webhook_outbox).
#
# Environment: see bench/lib.sh, and
#   BENCH_LADDER    workloads (default: lookup floor floor_delivery triggers
#                   ingest stream_floor stream)
#   BENCH_IR_FIRST  executions of the first run (default 50)
#   BENCH_IR_LAST   executions of the second run (default 250)
set -euo pipefail
NAME=instructions

LADDER=${BENCH_LADDER:-"lookup floor floor_delivery triggers ingest stream_floor stream"}
case " $LADDER " in *" stream"* | *" refund"*) DB=webhook_bench_more ;; esac
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/callgrind.sh"
[ "$DB" != webhook_bench_more ] || ensure_kinds

# the stream's four deliveries of payment n, bench/kinds.sql's kinds 1, 0, 2, 8
ir_parts() {
	local k
	case $1 in
		stream) for k in 1 0 2 8; do printf 'ingest.pgb:%s ' $((k * KIND_STRIDE)); done ;;
		stream_floor)
			for k in 1 0 2 8; do
				printf '%s:%s ' "$([ $k = 1 ] && echo floor.pgb || echo floor_event.pgb)" $((k * KIND_STRIDE))
			done ;;
		refund) echo "ingest.pgb:$((4 * KIND_STRIDE))" ;;
		refund_ledger) echo "ingest.pgb:$((5 * KIND_STRIDE))" ;;
		floor_outbox) echo "floor_outbox.pgb:0" ;;
		*) echo "$(workload_file "$1"):0" ;;
	esac
}
# the refunds start from captured payments, their payment_intent.succeeded stored
reset_run() {
	local w=$1
	case $1 in
		refund*) set -- -v extra=stored.sql -v stored=succeeded -v captured=true ;;
		*) set -- ;;
	esac
	"${PSQL[@]}" -d "$DB" "$@" -f "$BENCH/reset.sql" >/dev/null
	# the outbox: empty, and one consumer subscribed for ingest_outbox only
	if [ "$DB" = webhook_bench ]; then
		"${PSQL[@]}" -d "$DB" -c "CREATE TABLE IF NOT EXISTS bench_floor_outbox (LIKE webhook_outbox INCLUDING ALL)" \
			-c "SELECT webhook_unsubscribe('bench')" -c "TRUNCATE webhook_outbox, bench_floor_outbox" >/dev/null
		[ "$w" != ingest_outbox ] || "${PSQL[@]}" -d "$DB" -c "SELECT webhook_subscribe('bench')" >/dev/null
	fi
}
check_counted() {
	local o n
	case $1 in
		stream)
			for o in applied unchanged ignored duplicate; do
				n=$(grep -c "\"outcome\": \"$o\"" "$2" || true)
				[ "$n" = "$LAST" ] || die "$1: $n of $LAST payments had a delivery $o under callgrind"
			done ;;
		refund*) counted_applied ingest "$2" ;;
		*) counted_applied "$@" ;;
	esac
}

"${PSQL[@]}" -d "$DB" -c "ALTER DATABASE $DB SET webhook.clock_override = '$CLOCK'" >/dev/null
say "instructions per transaction: ($LAST - $FIRST executions) of each workload under callgrind"
declare -A IR IRX
for w in $LADDER; do
	reset_run "$w"
	count_workload "$w"
	IR[$w]=$IR_ALL IRX[$w]=$IR_OWN
	say "$w: ${IR[$w]} instructions per transaction (${IRX[$w]} outside libcrypto)"
done

echo
printf '%-16s %14s %8s %18s %8s\n' workload 'instructions' ratio 'without libcrypto' ratio
for w in $LADDER; do
	# the stream against its own floor, everything else against the floor
	f=floor
	[ "$w" != stream ] || f=stream_floor
	[ "$w" != ingest_outbox ] || f=floor_outbox
	r=$([ -n "${IR[$f]:-}" ] && awk -v f="${IR[$f]}" -v x="${IR[$w]}" 'BEGIN { printf "%.2f", f / x }' || echo -)
	rx=$([ -n "${IRX[$f]:-}" ] && awk -v f="${IRX[$f]}" -v x="${IRX[$w]}" 'BEGIN { printf "%.2f", f / x }' || echo -)
	printf '%-16s %14s %8s %18s %8s\n' "$w" "${IR[$w]}" "$r" "${IRX[$w]}" "$rx"
done
echo "(instructions per transaction of one single-user backend; ratio: the floor's over this one's"
echo " (stream: stream_floor's), the TPS ratio a CPU-bound machine with nothing else to do and no"
echo " cache misses would show)"
echo "(saved in ${OUT#"$REPO"/})"

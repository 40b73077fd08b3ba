#!/usr/bin/env bash
# bench/outbox.sh: what the outbox costs ingest, and how fast workers drain it.
#
#   bash bench/outbox.sh          # about 5 minutes
#
# In webhook_bench (bench/run.sh's data: one payment_intent.succeeded per
# payment), 2 clients, synchronous_commit off, BENCH_ROUNDS rounds
# (default 3) of four workloads taking turns:
#
#   floor          bench/floor.pgb: the event, payment and order rows
#   ingest         webhook_ingest with no consumer subscribed
#   floor_outbox   bench/floor_outbox.pgb: the floor plus the two messages
#                  (payment.captured, order.paid) with their payloads, into
#                  a trigger-less copy of webhook_outbox with its indexes
#   ingest_outbox  webhook_ingest with one consumer subscribed to '*'
#
# Each run is checked (every event applied; for ingest_outbox two messages
# per transaction, none for ingest).  Then the drain: BENCH_MESSAGES
# (default 200000) ready messages of as many payments, behind as many done
# ones (a claim must not read what is done), claimed and
# acknowledged 100 at a time (bench/claim.pgb) until none is left, by 1
# worker, then by 2 (20 claims more than it takes each, which find
# nothing); messages per second, and that every message was
# handed out once.  Goals: ingest_outbox >= 0.85 of the floor; ingest with no
# consumer as bench/run.sh has it.
set -euo pipefail
NAME=outbox
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MESSAGES=${BENCH_MESSAGES:-200000}

q "CREATE TABLE IF NOT EXISTS bench_floor_outbox (LIKE webhook_outbox INCLUDING ALL)"

reset_run() {
	"${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null
	q "SELECT webhook_unsubscribe('bench'); TRUNCATE webhook_outbox, bench_floor_outbox" >/dev/null
	q "VACUUM ANALYZE webhook_outbox, bench_floor_outbox"
}
before_pgbench() { [ "$1" != ingest_outbox ] || q "SELECT webhook_subscribe('bench')" >/dev/null; }
workload_file() {
	case $1 in
		ingest | ingest_outbox) echo ingest.pgb ;;
		floor) echo floor.pgb ;;
		floor_outbox) echo floor_outbox.pgb ;;
	esac
}
check_run() {
	local w=$1 n=$2 want=0 got
	case $w in
		floor_outbox) check_applied floor "$n"; got=$(q "SELECT count(*) FROM bench_floor_outbox"); want=$((2 * n)) ;;
		floor) check_applied floor "$n"; return ;;
		ingest_outbox) check_applied ingest "$n"; want=$((2 * n)) ;;
		*) check_applied "$w" "$n" ;;
	esac
	[ "$w" = floor_outbox ] || got=$(q "SELECT count(*) FROM webhook_outbox")
	expect "$w: outbox messages" "$got" "$want"
}

if [ "${BENCH_DRAIN_ONLY:-0}" != 1 ]; then
say "$SECS s per run, $ROUNDS rounds, 2 clients, synchronous_commit off; $(nproc) CPUs"
alternate off 2 floor ingest floor_outbox ingest_outbox
echo
summary floor floor ingest floor_outbox ingest_outbox
echo
R_INGEST=${RATIO[ingest]} R_OUTBOX=${RATIO[ingest_outbox]}
echo "ingest_outbox over floor_outbox: $(ratio "$(median $(for r in $(seq 1 "$ROUNDS"); do echo "${A_TPS[ingest_outbox,$r]}"; done))" \
	"$(median $(for r in $(seq 1 "$ROUNDS"); do echo "${A_TPS[floor_outbox,$r]}"; done))")"
verdict "ingest with one consumer over the floor" "$R_OUTBOX" 0.85
verdict "ingest with no consumer over the floor" "$R_INGEST" 0.80
fi

# --- the drain -----------------------------------------------------------------
fill() {
	q "SELECT webhook_unsubscribe('bench'); TRUNCATE webhook_outbox RESTART IDENTITY; SELECT webhook_subscribe('bench');
	   INSERT INTO webhook_outbox (consumer, topic, payload, payment_id, status, attempts, done_at)
	   SELECT 'bench', 'payment.captured', '{}', g, 'done', 1, now() FROM generate_series(1, $MESSAGES) g;
	   INSERT INTO webhook_outbox (consumer, topic, payload, payment_id)
	   SELECT 'bench', 'payment.captured',
	          jsonb_build_object('topic', 'payment.captured', 'payment', jsonb_build_object('id', g, 'state', 'captured')),
	          g FROM generate_series($MESSAGES + 1, 2 * $MESSAGES) g" >/dev/null
	q "VACUUM ANALYZE webhook_outbox"
}
echo
for c in 1 2; do
	fill
	log="$LOGDIR/claim-c$c.log"
	t0=$(date +%s.%N)
	PGOPTIONS="-c synchronous_commit=off" pgbench -n -M prepared -t $((MESSAGES / 100 / c + 20)) -c "$c" -j "$c" \
		-f "$BENCH/claim.pgb" "$DB" >"$log" 2>&1 ||
		{ cat "$log"; die "pgbench failed: claim, $c workers"; }
	t1=$(date +%s.%N)
	IFS="|" read -r done_n leased_n attempts_max <<<"$(q "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'leased'), max(attempts) FROM webhook_outbox WHERE id > $MESSAGES")"
	[ "$leased_n" = 0 ] && [ "$attempts_max" -le 1 ] || die "claim, $c workers: $leased_n leased left, a message claimed $attempts_max times"
	[ "$done_n" = "$MESSAGES" ] || die "claim, $c workers: $done_n of $MESSAGES messages done"
	printf 'bench: drain  workers=%s  %9.0f messages/s  (%s messages, 100 a claim, in %.1f s, each claimed once)\n' \
		"$c" "$(awk -v n="$done_n" -v a="$t0" -v b="$t1" 'BEGIN { print n / (b - a) }')" "$done_n" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
done
q "SELECT webhook_unsubscribe('bench'); TRUNCATE webhook_outbox" >/dev/null

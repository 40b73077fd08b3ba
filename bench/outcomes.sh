#!/usr/bin/env bash
# bench/outcomes.sh: every outcome of a new delivery beside the common case.
#
#   bash bench/outcomes.sh        # about 12 minutes (the first run also makes the data: + 5)
#
# In its own database (webhook_bench_more, kept between runs; see
# bench/lib.sh, bench/kinds.sql), with 2 clients and synchronous_commit
# off, each client on payments of its own, one delivery per payment:
#
#   applied        payment_intent.succeeded for its pending payment (the
#                  common case; every payment has its earlier
#                  payment_intent.created stored)
#   unchanged      charge.succeeded for a captured payment
#   superseded     payment_intent.processing for a captured payment
#   ignored        charge.updated
#   duplicate      Stripe's retry of the stored payment_intent.succeeded
#   refund         charge.refunded, the whole amount, of a captured payment
#   refund_ledger  refund.created, the whole amount, of a captured payment
#   unmatched      payment_intent.succeeded for a payment that does not exist
#
# (all but applied start with every payment captured, its order paid, and
# its payment_intent.succeeded stored), BENCH_ROUNDS rounds (default 3) of
# BENCH_SECONDS (default 6) each, the workloads taking turns.  Then, as
# many rounds, two deliveries sent at once through two connections, pair
# after pair (bench/pairs.sql), taking turns:
#
#   different      the payment_intent.succeeded of two pending payments
#   same           the same payment_intent.succeeded twice
#
# Every run is checked afterwards: each delivery had the outcome named,
# and wrote (or for a duplicate, counted) what that outcome writes.
# Prints each workload's TPS beside the common case's in the same round
# (goal: each outcome >= 0.7), what the backends waited on (sampled every
# 5 ms), and for the pairs, deliveries per second and each delivery's own
# time by outcome: whether the second delivery of an event waits for the
# first.
#
# Environment: see bench/lib.sh, and
#   BENCH_KINDS      payments with deliveries of every kind (default 100000);
#                    the clients of a run share them
#   BENCH_WORKLOADS  the workloads (default: all of the above but the pairs)
set -euo pipefail
NAME=outcomes
DB=webhook_bench_more
BENCH_SECONDS=${BENCH_SECONDS:-6}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_kinds

WORKLOADS=${BENCH_WORKLOADS:-"applied unchanged superseded ignored duplicate refund refund_ledger unmatched"}
SPAN=$KINDS
# the kind each workload delivers (bench/kinds.sql), the outcome it must have
declare -A KIND=([applied]=0 [unchanged]=1 [ignored]=2 [superseded]=3 [refund]=4 [refund_ledger]=5
	[unmatched]=6 [duplicate]=7)
declare -A OUTCOME=([applied]=applied [unchanged]=unchanged [ignored]=ignored [superseded]=superseded
	[refund]=applied [refund_ledger]=applied [unmatched]=unmatched [duplicate]=duplicate)
declare -A A_LOCK A_WAITS

workload_file() { compose "$1" "ingest.pgb:$((KIND[$1] * KIND_STRIDE))"; }

reset_run() {
	case $1 in
		applied) set -- -v stored=created ;;
		*) set -- -v stored=succeeded -v captured=true ;;
	esac
	"${PSQL[@]}" -d "$DB" -v extra=stored.sql "$@" -f "$BENCH/reset.sql" >/dev/null
}

before_pgbench() { waits_start; }
after_pgbench() { waits_stop; }

# count TABLE CONDITION: its rows that match
count() { q "SELECT count(*) FROM $1 WHERE $2"; }

check_run() {
	local w=$1 n=$2 d e
	d=$(tally webhook_deliveries outcome) e=$(tally webhook_events status)
	case $w in
		duplicate)
			expect "$w: deliveries" "$d" "duplicate:$n"
			expect "$w: new events" "$e" "-"
			expect "$w: redeliveries counted" "$(q "SELECT sum(deliveries - 1) FROM webhook_events WHERE id > 1000000000")" "$n" ;;
		*)
			expect "$w: deliveries" "$d" "${OUTCOME[$w]}:$n"
			expect "$w: events" "$e" "${OUTCOME[$w]}:$n" ;;
	esac
	case $w in
		applied)
			expect "$w: captured payments, paid orders" \
				"$(count webhook_payments "state = 'captured' AND amount_captured = amount") $(count webhook_orders "state = 'paid'")" "$n $n" ;;
		refund | refund_ledger)
			expect "$w: refunded payments, refunded orders" \
				"$(count webhook_payments "state = 'refunded' AND amount_refunded = amount") $(count webhook_orders "state = 'refunded'")" "$n $n" ;;
		*)
			expect "$w: payments moved" "$(count webhook_payments "state <> 'captured'")" 0 ;;
	esac
	case $w in
		refund_ledger) expect "$w: refunds" "$(count webhook_refunds true)" "$n" ;;
		*) expect "$w: refunds" "$(count webhook_refunds true)" 0 ;;
	esac
}

# the lock waits of each run, and what the last round's run waited on
after_run() {
	A_LOCK[$1,$2]=$LOCKWAIT A_WAITS[$1]=$WAITS
	say "         waits: $WAITS"
}

say "$SECS s per run, 2 clients, synchronous_commit off, $ROUNDS rounds; $KINDS payments; $(nproc) CPUs"
# shellcheck disable=SC2086
alternate off 2 $WORKLOADS

echo
# shellcheck disable=SC2086
summary applied $WORKLOADS
echo
printf '%-18s %10s %12s  %s\n' workload body_bytes 'lock wait%' 'what the backends did (last round)'
for w in $WORKLOADS; do
	locks=()
	for r in $(seq 1 "$ROUNDS"); do locks+=("${A_LOCK[$w,$r]}"); done
	printf '%-18s %10s %12s  %s\n' "$w" \
		"$(q "SELECT round(avg(octet_length(body))) FROM bench_events WHERE n BETWEEN $((KIND[$w] * KIND_STRIDE + 1)) AND $((KIND[$w] * KIND_STRIDE + KINDS))")" \
		"$(median "${locks[@]}")" "${A_WAITS[$w]}"
done
echo "(body_bytes: the average body of the workload's deliveries; lock wait%: the per cent of the samples"
echo " of pgbench's backends, every 5 ms, that waited on a lock (a row, a transaction), median of the rounds;"
echo " cpu: running, idle: waiting for pgbench)"

# --- two deliveries at once ----------------------------------------------------
# pairs MODE ROUND: a run of bench/pairs.sql from the state of applied,
# checked; keeps deliveries per second, the median time of each outcome's
# deliveries and the lock waits in P_RATE, P_TIMES, P_LOCK
declare -A P_RATE P_TIMES P_LOCK
pairs() {
	local mode=$1 r=$2 k got
	RUNS=$((RUNS + 1))
	reset_run applied
	read -r E0 D0 <<<"$(q "SELECT (SELECT max(id) FROM webhook_events) || ' ' || (SELECT max(id) FROM webhook_deliveries)")"
	waits_start
	"${PSQL[@]}" -d "$DB" -v conn="host=$PGHOST port=$PGPORT dbname=$DB user=$PGUSER application_name=pgbench options=-csynchronous_commit=off" \
		-v mode="$mode" -v seconds="$SECS" -v half=$((KINDS / 2)) -f "$BENCH/pairs.sql" >/dev/null
	waits_stop
	k=$(q "SELECT count(DISTINCT k) FROM bench_pairs")
	[ "$k" -le $((KINDS / 2)) ] || die "pairs: $k pairs ran out of the $((KINDS / 2)) payments: raise BENCH_KINDS"
	if [ "$mode" = same ]; then got="applied:$k duplicate:$k"; else got="applied:$((2 * k))"; fi
	expect "pairs $mode: deliveries" "$(tally webhook_deliveries outcome)" "$got"
	expect "pairs $mode: events" "$(tally webhook_events status)" "applied:$([ "$mode" = same ] && echo "$k" || echo $((2 * k)))"
	P_RATE[$mode,$r]=$(awk -v k="$k" -v s="$SECS" 'BEGIN { printf "%.1f", 2 * k / s }')
	P_TIMES[$mode,$r]=$(q "SELECT string_agg(outcome || ' ' || ms || ' ms', ', ' ORDER BY outcome)
	                         FROM (SELECT outcome, round((1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY secs))::numeric, 3) AS ms
	                                 FROM bench_pairs GROUP BY outcome) t")
	P_LOCK[$mode,$r]=$LOCKWAIT
	say "pairs round $r  $mode: ${P_RATE[$mode,$r]} deliveries/s; median time ${P_TIMES[$mode,$r]}; waits: $WAITS"
}
echo
say "two deliveries at once, pair after pair, $SECS s per run"
for r in $(seq 1 "$ROUNDS"); do
	pairs different "$r"
	pairs same "$r"
done
echo
printf '%-10s %-14s %7s %11s  %s\n' pairs deliveries/s ratio 'lock wait%' 'median time of a delivery, by outcome (last round)'
for mode in different same; do
	rates=() rat=() locks=()
	for r in $(seq 1 "$ROUNDS"); do
		rates+=("${P_RATE[$mode,$r]}") locks+=("${P_LOCK[$mode,$r]}")
		rat+=("$(ratio "${P_RATE[$mode,$r]}" "${P_RATE[different,$r]}")")
	done
	printf '%-10s %-14s %7s %11s  %s\n' "$mode" "$(median "${rates[@]}")" "$(median "${rat[@]}")" "$(median "${locks[@]}")" "${P_TIMES[$mode,$ROUNDS]}"
done
echo "(deliveries/s: medians of the rounds; ratio: over different's in the same round; time: from the"
echo " statement's start to its reply, on the server)"
echo
for w in $WORKLOADS; do
	[ "$w" = applied ] || verdict "$w / applied" "${RATIO[$w]}" 0.7
done
echo "(saved in ${OUT#"$REPO"/}; pgbench logs in ${LOGDIR#"$REPO"/}/)"

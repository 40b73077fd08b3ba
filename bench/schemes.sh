#!/usr/bin/env bash
# bench/schemes.sh: each scheme's ingest against Stripe's, and the cost of
# an event in a batch.
#
#   bash bench/schemes.sh          # about 3 minutes (the data: + 1)
#
# In a database of its own (webhook_bench_schemes; see bench/lib.sh), one
# client, synchronous_commit off, BENCH_ROUNDS rounds (default 3) taking
# turns, each run ingesting BENCH_PER_RUN events (default 4000):
#
#   <scheme>   webhook_ingest of one signed delivery after another, each
#              capturing its own payment and order, every body padded to
#              the size of bench/run.sh's Stripe body (BENCH_SIZE, 2,730
#              bytes), for stripe and each scheme of BENCH_SCHEMES
#              (bench/schemes.sql makes the deliveries with webhook_sign);
#              the figure is the scheme's median TPS over Stripe's
#   <scheme>_k GoCardless and Adyen deliveries of k = 1, 10 and 100
#              events, each capturing its own payment; the figure is the
#              time per event (ms), and its ratio to the batch of 1
#
# Every run is checked: each delivery answered 200 and each event applied.
# Figures are of this machine, side by side in one run: compare ratios.
#
# Environment: see bench/lib.sh, and
#   BENCH_SCHEMES   the schemes beside stripe (default "adyen gocardless
#                   authorizenet mollie paddle razorpay square")
#   BENCH_PER_RUN   events each run ingests (default 4000); the data
#                   holds BENCH_ROUNDS times that of each workload
set -euo pipefail
NAME=schemes
DB=webhook_bench_schemes
BENCH_EVENTS=${BENCH_EVENTS:-20000}
BENCH_HISTORY=${BENCH_HISTORY:-0}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCHEMES="stripe ${BENCH_SCHEMES:-adyen gocardless authorizenet mollie paddle razorpay square}"
ROUNDS=${BENCH_ROUNDS:-3}
PER_RUN=${BENCH_PER_RUN:-4000}			# events each run ingests
NDEL=$((ROUNDS * PER_RUN))
NBATCH=$((ROUNDS * PER_RUN))
SIZE=${BENCH_SIZE:-2730}

say "making $NDEL deliveries of each of: $SCHEMES; batches of $NBATCH events"
"${PSQL[@]}" -d "$DB" -v schemes="$SCHEMES" -v n="$NDEL" -v size="$SIZE" -v nbatch="$NBATCH" \
	-f "$BENCH/schemes.sql"

# run SCHEME K: one pgbench run, 1 client, over the deliveries not yet
# taken (NEXT[SCHEME_K]); sets TPS and NX, and checks the replies.
declare -A NEXT
run() {
	local s=$1 k=$2 key="$1_$2" log script from
	from=${NEXT[$key]:-0}
	log="$LOGDIR/$key-$RANDOM.log"
	script="$LOGDIR/$key.pgb"
	if [ "$k" = 0 ]; then
		printf '%s\n' '\set n :n + 1' \
			"SELECT webhook_ingest('b_$s', b.headers, b.body) FROM bench_scheme_bodies b WHERE b.scheme = '$s' AND b.n = :n;" >"$script"
	else
		printf '%s\n' '\set n :n + 1' \
			"SELECT webhook_ingest('b_$s', b.headers, b.body) FROM bench_batches b WHERE b.scheme = '$s' AND b.k = $k AND b.n = :n;" >"$script"
	fi
	read -r D0 <<<"$(q "SELECT coalesce(max(id), 0) FROM webhook_deliveries")"
	PGOPTIONS="-c synchronous_commit=off" pgbench -n -M prepared -t "$((PER_RUN / (k > 0 ? k : 1)))" -c 1 -j 1 -D n="$from" \
		-f "$script" "$DB" >"$log" 2>&1 || { cat "$log"; die "pgbench failed: $key"; }
	TPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	NX=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	NEXT[$key]=$((from + NX))
	local got
	got=$(q "SELECT count(*) FILTER (WHERE http_status = 200 AND outcome = 'applied'
	                                   AND event_count = greatest($k, 1)) || ' ' || count(*)
	           FROM webhook_deliveries WHERE id > $D0")
	[ "$got" = "$NX $NX" ] || die "$key: $NX deliveries, but applied with their events, all = $got "
}

declare -A FIG
for r in $(seq 1 "$ROUNDS"); do
	for s in $SCHEMES; do
		run "$s" 0
		FIG[$s]="${FIG[$s]:-} $TPS"
	done
	for s in gocardless adyen; do
		for k in 1 10 100; do
			run "$s" "$k"
			FIG[${s}_$k]="${FIG[${s}_$k]:-} $TPS"
		done
	done
	say "round $r done"
done

echo
echo "ingest, 1 client, synchronous_commit off, bodies of about $SIZE bytes; median of $ROUNDS rounds of $PER_RUN events"
printf '%-14s %10s %10s\n' scheme TPS "vs stripe"
base=$(median ${FIG[stripe]})
for s in $SCHEMES; do
	m=$(median ${FIG[$s]})
	printf '%-14s %10.0f %10s\n' "$s" "$m" "$(ratio "$m" "$base")"
done
echo
echo "batches: time per event (ms), and its ratio to a delivery of one event"
printf '%-14s %8s %12s %10s\n' scheme events "ms/event" "vs 1"
for s in gocardless adyen; do
	one=$(median ${FIG[${s}_1]})
	for k in 1 10 100; do
		m=$(median ${FIG[${s}_$k]})
		printf '%-14s %8s %12s %10s\n' "$s" "$k" "$(awk -v t="$m" -v k="$k" 'BEGIN { printf "%.3f", 1000 / (t * k) }')" \
			"$(awk -v t="$m" -v k="$k" -v o="$one" 'BEGIN { printf "%.2f", (1000 / (t * k)) / (1000 / o) }')"
	done
done
echo "(saved in $OUT)"

#!/usr/bin/env bash
# bench/profile.sh: where webhook_ingest's time goes, by difference.
#
#   bash bench/profile.sh
#
# Same database, data, resets and checks as bench/run.sh (see there and
# bench/lib.sh), but it runs a ladder of workloads, each adding one part of
# what webhook_ingest does, at one setting (default 2 clients,
# synchronous_commit off: the goal's):
#
#   lookup           fetch the pre-generated delivery only (profile/lookup.pgb)
#   floor            bench/floor.pgb
#   floor_delivery   the floor plus the delivery row (profile/floor_delivery.pgb)
#   triggers         INSERT the parsed event and its delivery into the
#                    extension's tables: its triggers do the state work, no
#                    verification, no C front end (profile/triggers.pgb)
#   ingest_nonotify  webhook_ingest with webhook.notify = off
#   ingest           webhook_ingest
#
# and prints TPS, wall time per transaction per client, the server's CPU
# time per transaction (steadier on a busy machine), and the CPU step from
# the previous line.  With BENCH_PERF=1 (and perf installed) it then records
# the ingest workload with perf and prints the heaviest functions
# (inclusive) of the backends.
#
# Environment: see bench/lib.sh, and
#   BENCH_CLIENTS  clients (default 2)
#   BENCH_SYNC     synchronous_commit (default off)
#   BENCH_LADDER   the workloads to run (default: all of the above)
#   BENCH_ROUNDS   runs of each workload (default 1); the least CPU is kept
#   BENCH_PERF=1   also profile ingest with perf
set -euo pipefail
NAME=profile
BENCH_SECONDS=${BENCH_SECONDS:-15}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

c=${BENCH_CLIENTS:-2}
sync=${BENCH_SYNC:-off}
LADDER=${BENCH_LADDER:-"lookup floor floor_delivery triggers ingest_nonotify ingest"}
ROUNDS=${BENCH_ROUNDS:-1}

say "$SECS s per run; $c clients; synchronous_commit $sync; $(nproc) CPUs"
printf '\n%-16s %10s %10s %10s %10s %10s %7s\n' workload TPS 'wall us' 'CPU us' 'CPU step' WAL/xact steal%
prev=
for w in $LADDER; do
	opts=
	[ "$w" = ingest_nonotify ] && opts="-c webhook.notify=off"
	best=
	for round in $(seq 1 "$ROUNDS"); do
		run_workload "$w" "$sync" "$c" "$opts"
		if [ -z "$best" ] || [ "$CPUX" -lt "${best%% *}" ]; then
			best="$CPUX $TPS $WALX $STEAL"
		fi
	done
	read -r CPUX TPS WALX STEAL <<<"$best"
	wall=$(awk -v t="$TPS" -v c="$c" 'BEGIN { printf "%.0f", 1e6 * c / t }')
	step=$( [ -n "$prev" ] && awk -v a="$CPUX" -v b="$prev" 'BEGIN { printf "%+d", a - b }' || echo "")
	printf '%-16s %10.1f %10s %10s %10s %10s %7s\n' "$w" "$TPS" "$wall" "$CPUX" "$step" "$WALX" "$STEAL"
	prev=$CPUX
done
echo "(wall us: microseconds per transaction per client, clients / TPS; CPU us: server CPU"
echo " microseconds per transaction; CPU step: the difference from the line above.  With"
echo " BENCH_ROUNDS > 1 each line is the round with the least CPU per transaction.  steal%: CPU"
echo " time the hypervisor gave to other guests during the run.)"

if [ "${BENCH_PERF:-0}" = 1 ]; then
	command -v perf >/dev/null || die "BENCH_PERF=1 needs perf"
	echo
	pw=${BENCH_PERF_WORKLOAD:-ingest}
	say "perf: recording $pw, $c clients, synchronous_commit $sync"
	"${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null
	PGOPTIONS="-c synchronous_commit=$sync" \
		pgbench -n -M prepared -T "$SECS" -c "$c" -j "$c" -D i=0 -D stride=$((NEVENTS / c)) \
		-f "$BENCH/$(workload_file "$pw")" "$DB" >"$LOGDIR/perf-pgbench.log" 2>&1 &
	pgb=$!
	sleep 2
	perf record -q -F 999 -g -a -o "$LOGDIR/perf.data" -- sleep $((SECS - 4)) >/dev/null 2>&1
	wait "$pgb"
	echo "inclusive share of the samples of all postgres processes (top 45; anonymous frames left out):"
	perf report -i "$LOGDIR/perf.data" --comm postgres --children --sort sym -g none 2>/dev/null |
		grep -v '^#' | grep -v '^$' | grep -v '\] 0x0000' | head -45 || true
	echo "(perf data in ${LOGDIR#"$REPO"/}/perf.data)"
fi
echo "(saved in ${OUT#"$REPO"/})"

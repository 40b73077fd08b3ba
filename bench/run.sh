#!/usr/bin/env bash
# bench/run.sh: webhook_ingest's throughput beside a floor.
#
#   bash bench/run.sh
#
# Builds, installs and starts the test cluster (scripts/setup.sh), creates
# a fresh database webhook_bench with the extension, a Stripe provider,
# BENCH_EVENTS payments (each with its own order of the same amount) and
# as many signed payment_intent.succeeded deliveries (2-3 KB, one per
# payment), then runs pgbench for two workloads:
#
#   ingest  SELECT webhook_ingest('stripe', headers, body)      (ingest.pgb)
#   floor   one statement writing the same event, payment and order rows
#           into trigger-less copies of the tables               (floor.pgb)
#
# each with synchronous_commit off and on, 1 and 2 clients, BENCH_SECONDS
# each.  Every run starts from the same state (tables reloaded, VACUUM
# ANALYZE, CHECKPOINT) and is checked afterwards (every transaction
# applied a new event to its payment and order).  Prints TPS and the ratio
# of ingest to the floor, then the goal check (2 clients,
# synchronous_commit off, ratio >= 0.8).  The output is also saved in
# bench/out/ (git-ignored), with pgbench's logs.
#
# Environment: see bench/lib.sh, and
#   BENCH_CLIENTS  client counts (default "1 2")
#   BENCH_SYNC     synchronous_commit values (default "off on")
#   BENCH_ROUNDS   how many times to run the whole set (default 1); the
#                  table keeps each cell's best run (the one least disturbed
#                  by whatever else the machine was doing)
set -euo pipefail
NAME=bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENT_LIST=${BENCH_CLIENTS:-"1 2"}
SYNC_LIST=${BENCH_SYNC:-"off on"}
ROUNDS=${BENCH_ROUNDS:-1}
declare -A R_TPS R_WAL R_CKPT R_CPU R_STEAL

say "$SECS s per run; clients: $CLIENT_LIST; synchronous_commit: $SYNC_LIST; rounds: $ROUNDS; $(nproc) CPUs"
say "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
	for sync in $SYNC_LIST; do
		for c in $CLIENT_LIST; do
			for w in floor ingest; do
				run_workload "$w" "$sync" "$c"
				if [ -z "${R_TPS[$w,$sync,$c]:-}" ] ||
					awk -v a="$TPS" -v b="${R_TPS[$w,$sync,$c]}" 'BEGIN { exit !(a > b) }'; then
					R_TPS[$w,$sync,$c]=$TPS R_WAL[$w,$sync,$c]=$WALX R_CKPT[$w,$sync,$c]=$CKPTS R_CPU[$w,$sync,$c]=$CPUX R_STEAL[$w,$sync,$c]=$STEAL
				fi
				printf 'bench: %-6s synchronous_commit=%-3s clients=%s  %8.1f tps  (%s transactions; each %s us of server CPU, %s WAL bytes; %s checkpoints, %s %% CPU steal during the run)\n' \
					"$w" "$sync" "$c" "$TPS" "$NXACT" "$CPUX" "$WALX" "$CKPTS" "$STEAL"
			done
		done
	done
done
say "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
[ "$ROUNDS" = 1 ] || echo "best of $ROUNDS rounds:"
printf '%-8s %-18s %-8s %10s %8s %10s %10s %10s %12s %7s\n' workload synchronous_commit clients TPS ratio 'CPU us' 'CPU ratio' WAL/xact checkpoints steal%
for sync in $SYNC_LIST; do
	for c in $CLIENT_LIST; do
		for w in floor ingest; do
			printf '%-8s %-18s %-8s %10.1f %8s %10s %10s %10s %12s %7s\n' "$w" "$sync" "$c" "${R_TPS[$w,$sync,$c]}" \
				"$(ratio "${R_TPS[$w,$sync,$c]}" "${R_TPS[floor,$sync,$c]}")" \
				"${R_CPU[$w,$sync,$c]}" "$(ratio "${R_CPU[floor,$sync,$c]}" "${R_CPU[$w,$sync,$c]}")" \
				"${R_WAL[$w,$sync,$c]}" "${R_CKPT[$w,$sync,$c]}" "${R_STEAL[$w,$sync,$c]}"
		done
	done
done
echo "(ratio: TPS over the floor's; CPU us: server CPU per transaction; CPU ratio: the floor's CPU"
echo " per transaction over this one's, the ratio a machine with nothing else to do would show"
echo " when CPU-bound; steal%: CPU time the hypervisor gave to other guests during the run)"
echo
if [ -n "${R_TPS[ingest,off,2]:-}" ]; then
	r=$(ratio "${R_TPS[ingest,off,2]}" "${R_TPS[floor,off,2]}")
	cr=$(ratio "${R_CPU[floor,off,2]}" "${R_CPU[ingest,off,2]}")
	sf=${R_STEAL[floor,off,2]} si=${R_STEAL[ingest,off,2]}
	steal=$((sf > si ? sf : si))
	if [ "$steal" -gt 5 ]; then
		# a neighbour took the CPU during one of the two runs: their TPS do not compare
		echo "ratio = $r (goal 0.8): not judged: $steal % CPU steal during a run; CPU ratio $cr; run again"
	else
		echo "ratio = $r (goal 0.8): $(awk -v r="$r" 'BEGIN { print (r >= 0.8) ? "met" : "not met" }'); CPU ratio $cr"
	fi
else
	echo "ratio = n/a (goal 0.8): not measured (needs 2 clients and synchronous_commit off)"
fi
echo "(saved in ${OUT#"$REPO"/}; pgbench logs in ${LOGDIR#"$REPO"/}/)"

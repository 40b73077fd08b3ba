#!/usr/bin/env bash
# bench/run.sh: webhook_ingest's throughput beside a floor.
#
#   bash bench/run.sh
#
# Builds, installs and starts the test cluster (scripts/setup.sh; skip with
# BENCH_NO_SETUP=1), creates a fresh database webhook_bench with the
# extension, a Stripe provider, BENCH_EVENTS payments (each with its own
# order) and as many signed payment_intent.succeeded deliveries (2-3 KB,
# one per payment), then runs pgbench for two workloads:
#
#   ingest  SELECT webhook_ingest('stripe', headers, body)      (ingest.pgb)
#   floor   one statement writing the same event, payment and order rows
#           into trigger-less copies of the tables               (floor.pgb)
#
# each with synchronous_commit off and on, 1 and 2 clients, BENCH_SECONDS
# each.  Every run starts from the same state (tables reloaded, VACUUM
# ANALYZE, CHECKPOINT).  Prints TPS and the ratio of ingest to the floor,
# then the goal check (2 clients, synchronous_commit off, ratio >= 0.8).
# The output is also saved in bench/out/.
#
# Environment:
#   BENCH_SECONDS  seconds per run (default 20)
#   BENCH_EVENTS   events, payments and orders (default 200000); every run
#                  must use fewer (the script checks)
#   BENCH_HISTORY  events (and their deliveries) of earlier payments already
#                  in the tables when each run starts (default 50000; at
#                  most BENCH_EVENTS)
#   BENCH_CLIENTS  client counts (default "1 2")
#   BENCH_SYNC     synchronous_commit values (default "off on")
#   BENCH_NO_SETUP=1  do not run scripts/setup.sh (the cluster must be up)
#   BENCH_KEEP_DB=1   reuse webhook_bench when it has BENCH_EVENTS events
#
# It holds /tmp/webhook-test.lock while it runs, as scripts/test.sh does,
# so that tests do not restart the cluster or load the CPUs meanwhile.
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
BENCH="$REPO/bench"
cd "$BENCH"

SECS=${BENCH_SECONDS:-20}
NEVENTS=${BENCH_EVENTS:-200000}
HISTORY=${BENCH_HISTORY:-50000}
[ "$HISTORY" -le "$NEVENTS" ] || { echo "bench: BENCH_HISTORY must not exceed BENCH_EVENTS" >&2; exit 2; }
CLIENT_LIST=${BENCH_CLIENTS:-"1 2"}
SYNC_LIST=${BENCH_SYNC:-"off on"}
DB=webhook_bench
SECRET=whsec_5oBzT9dTwlUY4gN1Rf2cXk8JqHs3LmVa
TS=1721948600                       # 2024-07-25 23:03:20 UTC: when the events are signed
CLOCK='2024-07-25 23:03:30+00'      # webhook.clock_override: what ingest takes for now

OUTDIR="$BENCH/out"
mkdir -p "$OUTDIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$OUTDIR/bench-$STAMP.txt"
LOGDIR="$OUTDIR/bench-$STAMP"
mkdir -p "$LOGDIR"
exec > >(tee "$OUT") 2>&1

say() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }

# --- serialise with tests and other setup runs ------------------------------
if [ -z "${WEBHOOK_LOCK_HELD:-}" ]; then
	lock=/tmp/webhook-test.lock
	[ -e "$lock" ] || { : >"$lock" && chmod 666 "$lock"; } 2>/dev/null || true
	exec 9<"$lock"
	if ! flock -n 9; then
		say "waiting for another setup/test run to finish (lock $lock)"
		flock -w 3600 9 || die "could not take $lock"
	fi
	export WEBHOOK_LOCK_HELD=1
fi

if [ "${BENCH_NO_SETUP:-0}" != 1 ]; then
	bash "$REPO/scripts/setup.sh"
fi

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -At -d "$DB" -c "$1"; }

# --- the database -------------------------------------------------------------
have=$("${PSQL[@]}" -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")
if [ "${BENCH_KEEP_DB:-0}" = 1 ] && [ "$have" = 1 ] &&
	[ "$(q "SELECT count(*) FROM bench_events" 2>/dev/null)" = "$NEVENTS" ]; then
	say "reusing database $DB ($NEVENTS events)"
	# the installed extension may have changed: reinstall it, keep the events
	"${PSQL[@]}" -d "$DB" <<-EOF
	SET client_min_messages = warning;
	DROP EXTENSION webhook CASCADE;
	CREATE EXTENSION webhook;
	SELECT webhook_add_provider('stripe', 'stripe', '$SECRET');
	EOF
	"${PSQL[@]}" -d "$DB" -v history="$HISTORY" -f "$BENCH/tables.sql"
else
	say "creating database $DB with $NEVENTS events (takes a minute or two)"
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
	"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
	# before the provider's secret is added: its valid_from is webhook_now()
	"${PSQL[@]}" -d postgres -c "ALTER DATABASE $DB SET webhook.clock_override = '$CLOCK'"
	"${PSQL[@]}" -d "$DB" -v nevents="$NEVENTS" -v history="$HISTORY" -v secret="$SECRET" -v ts="$TS" \
		-v tmpl="$(cat "$BENCH/event.json")" -f "$BENCH/setup.sql"
fi

# --- the runs -------------------------------------------------------------------
declare -A TPS WALTX CKPT
# probe: "WAL position|checkpoints so far"
probe() { q "SELECT pg_current_wal_lsn() || '|' || (checkpoints_timed + checkpoints_req) FROM pg_stat_bgwriter"; }
run() {	# run WORKLOAD SYNC CLIENTS
	local w=$1 sync=$2 c=$3 log tps nxact before after
	log="$LOGDIR/$w-sync_$sync-c$c.log"
	"${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null
	before=$(probe)
	PGOPTIONS="-c synchronous_commit=$sync" \
		pgbench -n -M prepared -T "$SECS" -c "$c" -j "$c" -D i=0 -D stride=$((NEVENTS / c)) \
		-f "$BENCH/$w.pgb" "$DB" >"$log" 2>&1 ||
		{ cat "$log"; die "pgbench failed: $w, synchronous_commit $sync, $c clients"; }
	after=$(probe)
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	nxact=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	[ -n "$tps" ] && [ -n "$nxact" ] || { cat "$log"; die "cannot read pgbench's output"; }
	grep -q "aborted\|^number of failed transactions: [1-9]" "$log" &&
		{ cat "$log"; die "transactions failed: $w, synchronous_commit $sync, $c clients"; }
	check "$w" "$nxact"
	TPS[$w,$sync,$c]=$tps
	WALTX[$w,$sync,$c]=$(q "SELECT round(pg_wal_lsn_diff('${after%|*}', '${before%|*}') / $nxact)")
	CKPT[$w,$sync,$c]=$((${after#*|} - ${before#*|}))
	printf 'bench: %-6s synchronous_commit=%-3s clients=%s  %8.1f tps  (%s transactions, %s WAL bytes each, %s checkpoints during the run)\n' \
		"$w" "$sync" "$c" "$tps" "$nxact" "${WALTX[$w,$sync,$c]}" "${CKPT[$w,$sync,$c]}"
}

# check WORKLOAD N: the run did what it claims: N new events, each applied
# to its own payment and order (so no rejection or duplicate was measured).
# The history holds ids 1..HISTORY.
check() {
	local w=$1 n=$2 got
	if [ "$w" = ingest ]; then
		got=$(q "SELECT (SELECT count(*) FROM webhook_events WHERE id > $HISTORY AND status = 'applied') || ' ' ||
		                (SELECT count(*) FROM webhook_events WHERE id > $HISTORY) || ' ' ||
		                (SELECT count(*) FROM webhook_deliveries WHERE id > $HISTORY AND outcome = 'applied') || ' ' ||
		                (SELECT count(*) FROM webhook_deliveries WHERE id > $HISTORY) || ' ' ||
		                (SELECT count(*) FROM webhook_payments WHERE state = 'captured' AND amount_captured = amount) || ' ' ||
		                (SELECT count(*) FROM webhook_orders WHERE state = 'paid' AND amount_paid = total)")
	else
		got=$(q "SELECT (SELECT count(*) FROM bench_floor_events WHERE id > $HISTORY AND status = 'applied') || ' ' ||
		                (SELECT count(*) FROM bench_floor_events WHERE id > $HISTORY) || ' ' ||
		                $n || ' ' || $n || ' ' ||
		                (SELECT count(*) FROM bench_floor_payments WHERE state = 'captured' AND amount_captured = amount) || ' ' ||
		                (SELECT count(*) FROM bench_floor_orders WHERE state = 'paid' AND amount_paid = total)")
	fi
	[ "$got" = "$n $n $n $n $n $n" ] ||
		die "$w: $n transactions, but applied events, events, applied deliveries, deliveries, captured payments, paid orders = $got (a client that ran out of its BENCH_EVENTS / clients events finds none: raise BENCH_EVENTS)"
}

say "$SECS s per run; clients: $CLIENT_LIST; synchronous_commit: $SYNC_LIST; $(nproc) CPUs"
say "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
for sync in $SYNC_LIST; do
	for c in $CLIENT_LIST; do
		for w in floor ingest; do
			run "$w" "$sync" "$c"
		done
	done
done
say "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the table ------------------------------------------------------------------
echo
printf '%-8s %-18s %-8s %10s %8s %12s %12s\n' workload synchronous_commit clients TPS ratio WAL/xact checkpoints
for sync in $SYNC_LIST; do
	for c in $CLIENT_LIST; do
		for w in floor ingest; do
			printf '%-8s %-18s %-8s %10.1f %8.2f %12s %12s\n' "$w" "$sync" "$c" "${TPS[$w,$sync,$c]}" \
				"$(awk -v a="${TPS[$w,$sync,$c]}" -v b="${TPS[floor,$sync,$c]}" 'BEGIN { print a / b }')" \
				"${WALTX[$w,$sync,$c]}" "${CKPT[$w,$sync,$c]}"
		done
	done
done
echo
if [ -n "${TPS[ingest,off,2]:-}" ]; then
	ratio=$(awk -v a="${TPS[ingest,off,2]}" -v b="${TPS[floor,off,2]}" 'BEGIN { printf "%.2f", a / b }')
	verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.8) ? "met" : "not met" }')
	echo "ratio = $ratio (goal 0.8): $verdict"
else
	echo "ratio = n/a (goal 0.8): not measured (needs 2 clients and synchronous_commit off)"
fi
echo "(saved in ${OUT#"$REPO"/}; pgbench logs in ${LOGDIR#"$REPO"/}/)"

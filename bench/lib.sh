# bench/lib.sh: what bench/run.sh and bench/profile.sh share.  Source it
# after setting NAME (the output file prefix); it takes the lock, runs
# scripts/setup.sh, makes the database, and defines run_workload.
#
# Environment (both scripts):
#   BENCH_SECONDS  seconds per run (default 10: at 12,000 TPS the floor
#                  would run out of events in 20)
#   BENCH_EVENTS   pre-generated events, payments and orders (default 200000);
#                  each client of a run has BENCH_EVENTS / clients of them
#   BENCH_HISTORY  events (and their deliveries) of earlier payments already
#                  in the tables when each run starts (default 50000; at
#                  most BENCH_EVENTS)
#   BENCH_NO_SETUP=1  do not run scripts/setup.sh (the cluster must be up)
#   BENCH_KEEP_DB=1   reuse webhook_bench when it has BENCH_EVENTS events
#                     (the extension is reinstalled, the events are kept)

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
BENCH="$REPO/bench"
cd "$BENCH"

SECS=${BENCH_SECONDS:-10}
NEVENTS=${BENCH_EVENTS:-200000}
HISTORY=${BENCH_HISTORY:-50000}
DB=webhook_bench
SECRET=whsec_5oBzT9dTwlUY4gN1Rf2cXk8JqHs3LmVa
TS=1721948600                       # 2024-07-25 23:03:20 UTC: when the events are signed
CLOCK='2024-07-25 23:03:30+00'      # webhook.clock_override: what ingest takes for now

say() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }

[ "$HISTORY" -le "$NEVENTS" ] || die "BENCH_HISTORY must not exceed BENCH_EVENTS"

OUTDIR="$BENCH/out"
mkdir -p "$OUTDIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$OUTDIR/$NAME-$STAMP.txt"
LOGDIR="$OUTDIR/$NAME-$STAMP"
mkdir -p "$LOGDIR"
exec > >(tee "$OUT") 2>&1

# --- serialise with tests and other setup runs ------------------------------
# Tests restart the cluster and load the CPUs: hold their lock throughout.
take_lock bench

if [ "${BENCH_NO_SETUP:-0}" != 1 ]; then
	bash "$REPO/scripts/setup.sh"
fi

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -At -d "$DB" -c "$1"; }

# --- the database -------------------------------------------------------------
have=$("${PSQL[@]}" -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")
if [ "${BENCH_KEEP_DB:-0}" = 1 ] && [ "$have" = 1 ] &&
	[ "$(q "SELECT count(*) FROM bench_events" 2>/dev/null)" = "$NEVENTS" ]; then
	say "reusing database $DB ($NEVENTS events); reinstalling the extension"
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
say "installed: webhook $(q "SELECT extversion FROM pg_extension WHERE extname = 'webhook'"), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src sql 2>/dev/null || echo ' with uncommitted changes in src/ or sql/')"

# --- one run ----------------------------------------------------------------------
# run_workload WORKLOAD SYNC CLIENTS [extra PGOPTIONS]: reset the tables,
# run WORKLOAD.pgb, check what it wrote; sets TPS, NXACT, WALX (WAL bytes
# per transaction), CKPTS (checkpoints during the run), CPUX (CPU
# microseconds the server spent per transaction) and STEAL (per cent of the
# machine's CPU time the hypervisor gave to others during the run).
probe() { q "SELECT pg_current_wal_lsn() || '|' || (checkpoints_timed + checkpoints_req) FROM pg_stat_bgwriter"; }

# cpu_ticks: CPU time (clock ticks) the cluster has used: the postmaster's
# own and its reaped children's, plus that of every live child.  Unlike
# TPS it does not count the time the machine gave to others (a VM's
# neighbours, a compiler), so it is the steadier figure on a busy machine.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
	local pm
	pm=$(head -n 1 "$PGHOST/data/postmaster.pid")
	{
		sed 's/^.*) //' "/proc/$pm/stat" | awk '{ print $12 + $13 + $14 + $15 }'
		for p in $(ps -o pid= --ppid "$pm"); do
			sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
		done
	} | awk '{ t += $1 } END { print t }'
}
# cpu_stat: "total steal" jiffies of the machine, from /proc/stat
cpu_stat() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $9 }' /proc/stat; }
# wait_backends_gone: until pgbench's backends have exited (and been reaped)
wait_backends_gone() {
	for _ in $(seq 1 50); do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")" = 0 ] && break
		sleep 0.1
	done
	sleep 0.2
}
run_workload() {
	local w=$1 sync=$2 c=$3 opts=${4:-} log before after cpu0 cpu1 stat0 stat1
	log="$LOGDIR/$w-sync_$sync-c$c.log"
	"${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null
	before=$(probe)
	cpu0=$(cpu_ticks)
	stat0=$(cpu_stat)
	PGOPTIONS="-c synchronous_commit=$sync $opts" \
		pgbench -n -M prepared -T "$SECS" -c "$c" -j "$c" -D i=0 -D stride=$((NEVENTS / c)) \
		-f "$BENCH/$(workload_file "$w")" "$DB" >"$log" 2>&1 ||
		{ cat "$log"; die "pgbench failed: $w, synchronous_commit $sync, $c clients"; }
	wait_backends_gone
	cpu1=$(cpu_ticks)
	stat1=$(cpu_stat)
	after=$(probe)
	TPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	NXACT=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$log")
	[ -n "$TPS" ] && [ -n "$NXACT" ] || { cat "$log"; die "cannot read pgbench's output"; }
	! grep -q "aborted\|^number of failed transactions: [1-9]" "$log" ||
		{ cat "$log"; die "transactions failed: $w, synchronous_commit $sync, $c clients"; }
	check_run "$w" "$NXACT"
	WALX=$(q "SELECT round(pg_wal_lsn_diff('${after%|*}', '${before%|*}') / $NXACT)")
	CKPTS=$((${after#*|} - ${before#*|}))
	STEAL=$(awk -v a="$stat0" -v b="$stat1" 'BEGIN { split(a, x, " "); split(b, y, " ");
		printf "%.0f", (y[1] > x[1]) ? 100 * (y[2] - x[2]) / (y[1] - x[1]) : 0 }')
	CPUX=$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v n="$NXACT" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')
}

# The script of a workload: ingest*, floor* and the profile's variants.
workload_file() {
	case $1 in
		ingest | ingest_*) echo ingest.pgb ;;
		floor) echo floor.pgb ;;
		*) echo "profile/$1.pgb" ;;
	esac
}

# check_run WORKLOAD N: the run did what it claims: N new events, each
# applied to its own payment and order, and N deliveries where the
# workload writes them (so no rejection or duplicate was measured).  The
# history holds ids 1..HISTORY.
check_run() {
	local w=$1 n=$2 ev=webhook_events pay=webhook_payments ord=webhook_orders dl=webhook_deliveries got
	case $w in
		lookup) return 0 ;;		# writes nothing
		floor) ev=bench_floor_events pay=bench_floor_payments ord=bench_floor_orders dl= ;;
		floor_*) ev=bench_floor_events pay=bench_floor_payments ord=bench_floor_orders dl=bench_floor_deliveries ;;
	esac
	got=$(q "SELECT (SELECT count(*) FROM $ev WHERE id > $HISTORY AND status = 'applied') || ' ' ||
	                (SELECT count(*) FROM $ev WHERE id > $HISTORY) || ' ' ||
	                $( [ -n "$dl" ] && echo "(SELECT count(*) FROM $dl WHERE id > $HISTORY AND outcome = 'applied')" || echo "$n") || ' ' ||
	                $( [ -n "$dl" ] && echo "(SELECT count(*) FROM $dl WHERE id > $HISTORY)" || echo "$n") || ' ' ||
	                (SELECT count(*) FROM $pay WHERE state = 'captured' AND amount_captured = amount) || ' ' ||
	                (SELECT count(*) FROM $ord WHERE state = 'paid' AND amount_paid = total)")
	[ "$got" = "$n $n $n $n $n $n" ] ||
		die "$w: $n transactions, but applied events, events, applied deliveries, deliveries, captured payments, paid orders = $got (a client that ran out of its BENCH_EVENTS / clients events finds none: raise BENCH_EVENTS)"
}

# ratio A B: A / B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

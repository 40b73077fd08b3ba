# bench/lib.sh: what the benchmark scripts share.  Source it after setting
# NAME (the output file prefix) and, for a database other than
# webhook_bench, DB; it takes the lock, runs scripts/setup.sh, makes the
# database, and defines run_workload (one pgbench run: reset, run, check)
# and alternate (runs that take turns, and the ratios of their figures).
# A script whose runs start from another state, or write other outcomes,
# redefines reset_run and check_run after sourcing it.
#
# Environment (every script):
#   BENCH_SECONDS  seconds per run (default 10: at 12,000 TPS the floor
#                  would run out of events in 20)
#   BENCH_EVENTS   pre-generated events, payments and orders (default 200000);
#                  each client of a run has BENCH_EVENTS / clients of them
#   BENCH_HISTORY  events (and their deliveries) of earlier payments already
#                  in the tables when each run starts (default 50000; at
#                  most BENCH_EVENTS)
#   BENCH_NO_SETUP=1  do not run scripts/setup.sh (the cluster must be up)
#   BENCH_KEEP_DB=1   reuse the database when it has BENCH_EVENTS events
#                     (the extension is reinstalled, the events are kept);
#                     the default for a database other than webhook_bench

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
BENCH="$REPO/bench"
cd "$BENCH"

SECS=${BENCH_SECONDS:-10}
NEVENTS=${BENCH_EVENTS:-200000}
HISTORY=${BENCH_HISTORY:-50000}
DB=${DB:-webhook_bench}
KEEP_DB=${BENCH_KEEP_DB:-$([ "$DB" = webhook_bench ] && echo 0 || echo 1)}
SECRET=whsec_5oBzT9dTwlUY4gN1Rf2cXk8JqHs3LmVa
TS=1721948600                       # 2024-07-25 23:03:20 UTC: when the events are signed
CLOCK='2024-07-25 23:03:30+00'      # webhook.clock_override: what ingest takes for now

say() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }

[ "$HISTORY" -le "$NEVENTS" ] || die "BENCH_HISTORY must not exceed BENCH_EVENTS"
# bench_events rows from KIND_STRIDE on are other kinds of delivery for the
# same payments (bench/kinds.sql): kind k of payment i is row k * KIND_STRIDE + i
KIND_STRIDE=10000000
[ "$NEVENTS" -lt "$KIND_STRIDE" ] || die "BENCH_EVENTS must be below $KIND_STRIDE"

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
if [ "$KEEP_DB" = 1 ] && [ "$have" = 1 ] &&
	[ "$(q "SELECT count(*) FROM bench_events WHERE n < $KIND_STRIDE" 2>/dev/null)" = "$NEVENTS" ]; then
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
# run_workload WORKLOAD SYNC CLIENTS [extra PGOPTIONS]: reset the tables
# (reset_run), run the workload's script (workload_file), check what it
# wrote (check_run); sets TPS, NXACT, WALX (WAL bytes per transaction),
# CKPTS (checkpoints during the run), CPUX (CPU microseconds the server
# spent per transaction) and STEAL (per cent of the machine's CPU time the
# hypervisor gave to others during the run), and E0 and D0, the highest
# event and delivery ids before the run.  Client c of the run takes the
# deliveries c * SPAN / clients + 1, + 2, ... (SPAN, or SPANS[workload]:
# default BENCH_EVENTS; 0 makes every client take the same ones).
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
SPAN=$NEVENTS
declare -A SPANS
RUNS=0
run_workload() {
	local w=$1 sync=$2 c=$3 opts=${4:-} log before after cpu0 cpu1 stat0 stat1 file
	RUNS=$((RUNS + 1))
	log="$LOGDIR/$w-sync_$sync-c$c-$RUNS.log"
	file=$(workload_file "$w")
	[[ $file = /* ]] || file="$BENCH/$file"
	reset_run "$w"
	read -r E0 D0 <<<"$(q "SELECT (SELECT coalesce(max(id), 0) FROM webhook_events) || ' ' ||
	                              (SELECT coalesce(max(id), 0) FROM webhook_deliveries)")"
	before=$(probe)
	cpu0=$(cpu_ticks)
	stat0=$(cpu_stat)
	before_pgbench "$w"
	PGOPTIONS="-c synchronous_commit=$sync $opts" \
		pgbench -n -M prepared -T "$SECS" -c "$c" -j "$c" -D i=0 -D stride=$((${SPANS[$w]:-$SPAN} / c)) \
		-f "$file" "$DB" >"$log" 2>&1 ||
		{ cat "$log"; die "pgbench failed: $w, synchronous_commit $sync, $c clients"; }
	wait_backends_gone
	after_pgbench "$w"
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

# reset_run WORKLOAD: the state every run of WORKLOAD starts from
# (bench/reset.sql).
reset_run() { "${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null; }

# before_pgbench, after_pgbench WORKLOAD: what a script does around each
# run's pgbench (nothing here); not counted in the run's figures but CPU.
before_pgbench() { :; }
after_pgbench() { :; }

# The script of a workload, in bench/ or a path: ingest*, floor* and the
# profile's variants.
workload_file() {
	case $1 in
		ingest | ingest_*) echo ingest.pgb ;;
		floor) echo floor.pgb ;;
		*) echo "profile/$1.pgb" ;;
	esac
}

# check_run WORKLOAD N: the run did what it claims (check_applied here).
check_run() { check_applied "$@"; }

# check_applied WORKLOAD N: N new events, each applied to its own payment
# and order, and N deliveries where the workload writes them (so no
# rejection or duplicate was measured).  The history holds ids 1..HISTORY.
check_applied() {
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

# median X...: the median of the numbers
median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# sql_of FILE: the statements of a pgbench script (in bench/ or a path),
# without its comments and meta-commands.
sql_of() {
	local f=$1
	[[ $f = /* ]] || f="$BENCH/$f"
	grep -v -e '^--' -e '^\\' "$f"
}

# compose NAME FILE:OFFSET ...: write LOGDIR/NAME.pgb, a pgbench script
# that runs the statement of each FILE in turn (each its own transaction),
# each for the delivery at the client's next n plus OFFSET; prints its path.
compose() {
	local out="$LOGDIR/$1.pgb" part
	shift
	{
		echo '\set i :i + 1'
		for part in "$@"; do
			echo "\\set n :client_id * :stride + :i + ${part#*:}"
			sql_of "${part%%:*}"
		done
	} >"$out"
	echo "$out"
}

# tally TABLE COLUMN: "value:count ..." of COLUMN over the rows the last
# run wrote to TABLE (ids above E0, or D0 for a deliveries table).
tally() {
	local since=$E0
	[[ $1 = *deliveries ]] && since=$D0
	q "SELECT coalesce(string_agg(v || ':' || c, ' ' ORDER BY v), '-')
	     FROM (SELECT coalesce($2::text, 'null') AS v, count(*) AS c FROM $1 WHERE id > $since GROUP BY 1) t"
}

# expect WHAT GOT WANT: stop when a run wrote something other than what
# it claims to measure.
expect() { [ "$2" = "$3" ] || die "$1: got $2, expected $3"; }

# ensure_data WHAT SQL VALUE FILE [psql options]: run FILE (in bench/) on
# the database unless SQL gives VALUE already (data kept between runs).
ensure_data() {
	local what=$1 sql=$2 want=$3 file=$4
	shift 4
	[ "$(q "$sql" 2>/dev/null)" = "$want" ] && return 0
	say "making $what (once; kept in $DB)"
	"${PSQL[@]}" -d "$DB" "$@" -f "$BENCH/$file"
}

# alternate SYNC CLIENTS WORKLOAD...: ROUNDS rounds (BENCH_ROUNDS, default
# 3) of the workloads taking turns (W1 W2 ... W1 W2 ...), so that what the
# machine does meanwhile falls on each alike; keeps each run's TPS, CPU
# per transaction and steal in A_TPS[w,r], A_CPU[w,r], A_STEAL[w,r], and
# calls after_run WORKLOAD ROUND (nothing here) after each run.
ROUNDS=${BENCH_ROUNDS:-3}
declare -A A_TPS A_CPU A_STEAL RATIO CPU_RATIO
after_run() { :; }
alternate() {
	local sync=$1 c=$2 r w
	shift 2
	for r in $(seq 1 "$ROUNDS"); do
		for w in "$@"; do
			run_workload "$w" "$sync" "$c"
			A_TPS[$w,$r]=$TPS A_CPU[$w,$r]=$CPUX A_STEAL[$w,$r]=$STEAL
			printf 'bench: round %s  %-18s %9.1f tps  (%s transactions; %s us of server CPU each; %s %% CPU steal)\n' \
				"$r" "$w" "$TPS" "$NXACT" "$CPUX" "$STEAL"
			after_run "$w" "$r"
		done
	done
}

# summary REF WORKLOAD...: a line per workload: the median of its rounds'
# TPS and CPU per transaction, and its TPS over REF's in the same round
# (median and range; also kept in RATIO[w]), and REF's CPU per
# transaction over its own (CPU_RATIO[w]).
summary() {
	local ref=$1 w r tps cpu rat crat steal
	shift
	printf '%-18s %10s %8s %7s %11s %9s %7s\n' workload TPS 'CPU us' ratio range 'CPU ratio' steal%
	for w in "$@"; do
		tps=() cpu=() rat=() crat=() steal=0
		for r in $(seq 1 "$ROUNDS"); do
			tps+=("${A_TPS[$w,$r]}") cpu+=("${A_CPU[$w,$r]}")
			rat+=("$(ratio "${A_TPS[$w,$r]}" "${A_TPS[$ref,$r]}")")
			crat+=("$(ratio "${A_CPU[$ref,$r]}" "${A_CPU[$w,$r]}")")
			[ "${A_STEAL[$w,$r]}" -le "$steal" ] || steal=${A_STEAL[$w,$r]}
		done
		RATIO[$w]=$(median "${rat[@]}") CPU_RATIO[$w]=$(median "${crat[@]}")
		printf '%-18s %10.1f %8s %7.2f %11s %9.2f %7s\n' "$w" "$(median "${tps[@]}")" "$(median "${cpu[@]}")" \
			"${RATIO[$w]}" "$(printf '%s\n' "${rat[@]}" | sort -g | sed -n '1p;$p' | paste -sd-)" \
			"${CPU_RATIO[$w]}" "$steal"
	done
	echo "(TPS, CPU us: medians of $ROUNDS rounds; ratio: TPS over $ref's in the same round, the median"
	echo " and range of the rounds; CPU ratio: $ref's server CPU per transaction over this one's, median;"
	echo " steal%: the most CPU time the hypervisor gave to other guests during one of its runs)"
}

# verdict WHAT VALUE GOAL: WHAT = VALUE (goal >= GOAL): met or not met
verdict() {
	echo "$1 = $2 (goal >= $3): $(awk -v v="$2" -v g="$3" 'BEGIN { print (v >= g) ? "met" : "not met" }')"
}

# waits_start, waits_stop: sample what pgbench's backends wait on, every
# 5 ms from pg_stat_activity (a psql of our own, one short statement per
# sample: it holds no snapshot between them), from just before a run's
# pgbench until after it.  waits_stop sets WAITS (each state's share of
# the backend samples, most first: cpu = active and not waiting, idle =
# waiting for its client, else the wait event) and LOCKWAIT (the per cent
# of samples waiting on a heavyweight lock: a row, a transaction).
waits_start() {
	printf '%s \\watch 0.005\n' "SELECT string_agg(CASE WHEN state <> 'active' THEN 'idle'
		WHEN wait_event IS NULL THEN 'cpu' ELSE wait_event_type || ':' || wait_event END, ' ')
		FROM pg_stat_activity WHERE application_name = 'pgbench'" |
		"${PSQL[@]}" -At -d "$DB" >"$LOGDIR/waits-$RUNS.txt" 2>&1 &
	WAITS_PID=$!
}
waits_stop() {
	local out
	kill "$WAITS_PID" 2>/dev/null || true
	wait "$WAITS_PID" 2>/dev/null || true
	out=$(awk '{ for (i = 1; i <= NF; i++) { n[$i]++; t++ } }
		END { for (k in n) if (k ~ /^Lock:/) l += n[k]; printf "%.0f\n", t ? 100 * l / t : 0;
		      for (k in n) printf "%.0f %s\n", 100 * n[k] / t, k }' "$LOGDIR/waits-$RUNS.txt")
	LOCKWAIT=$(head -n 1 <<<"$out")
	WAITS=$(tail -n +2 <<<"$out" | sort -rn | awk '{ printf "%s%s %s%%", (NR > 1) ? ", " : "", $2, $1 }')
}

# ensure_kinds: the other kinds of delivery of bench/kinds.sql, for the
# first KINDS payments (BENCH_KINDS, default 100000), and their stored
# earlier events; made once, kept in the database (a few minutes).
KINDS=${BENCH_KINDS:-100000}
ensure_kinds() {
	[ "$KINDS" -le "$NEVENTS" ] || die "BENCH_KINDS must not exceed BENCH_EVENTS"
	ensure_data "the other kinds of delivery for $KINDS payments" \
		"SELECT (SELECT count(*) FROM bench_events WHERE n > $KIND_STRIDE) || ' ' ||
		        (SELECT count(*) FROM bench_stored_events)" "$((8 * KINDS)) $((2 * KINDS))" \
		kinds.sql -v kinds="$KINDS" -v ks="$KIND_STRIDE" -v secret="$SECRET" -v ts="$TS" \
		-v charge="$(cat "$BENCH/charge.json")" -v refund="$(cat "$BENCH/refund.json")"
}

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
# Environment: see bench/lib.sh, and
#   BENCH_LADDER    workloads (default: lookup floor floor_delivery triggers ingest)
#   BENCH_IR_FIRST  executions of the first run (default 50)
#   BENCH_IR_LAST   executions of the second run (default 250)
set -euo pipefail
NAME=instructions
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LADDER=${BENCH_LADDER:-"lookup floor floor_delivery triggers ingest"}
FIRST=${BENCH_IR_FIRST:-50}
LAST=${BENCH_IR_LAST:-250}
[ "$LAST" -gt "$FIRST" ] || die "BENCH_IR_LAST must exceed BENCH_IR_FIRST"
[ $((FIRST + LAST)) -le "$NEVENTS" ] || die "BENCH_IR_FIRST + BENCH_IR_LAST must not exceed BENCH_EVENTS"

if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	[ "$(id -u)" = 0 ] || die "valgrind is not installed"
	say "installing valgrind"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null
fi
if [ "$(id -u)" = 0 ]; then
	AS_PG=(runuser -u postgres --)
else
	AS_PG=()
fi
DATA="$PGHOST/data"
chmod 777 "$LOGDIR"

# script WORKLOAD START COUNT: the single-user input: PREPARE the workload's
# statement ($1 for pgbench's :n), then EXECUTE it for COUNT deliveries.
script() {
	local w=$1 start=$2 count=$3 sql
	sql=$(grep -v -e '^--' -e '^\\' "$BENCH/$(workload_file "$w")" | tr '\n' ' ' |
		sed -e 's/:n\b/$1/g' -e 's/;[[:space:]]*$//')
	echo "SET synchronous_commit = off"
	echo "SET webhook.clock_override = '$CLOCK'"
	[ "$w" = ingest_nonotify ] && echo "SET webhook.notify = off"
	echo "PREPARE q(int) AS $sql"
	seq "$start" $((start + count - 1)) | sed 's/.*/EXECUTE q(&)/'
}

# count WORKLOAD START COUNT: total instructions, and those in libcrypto,
# of a single-user backend running script's input.
count() {
	local w=$1 start=$2 n=$3 base total crypto
	base="$LOGDIR/$w.$n"
	script "$w" "$start" "$n" >"$base.sql"
	chmod 644 "$base.sql"
	"${AS_PG[@]}" valgrind --tool=callgrind --callgrind-out-file="$base.callgrind" \
		"$PGBIN/postgres" --single -D "$DATA" "$DB" <"$base.sql" >"$base.log" 2>&1 ||
		{ tail -n 20 "$base.log"; die "the single-user run of $w failed"; }
	if grep -q -e 'ERROR:' -e 'FATAL:' "$base.log"; then
		grep -m 3 -e 'ERROR:' -e 'FATAL:' "$base.log"
		die "$w raised errors under callgrind"
	fi
	total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$base.log")
	crypto=$(callgrind_annotate --inclusive=no --threshold=100 "$base.callgrind" 2>/dev/null |
		awk '/libcrypto\.so/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')
	echo "$total $crypto"
}

"${PSQL[@]}" -d "$DB" -c "ALTER DATABASE $DB SET webhook.clock_override = '$CLOCK'" >/dev/null
say "instructions per transaction: ($LAST - $FIRST executions) of each workload under callgrind"
declare -A IR IRX
for w in $LADDER; do
	"${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null
	"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$DATA" -w -m fast stop >/dev/null
	read -r t1 c1 <<<"$(count "$w" 1 "$FIRST")"
	read -r t2 c2 <<<"$(count "$w" $((FIRST + 1)) "$LAST")"
	# never hand the postmaster the lock descriptor: it would hold the lock for good
	"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$DATA" -w -l "$PGHOST/server.log" start >/dev/null 9<&-
	case $w in
		ingest*)
			# every execution must have been applied, or the count measured something else
			n=$(grep -c '"outcome": "applied"' "$LOGDIR/$w.$LAST.log" || true)
			[ "$n" = "$LAST" ] || die "$w: $n of $LAST deliveries were applied under callgrind"
			;;
	esac
	IR[$w]=$(((t2 - t1) / (LAST - FIRST)))
	IRX[$w]=$(((t2 - c2 - t1 + c1) / (LAST - FIRST)))
	say "$w: ${IR[$w]} instructions per transaction (${IRX[$w]} outside libcrypto)"
done

echo
printf '%-16s %14s %8s %18s %8s\n' workload 'instructions' ratio 'without libcrypto' ratio
for w in $LADDER; do
	r=$([ -n "${IR[floor]:-}" ] && awk -v f="${IR[floor]}" -v x="${IR[$w]}" 'BEGIN { printf "%.2f", f / x }' || echo -)
	rx=$([ -n "${IRX[floor]:-}" ] && awk -v f="${IRX[floor]}" -v x="${IRX[$w]}" 'BEGIN { printf "%.2f", f / x }' || echo -)
	printf '%-16s %14s %8s %18s %8s\n' "$w" "${IR[$w]}" "$r" "${IRX[$w]}" "$rx"
done
echo "(instructions per transaction of one single-user backend; ratio: the floor's over this one's,"
echo " the TPS ratio a CPU-bound machine with nothing else to do and no cache misses would show)"
echo "(saved in ${OUT#"$REPO"/})"

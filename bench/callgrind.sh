# bench/callgrind.sh: instructions per transaction under valgrind's
# callgrind, for bench/instructions.sh and bench/growth.sh.  Source it
# after bench/lib.sh.  count_workload WORKLOAD stops the cluster, runs the
# workload's statement in a single-user backend on DB twice (FIRST, then
# LAST executions, new deliveries each time), starts the cluster again,
# and sets IR_ALL and IR_OWN: the difference divided by LAST - FIRST
# (start-up, PREPARE and planning drop out), with libcrypto's and without
# (OWN).  The caller resets the tables first.
#
# Environment:
#   BENCH_IR_FIRST  executions of the first run (default 50)
#   BENCH_IR_LAST   executions of the second run (default 250)

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

# ir_parts WORKLOAD: the statements of one of the workload's transaction
# groups, as FILE:OFFSET (FILE in bench/ or a path; the statement runs for
# delivery n + OFFSET), each its own transaction.  The default is the
# workload's file alone; a script redefines it for a workload of several
# deliveries per payment (bench/instructions.sh: the stream).
ir_parts() { echo "$(workload_file "$1"):0"; }

# script WORKLOAD START COUNT: the single-user input: PREPARE each of the
# workload's statements ($1 for pgbench's :n), then EXECUTE them in turn
# for COUNT deliveries (or payments, for a workload of several parts).
script() {
	local w=$1 start=$2 count=$3 sql parts i n
	read -r -a parts <<<"$(ir_parts "$w")"
	echo "SET synchronous_commit = off"
	echo "SET webhook.clock_override = '$CLOCK'"
	[ "$w" = ingest_nonotify ] && echo "SET webhook.notify = off"
	for i in "${!parts[@]}"; do
		sql=$(sql_of "${parts[i]%%:*}" | tr '\n' ' ' | sed -e 's/:n\b/$1/g' -e 's/;[[:space:]]*$//')
		echo "PREPARE q$i(int) AS $sql"
	done
	for n in $(seq "$start" $((start + count - 1))); do
		for i in "${!parts[@]}"; do
			echo "EXECUTE q$i($((n + ${parts[i]#*:})))"
		done
	done
}

# count WORKLOAD START COUNT: total instructions, and those in libcrypto,
# of a single-user backend running script's input on DB.
count() {
	local w=$1 start=$2 n=$3 base total crypto
	base="$LOGDIR/$w.$DB.$n"
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

# check_counted WORKLOAD LOG: the LAST executions in LOG (the single-user
# backend's output) did what the workload claims, or the count measured
# something else: every ingest applied (counted_applied).  A script
# redefines it for its own workloads.
counted_applied() {
	local n
	case $1 in
		ingest*)
			n=$(grep -c '"outcome": "applied"' "$2" || true)
			[ "$n" = "$LAST" ] || die "$1: $n of $LAST deliveries were applied under callgrind"
			;;
	esac
}
check_counted() { counted_applied "$@"; }

count_workload() {
	local w=$1 t1 c1 t2 c2 n
	"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$DATA" -w -m fast stop >/dev/null
	read -r t1 c1 <<<"$(count "$w" 1 "$FIRST")"
	read -r t2 c2 <<<"$(count "$w" $((FIRST + 1)) "$LAST")"
	# never hand the postmaster the lock descriptor: it would hold the lock for good
	"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$DATA" -w -l "$PGHOST/server.log" start >/dev/null 9<&-
	check_counted "$w" "$LOGDIR/$w.$DB.$LAST.log"
	IR_ALL=$(((t2 - t1) / (LAST - FIRST)))
	IR_OWN=$(((t2 - c2 - t1 + c1) / (LAST - FIRST)))
}

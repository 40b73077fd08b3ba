#!/usr/bin/env bash
# bench/growth.sh: whether webhook_ingest's cost grows with what it has
# stored, and what it stores per event.
#
#   bash bench/growth.sh          # about 12 minutes (the first run also loads the history: + 10)
#
# Two databases with the data of bench/run.sh (see bench/lib.sh):
# webhook_bench_growth, whose webhook_events and webhook_deliveries are
# empty when each run starts, and webhook_bench_growth_2m, a copy of it
# with BENCH_GROWTH_ROWS (default 2,000,000) earlier events and as many
# deliveries loaded in bulk (bench/history.sql: generate_series, not
# ingest; remade when the installed extension changes).  In turns, BENCH_ROUNDS
# rounds (default 2), it counts the CPU instructions of one
# webhook_ingest call (a new payment_intent.succeeded for its pending
# payment) in each, under valgrind's callgrind as bench/instructions.sh
# does (bench/callgrind.sh), and prints the ratio (goal: within 10 %).
# Then it runs pgbench's ingest workload (2 clients, synchronous_commit
# off, BENCH_SECONDS) on the empty tables and prints the bytes stored per
# event row and per delivery row (table, TOAST and indexes) beside the
# body's size, and the same for the bulk-loaded history.
#
# Environment: see bench/lib.sh and bench/callgrind.sh, and
#   BENCH_GROWTH_ROWS  events and deliveries in the second database
set -euo pipefail
NAME=growth
DB=webhook_bench_growth
BENCH_HISTORY=${BENCH_HISTORY:-0}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$BENCH/callgrind.sh"

ROWS=${BENCH_GROWTH_ROWS:-2000000}
DB0=$DB
DB2=${DB}_2m
"${PSQL[@]}" -d "$DB0" -c "ALTER DATABASE $DB0 SET webhook.clock_override = '$CLOCK'" >/dev/null

# the second database: made again when the extension's install scripts or
# the size changed, else kept (loading the history takes minutes)
made="$ROWS $(cat "$("$PGBIN/pg_config" --sharedir)"/extension/webhook--*.sql | md5sum | cut -d' ' -f1)"
if [ "$("${PSQL[@]}" -At -d "$DB2" -c "SELECT made FROM bench_growth" 2>/dev/null)" != "$made" ]; then
	say "making $DB2: $DB0 and $ROWS earlier events and deliveries (takes minutes, once)"
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" -c "CREATE DATABASE $DB2 TEMPLATE $DB0" \
		-c "ALTER DATABASE $DB2 SET webhook.clock_override = '$CLOCK'"
	"${PSQL[@]}" -d "$DB2" -v rows="$ROWS" -f "$BENCH/history.sql"
	"${PSQL[@]}" -d "$DB2" -c "CREATE TABLE bench_growth AS SELECT '$made'::text AS made"
fi

reset_run() {
	case $DB in
		"$DB2") "${PSQL[@]}" -d "$DB" -v keep_events="$ROWS" -f "$BENCH/reset.sql" >/dev/null ;;
		*) "${PSQL[@]}" -d "$DB" -f "$BENCH/reset.sql" >/dev/null ;;
	esac
}

say "instructions per webhook_ingest call ($LAST - $FIRST executions under callgrind), $ROUNDS rounds"
declare -A G_ALL G_OWN
for r in $(seq 1 "$ROUNDS"); do
	for DB in "$DB0" "$DB2"; do
		say "round $r, $DB: $(q "SELECT count(*) FROM webhook_events") events, $(q "SELECT count(*) FROM webhook_deliveries") deliveries stored"
		reset_run ingest
		count_workload ingest
		G_ALL[$DB,$r]=$IR_ALL G_OWN[$DB,$r]=$IR_OWN
		say "round $r, $DB: $IR_ALL instructions per call ($IR_OWN outside libcrypto)"
	done
done
DB=$DB0

echo
printf '%-6s %14s %14s %7s %20s %20s %7s\n' round 'empty' "$ROWS stored" ratio 'empty, no libcrypto' "$ROWS, no libcrypto" ratio
all=() own=()
for r in $(seq 1 "$ROUNDS"); do
	all+=("$(ratio "${G_ALL[$DB2,$r]}" "${G_ALL[$DB0,$r]}")") own+=("$(ratio "${G_OWN[$DB2,$r]}" "${G_OWN[$DB0,$r]}")")
	printf '%-6s %14s %14s %7s %20s %20s %7s\n' "$r" "${G_ALL[$DB0,$r]}" "${G_ALL[$DB2,$r]}" "${all[-1]}" \
		"${G_OWN[$DB0,$r]}" "${G_OWN[$DB2,$r]}" "${own[-1]}"
done
echo "(instructions per call of one single-user backend; ratio: with the stored rows over without)"
g=$(median "${all[@]}")
echo "instructions with $ROWS stored / empty = $g (goal: within 10 %): $(awk -v g="$g" 'BEGIN { print (g <= 1.10 && g >= 0.90) ? "met" : "not met" }')"

echo
say "bytes stored: the ingest workload, 2 clients, synchronous_commit off, $SECS s, on empty tables"
run_workload ingest off 2
# bytes LABEL: per row of webhook_events and of webhook_deliveries in DB,
# beside the deliveries' average body
bytes() {
	local t body
	body=$(q "SELECT avg(body_size) FROM webhook_deliveries")
	for t in webhook_events webhook_deliveries; do
		q "SELECT format('%-20s %-10s %9s %7s %7s %7s %7s %7s %10s', '$t', '$1', n,
		                 round(pg_relation_size('$t') / n), round(toast / n), round(pg_indexes_size('$t') / n),
		                 round(pg_total_relation_size('$t') / n), round($body), round(pg_total_relation_size('$t') / n / $body, 2))
		     FROM (SELECT count(*)::numeric AS n FROM $t) c,
		          (SELECT coalesce(pg_total_relation_size(reltoastrelid), 0) AS toast FROM pg_class WHERE oid = '$t'::regclass) x"
	done
}
printf '%-20s %-10s %9s %7s %7s %7s %7s %7s %10s\n' table rows count heap toast indexes total body total/body
bytes ingest
DB=$DB2
reset_run ingest
bytes bulk
echo "(bytes per row: heap = the table's main fork, toast = its TOAST table and TOAST index, indexes ="
echo " its indexes, total = all of it with the free space and visibility maps; body = the deliveries'"
echo " average body in bytes (the event row keeps it as jsonb, lz4-compressed); ingest = the rows of the"
echo " run just above, bulk = the history of $DB2)"
echo "(saved in ${OUT#"$REPO"/}; pgbench logs in ${LOGDIR#"$REPO"/}/)"

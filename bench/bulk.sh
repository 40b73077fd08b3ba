#!/usr/bin/env bash
# bench/bulk.sh: a bulk load of N payments (default 1,000,000), then of N
# orders, by INSERT ... SELECT and by COPY, into the extension's tables and
# into plain tables with the same columns and indexes (no triggers),
# alternating the two sides; prints each time and the ratio.
#
#   bash bench/bulk.sh            # N = 1,000,000
#   BULK_ROWS=200000 bash bench/bulk.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$REPO"
take_lock bench/bulk.sh
bash scripts/setup.sh >/dev/null
N=${BULK_ROWS:-1000000}
DB=webhook_bulk
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" <<SQL
CREATE EXTENSION webhook;
SELECT webhook_add_provider('stripe', 'stripe', 'whsec_bulk');
CREATE TABLE plain_payments (LIKE webhook_payments INCLUDING ALL);
CREATE TABLE plain_orders (LIKE webhook_orders INCLUDING ALL);
COPY (SELECT 'stripe', 'R-' || i, 'pi_' || i, 10, 'EUR' FROM generate_series(1, $N) i) TO '/tmp/webhook_bulk_payments.csv' (FORMAT csv);
COPY (SELECT 'SO-' || i, 10, 'EUR' FROM generate_series(1, $N) i) TO '/tmp/webhook_bulk_orders.csv' (FORMAT csv);
SQL
# run LABEL SQL: the SQL's time in ms, from a fresh truncate
run() {
	local t0 t1
	psql -X -q -d "$DB" -c "TRUNCATE webhook_payments, webhook_orders, plain_payments, plain_orders CASCADE" -c CHECKPOINT
	t0=$(date +%s%N)
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "$2" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
printf '%-26s %10s %10s %6s\n' load webhook_ms plain_ms ratio
for kind in payments orders; do
	if [ $kind = payments ]; then
		cols="provider, reference, external_id, amount, currency"
		sel="SELECT 'stripe', 'R-' || i, 'pi_' || i, 10, 'EUR' FROM generate_series(1, $N) i"
	else
		cols="ref, total, currency"
		sel="SELECT 'SO-' || i, 10, 'EUR' FROM generate_series(1, $N) i"
	fi
	for how in insert copy; do
		if [ $how = insert ]; then
			w="INSERT INTO webhook_$kind ($cols) $sel"; p="INSERT INTO plain_$kind ($cols) $sel"
		else
			w="COPY webhook_$kind ($cols) FROM '/tmp/webhook_bulk_$kind.csv' (FORMAT csv)"
			p="COPY plain_$kind ($cols) FROM '/tmp/webhook_bulk_$kind.csv' (FORMAT csv)"
		fi
		pt=$(run plain "$p"); wt=$(run webhook "$w"); pt2=$(run plain "$p"); wt2=$(run webhook "$w")
		printf '%-26s %10s %10s %6s\n' "$kind $how x$N" "$(((wt + wt2) / 2))" "$(((pt + pt2) / 2))" \
			"$(awk -v a=$((wt + wt2)) -v b=$((pt + pt2)) 'BEGIN { printf "%.2f", a / b }')"
	done
done
psql -X -q -d "$DB" -c "SELECT count(*) AS advisory_locks FROM pg_locks WHERE locktype = 'advisory'"

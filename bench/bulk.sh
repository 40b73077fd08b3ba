#!/usr/bin/env bash
# bench/bulk.sh: a bulk load of N payments (default 1,000,000), then of N
# orders, by INSERT ... SELECT and by COPY, into the extension's tables,
# into plain tables with the same columns and indexes (no triggers, no
# foreign keys), and into plain tables that also have the extension's
# foreign keys (payments: provider and order_ref), the three sides
# alternating, BULK_REPS times each (default 3); prints the fastest time
# of each side (the machine's neighbours only ever slow a run down) and
# the ratios.  About 15 minutes at the default size.
#
#   bash bench/bulk.sh
#   BULK_ROWS=200000 BULK_REPS=2 bash bench/bulk.sh
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
CREATE TABLE fk_payments (LIKE webhook_payments INCLUDING ALL,
    FOREIGN KEY (provider) REFERENCES webhook_providers (name) ON UPDATE CASCADE,
    FOREIGN KEY (order_ref) REFERENCES webhook_orders (ref) ON UPDATE CASCADE);
CREATE TABLE fk_orders (LIKE webhook_orders INCLUDING ALL);
COPY (SELECT 'stripe', 'R-' || i, 'pi_' || i, 10, 'EUR' FROM generate_series(1, $N) i) TO '/tmp/webhook_bulk_payments.csv' (FORMAT csv);
COPY (SELECT 'SO-' || i, 10, 'EUR' FROM generate_series(1, $N) i) TO '/tmp/webhook_bulk_orders.csv' (FORMAT csv);
SQL
# run LABEL SQL: the SQL's time in ms, from a fresh truncate
run() {
	local t0 t1
	psql -X -q -d "$DB" -c "SET client_min_messages = warning" \
		-c "TRUNCATE webhook_payments, webhook_orders, plain_payments, plain_orders, fk_payments, fk_orders CASCADE" \
		-c CHECKPOINT
	t0=$(date +%s%N)
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "$2" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
REPS=${BULK_REPS:-3}
# min A B: the smaller
min() { [ "$1" -le "$2" ] && echo "$1" || echo "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-24s %10s %10s %10s %7s %7s\n' load webhook_ms plain_ms fk_ms /plain /fk
for kind in payments orders; do
	if [ $kind = payments ]; then
		cols="provider, reference, external_id, amount, currency"
		sel="SELECT 'stripe', 'R-' || i, 'pi_' || i, 10, 'EUR' FROM generate_series(1, $N) i"
	else
		cols="ref, total, currency"
		sel="SELECT 'SO-' || i, 10, 'EUR' FROM generate_series(1, $N) i"
	fi
	for how in insert copy; do
		w=999999999 p=999999999 f=999999999
		for _ in $(seq "$REPS"); do
			for side in plain fk webhook; do
				if [ $how = insert ]; then
					sql="INSERT INTO ${side}_$kind ($cols) $sel"
				else
					sql="COPY ${side}_$kind ($cols) FROM '/tmp/webhook_bulk_$kind.csv' (FORMAT csv)"
				fi
				t=$(run "$side" "$sql")
				case $side in
				plain) p=$(min "$p" "$t") ;;
				fk) f=$(min "$f" "$t") ;;
				webhook) w=$(min "$w" "$t") ;;
				esac
			done
		done
		printf '%-24s %10s %10s %10s %7s %7s\n' "$kind $how x$N" "$w" "$p" "$f" "$(ratio "$w" "$p")" "$(ratio "$w" "$f")"
	done
done
psql -X -q -d "$DB" -c "SELECT count(*) AS advisory_locks FROM pg_locks WHERE locktype = 'advisory'"

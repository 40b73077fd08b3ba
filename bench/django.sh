#!/usr/bin/env bash
# bench/django.sh: Stripe deliveries per second through Django, end to end
# over HTTP: pgwebhook.django's view (one webhook_ingest call) against a
# handler written the usual way (bench/django/conventional: the signature
# checked in Python, transaction.atomic(), a unique event row, the payment
# taken with select_for_update, payment and order saved through the ORM, a
# delivery row).  See bench/django/README.md.
#
# Beside them, a floor: a Django view that reads the request and answers
# {"outcome": "applied"} with no signature check and no database
# (bench/django/benchsite/floor.py): what HTTP, gunicorn and Django cost by
# themselves on this machine, measured in the same run.
#
# Both sides run the same Django project (bench/django/benchsite) under
# Debian's gunicorn on 127.0.0.1, 2 sync workers with a persistent database
# connection each, and get the same pre-signed requests (one
# payment_intent.succeeded per payment, bench/event.json's 2.7 KB body,
# Stripe-Signature signed with the current time, 300 s tolerance) from
# the same client: wrk, 2 connections, each cycling through its own
# pre-built requests (bench/django/cycle.lua).  Each side has its own
# database with the same payments and orders; before each run they are
# reloaded (payments pending, orders open, no events or deliveries).  After
# each run the script checks that every request captured its own payment
# and paid its order, and that nothing else was recorded.
#
# Environment:
#   BENCH_SECONDS       seconds per run (default 10)
#   BENCH_ROUNDS        rounds, the two sides taking turns (default 1)
#   BENCH_EVENTS        payments and pre-signed events per side (default
#                       1500 per second of a run, at least 40000; raise it
#                       when a run says it ran out)
#   BENCH_CONNECTIONS   wrk's connections (default 2; as many threads)
#   BENCH_WORKERS       gunicorn workers per side (default 2)
#   BENCH_PORT          first TCP port (default 18701; the other side +1)
#   BENCH_SETUP=1       run scripts/setup.sh first (else only when the
#                       cluster does not answer)
#
#   bash bench/django.sh                     # about a minute
#   BENCH_SECONDS=30 BENCH_ROUNDS=3 bash bench/django.sh
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
BENCH="$REPO/bench"
SITE="$BENCH/django"
NAME=django

SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-1}
NEVENTS=${BENCH_EVENTS:-$((SECS * 1500 > 40000 ? SECS * 1500 : 40000))}
CONNS=${BENCH_CONNECTIONS:-2}
WORKERS=${BENCH_WORKERS:-2}
PORT0=${BENCH_PORT:-18701}
WARMUP=5000                           # events after the measured ones, for the warm-up
WARMUP_SECS=1
SECRET=whsec_dj4ngoB3nchT9dTwlUY4gN1Rf2cXk8Jq
INGEST_ROLE=django_bench_ingest
DB_PKG=django_bench_package
DB_CONV=django_bench_conventional
PY=/usr/bin/python3                   # Debian's, with python3-django and gunicorn's packages
export PYTHONDONTWRITEBYTECODE=1      # no __pycache__ in the tree

say() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }

OUTDIR="$BENCH/out"
mkdir -p "$OUTDIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$OUTDIR/$NAME-$STAMP.txt"
WORK="$OUTDIR/$NAME-$STAMP"
mkdir -p "$WORK"
exec > >(tee "$OUT") 2>&1

# --- what it needs ------------------------------------------------------------
need=()
for p in wrk gunicorn python3-django python3-psycopg2; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	SUDO=()
	[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" </dev/null >/dev/null ||
		die "apt-get install ${need[*]} failed"
fi
[ -f "$REPO/python/pgwebhook/django/views.py" ] || die "python/pgwebhook/django/views.py is missing"

# --- the lock and the cluster -------------------------------------------------
take_lock bench
if [ "${BENCH_SETUP:-0}" = 1 ] || ! pg_isready -q; then
	bash "$REPO/scripts/setup.sh"
fi
for _ in $(seq 1 30); do pg_isready -q && break; sleep 2; done
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
q() { "${PSQL[@]}" -At -d "$1" -c "$2"; }

# --- servers: started and stopped by pid ----------------------------------------
PIDS=()
stop_server() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$? pid
	for pid in "${PIDS[@]}"; do stop_server "$pid"; done
	[ "$rc" = 0 ] || echo "bench: stopped with status $rc" >&2
}
set -E
trap cleanup EXIT
trap 'echo "bench: error: line $LINENO: $BASH_COMMAND exited with status $?" >&2' ERR
trap 'echo "bench: error: stopped by a signal" >&2; exit 143' TERM HUP INT

# side_env SIDE: the environment a side's Django runs with
side_env() {
	local side=$1
	echo "BENCH_SIDE=$side BENCH_STRIPE_SECRET=$SECRET PYTHONPATH=$REPO/python:$SITE DJANGO_SETTINGS_MODULE=benchsite.settings"
	case $side in
		package) echo "BENCH_DB=$DB_PKG BENCH_DB_USER=$INGEST_ROLE" ;;
		conventional) echo "BENCH_DB=$DB_CONV BENCH_DB_USER=postgres" ;;
		floor) echo "BENCH_DB=$DB_PKG BENCH_DB_USER=$INGEST_ROLE" ;;   # never connects
	esac
}

# start_server SIDE PORT: gunicorn for SIDE on 127.0.0.1:PORT; sets SERVER_PID
start_server() {
	local side=$1 port=$2
	# shellcheck disable=SC2046
	env $(side_env "$side") 9<&- "$PY" /usr/bin/gunicorn --chdir "$SITE" --workers "$WORKERS" \
		--worker-class sync --bind "127.0.0.1:$port" --backlog 64 --log-level warning \
		--pid "$WORK/gunicorn-$side.pid" benchsite.wsgi:application >>"$WORK/gunicorn-$side.log" 2>&1 &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	for _ in $(seq 1 100); do
		if curl -s -o /dev/null -X GET "http://127.0.0.1:$port/hooks/stripe/"; then return 0; fi
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/gunicorn-$side.log"; die "gunicorn ($side) exited"; }
		sleep 0.1
	done
	die "gunicorn ($side) does not answer on port $port"
}

# --- the databases ------------------------------------------------------------
LOAD_SQL="
INSERT INTO %ORDERS% (ref, total, currency, state, amount_paid, amount_refunded)
SELECT 'SO-' || i, (500 + (i * 7919) % 149500) / 100.0,
       upper((ARRAY['eur','eur','eur','nok','sek','dkk','gbp','usd'])[1 + i % 8]), 'open', 0, 0
  FROM generate_series(1, $((NEVENTS + WARMUP))) AS i;
INSERT INTO %PAYMENTS% (provider, reference, external_id, order_ref, amount, currency, state,
                        amount_captured, amount_refunded %CREATED%)
SELECT 'stripe', 'R-' || i, 'pi_bench_' || i, 'SO-' || i, (500 + (i * 7919) % 149500) / 100.0,
       upper((ARRAY['eur','eur','eur','nok','sek','dkk','gbp','usd'])[1 + i % 8]), 'pending', 0, 0 %NOW%
  FROM generate_series(1, $((NEVENTS + WARMUP))) AS i;"

load_sql() {    # load_sql ORDERS PAYMENTS CREATED_COLUMN
	local s=${LOAD_SQL//%ORDERS%/$1}
	s=${s//%PAYMENTS%/$2}
	if [ -n "$3" ]; then s=${s//%CREATED%/, $3}; s=${s//%NOW%/, now()}
	else s=${s//%CREATED%/}; s=${s//%NOW%/}; fi
	echo "$s"
}

make_databases() {
	say "making databases $DB_PKG and $DB_CONV ($NEVENTS payments each, and $WARMUP for the warm-up)"
	"${PSQL[@]}" -d postgres <<-EOF
	SET client_min_messages = warning;
	DROP DATABASE IF EXISTS $DB_PKG WITH (FORCE);
	DROP DATABASE IF EXISTS $DB_CONV WITH (FORCE);
	CREATE DATABASE $DB_PKG;
	CREATE DATABASE $DB_CONV;
	DO \$\$ BEGIN
	  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$INGEST_ROLE') THEN
	    CREATE ROLE $INGEST_ROLE LOGIN;
	  END IF;
	END \$\$;
	EOF
	"${PSQL[@]}" -d "$DB_PKG" >/dev/null <<-EOF
	SET client_min_messages = warning;
	CREATE EXTENSION webhook;
	SELECT webhook_add_provider('stripe', 'stripe', '$SECRET');
	GRANT USAGE ON SCHEMA public TO $INGEST_ROLE;
	GRANT EXECUTE ON FUNCTION webhook_ingest(text, jsonb, bytea, text),
	                          webhook_ingest(text, jsonb, text, text),
	                          webhook_ingest(jsonb) TO $INGEST_ROLE;
	EOF
	# shellcheck disable=SC2046
	(cd "$SITE" && env $(side_env conventional) "$PY" manage.py migrate --run-syncdb -v 0) ||
		die "manage.py migrate failed"
}

reset_databases() {
	"${PSQL[@]}" -d "$DB_PKG" >/dev/null <<-EOF
	SET client_min_messages = warning;
	TRUNCATE webhook_deliveries, webhook_events, webhook_refunds, webhook_payments, webhook_orders CASCADE;
	$(load_sql webhook_orders webhook_payments "")
	VACUUM ANALYZE webhook_orders, webhook_payments, webhook_events, webhook_deliveries;
	EOF
	"${PSQL[@]}" -d "$DB_CONV" >/dev/null <<-EOF
	SET client_min_messages = warning;
	TRUNCATE shop_webhook_delivery, shop_webhook_event, shop_payment, shop_order CASCADE;
	$(load_sql shop_order shop_payment created_at)
	VACUUM ANALYZE shop_order, shop_payment, shop_webhook_event, shop_webhook_delivery;
	EOF
	q postgres "CHECKPOINT" >/dev/null
}

# check_side SIDE N: N requests answered; each a new event that captured
# its own payment and paid its order, nothing else recorded (no duplicate:
# the requests did not run out).  The warm-up's events are counted apart.
check_side() {
	local side=$1 n=$2 got bad total pays orders
	if [ "$side" = package ]; then
		got=$(q "$DB_PKG" "SELECT (SELECT count(*) FROM webhook_deliveries WHERE outcome <> 'applied') || ' ' ||
		                         (SELECT count(*) FROM webhook_deliveries) || ' ' ||
		                         (SELECT count(*) FROM webhook_payments WHERE state = 'captured' AND amount_captured = amount) || ' ' ||
		                         (SELECT count(*) FROM webhook_orders WHERE state = 'paid' AND amount_paid = total)")
	else
		got=$(q "$DB_CONV" "SELECT (SELECT count(*) FROM shop_webhook_delivery WHERE outcome <> 'applied') || ' ' ||
		                          (SELECT count(*) FROM shop_webhook_delivery) || ' ' ||
		                          (SELECT count(*) FROM shop_payment WHERE state = 'captured' AND amount_captured = amount) || ' ' ||
		                          (SELECT count(*) FROM shop_order WHERE state = 'paid' AND amount_paid = total)")
	fi
	read -r bad total pays orders <<<"$got"
	[ "$bad" = 0 ] || die "$side: $bad deliveries were not applied (raise BENCH_EVENTS if they are duplicates: the requests ran out)"
	# wrk counts the answers it got; one request per connection may have been served after it stopped
	[ "$total" -ge "$n" ] && [ "$total" -le $((n + WARMUP_N + 2 * CONNS)) ] ||
		die "$side: wrk counted $n requests (and $WARMUP_N warm-up), the database has $total deliveries"
	[ "$pays" = "$total" ] && [ "$orders" = "$total" ] ||
		die "$side: $total deliveries, but $pays payments captured and $orders orders paid"
}

# --- one run ----------------------------------------------------------------------
# parse_wrk LOG: sets RPS, NREQ, P50, P99 (ms), NON2XX, ERRS
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0;
	else if (v ~ /m$/) printf "%.2f", v * 60000; else printf "%.2f", v * 1000 }'; }
parse_wrk() {
	local log=$1
	RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
	NREQ=$(awk '/requests in/ { print $1 }' "$log")
	P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$log")")
	P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$log")")
	NON2XX=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$log")
	ERRS=$(awk '/Socket errors:/ { print }' "$log")
	[ -n "$RPS" ] && [ -n "$NREQ" ] || { cat "$log"; die "cannot read wrk's output"; }
}

# CPU time, in clock ticks, from /proc: backend_ticks DB: the cluster's
# backends connected to DB (their process title names it; other sessions
# on the cluster are not counted); server_ticks PID: gunicorn's master and
# its workers; machine_ticks: "busy steal all" of the whole machine.
CLK_TCK=$(getconf CLK_TCK)
backend_ticks() {
	local pm p
	pm=$(head -n 1 "$PGHOST/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
	for p in $(ps -o pid= --ppid "$pm"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " $1 " || continue
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
	done | awk '{ t += $1 } END { print t + 0 }'
}
server_ticks() {
	local p
	for p in "$1" $(ps -o pid= --ppid "$1"); do sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'; done |
		awk '{ t += $1 } END { print t + 0 }'
}
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

RUNS=0
declare -A R_RPS R_P50 R_P99 R_CPU R_DBCPU R_OTHER R_STEAL
run_side() {
	local side=$1 round=$2 port log db c0 c1 d0 d1 m0 m1 s0 s1 a0 a1 w
	RUNS=$((RUNS + 1))
	case $side in
		package) port=$PORT0 ;;
		conventional) port=$((PORT0 + 1)) ;;
		floor) port=$((PORT0 + 2)) ;;
	esac
	[ "$side" = floor ] || reset_databases
	start_server "$side" "$port"
	# warm-up: each worker imports, connects and plans on its own events
	WRK_REQUESTS="$WORK/warmup" wrk -t "$CONNS" -c "$CONNS" -d "${WARMUP_SECS}s" -s "$SITE/cycle.lua" \
		"http://127.0.0.1:$port/" >"$WORK/warmup-$side-$RUNS.log" 2>&1 || die "wrk (warm-up) failed"
	parse_wrk "$WORK/warmup-$side-$RUNS.log"
	WARMUP_N=$NREQ
	[ -z "$NON2XX" ] || { cat "$WORK/warmup-$side-$RUNS.log"; die "$side: warm-up answers not 2xx: $NON2XX"; }
	log="$WORK/$side-$RUNS.log"
	db=$DB_PKG
	[ "$side" = conventional ] && db=$DB_CONV
	c0=$(server_ticks "$SERVER_PID")
	d0=$(backend_ticks "$db")
	read -r m0 s0 a0 <<<"$(machine_ticks)"
	TIMEFORMAT='%U %S'
	{ time WRK_REQUESTS="$WORK/requests" wrk -t "$CONNS" -c "$CONNS" -d "${SECS}s" --latency --timeout 10s \
		-s "$SITE/cycle.lua" "http://127.0.0.1:$port/" >"$log" 2>&1; } 2>"$WORK/wrk-cpu-$RUNS" ||
		{ cat "$log"; die "wrk failed"; }
	c1=$(server_ticks "$SERVER_PID")
	d1=$(backend_ticks "$db")
	read -r m1 s1 a1 <<<"$(machine_ticks)"
	stop_server "$SERVER_PID"
	w=$(awk -v hz="$CLK_TCK" '{ printf "%.0f", ($1 + $2) * hz }' "$WORK/wrk-cpu-$RUNS")
	# the machine's CPU that neither side's servers nor wrk used: other work on the host
	R_OTHER[$side,$round]=$(awk -v b=$((m1 - m0)) -v mine=$((c1 - c0 + d1 - d0 + w)) -v a=$((a1 - a0)) \
		'BEGIN { o = (b - mine) / a * 100; printf "%.0f", (o < 0) ? 0 : o }')
	R_STEAL[$side,$round]=$(awk -v s=$((s1 - s0)) -v a=$((a1 - a0)) 'BEGIN { printf "%.0f", s / a * 100 }')
	parse_wrk "$log"
	[ -z "$NON2XX" ] || { cat "$log"; tail -n 20 "$WORK/gunicorn-$side.log"; die "$side: $NON2XX answers not 2xx"; }
	[ -z "$ERRS" ] || { cat "$log"; die "$side: $ERRS"; }
	[ "$side" = floor ] || check_side "$side" "$NREQ"
	R_RPS[$side,$round]=$RPS R_P50[$side,$round]=$P50 R_P99[$side,$round]=$P99
	R_CPU[$side,$round]=$(awk -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$NREQ" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')
	R_DBCPU[$side,$round]=$(awk -v t=$((d1 - d0)) -v hz="$CLK_TCK" -v n="$NREQ" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')
	printf 'bench: round %s  %-13s %8.1f req/s  p50 %6.2f ms  p99 %6.2f ms  (%s requests; CPU per request: Django %s us, PostgreSQL %s us; other work %s %%, steal %s %%)\n' \
		"$round" "$side" "$RPS" "$P50" "$P99" "$NREQ" "${R_CPU[$side,$round]}" "${R_DBCPU[$side,$round]}" \
		"${R_OTHER[$side,$round]}" "${R_STEAL[$side,$round]}"
}

median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# --- the runs -------------------------------------------------------------------
say "Django $("$PY" -c 'import django; print(django.get_version())'), gunicorn $(/usr/bin/gunicorn --version 2>&1 | tr -dc '0-9.'), $( (wrk -v 2>&1 || true) | head -n 1 | awk '{ print $1, $2 }'), PostgreSQL $(q postgres 'SHOW server_version')"
make_databases
say "webhook $(q "$DB_PKG" "SELECT extversion FROM pg_extension WHERE extname = 'webhook'"), commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- src sql python 2>/dev/null || echo ' with uncommitted changes in src/, sql/ or python/')"
say "$SECS s per run, $ROUNDS round(s), $CONNS connections, $WORKERS gunicorn workers per side, $(nproc) CPUs"

for r in $(seq 1 "$ROUNDS"); do
	# signed now: the same requests for both sides of the round, well within 300 s
	"$PY" "$SITE/make_requests.py" --template "$BENCH/event.json" --secret "$SECRET" \
		--first 1 --count "$NEVENTS" --threads "$CONNS" --out "$WORK/requests" >/dev/null
	"$PY" "$SITE/make_requests.py" --template "$BENCH/event.json" --secret "$SECRET" \
		--first $((NEVENTS + 1)) --count "$WARMUP" --threads "$CONNS" --out "$WORK/warmup" >/dev/null
	if [ $((r % 2)) = 1 ]; then order=(floor package conventional); else order=(conventional package floor); fi
	for side in "${order[@]}"; do run_side "$side" "$r"; done
done

echo
printf '%-13s %10s %9s %9s %14s %10s %8s %7s\n' handler 'req/s' 'p50 ms' 'p99 ms' 'Django us/req' 'PG us/req' '/ floor' 'other%'
for side in floor package conventional; do
	rps=() p50=() p99=() cpu=() dbcpu=() other=0
	for r in $(seq 1 "$ROUNDS"); do
		rps+=("${R_RPS[$side,$r]}") p50+=("${R_P50[$side,$r]}") p99+=("${R_P99[$side,$r]}")
		cpu+=("${R_CPU[$side,$r]}") dbcpu+=("${R_DBCPU[$side,$r]}")
		[ "${R_OTHER[$side,$r]}" -le "$other" ] || other=${R_OTHER[$side,$r]}
	done
	fl=()
	for r in $(seq 1 "$ROUNDS"); do
		fl+=("$(awk -v a="${R_RPS[$side,$r]}" -v b="${R_RPS[floor,$r]}" 'BEGIN { printf "%.2f", a / b }')")
	done
	printf '%-13s %10.1f %9.2f %9.2f %14s %10s %8.2f %7s\n' "$side" "$(median "${rps[@]}")" "$(median "${p50[@]}")" \
		"$(median "${p99[@]}")" "$(median "${cpu[@]}")" "$(median "${dbcpu[@]}")" "$(median "${fl[@]}")" "$other"
done
ratios=() cratios=()
for r in $(seq 1 "$ROUNDS"); do
	ratios+=("$(awk -v a="${R_RPS[package,$r]}" -v b="${R_RPS[conventional,$r]}" 'BEGIN { printf "%.2f", a / b }')")
	cratios+=("$(awk -v a="${R_CPU[conventional,$r]}" -v b="${R_DBCPU[conventional,$r]}" \
		-v c="${R_CPU[package,$r]}" -v d="${R_DBCPU[package,$r]}" 'BEGIN { printf "%.2f", (a + b) / (c + d) }')")
done
RATIO=$(median "${ratios[@]}")
echo "(medians of $ROUNDS round(s) of $SECS s; CPU per request: gunicorn's master and workers, and the"
echo " database backends of the side's database; / floor: req/s over the floor's in the same round;"
echo " other%: the most CPU time, of the machine's, that other work on the host took during one run)"
echo "CPU ratio = $(median "${cratios[@]}") (conventional's server CPU per request, Django and PostgreSQL, over the package's; per round: ${cratios[*]})"
echo "ratio = $RATIO (package req/s over conventional, per round: ${ratios[*]}; goal >= 3): $(awk -v v="$RATIO" 'BEGIN { print (v >= 3) ? "met" : "not met" }')"
say "output in $OUT"

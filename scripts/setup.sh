#!/usr/bin/env bash
# scripts/setup.sh: make this machine ready to test webhook.  Idempotent.
#
#  1. installs the Debian 12 packages the build and the tests need (skipped
#     when dpkg says they are all there);
#  2. builds and installs the extension (make && make install; in CI with
#     -Wall -Wextra -Werror, as STYLE.md asks; WEBHOOK_WERROR=0|1 overrides);
#  3. creates the throwaway cluster in .pgdata/ (data in .pgdata/data, log in
#     .pgdata/server.log, Unix socket in .pgdata, port 54329, no TCP, trust
#     auth, superuser postgres, UTF8) and starts it, or restarts it when it
#     is already running so that the freshly installed webhook.so is loaded.
#     A cluster that will not start is wiped and created again;
#     WEBHOOK_FRESH=1 always wipes it.
#
# It exports nothing: source scripts/env.sh to reach the cluster.  Runs as
# root (PostgreSQL itself runs as the postgres user) or with sudo.
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO"

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

# --- privileges -------------------------------------------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "run as root or install sudo"
	SUDO=(sudo)
fi

# as_pg CMD...: run CMD as the postgres user, with our environment.
as_pg() {
	if [ "$(id -un)" = postgres ]; then
		"$@"
	elif [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		sudo -u postgres -- "$@"
	fi
}

# --- serialise with other runs (they share make install and the cluster) ----
# scripts/test.sh and scripts/demo.sh take the lock themselves and set
# WEBHOOK_LOCK_HELD.  Long-lived children (the postmaster) must not inherit
# the lock's descriptor: see the 9<&- below.
take_lock setup

# --- 1. packages ------------------------------------------------------------
PKGS=(postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl libipc-run-perl libssl-dev
	make gcc perl)
missing=()
for p in "${PKGS[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" </dev/null
else
	say "packages already installed"
fi
[ -x "$PGBIN/initdb" ] || die "$PGBIN/initdb missing after install"
getent passwd postgres >/dev/null || die "no postgres user (postgresql-common creates it)"

# --- 2. build and install ---------------------------------------------------
MAKE_ARGS=(PG_CONFIG="$PGBIN/pg_config")
werror=${WEBHOOK_WERROR:-}
[ -n "$werror" ] || { [ "${CI:-}" = true ] && werror=1 || werror=0; }
if [ "$werror" = 1 ]; then
	# PG 15's own headers trip -Wunused-parameter under -Wextra.
	MAKE_ARGS+=(COPT="-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror")
fi
say "building (make ${MAKE_ARGS[*]:1})"
make -j"$(nproc)" "${MAKE_ARGS[@]}"
say "installing"
"${SUDO[@]}" make "${MAKE_ARGS[@]}" install >/dev/null

# --- 3. the cluster ---------------------------------------------------------
BASE="$REPO/.pgdata"
DATA="$BASE/data"
LOG="$BASE/server.log"
(( ${#BASE} + 20 < 107 )) || die "socket path $BASE/.s.PGSQL.$PGPORT is too long for a Unix socket; clone the repo to a shorter path"

mkdir -p "$BASE"
"${SUDO[@]}" chown postgres:postgres "$BASE"
"${SUDO[@]}" chmod 755 "$BASE"
if ! as_pg test -x "$REPO" -a -w "$BASE" && [ "${CI:-}" = true ]; then
	# A CI checkout under /root: open the path (not the contents) to others.
	d=$REPO
	while [ "$d" != / ]; do
		if [ "$(stat -c %A "$d" | cut -c10)" != x ] && [ "$(stat -c %A "$d" | cut -c10)" != t ]; then
			say "chmod o+x $d (so the postgres user can reach the repo)"
			"${SUDO[@]}" chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
fi
as_pg test -x "$REPO" -a -w "$BASE" ||
	die "the postgres user cannot reach $BASE (every parent of $REPO must be world-executable)"

# pg_ctl as postgres; never hand it the lock descriptor (the postmaster would
# keep it and every later run would wait forever).
pg_ctl_pg() { as_pg "$PGBIN/pg_ctl" -D "$DATA" "$@" 9<&-; }

# running: is a postmaster serving $DATA?  A postmaster killed with -9 can
# linger as a zombie (containers whose init reaps nothing); pg_ctl would take
# it for alive, so its lock files are removed and it counts as stopped.
running() {
	local pid
	pid=$(as_pg head -n 1 "$DATA/postmaster.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	if [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
		as_pg rm -f "$DATA/postmaster.pid" "$BASE/.s.PGSQL.$PGPORT" \
			"$BASE/.s.PGSQL.$PGPORT.lock"
		return 1
	fi
	pg_ctl_pg status >/dev/null 2>&1
}

write_conf() {
	local sockdir=${BASE//\'/\'\'}
	as_pg tee "$DATA/webhook_test.conf" >/dev/null <<EOF
# Written by scripts/setup.sh on every run; edit that script, not this file.
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$sockdir'
unix_socket_permissions = 0777
max_prepared_transactions = 0
fsync = on
shared_buffers = 256MB
lc_messages = 'C'
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
	if ! as_pg grep -q "^include_if_exists = 'webhook_test.conf'" "$DATA/postgresql.conf"; then
		echo "include_if_exists = 'webhook_test.conf'" | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
	fi
}

create_cluster() {
	if [ -d "$DATA" ]; then
		if running; then pg_ctl_pg -m immediate -w stop >/dev/null 2>&1 || true; fi
		say "wiping $DATA"
		"${SUDO[@]}" rm -rf "$DATA"
	fi
	say "initdb $DATA"
	as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
		-A trust --no-instructions >"$BASE/initdb.log" 2>&1 ||
		{ cat "$BASE/initdb.log" >&2; die "initdb failed"; }
	write_conf
}

start_cluster() {
	if running; then
		say "restarting the cluster (loads the new webhook.so)"
		pg_ctl_pg -l "$LOG" -m fast -w -t 120 restart >/dev/null
	else
		say "starting the cluster"
		pg_ctl_pg -l "$LOG" -w -t 120 start >/dev/null
	fi
}

if [ "${WEBHOOK_FRESH:-0}" = 1 ] || [ ! -f "$DATA/PG_VERSION" ] ||
	[ "$(cat "$DATA/PG_VERSION")" != 15 ]; then
	create_cluster
else
	write_conf
fi

if ! start_cluster; then
	say "the cluster did not start; last log lines:"
	tail -n 20 "$LOG" 2>/dev/null || true
	create_cluster
	start_cluster || { tail -n 40 "$LOG" >&2 || true; die "the cluster does not start"; }
fi

for _ in $(seq 1 60); do
	"$PGBIN/pg_isready" -q && break
	sleep 1
done
"$PGBIN/psql" -X -q -At -c 'select 1' >/dev/null ||
	die "cannot connect to $PGHOST port $PGPORT"
say "ready: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER ($("$PGBIN/psql" -X -At -c 'show server_version'))"

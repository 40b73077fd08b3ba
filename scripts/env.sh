# scripts/env.sh: connection settings for the throwaway test cluster.
#
# Source it ("source scripts/env.sh") to point psql, pg_prove and friends at
# the cluster that scripts/setup.sh runs in .pgdata/ (Unix socket only, port
# 54329, trust auth, superuser postgres).  It sets variables and defines
# take_lock; it runs nothing.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGBIN=/usr/lib/postgresql/15/bin
PGHOST="$REPO/.pgdata"
PGPORT=54329
PGUSER=postgres
PGDATABASE=postgres
case ":$PATH:" in
	"$PGBIN:"*) ;;
	*) PATH="$PGBIN:$PATH" ;;
esac
export REPO PGBIN PGHOST PGPORT PGUSER PGDATABASE PATH

# take_lock WHO: hold /tmp/webhook-test.lock on descriptor 9 for the rest of
# this shell, unless a parent holds it already (WEBHOOK_LOCK_HELD).  Setup,
# tests, the demo and the benchmarks share make install and the cluster, so
# they run one at a time.  WHO names the script in its messages.  Long-lived
# children (the postmaster) must not inherit descriptor 9: start them 9<&-.
take_lock() {
	[ -z "${WEBHOOK_LOCK_HELD:-}" ] || return 0
	local lock=/tmp/webhook-test.lock
	[ -e "$lock" ] || { : >"$lock" && chmod 666 "$lock"; } 2>/dev/null || true
	exec 9<"$lock"
	if ! flock -n 9; then
		echo "$1: waiting for another setup/test run to finish (lock $lock)"
		flock -w 3600 9 || { echo "$1: could not take $lock" >&2; exit 2; }
	fi
	export WEBHOOK_LOCK_HELD=1
}

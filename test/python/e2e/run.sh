#!/usr/bin/env bash
# test/python/e2e/run.sh: the end-to-end tests of webhook and its Django
# package, against the test cluster of scripts/setup.sh (which must be
# running: scripts/test.sh python sets it up first).
#
#   bash test/python/e2e/run.sh [test_http [test_worker.Kill ...]]
#
# Runs runner.py under Debian's /usr/bin/python3 (its python3-django,
# python3-psycopg2, ...), with PYTHONPATH naming python/ (the package) and
# the test site.  Prints one TAP line per test and last
# "python-e2e: N passed, N failed".  Logs, pid files, screenshots: .run/python/.
# Every server the tests start is stopped by its pid at the end, here too
# (the trap) should the runner itself die.
set -uo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/env.sh"
cd "$REPO" || exit 2
# run alone, not under scripts/test.sh: keep setup.sh from restarting the
# cluster meanwhile
take_lock e2e
OUT=$REPO/.run/python
PIDS=$OUT/pids
mkdir -p "$PIDS"

# stop_recorded: stop each server recorded in .run/python/pids/ whose
# process is still the program recorded there: TERM, then KILL.
stop_recorded() {
	local f pid name _
	for f in "$PIDS"/*.pid; do
		[ -e "$f" ] || continue
		read -r pid name <"$f" || true
		if [ -n "${pid:-}" ] && [ -r "/proc/$pid/cmdline" ] &&
			tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "${name:-?}"; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 1 50); do
				[ -d "/proc/$pid" ] || break
				[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
				sleep 0.2
			done
			[ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
		fi
		rm -f "$f"
	done
	# pgbouncer runs under runuser: its own pid file
	f=$OUT/pgbouncer/pgbouncer.pid
	if [ -s "$f" ]; then
		pid=$(head -n 1 "$f")
		if [ -r "/proc/$pid/cmdline" ] && grep -qa pgbouncer "/proc/$pid/cmdline"; then
			kill -TERM "$pid" 2>/dev/null
		fi
	fi
	return 0
}
trap stop_recorded EXIT
trap 'exit 130' INT TERM
stop_recorded   # what a run killed before its end left behind

if [ ! -x /usr/bin/python3 ]; then
	echo "not ok 1 - /usr/bin/python3 is missing"
	echo "python-e2e: 0 passed, 1 failed"
	exit 1
fi
if ! psql -X -q -At -c 'select 1' >/dev/null 2>&1; then
	sleep 5   # the cluster may be restarting
	if ! psql -X -q -At -c 'select 1' >/dev/null; then
		echo "not ok 1 - the test cluster answers on $PGHOST port $PGPORT"
		echo "python-e2e: 0 passed, 1 failed"
		exit 1
	fi
fi

export PYTHONPATH="$REPO/python:$REPO/test/python/e2e/site:$REPO/test/python/e2e"
export PYTHONDONTWRITEBYTECODE=1
/usr/bin/python3 -u "$REPO/test/python/e2e/runner.py" "$@"

#!/usr/bin/env bash
# contrib/odoo/tests/run.sh: the webhook_payments addon's tests, against the
# real extension on the cluster of scripts/env.sh (scripts/setup.sh starts
# it), in a database of their own (odoo_webhook).  No Odoo server: the
# addon's SQL and its outbox consumer live in modules without an Odoo
# import, and a stand-in transaction (tests/fake_odoo.py) plays Odoo's part.
#
#   bash contrib/odoo/tests/run.sh                      # all
#   bash contrib/odoo/tests/run.sh test_outbox.Consume  # some
#
# Last line: "odoo: N passed, N failed"; exit status 1 on a failure.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../../scripts/env.sh
source "$HERE/../../../scripts/env.sh"

# Debian's interpreter and its packages: psycopg2, and werkzeug (what Odoo
# runs on) for the request tests.
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1    # no __pycache__ in the tree
need=()
"$PY" -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
"$PY" -c 'import werkzeug' 2>/dev/null || need+=(python3-werkzeug)
if [ ${#need[@]} -gt 0 ]; then
	echo "odoo: installing ${need[*]}"
	SUDO=()
	[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null ||
		"$PY" -c 'import psycopg2' # werkzeug is optional: its tests are skipped
fi

# the cluster is shared with the other tests and the benchmarks
take_lock odoo-tests
cd "$HERE"
for _ in $(seq 1 30); do
	pg_isready -q && break
	sleep 2
done
exec "$PY" runner.py "$@"

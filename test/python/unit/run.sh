#!/usr/bin/env bash
# test/python/unit/run.sh: the pgwebhook package's unit tests against the
# test cluster (scripts/setup.sh), under Debian's /usr/bin/python3.
#
#   bash test/python/unit/run.sh                       every test
#   bash test/python/unit/run.sh test_core test_django.ViewTests
#
# Databases pyunit_*, roles pyunit_ingest and pyunit_worker; all dropped at
# the end.  Last line: "python-unit: N passed, N failed"; exit 1 on failure.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$HERE/../../../scripts/env.sh"
take_lock python-unit

PY=/usr/bin/python3
if ! "$PY" -c 'import django, psycopg2, psycopg' 2>/dev/null; then
	echo "python-unit: Debian's python3-django, python3-psycopg2 and python3-psycopg are needed"
	echo "python-unit: 0 passed, 1 failed"
	exit 1
fi
export PYTHONPATH="$REPO/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "$HERE" && exec "$PY" runner.py "$@"

#!/usr/bin/env bash
# scripts/demo.sh: set up (scripts/setup.sh), then run scripts/demo.sql in a
# fresh database webhook_demo (dropped and created again on every run).
# Afterwards: source scripts/env.sh && psql -d webhook_demo
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO"

if [ ! -f scripts/demo.sql ]; then
	echo "demo.sh: scripts/demo.sql does not exist yet: nothing to demonstrate" >&2
	exit 1
fi

# Same lock as scripts/test.sh: they share make install and the cluster.
take_lock demo.sh

bash scripts/setup.sh
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c 'SET client_min_messages = warning' \
	-c 'DROP DATABASE IF EXISTS webhook_demo WITH (FORCE)' \
	-c 'CREATE DATABASE webhook_demo'
psql -X -v ON_ERROR_STOP=1 -d webhook_demo -f scripts/demo.sql

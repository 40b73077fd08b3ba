# scripts/env.sh: connection settings for the throwaway test cluster.
#
# Source it ("source scripts/env.sh") to point psql, pg_prove and friends at
# the cluster that scripts/setup.sh runs in .pgdata/ (Unix socket only, port
# 54329, trust auth, superuser postgres).  It sets variables and nothing else.

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

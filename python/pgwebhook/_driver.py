"""What differs between psycopg2 and psycopg 3 (and Django's wrapper of either).

Everything here takes the caller's connection object and looks at the module
that defines its class; nothing imports a driver until a connection of that
driver is seen, so the package works with whichever one is installed.
"""

from __future__ import annotations

import json
import select
from typing import Any, Iterator, Optional, Sequence

PSYCOPG2 = "psycopg2"
PSYCOPG3 = "psycopg"


def unwrap(conn: Any) -> Any:
    """Return the DB-API connection under a Django connection wrapper, else conn."""
    if type(conn).__module__.startswith("django."):
        conn.ensure_connection()
        return conn.connection
    return conn


def kind(conn: Any) -> str:
    """Return PSYCOPG2 or PSYCOPG3 for a connection; raise TypeError for others."""
    module = type(conn).__module__
    if module.startswith("psycopg2"):
        return PSYCOPG2
    if module == "psycopg" or module.startswith("psycopg."):
        return PSYCOPG3
    raise TypeError("pgwebhook needs a psycopg2 or psycopg 3 connection, not %s.%s"
                    % (module, type(conn).__name__))


def bound_cursor(conn: Any) -> Any:
    """Return a cursor of conn that binds parameters on the server where the driver can.

    psycopg 3's own Cursor always does, whatever cursor_factory the
    connection was given (Django sets a client-side one); psycopg2 cannot.
    """
    if kind(conn) == PSYCOPG3:
        import psycopg
        return psycopg.Cursor(conn)
    return conn.cursor()


def execute(cur: Any, sql: str, params: Sequence[Any]) -> None:
    """Execute sql on cur; on a psycopg 3 cursor never as a prepared statement.

    Prepared statements do not survive a pooler in transaction mode
    (pgbouncer before 1.21), and planning these calls costs next to nothing.
    """
    module = type(cur).__module__
    if module == "psycopg" or module.startswith("psycopg."):
        cur.execute(sql, params, prepare=False)
    else:
        cur.execute(sql, params)


def _chain(exc: Optional[BaseException]) -> Iterator[BaseException]:
    """Yield exc and the errors it wraps (Django wraps the driver's), at most five."""
    for _ in range(5):
        if exc is None:
            return
        yield exc
        exc = exc.__cause__


def _diag(exc: BaseException, name: str) -> Optional[str]:
    """Return a field of the server's error report (diag) found along exc's chain, else None."""
    for err in _chain(exc):
        value = getattr(getattr(err, "diag", None), name, None)
        if value:
            return value
    return None


def sqlstate(exc: BaseException) -> Optional[str]:
    """Return the SQLSTATE of a driver error, or of the error it wraps (Django), else None."""
    for err in _chain(exc):
        code = getattr(err, "pgcode", None) or getattr(err, "sqlstate", None)
        if code:
            return code
    return None


def primary_message(exc: BaseException) -> str:
    """Return the server's primary message of a driver error (no CONTEXT lines), else str(exc)."""
    text = _diag(exc, "message_primary")
    if text:
        return text
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def hint(exc: BaseException) -> Optional[str]:
    """Return the server's HINT of a driver error, else None."""
    return _diag(exc, "message_hint")


def is_connection_error(exc: BaseException, conn: Any) -> bool:
    """Return True when exc left conn unusable (server gone, network cut)."""
    if conn is None:
        return True
    try:
        if kind(conn) == PSYCOPG2:
            return bool(conn.closed)
        return bool(conn.closed or conn.broken)
    except Exception:
        return True


def is_driver_error(exc: BaseException) -> bool:
    """Return True for an error raised by a driver or by Django's database layer."""
    module = type(exc).__module__
    return module.startswith(("psycopg", "django.db"))


def load_json(value: Any) -> Any:
    """Return a jsonb value as Python: drivers give dicts, Django's psycopg2 setup gives text."""
    if isinstance(value, (str, bytes, bytearray)):
        return json.loads(value)
    return value


def set_autocommit(conn: Any, on: bool) -> None:
    """Put conn in (or out of) autocommit; both drivers spell it the same way."""
    if conn.autocommit != on:
        conn.autocommit = on


def watch_notifies(conn: Any, on_notify: Any) -> None:
    """Arrange for on_notify() to run for notifications psycopg 3 reads during queries."""
    if kind(conn) == PSYCOPG3:
        conn.add_notify_handler(lambda _n: on_notify())


def wait_notify(conn: Any, timeout: float) -> bool:
    """Wait up to timeout seconds for a NOTIFY on an idle conn; return True if one came.

    Raises the driver's error when the connection breaks while waiting.
    """
    if drain_notifies(conn):
        return True
    readable, _, _ = select.select([conn.fileno()], [], [], max(timeout, 0))
    if not readable:
        return False
    return drain_notifies(conn, read=True)


def drain_notifies(conn: Any, read: bool = False) -> bool:
    """Consume queued notifications of conn; return True if there were any."""
    if kind(conn) == PSYCOPG2:
        if read:
            conn.poll()
        got = bool(conn.notifies)
        del conn.notifies[:]
        return got
    pgconn = conn.pgconn
    if read:
        pgconn.consume_input()
        if pgconn.status != 0:      # CONNECTION_OK
            raise _psycopg3_error("the connection was lost while waiting for notifications")
    got = False
    while pgconn.notifies() is not None:
        got = True
    return got


def _psycopg3_error(text: str) -> Exception:
    """Return psycopg 3's OperationalError with text."""
    import psycopg
    return psycopg.OperationalError(text)

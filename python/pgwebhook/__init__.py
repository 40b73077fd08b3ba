"""pgwebhook: call the webhook extension from Python.

`ingest()` hands one HTTP delivery to `webhook_ingest` and returns its reply;
`Worker` follows the extension's outbox; `StateError` is what a refused
payment state change (SQLSTATE WH001) becomes.  Works with psycopg2 and
psycopg 3, whichever connection the caller passes; depends on nothing else.
The extension's functions are called unqualified: its schema must be on the
connection's search_path.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Iterable, Iterator, Mapping, Optional, Tuple, Union

from . import _driver

__version__ = "0.2.0"

__all__ = ["ingest", "Worker", "Message", "fetch_handler", "FetchError", "Error", "StateError", "ConfigError",
           "translate_error", "translating", "__version__"]

logging.getLogger("pgwebhook").addHandler(logging.NullHandler())

_INGEST_SQL = "SELECT webhook_ingest(%s::text, %s::jsonb, %s::bytea, %s::text)"

Headers = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


class Error(Exception):
    """A domain error the extension raised, with its SQLSTATE, message and hint."""

    sqlstate = ""

    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class StateError(Error):
    """The payment state machine refused a change (SQLSTATE WH001)."""

    sqlstate = "WH001"


class ConfigError(Error):
    """A provider config or secret that cannot be used (SQLSTATE WH002)."""

    sqlstate = "WH002"


_BY_SQLSTATE = {cls.sqlstate: cls for cls in (StateError, ConfigError)}


def translate_error(exc: BaseException) -> Optional[Error]:
    """Return the pgwebhook error for a driver (or Django) error, or None if it is not one."""
    if isinstance(exc, Error):
        return exc
    cls = _BY_SQLSTATE.get(_driver.sqlstate(exc) or "")
    if cls is None:
        return None
    err = cls(_driver.primary_message(exc), _driver.hint(exc))
    err.__cause__ = exc
    return err


@contextlib.contextmanager
def translating() -> Iterator[None]:
    """Context manager: re-raise WH001/WH002 driver errors as StateError/ConfigError."""
    try:
        yield
    except Exception as exc:
        err = translate_error(exc)
        if err is None or err is exc:
            raise
        raise err from exc


def _clean(text: str) -> str:
    """Return text without NUL characters or lone surrogates (neither fits in jsonb or text)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _as_text(value: Any) -> str:
    """Return a header name or value as text (bytes are read as Latin-1, as HTTP does)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def headers_json(headers: Headers) -> str:
    """Return headers (a mapping or pairs) as the JSON object text webhook_ingest takes.

    Pairs with the same name are joined with ", " as HTTP does; names that
    differ only in case stay apart, so the extension can refuse them as
    malformed_header.  NUL characters are dropped from names and values.
    """
    items = headers.items() if hasattr(headers, "items") else headers
    merged: dict = {}
    for name, value in items:
        name, value = _clean(_as_text(name)), _clean(_as_text(value))
        merged[name] = merged[name] + ", " + value if name in merged else value
    return json.dumps(merged, ensure_ascii=False)


def _as_body(body: Union[bytes, bytearray, memoryview, str]) -> bytes:
    """Return the body as bytes: str is encoded as UTF-8."""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def ingest(conn: Any, provider: str, headers: Headers,
           body: Union[bytes, str], path: Optional[str] = None) -> dict:
    """Run webhook_ingest once on conn and return its reply as a dict.

    conn is a psycopg2 or psycopg 3 connection, or Django's connection
    object (its driver connection is used).  Runs in the caller's
    transaction: commit it, or pass an autocommit connection.  psycopg 3 binds the parameters on the server.  NUL
    characters are dropped from header names and values and from path.
    Raises the driver's error for what the caller controls (a NULL provider).
    """
    raw = _driver.unwrap(conn)
    cur = _driver.bound_cursor(raw)
    params = [provider, headers_json(headers), _as_body(body),
              None if path is None else _clean(path)]
    try:
        _driver.execute(cur, _INGEST_SQL, params)
        reply = cur.fetchone()[0]
    finally:
        cur.close()
    return _driver.load_json(reply)


from .worker import FetchError, Message, Worker, fetch_handler  # noqa: E402  (needs the errors above)

"""Worker: follow the extension's outbox (webhook_outbox_claim / ack / nack).

Each claim is committed on its own.  Each message then gets one transaction:
the handler runs, `webhook_outbox_ack` runs in that same transaction, and the
transaction is rolled back when the ack counts nothing (the lease ran out and
another worker took or finished the message).  So a handler whose effect is
on the same database, written through `message.cursor` or
`message.connection`, takes effect exactly once (the handler must neither
commit nor roll back that transaction).  A handler that raises gets
its transaction rolled back and the message nacked with the error text, in a
transaction of its own.  A connection error closes the connection; the
worker connects again and goes on (a message it held comes back when its
lease runs out).  NOTIFY webhook_outbox only shortens the sleep between
empty claims: polling alone always works (through pgbouncer in transaction
mode LISTEN does nothing).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import threading
import time
from typing import Any, Callable, Iterator, List, Mapping, Optional, Sequence

from . import _driver

log = logging.getLogger("pgwebhook.worker")

_CLAIM = ("SELECT id, topic, payload, attempts, created_at "
          "FROM webhook_outbox_claim(%s::text, %s::int, %s::interval)")
_ACK = "SELECT webhook_outbox_ack(%s::text, %s::bigint[])"
_NACK = "SELECT webhook_outbox_nack(%s::text, %s::bigint, %s::text, %s::interval)"
_SUBSCRIBE = "SELECT webhook_subscribe(%s::text, %s::text[])"
_APPLY = "SELECT webhook_apply_object(%s::text, %s::jsonb)"
_MAX_ATTEMPTS = "SELECT coalesce(current_setting('webhook.outbox_max_attempts', true), '10')"
_ERROR_MAX = 4000


class Message:
    """One outbox message, with the connection and cursor of its transaction."""

    __slots__ = ("id", "topic", "payload", "attempts", "created_at", "connection", "cursor")

    def __init__(self, id: int, topic: str, payload: dict, attempts: int,
                 created_at: datetime.datetime, connection: Any = None, cursor: Any = None):
        self.id = id
        self.topic = topic
        self.payload = payload
        self.attempts = attempts
        self.created_at = created_at
        self.connection = connection
        self.cursor = cursor

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __repr__(self) -> str:
        return "<Message %s %s attempt %s>" % (self.id, self.topic, self.attempts)


class Transaction:
    """What a session yields for one message: its cursor, connection, and a rollback switch."""

    def __init__(self, connection: Any, cursor: Any) -> None:
        self.connection = connection
        self.cursor = cursor
        self.rollback_only = False


class DbapiSession:
    """A worker's link to the database through a DB-API connection from connect()."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self.conn: Any = None

    def open(self) -> None:
        """Connect if not connected; raises the driver's error when the server is away."""
        if self.conn is None:
            conn = _driver.unwrap(self._connect())
            _driver.kind(conn)
            _driver.set_autocommit(conn, False)
            self.conn = conn

    def close(self) -> None:
        """Close the connection, ignoring errors (it may be broken already)."""
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def broken(self) -> bool:
        """Return True when the connection is gone or unusable."""
        return _driver.is_connection_error(None, self.conn)

    def raw(self) -> Any:
        """Return the DB-API connection (for LISTEN)."""
        return self.conn

    def query(self, sql: str, params: Sequence[Any]) -> List[tuple]:
        """Run sql in a transaction of its own and return its rows."""
        cur = self.conn.cursor()
        try:
            _driver.execute(cur, sql, params)
            rows = cur.fetchall() if cur.description else []
            self.conn.commit()
            return rows
        except BaseException:
            with contextlib.suppress(Exception):
                self.conn.rollback()
            raise
        finally:
            with contextlib.suppress(Exception):
                cur.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Yield a Transaction; commit at the end unless it raised or asked to roll back."""
        cur = self.conn.cursor()
        tx = Transaction(self.conn, cur)
        try:
            yield tx
        except BaseException:
            with contextlib.suppress(Exception):
                self.conn.rollback()
            raise
        else:
            if tx.rollback_only:
                self.conn.rollback()
            else:
                self.conn.commit()
        finally:
            with contextlib.suppress(Exception):
                cur.close()


class Worker:
    """Claim outbox messages for one consumer and run a handler on each."""

    def __init__(self, connect: Callable[[], Any], consumer: str,
                 topics: Sequence[str] = ("*",), *, retry_in: Optional[str] = None,
                 listen: bool = True) -> None:
        self.consumer = consumer
        self.topics = list(topics)
        self.retry_in = retry_in        # delay before a nacked message is retried; None: backoff
        self.listen = listen            # False: never LISTEN (a pooler in transaction mode), only poll
        self._session = self._make_session(connect)
        self._stop = threading.Event()
        self._woken = threading.Event()
        self._subscribed = False
        self._listening: Optional[bool] = None
        self._max_attempts: Optional[int] = None

    def _make_session(self, connect: Callable[[], Any]) -> Any:
        """Return the session the worker talks through."""
        return DbapiSession(connect)

    # -- public ---------------------------------------------------------

    def stop(self) -> None:
        """Ask run() to return after the message in hand; safe from any thread or signal handler."""
        self._stop.set()
        self._woken.set()

    @property
    def stopping(self) -> bool:
        """Return True once stop() was called."""
        return self._stop.is_set()

    def subscribe(self) -> None:
        """Subscribe the consumer to the worker's topics (idempotent; replaces its topics)."""
        self._session.open()
        self._session.query(_SUBSCRIBE, [self.consumer, self.topics])
        self._subscribed = True

    def run(self, handler: Callable[[Message], Any], batch: int = 100,
            lease: str = "5 minutes", poll: float = 1.0) -> None:
        """Subscribe, then claim and handle messages until stop(); reconnects after connection errors."""
        failures = 0
        while not self._stop.is_set():
            try:
                handled = self.run_once(handler, batch=batch, lease=lease)
                failures = 0
                if handled == 0 and not self._stop.is_set():
                    self._sleep(poll)
            except Exception as exc:
                if not (_driver.is_driver_error(exc) and self._session.broken()):
                    raise
                failures += 1
                log.warning("pgwebhook worker %s: connection lost (%s); reconnecting",
                            self.consumer, _driver.primary_message(exc))
                self._reset()
                self._stop.wait(min(30.0, 0.5 * 2 ** min(failures, 6)))
        self._session.close()

    def run_once(self, handler: Callable[[Message], Any], batch: int = 100,
                 lease: str = "5 minutes") -> int:
        """Claim one batch and handle it; return how many messages were claimed and dealt with.

        Returns 0 without claiming once stop() was called: a stopped worker stays stopped.
        """
        if self._stop.is_set():
            return 0
        self._session.open()
        if not self._subscribed:
            self.subscribe()
        rows = self._session.query(_CLAIM, [self.consumer, batch, lease])
        for done, row in enumerate(rows):
            if self._stop.is_set():
                self._release(rows[done:])
                return done
            self._handle(handler, row)
        return len(rows)

    def close(self) -> None:
        """Close the worker's connection."""
        self._session.close()

    # -- one message ----------------------------------------------------

    def _handle(self, handler: Callable[[Message], Any], row: tuple) -> None:
        """Run handler on one claimed row and ack it in the same transaction; nack on error."""
        msg = Message(row[0], row[1], _driver.load_json(row[2]), row[3], row[4])
        try:
            with self._session.transaction() as tx:
                msg.connection, msg.cursor = tx.connection, tx.cursor
                handler(msg)
                if _scalar(tx.connection, _ACK, [self.consumer, [msg.id]]) != 1:
                    tx.rollback_only = True
                    log.warning("pgwebhook worker %s: lease of message %s ran out; "
                                "its effect was rolled back", self.consumer, msg.id)
        except Exception as exc:
            if self._session.broken():
                raise
            log.exception("pgwebhook worker %s: message %s (%s) failed",
                          self.consumer, msg.id, msg.topic)
            self._nack(msg.id, _error_text(exc), self.retry_in)

    def _nack(self, msg_id: int, text: str, retry_in: Optional[str]) -> str:
        """Put a message back (or make it dead) in a transaction of its own; return its status."""
        rows = self._session.query(_NACK, [self.consumer, msg_id, text, retry_in])
        return rows[0][0]

    def _release(self, rows: Sequence[tuple]) -> None:
        """Hand back claimed messages not handled because of stop(), unless that would kill them."""
        limit = self._max_attempts_setting()
        for row in rows:
            if row[3] < limit:
                self._nack(row[0], "worker stopped before handling it", "0 seconds")

    def _max_attempts_setting(self) -> int:
        """Return webhook.outbox_max_attempts as the server sees it (10 if unreadable)."""
        if self._max_attempts is None:
            try:
                self._max_attempts = int(self._session.query(_MAX_ATTEMPTS, [])[0][0])
            except Exception:
                self._max_attempts = 10
        return self._max_attempts

    # -- waiting --------------------------------------------------------

    def _sleep(self, poll: float) -> None:
        """Sleep up to poll seconds; wake early on NOTIFY webhook_outbox or stop()."""
        if self._listening is None:
            self._listening = self.listen and self._listen()
        if not self._listening:
            self._stop.wait(poll)
            return
        deadline = time.monotonic() + poll
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._woken.is_set():
                break
            if _driver.wait_notify(self._session.raw(), min(left, 0.25)):
                break
        self._woken.clear()

    def _listen(self) -> bool:
        """Run SELECT webhook_listen(); return False (and poll only) if that fails."""
        try:
            self._session.query("SELECT webhook_listen()", [])
            _driver.watch_notifies(self._session.raw(), self._woken.set)
            return True
        except Exception as exc:
            if self._session.broken():
                raise
            log.info("pgwebhook worker %s: no LISTEN (%s); polling only",
                     self.consumer, _driver.primary_message(exc))
            return False

    def _reset(self) -> None:
        """Forget the connection and what was set up on it."""
        self._session.close()
        self._listening = None


Fetch = Callable[[str, str, Optional[str]], Mapping[str, Any]]


class FetchError(Exception):
    """webhook_apply_object answered 5xx for a fetched object: the message is retried."""

    def __init__(self, reply: Mapping[str, Any]) -> None:
        super().__init__("webhook_apply_object answered %s %s: %s" % (
            reply.get("http_status"), reply.get("outcome"), reply.get("detail")))
        self.reply = reply


def fetch_handler(fetch: Fetch, other: Optional[Callable[[Message], Any]] = None
                  ) -> Callable[[Message], Any]:
    """Return a handler for fetch.<provider> messages (README "Fetch and apply").

    For each, fetch(provider, object_id, object_type) returns the object from the
    provider's API (a Mollie payment, a Stripe PaymentIntent); the handler passes it
    to webhook_apply_object in the message's transaction, so the object is applied
    and the message acked together.  A reply of 5xx raises FetchError (the message
    is nacked and retried); one of 4xx (an object the scheme cannot apply) is logged
    and the message acked, since fetching it again would give the same.  Messages of
    other topics go to other, or are acked untouched when it is None.
    """
    def handle(msg: Message) -> Any:
        if not msg.topic.startswith("fetch."):
            return other(msg) if other is not None else None
        provider = msg.topic[len("fetch."):]
        obj = ((msg.payload or {}).get("event") or {}).get("object") or {}
        fetched = fetch(provider, obj.get("id"), obj.get("type"))
        reply = _driver.load_json(_scalar(msg.connection, _APPLY, [provider, json.dumps(fetched)]))
        status = int(reply.get("http_status") or 500)
        if status >= 500:
            raise FetchError(reply)
        if status >= 400:
            log.warning("pgwebhook: fetched %s %s for %s was not applied: %s %s",
                        obj.get("type"), obj.get("id"), provider, reply.get("outcome"),
                        reply.get("detail"))
        return reply
    return handle


def _scalar(conn: Any, sql: str, params: Sequence[Any]) -> Any:
    """Return the one value sql yields, on a cursor of its own (the handler may have closed its)."""
    with conn.cursor() as cur:
        _driver.execute(cur, sql, params)
        return cur.fetchone()[0]


def _error_text(exc: BaseException) -> str:
    """Return the text stored as last_error for a failed handler."""
    text = "%s: %s" % (type(exc).__name__, exc)
    return text[:_ERROR_MAX].replace("\x00", "")

"""The outbox worker over Django's connection: handler and ack in one transaction.atomic()."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, List, Sequence

from django.db import connections, transaction

import pgwebhook
from pgwebhook.worker import Transaction

from . import conf, handlers


class DjangoSession:
    """A worker's link to the database through Django's connection of one alias.

    Outside a message the connection is in autocommit, so each claim and
    each nack commits on its own; a message runs in transaction.atomic(),
    so the handler's ORM writes on that alias commit or roll back with the ack.
    """

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def wrapper(self) -> Any:
        """Return Django's connection object of the alias (per thread)."""
        return connections[self.alias]

    def open(self) -> None:
        """Connect if not connected."""
        self.wrapper.ensure_connection()

    def close(self) -> None:
        """Close the connection, ignoring errors."""
        with contextlib.suppress(Exception):
            self.wrapper.close()

    def broken(self) -> bool:
        """Return True when the connection is gone or unusable."""
        w = self.wrapper
        return w.connection is None or not w.is_usable()

    def raw(self) -> Any:
        """Return the driver's connection (for LISTEN)."""
        self.open()
        return self.wrapper.connection

    def query(self, sql: str, params: Sequence[Any]) -> List[tuple]:
        """Run sql (autocommit: a transaction of its own) and return its rows."""
        with self.wrapper.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Yield a Transaction inside transaction.atomic(); roll back when asked to."""
        with transaction.atomic(using=self.alias):
            with self.wrapper.cursor() as cur:
                tx = Transaction(self.wrapper, cur)
                yield tx
                if tx.rollback_only:
                    transaction.set_rollback(True, using=self.alias)


class DjangoWorker(pgwebhook.Worker):
    """A Worker on a Django database alias; by default runs the @on handlers."""

    def __init__(self, consumer: str, topics: Sequence[str] = (), alias: str = "",
                 **kwargs: Any) -> None:
        self.alias = alias or conf.database()
        super().__init__(None, consumer, list(topics) or handlers.patterns() or ["*"], **kwargs)

    def _make_session(self, connect: Any) -> DjangoSession:
        return DjangoSession(self.alias)

    def run(self, handler: Any = None, **kwargs: Any) -> None:
        """Run the worker; the handler defaults to the registered @on handlers."""
        super().run(handler or handlers.dispatch, **kwargs)

    def run_once(self, handler: Any = None, **kwargs: Any) -> int:
        """Claim and handle one batch; the handler defaults to the registered @on handlers."""
        return super().run_once(handler or handlers.dispatch, **kwargs)

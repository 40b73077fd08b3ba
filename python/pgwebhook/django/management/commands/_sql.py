"""Shared by the management commands that wrap one SQL function."""

from __future__ import annotations

import json
from typing import Any, Sequence

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from pgwebhook import _driver


def add_database(parser: Any, default: str = DEFAULT_DB_ALIAS) -> None:
    """Add --database to a command's parser."""
    parser.add_argument("--database", default=default,
                        help="database alias to run on (default %(default)s)")


def call(alias: str, sql: str, params: Sequence[Any]) -> Any:
    """Run sql in a transaction of its own and return its single value; CommandError on failure."""
    try:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchone()[0]
    except Exception as exc:
        if not _driver.is_driver_error(exc):
            raise
        raise CommandError(_driver.primary_message(exc)) from exc


def each_jsonb(command: BaseCommand, alias: str, sql: str, ids: Sequence[int]) -> None:
    """Call sql for each id, print each reply as one JSON line; raise CommandError if any failed."""
    failed = 0
    for pk in ids:
        try:
            reply = _driver.load_json(call(alias, sql, [pk]))
        except CommandError as exc:
            failed += 1
            command.stderr.write("%s: %s" % (pk, exc))
            continue
        command.stdout.write(json.dumps({"id": pk, "reply": reply}, sort_keys=True, default=str))
    if failed:
        raise CommandError("%d of %d failed" % (failed, len(ids)))

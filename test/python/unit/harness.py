"""Shared by the unit tests: the test cluster, throwaway databases, roles, signing.

The cluster is the one scripts/setup.sh runs (PGHOST, PGPORT, PGUSER from
scripts/env.sh).  Each test module makes its own database pyunit_<name>
with the extension in it and drops it at the end; the roles below are
made once and dropped by runner.py when everything is over.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Optional

import psycopg
import psycopg2

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
INGEST_ROLE = "pyunit_ingest"       # EXECUTE on webhook_ingest only (README's grant block)
WORKER_ROLE = "pyunit_worker"       # EXECUTE on the outbox functions only
SECRET = "whsec_pyunit_0123456789"

OUTBOX_FUNCTIONS = [
    "webhook_subscribe(text, text[])",
    "webhook_unsubscribe(text)",
    "webhook_outbox_claim(text, int, interval)",
    "webhook_outbox_ack(text, bigint[])",
    "webhook_outbox_nack(text, bigint, text, interval)",
    "webhook_listen(text)",
    "webhook_apply_object(text, jsonb)",
]


def dsn(dbname: str = "postgres", user: Optional[str] = None) -> str:
    """Return a libpq connection string for dbname as user (default PGUSER)."""
    parts = ["dbname=%s" % dbname, "host=%s" % os.environ["PGHOST"],
             "port=%s" % os.environ.get("PGPORT", "5432"),
             "user=%s" % (user or os.environ.get("PGUSER", "postgres"))]
    return " ".join(parts)


def connect(dbname: str = "postgres", user: Optional[str] = None, driver: Any = psycopg2) -> Any:
    """Connect with driver (psycopg2 or psycopg); retry once after a few seconds (restarts)."""
    try:
        return driver.connect(dsn(dbname, user))
    except (psycopg2.OperationalError, psycopg.OperationalError):
        time.sleep(4)
        return driver.connect(dsn(dbname, user))


def admin_sql(sql: str, params: Any = None, dbname: str = "postgres") -> list:
    """Run sql as the superuser in autocommit and return its rows."""
    conn = connect(dbname)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def ensure_roles() -> None:
    """Create the ingest and worker roles if missing (cluster-wide)."""
    for role in (INGEST_ROLE, WORKER_ROLE):
        admin_sql("DO $$BEGIN CREATE ROLE %s LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$"
                  % role)


def drop_roles() -> None:
    """Drop the roles (after every pyunit_ database is gone)."""
    for role in (INGEST_ROLE, WORKER_ROLE):
        admin_sql("DROP ROLE IF EXISTS %s" % role)


def has_outbox(dbname: str) -> bool:
    """Return True when the installed extension has the outbox (webhook_outbox_claim)."""
    return bool(admin_sql("SELECT 1 FROM pg_proc WHERE proname = 'webhook_outbox_claim'",
                          dbname=dbname))


def create_database(name: str) -> str:
    """Create pyunit_<name> afresh with the extension and the roles' grants; return its name."""
    db = "pyunit_" + name
    ensure_roles()
    admin_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
    admin_sql("CREATE DATABASE %s" % db)
    try:
        _install(db)
    except Exception:
        drop_database(db)
        raise
    return db


def _install(db: str) -> None:
    """Create the extension in db and grant the roles what the README's block grants."""
    admin_sql("CREATE EXTENSION webhook", dbname=db)
    admin_sql("GRANT USAGE ON SCHEMA public TO %s, %s" % (INGEST_ROLE, WORKER_ROLE), dbname=db)
    admin_sql("GRANT EXECUTE ON FUNCTION webhook_ingest(text, jsonb, bytea, text), "
              "webhook_ingest(text, jsonb, text, text), webhook_ingest(jsonb) TO %s"
              % INGEST_ROLE, dbname=db)
    for func in OUTBOX_FUNCTIONS:       # those the installed version has
        if one(db, "SELECT to_regprocedure(%s) IS NOT NULL", [func]):
            admin_sql("GRANT EXECUTE ON FUNCTION %s TO %s" % (func, WORKER_ROLE), dbname=db)


def drop_database(db: str) -> None:
    """Drop a test database, closing whatever still uses it."""
    admin_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)


def stripe_event(event_id: str, intent: str, reference: str, amount: int = 1099,
                 type_: str = "payment_intent.succeeded", currency: str = "eur") -> bytes:
    """Return a Stripe event body for a PaymentIntent, as Stripe sends it."""
    return json.dumps({
        "id": event_id, "object": "event", "type": type_, "created": int(time.time()),
        "data": {"object": {"id": intent, "object": "payment_intent", "amount": amount,
                            "currency": currency, "metadata": {"reference": reference}}},
    }, separators=(",", ":")).encode()


def sign_stripe(db: str, body: bytes, secret: str = SECRET) -> str:
    """Return the Stripe-Signature value for body, signed now in SQL."""
    return admin_sql("SELECT webhook_sign_stripe(%s::bytea, %s)", [body, secret], dbname=db)[0][0]


def add_stripe(db: str, name: str = "stripe", secret: str = SECRET, config: str = "{}") -> None:
    """Register a stripe-scheme provider with its secret."""
    admin_sql("SELECT webhook_add_provider(%s, 'stripe', %s, %s::jsonb)", [name, secret, config],
              dbname=db)


def add_payment(db: str, reference: str, intent: str, order: Optional[str] = None,
                amount: str = "10.99", provider: str = "stripe") -> int:
    """Insert an order (when named) and a pending payment; return the payment id."""
    if order:
        admin_sql("INSERT INTO webhook_orders (ref, total, currency) VALUES (%s, %s, 'EUR') "
                  "ON CONFLICT DO NOTHING", [order, amount], dbname=db)
    return admin_sql("INSERT INTO webhook_payments (provider, reference, external_id, order_ref, "
                     "amount, currency) VALUES (%s, %s, %s, %s, %s, 'EUR') RETURNING id",
                     [provider, reference, intent, order, amount], dbname=db)[0][0]


def one(db: str, sql: str, params: Any = None) -> Any:
    """Return the single value sql yields, as the superuser."""
    rows = admin_sql(sql, params, dbname=db)
    return rows[0][0] if rows else None

"""What the webhook_payments tests share: the database, its roles, signed
Stripe deliveries.

The tests run against the real extension in a database of their own,
``odoo_webhook`` (ODOO_TEST_DB), on the cluster of scripts/env.sh (PGHOST,
PGPORT, PGUSER in the environment).  Roles are cluster-wide, so theirs are
prefixed ``odoo_``:

- ``odoo_ingest``: what the README's Security section grants the app
  server: USAGE on the schema, EXECUTE on webhook_ingest, nothing else;
- ``odoo_worker``: EXECUTE on the outbox functions, and rights on
  ``odoo_payment_transaction``, the table that stands for Odoo's own
  ``payment_transaction`` (the effect a consumer writes).
"""

import hashlib
import hmac
import json
import os
import sys
import time

import psycopg2
import psycopg2.extensions

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "webhook_payments"))

DB = os.environ.get("ODOO_TEST_DB", "odoo_webhook")
SECRET = "whsec_odoo_test_5oBzT9dTwlUY4gN1Rf2cXk8J"
INGEST_ROLE = "odoo_ingest"
WORKER_ROLE = "odoo_worker"

OUTBOX_FUNCTIONS = [
    "webhook_subscribe(text, text[])",
    "webhook_outbox_claim(text, integer, interval)",
    "webhook_outbox_ack(text, bigint[])",
    "webhook_outbox_nack(text, bigint, text, interval)",
]


def connect(dbname=DB, user=None, isolation=None, autocommit=False):
    """A psycopg2 connection; retried for a while, since the cluster may be
    restarting (scripts/setup.sh)."""
    kwargs = {"dbname": dbname}
    if user:
        kwargs["user"] = user
    last = None
    for _ in range(30):
        try:
            conn = psycopg2.connect(**kwargs)
            break
        except psycopg2.OperationalError as exc:
            last = exc
            time.sleep(2)
    else:
        raise last
    if isolation == "repeatable read":      # Odoo's cursors run at REPEATABLE READ
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
    conn.autocommit = autocommit
    return conn


def has_outbox():
    """Whether the installed extension has the outbox functions (SPEC 10)."""
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regproc('webhook_outbox_claim') IS NOT NULL")
        ok = cur.fetchone()[0]
    conn.close()
    return ok


def create_database():
    """A fresh database with the extension, a Stripe provider and the roles."""
    admin = connect("postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB)
        cur.execute("CREATE DATABASE %s" % DB)
        for role in (INGEST_ROLE, WORKER_ROLE):
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if not cur.fetchone():
                cur.execute("CREATE ROLE %s LOGIN" % role)
    admin.close()
    conn = connect(autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION webhook")
        cur.execute("SELECT webhook_add_provider('stripe', 'stripe', %s)", [SECRET])
        # the README's grants for the app server's role, as they stand there
        cur.execute("GRANT USAGE ON SCHEMA public TO %s" % INGEST_ROLE)
        cur.execute("GRANT EXECUTE ON FUNCTION webhook_ingest(text, jsonb, bytea, text),"
                    " webhook_ingest(text, jsonb, text, text), webhook_ingest(jsonb) TO %s"
                    % INGEST_ROLE)
        # the stand-in for Odoo's payment_transaction
        cur.execute("""CREATE TABLE odoo_payment_transaction (
                           id serial PRIMARY KEY, reference text UNIQUE NOT NULL,
                           state text NOT NULL DEFAULT 'draft', state_message text,
                           is_post_processed boolean NOT NULL DEFAULT false,
                           post_processed int NOT NULL DEFAULT 0)""")
        cur.execute("""CREATE TABLE odoo_effects (
                           message_id bigint, topic text, reference text, state text,
                           at timestamptz DEFAULT clock_timestamp())""")
        cur.execute("GRANT USAGE ON SCHEMA public TO %s" % WORKER_ROLE)
        cur.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON odoo_payment_transaction, odoo_effects"
                    " TO %s" % WORKER_ROLE)
        cur.execute("GRANT USAGE ON SEQUENCE odoo_payment_transaction_id_seq TO %s" % WORKER_ROLE)
        cur.execute("SELECT to_regproc('webhook_outbox_claim') IS NOT NULL")
        if cur.fetchone()[0]:
            cur.execute("GRANT EXECUTE ON FUNCTION %s TO %s" % (", ".join(OUTBOX_FUNCTIONS), WORKER_ROLE))
        cur.execute("SELECT to_regproc('webhook_apply_object') IS NOT NULL")
        if cur.fetchone()[0]:
            cur.execute("GRANT EXECUTE ON FUNCTION webhook_apply_object(text, jsonb) TO %s" % WORKER_ROLE)
    conn.close()


_counter = [0]


def new_payment(cur, state="pending", amount="10.99", currency="EUR"):
    """An order and its pending payment, as the shop makes them at checkout;
    returns (reference, external id, order ref)."""
    _counter[0] += 1
    n = "%d-%d" % (os.getpid(), _counter[0])
    ref, ext, order = "R-" + n, "pi_" + n.replace("-", "x"), "SO-" + n
    cur.execute("INSERT INTO webhook_orders (ref, total, currency) VALUES (%s, %s, %s)",
                [order, amount, currency])
    cur.execute("INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount,"
                " currency) VALUES ('stripe', %s, %s, %s, %s, %s)", [ref, ext, order, amount, currency])
    return ref, ext, order


def stripe_event(event_type, external_id, reference, amount_minor=1099, currency="eur",
                 event_id=None, captured=True):
    """The body (bytes) of a Stripe event for one PaymentIntent."""
    _counter[0] += 1
    obj = {"id": external_id, "object": "payment_intent", "amount": amount_minor,
           "amount_received": amount_minor if event_type == "payment_intent.succeeded" else 0,
           "currency": currency, "metadata": {"reference": reference},
           "status": {"payment_intent.succeeded": "succeeded",
                      "payment_intent.amount_capturable_updated": "requires_capture",
                      "payment_intent.payment_failed": "requires_payment_method",
                      "payment_intent.canceled": "canceled"}.get(event_type, "processing")}
    if event_type == "payment_intent.amount_capturable_updated":
        obj["amount_capturable"] = amount_minor
    body = {"id": event_id or "evt_%d_%d" % (os.getpid(), _counter[0]), "object": "event",
            "api_version": "2024-06-20", "created": int(time.time()), "type": event_type,
            "data": {"object": obj}}
    return json.dumps(body, indent=2).encode("utf-8")


def stripe_headers(body, secret=SECRET, ts=None):
    """The headers Stripe sends with ``body``: Stripe-Signature t=..,v1=..."""
    ts = int(time.time()) if ts is None else ts
    sig = hmac.new(secret.encode(), b"%d." % ts + body, hashlib.sha256).hexdigest()
    return {"Host": "shop.example", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": "t=%d,v1=%s" % (ts, sig)}

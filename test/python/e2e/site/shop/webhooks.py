"""The shop's handlers: what its own code does when a payment changes.

send_receipt writes one row of shop_receipt per message (UNIQUE on the
message id, so a message handled twice shows as an error), in the
worker's transaction, the one that acks the message.  Every call, whether
its transaction commits or not, is also written to shop_call on a
connection of its own, so the tests see each attempt.

E2E_HANDLER_DELAY (seconds) slows each call down; a payment whose
reference starts with FAIL- makes the handler raise, every time.
"""
import json
import os
import time

import psycopg2
from django.conf import settings
from django.db import connection

import pgwebhook.django


def field(message, name):
    if isinstance(message, dict):
        return message.get(name)
    return getattr(message, name, None)


def payload_of(message):
    payload = field(message, "payload")
    if isinstance(payload, (str, bytes)):
        payload = json.loads(payload)
    return payload or {}


_calls = None


def record_call(message_id, topic, reference):
    """A row of shop_call, committed whatever becomes of the handler's own
    transaction."""
    global _calls
    if _calls is None or _calls.closed:
        db = settings.DATABASES["default"]
        _calls = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                                  dbname=db["NAME"], application_name="e2e-shop-calls")
        _calls.autocommit = True
    with _calls.cursor() as cur:
        cur.execute("INSERT INTO shop_call (message_id, topic, reference, worker_pid)"
                    " VALUES (%s, %s, %s, %s)", [message_id, topic, reference, os.getpid()])


@pgwebhook.django.on("payment.captured")
def send_receipt(message):
    message_id = field(message, "id")
    payload = payload_of(message)
    payment = payload.get("payment") or {}
    reference = payment.get("reference") or ""
    record_call(message_id, field(message, "topic") or payload.get("topic"), reference)
    delay = float(os.environ.get("E2E_HANDLER_DELAY", "0") or 0)
    if delay:
        time.sleep(delay)
    if reference.startswith("FAIL-"):
        raise RuntimeError("the receipt printer refuses %s" % reference)
    with connection.cursor() as cur:
        cur.execute("INSERT INTO shop_receipt (message_id, reference, amount, worker_pid)"
                    " VALUES (%s, %s, %s, %s)",
                    [message_id, reference, payment.get("amount"), os.getpid()])

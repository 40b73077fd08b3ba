"""The outbox consumer of webhook_payments, without Odoo.

``consume`` is the loop: subscribe, claim, and for each message run an
*apply* callback and ``webhook_outbox_ack`` inside one savepoint of the
caller's transaction, or ``webhook_outbox_nack`` the message with the error
once that savepoint is rolled back.  The effect and its ack commit together
(exactly once, when the effect is in the same database), or neither does.
It works over any DB-API cursor; the addon passes Odoo's cursor and its
flushing savepoint, the tests a psycopg2 cursor.

``apply_to_transaction`` is what an Odoo ``payment.transaction`` does with
a ``payment.<state>`` message: the state setter Odoo's own provider modules
call, then the post-processing of the Odoo version at hand.
"""

import json
import logging
from collections import namedtuple

try:
    from .ingest import qualify
except ImportError:           # loaded on its own (the tests), not as the addon's module
    from ingest import qualify

_logger = logging.getLogger(__name__)

TOPICS = ("payment.*", "fetch.*")

Message = namedtuple("Message", "id topic payload attempts created_at")


class Stats:
    """What one ``consume`` call did: messages claimed, applied (and acked),
    failed (nacked; ``dead`` of them marked dead), and lost (the lease ran
    out before the ack, another worker has the message; its effect was
    rolled back)."""

    def __init__(self):
        self.claimed = self.applied = self.failed = self.dead = self.lost = 0
        self.batches = 0

    def __repr__(self):
        return ("Stats(claimed=%d, applied=%d, failed=%d, dead=%d, lost=%d, batches=%d)"
                % (self.claimed, self.applied, self.failed, self.dead, self.lost, self.batches))


class LeaseLost(Exception):
    """The ack found the message no longer leased to this consumer."""


class Savepoint:
    """SAVEPOINT ... RELEASE, or ROLLBACK TO on an exception, on a DB-API
    cursor (what Odoo's ``cr.savepoint()`` does, without the ORM flush)."""

    def __init__(self, cur, name="webhook_outbox_message"):
        self.cur, self.name = cur, name

    def __enter__(self):
        self.cur.execute("SAVEPOINT " + self.name)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.cur.execute("ROLLBACK TO SAVEPOINT " + self.name)
        self.cur.execute("RELEASE SAVEPOINT " + self.name)
        return False


def subscribe(cur, consumer, topics=TOPICS, schema=None):
    """webhook_subscribe(consumer, topics): idempotent, replaces the topics."""
    cur.execute("SELECT {}webhook_subscribe(%s, %s::text[])".format(qualify(schema)),
                [consumer, list(topics)])
    cur.fetchall()


def claim(cur, consumer, batch=100, lease="5 minutes", schema=None):
    """webhook_outbox_claim: up to ``batch`` messages, leased for ``lease``."""
    cur.execute("SELECT id, topic, payload, attempts, created_at"
                " FROM {}webhook_outbox_claim(%s, %s, %s::interval)".format(qualify(schema)),
                [consumer, batch, lease])
    out = []
    for row in cur.fetchall():
        payload = row[2]
        if isinstance(payload, (str, bytes)):
            payload = json.loads(payload)
        out.append(Message(row[0], row[1], payload, row[3], row[4]))
    return out


def ack(cur, consumer, ids, schema=None):
    """webhook_outbox_ack: how many of ``ids`` were still leased and are done."""
    cur.execute("SELECT {}webhook_outbox_ack(%s, %s::bigint[])".format(qualify(schema)),
                [consumer, list(ids)])
    return cur.fetchone()[0]


def nack(cur, consumer, message_id, error, retry_in=None, schema=None):
    """webhook_outbox_nack: 'ready' (retried after retry_in, default a backoff)
    or 'dead' (claimed webhook.outbox_max_attempts times)."""
    cur.execute("SELECT {}webhook_outbox_nack(%s, %s, %s, %s::interval)".format(qualify(schema)),
                [consumer, message_id, error, retry_in])
    return cur.fetchone()[0]


def _ack_one(cur, consumer, message_id, schema):
    """ack() of one message; at REPEATABLE READ (Odoo's cursors) a message
    that another worker took after this transaction began makes the ack
    fail to serialize: that is a lost lease too."""
    try:
        return ack(cur, consumer, [message_id], schema)
    except Exception as exc:
        if getattr(exc, "pgcode", None) == "40001":
            raise LeaseLost(message_id) from exc
        raise


def describe(exc):
    """The error text a nack stores: the exception's class and message."""
    text = "%s: %s" % (type(exc).__name__, exc)
    return text if len(text) <= 2000 else text[:1997] + "..."


def consume(cur, consumer, apply, topics=TOPICS, batch=100, lease="5 minutes",
            max_batches=1, savepoint=None, commit=None, retry_in=None, schema=None,
            subscribe_first=True):
    """Claim and apply outbox messages for ``consumer``; returns a Stats.

    For each claimed message, in a savepoint (``savepoint()``, a context
    manager; default a plain SAVEPOINT on ``cur``): ``apply(message)``, then
    the ack of that message.  When ``apply`` raises, the savepoint is rolled
    back (the effect is undone) and the message is nacked with the error,
    outside it.  When the ack finds the lease gone (it ran out, and another
    worker holds or finished the message), the savepoint is rolled back
    too, and the message is left to that worker.

    Up to ``max_batches`` claims run while they return messages.
    ``commit()``, when given, commits each claim before its messages are
    applied, and the batch's effects and acks after them: a worker that
    dies meanwhile leaves its messages leased, and they come back when the
    lease runs out, their attempts counted (a message that kills the
    worker every time ends ``dead``).  Without ``commit`` the claim, the
    effects and the acks are all in the caller's transaction: its rollback
    hands the messages back at once, with no attempt counted.
    Exceptions other than an apply's (a lost connection, a failed nack or
    commit) propagate.
    """
    stats = Stats()
    if savepoint is None:
        savepoint = lambda: Savepoint(cur)      # noqa: E731
    if subscribe_first:
        subscribe(cur, consumer, topics, schema)
    for _ in range(max_batches):
        messages = claim(cur, consumer, batch, lease, schema)
        if commit is not None:
            commit()
        if not messages:
            break
        stats.batches += 1
        stats.claimed += len(messages)
        for message in messages:
            try:
                with savepoint():
                    apply(message)
                    if _ack_one(cur, consumer, message.id, schema) != 1:
                        raise LeaseLost(message.id)
                stats.applied += 1
            except LeaseLost:
                _logger.warning("outbox message %s: lease ran out before the ack; left to the"
                                " worker that holds it now", message.id)
                stats.lost += 1
            except Exception as exc:    # the apply's error: nack it, go on
                _logger.warning("outbox message %s (%s) failed: %s", message.id, message.topic,
                                describe(exc))
                try:
                    with savepoint():
                        status = nack(cur, consumer, message.id, describe(exc), retry_in, schema)
                except Exception as nack_exc:
                    if getattr(nack_exc, "pgcode", None) != "40001":
                        raise
                    stats.lost += 1     # taken by another worker meanwhile (REPEATABLE READ)
                    continue
                stats.failed += 1
                if status == "dead":
                    stats.dead += 1
        if commit is not None:
            commit()
    return stats


# --- payment.<state> messages on an Odoo payment.transaction -----------------

# The extension's payment state -> the state setter of payment.transaction
# (Odoo 16 and 17 alike).  Refunds are child transactions in Odoo, made by
# the refund flow of a provider module: a refund message changes nothing on
# the source transaction.
SETTERS = {
    "pending": "_set_pending",
    "authorized": "_set_authorized",
    "captured": "_set_done",
    "failed": "_set_error",
    "canceled": "_set_canceled",
}


def state_message(payload):
    """The state_message Odoo shows on the transaction: the event that moved it."""
    event = payload.get("event") or {}
    if event.get("event_id"):
        return "%s webhook %s (%s)" % (event.get("provider") or "", event.get("event_type") or "",
                                      event.get("event_id"))
    return "payment %s by hand" % ((payload.get("payment") or {}).get("state") or "changed")


def apply_to_transaction(tx, message, odoo_major):
    """Move the Odoo transaction ``tx`` as the message says; returns the
    setter's name, or None when the message moves nothing in Odoo.

    The setter is the one Odoo's provider modules call from their own
    webhooks; it keeps Odoo's own transition rules (a transition Odoo does
    not allow is logged by Odoo and skipped).  Then the post-processing,
    which confirms the sale order and creates the accounting payment:
    Odoo 17 ``_post_process()`` on a transaction not yet post-processed (its
    state setters reset the flag); Odoo 16 ``_finalize_post_processing()``
    on a ``done`` transaction not yet post-processed, as its cron
    ``_cron_finalize_post_processing`` does.
    """
    payload = message.payload or {}
    payment = payload.get("payment") or {}
    setter = SETTERS.get(payment.get("state"))
    if setter is None:
        return None
    if setter == "_set_authorized":
        provider = getattr(tx, "provider_id", None)
        if provider is not None and not getattr(provider, "support_manual_capture", True):
            # Odoo refuses 'authorized' (a constraint) for a provider without
            # manual capture; the capture that follows does the work.
            return None
    if setter == "_set_error":
        tx._set_error(state_message(payload))
    else:
        getattr(tx, setter)(state_message=state_message(payload))
    post_process(tx, odoo_major)
    return setter


def post_process(tx, odoo_major):
    """The post-processing of the Odoo version ``odoo_major`` (see above);
    ``tx`` is a recordset (iterating gives its records)."""
    for t in tx:
        if t.is_post_processed:
            continue
        if odoo_major >= 17:
            t._post_process()
        elif t.state == "done":
            t._finalize_post_processing()


def transaction_applier(find_transaction, odoo_major):
    """The apply callback for ``consume``: find the transaction of the
    message's ``payment.reference`` with ``find_transaction(reference)``
    (a falsy result: a payment Odoo does not know, nothing to do) and
    ``apply_to_transaction`` it."""
    def apply(message):
        reference = ((message.payload or {}).get("payment") or {}).get("reference")
        tx = find_transaction(reference) if reference else None
        if not tx:
            _logger.info("outbox message %s: no payment.transaction with reference %r",
                         message.id, reference)
            return None
        return apply_to_transaction(tx, message, odoo_major)
    return apply


# --- fetch.<provider> messages: fetch the object, apply it -------------------

def apply_object(cur, provider, obj, schema=None):
    """webhook_apply_object(provider, obj) on ``cur``: the reply, as a dict."""
    fn = "%s.webhook_apply_object" % schema if schema else "webhook_apply_object"
    cur.execute("SELECT %s(%%s, %%s::jsonb)" % fn, [provider, json.dumps(obj)])
    reply = cur.fetchone()[0]
    return json.loads(reply) if isinstance(reply, str) else reply


def fetch_applier(cur, fetch, other=None, schema=None):
    """The apply callback for ``consume`` of README "Fetch and apply": a
    ``fetch.<provider>`` message's object fetched with ``fetch(provider,
    object_id, object_type)`` (a dict, as the provider's API returns it) and
    passed to webhook_apply_object on ``cur``, in the message's savepoint;
    a 5xx reply raises (the message is nacked and retried), a 4xx one is
    logged and acknowledged.  Other topics go to ``other``."""
    def apply(message):
        if not message.topic.startswith("fetch."):
            return other(message) if other is not None else None
        provider = message.topic[len("fetch."):]
        obj = ((message.payload or {}).get("event") or {}).get("object") or {}
        reply = apply_object(cur, provider, fetch(provider, obj.get("id"), obj.get("type")), schema)
        status = int(reply.get("http_status") or 500)
        if status >= 500:
            raise RuntimeError("webhook_apply_object answered %s %s: %s"
                               % (status, reply.get("outcome"), reply.get("detail")))
        if status >= 400:
            _logger.warning("outbox message %s: the fetched %s %s was not applied: %s %s",
                            message.id, obj.get("type"), obj.get("id"), reply.get("outcome"),
                            reply.get("detail"))
        return reply
    return apply

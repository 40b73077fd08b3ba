"""Fetch and apply: a Stripe thin event asks the shop to fetch; pgwebhook.fetch_handler fetches and applies."""

import json
import time
import unittest

import psycopg
import psycopg2

import harness
import pgwebhook

DB = None


def setUpModule():
    global DB
    DB = harness.create_database("fetch")
    if not harness.one(DB, "SELECT to_regprocedure('webhook_apply_object(text, jsonb)') IS NOT NULL"):
        harness.drop_database(DB)
        raise AssertionError("the installed extension has no webhook_apply_object")
    harness.add_stripe(DB)


def tearDownModule():
    harness.drop_database(DB)


def thin_event(event_id, intent):
    """Return a thin event (v2 event destinations) about a PaymentIntent, as Stripe sends it."""
    return json.dumps({
        "id": event_id, "object": "v2.core.event", "type": "v1.payment_intent.succeeded",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "related_object": {"id": intent, "type": "payment_intent", "url": "/v1/payment_intents/" + intent},
    }, separators=(",", ":")).encode()


def deliver(body):
    """Ingest body, signed, as the superuser; return the reply."""
    reply = harness.one(DB, "SELECT webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', %s::text), "
                            "%s::bytea)", [harness.sign_stripe(DB, body), body])
    return reply if isinstance(reply, dict) else json.loads(reply)


def payment(ref):
    return harness.admin_sql("SELECT state, amount_captured::text FROM webhook_payments WHERE reference = %s",
                             [ref], dbname=DB)[0]


class FetchHandlerTests(unittest.TestCase):
    driver = psycopg2

    def setUp(self):
        self.consumer = "fetch_%s_%s" % (self.driver.__name__, self._testMethodName[5:20])
        self.intent = "pi_" + self.consumer
        self.ref = "R-" + self.consumer
        harness.add_payment(DB, self.ref, self.intent)
        self.worker = pgwebhook.Worker(lambda: harness.connect(DB, harness.WORKER_ROLE, self.driver),
                                       self.consumer, ["fetch.*"])
        self.addCleanup(self.worker.close)
        self.worker.subscribe()
        self.calls = []

    def fake_fetch(self, provider, object_id, object_type):
        """The shop's fetch, as it would call Stripe's API: the PaymentIntent as it stands."""
        self.calls.append((provider, object_id, object_type))
        return {"id": object_id, "object": "payment_intent", "status": "succeeded",
                "amount": 1099, "amount_received": 1099, "currency": "eur",
                "metadata": {"reference": self.ref}}

    def test_a_thin_event_is_fetched_and_applied_exactly_once(self):
        reply = deliver(thin_event("evt_" + self.consumer, self.intent))
        self.assertEqual((reply["http_status"], reply["outcome"]), (200, "fetch"))
        self.assertEqual(payment(self.ref), ("pending", "0"))     # the thin event moved nothing
        handler = pgwebhook.fetch_handler(self.fake_fetch)
        self.assertEqual(self.worker.run_once(handler), 1)
        self.assertEqual(self.calls, [("stripe", self.intent, "payment_intent")])
        self.assertEqual(payment(self.ref), ("captured", "10.99"))
        # the retry of the thin event is a duplicate: no second message, no second fetch
        self.assertEqual(deliver(thin_event("evt_" + self.consumer, self.intent))["outcome"], "duplicate")
        self.assertEqual(self.worker.run_once(handler), 0)
        self.assertEqual(len(self.calls), 1)
        rows = harness.admin_sql("SELECT status FROM webhook_outbox WHERE consumer = %s", [self.consumer],
                                 dbname=DB)
        self.assertEqual(rows, [("done",)])
        kinds = harness.admin_sql("SELECT kind, outcome FROM webhook_deliveries WHERE kind = 'object' "
                                  "AND event_pk IN (SELECT e.id FROM webhook_events e JOIN webhook_payments p "
                                  "ON p.id = e.payment_id WHERE p.reference = %s)", [self.ref], dbname=DB)
        self.assertEqual(kinds, [("object", "applied")])

    def test_a_failing_fetch_is_retried_and_applies_once(self):
        deliver(thin_event("evt_" + self.consumer, self.intent))
        failures = []

        def flaky(provider, object_id, object_type):
            if not failures:
                failures.append(1)
                raise ConnectionError("Stripe is down")
            return self.fake_fetch(provider, object_id, object_type)
        worker = pgwebhook.Worker(lambda: harness.connect(DB, harness.WORKER_ROLE, self.driver),
                                  self.consumer, ["fetch.*"], retry_in="0 seconds")
        self.addCleanup(worker.close)
        handler = pgwebhook.fetch_handler(flaky)
        self.assertEqual(worker.run_once(handler), 1)            # nacked
        self.assertEqual(payment(self.ref), ("pending", "0"))
        self.assertEqual(worker.run_once(handler), 1)            # retried: applied
        self.assertEqual(payment(self.ref), ("captured", "10.99"))
        self.assertEqual(len(self.calls), 1)

    def test_other_topics_go_to_the_other_handler(self):
        seen = []
        handler = pgwebhook.fetch_handler(self.fake_fetch, other=seen.append)
        w = pgwebhook.Worker(lambda: harness.connect(DB, harness.WORKER_ROLE, self.driver),
                             self.consumer + "_o", ["payment.*"])
        self.addCleanup(w.close)
        w.subscribe()
        harness.admin_sql("UPDATE webhook_payments SET state = 'authorized' WHERE reference = %s", [self.ref],
                          dbname=DB)
        self.assertEqual(w.run_once(handler), 1)
        self.assertEqual([m.topic for m in seen], ["payment.authorized"])
        self.assertEqual(self.calls, [])


class FetchHandlerPsycopg3Tests(FetchHandlerTests):
    driver = psycopg


if __name__ == "__main__":
    unittest.main()

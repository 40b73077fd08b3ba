"""The outbox consumer loop (outbox.consume) and what it does to a
payment.transaction, against the real extension, as the worker role that
holds only EXECUTE on the outbox functions, at Odoo's REPEATABLE READ."""

import itertools
import time
import unittest

import support
import outbox
from fake_odoo import Provider, Transaction16, Transaction17

HAVE_OUTBOX = False


def setUpModule():
    global HAVE_OUTBOX
    support.create_database()
    HAVE_OUTBOX = support.has_outbox()


_names = itertools.count(1)


class OutboxCase(unittest.TestCase):

    def setUp(self):
        if not HAVE_OUTBOX:
            self.fail("the installed extension has no outbox (webhook_outbox_claim)")
        self.admin = support.connect(autocommit=True)
        self.worker = support.connect(user=support.WORKER_ROLE, isolation="repeatable read")
        self.consumer = "odoo_test_%d" % next(_names)
        with self.admin.cursor() as cur:
            cur.execute("SELECT webhook_subscribe(%s, ARRAY['payment.*'])", [self.consumer])

    def tearDown(self):
        self.worker.close()
        with self.admin.cursor() as cur:
            cur.execute("SELECT webhook_unsubscribe(%s)", [self.consumer])
        self.admin.close()

    def payment(self):
        with self.admin.cursor() as cur:
            return support.new_payment(cur)

    def deliver(self, event_type, ext, ref):
        body = support.stripe_event(event_type, ext, ref)
        with self.admin.cursor() as cur:
            cur.execute("SELECT webhook_ingest('stripe', %s::jsonb, %s::bytea, '/hooks/stripe')",
                        [__import__("json").dumps(support.stripe_headers(body)), body])
            reply = cur.fetchone()[0]
        self.assertIn(reply["outcome"], ("applied", "unchanged", "superseded"), reply)
        return reply

    def consume(self, apply, **kw):
        kw.setdefault("lease", "1 minute")
        with self.worker.cursor() as cur:
            return outbox.consume(cur, self.consumer, apply, **kw)

    def crash_at(self, n):
        """A commit hook whose n-th call rolls back instead: the worker's
        transaction is lost, as when the worker dies before it commits."""
        calls = [0]

        def commit():
            calls[0] += 1
            if calls[0] == n:
                self.worker.rollback()
            else:
                self.worker.commit()
        return commit

    def effect_recorder(self, fail=lambda m: False):
        """An apply that writes one odoo_effects row per message on the
        worker's cursor, and raises (after writing) when fail(message)."""
        def apply(message):
            with self.worker.cursor() as cur:
                cur.execute("INSERT INTO odoo_effects (message_id, topic, reference, state)"
                            " VALUES (%s, %s, %s, %s)",
                            [message.id, message.topic, message.payload["payment"]["reference"],
                             message.payload["payment"]["state"]])
            if fail(message):
                raise RuntimeError("the shop's code failed on %s" % message.topic)
        return apply

    def effects(self, refs):
        with self.admin.cursor() as cur:
            cur.execute("SELECT message_id, reference, state FROM odoo_effects"
                        " WHERE reference = ANY(%s) ORDER BY at", [list(refs)])
            return cur.fetchall()

    def outbox_rows(self):
        with self.admin.cursor() as cur:
            cur.execute("SELECT id, topic, status, attempts, last_error FROM webhook_outbox"
                        " WHERE consumer = %s ORDER BY id", [self.consumer])
            return cur.fetchall()


class Consume(OutboxCase):

    def test_every_message_applied_once(self):
        pays = [self.payment() for _ in range(5)]
        for ref, ext, _ in pays:
            self.deliver("payment_intent.succeeded", ext, ref)
        stats = self.consume(self.effect_recorder(), batch=2, max_batches=10, commit=self.worker.commit)
        self.assertEqual((stats.claimed, stats.applied, stats.failed, stats.lost), (5, 5, 0, 0))
        self.assertGreaterEqual(stats.batches, 3)
        rows = self.effects([p[0] for p in pays])
        self.assertEqual(sorted(r[1] for r in rows), sorted(p[0] for p in pays))
        self.assertEqual(len({r[0] for r in rows}), 5)
        self.assertTrue(all(r[2] == "captured" for r in rows))
        self.assertEqual({(r[1], r[2]) for r in self.outbox_rows()}, {("payment.captured", "done")})
        again = self.consume(self.effect_recorder(), commit=self.worker.commit)
        self.assertEqual(again.claimed, 0)
        self.assertEqual(len(self.effects([p[0] for p in pays])), 5)

    def test_failing_apply_is_nacked_and_retried(self):
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.succeeded", ext, ref)
        attempts = []

        def fail_first(message):
            attempts.append(message.attempts)
            return len(attempts) == 1
        stats = self.consume(self.effect_recorder(fail_first), retry_in="0 seconds",
                             commit=self.worker.commit)
        self.assertEqual((stats.applied, stats.failed, stats.dead), (0, 1, 0))
        self.assertEqual(self.effects([ref]), [])       # the effect went with the savepoint
        (mid, topic, status, tries, error), = self.outbox_rows()
        self.assertEqual((topic, status, tries), ("payment.captured", "ready", 1))
        self.assertIn("RuntimeError: the shop's code failed on payment.captured", error)
        stats = self.consume(self.effect_recorder(fail_first), retry_in="0 seconds",
                             commit=self.worker.commit)
        self.assertEqual((stats.applied, stats.failed), (1, 0))
        self.assertEqual([r[0] for r in self.effects([ref])], [mid])
        self.assertEqual(self.outbox_rows()[0][2:4], ("done", 2))
        self.assertEqual(attempts, [1, 2])

    def test_a_failure_does_not_stop_the_others(self):
        pays = [self.payment() for _ in range(3)]
        for ref, ext, _ in pays:
            self.deliver("payment_intent.succeeded", ext, ref)
        bad = pays[1][0]
        stats = self.consume(self.effect_recorder(lambda m: m.payload["payment"]["reference"] == bad),
                             retry_in="1 hour", commit=self.worker.commit)
        self.assertEqual((stats.applied, stats.failed), (2, 1))
        self.assertEqual(sorted(r[1] for r in self.effects([p[0] for p in pays])),
                         sorted([pays[0][0], pays[2][0]]))

    def test_effect_and_ack_commit_together(self):
        """The claim committed, then the transaction of the effects and acks
        fails: neither is kept, the message comes back after its lease."""
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.succeeded", ext, ref)
        stats = self.consume(self.effect_recorder(), lease="1 second", commit=self.crash_at(2))
        self.assertEqual((stats.claimed, stats.applied), (1, 1))
        self.assertEqual(self.effects([ref]), [])
        self.assertEqual(self.outbox_rows()[0][2:4], ("leased", 1))
        self.assertEqual(self.consume(self.effect_recorder(), commit=self.worker.commit).claimed, 0)
        time.sleep(1.2)                 # the lease runs out; the message comes back
        stats = self.consume(self.effect_recorder(), commit=self.worker.commit)
        self.assertEqual(stats.applied, 1)
        self.assertEqual(len(self.effects([ref])), 1)
        self.assertEqual(self.outbox_rows()[0][2:4], ("done", 2))

    def test_without_commit_the_callers_rollback_hands_back_at_once(self):
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.succeeded", ext, ref)
        stats = self.consume(self.effect_recorder())
        self.assertEqual(stats.applied, 1)
        self.worker.rollback()          # claim, effect and ack alike
        self.assertEqual(self.effects([ref]), [])
        self.assertEqual(self.outbox_rows()[0][2:4], ("ready", 0))
        stats = self.consume(self.effect_recorder())
        self.worker.commit()
        self.assertEqual(stats.applied, 1)
        self.assertEqual(len(self.effects([ref])), 1)
        self.assertEqual(self.outbox_rows()[0][2:4], ("done", 1))

    def test_lease_lost_before_the_ack_undoes_the_effect(self):
        """At REPEATABLE READ (Odoo's) the ack fails to serialize."""
        self.lease_lost()

    def test_lease_lost_at_read_committed(self):
        """At READ COMMITTED the ack finds no leased message."""
        self.worker.close()
        self.worker = support.connect(user=support.WORKER_ROLE)
        self.lease_lost()

    def test_lease_lost_and_apply_failed(self):
        """The nack of a message another worker took meanwhile fails to
        serialize too; the loop goes on (the message is that worker's)."""
        stats = self.lease_lost(fail=True, check=False)
        self.assertEqual((stats.applied, stats.lost, stats.failed), (0, 1, 0))
        self.assertEqual(self.outbox_rows()[0][2], "done")

    def lease_lost(self, fail=False, check=True):
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.succeeded", ext, ref)
        other = support.connect(user=support.WORKER_ROLE, isolation="repeatable read")
        record = self.effect_recorder()
        taken = []

        def slow(message):
            record(message)
            time.sleep(1.2)             # the lease of 1 s runs out meanwhile
            with other.cursor() as cur:     # another worker takes the message and finishes it
                taken.extend(m.id for m in outbox.claim(cur, self.consumer, 10, "1 minute"))
                outbox.ack(cur, self.consumer, taken)
            other.commit()
            if fail:
                raise RuntimeError("the shop's code failed")
        stats = self.consume(slow, lease="1 second", commit=self.worker.commit)
        other.close()
        if not check:
            return stats
        self.assertEqual(len(taken), 1)
        self.assertEqual((stats.applied, stats.lost, stats.failed), (0, 1, 0))
        self.assertEqual(self.effects([ref]), [])
        self.assertEqual(self.outbox_rows()[0][2], "done")

    def test_messages_of_one_payment_in_order(self):
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.amount_capturable_updated", ext, ref)
        self.deliver("payment_intent.succeeded", ext, ref)
        self.assertEqual([r[1] for r in self.outbox_rows()], ["payment.authorized", "payment.captured"])
        record = self.effect_recorder()
        first = self.consume(record, max_batches=1)     # one claim: only the first of the payment
        self.assertEqual(first.claimed, 1)
        self.consume(record, max_batches=5, commit=self.worker.commit)
        self.assertEqual([r[2] for r in self.effects([ref])], ["authorized", "captured"])

    def test_failed_message_holds_back_the_next_of_its_payment(self):
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.amount_capturable_updated", ext, ref)
        self.deliver("payment_intent.succeeded", ext, ref)
        stats = self.consume(self.effect_recorder(lambda m: m.topic == "payment.authorized"),
                             retry_in="1 hour", max_batches=5, commit=self.worker.commit)
        self.assertEqual((stats.claimed, stats.failed, stats.applied), (1, 1, 0))
        self.assertEqual([r[2] for r in self.outbox_rows()], ["ready", "ready"])

    def test_dead_after_the_last_attempt(self):
        ref, ext, _ = self.payment()
        self.deliver("payment_intent.succeeded", ext, ref)
        # a superuser's setting (PGC_SUSET): this test's worker is the superuser
        self.worker.close()
        self.worker = support.connect(isolation="repeatable read")
        with self.worker.cursor() as cur:
            cur.execute("SET webhook.outbox_max_attempts = 2")
            cur.execute("SHOW webhook.outbox_max_attempts")
            self.assertEqual(cur.fetchone()[0], "2")
        self.worker.commit()
        always = self.effect_recorder(lambda m: True)
        s1 = self.consume(always, retry_in="0 seconds", commit=self.worker.commit)
        s2 = self.consume(always, retry_in="0 seconds", commit=self.worker.commit)
        self.assertEqual((s1.failed, s1.dead, s2.failed, s2.dead), (1, 0, 1, 1))
        self.assertEqual(self.outbox_rows()[0][2:4], ("dead", 2))
        self.assertEqual(self.consume(always, commit=self.worker.commit).claimed, 0)


class ApplyToTransaction(OutboxCase):
    """The addon's applier: a message to its payment.transaction, with the
    fake transaction of fake_odoo where Odoo's would be."""

    def applier(self, cls, major, provider=None):
        cur = self.worker.cursor()
        self.calls = {}

        def find(reference):
            tx = cls.find(cur, reference, provider)
            if tx is not None:
                tx.calls = self.calls.setdefault(reference, [])
            return tx
        return outbox.transaction_applier(find, major)

    def transaction(self, cls, ref, state="draft"):
        with self.worker.cursor() as cur:
            cls.create(cur, ref, state)
        self.worker.commit()

    def tx_row(self, ref):
        with self.admin.cursor() as cur:
            cur.execute("SELECT state, state_message, is_post_processed, post_processed"
                        " FROM odoo_payment_transaction WHERE reference = %s", [ref])
            return cur.fetchone()

    def run_versions(self, event_types, expect_state, expect_post):
        for cls, major in ((Transaction16, 16), (Transaction17, 17)):
            with self.subTest(odoo=major):
                ref, ext, _ = self.payment()
                self.transaction(cls, ref, "pending")
                for t in event_types:
                    self.deliver(t, ext, ref)
                stats = self.consume(self.applier(cls, major), max_batches=5, commit=self.worker.commit)
                self.assertEqual(stats.failed, 0)
                state, message, done, count = self.tx_row(ref)
                self.assertEqual(state, expect_state)
                self.assertEqual(count, expect_post[major])
                yield ref, message, self.calls[ref]

    def test_captured_sets_done_and_post_processes(self):
        for ref, message, calls in self.run_versions(["payment_intent.succeeded"], "done",
                                                     {16: 1, 17: 1}):
            self.assertEqual(calls, ["done", "post_process"])
            self.assertRegex(message, r"^stripe webhook payment_intent\.succeeded \(evt_")

    def test_authorized_then_captured(self):
        for ref, message, calls in self.run_versions(
                ["payment_intent.amount_capturable_updated", "payment_intent.succeeded"], "done",
                {16: 1, 17: 2}):
            # 16 post-processes done transactions only; 17 after every state change
            self.assertEqual(calls[0], "authorized")
            self.assertEqual(calls[-2:], ["done", "post_process"])

    def test_failed_sets_error_with_the_event(self):
        for ref, message, calls in self.run_versions(["payment_intent.payment_failed"], "error",
                                                     {16: 0, 17: 1}):
            self.assertEqual(calls[0], "error")
            self.assertIn("payment_intent.payment_failed", message)

    def test_canceled(self):
        for ref, message, calls in self.run_versions(["payment_intent.canceled"], "cancel",
                                                     {16: 0, 17: 1}):
            self.assertEqual(calls[0], "cancel")

    def test_authorized_without_manual_capture_is_left_to_the_capture(self):
        ref, ext, _ = self.payment()
        self.transaction(Transaction17, ref, "pending")
        self.deliver("payment_intent.amount_capturable_updated", ext, ref)
        stats = self.consume(self.applier(Transaction17, 17, Provider(support_manual_capture=False)),
                             commit=self.worker.commit)
        self.assertEqual((stats.applied, stats.failed), (1, 0))
        self.assertEqual(self.tx_row(ref)[0], "pending")

    def test_unknown_reference_is_acked(self):
        ref, ext, _ = self.payment()          # no payment.transaction for it
        self.deliver("payment_intent.succeeded", ext, ref)
        stats = self.consume(self.applier(Transaction17, 17), commit=self.worker.commit)
        self.assertEqual((stats.applied, stats.failed), (1, 0))
        self.assertEqual(self.outbox_rows()[0][2], "done")

    def test_transaction_effect_and_ack_roll_back_together(self):
        ref, ext, _ = self.payment()
        self.transaction(Transaction17, ref, "pending")
        self.deliver("payment_intent.succeeded", ext, ref)
        stats = self.consume(self.applier(Transaction17, 17), lease="1 second", commit=self.crash_at(2))
        self.assertEqual(stats.applied, 1)
        self.assertEqual(self.tx_row(ref)[:3], ("pending", None, False))
        self.assertEqual(self.outbox_rows()[0][2], "leased")
        time.sleep(1.2)
        self.consume(self.applier(Transaction17, 17), commit=self.worker.commit)
        self.assertEqual(self.tx_row(ref)[::2], ("done", True))
        self.assertEqual(self.tx_row(ref)[3], 1)
        self.assertEqual(self.outbox_rows()[0][2], "done")

    def test_post_processing_error_undoes_the_state_and_retries(self):
        ref, ext, _ = self.payment()
        self.transaction(Transaction17, ref, "pending")
        self.deliver("payment_intent.succeeded", ext, ref)
        broken = [True]

        class Flaky(Transaction17):
            def _post_process(self):
                super()._post_process()
                if broken[0]:
                    raise RuntimeError("invoice could not be posted")
        stats = self.consume(self.applier(Flaky, 17), retry_in="0 seconds", commit=self.worker.commit)
        self.assertEqual(stats.failed, 1)
        self.assertEqual(self.tx_row(ref), ("pending", None, False, 0))
        broken[0] = False
        stats = self.consume(self.applier(Flaky, 17), retry_in="0 seconds", commit=self.worker.commit)
        self.assertEqual(stats.applied, 1)
        self.assertEqual(self.tx_row(ref)[::2], ("done", True))


if __name__ == "__main__":
    unittest.main()


class FetchAndApply(OutboxCase):
    """fetch.<provider> messages (README "Fetch and apply"): the Odoo cron's
    fetch_applier fetches the object and applies it in the message's savepoint."""

    def setUp(self):
        super().setUp()
        with self.admin.cursor() as cur:
            cur.execute("SELECT webhook_subscribe(%s, ARRAY['payment.*', 'fetch.*'])", [self.consumer])
        self.calls = []

    def thin(self, ext):
        body = __import__("json").dumps({
            "id": "evt_thin_" + ext, "object": "v2.core.event", "type": "v1.payment_intent.succeeded",
            "created": "2026-03-01T12:00:00.000Z",
            "related_object": {"id": ext, "type": "payment_intent", "url": "/v1/payment_intents/" + ext}}).encode()
        with self.admin.cursor() as cur:
            cur.execute("SELECT webhook_ingest('stripe', %s::jsonb, %s::bytea, '/hooks/stripe')",
                        [__import__("json").dumps(support.stripe_headers(body)), body])
            return cur.fetchone()[0]

    def fetch(self, provider, object_id, object_type):
        self.calls.append((provider, object_id, object_type))
        return {"id": object_id, "object": "payment_intent", "status": "succeeded",
                "amount": 1099, "amount_received": 1099, "currency": "eur"}

    def test_fetched_object_applied_once_then_its_payment_message(self):
        ref, ext, _ = self.payment()
        self.assertEqual(self.thin(ext)["outcome"], "fetch")
        seen = []
        with self.worker.cursor() as cur:
            stats = outbox.consume(cur, self.consumer, outbox.fetch_applier(cur, self.fetch, seen.append),
                                   topics=outbox.TOPICS, lease="1 minute", max_batches=5,
                                   commit=self.worker.commit)
        self.assertEqual(self.calls, [("stripe", ext, "payment_intent")])
        self.assertEqual(stats.failed, 0)
        # the apply moved the payment: its payment.captured message came next, to the other applier
        self.assertEqual([(m.topic, m.payload["payment"]["reference"]) for m in seen],
                         [("payment.captured", ref)])
        with self.admin.cursor() as cur:
            cur.execute("SELECT state FROM webhook_payments WHERE reference = %s", [ref])
            self.assertEqual(cur.fetchone()[0], "captured")
        self.assertEqual({r[2] for r in self.outbox_rows()}, {"done"})

    def test_a_failing_fetch_is_nacked_and_nothing_applied(self):
        ref, ext, _ = self.payment()
        self.thin(ext)

        def down(provider, object_id, object_type):
            raise ConnectionError("the provider's API is down")
        with self.worker.cursor() as cur:
            stats = outbox.consume(cur, self.consumer, outbox.fetch_applier(cur, down),
                                   topics=outbox.TOPICS, lease="1 minute", commit=self.worker.commit)
        self.assertEqual((stats.claimed, stats.failed), (1, 1))
        with self.admin.cursor() as cur:
            cur.execute("SELECT state FROM webhook_payments WHERE reference = %s", [ref])
            self.assertEqual(cur.fetchone()[0], "pending")

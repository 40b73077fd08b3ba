"""The outbox worker, `manage.py pgwebhook_worker --consumer NAME`, running
the shop's @pgwebhook.django.on("payment.captured") handler
(site/shop/webhooks.py) over captures ingested through gunicorn.

- killed with kill -9 mid-run and started again: every receipt written
  exactly once (shop_receipt is UNIQUE on the message id; an attempt that
  a kill cut short left no receipt);
- a handler that keeps failing: its message ends dead after
  webhook.outbox_max_attempts claims (ALTER DATABASE ... SET, 3 here),
  while the other payments' receipts go out meanwhile;
- two workers at once on one consumer: no message handed to both.

Each test subscribes a consumer of its own before its captures and drops
it at the end.  test_pgbouncer.py runs the same through pgbouncer.
"""

import time
import unittest
import uuid

import harness
from harness import post_stripe, sql, stripe_body, value


class WorkerMixin:
    via = None        # (host, port) of pgbouncer, or None for the socket

    @staticmethod
    def site():
        return harness.site()

    def setUp(self):
        if not harness.package_ready():
            self.fail("python/pgwebhook/django is missing")
        if not harness.outbox_ready():
            self.fail("webhook_outbox_claim is missing")
        self.consumer = "%s_%s" % (self.short, uuid.uuid4().hex[:6])
        self.workers = []
        sql("SELECT webhook_subscribe(%s, ARRAY['payment.captured'])", [self.consumer])

    def tearDown(self):
        for w in self.workers:
            w.stop()
        sql("SELECT webhook_unsubscribe(%s)", [self.consumer])

    def start_worker(self, n, delay=0.0, batch=10, lease="4 seconds", retry_in=None):
        env = harness.django_env(via=self.via, role=harness.WORKER_ROLE,
                                 E2E_HANDLER_DELAY=delay)
        args = ["--database", "default", "--batch", str(batch), "--lease", lease,
                "--poll", "0.2"]
        if retry_in is not None:
            args += ["--retry-in", retry_in]
        w = harness.worker("worker-%s-%d" % (self.consumer, n), self.consumer, env, *args)
        self.workers.append(w)
        return w

    def wait_started(self, w, timeout=60):
        """Until the worker says it runs (it subscribes and claims right after)."""
        ok = harness.wait_for(lambda: "pgwebhook worker" in w.tail() or not w.alive(), timeout)
        self.assertTrue(ok and w.alive(), "%s did not start:\n%s" % (w.name, w.tail()))

    def capture(self, prefix, n):
        """N payments, each captured by a signed event posted to the site:
        N messages for this consumer.  Their references."""
        port = self.site().port
        refs = []
        for ref, pi, minor in harness.add_payments(prefix, n):
            status, reply, _ = post_stripe(port, stripe_body("evt_" + ref, pi, ref, minor))
            self.assertEqual((status, reply), (200, {"outcome": "applied"}), ref)
            refs.append(ref)
        self.assertEqual(self.outbox_count(prefix), n)
        return refs

    def outbox_count(self, prefix, status=None):
        return value("SELECT count(*) FROM webhook_outbox WHERE consumer = %s"
                     " AND payload->'payment'->>'reference' LIKE %s"
                     " AND (%s::text IS NULL OR status = %s)",
                     [self.consumer, prefix + "-%", status, status])

    def receipts(self, prefix):
        return value("SELECT count(*) FROM shop_receipt r JOIN webhook_outbox o"
                     " ON o.id = r.message_id WHERE o.consumer = %s AND r.reference LIKE %s",
                     [self.consumer, prefix + "-%"])

    def calls(self, prefix):
        """{message id: [worker pid, ...]} of every handler call."""
        out = {}
        for mid, pid in sql("SELECT c.message_id, c.worker_pid FROM shop_call c JOIN webhook_outbox o"
                            " ON o.id = c.message_id WHERE o.consumer = %s AND c.reference LIKE %s"
                            " ORDER BY c.called_at", [self.consumer, prefix + "-%"]):
            out.setdefault(mid, []).append(pid)
        return out

    def assert_exactly_once(self, prefix, n):
        self.assertEqual(self.receipts(prefix), n)
        self.assertEqual(value("SELECT count(DISTINCT r.message_id) FROM shop_receipt r"
                               " JOIN webhook_outbox o ON o.id = r.message_id"
                               " WHERE o.consumer = %s", [self.consumer]), n)
        self.assertEqual(self.outbox_count(prefix, "done"), n)
        errors = sql("SELECT id, last_error FROM webhook_outbox WHERE consumer = %s"
                     " AND last_error IS NOT NULL", [self.consumer])
        self.assertEqual(errors, [], "messages that failed on the way")

    def wait_done(self, prefix, n, timeout=90):
        ok = harness.wait_for(lambda: self.outbox_count(prefix, "done") >= n, timeout)
        if not ok:
            for w in self.workers:
                harness.log("%s:\n%s" % (w.name, w.tail(2000)))
        self.assertTrue(ok, "%d of %d messages done after %ds"
                        % (self.outbox_count(prefix, "done"), n, timeout))

    # --- the tests ---------------------------------------------------------

    def test_kill_9_mid_run(self):
        prefix = "K" + uuid.uuid4().hex[:5]
        n = 60
        self.capture(prefix, n)
        w = self.start_worker(1, delay=0.1, batch=10, lease="3 seconds")
        self.assertTrue(harness.wait_for(lambda: self.receipts(prefix) >= 12, 60),
                        "no receipts before the kill:\n" + w.tail())
        w.kill9()
        at_kill = self.receipts(prefix)
        harness.log("killed the worker with kill -9 after %d of %d receipts" % (at_kill, n))
        self.assertLess(at_kill, n, "the worker finished before the kill")
        harness.log("messages leased by the dead worker: %d" % self.outbox_count(prefix, "leased"))
        self.start_worker(2)
        self.wait_done(prefix, n)
        self.assert_exactly_once(prefix, n)
        calls = self.calls(prefix)
        twice = sorted(m for m, pids in calls.items() if len(pids) > 1)
        harness.log("%d handler calls for %d messages; called again after the kill: %s"
                    % (sum(map(len, calls.values())), n, twice))
        # only what the killed worker held could run twice, and it left nothing
        self.assertLessEqual(len(twice), 10)
        self.assertEqual(len(calls), n)

    def test_failing_handler_ends_dead(self):
        prefix = "F" + uuid.uuid4().hex[:5]
        refs = self.capture("FAIL-" + prefix, 1) + self.capture(prefix, 20)
        self.start_worker(1, batch=5)     # the extension's backoff between attempts
        self.wait_done(prefix, 20)
        # the others went out while the failing one waited for its next try
        self.assertNotEqual(self.outbox_count("FAIL-" + prefix, "dead"), 1,
                            "the failing message was dead before the others were done")
        dead = harness.wait_for(lambda: self.outbox_count("FAIL-" + prefix, "dead") == 1, 60)
        self.assertTrue(dead, "the failing message never ended dead:\n" + self.workers[0].tail())
        [(attempts, error)] = sql("SELECT attempts, last_error FROM webhook_outbox WHERE consumer = %s"
                                  " AND status = 'dead'", [self.consumer])
        self.assertEqual(attempts, harness.MAX_ATTEMPTS)
        self.assertIn("the receipt printer refuses " + refs[0], error)
        self.assertEqual(value("SELECT count(*) FROM webhook_outbox_dead WHERE consumer = %s",
                               [self.consumer]), 1)
        self.assertEqual(len(self.calls("FAIL-" + prefix)[value(
            "SELECT id FROM webhook_outbox WHERE consumer = %s AND status = 'dead'",
            [self.consumer])]), harness.MAX_ATTEMPTS)
        self.assertEqual(self.receipts(prefix), 20)
        self.assertEqual(self.receipts("FAIL-" + prefix), 0)

    def test_two_workers_never_share(self):
        prefix = "P" + uuid.uuid4().hex[:5]
        n = 150
        for i in (1, 2):
            self.start_worker(i, delay=0.02, batch=5, lease="1 minute")
        for w in self.workers:
            self.wait_started(w)
        time.sleep(0.5)
        self.capture(prefix, n)
        self.wait_done(prefix, n)
        self.assert_exactly_once(prefix, n)
        calls = self.calls(prefix)
        shared = {m: pids for m, pids in calls.items() if len(pids) > 1}
        self.assertEqual(shared, {}, "messages handed out twice")
        by_pid = {}
        for pids in calls.values():
            by_pid[pids[0]] = by_pid.get(pids[0], 0) + 1
        harness.log("messages per worker: %s" % sorted(by_pid.values()))
        self.assertEqual(len(by_pid), 2, "one worker did everything: %s" % by_pid)


class Worker(WorkerMixin, unittest.TestCase):
    short = "w"


if __name__ == "__main__":
    unittest.main()

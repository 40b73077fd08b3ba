"""pgwebhook.Worker against the real outbox, as the worker role (EXECUTE on the outbox only)."""

import threading
import time
import unittest

import psycopg
import psycopg2

import harness
import pgwebhook

DB = None
MAX_ATTEMPTS = 3


def setUpModule():
    global DB
    DB = harness.create_database("worker")
    if not harness.has_outbox(DB):
        harness.drop_database(DB)
        raise AssertionError("the installed extension has no outbox")
    harness.add_stripe(DB)
    harness.admin_sql("ALTER DATABASE %s SET webhook.outbox_max_attempts = %d" % (DB, MAX_ATTEMPTS))
    harness.admin_sql("CREATE TABLE effects (msg_id bigint NOT NULL, worker text NOT NULL)", dbname=DB)
    harness.admin_sql("GRANT SELECT, INSERT ON effects TO %s" % harness.WORKER_ROLE, dbname=DB)


def tearDownModule():
    harness.drop_database(DB)


def connector(driver=psycopg2):
    """Return connect() for the worker role with driver."""
    return lambda: harness.connect(DB, harness.WORKER_ROLE, driver)


def change_payments(consumer, count, tag):
    """Move count new payments pending -> authorized; return their references."""
    refs = ["%s-%s-%d" % (consumer, tag, i) for i in range(count)]
    for ref in refs:
        pid = harness.add_payment(DB, ref, None)
        harness.admin_sql("UPDATE webhook_payments SET state = 'authorized' WHERE id = %s", [pid], dbname=DB)
    return refs


def recorder(name):
    """Return a handler that writes (message id, name) through the message's cursor."""
    def handle(msg):
        msg.cursor.execute("INSERT INTO effects VALUES (%s, %s)", [msg.id, name])
    return handle


def statuses(consumer):
    """Return {status: count} of the consumer's outbox messages."""
    rows = harness.admin_sql("SELECT status, count(*) FROM webhook_outbox WHERE consumer = %s "
                             "GROUP BY 1", [consumer], dbname=DB)
    return dict(rows)


def effects(consumer):
    """Return [(msg_id, worker)] of the effects written for the consumer's messages."""
    return harness.admin_sql("SELECT e.msg_id, e.worker FROM effects e JOIN webhook_outbox o "
                             "ON o.id = e.msg_id WHERE o.consumer = %s ORDER BY 1", [consumer], dbname=DB)


def drain(worker, handler, rounds=50, **kw):
    """Run run_once until a claim comes back empty; return how many were handled."""
    total = 0
    for _ in range(rounds):
        n = worker.run_once(handler, **kw)
        if n == 0:
            return total
        total += n
    return total


def wait_for(predicate, timeout=10.0):
    """Wait until predicate() is true; return whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class WorkerTests(unittest.TestCase):
    driver = psycopg2

    def consumer(self):
        return "%s_%s" % (self.driver.__name__, self._testMethodName[5:25])

    def worker(self, name=None, **kw):
        w = pgwebhook.Worker(connector(self.driver), name or self.consumer(), **kw)
        self.addCleanup(w.close)
        w.subscribe()
        return w

    def test_every_message_handled_once(self):
        w = self.worker()
        change_payments(w.consumer, 25, "a")
        self.assertEqual(drain(w, recorder("w"), batch=10), 25)
        done = effects(w.consumer)
        self.assertEqual(len(done), 25)
        self.assertEqual(len({m for m, _ in done}), 25)
        self.assertEqual(statuses(w.consumer), {"done": 25})
        self.assertEqual(w.run_once(recorder("w")), 0)

    def test_message_fields(self):
        w = self.worker()
        ref, = change_payments(w.consumer, 1, "f")
        seen = []
        w.run_once(seen.append)
        msg, = seen
        self.assertEqual(msg.topic, "payment.authorized")
        self.assertEqual(msg.payload["payment"]["reference"], ref)
        self.assertEqual(msg.payload["payment"]["old_state"], "pending")
        self.assertEqual(msg.attempts, 1)
        self.assertIsNotNone(msg.created_at.tzinfo)
        self.assertEqual(msg["id"], msg.id)

    def test_handler_may_close_its_cursor(self):
        w = self.worker()
        change_payments(w.consumer, 1, "c")

        def handle(msg):
            recorder("w")(msg)
            msg.cursor.close()
        self.assertEqual(w.run_once(handle), 1)
        self.assertEqual(statuses(w.consumer), {"done": 1})
        self.assertEqual(len(effects(w.consumer)), 1)

    def test_failing_message_goes_dead_without_blocking_others(self):
        w = self.worker(retry_in="0 seconds")
        bad = change_payments(w.consumer, 1, "bad")[0]
        change_payments(w.consumer, 4, "good")

        def handle(msg):
            recorder("w")(msg)
            if msg.payload["payment"]["reference"] == bad:
                raise RuntimeError("boom for " + bad)
        drain(w, handle)
        self.assertEqual(statuses(w.consumer), {"done": 4, "dead": 1})
        attempts, error = harness.admin_sql(
            "SELECT attempts, last_error FROM webhook_outbox WHERE consumer = %s AND status = 'dead'",
            [w.consumer], dbname=DB)[0]
        self.assertEqual(attempts, MAX_ATTEMPTS)
        self.assertIn("RuntimeError: boom for " + bad, error)
        self.assertEqual(len(effects(w.consumer)), 4)      # the failing one's insert rolled back

    def test_two_workers_never_share_a_message(self):
        name = self.consumer()
        a, b = self.worker(name), self.worker(name)
        change_payments(name, 60, "t")

        def slow(tag):
            def handle(msg):
                recorder(tag)(msg)
                time.sleep(0.01)
            return handle
        threads = [threading.Thread(target=w.run, args=(slow(tag),), kwargs={"batch": 5, "poll": 0.05})
                   for w, tag in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        ok = wait_for(lambda: statuses(name).get("done") == 60, 30)
        a.stop()
        b.stop()
        for t in threads:
            t.join(5)
        self.assertTrue(ok, statuses(name))
        done = effects(name)
        self.assertEqual(len(done), 60)
        self.assertEqual(len({m for m, _ in done}), 60)
        self.assertEqual({w for _, w in done}, {"a", "b"})
        self.assertFalse(any(t.is_alive() for t in threads))

    def test_hung_handler_past_its_lease_does_not_double_the_effect(self):
        name = self.consumer()
        slow_worker, fast_worker = self.worker(name), self.worker(name)
        change_payments(name, 1, "h")

        def hang(msg):
            recorder("slow")(msg)
            time.sleep(2.5)
        t = threading.Thread(target=slow_worker.run_once, args=(hang,),
                             kwargs={"batch": 1, "lease": "1 second"})
        t.start()
        time.sleep(1.5)
        self.assertEqual(fast_worker.run_once(recorder("fast"), batch=1), 1)
        t.join(10)
        self.assertEqual([w for _, w in effects(name)], ["fast"])
        self.assertEqual(statuses(name), {"done": 1})

    def test_run_polls_and_stops(self):
        w = self.worker()
        t = threading.Thread(target=w.run, args=(recorder("w"),), kwargs={"poll": 0.2})
        t.start()
        time.sleep(0.3)
        change_payments(w.consumer, 3, "p")
        ok = wait_for(lambda: len(effects(w.consumer)) == 3, 10)
        w.stop()
        t.join(3)
        self.assertTrue(ok)
        self.assertFalse(t.is_alive())

    def test_stop_hands_back_the_rest_of_the_batch(self):
        w = self.worker()
        change_payments(w.consumer, 5, "s")

        def handle(msg):
            recorder("w")(msg)
            w.stop()
        self.assertEqual(w.run_once(handle, batch=5), 1)
        self.assertEqual(statuses(w.consumer), {"done": 1, "ready": 4})

    def test_reconnects_after_the_connection_is_killed(self):
        w = self.worker()
        t = threading.Thread(target=w.run, args=(recorder("w"),), kwargs={"poll": 0.2})
        t.start()
        time.sleep(0.3)
        harness.admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE usename = %s AND datname = %s", [harness.WORKER_ROLE, DB])
        change_payments(w.consumer, 2, "r")
        ok = wait_for(lambda: len(effects(w.consumer)) == 2, 15)
        w.stop()
        t.join(5)
        self.assertTrue(ok, statuses(w.consumer))
        self.assertFalse(t.is_alive())

    def test_without_listen_polling_finds_messages(self):
        w = self.worker(listen=False)
        t = threading.Thread(target=w.run, args=(recorder("w"),), kwargs={"poll": 0.3})
        t.start()
        time.sleep(0.4)
        change_payments(w.consumer, 2, "n")
        ok = wait_for(lambda: len(effects(w.consumer)) == 2, 5)
        w.stop()
        t.join(3)
        self.assertTrue(ok)
        self.assertFalse(w._listening)

    def test_listen_wakes_the_worker_early(self):
        if not harness.one(DB, "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'webhook_listen'"):
            self.fail("the installed extension has no webhook_listen()")
        w = self.worker()
        t = threading.Thread(target=w.run, args=(recorder("w"),), kwargs={"poll": 30})
        t.start()
        time.sleep(0.5)
        change_payments(w.consumer, 1, "l")
        ok = wait_for(lambda: len(effects(w.consumer)) == 1, 5)
        w.stop()
        t.join(3)
        self.assertTrue(ok)


class WorkerPsycopg3Tests(WorkerTests):
    driver = psycopg

    def test_worker_prepares_nothing(self):
        w = self.worker()
        change_payments(w.consumer, 3, "x")
        for _ in range(8):
            w.run_once(recorder("w"), batch=1)
        with w._session.conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_prepared_statements")
            self.assertEqual(cur.fetchone()[0], 0)
        w._session.conn.rollback()
        self.assertEqual(statuses(w.consumer), {"done": 3})


if __name__ == "__main__":
    unittest.main()

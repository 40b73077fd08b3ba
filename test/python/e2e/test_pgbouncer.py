"""The view's statuses and the outbox worker through pgbouncer in
transaction mode (run as postgres, on a loopback port in front of the
cluster's socket): a second gunicorn whose aliases all go through it, and
workers that claim, handle and ack through it.  LISTEN does nothing there;
the worker must see its messages by polling.  Then pgwebhook.ingest and
pgwebhook.Worker on psycopg 3 connections through it, configured as
README's pgbouncer paragraph says."""

import unittest
import uuid

import harness
import test_http
import test_worker


def admin_console(query):
    conn = harness.psycopg2.connect(host="127.0.0.1", port=harness.bouncer().port,
                                    user="postgres", dbname="pgbouncer")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]
    finally:
        conn.close()


class PooledStatuses(test_http.StatusesMixin, unittest.TestCase):
    prefix = "B"

    @staticmethod
    def site():
        return harness.pooled_site()


class PooledWorker(test_worker.WorkerMixin, unittest.TestCase):
    short = "b"

    @staticmethod
    def site():
        return harness.pooled_site()

    def setUp(self):
        self.via = ("127.0.0.1", harness.bouncer().port)
        super().setUp()


class Pooler(unittest.TestCase):
    """pgbouncer is what the pooled site and workers talked through."""

    def test_transaction_mode_and_traffic(self):
        if not harness.package_ready():
            self.fail("python/pgwebhook/django is missing")
        config = {r["key"]: r["value"] for r in admin_console("SHOW CONFIG")}
        self.assertEqual(config["pool_mode"], "transaction")
        self.assertEqual(config["listen_addr"], "127.0.0.1")
        [(ref, pi, minor)] = harness.add_payments("Q" + uuid.uuid4().hex[:6], 1)
        status, reply, _ = harness.post_stripe(harness.pooled_site().port,
                                               harness.stripe_body("evt_" + ref, pi, ref, minor))
        self.assertEqual((status, reply), (200, {"outcome": "applied"}))
        stats = {r["database"]: r for r in admin_console("SHOW STATS")}
        self.assertIn(harness.DBNAME, stats)
        pools = admin_console("SHOW POOLS")
        users = {p["user"] for p in pools if p["database"] == harness.DBNAME}
        harness.log("pgbouncer pools of %s: users %s, %s transactions" % (
            harness.DBNAME, sorted(users), stats[harness.DBNAME]["total_xact_count"]))
        self.assertIn(harness.INGEST_ROLE, users)
        self.assertGreater(stats[harness.DBNAME]["total_xact_count"], 0)


class Psycopg3(unittest.TestCase):
    """pgwebhook.ingest and pgwebhook.Worker on psycopg 3 connections
    through pgbouncer, given prepare_threshold=None as README says
    (pgbouncer 1.18 keeps no prepared statement across transactions)."""

    def setUp(self):
        if not harness.package_ready():
            self.fail("python/pgwebhook is missing")
        import psycopg
        self.psycopg = psycopg
        self.port = harness.bouncer().port

    def connect(self, user):
        return self.psycopg.connect(host="127.0.0.1", port=self.port, user=user,
                                    dbname=harness.DBNAME, prepare_threshold=None)

    def test_ingest(self):
        import pgwebhook
        conns = [self.connect(harness.INGEST_ROLE) for _ in range(3)]
        for c in conns:
            c.autocommit = True
        try:
            payments = harness.add_payments("G" + uuid.uuid4().hex[:6], 30)
            for i, (ref, pi, minor) in enumerate(payments):
                body = harness.stripe_body("evt_" + ref, pi, ref, minor)
                reply = pgwebhook.ingest(conns[i % 3], "stripe",
                                         {"Stripe-Signature": harness.stripe_sign(body)},
                                         body, "/hooks/stripe/")
                self.assertEqual((reply["http_status"], reply["outcome"]), (200, "applied"), ref)
        finally:
            for c in conns:
                c.close()

    def test_worker(self):
        import threading
        import pgwebhook
        consumer = "pg3_" + uuid.uuid4().hex[:6]
        harness.sql("SELECT webhook_subscribe(%s, ARRAY['payment.captured'])", [consumer])
        try:
            payments = harness.add_payments("W" + uuid.uuid4().hex[:6], 20)
            port = harness.site().port
            for ref, pi, minor in payments:
                status, _, _ = harness.post_stripe(port, harness.stripe_body("evt_" + ref, pi, ref, minor))
                self.assertEqual(status, 200)

            def handler(message):
                message.cursor.execute(
                    "INSERT INTO shop_receipt (message_id, reference, worker_pid)"
                    " VALUES (%s, %s, pg_backend_pid())",
                    [message.id, message.payload["payment"]["reference"]])

            worker = pgwebhook.Worker(lambda: self.connect(harness.WORKER_ROLE), consumer,
                                      ["payment.captured"])
            thread = threading.Thread(target=worker.run, args=(handler,),
                                      kwargs={"batch": 7, "poll": 0.2}, daemon=True)
            thread.start()
            done = harness.wait_for(lambda: harness.value(
                "SELECT count(*) FROM webhook_outbox WHERE consumer = %s AND status = 'done'",
                [consumer]) == 20, 60)
            worker.stop()
            thread.join(30)
            self.assertTrue(done, "not all 20 messages done")
            self.assertEqual(harness.value(
                "SELECT count(*) FROM shop_receipt r JOIN webhook_outbox o ON o.id = r.message_id"
                " WHERE o.consumer = %s", [consumer]), 20)
        finally:
            harness.sql("SELECT webhook_unsubscribe(%s)", [consumer])


if __name__ == "__main__":
    unittest.main()

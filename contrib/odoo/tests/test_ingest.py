"""The controller's SQL call and its answer, against the real extension,
as the ingest role of the README's Security section."""

import json
import threading
import unittest

import psycopg2

import support
import ingest

try:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request
except ImportError:         # python3-werkzeug, what Odoo runs on
    Request = None


def setUpModule():
    support.create_database()


class IngestAsTheIngestRole(unittest.TestCase):
    """webhook_ingest through ingest.ingest(), on a connection of the role
    that holds only EXECUTE on it."""

    @classmethod
    def setUpClass(cls):
        cls.admin = support.connect(autocommit=True)
        cls.conn = support.connect(user=support.INGEST_ROLE)

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()
        cls.admin.close()

    def deliver(self, body, headers=None, provider="stripe", path="/hooks/stripe"):
        with self.conn.cursor() as cur:
            reply = ingest.ingest(cur, provider, headers or support.stripe_headers(body), body, path)
        self.conn.commit()
        return reply

    def payment(self):
        with self.admin.cursor() as cur:
            return support.new_payment(cur)

    def test_applied_captures_the_payment_and_pays_the_order(self):
        ref, ext, order = self.payment()
        reply = self.deliver(support.stripe_event("payment_intent.succeeded", ext, ref))
        self.assertIsInstance(reply, dict)
        self.assertEqual((reply["http_status"], reply["outcome"]), (200, "applied"))
        self.assertEqual(reply["payment"], {"reference": ref, "state": "captured"})
        self.assertEqual(reply["order"], {"ref": order, "state": "paid"})
        self.assertEqual(ingest.response_of(reply), (200, b'{"outcome": "applied"}', "application/json"))
        with self.admin.cursor() as cur:
            cur.execute("SELECT p.state, o.state FROM webhook_payments p JOIN webhook_orders o"
                        " ON o.ref = p.order_ref WHERE p.reference = %s", [ref])
            self.assertEqual(cur.fetchone(), ("captured", "paid"))

    def test_redelivery_is_a_duplicate(self):
        ref, ext, _ = self.payment()
        body = support.stripe_event("payment_intent.succeeded", ext, ref)
        self.assertEqual(self.deliver(body)["outcome"], "applied")
        reply = self.deliver(body)
        self.assertEqual((reply["http_status"], reply["outcome"]), (200, "duplicate"))

    def test_wrong_secret_is_401_and_recorded(self):
        ref, ext, _ = self.payment()
        body = support.stripe_event("payment_intent.succeeded", ext, ref)
        reply = self.deliver(body, support.stripe_headers(body, secret="whsec_wrong"))
        self.assertEqual(ingest.response_of(reply), (401, b'{"outcome": "invalid_signature"}',
                                                     "application/json"))
        with self.admin.cursor() as cur:
            cur.execute("SELECT outcome, body FROM webhook_deliveries WHERE id = %s",
                        [reply["delivery_id"]])
            outcome, stored = cur.fetchone()
        self.assertEqual((outcome, bytes(stored)), ("invalid_signature", body))

    def test_signature_is_over_the_raw_bytes(self):
        ref, ext, _ = self.payment()
        body = support.stripe_event("payment_intent.succeeded", ext, ref)
        headers = support.stripe_headers(body)
        reencoded = json.dumps(json.loads(body)).encode()      # what a framework's JSON parser gives back
        self.assertEqual(self.deliver(reencoded, headers)["outcome"], "invalid_signature")
        self.assertEqual(self.deliver(body, headers)["outcome"], "applied")

    def test_stale_timestamp(self):
        ref, ext, _ = self.payment()
        body = support.stripe_event("payment_intent.succeeded", ext, ref)
        import time
        reply = self.deliver(body, support.stripe_headers(body, ts=int(time.time()) - 3600))
        self.assertEqual((reply["http_status"], reply["outcome"]), (401, "stale_timestamp"))

    def test_unknown_provider_is_404(self):
        reply = self.deliver(b"{}", {"X-Anything": "1"}, provider="nosuch")
        self.assertEqual(ingest.response_of(reply)[0], 404)
        self.assertEqual(reply["outcome"], "unknown_provider")

    def test_malformed_body_is_400_not_an_error(self):
        body = b"\xff\xfe not json"
        reply = self.deliver(body)
        self.assertEqual((reply["http_status"], reply["outcome"]), (400, "malformed_body"))

    def test_the_role_reads_nothing(self):
        with self.conn.cursor() as cur:
            for table in ("webhook_payments", "webhook_deliveries", "webhook_secrets"):
                with self.assertRaises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute("SELECT 1 FROM %s LIMIT 1" % table)
                self.conn.rollback()

    def test_repeatable_read_as_odoo_runs_it(self):
        conn = support.connect(user=support.INGEST_ROLE, isolation="repeatable read")
        try:
            ref, ext, _ = self.payment()
            with conn.cursor() as cur:
                cur.execute("SHOW transaction_isolation")
                self.assertEqual(cur.fetchone()[0], "repeatable read")
                body = support.stripe_event("payment_intent.succeeded", ext, ref)
                reply = ingest.ingest(cur, "stripe", support.stripe_headers(body), body, "/hooks/stripe")
            conn.commit()
            self.assertEqual(reply["outcome"], "applied")
        finally:
            conn.close()

    def two_at_once(self, run_one):
        """Two events of one new payment (authorize, capture) delivered by two
        threads at once, each with run_one(i, body) after a barrier; returns
        the replies and the payment's state."""
        ref, ext, _ = self.payment()
        bodies = [support.stripe_event("payment_intent.amount_capturable_updated", ext, ref),
                  support.stripe_event("payment_intent.succeeded", ext, ref)]
        results = [None, None]
        barrier = threading.Barrier(2)

        def run(i):
            results[i] = run_one(i, bodies[i], barrier)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        with self.admin.cursor() as cur:
            cur.execute("SELECT state FROM webhook_payments WHERE reference = %s", [ref])
            return results, cur.fetchone()[0]

    def test_two_events_of_one_payment_at_once_under_repeatable_read(self):
        """Why the controller does not ingest on Odoo's request cursor: at
        REPEATABLE READ the second of two deliveries of one payment fails to
        serialize, and is stored failed and answered 500."""
        conns = [support.connect(user=support.INGEST_ROLE, isolation="repeatable read")
                 for _ in range(2)]

        def run_one(i, body, barrier):
            with conns[i].cursor() as cur:
                cur.execute("SELECT 1")         # Odoo's request has its snapshot already
                barrier.wait(timeout=10)
                reply = ingest.ingest(cur, "stripe", support.stripe_headers(body), body, "/hooks/stripe")
            conns[i].commit()
            return reply
        results, state = self.two_at_once(run_one)
        for c in conns:
            c.close()
        self.assertEqual(sorted(r["outcome"] for r in results), ["applied", "failed"], results)
        failed = [r for r in results if r["outcome"] == "failed"][0]
        self.assertEqual(failed["http_status"], 500)
        self.assertIn("could not serialize", failed.get("detail", ""))

    def test_two_events_of_one_payment_at_once_through_the_pool(self):
        pool = ingest.IngestPool(lambda: support.connect(user=support.INGEST_ROLE))

        def run_one(i, body, barrier):
            barrier.wait(timeout=10)
            return pool.ingest("stripe", support.stripe_headers(body), body, "/hooks/stripe")
        try:
            for _ in range(3):
                results, state = self.two_at_once(run_one)
                outcomes = sorted(r["outcome"] for r in results)
                self.assertIn(outcomes, (["applied", "applied"], ["applied", "superseded"]), results)
                self.assertEqual(state, "captured")
        finally:
            pool.close()

    def test_pool_commits_reuses_and_replaces_a_closed_connection(self):
        pool = ingest.IngestPool(lambda: support.connect(user=support.INGEST_ROLE), size=1)
        try:
            ref, ext, _ = self.payment()
            body = support.stripe_event("payment_intent.succeeded", ext, ref)
            reply = pool.ingest("stripe", support.stripe_headers(body), body, "/hooks/stripe")
            self.assertEqual(reply["outcome"], "applied")
            with self.admin.cursor() as cur:       # committed: visible to another session
                cur.execute("SELECT state FROM webhook_payments WHERE reference = %s", [ref])
                self.assertEqual(cur.fetchone()[0], "captured")
                self.assertEqual(len(pool._idle), 1)     # kept for the next call
                cur.execute("SELECT pg_terminate_backend(%s)", [pool._idle[0].get_backend_pid()])
            import time
            time.sleep(0.2)
            reply = pool.ingest("stripe", support.stripe_headers(body), body, "/hooks/stripe")
            self.assertEqual(reply["outcome"], "duplicate")
            with self.assertRaises(psycopg2.Error):     # a caller's mistake is an SQL error
                pool.ingest(None, {}, b"{}")
            self.assertEqual(pool.ingest("stripe", support.stripe_headers(body), body)["outcome"],
                             "duplicate")
        finally:
            pool.close()


class Answer(unittest.TestCase):
    """ingest.response_of: status and body of the HTTP answer."""

    def test_outcome_as_json(self):
        self.assertEqual(ingest.response_of({"http_status": 500, "outcome": "failed", "detail": "x"}),
                         (500, b'{"outcome": "failed"}', "application/json"))

    def test_fixed_body_and_content_type(self):
        reply = {"http_status": 200, "outcome": "applied", "response_body": "[accepted]",
                 "content_type": "text/plain"}
        self.assertEqual(ingest.response_of(reply), (200, b"[accepted]", "text/plain"))

    def test_fixed_body_without_content_type(self):
        status, body, ctype = ingest.response_of({"http_status": 200, "outcome": "applied",
                                                  "response_body": "[accepted]"})
        self.assertEqual((status, body), (200, b"[accepted]"))
        self.assertTrue(ctype.startswith("text/plain"))


@unittest.skipIf(Request is None, "python3-werkzeug is not installed")
class RequestAsWerkzeugGivesIt(unittest.TestCase):
    """headers_of, path_of, body_of on the werkzeug request Odoo wraps."""

    def request(self, path, data, content_type, query="", environ=None):
        builder = EnvironBuilder(path=path, method="POST", data=data, content_type=content_type,
                                 query_string=query or None,
                                 headers={"Stripe-Signature": "t=1,v1=ab"})
        env = builder.get_environ()
        for key in ("RAW_URI", "REQUEST_URI"):
            env.pop(key, None)
        env.update(environ or {})
        return Request(env)

    def test_headers(self):
        req = self.request("/hooks/stripe", b"{}", "application/json")
        headers = ingest.headers_of(req.headers)
        self.assertEqual(headers["Stripe-Signature"], "t=1,v1=ab")
        self.assertEqual(headers["Content-Type"], "application/json")

    def test_path_without_query_has_no_question_mark(self):
        req = self.request("/hooks/vipps", b"{}", "application/json")
        self.assertEqual(req.full_path, "/hooks/vipps?")        # what not to pass
        self.assertEqual(ingest.path_of(req.environ), "/hooks/vipps")

    def test_path_and_query(self):
        req = self.request("/hooks/vipps", b"{}", "application/json", query="x=1&y=%2F")
        self.assertEqual(ingest.path_of(req.environ), "/hooks/vipps?x=1&y=%2F")

    def test_request_line_wins(self):
        req = self.request("/hooks/vipps", b"{}", "application/json", query="x=1",
                           environ={"RAW_URI": "/hooks/vipps?x=1&z=%41"})
        self.assertEqual(ingest.path_of(req.environ), "/hooks/vipps?x=1&z=%41")
        req = self.request("/hooks/vipps", b"{}", "application/json",
                           environ={"REQUEST_URI": "http://shop.example/hooks/vipps?a=b"})
        self.assertEqual(ingest.path_of(req.environ), "/hooks/vipps?a=b")

    def test_percent_encoded_path(self):
        req = self.request("/hooks/caf\u00e9 x", b"{}", "application/json")
        self.assertEqual(ingest.path_of(req.environ), "/hooks/caf%C3%A9%20x")

    def test_json_body_is_the_raw_bytes(self):
        raw = b'{ "id" : "evt_1",\n  "type": "x" }'
        req = self.request("/hooks/stripe", raw, "application/json")
        self.assertEqual(ingest.body_of(req), raw)

    def test_the_controller_end_to_end(self):
        """ingest.handle, what the controller runs: a werkzeug request as
        Odoo hands it over, through the pool, as the ingest role."""
        admin = support.connect(autocommit=True)
        with admin.cursor() as cur:
            ref, ext, order = support.new_payment(cur)
        admin.close()
        body = support.stripe_event("payment_intent.succeeded", ext, ref)
        headers = support.stripe_headers(body)

        def request(data):
            env = EnvironBuilder(path="/hooks/stripe", method="POST", data=data,
                                 headers=headers).get_environ()
            env["RAW_URI"] = "/hooks/stripe"
            return Request(env)
        pool = ingest.IngestPool(lambda: support.connect(user=support.INGEST_ROLE))
        try:
            reply, status, answer, ctype = ingest.handle(pool, "stripe", request(body))
            self.assertEqual((status, answer, ctype), (200, b'{"outcome": "applied"}', "application/json"))
            self.assertEqual(reply["order"], {"ref": order, "state": "paid"})
            reply, status, answer, ctype = ingest.handle(pool, "stripe", request(body))
            self.assertEqual((status, reply["outcome"]), (200, "duplicate"))
            reply, status, answer, ctype = ingest.handle(pool, "stripe", request(body.replace(b"1099", b"1098")))
            self.assertEqual((status, answer), (401, b'{"outcome": "invalid_signature"}'))
        finally:
            pool.close()

    def test_form_body_parsed_before_the_controller(self):
        raw = b"id=tr_WDqYK6vllg&testmode=1"
        req = self.request("/hooks/mollie", raw, "application/x-www-form-urlencoded")
        self.assertEqual(dict(req.form), {"id": "tr_WDqYK6vllg", "testmode": "1"})  # as Odoo does first
        self.assertEqual(req.get_data(), b"")
        self.assertEqual(ingest.body_of(req), raw)


if __name__ == "__main__":
    unittest.main()

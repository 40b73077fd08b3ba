"""Bad input over real HTTP: each request gets a status, no server error,
the site keeps answering, and nothing is stored for a provider outside
the allow-list."""

import unittest
import uuid

import harness
from harness import delivery_count, post_stripe, request, stripe_body

ALLOWED = ("stripe", "ghost")


class BadInput(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not harness.package_ready():
            raise AssertionError("python/pgwebhook/django is missing")
        cls.server = harness.site()
        cls.port = cls.server.port

    def setUp(self):
        self.before = delivery_count()

    def tearDown(self):
        # the site still answers, and nothing got in under another name
        self.assertTrue(self.server.alive(), "gunicorn died:\n" + self.server.tail())
        status, _, _ = request(self.port, "GET", "/hooks/stripe/")
        self.assertEqual(status, 405)
        self.assertEqual(delivery_count("provider IS NULL OR provider NOT IN %s", [ALLOWED]), 0)

    def test_no_body(self):
        status, reply, _ = request(self.port, "POST", "/hooks/stripe/", b"",
                                   {"Stripe-Signature": harness.stripe_sign(b"")})
        self.assertEqual((status, reply), (400, {"outcome": "malformed_body"}))
        # neither body nor signature: a 400 (which of the two it names is
        # the extension's choice)
        status, reply, _ = request(self.port, "POST", "/hooks/stripe/")
        self.assertEqual(status, 400)
        self.assertIn(reply.get("outcome"), ("missing_header", "malformed_body"))
        self.assertEqual(delivery_count(), self.before + 2)

    def test_ten_megabytes(self):
        """Over Django's DATA_UPLOAD_MAX_MEMORY_SIZE: 413, nothing recorded."""
        body = b'{"id": "evt_big", "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'
        status = self.post_large(body)
        self.assertEqual(status, 413)
        self.assertEqual(delivery_count(), self.before)

    def test_over_max_body_bytes(self):
        """Under Django's limit, over webhook.max_body_bytes (1 MB): the
        extension's 413, recorded."""
        body = b'{"id": "evt_mid", "pad": "' + b"x" * (1536 * 1024) + b'"}'
        status, reply, _ = post_stripe(self.port, body)
        self.assertEqual((status, reply), (413, {"outcome": "body_too_large"}))
        self.assertEqual(delivery_count("outcome = 'body_too_large'"), 1)

    def post_large(self, body):
        """POST BODY as raw bytes (see harness.raw_request); its status."""
        head = ("POST /hooks/stripe/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nStripe-Signature: t=1,v1=00\r\n"
                "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)).encode()
        status = harness.raw_request(self.port, head + body, timeout=60)
        self.assertIsNotNone(status, "no answer")
        return status

    def test_provider_of_ten_thousand_characters(self):
        name = "p" * 10000
        body = stripe_body("evt_long_" + uuid.uuid4().hex, "pi_x", "R-x", 100)
        status, reply, _ = post_stripe(self.port, body, provider=name)
        self.assertEqual((status, reply), (404, {"outcome": "unknown_provider"}))
        self.assertEqual(delivery_count(), self.before)

    def test_nul_in_header(self):
        """A NUL inside a header value, and inside a header name: a 4xx
        (gunicorn's or the view's), never a 5xx nor a dropped connection."""
        body = b'{"id": "evt_nul"}'
        for header in (b"Stripe-Signature: t=1,v1=ab\x00cd", b"X-Odd\x00Name: 1",
                       b"X-Note: a\x00b"):
            data = (b"POST /hooks/stripe/ HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header +
                    b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                    b"Connection: close\r\n\r\n" % len(body) + body)
            status = harness.raw_request(self.port, data)
            harness.log("%r: %s" % (header, status))
            self.assertIsNotNone(status, header)
            self.assertTrue(400 <= status < 500, "%r: %s" % (header, status))

    def test_nul_in_signed_request(self):
        """A correctly signed event with a NUL in a header no scheme reads:
        answered from the database (the view strips NUL; jsonb cannot hold it)."""
        [(ref, pi, minor)] = harness.add_payments("N" + uuid.uuid4().hex[:6], 1)
        body = stripe_body("evt_" + ref, pi, ref, minor)
        sig = harness.stripe_sign(body).encode()
        data = (b"POST /hooks/stripe/ HTTP/1.1\r\nHost: 127.0.0.1\r\nStripe-Signature: " + sig +
                b"\r\nX-Note: a\x00b\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        status = harness.raw_request(self.port, data)
        harness.log("signed, with X-Note: a\\x00b: %s" % status)
        self.assertIsNotNone(status)
        self.assertLess(status, 500)

    def test_not_json_and_not_utf8(self):
        for body in (b"not json at all", b"\xff\xfe\x00garbage", b'{"id": 1e999999}', b'{"a":'):
            status, reply, _ = post_stripe(self.port, body)
            self.assertEqual((status, reply), (400, {"outcome": "malformed_body"}), body)

    def test_verified_json_that_is_no_event(self):
        """README: a body that verifies and is JSON, but maps to no event,
        is stored as ignored ("unmapped: ..."), answered 200."""
        for body in (b"[1, 2, 3]", b'"text"', b"{}"):
            status, reply, _ = post_stripe(self.port, body)
            self.assertEqual((status, reply), (200, {"outcome": "ignored"}), body)
        self.assertEqual(delivery_count("outcome = 'ignored' AND detail LIKE 'unmapped:%%'"
                                        " AND id > %s", [harness.value(
                                            "SELECT max(id) - 3 FROM webhook_deliveries")]), 3)

    def test_garbage_request_line(self):
        for data in (b"\x00\x01\x02\r\n\r\n", b"POST /hooks/stripe/ HTTP/9.9\r\n\r\n",
                     b"POST /hooks/%00/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"):
            status = harness.raw_request(self.port, data)
            self.assertTrue(status is None or 400 <= status < 500, "%r: %s" % (data, status))

    def test_zz_no_worker_died(self):
        """After all of the above: no 5xx, no traceback, and gunicorn never
        had to boot a worker again."""
        log = self.server.this_run()
        self.assertNotIn("Internal Server Error", log)
        self.assertNotIn("Traceback", log)
        self.assertNotIn("WORKER TIMEOUT", log)
        self.assertEqual(log.count("Booting worker"), 2, log[-3000:])


if __name__ == "__main__":
    unittest.main()

"""The Django view over real HTTP: gunicorn (2 workers) serving the test
site, Stripe-signed bodies (signed in SQL, at the current time), and what
each answer left in the database.

Statuses: 200 applied, 200 duplicate, 401 invalid signature, 404 for a
provider outside the allow-list (nothing recorded) and for one the
database does not know (recorded), 405 for GET (nothing recorded).
test_pgbouncer.py runs the same class through pgbouncer.
"""

import unittest
import uuid

import harness
from harness import delivery_count, post_stripe, request, sql, stripe_body, value


class StatusesMixin:
    """The statuses of the view; site() names the gunicorn to talk to."""

    prefix = "H"

    @staticmethod
    def site():
        return harness.site()

    def setUp(self):
        if not harness.package_ready():
            self.fail("python/pgwebhook/django is missing")
        self.port = self.site().port

    def new_payment(self):
        tag = "%s%s" % (self.prefix, uuid.uuid4().hex[:8])
        [(ref, pi, minor)] = harness.add_payments(tag, 1)
        return ref, pi, minor

    def test_applied_then_duplicate(self):
        ref, pi, minor = self.new_payment()
        body = stripe_body("evt_" + ref, pi, ref, minor)
        status, reply, _ = post_stripe(self.port, body)
        self.assertEqual((status, reply), (200, {"outcome": "applied"}))
        self.assertEqual(value("SELECT state FROM webhook_payments WHERE reference = %s", [ref]),
                         "captured")
        self.assertEqual(value("SELECT o.state FROM webhook_orders o JOIN webhook_payments p"
                               " ON p.order_ref = o.ref WHERE p.reference = %s", [ref]), "paid")
        # the same bytes again, signed afresh: stored once, answered duplicate
        status, reply, _ = post_stripe(self.port, body)
        self.assertEqual((status, reply), (200, {"outcome": "duplicate"}))
        self.assertEqual(value("SELECT deliveries FROM webhook_events WHERE event_id = %s",
                               ["evt_" + ref]), 2)
        rows = sql("SELECT outcome, http_status, path FROM webhook_deliveries"
                   " WHERE event_id = %s ORDER BY id", ["evt_" + ref])
        self.assertEqual([r[:2] for r in rows], [("applied", 200), ("duplicate", 200)])
        self.assertEqual(rows[0][2], "/hooks/stripe/")

    def test_path_and_query_passed(self):
        ref, pi, minor = self.new_payment()
        body = stripe_body("evt_" + ref, pi, ref, minor)
        sig = harness.stripe_sign(body)
        status, reply, _ = request(self.port, "POST", "/hooks/stripe/?source=e2e&x=1", body,
                                   {"Stripe-Signature": sig, "Content-Type": "application/json"})
        self.assertEqual(status, 200, reply)
        self.assertEqual(value("SELECT path FROM webhook_deliveries WHERE event_id = %s",
                               ["evt_" + ref]), "/hooks/stripe/?source=e2e&x=1")

    def test_bad_signature(self):
        ref, pi, minor = self.new_payment()
        body = stripe_body("evt_" + ref, pi, ref, minor)
        status, reply, _ = post_stripe(self.port, body, secret="whsec_not_the_right_one")
        self.assertEqual((status, reply), (401, {"outcome": "invalid_signature"}))
        # recorded, with its body kept for investigation; the payment untouched
        self.assertEqual(sql("SELECT outcome, body IS NOT NULL FROM webhook_deliveries"
                             " WHERE provider = 'stripe' AND body_sha256 = sha256(%s::bytea)",
                             [harness.psycopg2.Binary(body)]), [("invalid_signature", True)])
        self.assertEqual(value("SELECT state FROM webhook_payments WHERE reference = %s", [ref]),
                         "pending")
        # a signature header that is not one at all
        status, reply, _ = post_stripe(self.port, body, signature="garbage")
        self.assertEqual(status, 400, reply)

    def test_unknown_provider_outside_allow_list(self):
        """A registered, enabled provider the site does not serve: 404,
        and nothing reaches the database."""
        before = delivery_count()
        body = stripe_body("evt_out_" + uuid.uuid4().hex, "pi_x", "R-x", 100)
        status, reply, _ = post_stripe(self.port, body, provider="outsider",
                                       secret=harness.OUTSIDER_SECRET)
        self.assertEqual(status, 404, reply)
        status, _, _ = post_stripe(self.port, body, provider="nosuch")
        self.assertEqual(status, 404)
        self.assertEqual(delivery_count(), before)
        self.assertEqual(delivery_count("provider IN ('outsider', 'nosuch')"), 0)

    def test_unknown_provider_in_database(self):
        """Served by the site, registered nowhere: webhook_ingest's 404,
        recorded."""
        before = delivery_count("provider = 'ghost'")
        body = stripe_body("evt_g_" + uuid.uuid4().hex, "pi_x", "R-x", 100)
        status, reply, _ = post_stripe(self.port, body, provider="ghost")
        self.assertEqual((status, reply), (404, {"outcome": "unknown_provider"}))
        self.assertEqual(delivery_count("provider = 'ghost'"), before + 1)

    def test_get_is_405(self):
        before = delivery_count()
        for method in ("GET", "PUT", "DELETE"):
            status, _, headers = request(self.port, method, "/hooks/stripe/")
            self.assertEqual(status, 405, method)
        self.assertIn("POST", headers.get("Allow", ""))
        self.assertEqual(delivery_count(), before)

    def test_ingest_role_reads_nothing(self):
        """The role the view ingests with holds EXECUTE on webhook_ingest
        and no right on any table."""
        for table in ("webhook_deliveries", "webhook_events", "webhook_secrets",
                      "webhook_payments", "webhook_outbox"):
            with self.assertRaises(harness.psycopg2.errors.InsufficientPrivilege, msg=table):
                sql("SELECT 1 FROM %s LIMIT 1" % table, user=harness.INGEST_ROLE)


class Statuses(StatusesMixin, unittest.TestCase):
    pass


if __name__ == "__main__":
    unittest.main()

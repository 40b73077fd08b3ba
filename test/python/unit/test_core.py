"""pgwebhook core: version, ingest() through psycopg2 and psycopg 3, StateError."""

import os
import re
import subprocess
import sys
import unittest

import psycopg
import psycopg2
import psycopg2.errors

import harness
import pgwebhook

DB = None


def setUpModule():
    global DB
    DB = harness.create_database("core")
    harness.add_stripe(DB)


def tearDownModule():
    harness.drop_database(DB)


class VersionTests(unittest.TestCase):
    def control_version(self):
        with open(os.path.join(harness.REPO, "webhook.control")) as f:
            return re.search(r"^default_version\s*=\s*'([^']+)'", f.read(), re.M).group(1)

    def test_version_is_the_extensions(self):
        self.assertEqual(pgwebhook.__version__, self.control_version())

    def test_module_prints_version(self):
        out = subprocess.run([sys.executable, "-m", "pgwebhook", "--version"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.strip(), "pgwebhook " + self.control_version())


class HeadersTests(unittest.TestCase):
    def test_same_name_twice_is_joined(self):
        self.assertEqual(pgwebhook.headers_json([("A", "1"), ("A", "2")]), '{"A": "1, 2"}')

    def test_bytes_are_latin1_and_nul_is_dropped(self):
        self.assertEqual(pgwebhook.headers_json({b"X-\xe9": "a\x00b"}), '{"X-\u00e9": "ab"}')


class IngestTests(unittest.TestCase):
    """ingest() as the restricted role, with each driver."""

    driver = psycopg2
    prefix = "p2"

    def setUp(self):
        self.conn = harness.connect(DB, harness.INGEST_ROLE, self.driver)
        self.conn.autocommit = True
        self.n = getattr(type(self), "_n", 0) + 1
        type(self)._n = self.n

    def tearDown(self):
        self.conn.close()

    def ids(self):
        tag = "%s_%s_%d" % (self.prefix, self._testMethodName[-12:], self.n)
        return "evt_" + tag, "pi_" + tag, "R-" + tag

    def test_signed_event_captures_payment(self):
        evt, pi, ref = self.ids()
        harness.add_payment(DB, ref, pi, order="SO-" + ref)
        body = harness.stripe_event(evt, pi, ref)
        reply = pgwebhook.ingest(self.conn, "stripe",
                                 {"Stripe-Signature": harness.sign_stripe(DB, body)}, body,
                                 "/hooks/stripe/?a=1")
        self.assertIsInstance(reply, dict)
        self.assertEqual((reply["http_status"], reply["outcome"]), (200, "applied"))
        self.assertEqual(reply["payment"], {"reference": ref, "state": "captured"})
        self.assertEqual(harness.one(DB, "SELECT state FROM webhook_orders WHERE ref = %s",
                                     ["SO-" + ref]), "paid")
        self.assertEqual(harness.one(DB, "SELECT path FROM webhook_deliveries WHERE id = %s",
                                     [reply["delivery_id"]]), "/hooks/stripe/?a=1")

    def test_str_body_and_pairs_and_duplicate(self):
        evt, pi, ref = self.ids()
        body = harness.stripe_event(evt, pi, ref)
        headers = [("Stripe-Signature", harness.sign_stripe(DB, body)), ("X-Trace", "1")]
        first = pgwebhook.ingest(self.conn, "stripe", headers, body.decode())
        again = pgwebhook.ingest(self.conn, "stripe", headers, body.decode())
        self.assertEqual(first["outcome"], "unmatched")
        self.assertEqual(again["outcome"], "duplicate")

    def test_bad_signature_is_401_and_recorded(self):
        evt, pi, ref = self.ids()
        body = harness.stripe_event(evt, pi, ref)
        reply = pgwebhook.ingest(self.conn, "stripe",
                                 {"Stripe-Signature": harness.sign_stripe(DB, body, "whsec_other")}, body)
        self.assertEqual((reply["http_status"], reply["outcome"]), (401, "invalid_signature"))
        self.assertEqual(harness.one(DB, "SELECT outcome FROM webhook_deliveries WHERE id = %s",
                                     [reply["delivery_id"]]), "invalid_signature")

    def test_names_differing_in_case_are_malformed(self):
        evt, pi, ref = self.ids()
        body = harness.stripe_event(evt, pi, ref)
        sig = harness.sign_stripe(DB, body)
        reply = pgwebhook.ingest(self.conn, "stripe",
                                 [("Stripe-Signature", sig), ("stripe-signature", sig)], body)
        self.assertEqual((reply["http_status"], reply["outcome"]), (400, "malformed_header"))

    def test_nul_in_header_is_dropped(self):
        evt, pi, ref = self.ids()
        body = harness.stripe_event(evt, pi, ref)
        reply = pgwebhook.ingest(self.conn, "stripe",
                                 {"Stripe-Signature": harness.sign_stripe(DB, body), "X-Odd": "a\x00b"},
                                 body)
        self.assertEqual(reply["http_status"], 200)
        self.assertEqual(harness.one(DB, "SELECT headers->>'X-Odd' FROM webhook_deliveries "
                                         "WHERE id = %s", [reply["delivery_id"]]), "ab")

    def test_role_reads_nothing(self):
        with self.assertRaises(self.driver.Error):
            with self.conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM webhook_deliveries")

    def test_statement_text(self):
        """psycopg2 writes values into the statement; psycopg 3 sends $1, $2 apart."""
        evt, pi, ref = self.ids()
        body = harness.stripe_event(evt, pi, ref)
        pgwebhook.ingest(self.conn, "stripe", {"Stripe-Signature": "t=1,v1=00"}, body)
        pid = self.conn.info.backend_pid if self.driver is psycopg else self.conn.get_backend_pid()
        query = harness.one(DB, "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        self.assertIn("webhook_ingest", query)
        if self.driver is psycopg:
            self.assertIn("$3::bytea", query)
            self.assertNotIn(evt, query)
        else:
            self.assertIn("t=1,v1=00", query)


class IngestPsycopg3Tests(IngestTests):
    driver = psycopg
    prefix = "p3"

    def test_never_prepares_so_a_transaction_pooler_works(self):
        for _ in range(8):
            pgwebhook.ingest(self.conn, "stripe", {}, b"{}")
        self.assertEqual(self.conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0], 0)

    def test_binds_on_the_server_whatever_the_cursor_factory(self):
        """A connection set up for client-side binding (as Django 4.2 does) still binds on the server."""
        self.conn.cursor_factory = psycopg.ClientCursor
        evt, pi, ref = self.ids()
        reply = pgwebhook.ingest(self.conn, "stripe", {"Stripe-Signature": "t=1,v1=00"},
                                 harness.stripe_event(evt, pi, ref))
        self.assertEqual(reply["outcome"], "invalid_signature")
        query = harness.one(DB, "SELECT query FROM pg_stat_activity WHERE pid = %s",
                            [self.conn.info.backend_pid])
        self.assertIn("$2::jsonb", query)
        self.assertNotIn("t=1,v1=00", query)


class StateErrorTests(unittest.TestCase):
    """A refused state change raises StateError, whichever the driver."""

    def refuse(self, driver):
        ref = "R-state-" + driver.__name__
        pid = harness.add_payment(DB, ref, "pi-state-" + driver.__name__)
        harness.admin_sql("UPDATE webhook_payments SET state = 'canceled' WHERE id = %s", [pid], dbname=DB)
        conn = harness.connect(DB, driver=driver)
        try:
            with self.assertRaises(pgwebhook.StateError) as ctx:
                with pgwebhook.translating():
                    with conn.cursor() as cur:
                        cur.execute("UPDATE webhook_payments SET state = 'captured' WHERE id = %s", [pid])
            conn.rollback()
        finally:
            conn.close()
        return ctx.exception

    def test_psycopg2(self):
        err = self.refuse(psycopg2)
        self.assertEqual(err.sqlstate, "WH001")
        self.assertIn("cannot move from canceled to captured", err.message)
        self.assertIsInstance(err.__cause__, psycopg2.Error)

    def test_psycopg3(self):
        err = self.refuse(psycopg)
        self.assertIn("cannot move from canceled to captured", str(err))
        self.assertIsInstance(err.__cause__, psycopg.Error)

    def test_other_errors_pass_through(self):
        for driver in (psycopg2, psycopg):
            conn = harness.connect(DB, driver=driver)
            try:
                with self.assertRaises(driver.errors.DivisionByZero):
                    with pgwebhook.translating():
                        conn.cursor().execute("SELECT 1/0")
            finally:
                conn.close()

    def test_not_a_driver_connection(self):
        with self.assertRaises(TypeError):
            pgwebhook.ingest(object(), "stripe", {}, b"{}")


if __name__ == "__main__":
    unittest.main()

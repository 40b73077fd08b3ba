"""prometheus-postgres-exporter (Debian's) on database e2e_webhook with the
shipped contrib/prometheus/queries.yaml, as role e2e_monitor holding only
the grants of contrib/prometheus/README.md: /metrics read over HTTP and
each webhook metric compared with what the views say."""

import re
import unittest
import urllib.request
import uuid

import harness
from harness import post_stripe, sql, stripe_body, value

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset of (label, value)): float} of a Prometheus text page,
    less the "server" label the exporter adds to every series of a DSN."""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            labels = frozenset(kv for kv in LABEL.findall(m.group(2) or "") if kv[0] != "server")
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(metrics, name, **labels):
    return metrics.get((name, frozenset(labels.items())))


class Exporter(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not harness.package_ready():
            raise AssertionError("python/pgwebhook/django is missing")
        port = harness.site().port
        tag = "M" + uuid.uuid4().hex[:6]
        cls.outbox = harness.outbox_ready()
        if cls.outbox:
            cls.ready_consumer, cls.dead_consumer = "m_ready_" + tag, "m_dead_" + tag
            for c in (cls.ready_consumer, cls.dead_consumer):
                sql("SELECT webhook_subscribe(%s, ARRAY['payment.captured'])", [c])
        for ref, pi, minor in harness.add_payments(tag, 2):
            status, _, _ = post_stripe(port, stripe_body("evt_" + ref, pi, ref, minor))
            assert status == 200, status
        # an event for a payment nobody started: parked as unmatched
        post_stripe(port, stripe_body("evt_un_" + tag, "pi_nobody_" + tag, "R-nobody-" + tag, 500))
        post_stripe(port, stripe_body("evt_bad_" + tag, "pi_x", "R-x", 1), secret="whsec_wrong")
        post_stripe(port, stripe_body("evt_g_" + tag, "pi_x", "R-x", 1), provider="ghost")
        if cls.outbox:
            # the dead consumer's two messages: claimed and refused until dead
            for _ in range(harness.MAX_ATTEMPTS):
                for (mid,) in sql("SELECT id FROM webhook_outbox_claim(%s, 10)", [cls.dead_consumer]):
                    sql("SELECT webhook_outbox_nack(%s, %s, 'refused by the test', '0 seconds')",
                        [cls.dead_consumer, mid])
        cls.server = harness.exporter("exporter", harness.DBNAME, user=harness.MONITOR_ROLE)
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % cls.server.port,
                                    timeout=30) as r:
            cls.text = r.read().decode()
        cls.metrics = parse(cls.text)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "server", None):
            cls.server.stop()
        if getattr(cls, "outbox", False):
            for c in (cls.ready_consumer, cls.dead_consumer):
                sql("SELECT webhook_unsubscribe(%s)", [c])

    def test_scrape_without_error(self):
        self.assertEqual(metric(self.metrics, "pg_exporter_last_scrape_error"), 0.0,
                         "the exporter's log:\n" + self.server.tail())
        self.assertEqual(metric(self.metrics, "pg_up"), 1.0)

    def test_deliveries_by_outcome(self):
        rows = sql("SELECT coalesce(p.name, '_unregistered'), outcome, http_status::text,"
                   " sum(deliveries), sum(events) FROM webhook_delivery_counts c"
                   " LEFT JOIN webhook_providers p ON p.name = c.provider GROUP BY 1, 2, 3")
        self.assertTrue(rows)
        for provider, outcome, status, n, events in rows:
            labels = dict(provider=provider, outcome=outcome, http_status=status)
            self.assertEqual(metric(self.metrics, "webhook_deliveries_total", **labels), n, labels)
            self.assertEqual(metric(self.metrics, "webhook_deliveries_new_events", **labels),
                             events, labels)
        self.assertGreaterEqual(metric(self.metrics, "webhook_deliveries_total", provider="stripe",
                                       outcome="applied", http_status="200"), 2)
        # "ghost" is registered nowhere: its deliveries count as _unregistered
        ghost = value("SELECT sum(deliveries) FROM webhook_delivery_counts WHERE provider = 'ghost'")
        self.assertGreaterEqual(ghost, 1)
        self.assertEqual(metric(self.metrics, "webhook_deliveries_total", provider="_unregistered",
                                outcome="unknown_provider", http_status="404"), ghost)
        self.assertNotIn('provider="ghost"', self.text)

    def test_rejections(self):
        n = value("SELECT sum(deliveries) FROM webhook_delivery_counts WHERE provider = 'stripe'"
                  " AND outcome = 'invalid_signature'")
        self.assertGreaterEqual(n, 1)
        self.assertEqual(metric(self.metrics, "webhook_rejections_total", provider="stripe",
                                outcome="invalid_signature"), n)
        self.assertIsNone(metric(self.metrics, "webhook_rejections_total", provider="stripe",
                                 outcome="applied"))

    def test_provider_stats(self):
        [(deliveries, events, duplicates, rejections)] = sql(
            "SELECT deliveries, events, duplicates, rejections FROM webhook_stats"
            " WHERE provider = 'stripe'")
        for name, want in (("deliveries", deliveries), ("events", events),
                           ("duplicates", duplicates), ("rejections", rejections)):
            self.assertEqual(metric(self.metrics, "webhook_provider_" + name, provider="stripe"),
                             want, name)
        self.assertGreater(metric(self.metrics, "webhook_provider_last_delivery_timestamp",
                                  provider="stripe"), 1.7e9)

    def test_parked(self):
        for status in ("unmatched", "held", "failed"):
            want = value("SELECT count(*) FROM webhook_parked_events WHERE provider = 'stripe'"
                         " AND status = %s", [status])
            self.assertEqual(metric(self.metrics, "webhook_parked_events", provider="stripe",
                                    status=status), want, status)
        self.assertGreaterEqual(metric(self.metrics, "webhook_parked_events", provider="stripe",
                                       status="unmatched"), 1)
        self.assertGreater(metric(self.metrics, "webhook_parked_oldest_seconds",
                                  provider="stripe", status="unmatched"), 0)
        # a provider with nothing waiting still has its series, at 0
        self.assertEqual(metric(self.metrics, "webhook_parked_events", provider="outsider",
                                status="held"), 0)

    def test_outbox(self):
        if not self.outbox:
            self.fail("no outbox")
        ready = dict(consumer=self.ready_consumer)
        dead = dict(consumer=self.dead_consumer)
        self.assertEqual(metric(self.metrics, "webhook_outbox_ready", **ready), 2)
        self.assertEqual(metric(self.metrics, "webhook_outbox_leased", **ready), 0)
        self.assertEqual(metric(self.metrics, "webhook_outbox_dead", **ready), 0)
        self.assertGreater(metric(self.metrics, "webhook_outbox_lag_seconds", **ready), 0)
        self.assertGreater(metric(self.metrics, "webhook_outbox_oldest_ready_timestamp", **ready),
                           1.7e9)
        self.assertEqual(metric(self.metrics, "webhook_outbox_dead", **dead), 2)
        self.assertEqual(metric(self.metrics, "webhook_outbox_ready", **dead), 0)
        self.assertEqual(metric(self.metrics, "webhook_outbox_lag_seconds", **dead), 0)


if __name__ == "__main__":
    unittest.main()

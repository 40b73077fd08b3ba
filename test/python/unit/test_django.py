"""pgwebhook.django: the view, the models, the management commands."""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest
from decimal import Decimal

import djsetup  # sets Django up; must come before the Django imports below
import harness

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connections, transaction
from django.test import Client, override_settings

import pgwebhook
import pgwebhook.django
from pgwebhook.django import handlers, views
from pgwebhook.django.models import Delivery, Event, Order, OutboxMessage, Payment
from shop.models import Fulfilment

DB = None
_seq = [0]


def setUpModule():
    global DB
    DB = djsetup.ensure()


def unique(tag):
    """Return a name unique in this run."""
    _seq[0] += 1
    return "%s-%d" % (tag, _seq[0])


def deliveries():
    """Return how many deliveries are recorded."""
    return harness.one(DB, "SELECT count(*) FROM webhook_deliveries")


def post_event(client, provider="stripe", ref=None, amount=1099, secret=harness.SECRET, **extra):
    """POST a signed Stripe event to hooks/<provider>/; return (response, reference, intent)."""
    ref = ref or unique("R")
    intent = "pi_" + ref
    body = harness.stripe_event("evt_" + ref, intent, ref, amount)
    response = client.post("/hooks/%s/?src=test" % provider, data=body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=harness.sign_stripe(djsetup.DB, body, secret), **extra)
    return response, ref, intent


class ViewTests(unittest.TestCase):
    def setUp(self):
        self.client = Client()

    def test_signed_post_applies(self):
        ref = unique("R")
        harness.add_payment(DB, ref, "pi_" + ref, order="SO-" + ref)
        response, _, _ = post_event(self.client, ref=ref)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"outcome": "applied"})
        self.assertEqual(harness.one(DB, "SELECT state FROM webhook_payments WHERE reference = %s", [ref]),
                         "captured")
        self.assertEqual(harness.one(DB, "SELECT path FROM webhook_deliveries ORDER BY id DESC LIMIT 1"),
                         "/hooks/stripe/?src=test")

    def test_the_url_without_its_slash_is_served_too(self):
        body = harness.stripe_event("evt_" + unique("NS"), "pi_ns", "R-ns")
        response = self.client.post("/hooks/stripe", data=body, content_type="application/json",
                                    HTTP_STRIPE_SIGNATURE=harness.sign_stripe(DB, body))
        self.assertEqual((response.status_code, response.json()), (200, {"outcome": "unmatched"}))
        self.assertEqual(harness.one(DB, "SELECT path FROM webhook_deliveries ORDER BY id DESC LIMIT 1"),
                         "/hooks/stripe")

    def test_bad_signature_is_401_and_recorded(self):
        before = deliveries()
        response, _, _ = post_event(self.client, secret="whsec_wrong")
        self.assertEqual((response.status_code, response.json()), (401, {"outcome": "invalid_signature"}))
        self.assertEqual(deliveries(), before + 1)

    def test_csrf_is_not_checked(self):
        response, _, _ = post_event(Client(enforce_csrf_checks=True))
        self.assertEqual(response.status_code, 200)

    def test_other_methods_are_405_and_record_nothing(self):
        before = deliveries()
        for method in ("get", "put", "delete"):
            self.assertEqual(getattr(self.client, method)("/hooks/stripe/").status_code, 405)
        self.assertEqual(deliveries(), before)

    def test_unknown_provider_is_judged_by_the_extension(self):
        before = deliveries()
        response = self.client.post("/hooks/nosuch/", data=b"{}", content_type="application/json")
        self.assertEqual((response.status_code, response.json()), (404, {"outcome": "unknown_provider"}))
        self.assertEqual(deliveries(), before + 1)

    def test_provider_outside_the_allow_list_is_404_unrecorded(self):
        before = deliveries()
        with override_settings(PGWEBHOOK={"DATABASE": "ingest", "PROVIDERS": ["stripe"]}):
            response, _, _ = post_event(self.client, provider="held")
            self.assertEqual(response.status_code, 404)
            self.assertEqual(post_event(self.client)[0].status_code, 200)
        self.assertEqual(deliveries(), before + 1)

    def test_long_or_nul_provider_names_are_404_unrecorded(self):
        before = deliveries()
        long_name = "x" * 10000
        with override_settings(PGWEBHOOK={"DATABASE": "ingest", "PROVIDERS": ["stripe"]}):
            self.assertEqual(self.client.post("/hooks/%s/" % long_name, data=b"{}",
                                              content_type="application/json").status_code, 404)
        for name in (long_name, "a%00b"):
            self.assertEqual(self.client.post("/hooks/%s/" % name, data=b"{}",
                                              content_type="application/json").status_code, 404)
        self.assertEqual(deliveries(), before)

    def test_nul_in_a_header_is_stripped(self):
        response, _, _ = post_event(self.client, HTTP_X_ODD="a\x00b")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(harness.one(DB, "SELECT headers->>'X-Odd' FROM webhook_deliveries "
                                         "ORDER BY id DESC LIMIT 1"), "ab")

    def test_body_over_djangos_limit_is_413_unrecorded(self):
        before = deliveries()
        response = self.client.post("/hooks/stripe/", data=b"x" * (10 * 1024 * 1024),
                                    content_type="application/json")
        self.assertEqual((response.status_code, response.json()), (413, {"outcome": "body_too_large"}))
        self.assertEqual(deliveries(), before)

    def test_body_over_the_extensions_limit_is_413_recorded(self):
        before = deliveries()
        response = self.client.post("/hooks/stripe/", data=b"x" * (1536 * 1024),
                                    content_type="application/json")
        self.assertEqual((response.status_code, response.json()), (413, {"outcome": "body_too_large"}))
        self.assertEqual(deliveries(), before + 1)

    def test_a_fixed_response_body_is_answered_as_is(self):
        response = views._answer({"http_status": 200, "outcome": "applied",
                                  "response_body": "[accepted]", "content_type": "text/plain"})
        self.assertEqual((response.status_code, response.content), (200, b"[accepted]"))
        self.assertEqual(response["Content-Type"], "text/plain")


class ModelTests(unittest.TestCase):
    def test_defaults_are_the_databases(self):
        self.assertEqual(Payment().state, "pending")
        self.assertEqual(Payment().amount_captured, 0)
        self.assertEqual(Order().state, "open")
        order = Order.objects.create(ref=unique("SO"), total=Decimal("5.00"), currency="EUR")
        self.assertEqual(order.state, "open")
        self.assertIsNotNone(order.created_at)

    def test_a_new_instance_never_overwrites_an_existing_row(self):
        ref = unique("SO")
        Order.objects.create(ref=ref, total=Decimal("5"), currency="EUR")
        Order.objects.filter(ref=ref).update(currency="USD")
        with self.assertRaises(IntegrityError):
            Order(ref=ref, total=Decimal("7"), currency="EUR").save()
        self.assertEqual(Order.objects.get(ref=ref).currency, "USD")

    def test_insert_that_applies_a_parked_event_reads_captured(self):
        response, ref, intent = post_event(Client())
        self.assertEqual(response.json(), {"outcome": "unmatched"})
        order = Order.objects.create(ref="SO-" + ref, total=Decimal("10.99"), currency="EUR")
        payment = Payment(provider_id="stripe", reference=ref, external_id=intent, order=order,
                          amount=Decimal("10.99"), currency="EUR")
        payment.save()
        self.assertEqual(payment.state, "captured")
        self.assertEqual(payment.amount_captured, Decimal("10.99"))
        self.assertEqual(payment.order.state, "paid")
        self.assertIsNotNone(payment.state_changed_at)
        self.assertEqual(harness.one(DB, "SELECT amount::text FROM webhook_payments WHERE id = %s",
                                     [payment.pk]), "10.99")

    def test_refused_change_raises_state_error_and_the_transaction_goes_on(self):
        payment = Payment.objects.create(provider_id="stripe", reference=unique("R"), amount=1,
                                         currency="EUR")
        Payment.objects.filter(pk=payment.pk).update(state="canceled")
        payment.refresh_from_db()
        with transaction.atomic():
            payment.state = "captured"
            with self.assertRaises(pgwebhook.StateError) as ctx:
                payment.save()
            self.assertIn("cannot move from canceled to captured", str(ctx.exception))
            self.assertEqual(Payment.objects.get(pk=payment.pk).state, "canceled")

    def test_save_never_writes_back_trigger_columns(self):
        ref = unique("R")
        harness.add_payment(DB, ref, "pi_" + ref)
        post_event(Client(), ref=ref)
        payment = Payment.objects.get(reference=ref)
        payment.amount_captured = Decimal("0")          # as a stale copy would hold
        payment.external_id = "pi_" + ref
        payment.save()
        self.assertEqual(payment.amount_captured, Decimal("10.99"))
        self.assertEqual(harness.one(DB, "SELECT amount_captured FROM webhook_payments WHERE id = %s",
                                     [payment.pk]), Decimal("10.99"))


class ProjectTests(unittest.TestCase):
    def test_system_checks_pass(self):
        call_command("check", fail_level="WARNING", stdout=io.StringIO())

    def test_the_package_ships_no_migrations(self):
        out = io.StringIO()
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
        self.assertIn("No changes detected", out.getvalue())
        from django.db.migrations.loader import MigrationLoader
        self.assertNotIn("pgwebhook", MigrationLoader(None).migrated_apps)


class HandlerRegistryTests(unittest.TestCase):
    def tearDown(self):
        for pattern in ("order.*", "order.paid", "*"):
            handlers._registry.pop(pattern, None)

    def test_patterns_match_exactly_or_by_prefix(self):
        seen = []

        @pgwebhook.django.on("order.*", "order.paid")
        def first(message):
            seen.append(("first", message.topic))

        @pgwebhook.django.on("order.paid")
        def second(message):
            seen.append(("second", message.topic))
        for topic in ("order.paid", "order.partially_paid", "orders.x"):
            handlers.dispatch(pgwebhook.Message(1, topic, {}, 1, None))
        self.assertEqual(seen, [("first", "order.paid"), ("second", "order.paid"),
                                ("first", "order.partially_paid")])
        self.assertEqual([f.__name__ for f in handlers.handlers_for("payment.paid")], ["fulfil"])

    def test_star_only_at_the_end(self):
        with self.assertRaises(ValueError):
            pgwebhook.django.on("order.*.x")
        with self.assertRaises(TypeError):
            pgwebhook.django.on()


class CommandTests(unittest.TestCase):
    def run_command(self, *args, **kwargs):
        out = io.StringIO()
        call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
        return out.getvalue()

    def held_event(self):
        ref = unique("H")
        harness.add_payment(DB, ref, "pi_" + ref, provider="held", amount="10.99")
        response, _, _ = post_event(Client(), provider="held", ref=ref, amount=2000)
        self.assertEqual(response.json(), {"outcome": "held"})
        return Event.objects.get(provider="held", reference=ref)

    def test_reprocess(self):
        event = self.held_event()
        line = json.loads(self.run_command("pgwebhook_reprocess", str(event.pk)))
        self.assertEqual(line["id"], event.pk)
        self.assertEqual(line["reply"]["event_status"], "applied")
        event.refresh_from_db()
        self.assertEqual(event.status, "applied")
        with self.assertRaises(CommandError):
            self.run_command("pgwebhook_reprocess", str(event.pk))

    def test_redeliver_after_the_secret_is_added(self):
        other = "whsec_added_later_%d" % _seq[0]
        response, ref, _ = post_event(Client(), secret=other)
        self.assertEqual(response.status_code, 401)
        refused = Delivery.objects.filter(outcome="invalid_signature").latest("id")
        harness.admin_sql("SELECT webhook_add_secret('stripe', %s)", [other], dbname=DB)
        line = json.loads(self.run_command("pgwebhook_redeliver", str(refused.pk)))
        self.assertEqual(line["reply"]["outcome"], "unmatched")
        self.assertEqual(Delivery.objects.get(pk=line["reply"]["delivery_id"]).redelivery_of, refused.pk)

    def test_purge(self):
        post_event(Client(), secret="whsec_wrong")
        refused = Delivery.objects.filter(body__isnull=False).latest("id")
        out = self.run_command("pgwebhook_purge", older_than="0 seconds")
        self.assertRegex(out, r"^purged [1-9]\d*$")
        refused.refresh_from_db()
        self.assertIsNone(refused.body)

    def test_worker_runs_the_shops_handlers_with_its_ack(self):
        if not harness.has_outbox(DB):
            self.fail("the installed extension has no outbox")
        self.assertIn("payment.*", handlers.patterns())         # autodiscovered from shop.webhooks
        self.assertEqual(self.run_command("pgwebhook_worker", consumer="shop", once=True,
                                          database="worker"), "handled 0\n")
        good, bad = unique("OK"), unique("FAIL")
        for ref in (good, bad):
            pid = harness.add_payment(DB, ref, None)
            harness.admin_sql("UPDATE webhook_payments SET state = 'authorized' WHERE id = %s",
                              [pid], dbname=DB)
        out = self.run_command("pgwebhook_worker", "--topics", "payment.*", consumer="shop",
                               once=True, database="worker")
        self.assertEqual(out, "handled 2\n")
        self.assertEqual(list(Fulfilment.objects.values_list("reference", flat=True)), [good])
        status = dict(OutboxMessage.objects.filter(consumer="shop").values_list(
            "payload__payment__reference", "status"))
        self.assertEqual(status, {good: "done", bad: "ready"})
        self.assertIn("cannot fulfil " + bad,
                      OutboxMessage.objects.get(consumer="shop", status="ready").last_error)


class DjangoWorkerTests(unittest.TestCase):
    def test_orm_write_is_rolled_back_with_a_lost_lease(self):
        """A handler that outlives its lease: its ORM write goes with the failed ack."""
        if not harness.has_outbox(DB):
            self.fail("the installed extension has no outbox")
        from pgwebhook.django.worker import DjangoWorker
        slow, fast = (DjangoWorker("dj_lease", ["payment.*"], alias="worker") for _ in range(2))
        slow.subscribe()
        ref = unique("LEASE")
        pid = harness.add_payment(DB, ref, None)
        harness.admin_sql("UPDATE webhook_payments SET state = 'authorized' WHERE id = %s", [pid], dbname=DB)

        def write(tag, pause):
            def handle(message):
                Fulfilment.objects.using(message.connection.alias).create(
                    msg_id=message.id, topic=message.topic, reference=tag + ref)
                time.sleep(pause)
            return handle

        def run_slow():
            try:
                slow.run_once(write("slow-", 2.5), batch=1, lease="1 second")
            finally:
                connections.close_all()
        t = threading.Thread(target=run_slow)
        t.start()
        time.sleep(1.5)
        self.assertEqual(fast.run_once(write("fast-", 0), batch=1), 1)
        t.join(10)
        self.assertEqual(list(Fulfilment.objects.filter(reference__endswith=ref)
                              .values_list("reference", flat=True)), ["fast-" + ref])
        self.assertEqual(OutboxMessage.objects.get(consumer="dj_lease").status, "done")


class WorkerProcessTests(unittest.TestCase):
    def start(self, consumer):
        """Start manage.py pgwebhook_worker for consumer; return the process once it subscribed."""
        if not harness.has_outbox(DB):
            self.fail("the installed extension has no outbox")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.Popen([sys.executable, "-m", "django", "pgwebhook_worker", "--consumer", consumer,
                                 "--database", "worker", "--poll", "0.2"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.assertTrue(wait(lambda: harness.one(DB, "SELECT count(*) FROM webhook_subscriptions "
                                                     "WHERE consumer = %s", [consumer]) == 1, 15))
        return proc

    def change(self):
        """Authorize a new payment; return its reference."""
        ref = unique("PROC")
        pid = harness.add_payment(DB, ref, None)
        harness.admin_sql("UPDATE webhook_payments SET state = 'authorized' WHERE id = %s", [pid], dbname=DB)
        return ref

    def test_worker_process_handles_changes_and_stops_on_sigterm(self):
        proc = self.start("shop_proc")
        ref = self.change()
        self.assertTrue(wait(lambda: Fulfilment.objects.filter(reference=ref).exists(), 10))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(10), 0)
        self.assertIn("pgwebhook worker shop_proc: topics payment.*", proc.stdout.read())
        self.assertEqual(OutboxMessage.objects.get(consumer="shop_proc").status, "done")

    def test_worker_process_reconnects(self):
        proc = self.start("shop_reconnect")
        time.sleep(0.3)
        harness.admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE usename = %s AND datname = %s", [harness.WORKER_ROLE, DB])
        ref = self.change()
        self.assertTrue(wait(lambda: Fulfilment.objects.filter(reference=ref).exists(), 15))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(10), 0)
        self.assertIn("connection lost", proc.stdout.read())


def wait(predicate, timeout):
    """Wait until predicate() is true; return whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


if __name__ == "__main__":
    unittest.main()

"""pgwebhook.django's admin, through Django's test Client as a logged-in superuser."""

import unittest
from decimal import Decimal

import djsetup  # sets Django up; must come before the Django imports below
import harness

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from pgwebhook.django import filters
from pgwebhook.django.models import Delivery, Event, Order, OutboxMessage, Payment, Provider
from test_django import post_event, unique

DB = None
MODELS = ["provider", "order", "payment", "event", "delivery", "refund", "subscription",
          "outboxmessage"]


def setUpModule():
    global DB
    DB = djsetup.ensure()


class AdminTests(unittest.TestCase):
    def assertContains(self, response, text):
        self.assertTrue(text in response.content.decode(), "%r is not on the page" % text)

    def assertNotContains(self, response, text):
        self.assertFalse(text in response.content.decode(), "%r is on the page" % text)

    def setUp(self):
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(username="admin"))

    def captured_payment(self):
        ref = unique("A")
        harness.add_payment(DB, ref, "pi_" + ref, order="SO-" + ref)
        self.assertEqual(post_event(Client(), ref=ref)[0].status_code, 200)
        return Payment.objects.get(reference=ref)

    def change_form(self, payment, **changes):
        data = {"provider": payment.provider_id, "reference": payment.reference or "",
                "external_id": payment.external_id or "", "order": payment.order_id or "",
                "amount": payment.amount, "currency": payment.currency or "", "state": payment.state}
        data.update(changes)
        return self.client.post("/admin/pgwebhook/payment/%d/change/" % payment.pk, data)

    def action(self, model, name, pks):
        return self.client.post("/admin/pgwebhook/%s/" % model,
                                {"action": name, "_selected_action": [str(pk) for pk in pks]},
                                follow=True)

    def test_list_pages_render(self):
        self.captured_payment()
        post_event(Client(), secret="whsec_wrong")
        for model in MODELS:
            with self.subTest(model=model):
                response = self.client.get("/admin/pgwebhook/%s/" % model)
                self.assertEqual(response.status_code, 200)
        response = self.client.get("/admin/pgwebhook/delivery/?outcome=invalid_signature")
        self.assertContains(response, "invalid_signature")
        self.assertNotContains(response, 'field-outcome">applied<')

    def test_unfiltered_big_list_counts_from_the_estimate(self):
        post_event(Client(), secret="whsec_wrong")
        harness.admin_sql("ANALYZE webhook_deliveries", dbname=DB)
        estimate = harness.one(DB, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'webhook_deliveries'")
        harness.admin_sql("INSERT INTO webhook_deliveries (http_status, outcome) VALUES (599, 'pyunit')",
                          dbname=DB)
        saved, filters.ESTIMATE_ABOVE = filters.ESTIMATE_ABOVE, 0
        try:
            unfiltered = self.client.get("/admin/pgwebhook/delivery/")
            filtered = self.client.get("/admin/pgwebhook/delivery/?outcome=pyunit")
        finally:
            filters.ESTIMATE_ABOVE = saved
            harness.admin_sql("DELETE FROM webhook_deliveries WHERE outcome = 'pyunit'", dbname=DB)
        self.assertContains(unfiltered, "%d deliveries" % estimate)
        self.assertContains(filtered, "1 delivery")

    def test_delivery_page_shows_headers_and_is_read_only(self):
        post_event(Client(), secret="whsec_wrong")
        delivery = Delivery.objects.latest("id")
        response = self.client.get("/admin/pgwebhook/delivery/%d/change/" % delivery.pk)
        self.assertContains(response, "&quot;Stripe-Signature&quot;: &quot;t=")
        self.assertContains(response, "<pre")
        self.assertEqual(self.client.get("/admin/pgwebhook/delivery/add/").status_code, 403)
        self.assertEqual(self.client.post("/admin/pgwebhook/delivery/%d/delete/" % delivery.pk,
                                          {"post": "yes"}).status_code, 403)
        self.assertTrue(Delivery.objects.filter(pk=delivery.pk).exists())

    def test_event_page_shows_the_payload(self):
        payment = self.captured_payment()
        event = Event.objects.get(reference=payment.reference)
        response = self.client.get("/admin/pgwebhook/event/%d/change/" % event.pk)
        self.assertContains(response, "&quot;type&quot;: &quot;payment_intent.succeeded&quot;")

    def test_refused_state_change_is_a_form_error(self):
        payment = self.captured_payment()
        response = self.change_form(payment, state="pending")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "cannot move from captured to pending")
        self.assertContains(response, "errorlist")
        self.assertEqual(Payment.objects.get(pk=payment.pk).state, "captured")

    def test_allowed_change_saves(self):
        payment = self.captured_payment()
        response = self.change_form(payment, state="refunded", external_id="pi_changed_%d" % payment.pk)
        self.assertEqual(response.status_code, 302)
        payment.refresh_from_db()
        self.assertEqual((payment.state, payment.external_id), ("refunded", "pi_changed_%d" % payment.pk))

    def test_order_edit_and_refused_total(self):
        ref = unique("SO")
        self.assertEqual(self.client.post("/admin/pgwebhook/order/add/", {
            "ref": ref, "total": "12.50", "currency": "EUR"}).status_code, 302)
        order = Order.objects.get(ref=ref)
        self.assertEqual((order.state, order.total), ("open", Decimal("12.50")))
        url = "/admin/pgwebhook/order/%s/change/" % ref
        self.assertEqual(self.client.post(url, {"total": "20", "currency": "EUR"}).status_code, 302)
        response = self.client.post(url, {"total": "-1", "currency": "EUR"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "invalid webhook_orders.total")
        self.assertEqual(Order.objects.get(ref=ref).total, Decimal("20"))

    def test_refused_provider_config_is_a_form_error_on_config(self):
        url = "/admin/pgwebhook/provider/held/change/"
        response = self.client.post(url, {"config": '{"on_mismatch": "bogus"}', "tolerance_seconds": "300",
                                          "enabled": "on"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "must be apply or hold")
        self.assertContains(response, "form-row errors field-config")
        self.assertEqual(Provider.objects.get(name="held").config, {"on_mismatch": "hold"})

    def test_add_payment_in_admin_applies_its_parked_event(self):
        response, ref, intent = post_event(Client())
        self.assertEqual(response.json(), {"outcome": "unmatched"})
        response = self.client.post("/admin/pgwebhook/payment/add/", {
            "provider": "stripe", "reference": ref, "external_id": intent, "order": "",
            "amount": "10.99", "currency": "EUR", "state": "pending"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Payment.objects.get(reference=ref).state, "captured")

    def test_stats_page(self):
        post_event(Client())
        response = self.client.get("/admin/pgwebhook/delivery/stats/")
        self.assertEqual(response.status_code, 200)
        for view in ("webhook_stats", "webhook_parked_events", "webhook_outbox_lag"):
            self.assertContains(response, "<h2 id=\"%s\">" % view)
        self.assertContains(response, "<td>stripe</td>")
        self.assertContains(response, "rejections_by_outcome")
        self.assertNotContains(response, "is not available")
        self.assertContains(self.client.get("/admin/pgwebhook/delivery/"), "delivery/stats/")
        self.assertEqual(Client().get("/admin/pgwebhook/delivery/stats/").status_code, 302)
        staff, _ = get_user_model().objects.get_or_create(username="staff", defaults={"is_staff": True})
        client = Client()
        client.force_login(staff)
        self.assertEqual(client.get("/admin/pgwebhook/delivery/stats/").status_code, 403)

    def test_reprocess_action(self):
        ref = unique("H")
        harness.add_payment(DB, ref, "pi_" + ref, provider="held")
        self.assertEqual(post_event(Client(), provider="held", ref=ref, amount=5000)[0].json(),
                         {"outcome": "held"})
        event = Event.objects.get(provider="held", reference=ref)
        response = self.action("event", "reprocess", [event.pk])
        self.assertContains(response, "Event %d: applied" % event.pk)
        event.refresh_from_db()
        self.assertEqual(event.status, "applied")
        response = self.action("event", "reprocess", [event.pk])
        self.assertContains(response, "is applied, not parked, held or failed")
        viewer, _ = get_user_model().objects.get_or_create(username="viewer", defaults={"is_staff": True})
        viewer.user_permissions.add(Permission.objects.get(codename="view_event"))
        client = Client()
        client.force_login(viewer)
        page = client.get("/admin/pgwebhook/event/")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('value="reprocess"', page.content.decode())
        self.assertContains(self.client.get("/admin/pgwebhook/event/"), 'value="reprocess"')

    def test_redeliver_action(self):
        secret = "whsec_admin_%d" % id(self)
        post_event(Client(), secret=secret)
        refused = Delivery.objects.latest("id")
        self.assertEqual(refused.outcome, "invalid_signature")
        harness.admin_sql("SELECT webhook_add_secret('stripe', %s)", [secret], dbname=DB)
        response = self.action("delivery", "redeliver", [refused.pk])
        self.assertContains(response, "Delivery %d: unmatched" % refused.pk)
        self.assertTrue(Delivery.objects.filter(redelivery_of=refused.pk, outcome="unmatched").exists())

    def test_retry_action_revives_dead_messages_only(self):
        if not harness.has_outbox(DB):
            self.fail("the installed extension has no outbox")
        harness.admin_sql("SELECT webhook_subscribe('admin_retry')", dbname=DB)
        for _ in range(2):
            pid = harness.add_payment(DB, unique("D"), None)
            harness.admin_sql("UPDATE webhook_payments SET state = 'authorized' WHERE id = %s",
                              [pid], dbname=DB)
        dead, ready = OutboxMessage.objects.filter(consumer="admin_retry").order_by("id")
        OutboxMessage.objects.filter(pk=dead.pk).update(status="dead", last_error="gave up")
        response = self.action("outboxmessage", "retry", [dead.pk, ready.pk])
        self.assertContains(response, "1 message(s) not dead, left alone")
        self.assertEqual(OutboxMessage.objects.get(pk=dead.pk).status, "ready")
        self.assertEqual(OutboxMessage.objects.get(pk=ready.pk).status, "ready")


if __name__ == "__main__":
    unittest.main()

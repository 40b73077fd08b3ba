"""A Stripe webhook handler written the usual way, for comparison.

It does the work webhook_ingest does for a payment_intent.succeeded, in
Python: the Stripe-Signature check (HMAC-SHA256 over "t.body", every v1
tried with compare_digest, 300 s tolerance), then in transaction.atomic():
the event row (its unique key makes a redelivery a duplicate), the payment
locked with select_for_update, the payment captured and its order paid
through the ORM, and the delivery row.
"""
import hashlib
import hmac
import json
import time
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .models import Order, Payment, WebhookDelivery, WebhookEvent

CAPTURABLE = ("pending", "authorized", "failed")


def verify_stripe(body, header, secret, tolerance):
    """The Stripe-Signature header verifies body: (True, None) or (False, outcome)."""
    if not header:
        return False, "missing_header"
    try:
        items = [part.split("=", 1) for part in header.split(",")]
        timestamp = int(next(v for k, v in items if k.strip() == "t"))
        signatures = [v for k, v in items if k.strip() == "v1"]
    except (ValueError, StopIteration):
        return False, "malformed_header"
    expected = hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        return False, "invalid_signature"
    if abs(time.time() - timestamp) > tolerance:
        return False, "stale_timestamp"
    return True, None


def _delivery(request, status, outcome, event=None):
    WebhookDelivery.objects.create(
        provider="stripe", http_status=status, outcome=outcome, event=event,
        headers=dict(request.headers), body_sha256=hashlib.sha256(request.body).digest(),
        body_size=len(request.body))
    return JsonResponse({"outcome": outcome}, status=status)


@csrf_exempt
def stripe_webhook(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = request.body
    ok, outcome = verify_stripe(body, request.headers.get("Stripe-Signature"),
                                settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_TOLERANCE)
    if not ok:
        return _delivery(request, 400 if outcome.startswith(("missing", "malformed")) else 401, outcome)
    try:
        event = json.loads(body)
        obj = event["data"]["object"]
    except (ValueError, KeyError, TypeError):
        return _delivery(request, 400, "malformed_body")

    with transaction.atomic():
        try:
            with transaction.atomic():
                ev = WebhookEvent.objects.create(
                    provider="stripe", event_id=event["id"], event_type=event["type"], payload=event)
        except IntegrityError:
            return _delivery(request, 200, "duplicate")

        payment = (Payment.objects.select_for_update()
                   .filter(provider="stripe", external_id=obj.get("id")).first())
        if payment is None:
            ev.status = "unmatched"
            ev.save(update_fields=["status"])
            return _delivery(request, 200, "unmatched", ev)

        now = timezone.now()
        amount = Decimal(obj.get("amount_received") or obj.get("amount") or 0) / 100
        ev.payment, ev.amount, ev.currency = payment, amount, (obj.get("currency") or "").upper()
        if event["type"] == "payment_intent.succeeded" and payment.state in CAPTURABLE:
            payment.state = "captured"
            payment.amount_captured = amount
            payment.state_changed_at = now
            payment.save(update_fields=["state", "amount_captured", "state_changed_at"])
            order = Order.objects.select_for_update().get(pk=payment.order_id)
            order.amount_paid += amount
            order.state = "paid" if order.amount_paid >= order.total else "partially_paid"
            order.paid_at = now if order.state == "paid" else order.paid_at
            order.updated_at = now
            order.save(update_fields=["amount_paid", "state", "paid_at", "updated_at"])
            ev.status = "applied"
        elif payment.state == "captured":
            ev.status = "unchanged"
        else:
            ev.status = "superseded"
        ev.processed_at = now
        ev.save(update_fields=["payment", "amount", "currency", "status", "processed_at"])
        return _delivery(request, 200, ev.status, ev)

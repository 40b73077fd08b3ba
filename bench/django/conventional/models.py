"""The conventional side's own tables: what a Django shop keeps for Stripe
webhooks when it writes the handler itself (managed models, created by
manage.py migrate --run-syncdb)."""
from django.db import models


class Order(models.Model):
    ref = models.CharField(max_length=64, primary_key=True)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=20, default="open")
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    paid_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "shop_order"


class Payment(models.Model):
    provider = models.CharField(max_length=32)
    reference = models.CharField(max_length=64)
    external_id = models.CharField(max_length=64)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, db_column="order_ref")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=20, default="pending")
    amount_captured = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    state_changed_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "shop_payment"
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="shop_payment_reference"),
            models.UniqueConstraint(fields=["provider", "external_id"], name="shop_payment_external_id"),
        ]


class WebhookEvent(models.Model):
    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=255)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.SET_NULL)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    currency = models.CharField(max_length=3, null=True)
    payload = models.JSONField()
    status = models.CharField(max_length=20, default="received")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "shop_webhook_event"
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="shop_webhook_event_uniq"),
        ]


class WebhookDelivery(models.Model):
    provider = models.CharField(max_length=32)
    received_at = models.DateTimeField(auto_now_add=True)
    http_status = models.IntegerField()
    outcome = models.CharField(max_length=32)
    event = models.ForeignKey(WebhookEvent, null=True, on_delete=models.SET_NULL)
    headers = models.JSONField()
    body_sha256 = models.BinaryField()
    body_size = models.IntegerField()

    class Meta:
        db_table = "shop_webhook_delivery"

"""Unmanaged models over the extension's tables.

The extension owns the schema: these models never create or migrate a
table.  Defaults are the database's (a payment starts 'pending', an order
'open', amounts at 0); timestamps left unset are not sent, so the database
fills them.  Columns the triggers own (amounts, state_changed_at, paid_at,
...) are never written back by save(), and are re-read after it, with the
state: a payment whose insert applied a parked event reads 'captured' at
once, and its order too.  A change the state machine refuses raises
pgwebhook.StateError, rolled back to a savepoint so the caller's
transaction stays usable.
"""

from __future__ import annotations

from typing import Any, Sequence

from django.contrib.postgres.fields import ArrayField
from django.db import models, router, transaction

import pgwebhook

PAYMENT_STATES = ["pending", "authorized", "captured", "failed", "canceled",
                  "partially_refunded", "refunded"]
ORDER_STATES = ["open", "partially_paid", "paid", "partially_refunded", "refunded"]
SCHEMES = ["stripe", "standard", "vipps", "paypal", "hmac", "apikey",
           "paddle", "razorpay", "square"]
OUTBOX_STATUSES = ["ready", "leased", "done", "dead"]


def _choices(values: Sequence[str]) -> list:
    """Return Django choices for plain values."""
    return [(v, v.replace("_", " ")) for v in values]


class Numeric(models.DecimalField):
    """A numeric column without fixed scale: values are stored as given, never padded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 30)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(*args, **kwargs)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        return self.to_python(value)


class DbDefault(models.DateTimeField):
    """A timestamp with a database default: left None, it is not sent on insert."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


class ExtensionModel(models.Model):
    """Base of the models: database defaults on insert, trigger columns re-read after save."""

    db_owned: Sequence[str] = ()        # columns only the triggers write
    reread: Sequence[str] = ()          # columns to read back after save()

    class Meta:
        abstract = True

    def _do_insert(self, manager: Any, using: Any, fields: Any, returning_fields: Any, raw: Any) -> Any:
        fields = [f for f in fields
                  if not (isinstance(f, DbDefault) and getattr(self, f.attname) is None)]
        return super()._do_insert(manager, using, fields, returning_fields, raw)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, leaving trigger-owned columns to the database; raise StateError on WH001.

        A new instance is always inserted (never an UPDATE of a row that has
        its key); an existing one updates every column but the db_owned ones.
        """
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        if not args:
            if self._state.adding and not kwargs.get("force_update"):
                kwargs.setdefault("force_insert", True)
            elif kwargs.get("update_fields") is None and self.db_owned:
                kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                           if not f.primary_key and f.name not in self.db_owned]
        with pgwebhook.translating():
            with transaction.atomic(using=using):
                super().save(*args, **kwargs)
        self.refresh_after_save()

    def refresh_after_save(self) -> None:
        """Read back the columns triggers may have changed."""
        if self.reread:
            self.refresh_from_db(fields=list(self.reread))


class Provider(ExtensionModel):
    """webhook_providers: one webhook endpoint (secrets live apart, owner-only)."""

    name = models.CharField(primary_key=True, max_length=100)
    scheme = models.CharField(max_length=20, choices=_choices(SCHEMES))
    config = models.JSONField(default=dict, blank=True)
    tolerance_seconds = models.IntegerField(default=300)
    enabled = models.BooleanField(default=True)
    created_at = DbDefault()

    reread = ("created_at",)

    class Meta:
        managed = False
        db_table = "webhook_providers"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Order(ExtensionModel):
    """webhook_orders: an order whose state follows its payments."""

    ref = models.CharField(primary_key=True, max_length=255)
    total = Numeric()
    currency = models.CharField(max_length=3, null=True, blank=True)
    state = models.CharField(max_length=30, default="open", choices=_choices(ORDER_STATES),
                             editable=False)
    amount_paid = Numeric(default=0, editable=False)
    amount_refunded = Numeric(default=0, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = DbDefault()
    updated_at = DbDefault()

    db_owned = ("state", "amount_paid", "amount_refunded", "paid_at", "created_at", "updated_at")
    reread = db_owned + ("currency",)

    class Meta:
        managed = False
        db_table = "webhook_orders"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.ref


class Payment(ExtensionModel):
    """webhook_payments: a payment the shop started; events move its state."""

    id = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(Provider, on_delete=models.DO_NOTHING, db_column="provider",
                                 to_field="name", related_name="payments")
    reference = models.CharField(max_length=255, null=True, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    order = models.ForeignKey(Order, on_delete=models.DO_NOTHING, db_column="order_ref",
                              to_field="ref", null=True, blank=True, related_name="payments")
    amount = Numeric(null=True, blank=True)
    currency = models.CharField(max_length=3, null=True, blank=True)
    state = models.CharField(max_length=30, default="pending", choices=_choices(PAYMENT_STATES))
    amount_captured = Numeric(default=0, editable=False)
    amount_refunded = Numeric(default=0, editable=False)
    refunded_reported = Numeric(default=0, editable=False)
    state_changed_at = DbDefault()
    created_at = DbDefault()
    updated_at = DbDefault()

    db_owned = ("amount_captured", "amount_refunded", "refunded_reported",
                "state_changed_at", "created_at", "updated_at")
    reread = db_owned + ("state", "currency")

    class Meta:
        managed = False
        db_table = "webhook_payments"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.reference or self.external_id or str(self.pk)

    def refresh_after_save(self) -> None:
        """Read back state and amounts, and the order they move."""
        super().refresh_after_save()
        if self.order_id is not None and Payment.order.is_cached(self):
            self.order.refresh_from_db()


class Event(models.Model):
    """webhook_events: one provider event, stored once (read-only)."""

    id = models.BigAutoField(primary_key=True)
    provider = models.CharField(max_length=100)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=255, null=True)
    action = models.CharField(max_length=20, null=True)
    object_id = models.CharField(max_length=255, null=True)
    reference = models.CharField(max_length=255, null=True)
    payment = models.ForeignKey(Payment, on_delete=models.DO_NOTHING, null=True,
                                db_constraint=False, related_name="events")
    amount = Numeric(null=True)
    amount_minor = models.BigIntegerField(null=True)
    currency = models.CharField(max_length=3, null=True)
    refund_id = models.CharField(max_length=255, null=True)
    cumulative = models.BooleanField(default=False)
    partial = models.BooleanField(default=False)
    occurred_at = models.DateTimeField(null=True)
    received_at = models.DateTimeField()
    payload = models.JSONField(null=True)
    status = models.CharField(max_length=20, null=True)
    detail = models.TextField(null=True)
    processed_at = models.DateTimeField(null=True)
    deliveries = models.IntegerField(default=1)

    class Meta:
        managed = False
        db_table = "webhook_events"
        ordering = ["-id"]

    def __str__(self) -> str:
        return "%s %s" % (self.provider, self.event_id)


class Delivery(models.Model):
    """webhook_deliveries: one call of webhook_ingest, accepted or not (read-only)."""

    id = models.BigAutoField(primary_key=True)
    provider = models.CharField(max_length=100, null=True)
    received_at = models.DateTimeField()
    http_status = models.IntegerField()
    outcome = models.CharField(max_length=40)
    detail = models.TextField(null=True)
    event_id = models.CharField(max_length=255, null=True)
    event_pk = models.BigIntegerField(null=True)
    secret_id = models.BigIntegerField(null=True)
    path = models.TextField(null=True)
    headers = models.JSONField(null=True)
    body_sha256 = models.BinaryField(null=True)
    body_size = models.IntegerField(null=True)
    body = models.BinaryField(null=True)
    redelivery_of = models.BigIntegerField(null=True)

    class Meta:
        managed = False
        db_table = "webhook_deliveries"
        ordering = ["-id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return "delivery %s" % self.pk


class Refund(models.Model):
    """webhook_refunds: each provider refund once (read-only)."""

    id = models.BigAutoField(primary_key=True)
    payment = models.ForeignKey(Payment, on_delete=models.DO_NOTHING, related_name="refunds")
    provider = models.CharField(max_length=100)
    refund_id = models.CharField(max_length=255)
    amount = Numeric(null=True)
    currency = models.CharField(max_length=3, null=True)
    status = models.CharField(max_length=40, null=True)
    event_pk = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "webhook_refunds"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.refund_id


class Subscription(models.Model):
    """webhook_subscriptions: an outbox consumer and its topics."""

    consumer = models.CharField(primary_key=True, max_length=255)
    topics = ArrayField(models.TextField())
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "webhook_subscriptions"
        ordering = ["consumer"]

    def __str__(self) -> str:
        return self.consumer


class OutboxMessage(models.Model):
    """webhook_outbox: one change for one consumer (read-only; written by the triggers)."""

    id = models.BigAutoField(primary_key=True)
    consumer = models.CharField(max_length=255)
    topic = models.CharField(max_length=100)
    payload = models.JSONField()
    payment_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=10, choices=_choices(OUTBOX_STATUSES))
    attempts = models.IntegerField()
    available_at = models.DateTimeField(null=True)
    leased_until = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True)
    last_error = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "webhook_outbox"
        ordering = ["-id"]

    def __str__(self) -> str:
        return "%s #%s" % (self.topic, self.pk)

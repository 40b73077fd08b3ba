"""Admin for the extension's tables: payments and orders editable, the rest read-only.

What the database refuses on save (a state change the state machine
forbids, a check constraint) shows as a form error: the form saves in a
savepoint while it validates, so the refusal is rolled back alone and the
admin's transaction goes on.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List, Sequence, Tuple

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connections, transaction
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

import pgwebhook
from pgwebhook import _driver

from . import filters
from .models import (OUTBOX_STATUSES, Delivery, Event, Order, OutboxMessage, Payment, Provider,
                     Refund, Subscription)

STATS_VIEWS = ("webhook_stats", "webhook_parked_events", "webhook_outbox_lag")


# -- saving through the database's rules -------------------------------------

class DatabaseCheckedForm(forms.ModelForm):
    """An admin ModelForm that saves while it validates: a refusal of the database is a form error.

    For the admin only (DatabaseCheckedAdmin skips its own save): is_valid() writes the row.
    """

    error_fields: dict = {}     # SQLSTATE -> the field its refusal is shown on

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            self.instance.save()
        except pgwebhook.Error as exc:
            field = self.error_fields.get(exc.sqlstate)
            self.add_error(field if field in self.fields else None, exc.message)
        except DatabaseError as exc:
            self.add_error(None, _driver.primary_message(exc))
        else:
            self.instance._pgwebhook_saved = True


class PaymentAdminForm(DatabaseCheckedForm):
    error_fields = {"WH001": "state"}

    class Meta:
        model = Payment
        fields = ["provider", "reference", "external_id", "order", "amount", "currency", "state"]


class OrderAdminForm(DatabaseCheckedForm):
    class Meta:
        model = Order
        fields = ["ref", "total", "currency"]


class ProviderAdminForm(DatabaseCheckedForm):
    error_fields = {"WH002": "config"}

    class Meta:
        model = Provider
        fields = ["name", "scheme", "config", "tolerance_seconds", "enabled"]


class DatabaseCheckedAdmin(admin.ModelAdmin):
    """ModelAdmin whose form has saved already (see DatabaseCheckedForm)."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if not getattr(obj, "_pgwebhook_saved", False):
            obj.save()


class ReadOnlyAdmin(admin.ModelAdmin):
    """ModelAdmin that shows rows and never adds, changes or deletes them (big tables welcome)."""

    paginator = filters.EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_run_permission(self, request: Any) -> bool:
        """Return whether the user may run the model's actions: the model's change permission."""
        opts = self.model._meta
        return request.user.has_perm("%s.change_%s" % (opts.app_label, opts.model_name))


def pretty_json(value: Any) -> str:
    """Return value as indented JSON in a <pre> block."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html("<pre style=\"white-space: pre-wrap\">{}</pre>", text)


# -- calling one SQL function per selected row --------------------------------

def call_each(modeladmin: admin.ModelAdmin, request: Any, alias: str, sql: str,
              ids: Sequence[int], label: str) -> List[Tuple[int, Any]]:
    """Run sql for each id in a savepoint; report each result or error to the user."""
    results = []
    for pk in ids:
        try:
            with transaction.atomic(using=alias):
                with connections[alias].cursor() as cur:
                    cur.execute(sql, [pk])
                    value = _driver.load_json(cur.fetchone()[0])
        except DatabaseError as exc:
            modeladmin.message_user(request, "%s %s: %s" % (label, pk, _driver.primary_message(exc)),
                                    messages.ERROR)
            continue
        results.append((pk, value))
        text = _summary(value)
        modeladmin.message_user(request, "%s %s: %s" % (label, pk, text), messages.SUCCESS)
    return results


def _summary(value: Any) -> str:
    """Return the words of a reply worth showing: its outcome or event status."""
    if isinstance(value, dict):
        return value.get("outcome") or value.get("event_status") or json.dumps(value, sort_keys=True)
    if isinstance(value, bool):
        return "done" if value else "nothing to do"
    return str(value)


@admin.action(description="Reprocess (apply a parked, held or failed event again)",
              permissions=["run"])
def reprocess(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> None:
    call_each(modeladmin, request, queryset.db, "SELECT webhook_reprocess(%s::bigint)",
              list(queryset.values_list("pk", flat=True)), "Event")


@admin.action(description="Redeliver (run a refused delivery again)", permissions=["run"])
def redeliver(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> None:
    call_each(modeladmin, request, queryset.db, "SELECT webhook_redeliver(%s::bigint)",
              list(queryset.values_list("pk", flat=True)), "Delivery")


@admin.action(description="Retry (make a dead message ready again)", permissions=["run"])
def retry(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> None:
    dead = list(queryset.filter(status="dead").values_list("pk", flat=True))
    skipped = queryset.exclude(status="dead").count()
    if skipped:
        modeladmin.message_user(request, "%d message(s) not dead, left alone" % skipped,
                                messages.WARNING)
    call_each(modeladmin, request, queryset.db, "SELECT webhook_outbox_retry(%s::bigint)",
              dead, "Message")


# -- the stats page ------------------------------------------------------------

def read_view(alias: str, name: str, limit: int = 200) -> dict:
    """Return {"name", "columns", "rows"} of one view, or {"name", "error"} if it cannot be read."""
    try:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cur:
                cur.execute('SELECT * FROM %s LIMIT %d' % (name, limit))
                columns = [c[0] for c in cur.description]
                rows = [[_cell(v) for v in row] for row in cur.fetchall()]
    except DatabaseError as exc:
        return {"name": name, "error": _driver.primary_message(exc)}
    return {"name": name, "columns": columns, "rows": rows}


def _cell(value: Any) -> Any:
    """Return a view's value ready for the template (JSON as compact text)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return "" if value is None else value


def stats_view(model_admin: admin.ModelAdmin) -> Callable:
    """Return the admin view that shows webhook_stats, webhook_parked_events and webhook_outbox_lag."""
    def view(request: Any) -> TemplateResponse:
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        alias = model_admin.get_queryset(request).db
        context = {
            **model_admin.admin_site.each_context(request),
            "title": "Webhook statistics",
            "opts": model_admin.model._meta,
            "tables": [read_view(alias, name) for name in STATS_VIEWS],
        }
        return TemplateResponse(request, "pgwebhook/admin/stats.html", context)
    return view


# -- the model admins ------------------------------------------------------------

@admin.register(Provider)
class ProviderAdmin(DatabaseCheckedAdmin):
    form = ProviderAdminForm
    list_display = ("name", "scheme", "enabled", "tolerance_seconds", "created_at")
    list_filter = ("scheme", "enabled")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Sequence[str]:
        return ("name", "scheme", "created_at") if obj else ("created_at",)


@admin.register(Order)
class OrderAdmin(DatabaseCheckedAdmin):
    form = OrderAdminForm
    list_display = ("ref", "state", "total", "currency", "amount_paid", "amount_refunded", "paid_at")
    list_filter = ("state", "currency")
    search_fields = ("ref",)
    readonly_fields = ("state", "amount_paid", "amount_refunded", "paid_at", "created_at", "updated_at")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Sequence[str]:
        return ("ref",) + self.readonly_fields if obj else self.readonly_fields


@admin.register(Payment)
class PaymentAdmin(DatabaseCheckedAdmin):
    form = PaymentAdminForm
    list_display = ("id", "provider", "reference", "external_id", "order", "state", "amount",
                    "currency", "amount_captured", "amount_refunded", "state_changed_at")
    list_filter = ("provider", "state", "currency")
    search_fields = ("reference", "external_id", "order__ref")
    readonly_fields = ("amount_captured", "amount_refunded", "refunded_reported",
                       "state_changed_at", "created_at", "updated_at")
    raw_id_fields = ("order",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "event_id", "event_type", "action", "status", "reference",
                    "amount", "currency", "received_at")
    list_filter = (filters.table_filter("provider", "provider", "Provider", "name"),
                   filters.choice_filter("status", "status", filters.EVENT_STATUSES),
                   filters.choice_filter("action", "action", filters.ACTIONS))
    search_fields = ("event_id", "reference", "object_id")
    date_hierarchy = "received_at"
    actions = [reprocess]
    exclude = ("payload",)
    readonly_fields = ("payload_pretty",)

    @admin.display(description="payload")
    def payload_pretty(self, obj: Event) -> str:
        return pretty_json(obj.payload)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "received_at", "provider", "kind", "http_status", "outcome", "detail", "event_id",
                    "event_count")
    list_filter = (filters.table_filter("provider", "provider", "Provider", "name"),
                   filters.choice_filter("outcome", "outcome", filters.OUTCOMES),
                   filters.choice_filter("http_status", "HTTP status", filters.HTTP_STATUSES))
    search_fields = ("event_id", "detail")
    date_hierarchy = "received_at"
    actions = [redeliver]
    exclude = ("headers", "body", "body_sha256")
    readonly_fields = ("headers_pretty", "body_text", "body_hash")

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(stats_view(self))
        return [path("stats/", view, name="pgwebhook_stats")] + super().get_urls()

    @admin.display(description="headers")
    def headers_pretty(self, obj: Delivery) -> str:
        return pretty_json(obj.headers)

    @admin.display(description="body (kept for refusals)")
    def body_text(self, obj: Delivery) -> str:
        if obj.body is None:
            return "-"
        return format_html("<pre style=\"white-space: pre-wrap\">{}</pre>",
                           bytes(obj.body)[:65536].decode("utf-8", "replace"))

    @admin.display(description="body SHA-256")
    def body_hash(self, obj: Delivery) -> str:
        return bytes(obj.body_sha256).hex() if obj.body_sha256 is not None else "-"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "refund_id", "payment", "amount", "currency", "status", "created_at")
    list_filter = ("provider", "status")
    search_fields = ("refund_id",)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("consumer", "topics", "created_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "consumer", "topic", "status", "attempts", "created_at", "done_at", "last_error")
    list_filter = (filters.table_filter("consumer", "consumer", "Subscription", "consumer"),
                   filters.choice_filter("status", "status", OUTBOX_STATUSES),
                   filters.TopicFamilyFilter)
    date_hierarchy = "created_at"
    actions = [retry]
    exclude = ("payload",)
    readonly_fields = ("payload_pretty",)

    @admin.display(description="payload")
    def payload_pretty(self, obj: OutboxMessage) -> str:
        return pretty_json(obj.payload)

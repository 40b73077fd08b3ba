"""Admin list filters and a paginator that stay cheap on tables of millions of rows.

Django's default filters on a plain column run SELECT DISTINCT over the
whole table on every page view; these take their choices from the small
tables (providers, subscriptions) or from the extension's fixed vocabulary.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Tuple

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

OUTCOMES = ["applied", "unchanged", "superseded", "ignored", "unmatched", "held", "duplicate",
            "failed", "missing_header", "malformed_header", "malformed_body", "invalid_signature",
            "stale_timestamp", "unknown_provider", "body_too_large", "unknown_certificate"]
EVENT_STATUSES = ["applied", "unchanged", "superseded", "ignored", "unmatched", "held", "failed",
                  "fetch"]
ACTIONS = ["pending", "authorize", "capture", "fail", "cancel", "refund", "ignore"]
HTTP_STATUSES = [200, 400, 401, 404, 413, 500, 503]
TOPIC_FAMILIES = ["payment", "order", "event", "fetch"]
ESTIMATE_ABOVE = 100000


def choice_filter(field: str, title: str, values: Iterable[Any]) -> type:
    """Return a list filter on field offering the fixed values."""
    choices = [(str(v), str(v).replace("_", " ")) for v in values]

    class ChoiceFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: Any, model_admin: Any) -> List[Tuple[str, str]]:
            return choices

        def queryset(self, request: Any, queryset: Any) -> Any:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    ChoiceFilter.title = title
    return ChoiceFilter


def table_filter(field: str, title: str, model_name: str, column: str) -> type:
    """Return a list filter on field offering the values of column in another (small) model."""

    class TableFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: Any, model_admin: Any) -> List[Tuple[str, str]]:
            from django.apps import apps
            model = apps.get_model("pgwebhook", model_name)
            names = model.objects.using(model_admin.get_queryset(request).db).values_list(column, flat=True)
            return [(n, n) for n in names.order_by(column)]

        def queryset(self, request: Any, queryset: Any) -> Any:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    TableFilter.title = title
    return TableFilter


class TopicFamilyFilter(admin.SimpleListFilter):
    """Filter outbox messages by the first word of their topic."""

    title = "topic"
    parameter_name = "topic_family"

    def lookups(self, request: Any, model_admin: Any) -> List[Tuple[str, str]]:
        return [(f, f + ".*") for f in TOPIC_FAMILIES]

    def queryset(self, request: Any, queryset: Any) -> Any:
        return queryset.filter(topic__startswith=self.value() + ".") if self.value() else queryset


class EstimatedCountPaginator(Paginator):
    """A paginator that counts an unfiltered big table from the planner's estimate."""

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and not query.where:
            with connections[qs.db].cursor() as cur:
                cur.execute("SELECT reltuples::bigint FROM pg_catalog.pg_class WHERE oid = to_regclass(%s)",
                            [qs.model._meta.db_table])
                row = cur.fetchone()
            if row and row[0] and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        return super().count

"""The PGWEBHOOK setting, with its defaults."""

from __future__ import annotations

from typing import AbstractSet, Any, Optional

from django.conf import settings

DEFAULTS = {
    "DATABASE": "default",      # alias whose role holds EXECUTE on webhook_ingest
    "PROVIDERS": None,          # allow-list of provider names; None: any enabled provider
}

MAX_PROVIDER_LENGTH = 100       # with PROVIDERS None, longer names answer 404 unseen


def get(key: str) -> Any:
    """Return PGWEBHOOK[key], or its default."""
    return {**DEFAULTS, **getattr(settings, "PGWEBHOOK", {})}[key]


def database() -> str:
    """Return the database alias the view (and, by default, the worker) uses."""
    return get("DATABASE")


def providers() -> Optional[AbstractSet[str]]:
    """Return the provider allow-list, or None for any."""
    value = get("PROVIDERS")
    return None if value is None else frozenset(value)

"""pgwebhook.django: the webhook extension in a Django project.

Add "pgwebhook.django" to INSTALLED_APPS, route
`path("hooks/", include("pgwebhook.django.urls"))`, and register outbox
handlers in an app's `webhooks` module with `@pgwebhook.django.on(topic)`.
Settings (all optional): PGWEBHOOK = {"DATABASE": "default", "PROVIDERS": None}.
"""

from .handlers import on, on_fetch

__all__ = ["on", "on_fetch"]

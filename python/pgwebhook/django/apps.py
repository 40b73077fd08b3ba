"""The Django app: discovers each installed app's `webhooks` module at startup."""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PgwebhookConfig(AppConfig):
    """App config of pgwebhook.django (label "pgwebhook")."""

    name = "pgwebhook.django"
    label = "pgwebhook"
    verbose_name = "Payment webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Import every installed app's webhooks module, so that its @on handlers register."""
        autodiscover_modules("webhooks")

from django.apps import AppConfig


class ConventionalConfig(AppConfig):
    name = "conventional"
    default_auto_field = "django.db.models.BigAutoField"

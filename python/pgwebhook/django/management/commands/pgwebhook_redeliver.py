"""manage.py pgwebhook_redeliver DELIVERY_ID...: webhook_redeliver() for each delivery."""

from django.core.management.base import BaseCommand

from ._sql import add_database, each_jsonb


class Command(BaseCommand):
    help = ("Run refused deliveries again from their stored bodies (webhook_redeliver); "
            "prints one JSON reply per delivery.")

    def add_arguments(self, parser):
        parser.add_argument("delivery_id", nargs="+", type=int, help="webhook_deliveries.id")
        add_database(parser)

    def handle(self, *args, **options):
        each_jsonb(self, options["database"], "SELECT webhook_redeliver(%s::bigint)",
                   options["delivery_id"])

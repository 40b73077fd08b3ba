"""manage.py pgwebhook_reprocess EVENT_PK...: webhook_reprocess() for each event."""

from django.core.management.base import BaseCommand

from ._sql import add_database, each_jsonb


class Command(BaseCommand):
    help = "Apply parked, held or failed events again (webhook_reprocess); prints one JSON reply per event."

    def add_arguments(self, parser):
        parser.add_argument("event_pk", nargs="+", type=int, help="webhook_events.id")
        add_database(parser)

    def handle(self, *args, **options):
        each_jsonb(self, options["database"], "SELECT webhook_reprocess(%s::bigint)",
                   options["event_pk"])

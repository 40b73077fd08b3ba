"""manage.py pgwebhook_purge --older-than '30 days': webhook_purge()."""

from django.core.management.base import BaseCommand

from ._sql import add_database, call


class Command(BaseCommand):
    help = "Drop old delivery bodies, payloads and done outbox messages (webhook_purge); prints the count."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, metavar="INTERVAL",
                            help="a PostgreSQL interval, such as '30 days'")
        add_database(parser)

    def handle(self, *args, **options):
        count = call(options["database"], "SELECT webhook_purge(%s::interval)",
                     [options["older_than"]])
        self.stdout.write("purged %d" % count)

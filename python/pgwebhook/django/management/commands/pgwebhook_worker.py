"""manage.py pgwebhook_worker --consumer NAME: run the @on handlers over the outbox."""

import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from pgwebhook.django import conf, handlers
from pgwebhook.django.worker import DjangoWorker


class Command(BaseCommand):
    help = ("Follow the outbox as CONSUMER: each message's handlers run in transaction.atomic() "
            "with its ack. Subscribes to --topics, by default the registered handlers' patterns.")

    def add_arguments(self, parser):
        parser.add_argument("--consumer", required=True)
        parser.add_argument("--topics", nargs="+", default=[],
                            help="topic patterns to subscribe to (default: the handlers')")
        parser.add_argument("--once", action="store_true", help="claim and handle one batch, then exit")
        parser.add_argument("--batch", type=int, default=100)
        parser.add_argument("--lease", default="5 minutes")
        parser.add_argument("--poll", type=float, default=1.0)
        parser.add_argument("--retry-in", default=None, metavar="INTERVAL",
                            help="delay before a failed message is retried "
                                 "(default: the extension's backoff)")
        parser.add_argument("--no-listen", action="store_true",
                            help="only poll, never LISTEN (behind a pooler in transaction mode)")
        parser.add_argument("--database", default=None,
                            help="database alias (default PGWEBHOOK['DATABASE'])")

    def handle(self, *args, **options):
        if not handlers.patterns():
            raise CommandError("no handlers registered: decorate functions in an app's "
                               "webhooks module with @pgwebhook.django.on(topic)")
        _log_to(self.stderr, options["verbosity"])
        worker = DjangoWorker(options["consumer"], options["topics"],
                              alias=options["database"] or conf.database(),
                              retry_in=options["retry_in"], listen=not options["no_listen"])
        if options["once"]:
            count = worker.run_once(batch=options["batch"], lease=options["lease"])
            self.stdout.write("handled %d" % count)
            worker.close()
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: worker.stop())
        self.stdout.write("pgwebhook worker %s: topics %s" % (worker.consumer, " ".join(worker.topics)))
        self.stdout.flush()         # seen at once when stdout is a pipe
        worker.run(batch=options["batch"], lease=options["lease"], poll=options["poll"])


def _log_to(stream, verbosity):
    """Send pgwebhook's log to stream, unless the project's LOGGING already handles it."""
    logger = logging.getLogger("pgwebhook")
    if logging.getLogger().handlers or any(not isinstance(h, logging.NullHandler) for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity > 1 else logging.WARNING)

"""Django for the tests: the project in djproject/, its database made once per run.

ensure() creates pyunit_django (the extension, the roles' grants, providers,
Django's own tables and the shop's) and a superuser; teardown() drops it.
"""

import os

import harness

DB = "pyunit_django"
os.environ["PYUNIT_DJANGO_DB"] = DB
os.environ["DJANGO_SETTINGS_MODULE"] = "djproject.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
_ready = False


def ensure():
    """Make the database ready (once per run); return its name."""
    global _ready
    if _ready:
        return DB
    connections.close_all()
    harness.create_database("django")
    harness.add_stripe(DB)
    harness.add_stripe(DB, "held", config='{"on_mismatch": "hold"}')
    call_command("migrate", run_syncdb=True, verbosity=0, database="default")
    seq = harness.one(DB, "SELECT pg_get_serial_sequence('shop_fulfilment', 'id')")
    harness.admin_sql("GRANT SELECT, INSERT ON shop_fulfilment TO %s; GRANT USAGE ON SEQUENCE %s TO %s"
                      % (harness.WORKER_ROLE, seq, harness.WORKER_ROLE), dbname=DB)
    get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    _ready = True
    return DB


def teardown():
    """Close Django's connections and drop the database."""
    global _ready
    if _ready:
        connections.close_all()
        harness.drop_database(DB)
        _ready = False

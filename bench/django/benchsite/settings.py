"""Settings of the Django benchmark site: one project, two sides.

BENCH_SIDE=package serves pgwebhook.django's view on a database with the
extension; BENCH_SIDE=conventional serves bench/django/conventional's
handler (signature checked in Python, ORM models of its own) on a database
without it; BENCH_SIDE=floor serves a view that reads the body and answers
{"outcome": "applied"} without touching the database (what HTTP, gunicorn
and Django cost by themselves).  Everything else is the same for both: a production-like
configuration (DEBUG off, persistent connections, the usual middleware
minus sessions and auth, which neither endpoint uses).

Environment: BENCH_SIDE, BENCH_DB (database), BENCH_DB_USER (role),
PGHOST, PGPORT (the cluster of scripts/env.sh), BENCH_STRIPE_SECRET.
"""
import os

SIDE = os.environ.get("BENCH_SIDE", "package")
if SIDE not in ("package", "conventional", "floor"):
    raise RuntimeError("BENCH_SIDE must be package, conventional or floor")

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = {"package": ["pgwebhook.django"], "conventional": ["conventional"], "floor": []}[SIDE]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "benchsite.urls"
WSGI_APPLICATION = "benchsite.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("BENCH_DB", "django_bench_" + SIDE),
        "USER": os.environ.get("BENCH_DB_USER", "postgres"),
        "HOST": os.environ.get("PGHOST", ""),
        "PORT": os.environ.get("PGPORT", ""),
        "CONN_MAX_AGE": None,           # one connection per worker, kept
    }
}

PGWEBHOOK = {"DATABASE": "default", "PROVIDERS": ["stripe"]}
STRIPE_WEBHOOK_SECRET = os.environ.get("BENCH_STRIPE_SECRET", "")
STRIPE_TOLERANCE = 300

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

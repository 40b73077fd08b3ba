"""Settings of the end-to-end tests' site, read from E2E_* variables
(test/python/e2e/harness.py sets them).

Two aliases: "default" (E2E_DEFAULT_ROLE: e2e_admin for the site and the
admin, e2e_worker for the outbox worker) and "ingest" (e2e_ingest, whose
role holds only EXECUTE on webhook_ingest), the one PGWEBHOOK names.
E2E_POOLER=1: the aliases go through pgbouncer in transaction mode.
"""
import os

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "e2e-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pgwebhook.django",
    "shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "e2esite.urls"
WSGI_APPLICATION = "e2esite.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
STATIC_URL = "/static/"
# collectstatic fills it (harness.setup_django); e2esite.urls serves it, so
# that the admin's screenshots have their styles
STATIC_ROOT = os.environ.get("E2E_STATIC_ROOT", os.path.join(BASE_DIR, "static"))
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

POOLER = os.environ.get("E2E_POOLER") == "1"


def _db(user):
    db = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("E2E_DBNAME", "e2e_webhook"),
        "USER": user,
        "HOST": os.environ.get("E2E_DBHOST", ""),
        "PORT": os.environ.get("E2E_DBPORT", "54329"),
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"application_name": "e2e-" + user},
    }
    if POOLER:
        # transaction pooling: no session state, no server-side cursors
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
    return db


DATABASES = {
    "default": _db(os.environ.get("E2E_DEFAULT_ROLE", "e2e_admin")),
    "ingest": _db("e2e_ingest"),
}

PGWEBHOOK = {
    "DATABASE": os.environ.get("E2E_PGWEBHOOK_DATABASE", "ingest"),
    # "outsider" is a registered, enabled provider this site does not serve;
    # "ghost" is served but registered nowhere
    "PROVIDERS": ["stripe", "ghost"],
}

# A test-only door into the admin for headless Chromium: /e2e/login/?token=...
E2E_LOGIN_TOKEN = os.environ.get("E2E_LOGIN_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

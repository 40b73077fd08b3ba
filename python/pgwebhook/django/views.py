"""The webhook endpoint: POST hooks/<provider>/ handed to webhook_ingest."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

import pgwebhook

from . import conf

# The WSGI names Django's request.headers leaves out; passed under their HTTP spelling.
_UNPREFIXED = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _outcome(status: int, outcome: str) -> JsonResponse:
    """Return the JSON answer {"outcome": outcome} with status."""
    return JsonResponse({"outcome": outcome}, status=status)


def _provider_allowed(provider: str) -> bool:
    """Return True when provider may reach the database (allow-list, length, no NUL)."""
    allowed = conf.providers()
    if allowed is not None:
        return provider in allowed
    return 0 < len(provider) <= conf.MAX_PROVIDER_LENGTH and "\x00" not in provider


def _headers(request: HttpRequest) -> dict:
    """Return the request's headers as received (names as Django spells them)."""
    headers = dict(request.headers.items())
    for meta, name in _UNPREFIXED.items():
        if meta in request.META and name not in headers:
            headers[name] = request.META[meta]
    return headers


def _answer(reply: dict) -> HttpResponse:
    """Return the HTTP answer for an ingest reply: its fixed body if it has one, else the outcome."""
    status = int(reply.get("http_status") or 500)
    if reply.get("response_body") is not None:
        return HttpResponse(reply["response_body"], status=status,
                            content_type=reply.get("content_type") or "text/plain")
    return _outcome(status, reply.get("outcome", "error"))


@csrf_exempt
def ingest(request: HttpRequest, provider: str) -> HttpResponse:
    """Answer a provider's webhook delivery with what webhook_ingest replies.

    Only POST is served (405 otherwise) and only allowed providers (404
    otherwise; with PROVIDERS None a name over 100 characters or holding NUL
    is 404); neither records anything.  The raw body, the headers and the
    full path are passed as received, except that NUL characters are
    stripped from header names and values (jsonb cannot hold them): the
    delivery is recorded and judged without them.  A body over Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 {"outcome": "body_too_large"}
    and records nothing (the extension's own webhook.max_body_bytes limit
    answers 413 too, and records the delivery).  The call goes through the
    alias's driver connection, inside transaction.atomic(): psycopg 3 binds
    the parameters on the server; driver errors surface as Django's.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not _provider_allowed(provider):
        return _outcome(404, "unknown_provider")
    try:
        body = request.body
    except RequestDataTooBig:
        return _outcome(413, "body_too_large")
    alias = conf.database()
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.wrap_database_errors:
        reply = pgwebhook.ingest(connection, provider, _headers(request),
                                 body, request.get_full_path())
    return _answer(reply)

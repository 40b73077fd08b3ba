"""The controller's side of webhook_payments, without Odoo.

One call of webhook_ingest over any DB-API cursor (Odoo's ``request.env.cr``
in the addon, a psycopg2 cursor in the tests), and the HTTP answer the reply
asks for.  Nothing here imports Odoo, so the SQL and the answer are tested
against the real extension without an Odoo server.

The request is passed as received: the raw body bytes (providers sign the
bytes they sent, never a re-encoded JSON object), every header, and the path
and query as they appeared on the request line (Vipps signs them).
"""

import json
import threading
from urllib.parse import quote

INGEST_SQL = "SELECT {schema}webhook_ingest(%s, %s::jsonb, %s::bytea, %s)"


def qualify(schema):
    """The schema prefix for the extension's functions: '' for the search_path,
    else the quoted schema name and a dot."""
    if not schema:
        return ""
    return '"' + schema.replace('"', '""') + '".'


def headers_of(headers):
    """A plain dict of the request's headers (werkzeug's Headers, a dict, or
    a list of pairs).  A header sent twice keeps its last value; the WSGI
    server has usually joined repeated headers already."""
    items = headers.items() if hasattr(headers, "items") else headers
    return {str(k): str(v) for k, v in items}


def path_of(environ):
    """The request's path and query as sent by the client.

    Werkzeug's ``full_path`` appends a '?' even when there is no query, and
    ``path`` is percent-decoded; both break a signature over the path.  The
    request line itself is in RAW_URI (gunicorn, werkzeug) or REQUEST_URI
    (werkzeug); else it is rebuilt from SCRIPT_NAME, PATH_INFO and
    QUERY_STRING.  A provider whose config has ``public_url`` ignores this.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        if "://" in raw.split("?", 1)[0]:     # an absolute URI (a proxy's request line)
            rest = raw.split("://", 1)[1]
            raw = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return raw
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    try:        # PEP 3333: PATH_INFO is bytes decoded as latin-1
        path = path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    query = environ.get("QUERY_STRING", "")
    return quote(path, safe="/;=,@:!$&'()*+~") + ("?" + query if query else "")


def body_of(httprequest):
    """The raw body of a werkzeug request.

    Odoo parses a form-encoded body (``application/x-www-form-urlencoded``,
    such as Mollie's classic ``id=tr_...`` post) into the route's keyword
    arguments before the controller runs, and werkzeug keeps no copy of the
    bytes it parsed: ``get_data()`` is then empty.  The form is encoded
    again in its order, which gives back the bytes of a plain form (one
    that was percent-encoded the usual way); a signed form body with
    unusual encoding would not verify.
    """
    data = httprequest.get_data()
    if data:
        return data
    form = getattr(httprequest, "form", None)
    if form:
        from urllib.parse import urlencode
        pairs = form.items(multi=True) if hasattr(form, "getlist") else form.items()
        return urlencode(list(pairs)).encode("utf-8")
    return data


def ingest(cur, provider, headers, body, path=None, schema=None):
    """webhook_ingest(provider, headers, body, path) on the cursor; returns the
    reply as a dict.  Raises only for what the caller gets wrong (a NULL
    provider) or the database (a lost connection): everything a sender
    controls is an outcome in the reply."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    cur.execute(INGEST_SQL.format(schema=qualify(schema)),
                [provider, json.dumps(headers_of(headers)), bytes(body), path])
    reply = cur.fetchone()[0]
    if isinstance(reply, (str, bytes)):
        reply = json.loads(reply)
    return reply


def handle(pool, provider, httprequest, schema=None):
    """What the controller does with a werkzeug request: ingest it through
    ``pool`` (an IngestPool) as received; returns (reply, status, body,
    content type) of the answer."""
    reply = pool.ingest(provider, headers_of(httprequest.headers), body_of(httprequest),
                        path_of(httprequest.environ), schema=schema)
    return (reply,) + response_of(reply)


def response_of(reply):
    """(status, body bytes, content type) of the HTTP answer for a reply:
    its http_status, with ``{"outcome": ...}`` as JSON, or the fixed body a
    provider expects when the reply carries ``response_body`` (Adyen's
    ``[accepted]``) with its ``content_type``."""
    status = int(reply.get("http_status") or 500)
    if reply.get("response_body") is not None:
        body = reply["response_body"]
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return status, body, reply.get("content_type") or "text/plain; charset=utf-8"
    return status, json.dumps({"outcome": reply.get("outcome")}).encode("utf-8"), "application/json"


class IngestPool:
    """Connections for ingest, at READ COMMITTED, each call its own
    transaction, committed before the answer.

    Odoo runs every request's cursor at REPEATABLE READ.  There, two
    deliveries of one payment at once (Stripe sends ``charge.succeeded``
    and ``payment_intent.succeeded`` within milliseconds) make the second
    one fail to serialize: webhook_ingest stores it as ``failed`` and
    answers 500, and the provider delivers it again minutes later.  At
    READ COMMITTED the second waits for the first and is applied (or
    judged ``unchanged`` or ``superseded``) at once.

    ``connect()`` opens a psycopg2 connection (the ingest role's DSN, or
    Odoo's own connection settings); up to ``size`` idle ones are kept.
    """

    def __init__(self, connect, size=4):
        self._connect = connect
        self._size = size
        self._idle = []
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = self._connect()
        conn.set_session(isolation_level="READ COMMITTED", autocommit=False)
        return conn

    def _put(self, conn):
        with self._lock:
            if len(self._idle) < self._size and not conn.closed:
                self._idle.append(conn)
                return
        conn.close()

    def ingest(self, provider, headers, body, path=None, schema=None):
        """ingest() on a connection of the pool, committed.  A connection that
        turns out closed (the server restarted meanwhile) is replaced once;
        an SQL error (a caller's mistake) is raised after a rollback."""
        for attempt in (1, 2):
            conn = self._get()
            try:
                with conn.cursor() as cur:
                    reply = ingest(cur, provider, headers, body, path, schema)
                conn.commit()
            except Exception:
                if conn.closed:
                    if attempt == 1:
                        continue
                    raise
                conn.rollback()
                self._put(conn)
                raise
            self._put(conn)
            return reply

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

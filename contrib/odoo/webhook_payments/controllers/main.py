"""POST /hooks/<provider>: one call of webhook_ingest with the raw request.

The reply's http_status is the answer's status, with {"outcome": ...} as
JSON, or the fixed body a provider expects (``response_body`` and
``content_type`` in the reply).

The call runs on a connection of its own at READ COMMITTED (see
ingest.IngestPool: Odoo's request cursor is REPEATABLE READ, where two
deliveries of one payment at once fail to serialize), committed before
the answer.  It connects with ``webhook_ingest_dsn`` from the Odoo
configuration file when set (a role that holds only EXECUTE on
webhook_ingest, as the README's Security section grants), else with
Odoo's own database settings (Odoo's role then needs that EXECUTE).
"""

import logging
import threading

import psycopg2

from odoo import SUPERUSER_ID, http, sql_db
from odoo.http import request
from odoo.tools import config

from odoo.addons.webhook_payments import ingest

_logger = logging.getLogger(__name__)

_pools = {}
_pools_lock = threading.Lock()


def _pool(dbname):
    """The IngestPool of a database (one per database this server serves)."""
    with _pools_lock:
        pool = _pools.get(dbname)
        if pool is None:
            dsn = config.get('webhook_ingest_dsn')
            if dsn:
                connect = lambda: psycopg2.connect(dsn)        # noqa: E731
            else:
                info = sql_db.connection_info_for(dbname)[1]
                connect = lambda: psycopg2.connect(**info)     # noqa: E731
            pool = _pools[dbname] = ingest.IngestPool(connect)
        return pool


class WebhookController(http.Controller):

    @http.route('/hooks/<string:provider>', type='http', auth='none', methods=['POST'], csrf=False)
    def webhook_ingest(self, provider, **kwargs):
        schema = _param(request.env.cr, 'webhook_payments.schema')
        reply, status, body, content_type = ingest.handle(_pool(request.db), provider,
                                                          request.httprequest, schema=schema)
        if reply.get('outcome') == 'applied':
            _trigger_outbox_cron(request.env.cr)
        return request.make_response(body, headers=[('Content-Type', content_type)], status=status)


def _param(cr, key):
    """An ir.config_parameter read with plain SQL: auth='none' has no user."""
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [key])
    row = cr.fetchone()
    return row[0] if row and row[0] else None


def _trigger_outbox_cron(cr):
    """Ask Odoo to run the outbox cron now rather than at its next minute
    (the ingest is committed already; a failure here only delays it)."""
    try:
        with cr.savepoint(flush=False):
            env = request.env(user=SUPERUSER_ID)
            cron = env.ref('webhook_payments.cron_webhook_outbox', raise_if_not_found=False)
            if cron:
                cron._trigger()
    except Exception:   # the cron still runs every minute
        _logger.warning("could not trigger the webhook outbox cron", exc_info=True)

"""payment.transaction follows the webhook extension's outbox.

The cron ``_cron_webhook_outbox`` subscribes the consumer (default
``odoo``, ir.config_parameter ``webhook_payments.consumer``) to
``payment.*``, claims messages, and for each finds the transaction whose
``reference`` is the payload's ``payment.reference``, moves it with Odoo's
own state setter and post-processes it (Odoo 16 and 17 differ there; see
outbox.apply_to_transaction).  Each message's effect and its ack commit in
one transaction of Odoo's cursor; a message whose apply raises is rolled
back to its savepoint and nacked with the error, and comes back later.
"""

import logging

from odoo import api, models, release

from odoo.addons.webhook_payments import outbox

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    @api.model
    def _cron_webhook_outbox(self, batch=100, max_batches=10, lease='5 minutes'):
        """Apply up to ``max_batches`` claims of ``batch`` outbox messages,
        committing after each claim; returns the outbox.Stats."""
        params = self.env['ir.config_parameter'].sudo()
        consumer = params.get_param('webhook_payments.consumer') or 'odoo'
        schema = params.get_param('webhook_payments.schema') or None
        cr = self.env.cr
        stats = outbox.consume(
            cr, consumer, outbox.fetch_applier(cr, self._webhook_fetch, self._webhook_outbox_applier(),
                                               schema),
            topics=outbox.TOPICS,
            batch=batch, lease=lease, max_batches=max_batches,
            savepoint=lambda: cr.savepoint(),      # flushes the ORM, clears its cache on rollback
            commit=cr.commit, schema=schema)
        if stats.claimed:
            _logger.info("webhook outbox (%s): %s", consumer, stats)
        return stats

    @api.model
    def _webhook_fetch(self, provider, object_id, object_type):
        """The object a fetch.<provider> message names, from the provider's
        API with Odoo's own credentials: a Mollie payment through the Mollie
        provider's request helper (Odoo 16 and 17: _mollie_make_request).
        Override for other providers (a Stripe PaymentIntent, say)."""
        acquirer = self.env['payment.provider'].sudo().search([('code', '=', 'mollie')], limit=1)
        if provider.startswith('mollie') and acquirer and object_type == 'payment':
            return acquirer._mollie_make_request('/payments/%s' % object_id, method='GET')
        raise NotImplementedError("no fetch for %s %s of provider %s" % (object_type, object_id, provider))

    @api.model
    def _webhook_outbox_applier(self):
        """The apply callback: a message to its transaction (override to map
        references another way, or to act on other messages)."""
        def find(reference):
            return self.sudo().search([('reference', '=', reference)], limit=1)
        return outbox.transaction_applier(find, release.version_info[0])

# webhook_payments: payment webhooks received by the webhook PostgreSQL
# extension, and its outbox applied to Odoo's payment transactions.
{
    'name': 'Payment webhooks in PostgreSQL',
    'summary': 'Verify, store and apply payment webhooks inside the database '
               '(the webhook extension); follow its outbox on payment.transaction',
    # Odoo prefixes the series it runs (16.0 or 17.0): one addon for both.
    'version': '1.0.0',
    'category': 'Accounting/Payment Providers',
    'license': 'LGPL-3',
    'depends': ['payment'],
    'data': [
        'data/ir_cron.xml',
    ],
    'external_dependencies': {'python': ['psycopg2']},
    'installable': True,
    'application': False,
}

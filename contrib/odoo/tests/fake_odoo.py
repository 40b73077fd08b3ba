"""A stand-in for Odoo's payment.transaction, where Odoo itself would be.

It keeps the rules of Odoo's addons/payment/models/payment_transaction.py
that the consumer relies on (the allowed source state of each setter, a
setter that finds its target state already set or a wrong state changes
nothing, 17 resetting ``is_post_processed`` on a state change), and
writes what it does into ``odoo_payment_transaction`` through the
consumer's own cursor, as Odoo's ORM writes through its cursor.
``Transaction16`` has only Odoo 16's post-processing method and
``Transaction17`` only Odoo 17's, so calling the wrong one fails.
"""


class Provider:
    def __init__(self, support_manual_capture=True):
        self.support_manual_capture = support_manual_capture


class _Transaction:
    ALLOWED = {
        "pending": ("draft",),
        "authorized": ("draft", "pending"),
        "done": ("draft", "pending", "authorized", "error"),
        "cancel": ("draft", "pending", "authorized"),
        "error": ("draft", "pending", "authorized"),
    }
    RESETS_POST_PROCESSED = False

    def __init__(self, cur, reference, provider=None):
        self.cur = cur
        self.reference = reference
        self.provider_id = provider or Provider()
        self.calls = []

    @classmethod
    def create(cls, cur, reference, state="draft", provider=None):
        cur.execute("INSERT INTO odoo_payment_transaction (reference, state) VALUES (%s, %s)",
                    [reference, state])
        return cls(cur, reference, provider)

    @classmethod
    def find(cls, cur, reference, provider=None):
        cur.execute("SELECT 1 FROM odoo_payment_transaction WHERE reference = %s", [reference])
        return cls(cur, reference, provider) if cur.fetchone() else None

    def __iter__(self):         # a recordset of one
        yield self

    def _read(self, column):
        self.cur.execute("SELECT %s FROM odoo_payment_transaction WHERE reference = %%s" % column,
                         [self.reference])
        return self.cur.fetchone()[0]

    @property
    def state(self):
        return self._read("state")

    @property
    def state_message(self):
        return self._read("state_message")

    @property
    def is_post_processed(self):
        return self._read("is_post_processed")

    def _update_state(self, target, state_message):
        self.calls.append(target)
        if self.state not in self.ALLOWED[target]:
            return          # Odoo logs "tried to write ... with illegal value" (or same value)
        self.cur.execute("UPDATE odoo_payment_transaction SET state = %s, state_message = %s"
                         + (", is_post_processed = false" if self.RESETS_POST_PROCESSED else "")
                         + " WHERE reference = %s", [target, state_message, self.reference])

    def _set_pending(self, state_message=None, **kw):
        self._update_state("pending", state_message)

    def _set_authorized(self, state_message=None, **kw):
        if not self.provider_id.support_manual_capture:
            raise ValueError("Transaction authorization is not supported by the provider")
        self._update_state("authorized", state_message)

    def _set_done(self, state_message=None, **kw):
        self._update_state("done", state_message)

    def _set_canceled(self, state_message=None, **kw):
        self._update_state("cancel", state_message)

    def _set_error(self, state_message, **kw):
        self._update_state("error", state_message)

    def _mark_post_processed(self):
        self.calls.append("post_process")
        self.cur.execute("UPDATE odoo_payment_transaction SET is_post_processed = true,"
                         " post_processed = post_processed + 1 WHERE reference = %s", [self.reference])


class Transaction16(_Transaction):
    """Odoo 16: post-processing (_reconcile_after_done: the sale order
    confirmed, the account.payment created) is for 'done' transactions."""

    def _finalize_post_processing(self):
        self._mark_post_processed()


class Transaction17(_Transaction):
    """Odoo 17: _update_state resets is_post_processed; _post_process handles
    every state."""
    RESETS_POST_PROCESSED = True

    def _post_process(self):
        self._mark_post_processed()

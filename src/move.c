/*-------------------------------------------------------------------------
 *
 * move.c
 *	  The common case's move: an event's payment, and its order with it,
 *	  moved to the state the event's action names, as one statement would
 *	  (WEBHOOK_PLAN_PAYMENT_FAST) and by update.c's single-row update when
 *	  the tables allow it.  Ingest moves the payment so before it stores
 *	  the event (store.c); the events trigger tries it first (apply.c).
 *
 * The payments triggers fire for the statement's UPDATE: the move tells
 * them, and hears from them, through the move context (state.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "money.h"
#include "move.h"
#include "order.h"
#include "outbox.h"
#include "spi.h"
#include "state.h"
#include "update.h"

typedef struct PaymentChange
{
	const char *target;
	Datum		amount;
	bool		amount_null;
	const char *currency;
	bool		outbox;			/* a consumer subscribes: describe the move for it */
	/* set by change_payment when the state machine refuses the move */
	const char *judged;			/* "unchanged", "superseded" or NULL */
	char	   *state;			/* the payment's row then */
	char	   *old_state;		/* set by change_payment when it moves the payment */
	int64		id;
	char	   *reference;
	char	   *order_ref;
} PaymentChange;

/*
 * The payment moved to the target when the state machine allows it and,
 * for a capture of a payment that has captured nothing yet, amount and
 * currency agree: what WEBHOOK_PLAN_PAYMENT_FAST of spi.c says as a
 * statement.  It also does the guard's work for such a move (state.c: the
 * old state recorded, state_changed_at and updated_at), which lets update.c
 * leave the guard out when nothing else could change the row after it.
 * A move the state machine refuses is judged as the general path
 * (apply.c) would judge it (c->judged): the event changes nothing.
 */
static bool
change_payment(Datum *values, bool *nulls, const AttrNumber *col, void *arg)
{
	PaymentChange *c = arg;
	int			state = col[WEBHOOK_PAY_STATE] - 1;
	int			captured = col[WEBHOOK_PAY_AMOUNT_CAPTURED] - 1;
	int			amount = col[WEBHOOK_PAY_AMOUNT] - 1;
	int			currency = col[WEBHOOK_PAY_CURRENCY] - 1;
	int			changed_at = col[WEBHOOK_PAY_STATE_CHANGED_AT] - 1;
	int			updated_at = col[WEBHOOK_PAY_UPDATED_AT] - 1;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	char	   *old;

	c->judged = NULL;
	if (nulls[state])
		return false;
	old = TextDatumGetCString(values[state]);
	if (!WebhookTransitionAllowed(old, c->target))
	{
		int			reference = col[WEBHOOK_PAY_REFERENCE] - 1;
		int			order_ref = col[WEBHOOK_PAY_ORDER_REF] - 1;

		c->judged = strcmp(old, c->target) == 0 ? "unchanged" : "superseded";
		c->state = old;
		c->id = DatumGetInt64(values[col[WEBHOOK_PAY_ID] - 1]);
		c->reference = nulls[reference] ? NULL : TextDatumGetCString(values[reference]);
		c->order_ref = nulls[order_ref] ? NULL : TextDatumGetCString(values[order_ref]);
		return false;
	}
	if (strcmp(c->target, "captured") == 0)
	{
		if (nulls[captured] || WebhookNumCmp(values[captured], WebhookNumZero()) != 0)
			return false;
		if (c->currency != NULL && !nulls[currency] &&
			strcmp(TextDatumGetCString(values[currency]), c->currency) != 0)
			return false;
		if (!c->amount_null && !nulls[amount] && WebhookNumCmp(values[amount], c->amount) != 0)
			return false;
		values[captured] = !c->amount_null ? c->amount :
			!nulls[amount] ? values[amount] : WebhookNumZero();
	}
	values[state] = CStringGetTextDatum(c->target);
	c->old_state = old;
	WebhookGuardRecord(DatumGetInt64(values[col[WEBHOOK_PAY_ID] - 1]), old);
	if (strcmp(old, c->target) != 0)
	{
		values[changed_at] = TimestampTzGetDatum(now);
		nulls[changed_at] = false;
	}
	values[updated_at] = TimestampTzGetDatum(now);
	nulls[updated_at] = false;
	return true;
}

/* An order's state, read and left as it is (a WebhookRowChange) */
static bool
see_order_state(Datum *values, bool *nulls, const AttrNumber *col, void *arg)
{
	int			state = col[WEBHOOK_ORDER_STATE] - 1;

	*(char **) arg = nulls[state] ? NULL : TextDatumGetCString(values[state]);
	return false;
}

/*
 * A move change_payment refused because the event changes nothing: the
 * payment as change_payment saw it, and its order's state as a new
 * statement would read it (as the reply of the general path reads it),
 * into m, in cxt.
 */
static void
judged_payment(WebhookUpdate *u, const PaymentChange *c, MemoryContext cxt, WebhookMove *m)
{
	char	   *order_state = NULL;
	MemoryContext old;

	if (c->order_ref != NULL)
	{
		Datum		key[1];

		key[0] = CStringGetTextDatum(c->order_ref);
		(void) WebhookReadRow(u, WEBHOOK_UPDATE_ORDERS, key, see_order_state, &order_state);
	}
	old = MemoryContextSwitchTo(cxt);
	m->judged = c->judged;
	m->payment_id = c->id;
	m->payment_state = pstrdup(c->state);
	m->reference = c->reference ? pstrdup(c->reference) : NULL;
	m->order_ref = c->order_ref ? pstrdup(c->order_ref) : NULL;
	m->order_state = order_state ? pstrdup(order_state) : NULL;
	MemoryContextSwitchTo(old);
}

/*
 * The payment's move through the executor's single-row update: its new row
 * in m, what its order gains in *dpaid.
 */
static bool
move_payment_direct(WebhookUpdate *u, const char *provider, const char *external_id,
					PaymentChange *c, MemoryContext cxt, WebhookMove *m, Datum *dpaid)
{
	Datum		key[2];
	TupleTableSlot *slot;
	AttrNumber	id = WebhookUpdateColumn(u, WEBHOOK_UPDATE_PAYMENTS, WEBHOOK_PAY_ID);
	AttrNumber	reference = WebhookUpdateColumn(u, WEBHOOK_UPDATE_PAYMENTS, WEBHOOK_PAY_REFERENCE);
	AttrNumber	order_ref = WebhookUpdateColumn(u, WEBHOOK_UPDATE_PAYMENTS, WEBHOOK_PAY_ORDER_REF);
	AttrNumber	captured = WebhookUpdateColumn(u, WEBHOOK_UPDATE_PAYMENTS, WEBHOOK_PAY_AMOUNT_CAPTURED);
	MemoryContext old;

	key[0] = CStringGetTextDatum(provider);
	key[1] = CStringGetTextDatum(external_id);
	slot = WebhookUpdateRow(u, WEBHOOK_UPDATE_PAYMENTS, key, change_payment, c);
	if (slot == NULL)
	{
		if (c->judged != NULL)
			judged_payment(u, c, cxt, m);
		return false;
	}
	old = MemoryContextSwitchTo(cxt);
	m->payment_id = DatumGetInt64(slot->tts_values[id - 1]);
	m->reference = slot->tts_isnull[reference - 1] ? NULL :
		TextDatumGetCString(slot->tts_values[reference - 1]);
	m->order_ref = slot->tts_isnull[order_ref - 1] ? NULL :
		TextDatumGetCString(slot->tts_values[order_ref - 1]);
	if (c->outbox)
	{
		slot_getallattrs(slot);
		m->payment_json = WebhookOutboxPaymentJson(slot->tts_tupleDescriptor, slot->tts_values,
												   slot->tts_isnull, c->old_state);
	}
	MemoryContextSwitchTo(old);
	*dpaid = strcmp(c->target, "captured") == 0 && !slot->tts_isnull[captured - 1] ?
		slot->tts_values[captured - 1] : WebhookNumZero();
	return true;
}

/*
 * The state the payment of payment_id was in before the move, as the guard
 * (or change_payment, doing its work) recorded it in the move context
 * (state.h), or NULL.
 */
static const char *
guarded_old_state(int64 payment_id)
{
	const WebhookMoveContext *mc = WebhookMoveResult();

	return mc->guarded_payment_id == payment_id ? mc->guarded_old_state : NULL;
}

/* The payment's move as a statement (WEBHOOK_PLAN_PAYMENT_FAST); the same results. */
static bool
move_payment_by_statement(const char *schema, const char *provider, const char *external_id,
						  PaymentChange *c, MemoryContext cxt, WebhookMove *m, Datum *dpaid)
{
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	MemoryContext old;

	values[0] = CStringGetTextDatum(provider);
	values[1] = CStringGetTextDatum(external_id);
	values[2] = CStringGetTextDatum(c->target);
	values[3] = c->amount_null ? (Datum) 0 : c->amount;
	nulls[3] = c->amount_null ? 'n' : ' ';
	values[4] = c->currency ? CStringGetTextDatum(c->currency) : (Datum) 0;
	nulls[4] = c->currency ? ' ' : 'n';
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PAYMENT_FAST, schema), values, nulls,
						 false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "payment update failed");
	if (SPI_processed != 1)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	old = MemoryContextSwitchTo(cxt);
	m->payment_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	m->reference = SPI_getvalue(tup, desc, 2);
	m->order_ref = SPI_getvalue(tup, desc, 3);
	if (c->outbox)
	{
		Datum	   *rvalues = palloc(sizeof(Datum) * desc->natts);
		bool	   *rnulls = palloc(sizeof(bool) * desc->natts);

		heap_deform_tuple(tup, desc, rvalues, rnulls);
		m->payment_json = WebhookOutboxPaymentJson(desc, rvalues, rnulls,
												   guarded_old_state(m->payment_id));
	}
	MemoryContextSwitchTo(old);
	*dpaid = datumCopy(SPI_getbinval(tup, desc, 4, &isnull), false, -1);
	return true;
}

bool
WebhookMovePayment(const char *schema, Oid nspoid, const char *provider,
				   const char *external_id, const char *target, Datum amount,
				   bool amount_null, const char *currency, MemoryContext cxt,
				   WebhookMove *m)
{
	PaymentChange c = {target, amount, amount_null, currency};
	WebhookUpdate *u = WebhookUpdateBegin(nspoid, WEBHOOK_UPDATE_TABLE(WEBHOOK_UPDATE_PAYMENTS) |
										  WEBHOOK_UPDATE_TABLE(WEBHOOK_UPDATE_ORDERS));
	volatile bool moved;		/* set in PG_TRY, read after it */
	Datum		dpaid;

	memset(m, 0, sizeof(*m));
	c.outbox = WebhookOutboxWanted(nspoid);
	WebhookMoveBegin();
	/* the payments trigger leaves the order to the move, which moves it with the payment */
	WebhookMoveByStatement(true);
	PG_TRY();
	{
		moved = u != NULL ?
			move_payment_direct(u, provider, external_id, &c, cxt, m, &dpaid) :
			move_payment_by_statement(schema, provider, external_id, &c, cxt, m, &dpaid);
		/* its order, in the same update when the payment took the direct way */
		if (moved && m->order_ref != NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);
			WebhookOutboxOrder *order = c.outbox ? &m->order : NULL;
			char	   *state = u != NULL ?
				WebhookUpdateOrder(u, m->order_ref, dpaid, WebhookNumZero(), order) :
				WebhookMoveOrder(schema, nspoid, m->order_ref, dpaid, WebhookNumZero(), order);

			MemoryContextSwitchTo(old);

			if (state != NULL)
				m->order_state = MemoryContextStrdup(cxt, state);
		}
		if (u != NULL)
			WebhookUpdateEnd(u);
	}
	PG_FINALLY();
	{
		WebhookMoveByStatement(false);
	}
	PG_END_TRY();
	if (!moved)
		return false;
	m->payment_state = MemoryContextStrdup(cxt, target);
	WebhookNotifyPayment(provider, m->reference, external_id,
						 guarded_old_state(m->payment_id), target, m->order_ref,
						 m->order_state);
	return true;
}

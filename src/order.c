/*-------------------------------------------------------------------------
 *
 * order.c
 *	  Orders: the one rule for an order's state from its amounts
 *	  (webhook_order_state), the orders guard, and an order moved by what
 *	  its payments' captured and refunded amounts changed.
 *
 * Orders move by relative updates (amount_paid + delta), which stay right
 * when payments of one order change concurrently: by update.c's
 * single-row update when the table allows it, else as a statement
 * (WEBHOOK_PLAN_ORDER_MOVE).  The payments AFTER trigger (state.c) and the
 * one-statement move (move.c) move them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "column.h"
#include "money.h"
#include "order.h"
#include "spi.h"

static const char *const order_states[] = {
	"open", "partially_paid", "paid", "partially_refunded", "refunded"
};

PG_FUNCTION_INFO_V1(webhook_order_state);
PG_FUNCTION_INFO_V1(webhook_orders_guard);

/*
 * webhook_order_state(total numeric, paid numeric, refunded numeric) RETURNS text
 *	  The one rule for an order's state from its amounts: refunded once
 *	  refunds reach what was paid, partially_refunded before that, paid once
 *	  payments reach the total, partially_paid before that, else open.
 */
static const char *
order_state_of(Datum total, Datum paid, Datum refunded)
{
	Datum		zero = WebhookNumZero();

	if (WebhookNumCmp(refunded, zero) > 0)
		return WebhookNumCmp(refunded, paid) >= 0 ? "refunded" : "partially_refunded";
	if (WebhookNumCmp(paid, zero) > 0)
		return WebhookNumCmp(paid, total) >= 0 ? "paid" : "partially_paid";
	return "open";
}

Datum
webhook_order_state(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(order_state_of(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1),
													PG_GETARG_DATUM(2))));
}

/*
 * webhook_orders_guard() RETURNS trigger: BEFORE INSERT OR UPDATE OF
 *	  total, currency, state on webhook_orders.  What CHECK constraints would
 *	  say, without their per-statement cost.
 */
Datum
webhook_orders_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tup;
	char	   *state;
	char	   *currency;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_orders_guard() must be a BEFORE row trigger")));
	desc = RelationGetDescr(trigdata->tg_relation);
	tup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	state = WebhookTupleText(tup, desc, SPI_fnumber(desc, "state"));
	currency = WebhookTupleText(tup, desc, SPI_fnumber(desc, "currency"));
	if (!WebhookOneOf(state, order_states, lengthof(order_states)))
		WebhookInvalidColumn("webhook_orders", "state", state,
					   "open, partially_paid, paid, partially_refunded or refunded");
	if (currency != NULL && !WebhookIsCurrencyCode(currency, false))
		WebhookInvalidColumn("webhook_orders", "currency", currency, "a three-letter ISO 4217 code");
	WebhookCheckAmount(tup, desc, SPI_fnumber(desc, "total"), "webhook_orders", "total");
	WebhookCheckAmount(tup, desc, SPI_fnumber(desc, "amount_paid"), "webhook_orders", "amount_paid");
	WebhookCheckAmount(tup, desc, SPI_fnumber(desc, "amount_refunded"), "webhook_orders", "amount_refunded");
	return PointerGetDatum(tup);
}

typedef struct OrderChange
{
	Datum		dpaid;
	Datum		drefunded;
} OrderChange;

/*
 * An order moved by what its payments captured and refunded
 * (WEBHOOK_PLAN_ORDER_MOVE of spi.c, the same move as a statement): the
 * amounts, the state they
 * give, paid_at once paid in full, updated_at.  A NULL amount gives NULL
 * (the NOT NULL constraint then says so), as the statement's arithmetic.
 */
static bool
change_order(Datum *values, bool *nulls, const AttrNumber *col, void *arg)
{
	OrderChange *c = arg;
	int			total = col[WEBHOOK_ORDER_TOTAL] - 1;
	int			paid = col[WEBHOOK_ORDER_AMOUNT_PAID] - 1;
	int			refunded = col[WEBHOOK_ORDER_AMOUNT_REFUNDED] - 1;
	int			state = col[WEBHOOK_ORDER_STATE] - 1;
	int			paid_at = col[WEBHOOK_ORDER_PAID_AT] - 1;
	int			updated_at = col[WEBHOOK_ORDER_UPDATED_AT] - 1;
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (!nulls[paid])
		values[paid] = DirectFunctionCall2(numeric_add, values[paid], c->dpaid);
	if (!nulls[refunded])
		values[refunded] = DirectFunctionCall2(numeric_add, values[refunded], c->drefunded);
	nulls[state] = nulls[total] || nulls[paid] || nulls[refunded];
	if (!nulls[state])
		values[state] = CStringGetTextDatum(order_state_of(values[total], values[paid], values[refunded]));
	if (nulls[paid_at] && !nulls[paid] && !nulls[total] &&
		WebhookNumCmp(values[paid], WebhookNumZero()) > 0 &&
		WebhookNumCmp(values[paid], values[total]) >= 0)
	{
		values[paid_at] = TimestampTzGetDatum(now);
		nulls[paid_at] = false;
	}
	values[updated_at] = TimestampTzGetDatum(now);
	nulls[updated_at] = false;
	return true;
}

/*
 * What the outbox says of an order a move left with state and amounts
 * (numeric datums), moved by dpaid and drefunded: its state before is the
 * one its amounts gave then.
 */
static void
order_moved(WebhookOutboxOrder *out, const char *order_ref, const char *state, Datum total,
			Datum paid, Datum refunded, Datum dpaid, Datum drefunded)
{
	Datum		zero = WebhookNumZero();

	out->ref = pstrdup(order_ref);
	out->state = state ? pstrdup(state) : NULL;
	out->total = DatumGetCString(DirectFunctionCall1(numeric_out, total));
	out->amount_paid = DatumGetCString(DirectFunctionCall1(numeric_out, paid));
	out->amount_refunded = DatumGetCString(DirectFunctionCall1(numeric_out, refunded));
	out->old_state = pstrdup(order_state_of(total, WebhookNumSub(paid, dpaid),
											WebhookNumSub(refunded, drefunded)));
	out->changed = state != NULL && (strcmp(out->old_state, state) != 0 ||
									 WebhookNumCmp(dpaid, zero) != 0 ||
									 WebhookNumCmp(drefunded, zero) != 0);
}

char *
WebhookUpdateOrder(WebhookUpdate *u, const char *order_ref, Datum dpaid, Datum drefunded,
				   WebhookOutboxOrder *out)
{
	OrderChange c = {dpaid, drefunded};
	Datum		key = CStringGetTextDatum(order_ref);
	TupleTableSlot *slot = WebhookUpdateRow(u, WEBHOOK_UPDATE_ORDERS, &key, change_order, &c);
	AttrNumber	state = WebhookUpdateColumn(u, WEBHOOK_UPDATE_ORDERS, WEBHOOK_ORDER_STATE);
	char	   *result;

	if (slot == NULL || slot->tts_isnull[state - 1])
		return NULL;
	result = TextDatumGetCString(slot->tts_values[state - 1]);
	if (out != NULL)
	{
		AttrNumber	total = WebhookUpdateColumn(u, WEBHOOK_UPDATE_ORDERS, WEBHOOK_ORDER_TOTAL);
		AttrNumber	paid = WebhookUpdateColumn(u, WEBHOOK_UPDATE_ORDERS, WEBHOOK_ORDER_AMOUNT_PAID);
		AttrNumber	refunded = WebhookUpdateColumn(u, WEBHOOK_UPDATE_ORDERS,
												   WEBHOOK_ORDER_AMOUNT_REFUNDED);

		order_moved(out, order_ref, result, slot->tts_values[total - 1], slot->tts_values[paid - 1],
					slot->tts_values[refunded - 1], dpaid, drefunded);
	}
	return result;
}

char *
WebhookMoveOrder(const char *schema, Oid nspoid, const char *order_ref, Datum dpaid,
				 Datum drefunded, WebhookOutboxOrder *out)
{
	WebhookUpdate *u = WebhookUpdateBegin(nspoid, WEBHOOK_UPDATE_TABLE(WEBHOOK_UPDATE_ORDERS));
	Datum		values[3];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	char	   *state;

	if (u != NULL)
	{
		state = WebhookUpdateOrder(u, order_ref, dpaid, drefunded, out);
		WebhookUpdateEnd(u);
		return state;
	}
	values[0] = CStringGetTextDatum(order_ref);
	values[1] = dpaid;
	values[2] = drefunded;
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_ORDER_MOVE, schema), values, NULL,
						 false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "order update failed");
	if (SPI_processed != 1)
		return NULL;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	state = SPI_getvalue(tup, desc, 1);
	if (out != NULL && state != NULL)
		order_moved(out, order_ref, state, SPI_getbinval(tup, desc, 2, &isnull),
					SPI_getbinval(tup, desc, 3, &isnull), SPI_getbinval(tup, desc, 4, &isnull),
					dpaid, drefunded);
	return state;
}

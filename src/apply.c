/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Applying an event to its payment, for the events trigger and
 *	  webhook_event_apply() (events.c): the one-statement move when the
 *	  event allows it (move.c), else the general path, which finds and
 *	  locks the payment, parks the event when there is none, and applies
 *	  refunds, partial captures and what an amount mismatch means.
 *
 * Invariants: a payment row is locked (by the UPDATE of the fast path, or
 * SELECT ... FOR UPDATE on the slow path) before its state is judged, so
 * two events for one payment apply in some serial order.  An event that
 * finds no payment parks only once no insert of that payment is in
 * progress, holding the payment's keys until it commits (park_or_wait;
 * lock.c says why neither it nor a payment insert misses the other).
 * Nothing here writes the event row (events.c).  All SQL runs through
 * spi.c's plans.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "apply.h"
#include "config.h"
#include "lock.h"
#include "money.h"
#include "move.h"
#include "outbox.h"
#include "park.h"
#include "spi.h"
#include "state.h"
#include "webhook.h"

/* What the last event applied in this backend did (apply.h). */
static WebhookApplied last_applied;

/* ---------- the payment ---------- */

typedef struct PaymentRow
{
	int64		id;
	char	   *state;
	bool		has_amount;
	Datum		amount;
	char	   *currency;
	Datum		captured;
	Datum		refunded;
	Datum		reported;
	char	   *reference;
	char	   *order_ref;
} PaymentRow;

/* Find and lock the payment by one key; false if none. */
static bool
payment_by(const char *schema, WebhookPlanId plan, const char *provider, const char *key,
		   PaymentRow *p)
{
	Datum		values[2];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;

	if (key == NULL)
		return false;
	values[0] = CStringGetTextDatum(provider);
	values[1] = CStringGetTextDatum(key);
	if (SPI_execute_plan(WebhookPlan(plan, schema), values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "payment lookup failed");
	if (SPI_processed == 0)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	p->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	p->state = SPI_getvalue(tup, desc, 2);
	p->amount = SPI_datumTransfer(SPI_getbinval(tup, desc, 3, &isnull), false, -1);
	p->has_amount = !isnull;
	p->currency = SPI_getvalue(tup, desc, 4);
	p->captured = SPI_datumTransfer(SPI_getbinval(tup, desc, 5, &isnull), false, -1);
	p->refunded = SPI_datumTransfer(SPI_getbinval(tup, desc, 6, &isnull), false, -1);
	p->reported = SPI_datumTransfer(SPI_getbinval(tup, desc, 7, &isnull), false, -1);
	p->reference = SPI_getvalue(tup, desc, 8);
	p->order_ref = SPI_getvalue(tup, desc, 9);
	return true;
}

/* Find and lock the payment an event names: provider's id, then reference. */
static bool
find_payment(const char *schema, const WebhookEventRow *ev, PaymentRow *p)
{
	return payment_by(schema, WEBHOOK_PLAN_PAYMENT_BY_EXTERNAL, ev->provider, ev->object_id, p) ||
		payment_by(schema, WEBHOOK_PLAN_PAYMENT_BY_REFERENCE, ev->provider, ev->reference, p);
}

/*
 * An event found no payment: decide, without missing a payment whose
 * insert has not committed, whether it parks.  It takes the payment's
 * keys (a payment insert passes them before it looks for parked events,
 * state.c) and looks for an insert in progress with a dirty snapshot:
 *
 * - one is there: give the keys back, wait for that transaction, look
 *   again.  Its insert will not look for this event (it is not stored),
 *   and this event holds nothing it waits for, so neither waits on the
 *   other.
 * - none: look once more with a new snapshot (a payment committed
 *   meanwhile), else park, keeping the keys until this transaction ends.
 *   A payment inserted from now on passes the keys only after that, and
 *   then sees this event.
 *
 * Returns true with *p filled when the payment is there after all.  Under
 * REPEATABLE READ or SERIALIZABLE a payment committed during the wait is
 * not visible: false, and the caller raises a serialization failure.
 */
static bool
park_or_wait(const char *schema, Oid nspoid, const WebhookEventRow *ev, PaymentRow *p)
{
	for (;;)
	{
		TransactionId xid;

		WebhookTakePaymentKeys(ev->provider, ev->reference, ev->object_id);
		xid = WebhookPaymentInserter(nspoid, ev->provider, ev->reference, ev->object_id);
		if (!TransactionIdIsValid(xid))
			return find_payment(schema, ev, p);
		WebhookGiveBackPaymentKeys(ev->provider, ev->reference, ev->object_id);
		XactLockTableWait(xid, NULL, NULL, XLTW_None);
		if (find_payment(schema, ev, p))
			return true;
		if (IsolationUsesXactSnapshot())
			return false;
	}
}

/*
 * Under REPEATABLE READ or SERIALIZABLE the second lookup cannot see a
 * payment committed after the snapshot: look with the latest snapshot.
 */
static bool
payment_committed_since(const char *schema, const WebhookEventRow *ev)
{
	const char *keys[2] = {ev->object_id, ev->reference};
	WebhookPlanId plans[2] = {WEBHOOK_PLAN_PAYMENT_EXISTS_EXTERNAL, WEBHOOK_PLAN_PAYMENT_EXISTS_REFERENCE};

	for (int i = 0; i < 2; i++)
	{
		Datum		values[2];

		if (keys[i] == NULL)
			continue;
		values[0] = CStringGetTextDatum(ev->provider);
		values[1] = CStringGetTextDatum(keys[i]);
		if (SPI_execute_snapshot(WebhookPlan(plans[i], schema), values, NULL,
								 GetLatestSnapshot(), InvalidSnapshot, true, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "payment lookup failed");
		if (SPI_processed > 0)
			return true;
	}
	return false;
}

/* The provider's on_mismatch policy is hold (read only when a mismatch occurs). */
static bool
provider_holds(const char *schema, const char *provider)
{
	Datum		values[1];
	char	   *policy;

	values[0] = CStringGetTextDatum(provider);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PROVIDER_ON_MISMATCH, schema), values, NULL,
						 true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	policy = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return policy != NULL && strcmp(policy, "hold") == 0;
}

/* Major units from minor through webhook_currencies; raises for an unknown currency. */
static Datum
minor_to_major(const char *currency, int64 minor)
{
	int			exponent;

	if (currency == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("an amount in minor units has no currency")));
	exponent = WebhookConfigExponent(WebhookConfigGet(), currency);
	if (exponent < 0)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("unknown currency \"%s\"", currency),
				 errhint("Add it to webhook_currencies, then call webhook_reprocess().")));
	return WebhookMinorToMajor(minor, exponent);
}

/* The state an action moves a payment to ("refund" for a refund), or NULL if unknown. */
static const char *
action_state(const char *action)
{
	static const char *const map[][2] = {
		{"pending", "pending"}, {"authorize", "authorized"}, {"capture", "captured"},
		{"fail", "failed"}, {"cancel", "canceled"}, {"refund", "refund"}
	};

	for (int i = 0; i < (int) lengthof(map); i++)
		if (strcmp(map[i][0], action) == 0)
			return map[i][1];
	return NULL;
}

/* action_state, raising for an unknown action. */
static const char *
target_state(const char *action)
{
	const char *state = action_state(action);

	if (state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("unknown action \"%s\"", action)));
	return state;
}

/* Write the payment's new state and amounts (its triggers move the order). */
static void
update_payment(const char *schema, const PaymentRow *p, const char *state,
			   Datum captured, Datum refunded, Datum reported)
{
	Datum		values[5];

	values[0] = Int64GetDatum(p->id);
	values[1] = CStringGetTextDatum(state);
	values[2] = captured;
	values[3] = refunded;
	values[4] = reported;
	WebhookMoveBegin();
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PAYMENT_UPDATE, schema), values, NULL,
						 false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "payment update failed");
}

/*
 * The state update_payment's statement moved p's order to, as the payments
 * trigger recorded it (the move context, state.h), or NULL.
 */
static const char *
order_moved_to(const PaymentRow *p)
{
	const WebhookMoveContext *mc = WebhookMoveResult();

	return mc->moved_payment_id == p->id ? mc->moved_order_state : NULL;
}

/*
 * Remember what an applied event did, for the reply (apply.h): the payment
 * p moved to state, its order (if any) to order_state (NULL: not known).
 */
static void
remember_applied(const WebhookEventRow *ev, const PaymentRow *p, const char *state,
				 const char *order_state)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	last_applied.event_pk = ev->id;
	last_applied.payment_ref = p->reference ? pstrdup(p->reference) : NULL;
	last_applied.payment_state = pstrdup(state);
	last_applied.order_ref = p->order_ref ? pstrdup(p->order_ref) : NULL;
	last_applied.order_state = NULL;
	last_applied.complete = p->order_ref == NULL;
	if (p->order_ref != NULL && order_state != NULL)
	{
		last_applied.order_state = pstrdup(order_state);
		last_applied.complete = true;
	}
	MemoryContextSwitchTo(old);
}

void
WebhookLastAppliedForget(void)
{
	last_applied.event_pk = 0;
}

const WebhookApplied *
WebhookLastAppliedGet(void)
{
	return &last_applied;
}

/*
 * The ledger's sum for a payment: the amounts of its webhook_refunds rows,
 * as a new statement would see them.  In READ COMMITTED through the
 * table's index on payment_id directly: a cached plan of the sum, made
 * while the table was small (a new shop's first refunds), would scan the
 * whole ledger for every refund until the table is analyzed again.  Under
 * a transaction snapshot, the cached statement (WEBHOOK_PLAN_REFUND_SUM).
 */
static Datum
ledger_sum(const char *schema, Oid nspoid, int64 payment_id)
{
	Oid			idxoid;
	Relation	rel;
	Relation	idx;
	AttrNumber	amount;
	ScanKeyData key;
	TupleTableSlot *slot;
	IndexScanDesc scan;
	Datum		sum = WebhookNumZero();
	bool		isnull;

	if (IsolationUsesXactSnapshot())
	{
		Datum		values[1];

		values[0] = Int64GetDatum(payment_id);
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_REFUND_SUM, schema), values, NULL,
							 false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "refund sum failed");
		return SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
											   1, &isnull), false, -1);
	}
	idxoid = get_relname_relid("webhook_refunds_payment_idx", nspoid);
	if (!OidIsValid(idxoid))
		elog(ERROR, "index webhook_refunds_payment_idx of the webhook extension does not exist");
	rel = table_open(IndexGetRelation(idxoid, false), AccessShareLock);
	idx = index_open(idxoid, AccessShareLock);
	amount = get_attnum(RelationGetRelid(rel), "amount");
	if (amount == InvalidAttrNumber)
		elog(ERROR, "webhook_refunds has no column amount");
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(payment_id));
	/* the refund this event just added included, and whatever committed meanwhile */
	CommandCounterIncrement();
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, idx, GetLatestSnapshot(), 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		Datum		a = slot_getattr(slot, amount, &isnull);

		if (!isnull)
			sum = DirectFunctionCall2(numeric_add, sum, a);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return sum;
}

/* A refund event: the ledger, the cumulative figure, the new state.  Sets ev->status. */
static void
apply_refund(const char *schema, Oid nspoid, WebhookEventRow *ev, PaymentRow *p)
{
	Datum		reported = p->reported;
	Datum		refunded;
	Datum		ledger;

	if (strcmp(p->state, "refunded") == 0)
	{
		ev->status = "unchanged";
		return;
	}
	if (strcmp(p->state, "captured") != 0 && strcmp(p->state, "partially_refunded") != 0)
	{
		ev->status = "superseded";
		return;
	}
	if (ev->cumulative)
		reported = WebhookNumMax(reported, ev->has_amount ? ev->amount : p->captured);
	else
	{
		Datum		values[7];
		char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
		Datum		remaining = WebhookNumMax(WebhookNumSub(p->captured, p->refunded), WebhookNumZero());

		values[0] = Int64GetDatum(p->id);
		values[1] = CStringGetTextDatum(ev->provider);
		values[2] = CStringGetTextDatum(ev->refund_id ? ev->refund_id :
										psprintf("event:%s", ev->event_id));
		values[3] = ev->has_amount ? ev->amount : remaining;
		values[4] = ev->currency ? CStringGetTextDatum(ev->currency) : (Datum) 0;
		nulls[4] = ev->currency ? ' ' : 'n';
		if (ev->currency == NULL && p->currency != NULL)
		{
			values[4] = CStringGetTextDatum(p->currency);
			nulls[4] = ' ';
		}
		values[5] = Int64GetDatum(ev->id);
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_REFUND_INSERT, schema), values, nulls,
							 false, 0) != SPI_OK_INSERT)
			elog(ERROR, "refund insert failed");
	}
	ledger = ledger_sum(schema, nspoid, p->id);
	refunded = WebhookNumMax(WebhookNumMax(ledger, reported), p->refunded);
	if (WebhookNumCmp(refunded, p->refunded) == 0)
	{
		/* nothing new for the shop; remember a higher cumulative figure all the same */
		ev->status = "unchanged";
		if (WebhookNumCmp(reported, p->reported) != 0)
			update_payment(schema, p, p->state, p->captured, p->refunded, reported);
		return;
	}
	{
		const char *state = WebhookNumCmp(refunded, p->captured) >= 0 ? "refunded" : "partially_refunded";

		ev->status = "applied";
		update_payment(schema, p, state, p->captured, refunded, reported);
		remember_applied(ev, p, state, order_moved_to(p));
	}
}

/*
 * One capture of several (a Vipps partial capture, each its own event):
 * the amount adds to what was captured.  From a state that can become
 * captured it moves there; a captured or partly refunded payment keeps
 * its state and gains the amount; from anywhere else it is superseded.
 */
static void
apply_partial_capture(const char *schema, WebhookEventRow *ev, PaymentRow *p)
{
	const char *state;
	Datum		captured;

	if (strcmp(p->state, "captured") == 0 || strcmp(p->state, "partially_refunded") == 0)
		state = p->state;
	else if (WebhookTransitionAllowed(p->state, "captured"))
		state = "captured";
	else
	{
		ev->status = "superseded";
		return;
	}
	captured = ev->has_amount ?
		DirectFunctionCall2(numeric_add, p->captured, ev->amount) :
		(p->has_amount ? p->amount : p->captured);
	/* another currency, or more captured than the payment's amount */
	if ((ev->currency != NULL && p->currency != NULL && pg_strcasecmp(ev->currency, p->currency) != 0) ||
		(p->has_amount && WebhookNumCmp(captured, p->amount) > 0))
	{
		ev->detail = "amount_mismatch";
		if (provider_holds(schema, ev->provider))
		{
			ev->status = "held";
			return;
		}
	}
	ev->status = "applied";
	update_payment(schema, p, state, captured, p->refunded, p->reported);
	remember_applied(ev, p, state, order_moved_to(p));
}

/*
 * The state action moves a payment to on the one-statement path, or NULL
 * for what needs the general one: refunds and partial captures (they add
 * up), events without the provider's payment id, and no action.
 */
const char *
WebhookFastTarget(const char *action, bool partial, const char *object_id)
{
	const char *state;

	if (action == NULL || partial || object_id == NULL)
		return NULL;
	state = action_state(action);
	return state != NULL && strcmp(state, "refund") != 0 ? state : NULL;
}

/*
 * The common case: the payment and its order moved as one (WebhookMovePayment).
 * Returns false when no row moved; the caller then finds out why on the
 * slow path.
 */
static bool
apply_fast(const char *schema, Oid nspoid, WebhookEventRow *ev, const char *target)
{
	PaymentRow	p;
	WebhookMove m;

	if (!WebhookMovePayment(schema, nspoid, ev->provider, ev->object_id,
							target, ev->amount, !ev->has_amount, ev->currency,
							CurrentMemoryContext, &m))
		return false;
	memset(&p, 0, sizeof(p));
	p.id = m.payment_id;
	p.reference = m.reference;
	p.order_ref = m.order_ref;
	ev->status = "applied";
	ev->has_payment = true;
	ev->payment_id = p.id;
	if (m.payment_json != NULL)
		WebhookOutboxChange(nspoid, m.payment_id, target, m.payment_json,
							m.order.changed ? &m.order : NULL, WebhookOutboxEventCurrent());
	remember_applied(ev, &p, target, m.order_state);
	return true;
}

/*
 * Whether the event's amount holds it: one held as invalid stays so,
 * webhook_reprocess or not; else an amount in minor units is converted to
 * major units, and one that is invalid for its currency holds the event
 * (ev->detail says why).
 */
static bool
amount_holds(WebhookEventRow *ev)
{
	if (ev->status != NULL && strcmp(ev->status, "held") == 0 &&
		ev->detail != NULL && strncmp(ev->detail, "invalid_", 8) == 0)
		return true;
	ev->detail = NULL;
	if (ev->has_minor && ev->amount_minor < 0)
		ev->detail = "invalid_amount: the amount is negative";
	else if (!ev->has_amount && ev->has_minor)
	{
		ev->amount = minor_to_major(ev->currency, ev->amount_minor);
		ev->has_amount = true;
	}
	if (ev->detail == NULL && ev->has_amount)
		ev->detail = WebhookAmountProblem(ev->amount, ev->currency == NULL ? -1 :
										  WebhookConfigExponent(WebhookConfigGet(), ev->currency));
	if (ev->detail != NULL)
	{
		ev->status = "held";
		ev->has_amount = false;
		return true;
	}
	return false;
}

/*
 * A found payment moved to target, neither a refund nor a partial
 * capture: as the state machine allows, a capture's amount and currency
 * checked against the payment's (a mismatch holds the event when the
 * provider's policy says so, unless force).  Sets ev->status.
 */
static void
apply_move(const char *schema, WebhookEventRow *ev, PaymentRow *p, const char *target,
		   bool force)
{
	if (strcmp(target, p->state) == 0)
	{
		ev->status = "unchanged";
		return;
	}
	if (!WebhookTransitionAllowed(p->state, target))
	{
		ev->status = "superseded";
		return;
	}
	ev->status = "applied";
	if (strcmp(target, "captured") == 0)
	{
		Datum		captured;
		bool		mismatch;

		mismatch = (ev->currency != NULL && p->currency != NULL &&
					pg_strcasecmp(ev->currency, p->currency) != 0) ||
			(ev->has_amount && p->has_amount && WebhookNumCmp(ev->amount, p->amount) != 0);
		if (mismatch)
		{
			ev->detail = "amount_mismatch";
			if (!force && provider_holds(schema, ev->provider))
			{
				ev->status = "held";
				return;
			}
		}
		captured = ev->has_amount ? ev->amount : (p->has_amount ? p->amount : WebhookNumZero());
		update_payment(schema, p, target, captured, p->refunded, p->reported);
		remember_applied(ev, p, target, order_moved_to(p));
		return;
	}
	update_payment(schema, p, target, p->captured, p->refunded, p->reported);
	remember_applied(ev, p, target, order_moved_to(p));
}

/* WebhookApplyEvent, the event named for the outbox already. */
static void
apply_event(const char *schema, Oid nspoid, WebhookEventRow *ev, bool force)
{
	PaymentRow	p;
	const char *target;

	if (amount_holds(ev))
		return;
	if (ev->action == NULL || strcmp(ev->action, "ignore") == 0)
	{
		ev->status = "ignored";
		return;
	}
	target = target_state(ev->action);

	if (WebhookFastTarget(ev->action, ev->partial, ev->object_id) != NULL &&
		apply_fast(schema, nspoid, ev, target))
		return;

	if (!find_payment(schema, ev, &p))
	{
		/* about to park: never while the payment's insert is in progress */
		if (!park_or_wait(schema, nspoid, ev, &p))
		{
			if (IsolationUsesXactSnapshot() && payment_committed_since(schema, ev))
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access: the payment for event %s committed after this transaction began",
								ev->event_id),
						 errhint("Deliver the event again; webhook_ingest is meant to run in READ COMMITTED.")));
			ev->status = "unmatched";
			return;
		}
	}
	ev->has_payment = true;
	ev->payment_id = p.id;

	if (strcmp(target, "refund") == 0)
		apply_refund(schema, nspoid, ev, &p);
	else if (ev->partial && strcmp(target, "captured") == 0)
		apply_partial_capture(schema, ev, &p);
	else
		apply_move(schema, ev, &p, target, force);
}

/*
 * The event is named for the outbox's messages of the payment's move
 * (WebhookOutboxEventBegin, ended however applying ends).
 */
void
WebhookApplyEvent(const char *schema, Oid nspoid, WebhookEventRow *ev, bool force)
{
	WebhookOutboxEvent named = {ev->id, ev->provider, ev->event_id, ev->event_type};
	const WebhookOutboxEvent *outer = WebhookOutboxEventBegin(&named);

	PG_TRY();
	{
		apply_event(schema, nspoid, ev, force);
	}
	PG_FINALLY();
	{
		WebhookOutboxEventEnd(outer);
	}
	PG_END_TRY();
}

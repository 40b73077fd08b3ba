/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Applying an event to its payment: the BEFORE INSERT trigger on
 *	  webhook_events and webhook_event_apply() for stored events.
 *
 * Invariants: a payment row is locked (by the UPDATE of the fast path, or
 * SELECT ... FOR UPDATE on the slow path) before its state is judged, so
 * two events for one payment apply in some serial order.  An event that
 * finds no payment parks only once no insert of that payment is in
 * progress, holding the payment's keys until it commits (park_or_wait,
 * and lock.c for why neither it nor a payment insert misses the other).
 * Nothing
 * here writes the event row: the trigger returns it, the caller of
 * webhook_event_apply() stores it.  All SQL runs through spi.c's plans.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/stratnum.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/async.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "apply.h"
#include "column.h"
#include "config.h"
#include "lock.h"
#include "money.h"
#include "outbox.h"
#include "spi.h"
#include "state.h"
#include "webhook.h"

/* What the last event applied in this backend did (apply.h). */
static WebhookApplied last_applied;

PG_FUNCTION_INFO_V1(webhook_events_apply);
PG_FUNCTION_INFO_V1(webhook_event_apply);

/* Attribute numbers of webhook_events, found by name (stable across versions). */
typedef struct EventAttrs
{
	int			id,
				provider,
				event_id,
				event_type,
				action,
				object_id,
				reference,
				payment_id,
				amount,
				amount_minor,
				currency,
				refund_id,
				cumulative,
				partial,
				status,
				detail,
				processed_at;
} EventAttrs;

static void
event_attrs_lookup(TupleDesc desc, EventAttrs *a)
{
#define ATT(f) \
	do { a->f = SPI_fnumber(desc, #f); \
		 if (a->f <= 0) elog(ERROR, "webhook_events has no column " #f); } while (0)
	ATT(id);
	ATT(provider);
	ATT(event_id);
	ATT(event_type);
	ATT(action);
	ATT(object_id);
	ATT(reference);
	ATT(payment_id);
	ATT(amount);
	ATT(amount_minor);
	ATT(currency);
	ATT(refund_id);
	ATT(cumulative);
	ATT(partial);
	ATT(status);
	ATT(detail);
	ATT(processed_at);
#undef ATT
}

/*
 * event_attrs: attribute numbers of webhook_events for this tuple
 * descriptor, looked up by name once per descriptor shape (the row type
 * and its number of attributes) rather than on every row.
 */
static void
event_attrs(TupleDesc desc, EventAttrs *a)
{
	static Oid	cached_type = InvalidOid;
	static int	cached_natts = -1;
	static EventAttrs cached;

	if (desc->tdtypeid != cached_type || desc->natts != cached_natts ||
		!OidIsValid(desc->tdtypeid))
	{
		event_attrs_lookup(desc, &cached);
		cached_type = desc->tdtypeid;
		cached_natts = desc->natts;
	}
	*a = cached;
}

/* An event's fields as apply_event reads and writes them. */
typedef struct EventRow
{
	int64		id;
	char	   *provider;
	char	   *event_id;
	char	   *event_type;
	char	   *action;
	char	   *object_id;
	char	   *reference;
	char	   *currency;
	char	   *refund_id;
	bool		cumulative;
	bool		partial;
	bool		has_amount;
	Datum		amount;			/* Numeric, major units */
	bool		has_minor;
	int64		amount_minor;
	/* results */
	const char *status;
	const char *detail;
	bool		has_payment;
	int64		payment_id;
} EventRow;

static char *
text_or_null(Datum *values, bool *nulls, int attno)
{
	return nulls[attno - 1] ? NULL : TextDatumGetCString(values[attno - 1]);
}

static void
event_from_values(const EventAttrs *a, Datum *values, bool *nulls, EventRow *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = DatumGetInt64(values[a->id - 1]);
	ev->provider = text_or_null(values, nulls, a->provider);
	ev->event_id = text_or_null(values, nulls, a->event_id);
	ev->event_type = text_or_null(values, nulls, a->event_type);
	ev->action = text_or_null(values, nulls, a->action);
	ev->object_id = text_or_null(values, nulls, a->object_id);
	ev->reference = text_or_null(values, nulls, a->reference);
	ev->currency = text_or_null(values, nulls, a->currency);
	ev->refund_id = text_or_null(values, nulls, a->refund_id);
	ev->status = text_or_null(values, nulls, a->status);
	ev->detail = text_or_null(values, nulls, a->detail);
	ev->cumulative = !nulls[a->cumulative - 1] && DatumGetBool(values[a->cumulative - 1]);
	ev->partial = !nulls[a->partial - 1] && DatumGetBool(values[a->partial - 1]);
	ev->has_amount = !nulls[a->amount - 1];
	if (ev->has_amount)
		ev->amount = values[a->amount - 1];
	ev->has_minor = !nulls[a->amount_minor - 1];
	if (ev->has_minor)
		ev->amount_minor = DatumGetInt64(values[a->amount_minor - 1]);
	ev->has_payment = !nulls[a->payment_id - 1];
	if (ev->has_payment)
		ev->payment_id = DatumGetInt64(values[a->payment_id - 1]);
}

/* Write apply_event's results back into the row's values. */
static void
event_to_values(const EventAttrs *a, const EventRow *ev, Datum *values, bool *nulls)
{
	values[a->status - 1] = CStringGetTextDatum(ev->status);
	nulls[a->status - 1] = false;
	values[a->detail - 1] = ev->detail ? CStringGetTextDatum(ev->detail) : (Datum) 0;
	nulls[a->detail - 1] = ev->detail == NULL;
	if (ev->has_payment)
	{
		values[a->payment_id - 1] = Int64GetDatum(ev->payment_id);
		nulls[a->payment_id - 1] = false;
	}
	if (ev->has_amount)
	{
		values[a->amount - 1] = ev->amount;
		nulls[a->amount - 1] = false;
	}
	values[a->processed_at - 1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[a->processed_at - 1] = false;
}

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
find_payment(const char *schema, const EventRow *ev, PaymentRow *p)
{
	return payment_by(schema, WEBHOOK_PLAN_PAYMENT_BY_EXTERNAL, ev->provider, ev->object_id, p) ||
		payment_by(schema, WEBHOOK_PLAN_PAYMENT_BY_REFERENCE, ev->provider, ev->reference, p);
}

/* An index scan on (provider, <key>) of one of the extension's indexes, kept open for many keys. */
typedef struct KeyProbe
{
	Relation	rel;
	Relation	idx;
	Snapshot	snap;
	MemoryContext cxt;			/* what the index AM allocates lives here */
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData skey[2];
} KeyProbe;

/* Open index index_name of the extension's schema (and its table) for probes under snap. */
static void
probe_open(KeyProbe *p, Oid nspoid, const char *index_name, Snapshot snap)
{
	Oid			idxoid = get_relname_relid(index_name, nspoid);

	if (!OidIsValid(idxoid))
		elog(ERROR, "index %s of the webhook extension does not exist", index_name);
	p->rel = table_open(IndexGetRelation(idxoid, false), AccessShareLock);
	p->idx = index_open(idxoid, AccessShareLock);
	p->snap = snap;
	p->cxt = CurrentMemoryContext;
	for (int k = 0; k < 2; k++)
	{
		ScanKeyInit(&p->skey[k], k + 1, BTEqualStrategyNumber, F_TEXTEQ, (Datum) 0);
		p->skey[k].sk_collation = p->idx->rd_indcollation[k];
	}
	p->slot = table_slot_create(p->rel, NULL);
	p->scan = index_beginscan(p->rel, p->idx, snap, 2, 0);
}

/*
 * Whether the index has an entry for (provider, key) whose row the
 * probe's snapshot sees.  With a dirty snapshot, *xmin is set to the
 * inserter of the first such row that has not committed yet (else
 * InvalidTransactionId).
 */
static bool
probe_find(KeyProbe *p, const char *provider, const char *key, TransactionId *xmin)
{
	bool		found = false;
	MemoryContext old;

	if (xmin != NULL)
		*xmin = InvalidTransactionId;
	if (key == NULL)
		return false;
	/* the keys only for this probe; the scan's own memory outlives it */
	p->skey[0].sk_argument = CStringGetTextDatum(provider);
	p->skey[1].sk_argument = CStringGetTextDatum(key);
	old = MemoryContextSwitchTo(p->cxt);
	index_rescan(p->scan, p->skey, 2, NULL, 0);
	while (index_getnext_slot(p->scan, ForwardScanDirection, p->slot))
	{
		found = true;
		if (xmin == NULL)
			break;
		if (TransactionIdIsValid(p->snap->xmin))
		{
			*xmin = p->snap->xmin;
			break;
		}
	}
	MemoryContextSwitchTo(old);
	return found;
}

static void
probe_close(KeyProbe *p)
{
	index_endscan(p->scan);
	ExecDropSingleTupleTableSlot(p->slot);
	index_close(p->idx, AccessShareLock);
	table_close(p->rel, AccessShareLock);
}

/*
 * The transaction inserting a payment with this key that has not
 * committed yet (found through its unique index with a dirty snapshot),
 * or InvalidTransactionId.
 */
static TransactionId
payment_inserter(Oid nspoid, const char *index_name, const char *provider, const char *key)
{
	SnapshotData snap;
	KeyProbe	p;
	TransactionId xmin;

	if (key == NULL)
		return InvalidTransactionId;
	InitDirtySnapshot(snap);
	probe_open(&p, nspoid, index_name, &snap);
	(void) probe_find(&p, provider, key, &xmin);
	probe_close(&p);
	return xmin;
}

bool
WebhookEventStored(Oid nspoid, const char *provider, const char *event_id)
{
	KeyProbe	p;
	bool		found;

	probe_open(&p, nspoid, "webhook_events_provider_event_id_key", GetActiveSnapshot());
	found = probe_find(&p, provider, event_id, NULL);
	probe_close(&p);
	return found;
}

struct WebhookParkedProbe
{
	KeyProbe	by_reference;
	KeyProbe	by_external_id;
};

WebhookParkedProbe *
WebhookParkedProbeBegin(Oid nspoid)
{
	WebhookParkedProbe *pp = palloc(sizeof(WebhookParkedProbe));
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());

	probe_open(&pp->by_reference, nspoid, "webhook_events_parked_ref_idx", snap);
	probe_open(&pp->by_external_id, nspoid, "webhook_events_parked_obj_idx", snap);
	return pp;
}

bool
WebhookMaybeParked(WebhookParkedProbe *pp, const char *provider, const char *reference,
				   const char *external_id)
{
	return probe_find(&pp->by_reference, provider, reference, NULL) ||
		probe_find(&pp->by_external_id, provider, external_id, NULL);
}

void
WebhookParkedProbeEnd(WebhookParkedProbe *pp)
{
	Snapshot	snap = pp->by_reference.snap;

	probe_close(&pp->by_reference);
	probe_close(&pp->by_external_id);
	UnregisterSnapshot(snap);
	pfree(pp);
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
park_or_wait(const char *schema, Oid nspoid, const EventRow *ev, PaymentRow *p)
{
	for (;;)
	{
		TransactionId xid;

		WebhookTakePaymentKeys(ev->provider, ev->reference, ev->object_id);
		xid = payment_inserter(nspoid, "webhook_payments_provider_external_id_key",
							   ev->provider, ev->object_id);
		if (!TransactionIdIsValid(xid))
			xid = payment_inserter(nspoid, "webhook_payments_provider_reference_key",
								   ev->provider, ev->reference);
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
payment_committed_since(const char *schema, const EventRow *ev)
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
remember_applied(const EventRow *ev, const PaymentRow *p, const char *state,
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
apply_refund(const char *schema, Oid nspoid, EventRow *ev, PaymentRow *p)
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
apply_partial_capture(const char *schema, EventRow *ev, PaymentRow *p)
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
 * A move the state machine refuses is judged as apply_event would judge
 * it (c->judged): the event changes nothing.
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

/*
 * The common case: the payment and its order moved as one (WebhookMovePayment).
 * Returns false when no row moved; the caller then finds out why on the
 * slow path.
 */
static bool
apply_fast(const char *schema, Oid nspoid, EventRow *ev, const char *target)
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
 * Apply an event to its payment.  Fills ev->status (and detail, payment_id,
 * amount).  Writes the payment, never the event.  Raises when applying
 * fails; the caller decides what a failure means.  Must run connected to
 * SPI.
 */
static void
apply_event(const char *schema, Oid nspoid, EventRow *ev, bool force)
{
	PaymentRow	p;
	const char *target;

	/* an amount that cannot be applied stays held, webhook_reprocess or not */
	if (ev->status != NULL && strcmp(ev->status, "held") == 0 &&
		ev->detail != NULL && strncmp(ev->detail, "invalid_", 8) == 0)
		return;
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
		return;
	}
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
	{
		apply_refund(schema, nspoid, ev, &p);
		return;
	}
	if (ev->partial && strcmp(target, "captured") == 0)
	{
		apply_partial_capture(schema, ev, &p);
		return;
	}
	if (strcmp(target, p.state) == 0)
	{
		ev->status = "unchanged";
		return;
	}
	if (!WebhookTransitionAllowed(p.state, target))
	{
		ev->status = "superseded";
		return;
	}
	ev->status = "applied";
	if (strcmp(target, "captured") == 0)
	{
		Datum		captured;
		bool		mismatch;

		mismatch = (ev->currency != NULL && p.currency != NULL &&
					pg_strcasecmp(ev->currency, p.currency) != 0) ||
			(ev->has_amount && p.has_amount && WebhookNumCmp(ev->amount, p.amount) != 0);
		if (mismatch)
		{
			ev->detail = "amount_mismatch";
			if (!force && provider_holds(schema, ev->provider))
			{
				ev->status = "held";
				return;
			}
		}
		captured = ev->has_amount ? ev->amount : (p.has_amount ? p.amount : WebhookNumZero());
		update_payment(schema, &p, target, captured, p.refunded, p.reported);
		remember_applied(ev, &p, target, order_moved_to(&p));
		return;
	}
	update_payment(schema, &p, target, p.captured, p.refunded, p.reported);
	remember_applied(ev, &p, target, order_moved_to(&p));
}

/*
 * apply_event with the event named for the outbox's messages of the
 * payment's move (WebhookOutboxEventBegin, ended however it ends).
 */
static void
apply_event_named(const char *schema, Oid nspoid, EventRow *ev, bool force)
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

/*
 * event.failed or event.held for an event row whose status became one of
 * them (from old_status, NULL for a new row).  Connects to SPI to write
 * it when connect, else runs connected.
 */
static void
event_message(Oid nspoid, TupleDesc desc, const EventAttrs *a, HeapTuple tup,
			  const char *old_status, bool connect)
{
	char	   *status = WebhookTupleText(tup, desc, a->status);
	WebhookOutboxEvent e;
	bool		isnull;
	Datum		payment_id;

	if (status == NULL || (strcmp(status, "failed") != 0 && strcmp(status, "held") != 0) ||
		(old_status != NULL && strcmp(old_status, status) == 0) || !WebhookOutboxWanted(nspoid))
		return;
	memset(&e, 0, sizeof(e));
	e.pk = DatumGetInt64(heap_getattr(tup, a->id, desc, &isnull));
	e.provider = WebhookTupleText(tup, desc, a->provider);
	e.event_id = WebhookTupleText(tup, desc, a->event_id);
	e.event_type = WebhookTupleText(tup, desc, a->event_type);
	e.status = status;
	e.detail = WebhookTupleText(tup, desc, a->detail);
	payment_id = heap_getattr(tup, a->payment_id, desc, &isnull);
	e.payment_id = isnull ? 0 : DatumGetInt64(payment_id);
	if (connect && SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	WebhookOutboxEventMessage(nspoid, &e);
	if (connect)
		SPI_finish();
}

/*
 * webhook_events_apply() RETURNS trigger: BEFORE INSERT on webhook_events.
 *	  Inserting an event applies it and stores the outcome in the row.  A row
 *	  inserted with its status set is stored as it is.  If the insert then
 *	  fails (UNIQUE (provider, event_id): a duplicate), everything done here
 *	  is rolled back with it.
 */
Datum
webhook_events_apply(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tup;
	EventAttrs	a;
	EventRow	ev;
	Datum	   *values;
	bool	   *nulls;
	const char *schema;
	MemoryContext trigcxt;
	MemoryContext spicxt;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_events_apply() must be a BEFORE row trigger")));
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	event_attrs(desc, &a);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		/* a status written by hand or by webhook_event_reapply must be one of ours */
		char	   *status = WebhookTupleText(trigdata->tg_newtuple, desc, a.status);

		if (status != NULL && !WebhookOneOf(status, WebhookEventStatuses, WEBHOOK_NEVENT_STATUSES))
			WebhookInvalidColumn("webhook_events", "status", status,
						   "applied, unchanged, superseded, ignored, unmatched, held or failed");
		event_message(RelationGetNamespace(rel), desc, &a, trigdata->tg_newtuple,
					  WebhookTupleText(trigdata->tg_trigtuple, desc, a.status), true);
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	tup = trigdata->tg_trigtuple;
	{
		/* a row inserted with its status set is stored as it is */
		char	   *status = WebhookTupleText(tup, desc, a.status);

		if (status != NULL)
		{
			if (!WebhookOneOf(status, WebhookEventStatuses, WEBHOOK_NEVENT_STATUSES))
				WebhookInvalidColumn("webhook_events", "status", status,
							   "applied, unchanged, superseded, ignored, unmatched, held or failed");
			return PointerGetDatum(tup);
		}
	}
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(tup, desc, values, nulls);

	event_from_values(&a, values, nulls, &ev);
	schema = WebhookSchemaOf(RelationGetNamespace(rel));
	trigcxt = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	apply_event_named(schema, RelationGetNamespace(rel), &ev, false);
	event_to_values(&a, &ev, values, nulls);
	/* the row outlives SPI's memory */
	spicxt = MemoryContextSwitchTo(trigcxt);
	tup = heap_form_tuple(desc, values, nulls);
	MemoryContextSwitchTo(spicxt);
	event_message(RelationGetNamespace(rel), desc, &a, tup, NULL, false);
	SPI_finish();
	return PointerGetDatum(tup);
}

/*
 * webhook_event_apply(ev webhook_events, force boolean) RETURNS webhook_events
 *	  Apply a stored event again; returns the row with its new outcome (the
 *	  caller stores it).  A held event is applied despite its mismatch when
 *	  force is true.  Raises when applying fails.
 */
Datum
webhook_event_apply(PG_FUNCTION_ARGS)
{
	HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(0);
	bool		force = PG_GETARG_BOOL(1);
	Oid			typid = HeapTupleHeaderGetTypeId(row);
	TupleDesc	desc = lookup_rowtype_tupdesc(typid, HeapTupleHeaderGetTypMod(row));
	HeapTupleData tmp;
	EventAttrs	a;
	EventRow	ev;
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	result;
	const char *schema;
	Oid			nspoid;

	tmp.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tmp.t_self);
	tmp.t_tableOid = InvalidOid;
	tmp.t_data = row;
	event_attrs(desc, &a);
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(&tmp, desc, values, nulls);
	event_from_values(&a, values, nulls, &ev);

	nspoid = get_func_namespace(fcinfo->flinfo->fn_oid);
	schema = WebhookSchemaOf(nspoid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	apply_event_named(schema, nspoid, &ev, force);
	SPI_finish();

	event_to_values(&a, &ev, values, nulls);
	result = heap_form_tuple(desc, values, nulls);
	ReleaseTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}

/*-------------------------------------------------------------------------
 *
 * state.c
 *	  The payment state machine and the C triggers on webhook_payments
 *	  (applying an event to a payment is apply.c, moving orders order.c).
 *
 *	  - BEFORE INSERT OR UPDATE: the transition rules, for events and hand
 *	    updates alike, and the time stamps.
 *	  - AFTER INSERT FOR EACH STATEMENT: the inserted rows checked, and the
 *	    events parked waiting for them applied (park.c).
 *	  - AFTER INSERT OR UPDATE OR DELETE: the order's amounts and state,
 *	    the outbox's messages and NOTIFY webhook_payment.
 *
 * The triggers and the code that moves a payment talk through the move
 * context (state.h), which lives here.
 *
 * Invariants: a payment row is locked (FOR UPDATE) before an event reads
 * its state, so two events for one payment apply in some serial order; an
 * event that finds no payment takes the payment's advisory keys and looks
 * again before it parks, and a payment insert passes the same keys before
 * it looks for parked events, so neither can miss the other (lock.c).
 * All SQL runs through the cached plans of spi.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "column.h"
#include "lock.h"
#include "money.h"
#include "order.h"
#include "outbox.h"
#include "park.h"
#include "spi.h"
#include "state.h"
#include "webhook.h"

typedef struct Transition
{
	const char *from;
	const char *to[4];
} Transition;

static const Transition transitions[] = {
	{"pending", {"authorized", "captured", "failed", "canceled"}},
	{"authorized", {"captured", "failed", "canceled"}},
	{"failed", {"authorized", "captured", "canceled"}},
	{"captured", {"partially_refunded", "refunded"}},
	{"partially_refunded", {"partially_refunded", "refunded"}},
	/* canceled and refunded are final */
};

static const char *const payment_states[] = {
	"pending", "authorized", "captured", "failed", "canceled",
	"partially_refunded", "refunded"
};

/* The move context (state.h): one per backend, its protocol there. */
static WebhookMoveContext move_context;

const char *const WebhookEventStatuses[WEBHOOK_NEVENT_STATUSES] = {
	"applied", "unchanged", "superseded", "ignored", "unmatched", "held", "failed", "fetch"
};

PG_FUNCTION_INFO_V1(webhook_transition_allowed);
PG_FUNCTION_INFO_V1(webhook_payments_guard);
PG_FUNCTION_INFO_V1(webhook_payments_after);
PG_FUNCTION_INFO_V1(webhook_payments_inserted);

bool
WebhookTransitionAllowed(const char *from, const char *to)
{
	for (int i = 0; i < (int) lengthof(transitions); i++)
	{
		if (strcmp(transitions[i].from, from) != 0)
			continue;
		for (int j = 0; j < (int) lengthof(transitions[i].to); j++)
			if (transitions[i].to[j] != NULL && strcmp(transitions[i].to[j], to) == 0)
				return true;
		return false;
	}
	return false;
}

/*
 * webhook_transition_allowed(from_state text, to_state text) RETURNS boolean
 *	  Never raises; unknown states are simply not allowed.
 */
Datum
webhook_transition_allowed(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(WebhookTransitionAllowed(text_to_cstring(PG_GETARG_TEXT_PP(0)),
											text_to_cstring(PG_GETARG_TEXT_PP(1))));
}

/* ---------- payments ---------- */

/* Attribute numbers of webhook_payments. */
typedef struct PaymentAttrs
{
	int			id,
				provider,
				reference,
				external_id,
				order_ref,
				currency,
				state,
				amount_captured,
				amount_refunded,
				refunded_reported,
				state_changed_at,
				updated_at,
				amount;
} PaymentAttrs;

static void payment_attrs_lookup(TupleDesc desc, PaymentAttrs *a);

/* As event_attrs (events.c): looked up once per descriptor shape. */
static void
payment_attrs(TupleDesc desc, PaymentAttrs *a)
{
	static Oid	cached_type = InvalidOid;
	static int	cached_natts = -1;
	static PaymentAttrs cached;

	if (desc->tdtypeid != cached_type || desc->natts != cached_natts ||
		!OidIsValid(desc->tdtypeid))
	{
		payment_attrs_lookup(desc, &cached);
		cached_type = desc->tdtypeid;
		cached_natts = desc->natts;
	}
	*a = cached;
}

static void
payment_attrs_lookup(TupleDesc desc, PaymentAttrs *a)
{
#define ATT(f) \
	do { a->f = SPI_fnumber(desc, #f); \
		 if (a->f <= 0) elog(ERROR, "webhook_payments has no column " #f); } while (0)
	ATT(id);
	ATT(provider);
	ATT(reference);
	ATT(external_id);
	ATT(order_ref);
	ATT(currency);
	ATT(state);
	ATT(amount_captured);
	ATT(amount_refunded);
	ATT(refunded_reported);
	ATT(state_changed_at);
	ATT(updated_at);
	ATT(amount);
#undef ATT
}

/* Raise unless every amount of a payment row is NULL or not negative (23514). */
static void
check_payment_amounts(HeapTuple tup, TupleDesc desc, const PaymentAttrs *a)
{
	WebhookCheckAmount(tup, desc, a->amount, "webhook_payments", "amount");
	WebhookCheckAmount(tup, desc, a->amount_captured, "webhook_payments", "amount_captured");
	WebhookCheckAmount(tup, desc, a->amount_refunded, "webhook_payments", "amount_refunded");
	WebhookCheckAmount(tup, desc, a->refunded_reported, "webhook_payments", "refunded_reported");
}

/* The text column is the same in both tuples. */
static bool
currency_equal(HeapTuple a, HeapTuple b, TupleDesc desc, int attno)
{
	char	   *x = WebhookTupleText(a, desc, attno);
	char	   *y = WebhookTupleText(b, desc, attno);

	return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}


/* An ASCII code in upper case, in place. */
static char *
upper_code(char *s)
{
	for (char *c = s; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c -= 'a' - 'A';
	return s;
}

/*
 * Raise (23514) unless a new payment row is one the table may hold: a
 * known state, a three-letter currency (in any case), a reference or an
 * external id, amounts not negative.  Returns true when the row needs its
 * currency put in upper case or its state_changed_at set.
 */
static bool
check_new_payment(HeapTuple tup, TupleDesc desc, const PaymentAttrs *a)
{
	char	   *state = WebhookTupleText(tup, desc, a->state);
	char	   *currency = WebhookTupleText(tup, desc, a->currency);
	bool		isnull;
	bool		fix = false;

	if (!WebhookOneOf(state, payment_states, lengthof(payment_states)))
		WebhookInvalidColumn("webhook_payments", "state", state,
							 "pending, authorized, captured, failed, canceled, partially_refunded or refunded");
	(void) heap_getattr(tup, a->state_changed_at, desc, &isnull);
	fix = isnull;
	if (currency != NULL)
	{
		char	   *upper = upper_code(pstrdup(currency));

		if (!WebhookIsCurrencyCode(upper, false))
			WebhookInvalidColumn("webhook_payments", "currency", upper, "a three-letter ISO 4217 code");
		fix |= strcmp(upper, currency) != 0;
	}
	if (WebhookTupleText(tup, desc, a->reference) == NULL &&
		WebhookTupleText(tup, desc, a->external_id) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("a payment needs a reference or an external_id")));
	check_payment_amounts(tup, desc, a);
	return fix;
}

void
WebhookMoveBegin(void)
{
	move_context.guarded_payment_id = 0;
	move_context.moved_payment_id = 0;
}

void
WebhookMoveByStatement(bool on)
{
	move_context.by_statement = on;
}

void
WebhookGuardRecord(int64 payment_id, const char *old_state)
{
	move_context.guarded_payment_id = payment_id;
	move_context.guarded_old_state = WebhookWordOf(old_state, payment_states,
												   lengthof(payment_states));
}

const WebhookMoveContext *
WebhookMoveResult(void)
{
	return &move_context;
}

/*
 * webhook_payments_guard() RETURNS trigger: BEFORE INSERT OR UPDATE on
 *	  webhook_payments.  The transition rules (SQLSTATE WH001 for a
 *	  forbidden move), state_changed_at and updated_at, and an upper-case
 *	  currency.
 */
Datum
webhook_payments_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	newtup;
	PaymentAttrs a;
	int			cols[3];
	Datum		vals[3];
	bool		nulls[3] = {false, false, false};
	int			n = 0;
	char	   *state;
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_payments_guard() must be a BEFORE row trigger")));
	desc = RelationGetDescr(trigdata->tg_relation);
	payment_attrs(desc, &a);
	newtup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	state = WebhookTupleText(newtup, desc, a.state);

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		bool		isnull;

		if (check_new_payment(newtup, desc, &a))
		{
			char	   *currency = WebhookTupleText(newtup, desc, a.currency);

			(void) heap_getattr(newtup, a.state_changed_at, desc, &isnull);
			if (isnull)
			{
				cols[n] = a.state_changed_at;
				vals[n++] = TimestampTzGetDatum(now);
			}
			if (currency != NULL)
			{
				cols[n] = a.currency;
				vals[n++] = CStringGetTextDatum(upper_code(currency));
			}
		}
	}
	else
	{
		char	   *old = WebhookTupleText(trigdata->tg_trigtuple, desc, a.state);
		bool		isnull;

		WebhookGuardRecord(DatumGetInt64(heap_getattr(trigdata->tg_trigtuple, a.id, desc, &isnull)), old);

		if (strcmp(old, state) != 0)
		{
			if (!WebhookTransitionAllowed(old, state))
			{
				char	   *ref = WebhookTupleText(trigdata->tg_trigtuple, desc, a.reference);

				if (ref == NULL)
					ref = WebhookTupleText(trigdata->tg_trigtuple, desc, a.external_id);
				ereport(ERROR,
						(errcode(ERRCODE_WEBHOOK_TRANSITION),
						 errmsg("payment %s cannot move from %s to %s", ref, old, state),
						 errhint("Allowed: pending to authorized, captured, failed or canceled; authorized to captured, failed or canceled; failed to authorized, captured or canceled; captured or partially_refunded to partially_refunded or refunded.")));
			}
			cols[n] = a.state_changed_at;
			vals[n++] = TimestampTzGetDatum(now);
		}
		cols[n] = a.updated_at;
		vals[n++] = TimestampTzGetDatum(now);
		if (!currency_equal(trigdata->tg_trigtuple, newtup, desc, a.currency))
		{
			char	   *currency = WebhookTupleText(newtup, desc, a.currency);

			if (currency != NULL && !WebhookIsCurrencyCode(currency, false))
				WebhookInvalidColumn("webhook_payments", "currency", currency, "a three-letter ISO 4217 code");
		}
		check_payment_amounts(newtup, desc, &a);
	}
	if (n == 0)
		return PointerGetDatum(newtup);
	return PointerGetDatum(heap_modify_tuple_by_cols(newtup, desc, n, cols, vals, nulls));
}

void
WebhookNotifyPayment(const char *provider, const char *reference, const char *external_id,
					 const char *old_state, const char *new_state, const char *order_ref,
					 const char *order_state)
{
	StringInfoData buf;

	if (!WebhookNotifyWanted())
		return;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	WebhookJsonMember(&buf, "provider", provider);
	WebhookJsonMember(&buf, "reference", reference);
	WebhookJsonMember(&buf, "external_id", external_id);
	WebhookJsonMember(&buf, "old_state", old_state);
	WebhookJsonMember(&buf, "new_state", new_state);
	WebhookJsonMember(&buf, "order_ref", order_ref);
	WebhookJsonMember(&buf, "order_state", order_state);
	appendStringInfoChar(&buf, '}');
	Async_Notify("webhook_payment", buf.data);
}

/*
 * Put the currency of new payments in upper case and set their
 * state_changed_at where they lack it (ids: int64 pointers), by one
 * UPDATE: rare, as an app writes codes in upper case and leaves
 * state_changed_at to its default.
 */
static void
fix_new_payments(const char *schema, List *ids)
{
	Datum	   *elems = palloc(sizeof(Datum) * list_length(ids));
	int			n = 0;
	ListCell   *lc;
	Oid			argtypes[1] = {INT8ARRAYOID};
	Datum		values[1];

	foreach(lc, ids)
		elems[n++] = Int64GetDatum(*(int64 *) lfirst(lc));
	values[0] = PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("UPDATE %s.webhook_payments "
									   "SET currency = pg_catalog.upper(currency), "
									   "state_changed_at = COALESCE(state_changed_at, pg_catalog.now()) "
									   "WHERE id OPERATOR(pg_catalog.=) ANY ($1)", schema),
							  1, argtypes, values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "new payments could not be completed");
	SPI_finish();
}

/* What webhook_payments_inserted keeps across its passes over the rows. */
typedef struct InsertedRows
{
	Relation	rel;
	TupleDesc	desc;
	PaymentAttrs a;
	const char *schema;
	MemoryContext cxt;			/* the trigger's */
	MemoryContext rowcxt;		/* reset after each row */
	List	   *fix;			/* ids (int64 pointers) of rows to complete */
	bool		connected;		/* to SPI, as the table's owner */
	Oid			save_userid;
	int			save_sec_context;
} InsertedRows;

/*
 * One pass over the inserted rows, each in ir->rowcxt.  The first (probe
 * NULL) checks each row as the guard checks an update, remembers those to
 * complete, and passes each payment's keys; the second applies the events
 * parked for each payment the probe may see them for, connected to SPI as
 * the table's owner from the first such payment on.
 */
static void
inserted_pass(InsertedRows *ir, Tuplestorestate *rows, TupleTableSlot *slot,
			  WebhookParkedProbe *probe)
{
	const PaymentAttrs *a = &ir->a;

	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		char	   *provider;
		char	   *reference;
		char	   *external_id;

		MemoryContextSwitchTo(ir->rowcxt);
		slot_getallattrs(slot);
		provider = TextDatumGetCString(slot->tts_values[a->provider - 1]);
		reference = slot->tts_isnull[a->reference - 1] ? NULL :
			TextDatumGetCString(slot->tts_values[a->reference - 1]);
		external_id = slot->tts_isnull[a->external_id - 1] ? NULL :
			TextDatumGetCString(slot->tts_values[a->external_id - 1]);
		if (probe == NULL)
		{
			bool		free_tuple;
			HeapTuple	tup = ExecFetchSlotHeapTuple(slot, false, &free_tuple);

			/* what the guard checks on update, for every inserted row */
			if (check_new_payment(tup, ir->desc, a))
			{
				int64	   *id = MemoryContextAlloc(ir->cxt, sizeof(int64));

				*id = DatumGetInt64(slot->tts_values[a->id - 1]);
				MemoryContextSwitchTo(ir->cxt);
				ir->fix = lappend(ir->fix, id);
				MemoryContextSwitchTo(ir->rowcxt);
			}
			WebhookPassPaymentKeys(provider, reference, external_id);
		}
		else if (WebhookMaybeParked(probe, provider, reference, external_id))
		{
			if (!ir->connected)
			{
				/* connected from the trigger's context, which SPI_finish returns to */
				MemoryContextSwitchTo(ir->cxt);
				if (SPI_connect() != SPI_OK_CONNECT)
					elog(ERROR, "SPI_connect failed");
				MemoryContextSwitchTo(ir->rowcxt);
				GetUserIdAndSecContext(&ir->save_userid, &ir->save_sec_context);
				SetUserIdAndSecContext(ir->rel->rd_rel->relowner,
									   ir->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
									   SECURITY_NOFORCE_RLS);
				ir->connected = true;
			}
			WebhookApplyParked(ir->schema, provider, reference, external_id);
		}
		MemoryContextSwitchTo(ir->cxt);
		MemoryContextReset(ir->rowcxt);
	}
}

/*
 * webhook_payments_inserted() RETURNS trigger: AFTER INSERT FOR EACH
 *	  STATEMENT on webhook_payments, with the inserted rows as its transition
 *	  table.  It checks each row as the guard checks an update (23514) and
 *	  puts its currency in upper case; it passes each payment's keys, so that an
 *	  event parking for it has committed (lock.c), and applies the events
 *	  parked for it, in provider order, with the rights of the table's owner
 *	  (see webhook_payments_after).  Where no event may be parked it runs no
 *	  statement: a bulk load costs a few index probes per row.
 */
Datum
webhook_payments_inserted(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	InsertedRows ir;
	Tuplestorestate *rows;
	TupleTableSlot *slot;
	WebhookParkedProbe *probe;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_payments_inserted() must be an AFTER INSERT statement trigger with a NEW TABLE")));
	memset(&ir, 0, sizeof(ir));
	ir.rel = trigdata->tg_relation;
	ir.desc = RelationGetDescr(ir.rel);
	payment_attrs(ir.desc, &ir.a);
	ir.schema = WebhookSchemaOf(RelationGetNamespace(ir.rel));
	ir.cxt = CurrentMemoryContext;
	ir.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "webhook inserted payment",
									  ALLOCSET_SMALL_SIZES);
	rows = trigdata->tg_newtable;
	slot = MakeSingleTupleTableSlot(ir.desc, &TTSOpsMinimalTuple);
	tuplestore_select_read_pointer(rows, tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND));

	/*
	 * Two passes: every payment's keys first, then one snapshot, which sees
	 * every event that was parking for any of them, for all the probes.
	 */
	inserted_pass(&ir, rows, slot, NULL);
	probe = WebhookParkedProbeBegin(RelationGetNamespace(ir.rel));
	inserted_pass(&ir, rows, slot, probe);
	WebhookParkedProbeEnd(probe);
	tuplestore_select_read_pointer(rows, 0);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextDelete(ir.rowcxt);
	if (ir.connected)
	{
		SetUserIdAndSecContext(ir.save_userid, ir.save_sec_context);
		SPI_finish();
	}
	if (ir.fix != NIL)
		fix_new_payments(ir.schema, ir.fix);
	return PointerGetDatum(NULL);
}

/*
 * The outbox's messages of a payment's change by a statement (by hand, or
 * an event's general path: WebhookOutboxEventCurrent): payment.<state>
 * when an update changed its state or amounts, order.<state> when its
 * order moved (order, else NULL).
 */
static void
payment_messages(Oid nspoid, TupleDesc desc, const PaymentAttrs *a, HeapTuple oldtup,
				 HeapTuple newtup, const WebhookOutboxOrder *order)
{
	bool		changed = false;
	char	   *old_state = NULL;
	Datum	   *values;
	bool	   *nulls;
	bool		isnull;

	if (oldtup != NULL)
	{
		const int	columns[3] = {a->state, a->amount_captured, a->amount_refunded};

		old_state = WebhookTupleText(oldtup, desc, a->state);
		for (int i = 0; i < 3 && !changed; i++)
		{
			bool		n1;
			bool		n2;
			Datum		v1 = heap_getattr(oldtup, columns[i], desc, &n1);
			Datum		v2 = heap_getattr(newtup, columns[i], desc, &n2);

			changed = n1 != n2 || (!n1 && !datumIsEqual(v1, v2, TupleDescAttr(desc, columns[i] - 1)->attbyval,
													  TupleDescAttr(desc, columns[i] - 1)->attlen));
		}
	}
	if (!changed && order == NULL)
		return;
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(newtup, desc, values, nulls);
	WebhookOutboxChange(nspoid, DatumGetInt64(heap_getattr(newtup, a->id, desc, &isnull)),
						changed ? WebhookTupleText(newtup, desc, a->state) : NULL,
						WebhookOutboxPaymentJson(desc, values, nulls, old_state), order,
						WebhookOutboxEventCurrent());
}

/*
 * A payment inserted in a database not yet updated from 0.1.0, which has
 * no webhook_payments_inserted (no AFTER INSERT trigger with a transition
 * table) and fires webhook_payments_after for every inserted row: its
 * parked events applied here, as 0.1.0 did.
 */
static void
apply_parked_of_row(Relation rel, TupleDesc desc, const PaymentAttrs *a, HeapTuple newtup,
					const char *schema)
{
	char	   *provider = WebhookTupleText(newtup, desc, a->provider);
	char	   *reference = WebhookTupleText(newtup, desc, a->reference);
	char	   *external_id = WebhookTupleText(newtup, desc, a->external_id);
	WebhookParkedProbe *probe;

	WebhookPassPaymentKeys(provider, reference, external_id);
	probe = WebhookParkedProbeBegin(RelationGetNamespace(rel));
	if (WebhookMaybeParked(probe, provider, reference, external_id))
		WebhookApplyParked(schema, provider, reference, external_id);
	WebhookParkedProbeEnd(probe);
}

/*
 * What a payment's change means for orders: its state, order and amounts
 * before and after (NULL and zero where there is no old or new row).
 */
typedef struct OrderSide
{
	char	   *old_state;
	char	   *new_state;
	char	   *old_order;
	char	   *new_order;
	Datum		old_paid;
	Datum		old_refunded;
	Datum		new_paid;
	Datum		new_refunded;
} OrderSide;

static void
order_side_read(TupleDesc desc, const PaymentAttrs *a, HeapTuple oldtup, HeapTuple newtup,
				OrderSide *o)
{
	bool		isnull;

	memset(o, 0, sizeof(*o));
	o->old_paid = o->old_refunded = o->new_paid = o->new_refunded = WebhookNumZero();
	if (oldtup)
	{
		o->old_state = WebhookTupleText(oldtup, desc, a->state);
		o->old_order = WebhookTupleText(oldtup, desc, a->order_ref);
		o->old_paid = heap_getattr(oldtup, a->amount_captured, desc, &isnull);
		o->old_refunded = heap_getattr(oldtup, a->amount_refunded, desc, &isnull);
	}
	if (newtup)
	{
		o->new_state = WebhookTupleText(newtup, desc, a->state);
		o->new_order = WebhookTupleText(newtup, desc, a->order_ref);
		o->new_paid = heap_getattr(newtup, a->amount_captured, desc, &isnull);
		o->new_refunded = heap_getattr(newtup, a->amount_refunded, desc, &isnull);
	}
}

/*
 * Move the orders a payment's change touches: the order it left (or was
 * deleted from) loses its amounts; its order moves by what its captured
 * and refunded amounts changed, or when its state changed.  Returns that
 * order's new state, NULL when it did not move; fills out (when not NULL)
 * for the outbox.
 */
static char *
move_orders(const char *schema, Oid nspoid, OrderSide *o, WebhookOutboxOrder *out)
{
	Datum		zero = WebhookNumZero();

	if (o->old_order != NULL && (o->new_order == NULL || strcmp(o->old_order, o->new_order) != 0))
	{
		/* the payment left this order (or was deleted): take its amounts out */
		if (WebhookNumCmp(o->old_paid, zero) != 0 || WebhookNumCmp(o->old_refunded, zero) != 0)
			(void) WebhookMoveOrder(schema, nspoid, o->old_order,
									WebhookNumSub(zero, o->old_paid),
									WebhookNumSub(zero, o->old_refunded), NULL);
		o->old_paid = o->old_refunded = zero;
	}
	if (o->new_order != NULL)
	{
		Datum		dpaid = WebhookNumSub(o->new_paid, o->old_paid);
		Datum		drefunded = WebhookNumSub(o->new_refunded, o->old_refunded);
		bool		state_changed = o->old_state == NULL || strcmp(o->old_state, o->new_state) != 0;

		if (WebhookNumCmp(dpaid, zero) != 0 || WebhookNumCmp(drefunded, zero) != 0 || state_changed)
			return WebhookMoveOrder(schema, nspoid, o->new_order, dpaid, drefunded, out);
	}
	return NULL;
}

/*
 * webhook_payments_after() RETURNS trigger: AFTER UPDATE OR DELETE on
 *	  webhook_payments, and AFTER INSERT of a payment with an order.  Moves
 *	  the order(s) by the change in captured and refunded amounts, records
 *	  the order's move in the move context (state.h), writes the outbox's
 *	  messages and sends NOTIFY webhook_payment on a state change.  Parked
 *	  events are applied by webhook_payments_inserted.
 */
Datum
webhook_payments_after(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	PaymentAttrs a;
	HeapTuple	oldtup = NULL;
	HeapTuple	newtup = NULL;
	const char *schema;
	OrderSide	o;
	char	   *order_state;
	Oid			save_userid;
	int			save_sec_context;
	bool		wanted;
	WebhookOutboxOrder order;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_payments_after() must be an AFTER row trigger")));
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && move_context.by_statement)
	{
		/* the statement that moved the payment moves its order and notifies */
		return PointerGetDatum(NULL);
	}
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	payment_attrs(desc, &a);
	schema = WebhookSchemaOf(RelationGetNamespace(rel));
	wanted = WebhookOutboxWanted(RelationGetNamespace(rel));
	memset(&order, 0, sizeof(order));

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		newtup = trigdata->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		oldtup = trigdata->tg_trigtuple;
		newtup = trigdata->tg_newtuple;
	}
	else
		oldtup = trigdata->tg_trigtuple;
	order_side_read(desc, &a, oldtup, newtup, &o);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/*
	 * What follows from a payment's change (its parked events applied, its
	 * order moved) is done with the rights of the table's owner, as
	 * PostgreSQL's foreign-key actions are: a role that may change payments
	 * needs no right on the events or orders tables.  Every statement run
	 * here is schema-qualified, and the PL/pgSQL it reaches pins
	 * search_path.  An error restores the caller's identity with the
	 * (sub)transaction's abort.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(rel->rd_rel->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) && !rel->trigdesc->trig_insert_new_table)
		apply_parked_of_row(rel, desc, &a, newtup, schema);

	order_state = move_orders(schema, RelationGetNamespace(rel), &o, wanted ? &order : NULL);
	if (order_state != NULL)
	{
		bool		isnull;

		move_context.moved_payment_id = DatumGetInt64(heap_getattr(newtup, a.id, desc, &isnull));
		move_context.moved_order_state = MemoryContextStrdup(TopTransactionContext,
															 order_state);
	}

	if (wanted && newtup != NULL)
		payment_messages(RelationGetNamespace(rel), desc, &a, oldtup, newtup,
						 order_state != NULL && order.changed ? &order : NULL);
	if (oldtup && newtup && strcmp(o.old_state, o.new_state) != 0)
		WebhookNotifyPayment(WebhookTupleText(newtup, desc, a.provider),
							 WebhookTupleText(newtup, desc, a.reference),
							 WebhookTupleText(newtup, desc, a.external_id),
							 o.old_state, o.new_state, o.new_order, order_state);

	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();
	return PointerGetDatum(NULL);
}

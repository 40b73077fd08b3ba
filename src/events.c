/*-------------------------------------------------------------------------
 *
 * events.c
 *	  The event row: the trigger on webhook_events (a new event applied, a
 *	  status written by hand checked, the outbox's event.failed and
 *	  event.held) and webhook_event_apply() for stored events.
 *
 * Each reads the row's columns into a WebhookEventRow, has apply.c apply
 * it, and writes the outcome back into the row.  Nothing here writes the
 * event row: the trigger returns it, the caller of webhook_event_apply()
 * stores it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "apply.h"
#include "column.h"
#include "outbox.h"
#include "spi.h"
#include "state.h"

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

static char *
text_or_null(Datum *values, bool *nulls, int attno)
{
	return nulls[attno - 1] ? NULL : TextDatumGetCString(values[attno - 1]);
}

static void
event_from_values(const EventAttrs *a, Datum *values, bool *nulls, WebhookEventRow *ev)
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

/* Write WebhookApplyEvent's results back into the row's values. */
static void
event_to_values(const EventAttrs *a, const WebhookEventRow *ev, Datum *values, bool *nulls)
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
	WebhookEventRow ev;
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
						   "applied, unchanged, superseded, ignored, unmatched, held, failed or fetch");
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
							   "applied, unchanged, superseded, ignored, unmatched, held, failed or fetch");
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
	WebhookApplyEvent(schema, RelationGetNamespace(rel), &ev, false);
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
	WebhookEventRow ev;
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
	WebhookApplyEvent(schema, nspoid, &ev, force);
	SPI_finish();

	event_to_values(&a, &ev, values, nulls);
	result = heap_form_tuple(desc, values, nulls);
	ReleaseTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}


/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Storing a verified event once: the one-row move and the judged insert
 *	  of the common case, the events trigger's insert otherwise, settled
 *	  (held, failed, ignored) events, and what a retry of a stored event
 *	  answers.  UNIQUE (provider, event_id) decides what is new.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "apply.h"
#include "extract.h"
#include "headers.h"
#include "insert.h"
#include "move.h"
#include "outbox.h"
#include "park.h"
#include "reply.h"
#include "request.h"
#include "spi.h"
#include "store.h"
#include "webhook.h"

/*
 * In the PG_CATCH of an internal subtransaction: copy the error into
 * keep, roll the subtransaction back, and return to context back and
 * resource owner owner.  Cancels, shutdowns and out-of-memory are not the
 * sender's doing: they are thrown again.  Returns the error otherwise.
 */
ErrorData *
WebhookSubxactAbort(MemoryContext keep, MemoryContext back, ResourceOwner owner)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(keep);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(back);
	CurrentResourceOwner = owner;
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
		edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
		edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
		ReThrowError(edata);
	return edata;
}

/* Copy column col of row 0 of the SPI result as a C string in cxt, or NULL. */
static char *
spi_string(int col, MemoryContext cxt)
{
	char	   *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);

	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

/*
 * The reply's columns of an event (WEBHOOK_PLAN_EVENT_REPLY's, from column
 * first of the SPI result on: status, detail, payment reference and
 * state, order ref and state) into r.
 */
static void
reply_columns(int first, IngestResult *r, MemoryContext cxt)
{
	r->event_status = spi_string(first, cxt);
	if (r->detail == NULL)
		r->detail = spi_string(first + 1, cxt);
	r->payment_ref = spi_string(first + 2, cxt);
	r->payment_state = spi_string(first + 3, cxt);
	r->order_ref = spi_string(first + 4, cxt);
	r->order_state = spi_string(first + 5, cxt);
}

/* Read the event's status and its payment and order into r. */
static void
read_event(const char *schema, int64 event_pk, IngestResult *r, MemoryContext cxt)
{
	Datum		values[1];

	values[0] = Int64GetDatum(event_pk);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_EVENT_REPLY, schema), values, NULL,
						 false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "stored event %lld cannot be read back", (long long) event_pk);
	reply_columns(1, r, cxt);
}

/* Fill the parameters shared by the event inserts (the first 15). */
static void
event_params(WebhookProvider *prov, const IngestRequest *req, const WebhookEvent *ev,
			 Jsonb *payload, Datum *values, char *nulls)
{
	TEXT_OR_NULL(prov->name, 0);
	TEXT_OR_NULL(ev->event_id, 1);
	TEXT_OR_NULL(ev->event_type, 2);
	TEXT_OR_NULL(ev->action, 3);
	TEXT_OR_NULL(ev->object_id, 4);
	TEXT_OR_NULL(ev->reference, 5);
	TEXT_OR_NULL(ev->amount, 6);
	TEXT_OR_NULL(ev->amount_minor, 7);
	TEXT_OR_NULL(ev->currency, 8);
	TEXT_OR_NULL(ev->refund_id, 9);
	values[10] = BoolGetDatum(ev->cumulative);
	nulls[10] = ' ';
	values[11] = TimestampTzGetDatum(ev->occurred_at);
	nulls[11] = ev->has_occurred_at ? ' ' : 'n';
	values[12] = TimestampTzGetDatum(req->received_at);
	nulls[12] = ' ';
	values[13] = JsonbPGetDatum(payload);
	nulls[13] = ' ';
	values[14] = BoolGetDatum(ev->partial);
	nulls[14] = ' ';
}

/* Column col of row 0 of the SPI result as int8. */
static int64
spi_int8(int col)
{
	bool		isnull;

	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
									   col, &isnull));
}

/*
 * The event was stored before (its row is locked by the caller's
 * statement): apply it again if it had failed, else it is a duplicate.
 * read says whether r holds the reply's columns of the event already
 * (reply_columns).  Sets the outcome.
 */
static void
stored_before(const char *schema, const char *status, bool read, IngestResult *r,
			  MemoryContext cxt)
{
	if (status != NULL && strcmp(status, "failed") == 0)
	{
		Datum		arg[1];

		arg[0] = Int64GetDatum(r->event_pk);
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_RETRY_EVENT, schema), arg, NULL,
							 false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "event retry returned no row");
		status = spi_string(1, cxt);
		r->detail = NULL;
		read_event(schema, r->event_pk, r, cxt);
		WebhookSetOutcome(r, status, r->detail);
	}
	else
	{
		if (!read)
			read_event(schema, r->event_pk, r, cxt);
		WebhookSetOutcome(r, "duplicate", NULL);
	}
}

/*
 * A redelivery of a stored event: count it in webhook_events.deliveries,
 * then as stored_before.  While another delivery of the same event holds
 * its row (concurrent retries), this one is not counted there (its
 * delivery row records it) rather than waiting for that transaction: the
 * retries of one event do not queue behind each other.  A failed event's
 * retry waits for the row to apply it again, and is counted then.
 */
static void
redelivered(const char *schema, WebhookProvider *prov, const WebhookEvent *ev,
			IngestResult *r, MemoryContext cxt)
{
	Datum		values[2];
	bool		read = false;

	values[0] = CStringGetTextDatum(prov->name);
	values[1] = CStringGetTextDatum(ev->event_id);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_COUNT_REDELIVERY, schema), values, NULL,
						 false, 0) != SPI_OK_SELECT)
		elog(ERROR, "stored event \"%s\" cannot be counted", ev->event_id);
	if (SPI_processed == 1)
	{
		/* counted, and what the reply says of it read with it */
		reply_columns(2, r, cxt);
		read = true;
	}
	else
	{
		char	   *status;

		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_FIND_EVENT, schema), values, NULL,
							 false, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "stored event \"%s\" cannot be found again", ev->event_id);
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		/* a failed event's retry waits for its row all the same: count it then */
		if (status != NULL && strcmp(status, "failed") == 0 &&
			(SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_COUNT_FAILED_REDELIVERY, schema), values,
							  NULL, false, 0) != SPI_OK_UPDATE_RETURNING || SPI_processed != 1))
			elog(ERROR, "stored event \"%s\" cannot be found again", ev->event_id);
	}
	r->event_pk = spi_int8(1);
	stored_before(schema, spi_string(2, cxt), read, r, cxt);
}

/* The event's amount in major units as numeric, or NULL. */
static Datum
event_amount(const WebhookEvent *ev, bool *isnull)
{
	*isnull = (ev->amount == NULL);
	return *isnull ? (Datum) 0 :
		DirectFunctionCall3(numeric_in, CStringGetDatum(ev->amount),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * The parameters of WEBHOOK_PLAN_INSERT_JUDGED_EVENT from event_params'
 * (left as they are, for the other plans): the amounts typed as their
 * columns (amount from event_amount), the status ingest judged, and the
 * payment, when the event has one (payment_id 0: none).
 */
static void
judged_event_params(const WebhookEvent *ev, const char *status, int64 payment_id, Datum amount,
					bool no_amount, const Datum *event_values, const char *event_nulls,
					Datum *values, char *nulls)
{
	memcpy(values, event_values, sizeof(Datum) * 15);
	memcpy(nulls, event_nulls, 15);
	values[6] = amount;
	nulls[6] = no_amount ? 'n' : ' ';
	values[7] = ev->amount_minor ?
		DirectFunctionCall1(int8in, CStringGetDatum(ev->amount_minor)) : (Datum) 0;
	nulls[7] = ev->amount_minor ? ' ' : 'n';
	values[15] = Int64GetDatum(payment_id);
	nulls[15] = payment_id != 0 ? ' ' : 'n';
	values[16] = CStringGetTextDatum(status);
	nulls[16] = ' ';
	values[17] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[17] = ' ';
	values[18] = Int32GetDatum(1);
	nulls[18] = ' ';
}

/*
 * Store an event with its status settled and not applied (failed, held,
 * ignored: see WEBHOOK_PLAN_INSERT_SETTLED_EVENT); values and nulls hold
 * event_params' 15.  A second delivery of an event stored before answers
 * as stored_before.  Sets the outcome.
 */
static void
store_settled(const char *schema, Oid nspoid, const char *status, const char *detail,
			  Datum *values, char *nulls, IngestResult *r, MemoryContext cxt)
{
	values[15] = CStringGetTextDatum(status);
	nulls[15] = ' ';
	values[16] = CStringGetTextDatum(detail);
	nulls[16] = ' ';
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_INSERT_SETTLED_EVENT, schema), values, nulls,
						 false, 0) != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "settled event insert returned no row");
	r->event_pk = spi_int8(1);
	if (spi_int8(3) > 1)
	{
		/* stored before (for a failure: applying fails before the unique check) */
		stored_before(schema, spi_string(2, cxt), false, r, cxt);
		return;
	}
	r->stored_event = true;
	read_event(schema, r->event_pk, r, cxt);
	WebhookSetOutcome(r, status, r->detail);
	if ((strcmp(status, "failed") == 0 || strcmp(status, "held") == 0) &&
		WebhookOutboxWanted(nspoid))
	{
		WebhookOutboxEvent e = {r->event_pk, TextDatumGetCString(values[0]),
			TextDatumGetCString(values[1]), nulls[2] == 'n' ? NULL : TextDatumGetCString(values[2]),
		status, detail};

		WebhookOutboxEventMessage(nspoid, &e);
	}
}

/*
 * WebhookStoreEvent's work in its subtransaction (values and nulls hold
 * event_params' 15): the common case's move (fast: its target, else NULL)
 * and the judged insert, or the insert of an event ignored, or else the
 * insert whose BEFORE INSERT trigger applies the event.  Returns true when
 * the event went in judged here (r says what the move did), false when
 * the trigger judged it.
 */
static bool
insert_event(WebhookConfig *cfg, WebhookProvider *prov, const WebhookEvent *ev, const char *fast,
			 bool ignored, Datum *values, char *nulls, IngestResult *r, MemoryContext cxt)
{
	const char *schema = cfg->schema;
	WebhookMove m;
	bool		no_amount = true;
	Datum		amount = fast != NULL || ignored ? event_amount(ev, &no_amount) : (Datum) 0;
	const char *status = NULL;
	Datum		jvalues[19];
	char		jnulls[19];

	m.judged = NULL;
	if (ignored)
	{
		/* no action: nothing to look up */
		status = "ignored";
		m.payment_id = 0;
	}
	else if (fast != NULL &&
			 WebhookMovePayment(schema, cfg->nspoid, prov->name, ev->object_id, fast, amount,
								no_amount, ev->currency, cxt, &m))
		status = "applied";
	else if (m.judged != NULL)
		status = m.judged;		/* the payment is there, and the event changes nothing */
	if (status == NULL)
	{
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_INSERT_EVENT, schema),
							 values, nulls, false, 0) != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
			elog(ERROR, "event insert returned no row");
		r->event_pk = spi_int8(1);
		r->event_status = spi_string(2, cxt);
		r->detail = spi_string(3, cxt);
		return false;
	}
	judged_event_params(ev, status, m.payment_id, amount, no_amount, values, nulls,
						jvalues, jnulls);
	r->event_pk = WebhookInsertRow(WEBHOOK_PLAN_INSERT_JUDGED_EVENT, schema, cfg->nspoid,
								   jvalues, jnulls);
	if (strcmp(status, "applied") == 0 && m.payment_json != NULL)
	{
		WebhookOutboxEvent e = {r->event_pk, prov->name, ev->event_id, ev->event_type};

		WebhookOutboxChange(cfg->nspoid, m.payment_id, m.payment_state, m.payment_json,
							m.order.changed ? &m.order : NULL, &e);
	}
	r->event_status = unconstify(char *, status);
	if (m.payment_id != 0)
	{
		r->payment_ref = m.reference;
		r->payment_state = m.payment_state;
		r->order_ref = m.order_ref;
		r->order_state = m.order_state;
	}
	return true;
}

/*
 * An unmatched event of a provider whose policy is reject: not kept, and
 * answered 404, so that the provider retries until the payment exists.
 */
static void
drop_rejected(const char *schema, IngestResult *r)
{
	Datum		arg[1];

	arg[0] = Int64GetDatum(r->event_pk);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_DELETE_EVENT, schema), arg, NULL,
						 false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not drop a rejected unmatched event");
	r->event_pk = 0;
	r->stored_event = false;
	r->event_status = NULL;
	r->http_status = 404;
	r->detail = "no payment matches the event, and the provider's policy is reject";
}

/*
 * An event that carries no state (README "Fetch and apply"): stored with
 * status fetch and never applied; a new one adds the message
 * fetch.<provider>, naming the object the shop fetches.  Sets the outcome.
 */
static void
store_fetch(WebhookConfig *cfg, WebhookProvider *prov, const WebhookEvent *ev, Datum *values,
			char *nulls, IngestResult *r, MemoryContext cxt)
{
	store_settled(cfg->schema, cfg->nspoid, "fetch",
				  psprintf("fetch: %s %s", ev->object_type ? ev->object_type : "object",
						   ev->object_id ? ev->object_id : "(no id)"),
				  values, nulls, r, cxt);
	if (r->stored_event && WebhookOutboxWanted(cfg->nspoid))
	{
		WebhookOutboxEvent e;

		memset(&e, 0, sizeof(e));
		e.pk = r->event_pk;
		e.provider = prov->name;
		e.event_id = ev->event_id;
		e.event_type = ev->event_type;
		e.object_id = ev->object_id;
		e.object_type = ev->object_type;
		WebhookOutboxFetchMessage(cfg->nspoid, &e);
	}
}

/*
 * Store the verified event, in a subtransaction.  In the common case the
 * payment moves first (WebhookMovePayment) and the event goes in applied;
 * when that move finds the payment where the event changes nothing, or the
 * event has no action, it goes in unchanged, superseded or ignored as it
 * is; otherwise the insert's BEFORE INSERT trigger applies the event.  Either
 * way the unique constraint on (provider, event_id) then decides whether
 * it is new: a duplicate rolls back whatever was done for it, and an error
 * while applying stores the event as failed.  Sets the outcome.
 */
void
WebhookStoreEvent(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
			const WebhookEvent *ev, Jsonb *payload, IngestResult *r, MemoryContext cxt)
{
	const char *schema = cfg->schema;
	Datum		values[17];
	char		nulls[17];
	/* the amount is in major units already (the trigger need not convert it) */
	const bool	amount_stored = ev->amount != NULL || ev->amount_minor == NULL;
	/* the common case: the payment moves first, and the event goes in applied */
	const char *fast = !prov->config.unmatched_reject && req->redelivery_of == 0 && amount_stored ?
		WebhookFastTarget(ev->action, ev->partial, ev->object_id) : NULL;
	/* no action: ignored, with no trigger to say so */
	const bool	ignored = amount_stored &&
		(ev->action == NULL || strcmp(ev->action, "ignore") == 0);
	MemoryContext spicxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile failure = NULL;
	volatile bool duplicate = false;
	volatile bool judged = false;

	event_params(prov, req, ev, payload, values, nulls);
	if (ev->fetch)
	{
		store_fetch(cfg, prov, ev, values, nulls, r, cxt);
		return;
	}
	if (ev->invalid != NULL)
	{
		/* an amount that cannot be applied: kept, shown as held, never applied */
		store_settled(schema, cfg->nspoid, "held", ev->invalid, values, nulls, r, cxt);
		return;
	}
	WebhookLastAppliedForget();
	/* a retry of a stored event: no insert, so no wait on another retry's count */
	if (WebhookEventStored(cfg->nspoid, prov->name, ev->event_id))
	{
		redelivered(schema, prov, ev, r, cxt);
		return;
	}

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(spicxt);
	PG_TRY();
	{
		judged = insert_event(cfg, prov, ev, fast, ignored, values, nulls, r, cxt);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(spicxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = WebhookSubxactAbort(cxt, spicxt, owner);

		if (edata->sqlerrcode == ERRCODE_UNIQUE_VIOLATION && edata->constraint_name != NULL &&
			strcmp(edata->constraint_name, "webhook_events_provider_event_id_key") == 0)
			duplicate = true;
		else
			failure = edata;
	}
	PG_END_TRY();

	if (duplicate)
	{
		redelivered(schema, prov, ev, r, cxt);
		return;
	}
	if (failure != NULL)
	{
		/* verified but not applicable now: stored as failed, retried on redelivery */
		store_settled(schema, cfg->nspoid, "failed", failure->message, values, nulls, r, cxt);
		return;
	}

	r->stored_event = true;
	/* ingest's judgment, or else the trigger, says what it did: no need to read it back */
	if (!judged && r->payment_state == NULL)
	{
		const WebhookApplied *applied = WebhookLastAppliedGet();

		if (applied->event_pk == r->event_pk && applied->complete)
		{
			r->payment_ref = applied->payment_ref;
			r->payment_state = applied->payment_state;
			r->order_ref = applied->order_ref;
			r->order_state = applied->order_state;
		}
		else
			read_event(schema, r->event_pk, r, cxt);
	}
	WebhookSetOutcome(r, r->event_status, r->detail);
	if (strcmp(r->event_status, "unmatched") == 0 && prov->config.unmatched_reject)
		drop_rejected(schema, r);
}

/*
 * A verified body that the scheme cannot map to an event (why says what
 * is missing): stored ignored, never applied, so the provider stops
 * retrying it.  Its event id is the provider's idempotency key when a
 * header carries one (webhook-id, config.event_id_header), else the
 * body's SHA-256 in hex: never an id read from a body it could not read
 * whole, which a later, complete event may carry.  Sets the outcome.
 */
void
WebhookStoreUnmapped(const char *schema, WebhookProvider *prov, const IngestRequest *req,
			   const unsigned char *sha, WebhookEvent *ev, Jsonb *payload, const char *why,
			   IngestResult *r, MemoryContext cxt)
{
	Datum		values[17];
	char		nulls[17];

	if (!ev->id_from_header || ev->event_id[0] == '\0' || strlen(ev->event_id) > 255)
	{
		char		hex[65];

		WebhookHexEncode(sha, 32, hex);
		hex[64] = '\0';
		/* the reply and the delivery row read it after SPI_finish */
		ev->event_id = MemoryContextStrdup(cxt, hex);
	}
	ev->action = NULL;
	ev->amount = ev->amount_minor = NULL;
	r->event_id = ev->event_id;
	event_params(prov, req, ev, payload, values, nulls);
	store_settled(schema, InvalidOid, "ignored", psprintf("unmapped: %s", why), values, nulls, r, cxt);
}

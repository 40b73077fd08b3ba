/*-------------------------------------------------------------------------
 *
 * state.c
 *	  The payment state machine and the C triggers that move payments and
 *	  orders.
 *
 *	  - webhook_events BEFORE INSERT: apply the event to its payment and
 *	    store the event with the outcome (status, detail, payment_id,
 *	    amount).  webhook_event_apply() does the same for a stored event
 *	    applied again (parked, held, failed).
 *	  - webhook_payments BEFORE INSERT OR UPDATE: the transition rules, for
 *	    events and hand updates alike, and the time stamps.
 *	  - webhook_payments AFTER INSERT OR UPDATE OR DELETE: the order's
 *	    amounts and state, NOTIFY webhook_payment, and on insert the events
 *	    parked waiting for this payment.
 *
 * Invariants: a payment row is locked (FOR UPDATE) before an event reads
 * its state, so two events for one payment apply in some serial order; an
 * event that finds no payment takes the payment's advisory keys and looks
 * again before it parks, and a payment insert takes the same keys before
 * it looks for parked events, so neither can miss the other.  Orders move
 * by relative updates (amount_paid + delta), which stay right when
 * payments of one order change concurrently.  All SQL runs through the
 * cached plans of spi.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

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

WebhookApplied WebhookLastApplied;

/* The order the last payment change moved (payments_after -> apply_event). */
static int64 moved_payment_id = 0;
static char *moved_order_state = NULL;

static const char *const event_statuses[] = {
	"applied", "unchanged", "superseded", "ignored", "unmatched", "held", "failed"
};

static const char *const order_states[] = {
	"open", "partially_paid", "paid", "partially_refunded", "refunded"
};

/* true when s is one of the n words */
static bool
one_of(const char *s, const char *const *words, int n)
{
	if (s == NULL)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(words[i], s) == 0)
			return true;
	return false;
}

/* Raise a check violation naming the column and what it must be. */
static void
invalid_column(const char *table, const char *column, const char *value, const char *must)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("invalid %s.%s \"%s\"", table, column, value ? value : "null"),
			 errdetail("%s must be %s.", column, must)));
}

/* An ISO 4217-shaped code: three upper-case letters. */
static bool
currency_code(const char *s)
{
	return s != NULL && strlen(s) == 3 &&
		s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

/* A text column of a tuple, or NULL. */
static char *
tuple_text(HeapTuple tup, TupleDesc desc, int attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Advisory lock class for payment keys ("WH"). */
#define WEBHOOK_LOCK_CLASS 22344

PG_FUNCTION_INFO_V1(webhook_transition_allowed);
PG_FUNCTION_INFO_V1(webhook_events_apply);
PG_FUNCTION_INFO_V1(webhook_event_apply);
PG_FUNCTION_INFO_V1(webhook_payments_guard);
PG_FUNCTION_INFO_V1(webhook_payments_after);

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

/* ---------- numeric helpers (all values are Numeric datums) ---------- */

static int
num_cmp(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

static Datum
num_sub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

static Datum
num_max(Datum a, Datum b)
{
	return num_cmp(a, b) >= 0 ? a : b;
}

static Datum
num_zero(void)
{
	return DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
}

/* ---------- the event being applied ---------- */

/* Attribute numbers of webhook_events, found by name (stable across versions). */
typedef struct EventAttrs
{
	int			id,
				provider,
				event_id,
				action,
				object_id,
				reference,
				payment_id,
				amount,
				amount_minor,
				currency,
				refund_id,
				cumulative,
				status,
				detail,
				processed_at;
} EventAttrs;

static void
event_attrs(TupleDesc desc, EventAttrs *a)
{
#define ATT(f) \
	do { a->f = SPI_fnumber(desc, #f); \
		 if (a->f <= 0) elog(ERROR, "webhook_events has no column " #f); } while (0)
	ATT(id);
	ATT(provider);
	ATT(event_id);
	ATT(action);
	ATT(object_id);
	ATT(reference);
	ATT(payment_id);
	ATT(amount);
	ATT(amount_minor);
	ATT(currency);
	ATT(refund_id);
	ATT(cumulative);
	ATT(status);
	ATT(detail);
	ATT(processed_at);
#undef ATT
}

/* An event's fields as apply_event reads and writes them. */
typedef struct EventRow
{
	int64		id;
	char	   *provider;
	char	   *event_id;
	char	   *action;
	char	   *object_id;
	char	   *reference;
	char	   *currency;
	char	   *refund_id;
	bool		cumulative;
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
	ev->action = text_or_null(values, nulls, a->action);
	ev->object_id = text_or_null(values, nulls, a->object_id);
	ev->reference = text_or_null(values, nulls, a->reference);
	ev->currency = text_or_null(values, nulls, a->currency);
	ev->refund_id = text_or_null(values, nulls, a->refund_id);
	ev->cumulative = !nulls[a->cumulative - 1] && DatumGetBool(values[a->cumulative - 1]);
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

/* 32-bit hash of a lock key */
static int32
key_hash(const char *key)
{
	return (int32) hash_bytes((const unsigned char *) key, strlen(key));
}

/*
 * Take the transaction-level advisory locks on a payment's keys, in a fixed
 * order.  A payment insert and an event about to park both take them.
 */
static void
lock_payment_keys(const char *provider, const char *reference, const char *external_id)
{
	int32		keys[2];
	int			n = 0;

	if (reference != NULL)
		keys[n++] = key_hash(psprintf("r:%s:%s", provider, reference));
	if (external_id != NULL)
		keys[n++] = key_hash(psprintf("x:%s:%s", provider, external_id));
	if (n == 2 && keys[1] < keys[0])
	{
		int32		t = keys[0];

		keys[0] = keys[1];
		keys[1] = t;
	}
	for (int i = 0; i < n; i++)
		DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(WEBHOOK_LOCK_CLASS),
							Int32GetDatum(keys[i]));
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
minor_to_major(const char *schema, const char *currency, int64 minor)
{
	Datum		values[1];
	bool		isnull;
	int32		exponent;

	if (currency == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("an amount in minor units has no currency")));
	values[0] = CStringGetTextDatum(currency);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_CURRENCY_EXPONENT, schema), values, NULL,
						 true, 1) != SPI_OK_SELECT)
		elog(ERROR, "currency lookup failed");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("unknown currency \"%s\"", currency),
				 errhint("Add it to webhook_currencies, then call webhook_reprocess().")));
	exponent = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return WebhookMinorToMajor(minor, exponent);
}

Datum
WebhookMinorToMajor(int64 minor, int exponent)
{
	char		buf[64];
	char	   *digits;
	int			len;
	bool		neg = minor < 0;

	snprintf(buf, sizeof(buf), "%lld", (long long) (neg ? -minor : minor));
	len = strlen(buf);
	if (exponent <= 0)
		digits = psprintf("%s%s", neg ? "-" : "", buf);
	else if (len > exponent)
		digits = psprintf("%s%.*s.%s", neg ? "-" : "", len - exponent, buf, buf + len - exponent);
	else
		digits = psprintf("%s0.%0*d%s", neg ? "-" : "", exponent - len, 0, buf);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(digits),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

static const char *
target_state(const char *action)
{
	static const char *const map[][2] = {
		{"pending", "pending"}, {"authorize", "authorized"}, {"capture", "captured"},
		{"fail", "failed"}, {"cancel", "canceled"}, {"refund", "refund"}
	};

	for (int i = 0; i < (int) lengthof(map); i++)
		if (strcmp(map[i][0], action) == 0)
			return map[i][1];
	ereport(ERROR,
			(errcode(ERRCODE_WEBHOOK_CONFIG),
			 errmsg("unknown action \"%s\"", action)));
	return NULL;
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
	moved_payment_id = 0;
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PAYMENT_UPDATE, schema), values, NULL,
						 false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "payment update failed");
}

/* Remember what an applied event did, for the reply (see state.h). */
static void
remember_applied(const EventRow *ev, const PaymentRow *p, const char *state)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

	WebhookLastApplied.event_pk = ev->id;
	WebhookLastApplied.payment_ref = p->reference ? pstrdup(p->reference) : NULL;
	WebhookLastApplied.payment_state = pstrdup(state);
	WebhookLastApplied.order_ref = p->order_ref ? pstrdup(p->order_ref) : NULL;
	WebhookLastApplied.order_state = NULL;
	WebhookLastApplied.complete = p->order_ref == NULL;
	if (p->order_ref != NULL && moved_payment_id == p->id && moved_order_state != NULL)
	{
		WebhookLastApplied.order_state = pstrdup(moved_order_state);
		WebhookLastApplied.complete = true;
	}
	MemoryContextSwitchTo(old);
}

/* A refund event: the ledger, the cumulative figure, the new state.  Sets ev->status. */
static void
apply_refund(const char *schema, EventRow *ev, PaymentRow *p)
{
	Datum		reported = p->reported;
	Datum		refunded;
	Datum		ledger;
	bool		isnull;

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
		reported = num_max(reported, ev->has_amount ? ev->amount : p->captured);
	else
	{
		Datum		values[7];
		char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
		Datum		remaining = num_max(num_sub(p->captured, p->refunded), num_zero());

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
	{
		Datum		values[1];

		values[0] = Int64GetDatum(p->id);
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_REFUND_SUM, schema), values, NULL,
							 false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "refund sum failed");
		ledger = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												 1, &isnull), false, -1);
	}
	refunded = num_max(num_max(ledger, reported), p->refunded);
	if (num_cmp(refunded, p->refunded) == 0)
	{
		/* nothing new for the shop; remember a higher cumulative figure all the same */
		ev->status = "unchanged";
		if (num_cmp(reported, p->reported) != 0)
			update_payment(schema, p, p->state, p->captured, p->refunded, reported);
		return;
	}
	{
		const char *state = num_cmp(refunded, p->captured) >= 0 ? "refunded" : "partially_refunded";

		ev->status = "applied";
		update_payment(schema, p, state, p->captured, refunded, reported);
		remember_applied(ev, p, state);
	}
}

/*
 * The common case in one statement (WEBHOOK_PLAN_PAYMENT_FAST): the payment
 * named by the provider's id takes the event's state, the transition is
 * allowed and nothing disagrees.  Returns false when no row moved; the
 * caller then finds out why on the slow path.
 */
static bool
apply_fast(const char *schema, EventRow *ev, const char *target)
{
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	PaymentRow	p;
	bool		isnull;

	values[0] = CStringGetTextDatum(ev->provider);
	values[1] = CStringGetTextDatum(ev->object_id);
	values[2] = CStringGetTextDatum(target);
	values[3] = ev->has_amount ? ev->amount : (Datum) 0;
	nulls[3] = ev->has_amount ? ' ' : 'n';
	values[4] = ev->currency ? CStringGetTextDatum(ev->currency) : (Datum) 0;
	nulls[4] = ev->currency ? ' ' : 'n';
	moved_payment_id = 0;
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PAYMENT_FAST, schema), values, nulls,
						 false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "payment update failed");
	if (SPI_processed != 1)
		return false;
	memset(&p, 0, sizeof(p));
	p.id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	p.reference = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	p.order_ref = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	ev->status = "applied";
	ev->has_payment = true;
	ev->payment_id = p.id;
	remember_applied(ev, &p, target);
	return true;
}

/*
 * Apply an event to its payment.  Fills ev->status (and detail, payment_id,
 * amount).  Writes the payment, never the event.  Raises when applying
 * fails; the caller decides what a failure means.  Must run connected to
 * SPI.
 */
static void
apply_event(const char *schema, EventRow *ev, bool force)
{
	PaymentRow	p;
	const char *target;

	ev->detail = NULL;
	if (!ev->has_amount && ev->has_minor)
	{
		ev->amount = minor_to_major(schema, ev->currency, ev->amount_minor);
		ev->has_amount = true;
	}
	if (ev->action == NULL || strcmp(ev->action, "ignore") == 0)
	{
		ev->status = "ignored";
		return;
	}
	target = target_state(ev->action);

	if (strcmp(target, "refund") != 0 && ev->object_id != NULL &&
		apply_fast(schema, ev, target))
		return;

	if (!find_payment(schema, ev, &p))
	{
		/*
		 * About to park: take the payment's keys, then look again.  The
		 * lookup is a new statement with a new snapshot, so a payment whose
		 * insert held the keys has committed and is seen; a payment inserted
		 * later waits for our keys and then sees this event.
		 */
		lock_payment_keys(ev->provider, ev->reference, ev->object_id);
		if (!find_payment(schema, ev, &p))
		{
			ev->status = "unmatched";
			return;
		}
	}
	ev->has_payment = true;
	ev->payment_id = p.id;

	if (strcmp(target, "refund") == 0)
	{
		apply_refund(schema, ev, &p);
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
			(ev->has_amount && p.has_amount && num_cmp(ev->amount, p.amount) != 0);
		if (mismatch)
		{
			ev->detail = "amount_mismatch";
			if (!force && provider_holds(schema, ev->provider))
			{
				ev->status = "held";
				return;
			}
		}
		captured = ev->has_amount ? ev->amount : (p.has_amount ? p.amount : num_zero());
		update_payment(schema, &p, target, captured, p.refunded, p.reported);
		remember_applied(ev, &p, target);
		return;
	}
	update_payment(schema, &p, target, p.captured, p.refunded, p.reported);
	remember_applied(ev, &p, target);
}

/* The extension's schema, quoted, from a relation of it. */
static char *
schema_of(Oid nspoid)
{
	return pstrdup(quote_identifier(get_namespace_name(nspoid)));
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
	char	   *schema;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "webhook_events_apply() must be a BEFORE row trigger");
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	event_attrs(desc, &a);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		/* a status written by hand or by webhook_event_reapply must be one of ours */
		char	   *status = tuple_text(trigdata->tg_newtuple, desc, a.status);

		if (status != NULL && !one_of(status, event_statuses, lengthof(event_statuses)))
			invalid_column("webhook_events", "status", status,
						   "applied, unchanged, superseded, ignored, unmatched, held or failed");
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	tup = trigdata->tg_trigtuple;
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(tup, desc, values, nulls);
	if (!nulls[a.status - 1])
	{
		char	   *status = TextDatumGetCString(values[a.status - 1]);

		if (!one_of(status, event_statuses, lengthof(event_statuses)))
			invalid_column("webhook_events", "status", status,
						   "applied, unchanged, superseded, ignored, unmatched, held or failed");
		return PointerGetDatum(tup);
	}

	event_from_values(&a, values, nulls, &ev);
	schema = schema_of(RelationGetNamespace(rel));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	apply_event(schema, &ev, false);
	SPI_finish();

	event_to_values(&a, &ev, values, nulls);
	return PointerGetDatum(heap_form_tuple(desc, values, nulls));
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
	char	   *schema;

	tmp.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tmp.t_self);
	tmp.t_tableOid = InvalidOid;
	tmp.t_data = row;
	event_attrs(desc, &a);
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(&tmp, desc, values, nulls);
	event_from_values(&a, values, nulls, &ev);

	schema = schema_of(get_func_namespace(fcinfo->flinfo->fn_oid));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	apply_event(schema, &ev, force);
	SPI_finish();

	event_to_values(&a, &ev, values, nulls);
	result = heap_form_tuple(desc, values, nulls);
	ReleaseTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
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
				state_changed_at,
				updated_at,
				amount;
} PaymentAttrs;

static void
payment_attrs(TupleDesc desc, PaymentAttrs *a)
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
	ATT(state_changed_at);
	ATT(updated_at);
	ATT(amount);
#undef ATT
}

/* Raise unless the numeric column is NULL or not negative. */
static void
check_amount(HeapTuple tup, TupleDesc desc, int attno, const char *table, const char *column)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	if (!isnull && num_cmp(d, num_zero()) < 0)
		invalid_column(table, column,
					   DatumGetCString(DirectFunctionCall1(numeric_out, d)), "zero or more");
}

/* The text column is the same in both tuples. */
static bool
currency_equal(HeapTuple a, HeapTuple b, TupleDesc desc, int attno)
{
	char	   *x = tuple_text(a, desc, attno);
	char	   *y = tuple_text(b, desc, attno);

	return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
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
		elog(ERROR, "webhook_payments_guard() must be a BEFORE row trigger");
	desc = RelationGetDescr(trigdata->tg_relation);
	payment_attrs(desc, &a);
	newtup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	state = tuple_text(newtup, desc, a.state);

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		bool		isnull;
		char	   *currency = tuple_text(newtup, desc, a.currency);

		if (!one_of(state, payment_states, lengthof(payment_states)))
			invalid_column("webhook_payments", "state", state,
						   "pending, authorized, captured, failed, canceled, partially_refunded or refunded");
		(void) heap_getattr(newtup, a.state_changed_at, desc, &isnull);
		if (isnull)
		{
			cols[n] = a.state_changed_at;
			vals[n++] = TimestampTzGetDatum(now);
		}
		if (currency != NULL)
		{
			for (char *c = currency; *c; c++)
				*c = pg_toupper((unsigned char) *c);
			if (!currency_code(currency))
				invalid_column("webhook_payments", "currency", currency, "a three-letter ISO 4217 code");
			cols[n] = a.currency;
			vals[n++] = CStringGetTextDatum(currency);
		}
		if (tuple_text(newtup, desc, a.reference) == NULL &&
			tuple_text(newtup, desc, a.external_id) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("a payment needs a reference or an external_id")));
		check_amount(newtup, desc, a.amount, "webhook_payments", "amount");
	}
	else
	{
		char	   *old = tuple_text(trigdata->tg_trigtuple, desc, a.state);

		if (strcmp(old, state) != 0)
		{
			if (!WebhookTransitionAllowed(old, state))
			{
				char	   *ref = tuple_text(trigdata->tg_trigtuple, desc, a.reference);

				if (ref == NULL)
					ref = tuple_text(trigdata->tg_trigtuple, desc, a.external_id);
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
			char	   *currency = tuple_text(newtup, desc, a.currency);

			if (currency != NULL && !currency_code(currency))
				invalid_column("webhook_payments", "currency", currency, "a three-letter ISO 4217 code");
		}
		check_amount(newtup, desc, a.amount, "webhook_payments", "amount");
	}
	if (n == 0)
		return PointerGetDatum(newtup);
	return PointerGetDatum(heap_modify_tuple_by_cols(newtup, desc, n, cols, vals, nulls));
}

PG_FUNCTION_INFO_V1(webhook_orders_guard);

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
		elog(ERROR, "webhook_orders_guard() must be a BEFORE row trigger");
	desc = RelationGetDescr(trigdata->tg_relation);
	tup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	state = tuple_text(tup, desc, SPI_fnumber(desc, "state"));
	currency = tuple_text(tup, desc, SPI_fnumber(desc, "currency"));
	if (!one_of(state, order_states, lengthof(order_states)))
		invalid_column("webhook_orders", "state", state,
					   "open, partially_paid, paid, partially_refunded or refunded");
	if (currency != NULL && !currency_code(currency))
		invalid_column("webhook_orders", "currency", currency, "a three-letter ISO 4217 code");
	check_amount(tup, desc, SPI_fnumber(desc, "total"), "webhook_orders", "total");
	return PointerGetDatum(tup);
}

/* Move an order by deltas; returns its new state, or NULL if there is no such order. */
static char *
move_order(const char *schema, const char *order_ref, Datum dpaid, Datum drefunded)
{
	Datum		values[3];

	values[0] = CStringGetTextDatum(order_ref);
	values[1] = dpaid;
	values[2] = drefunded;
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_ORDER_MOVE, schema), values, NULL,
						 false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "order update failed");
	if (SPI_processed != 1)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/* Append "key": value (a JSON string or null) to buf. */
static void
json_field(StringInfo buf, const char *key, const char *value)
{
	if (buf->len > 1)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

/* Apply the events parked for a payment just inserted, in provider order. */
static void
apply_parked(const char *schema, const char *provider, const char *reference,
			 const char *external_id)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	uint64		n;
	int64	   *ids;

	lock_payment_keys(provider, reference, external_id);
	values[0] = CStringGetTextDatum(provider);
	values[1] = reference ? CStringGetTextDatum(reference) : (Datum) 0;
	nulls[1] = reference ? ' ' : 'n';
	values[2] = external_id ? CStringGetTextDatum(external_id) : (Datum) 0;
	nulls[2] = external_id ? ' ' : 'n';
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PARKED_EVENTS, schema), values, nulls,
						 false, 0) != SPI_OK_SELECT)
		elog(ERROR, "parked event lookup failed");
	n = SPI_processed;
	if (n == 0)
		return;
	ids = palloc(sizeof(int64) * n);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	for (uint64 i = 0; i < n; i++)
	{
		Datum		arg[1];

		arg[0] = Int64GetDatum(ids[i]);
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_REAPPLY_EVENT, schema), arg, NULL,
							 false, 1) != SPI_OK_SELECT)
			elog(ERROR, "parked event could not be applied");
	}
}

/*
 * webhook_payments_after() RETURNS trigger: AFTER INSERT OR UPDATE OR
 *	  DELETE on webhook_payments.  Moves the order(s) by the change in
 *	  captured and refunded amounts, sends NOTIFY webhook_payment on a state
 *	  change, and on insert applies the events parked for the payment.
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
	char	   *schema;
	Datum		zero;
	char	   *order_state = NULL;
	char	   *old_state = NULL;
	char	   *new_state = NULL;
	char	   *old_order = NULL;
	char	   *new_order = NULL;
	Datum		old_paid,
				old_refunded,
				new_paid,
				new_refunded;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "webhook_payments_after() must be an AFTER row trigger");
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	payment_attrs(desc, &a);
	schema = schema_of(RelationGetNamespace(rel));
	zero = num_zero();

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		newtup = trigdata->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		oldtup = trigdata->tg_trigtuple;
		newtup = trigdata->tg_newtuple;
	}
	else
		oldtup = trigdata->tg_trigtuple;

	old_paid = old_refunded = new_paid = new_refunded = zero;
	if (oldtup)
	{
		old_state = tuple_text(oldtup, desc, a.state);
		old_order = tuple_text(oldtup, desc, a.order_ref);
		old_paid = heap_getattr(oldtup, a.amount_captured, desc, &isnull);
		old_refunded = heap_getattr(oldtup, a.amount_refunded, desc, &isnull);
	}
	if (newtup)
	{
		new_state = tuple_text(newtup, desc, a.state);
		new_order = tuple_text(newtup, desc, a.order_ref);
		new_paid = heap_getattr(newtup, a.amount_captured, desc, &isnull);
		new_refunded = heap_getattr(newtup, a.amount_refunded, desc, &isnull);
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		apply_parked(schema, tuple_text(newtup, desc, a.provider),
					 tuple_text(newtup, desc, a.reference),
					 tuple_text(newtup, desc, a.external_id));

	if (old_order != NULL && (new_order == NULL || strcmp(old_order, new_order) != 0))
	{
		/* the payment left this order (or was deleted): take its amounts out */
		if (num_cmp(old_paid, zero) != 0 || num_cmp(old_refunded, zero) != 0)
			(void) move_order(schema, old_order, num_sub(zero, old_paid), num_sub(zero, old_refunded));
		old_paid = old_refunded = zero;
	}
	if (new_order != NULL)
	{
		Datum		dpaid = num_sub(new_paid, old_paid);
		Datum		drefunded = num_sub(new_refunded, old_refunded);
		bool		state_changed = old_state == NULL || strcmp(old_state, new_state) != 0;

		if (num_cmp(dpaid, zero) != 0 || num_cmp(drefunded, zero) != 0 || state_changed)
		{
			order_state = move_order(schema, new_order, dpaid, drefunded);
			if (order_state != NULL)
			{
				bool		isnull2;

				moved_payment_id = DatumGetInt64(heap_getattr(newtup, a.id, desc, &isnull2));
				moved_order_state = MemoryContextStrdup(TopTransactionContext, order_state);
			}
		}
	}

	if (oldtup && newtup && strcmp(old_state, new_state) != 0 && webhook_notify)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoChar(&buf, '{');
		json_field(&buf, "provider", tuple_text(newtup, desc, a.provider));
		json_field(&buf, "reference", tuple_text(newtup, desc, a.reference));
		json_field(&buf, "external_id", tuple_text(newtup, desc, a.external_id));
		json_field(&buf, "old_state", old_state);
		json_field(&buf, "new_state", new_state);
		json_field(&buf, "order_ref", new_order);
		json_field(&buf, "order_state", order_state);
		appendStringInfoChar(&buf, '}');
		Async_Notify("webhook_payment", buf.data);
	}

	SPI_finish();
	return PointerGetDatum(NULL);
}

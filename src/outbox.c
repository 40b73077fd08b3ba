/*-------------------------------------------------------------------------
 *
 * outbox.c
 *	  The messages of webhook_outbox, and the wake-ups that go with them.
 *
 * The code that changes a payment or an order (state.c's payments
 * trigger, move.c's one-row move, the events trigger) calls here in the
 * change's transaction: a change that rolls back takes its messages with
 * it, and a committed one has one per subscribed consumer.  Which
 * consumers subscribe to what is cached per backend and invalidated by a
 * statement trigger on webhook_subscriptions (webhook_config_invalidate),
 * so while nobody subscribes a change costs one test of a flag.  Each
 * message goes in through insert.c's single-row insert, with the rights of
 * the outbox's owner, as the payments trigger works with the tables' owner.
 *
 * NOTIFY serialises every notifying commit of the cluster (the queue's
 * lock is held from before the commit record until after it), so it is
 * sent only while some session waits for it: webhook_listen() takes a
 * session advisory lock that ingest tests for without waiting, once a
 * second.  With no
 * such session, commits stay parallel; a worker never depends on the
 * wake-up, since it claims by polling too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "insert.h"
#include "outbox.h"
#include "spi.h"
#include "webhook.h"

/* The advisory lock a listening session holds (class "WH", key "LIST", kind 3). */
#define LISTEN_LOCK_CLASS 22344
#define LISTEN_LOCK_KEY 0x4c495354

typedef struct Subscription
{
	char	   *consumer;
	int			ntopics;
	char	  **topics;
} Subscription;

static MemoryContext subs_context = NULL;
static bool subs_valid = false;
static bool callback_registered = false;
static Oid	subs_nspoid = InvalidOid;
static Oid	subs_relid = InvalidOid;
static Oid	outbox_relid = InvalidOid;
static Oid	outbox_owner = InvalidOid;
static int	nsubs = 0;
static Subscription *subs = NULL;
static bool listening_here = false;

/* The event being applied (outbox.h), NULL when none is. */
static const WebhookOutboxEvent *current_event = NULL;

const WebhookOutboxEvent *
WebhookOutboxEventBegin(const WebhookOutboxEvent *event)
{
	const WebhookOutboxEvent *outer = current_event;

	current_event = event;
	return outer;
}

void
WebhookOutboxEventEnd(const WebhookOutboxEvent *outer)
{
	current_event = outer;
}

const WebhookOutboxEvent *
WebhookOutboxEventCurrent(void)
{
	return current_event;
}

PG_FUNCTION_INFO_V1(webhook_listen);

static void
subs_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == subs_relid || relid == outbox_relid)
		subs_valid = false;
}

static Oid
rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* Read webhook_subscriptions of nspoid into the cache, as the outbox's owner. */
static void
load_subscriptions(Oid nspoid)
{
	Oid			save_userid;
	int			save_sec_context;
	MemoryContext old;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(subs_relcache_callback, (Datum) 0);
		callback_registered = true;
	}
	if (subs_context == NULL)
		subs_context = AllocSetContextCreate(CacheMemoryContext, "webhook subscriptions",
											 ALLOCSET_SMALL_SIZES);
	MemoryContextReset(subs_context);
	nsubs = 0;
	subs = NULL;
	subs_nspoid = nspoid;
	subs_relid = get_relname_relid("webhook_subscriptions", nspoid);
	outbox_relid = get_relname_relid("webhook_outbox", nspoid);
	if (!OidIsValid(subs_relid) || !OidIsValid(outbox_relid))
		return;					/* not updated to 0.2.0: asked again next time */
	outbox_owner = rel_owner(outbox_relid);
	subs_valid = true;			/* before reading: an invalidation meanwhile wins */

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(outbox_owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	if (SPI_execute(psprintf("SELECT consumer, topics FROM %s.webhook_subscriptions",
							 WebhookSchemaOf(nspoid)), false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read webhook_subscriptions");
	SetUserIdAndSecContext(save_userid, save_sec_context);
	old = MemoryContextSwitchTo(subs_context);
	subs = palloc0(sizeof(Subscription) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		Datum		topics = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		subs[nsubs].consumer = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
		if (isnull)
			continue;
		deconstruct_array(DatumGetArrayTypeP(topics), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &enulls, &n);
		subs[nsubs].topics = palloc(sizeof(char *) * Max(n, 1));
		for (int j = 0; j < n; j++)
			if (!enulls[j])
				subs[nsubs].topics[subs[nsubs].ntopics++] = TextDatumGetCString(elems[j]);
		nsubs++;
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
}

bool
WebhookOutboxWanted(Oid nspoid)
{
	if (!subs_valid || subs_nspoid != nspoid)
		load_subscriptions(nspoid);
	return nsubs > 0;
}

/* A topic pattern of a subscription: exact, or a prefix ending in '*'. */
static bool
topic_matches(const char *pattern, const char *topic)
{
	size_t		len = strlen(pattern);

	if (len > 0 && pattern[len - 1] == '*')
		return strncmp(pattern, topic, len - 1) == 0;
	return strcmp(pattern, topic) == 0;
}

static bool
subscribed(const Subscription *s, const char *topic)
{
	for (int i = 0; i < s->ntopics; i++)
		if (topic_matches(s->topics[i], topic))
			return true;
	return false;
}

/*
 * Whether some session of this database waits for NOTIFY (webhook_listen):
 * a ShareLock on the listeners' advisory lock, not waited for, conflicts
 * only with a listener's RowExclusiveLock.  Asked at most once a second
 * (by the transactions' start times): every ask takes the lock manager's
 * partition lock of that one tag, which concurrent ingests would queue
 * on.  So a session that starts or stops listening is seen within a
 * second; the wake-up is only that, and workers poll too.
 */
static bool
listener_present(void)
{
	static TimestampTz asked_at = 0;
	static bool present = false;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	LOCKTAG		tag;
	LockAcquireResult r;

	if (listening_here)
		return true;
	if (asked_at != 0 && now >= asked_at && now - asked_at < USECS_PER_SEC)
		return present;
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, LISTEN_LOCK_CLASS, LISTEN_LOCK_KEY, 3);
	r = LockAcquireExtended(&tag, ShareLock, false, true, false, NULL);
	present = (r == LOCKACQUIRE_NOT_AVAIL);
	if (!present)
		LockRelease(&tag, ShareLock, false);
	asked_at = now;
	return present;
}

bool
WebhookNotifyWanted(void)
{
	return webhook_notify && listener_present();
}

void
WebhookJsonMember(StringInfo buf, const char *key, const char *value)
{
	if (buf->data[buf->len - 1] != '{')
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	if (value)
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

/*
 * The payloads are built as jsonb values, member by member
 * (pushJsonbValue), with no JSON text to parse: numeric columns go in as
 * they are stored.
 */
static void
jb_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = unconstify(char *, key);
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &k);
}

static void
jb_text(JsonbParseState **st, const char *key, const char *value)
{
	JsonbValue	v;

	jb_key(st, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = unconstify(char *, value);
		v.val.string.len = strlen(value);
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* A numeric datum (NaN and infinities, which JSON has no number for, as strings) */
static void
jb_numeric(JsonbParseState **st, const char *key, Datum value, bool isnull)
{
	JsonbValue	v;

	if (!isnull && (numeric_is_nan(DatumGetNumeric(value)) || numeric_is_inf(DatumGetNumeric(value))))
	{
		jb_text(st, key, DatumGetCString(DirectFunctionCall1(numeric_out, value)));
		return;
	}
	jb_key(st, key);
	v.type = isnull ? jbvNull : jbvNumeric;
	if (!isnull)
		v.val.numeric = DatumGetNumeric(value);
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

static void
jb_int8(JsonbParseState **st, const char *key, int64 value)
{
	jb_numeric(st, key, value == 0 ? (Datum) 0 : NumericGetDatum(int64_to_numeric(value)), value == 0);
}

/* Numeric text, as jb_numeric */
static void
jb_numeric_text(JsonbParseState **st, const char *key, const char *value)
{
	jb_numeric(st, key, value == NULL ? (Datum) 0 :
			   DirectFunctionCall3(numeric_in, CStringGetDatum(value), ObjectIdGetDatum(InvalidOid),
								   Int32GetDatum(-1)), value == NULL);
}

/* A container, or null, as the value of key */
static void
jb_container(JsonbParseState **st, const char *key, Jsonb *value)
{
	JsonbValue	v;

	jb_key(st, key);
	if (value == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &value->root;
		v.val.binary.len = VARSIZE(value) - VARHDRSZ;
	}
	(void) pushJsonbValue(st, WJB_VALUE, &v);
}

/* A text column of a deformed row by name, or NULL (no such column, or null). */
static char *
column_text(TupleDesc desc, const Datum *values, const bool *nulls, const char *name)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0 || nulls[attno - 1])
		return NULL;
	return TextDatumGetCString(values[attno - 1]);
}

/* A numeric (or bigint) column by name */
static void
jb_column(JsonbParseState **st, TupleDesc desc, const Datum *values, const bool *nulls,
		  const char *name)
{
	int			attno = SPI_fnumber(desc, name);
	bool		isnull = attno <= 0 || nulls[attno - 1];

	if (!isnull && TupleDescAttr(desc, attno - 1)->atttypid == INT8OID)
		jb_int8(st, name, DatumGetInt64(values[attno - 1]));
	else
		jb_numeric(st, name, isnull ? (Datum) 0 : values[attno - 1], isnull);
}

Jsonb *
WebhookOutboxPaymentJson(TupleDesc desc, const Datum *values, const bool *nulls,
						 const char *old_state)
{
	static const char *const text_columns[] = {"provider", "reference", "external_id", "order_ref", "state"};
	static const char *const amount_columns[] = {"amount_captured", "amount_refunded"};
	JsonbParseState *st = NULL;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_column(&st, desc, values, nulls, "id");
	for (size_t i = 0; i < lengthof(text_columns); i++)
		jb_text(&st, text_columns[i], column_text(desc, values, nulls, text_columns[i]));
	jb_text(&st, "old_state", old_state);
	jb_column(&st, desc, values, nulls, "amount");
	jb_text(&st, "currency", column_text(desc, values, nulls, "currency"));
	for (size_t i = 0; i < lengthof(amount_columns); i++)
		jb_column(&st, desc, values, nulls, amount_columns[i]);
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

static void
order_json(JsonbParseState **st, const WebhookOutboxOrder *o)
{
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_text(st, "ref", o->ref);
	jb_text(st, "state", o->state);
	jb_text(st, "old_state", o->old_state);
	jb_numeric_text(st, "total", o->total);
	jb_numeric_text(st, "amount_paid", o->amount_paid);
	jb_numeric_text(st, "amount_refunded", o->amount_refunded);
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

static void
event_json(JsonbParseState **st, const WebhookOutboxEvent *e)
{
	(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
	jb_int8(st, "pk", e->pk);
	jb_text(st, "provider", e->provider);
	jb_text(st, "event_id", e->event_id);
	jb_text(st, "event_type", e->event_type);
	if (e->status != NULL)
	{
		jb_text(st, "status", e->status);
		jb_text(st, "detail", e->detail);
		jb_int8(st, "payment_id", e->payment_id);
	}
	if (e->object_id != NULL)
	{
		jb_key(st, "object");
		(void) pushJsonbValue(st, WJB_BEGIN_OBJECT, NULL);
		jb_text(st, "id", e->object_id);
		jb_text(st, "type", e->object_type);
		(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
	}
	(void) pushJsonbValue(st, WJB_END_OBJECT, NULL);
}

/* The payload of README "The outbox" */
static Jsonb *
payload_json(const char *topic, Jsonb *payment, const WebhookOutboxOrder *order,
			 const WebhookOutboxEvent *event)
{
	JsonbParseState *st = NULL;
	JsonbValue	null = {.type = jbvNull};
	char		stamp[MAXDATELEN + 1];

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	jb_text(&st, "topic", topic);
	jb_container(&st, "payment", payment);
	jb_key(&st, "order");
	if (order != NULL)
		order_json(&st, order);
	else
		(void) pushJsonbValue(&st, WJB_VALUE, &null);
	jb_key(&st, "event");
	if (event != NULL)
		event_json(&st, event);
	else
		(void) pushJsonbValue(&st, WJB_VALUE, &null);
	JsonEncodeDateTime(stamp, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
					   TIMESTAMPTZOID, NULL);
	jb_text(&st, "changed_at", stamp);
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

/* One message per consumer that subscribes to topic.  Connected to SPI. */
static void
write_messages(Oid nspoid, const char *topic, int64 payment_id, Jsonb *payment_json,
			   const WebhookOutboxOrder *order, const WebhookOutboxEvent *event)
{
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bool		built = false;
	Oid			save_userid;
	int			save_sec_context;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	bool		notify = false;

	if (!WebhookOutboxWanted(nspoid))
		return;
	for (int i = 0; i < nsubs; i++)
	{
		if (!subscribed(&subs[i], topic))
			continue;
		if (!built)
		{
			values[1] = CStringGetTextDatum(topic);
			values[2] = JsonbPGetDatum(payload_json(topic, payment_json, order, event));
			values[3] = Int64GetDatum(payment_id);
			nulls[3] = payment_id != 0 ? ' ' : 'n';
			values[4] = CStringGetTextDatum("ready");
			values[5] = Int32GetDatum(0);
			values[6] = TimestampTzGetDatum(now);
			values[7] = TimestampTzGetDatum(now);
			built = true;
			notify = WebhookNotifyWanted();
			GetUserIdAndSecContext(&save_userid, &save_sec_context);
			SetUserIdAndSecContext(outbox_owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_NOFORCE_RLS);
		}
		values[0] = CStringGetTextDatum(subs[i].consumer);
		(void) WebhookInsertRow(WEBHOOK_PLAN_INSERT_OUTBOX, WebhookSchemaOf(nspoid), nspoid,
								values, nulls);
		if (notify)
			Async_Notify("webhook_outbox", subs[i].consumer);
	}
	if (built)
		SetUserIdAndSecContext(save_userid, save_sec_context);
}

void
WebhookOutboxChange(Oid nspoid, int64 payment_id, const char *payment_state,
					Jsonb *payment_json, const WebhookOutboxOrder *order,
					const WebhookOutboxEvent *event)
{
	if (payment_json != NULL && payment_state != NULL)
		write_messages(nspoid, psprintf("payment.%s", payment_state), payment_id, payment_json,
					   order, event);
	if (order != NULL && order->state != NULL)
		write_messages(nspoid, psprintf("order.%s", order->state), payment_id, payment_json,
					   order, event);
}

void
WebhookOutboxEventMessage(Oid nspoid, const WebhookOutboxEvent *event)
{
	write_messages(nspoid, psprintf("event.%s", event->status), event->payment_id, NULL, NULL,
				   event);
}

void
WebhookOutboxFetchMessage(Oid nspoid, const WebhookOutboxEvent *event)
{
	write_messages(nspoid, psprintf("fetch.%s", event->provider), event->payment_id, NULL, NULL,
				   event);
}

/*
 * webhook_listen(channel text) RETURNS void
 *	  LISTEN on webhook_outbox or webhook_payment (from this transaction's
 *	  commit), and hold the listeners' advisory lock for the rest of the
 *	  session, so that changes notify while this session lasts.
 */
Datum
webhook_listen(PG_FUNCTION_ARGS)
{
	char	   *channel = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (strcmp(channel, "webhook_outbox") != 0 && strcmp(channel, "webhook_payment") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("webhook_listen listens on webhook_outbox or webhook_payment, not \"%s\"", channel)));
	if (!listening_here)
	{
		LOCKTAG		tag;

		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, LISTEN_LOCK_CLASS, LISTEN_LOCK_KEY, 3);
		(void) LockAcquire(&tag, RowExclusiveLock, true, false);
		listening_here = true;
	}
	Async_Listen(channel);
	PG_RETURN_VOID();
}

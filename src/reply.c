/*-------------------------------------------------------------------------
 *
 * reply.c
 *	  The jsonb reply of webhook_ingest, built in place from what the call
 *	  learned (request.h's IngestResult).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "headers.h"
#include "reply.h"

static const struct
{
	const char *outcome;
	int			http_status;
}			outcome_status[] = {
	{"applied", 200}, {"unchanged", 200}, {"superseded", 200}, {"ignored", 200},
	{"unmatched", 200}, {"held", 200}, {"fetch", 200}, {"duplicate", 200}, {"failed", 500},
	{"missing_header", 400}, {"malformed_header", 400}, {"malformed_body", 400},
	{"invalid_signature", 401}, {"stale_timestamp", 401}, {"unknown_provider", 404},
	{"body_too_large", 413}, {"unknown_certificate", 503}
};

/* Set the outcome and its HTTP status. */
void
WebhookSetOutcome(IngestResult *r, const char *outcome, const char *detail)
{
	r->outcome = outcome;
	r->detail = detail;
	r->http_status = 500;
	for (int i = 0; i < (int) lengthof(outcome_status); i++)
		if (strcmp(outcome_status[i].outcome, outcome) == 0)
			r->http_status = outcome_status[i].http_status;
}

/*
 * A jsonb object built in place: its pairs, put in jsonb's key order
 * (shorter keys first, then bytewise) by reply_object before conversion,
 * with no key given twice.  Cheaper than pushJsonbValue's parse state.
 */
typedef struct ReplyObject
{
	int			n;
	JsonbPair	pairs[14];
} ReplyObject;

static JsonbPair *
reply_key(ReplyObject *o, const char *key)
{
	JsonbPair  *p = &o->pairs[o->n];

	Assert(o->n < (int) lengthof(o->pairs));
	p->key.type = jbvString;
	p->key.val.string.val = unconstify(char *, key);
	p->key.val.string.len = strlen(key);
	p->order = o->n++;
	return p;
}

/* Add "key": "value" (value may be NULL: then nothing is added). */
static void
reply_string(ReplyObject *o, const char *key, const char *value)
{
	JsonbPair  *p;

	if (value == NULL)
		return;
	p = reply_key(o, key);
	p->value.type = jbvString;
	p->value.val.string.val = unconstify(char *, value);
	p->value.val.string.len = strlen(value);
}

/* Add "key": number. */
static void
reply_int(ReplyObject *o, const char *key, int64 value)
{
	JsonbPair  *p = reply_key(o, key);

	p->value.type = jbvNumeric;
	p->value.val.numeric = int64_to_numeric(value);
}

/* Whether key a goes before key b in a jsonb object. */
static bool
reply_key_before(const JsonbValue *a, const JsonbValue *b)
{
	if (a->val.string.len != b->val.string.len)
		return a->val.string.len < b->val.string.len;
	return memcmp(a->val.string.val, b->val.string.val, a->val.string.len) < 0;
}

/* The object as a JsonbValue, its few pairs sorted in place. */
static void
reply_object(ReplyObject *o, JsonbValue *v)
{
	for (int i = 1; i < o->n; i++)
	{
		JsonbPair	p = o->pairs[i];
		int			j = i;

		for (; j > 0 && reply_key_before(&p.key, &o->pairs[j - 1].key); j--)
			o->pairs[j] = o->pairs[j - 1];
		o->pairs[j] = p;
	}
	v->type = jbvObject;
	v->val.object.nPairs = o->n;
	v->val.object.pairs = o->pairs;
}

/* Add "key": {"k1": v1, "k2": v2}, with sub for its storage. */
static void
reply_pair(ReplyObject *o, ReplyObject *sub, const char *key,
		   const char *k1, const char *v1, const char *k2, const char *v2)
{
	sub->n = 0;
	reply_string(sub, k1, v1);
	reply_string(sub, k2, v2);
	reply_object(sub, &reply_key(o, key)->value);
}

/* An event's part of a reply: its id, outcome and status, its payment and order, the detail. */
static void
reply_event(ReplyObject *o, ReplyObject *payment, ReplyObject *order, const IngestResult *r)
{
	reply_string(o, "outcome", r->outcome);
	reply_string(o, "event_id", r->event_id);
	reply_string(o, "event_status", r->event_status);
	if (r->payment_state != NULL)
		reply_pair(o, payment, "payment", "reference", r->payment_ref, "state", r->payment_state);
	if (r->order_state != NULL)
		reply_pair(o, order, "order", "ref", r->order_ref, "state", r->order_state);
	reply_string(o, "detail", r->detail);
}

/* "events": [...], each event's part of the reply (a delivery of several). */
static void
reply_events(ReplyObject *o, const IngestResult *r)
{
	JsonbPair  *p = reply_key(o, "events");
	JsonbValue *elems = palloc(sizeof(JsonbValue) * Max(r->nevents, 1));

	for (int i = 0; i < r->nevents; i++)
	{
		ReplyObject *e = palloc(sizeof(ReplyObject) * 3);

		e[0].n = 0;
		reply_event(&e[0], &e[1], &e[2], &r->events[i]);
		reply_object(&e[0], &elems[i]);
	}
	p->value.type = jbvArray;
	p->value.val.array.nElems = r->nevents;
	p->value.val.array.elems = elems;
	p->value.val.array.rawScalar = false;
}

/* The reply of README "How it works". */
Jsonb *
WebhookBuildReply(const IngestResult *r)
{
	ReplyObject o,
				payment,
				order;
	JsonbValue	v;

	o.n = 0;
	reply_int(&o, "http_status", r->http_status);
	reply_int(&o, "delivery_id", r->delivery_id);
	reply_event(&o, &payment, &order, r);
	reply_string(&o, "cert_url", r->cert_url);
	if (r->events != NULL)
		reply_events(&o, r);
	reply_string(&o, "response_body", r->response_body);
	reply_string(&o, "content_type", r->content_type);
	reply_object(&o, &v);
	return JsonbValueToJsonb(&v);
}

/*
 * Look up a header the scheme needs.  Returns NULL when found (*out set),
 * else sets the outcome on r and returns it.
 */
const char *
WebhookNeedHeader(const WebhookHeader *hdrs, int n, const char *name,
			const WebhookHeader **out, IngestResult *r)
{
	switch (WebhookFindHeader(hdrs, n, name, out))
	{
		case WEBHOOK_HEADER_FOUND:
			return NULL;
		case WEBHOOK_HEADER_DUPLICATE:
			WebhookSetOutcome(r, "malformed_header", psprintf("header %s appears more than once", name));
			return r->outcome;
		default:
			WebhookSetOutcome(r, "missing_header", psprintf("header %s is missing", name));
			return r->outcome;
	}
}


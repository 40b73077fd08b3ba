/*-------------------------------------------------------------------------
 *
 * mollie.c
 *	  Mollie's next-gen (signed) webhooks: X-Mollie-Signature, the
 *	  HMAC-SHA256 of the raw body in hex, and Mollie's event objects.
 *
 * The classic webhooks (a form post of "id=tr_...", unsigned) carry no
 * state and nothing that can be verified: a provider takes them only with
 * config.classic true, and each is stored with status fetch, never
 * applied, its id the payment's and the time it came (Mollie calls again
 * at every change of the payment).  The shop fetches the payment and passes
 * it to webhook_apply_object (README "Fetch and apply"), whose object
 * callback reads it as the event of its status.
 *
 * Mollie's documentation and its own PHP client differ on the header's
 * value: the documentation's samples compare it with the bare hex digest,
 * the client (mollie-api-php, Webhooks/SignatureValidator) strips a
 * "sha256=" prefix first and accepts several values (the header sent
 * twice while a secret rotates).  Both are accepted here: a comma-separated
 * list (repeated headers folded as HTTP folds them), each value with or
 * without "sha256=" (any case), the hex in either case; any value that
 * verifies with any key is enough.  webhook_sign sends "sha256=" and lower
 * case, as the client expects.  The secret is used as its UTF-8 bytes, as
 * both the documentation and the client do.
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "config.h"
#include "configkeys.h"
#include "crypto.h"
#include "extract.h"
#include "headers.h"
#include "jsonget.h"
#include "money.h"
#include "reply.h"
#include "request.h"
#include "verify.h"

#define MOLLIE_HEADER	"X-Mollie-Signature"
#define MOLLIE_PREFIX	"sha256="

/* Bytes of an HMAC-SHA256. */
#define MOLLIE_MAC_LEN	32

/* Most values one header may list; more is malformed. */
#define MOLLIE_MAX_SIGS 16

/* The longest id a classic webhook may name. */
#define MOLLIE_MAX_ID	64

/* Its own options: config.classic (take the classic, unsigned form posts). */
typedef struct MollieOptions
{
	bool		classic;
} MollieOptions;

static void
parse_classic(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	if (v->type != jbvBool)
		WebhookConfigError(key, "true or false");
	((MollieOptions *) out->opts)->classic = v->val.boolean;
}

static const WebhookConfigKey key_classic = {"classic", parse_classic};

/*
 * A classic webhook's body, "id=<id>" (letters, digits, '_'), as the object
 * {"classic": <the id>, "received_at": <now>}; NULL for any other body.
 */
static Jsonb *
mollie_parse(const char *body, size_t len)
{
	char		stamp[MAXDATELEN + 1];
	const char *keys[2] = {"classic", "received_at"};
	const char *values[2];
	const char *id;
	size_t		id_len;

	if (!WebhookFormField(body, len, "id", MOLLIE_MAX_ID, &id, &id_len))
		return NULL;
	JsonEncodeDateTime(stamp, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
					   TIMESTAMPTZOID, NULL);
	values[0] = pnstrdup(id, id_len);
	values[1] = stamp;
	return WebhookJsonObject(keys, values, 2);
}

/* Whether the request is a classic webhook: its body the form post, no signature header. */
static bool
is_classic(const WebhookVerifyCall *c)
{
	const WebhookHeader *h;
	const char *id;
	size_t		id_len;

	return WebhookFindHeader(c->hdrs, c->nhdrs, MOLLIE_HEADER, &h) == WEBHOOK_HEADER_MISSING &&
		WebhookFormField(c->req->body, c->req->body_len, "id", MOLLIE_MAX_ID, &id, &id_len);
}

/* X-Mollie-Signature over the raw body, with every key. */
static bool
mollie_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			  IngestResult *r)
{
	const WebhookHeader *h;

	/* nothing to verify: taken only as a hint to fetch (the extractor makes it one) */
	if (((const MollieOptions *) c->prov->config.opts)->classic && is_classic(c))
	{
		*verdict = WEBHOOK_VERIFIED;
		return true;
	}
	if (WebhookNeedHeader(c->hdrs, c->nhdrs, MOLLIE_HEADER, &h, r))
		return false;
	*verdict = WebhookVerifyHmacList(h->value, (size_t) h->value_len, MOLLIE_PREFIX, WEBHOOK_SHA256,
									 WEBHOOK_HEX, MOLLIE_MAX_SIGS,
									 (const unsigned char *) c->req->body, c->req->body_len,
									 c->keys, c->nkeys, which);
	return true;
}

/*
 * The resource a full payload embeds: the first member of _embedded that
 * is an object with an id and a resource (Mollie keys it by its resource
 * type, "payment", say, in deliveries, and "entity" in its Events API, as
 * its PHP client notes), or NULL for a simple payload.
 */
static JsonbContainer *
embedded_entity(JsonbContainer *root)
{
	JsonbContainer *emb = WebhookJsonGetObject(root, "_embedded");
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (emb == NULL)
		return NULL;
	it = JsonbIteratorInit(emb);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_VALUE && v.type == jbvBinary &&
			JsonContainerIsObject(v.val.binary.data) &&
			WebhookJsonGetText(v.val.binary.data, "id") != NULL &&
			WebhookJsonGetText(v.val.binary.data, "resource") != NULL)
			return v.val.binary.data;
	}
	return NULL;
}

/*
 * Mollie defaults (README "Schemes", Event mapping): the event's id and
 * type; the payment by its id (entityId, or a refund's paymentId) and by
 * the shop's reference (metadata.reference, else metadata.order_id); the
 * amount the embedded resource's amount.value, in major units.
 */
static void
extract_mollie(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *entity = embedded_entity(root);
	char	   *entity_id = WebhookJsonGetText(root, "entityId");
	char	   *classic = WebhookJsonGetText(root, "classic");
	JsonbValue	buf;

	if (classic != NULL)
	{
		/* a classic webhook: the payment's id, nothing else; fetch it */
		const char *parts[2] = {classic, WebhookJsonGetText(root, "received_at")};

		ev->event_id = parts[1] ? WebhookJoinId(parts, 2) : NULL;
		ev->event_type = "classic";
		ev->object_id = classic;
		ev->object_type = strncmp(classic, "tr_", 3) == 0 ? "payment" :
			strncmp(classic, "ord_", 4) == 0 ? "order" : "resource";
		ev->fetch = true;
		return;
	}
	ev->event_id = WebhookJsonGetText(root, "id");
	ev->event_type = WebhookJsonGetText(root, "type");
	ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "createdAt", &buf),
										  &ev->occurred_at);
	if (entity_id == NULL && entity != NULL)
		entity_id = WebhookJsonGetText(entity, "id");
	if (ev->event_type != NULL && strncmp(ev->event_type, "refund.", 7) == 0)
	{
		/* a refund is its own resource; its payment is named in it */
		ev->refund_id = entity_id;
		ev->object_id = entity ? WebhookJsonGetText(entity, "paymentId") : NULL;
	}
	else
		ev->object_id = entity_id;
	if (entity != NULL)
	{
		JsonbContainer *amount = WebhookJsonGetObject(entity, "amount");
		JsonbContainer *meta = WebhookJsonGetObject(entity, "metadata");

		if (amount != NULL)
		{
			ev->amount = WebhookJsonGetText(amount, "value");
			ev->currency = WebhookUpperCurrency(WebhookJsonGetText(amount, "currency"));
		}
		if (meta != NULL)
		{
			ev->reference = WebhookJsonGetText(meta, "reference");
			if (ev->reference == NULL)
				ev->reference = WebhookJsonGetText(meta, "order_id");
		}
	}
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
}

/* {"X-Mollie-Signature": "sha256=<hex>"}, as Mollie's client reads it. */
static Jsonb *
mollie_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			size_t len, Jsonb *options)
{
	const char *name = MOLLIE_HEADER;
	const char *value = WebhookSignHmacHeader(MOLLIE_PREFIX, WEBHOOK_SHA256, WEBHOOK_HEX, false,
											  key, body, len);

	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(&name, &value, 1);
}

/*
 * A payment fetched from Mollie's API (GET /v2/payments/:id) as the event
 * of its status ("payment.paid", say) that a next-gen webhook with the
 * payment embedded would be; a status that says nothing (open) is no event.
 * Refunds are not read from it (amountRefunded is a total Mollie's events
 * do not carry): they come with their own refund events.
 */
static int
mollie_object(Jsonb *object, const char *id, Jsonb ***events, const char **why)
{
	JsonbContainer *obj = &object->root;
	char	   *resource = WebhookJsonGetText(obj, "resource");
	char	   *status = WebhookJsonGetText(obj, "status");
	char	   *pid = WebhookJsonGetText(obj, "id");
	const char *keys[3] = {"id", "type", "entityId"};
	const char *values[3] = {id, NULL, pid};

	if (resource == NULL || strcmp(resource, "payment") != 0 || pid == NULL)
	{
		*why = "the object is no Mollie payment";
		return -1;
	}
	if (status == NULL || strcmp(status, "open") == 0)
		return 0;
	values[1] = psprintf("payment.%s", status);
	*events = palloc(sizeof(Jsonb *));
	(*events)[0] = WebhookJsonEnvelope(keys, values, 3, "_embedded", "payment", object);
	return 1;
}

static const WebhookConfigKey *const mollie_keys[] = {&key_classic, NULL};

const WebhookSchemeInfo webhook_scheme_mollie = {
	.name = "mollie",
	.config_keys = mollie_keys,
	.opts_size = sizeof(MollieOptions),
	.own_action = true,
	.needs_type = true,
	.no_id = "the event has no id",
	.verify = mollie_verify,
	.extract = extract_mollie,
	.sign = mollie_sign,
	.object = mollie_object,
	.parse = mollie_parse,
};

/*-------------------------------------------------------------------------
 *
 * mollie.c
 *	  Mollie's next-gen (signed) webhooks: X-Mollie-Signature, the
 *	  HMAC-SHA256 of the raw body in hex, and Mollie's event objects.
 *
 * The classic webhooks (a form post of "id=tr_...", unsigned) are not
 * this scheme's: nothing in them can be verified.
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

#include "utils/builtins.h"
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

/*
 * Judge the list of signatures in value over body with the keys: VERIFIED
 * when some value matches some key (*which the lowest such key's index);
 * else MALFORMED_HEADER when a value is empty, or is not hex after an
 * optional "sha256=", or the list is longer than MOLLIE_MAX_SIGS; else
 * INVALID_SIGNATURE.  Each value is judged whole by
 * WebhookVerifyHmacHeader (constant-time compares).
 */
static WebhookVerdict
verify_list(const char *value, size_t len, const unsigned char *body, size_t body_len,
			const WebhookKey *keys, int nkeys, int *which)
{
	size_t		pos = 0;
	size_t		plen = strlen(MOLLIE_PREFIX);
	int			n = 0;
	bool		verified = false;
	bool		malformed = false;

	*which = -1;
	for (;;)
	{
		size_t		start = pos;
		size_t		end;

		while (pos < len && value[pos] != ',')
			pos++;
		end = pos;
		while (start < end && (value[start] == ' ' || value[start] == '\t'))
			start++;
		while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
			end--;
		if (++n > MOLLIE_MAX_SIGS)
			return WEBHOOK_MALFORMED_HEADER;
		if (start == end)
			malformed = true;
		else
		{
			const char *item = value + start;
			size_t		ilen = end - start;
			bool		prefixed = ilen >= plen && pg_strncasecmp(item, MOLLIE_PREFIX, plen) == 0;
			int			w = -1;

			switch (WebhookVerifyHmacHeader(item, ilen, prefixed ? MOLLIE_PREFIX : NULL,
											WEBHOOK_SHA256, WEBHOOK_HEX, body, body_len,
											keys, nkeys, &w))
			{
				case WEBHOOK_VERIFIED:
					if (!verified || w < *which)
						*which = w;
					verified = true;
					break;
				case WEBHOOK_MALFORMED_HEADER:
					malformed = true;
					break;
				case WEBHOOK_CRYPTO_FAILURE:
					*which = -1;
					return WEBHOOK_CRYPTO_FAILURE;
				default:
					break;
			}
		}
		if (pos >= len)
			break;
		pos++;					/* the comma */
	}
	if (verified)
		return WEBHOOK_VERIFIED;
	return malformed ? WEBHOOK_MALFORMED_HEADER : WEBHOOK_INVALID_SIGNATURE;
}

/* X-Mollie-Signature over the raw body, with every key. */
static bool
mollie_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			  IngestResult *r)
{
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, MOLLIE_HEADER, &h, r))
		return false;
	*verdict = verify_list(h->value, (size_t) h->value_len, (const unsigned char *) c->req->body,
						   c->req->body_len, c->keys, c->nkeys, which);
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
	JsonbValue	buf;

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
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		hex[2 * MOLLIE_MAC_LEN + 1];
	char	   *value;

	if (WebhookHmac(WEBHOOK_SHA256, key->data, key->len, body, len, mac) != MOLLIE_MAC_LEN)
		elog(ERROR, "could not compute an hmac");
	WebhookHexEncode(mac, MOLLIE_MAC_LEN, hex);
	hex[2 * MOLLIE_MAC_LEN] = '\0';
	value = psprintf("%s%s", MOLLIE_PREFIX, hex);
	WebhookCleanse(mac, sizeof(mac));
	WebhookCleanse(hex, sizeof(hex));
	return WebhookJsonObject(&name, (const char *const *) &value, 1);
}

static const WebhookConfigKey *const mollie_keys[] = {NULL};

const WebhookSchemeInfo webhook_scheme_mollie = {
	.name = "mollie",
	.config_keys = mollie_keys,
	.own_action = true,
	.needs_type = true,
	.no_id = "the event has no id",
	.verify = mollie_verify,
	.extract = extract_mollie,
	.sign = mollie_sign,
};

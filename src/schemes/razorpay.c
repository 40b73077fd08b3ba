/*-------------------------------------------------------------------------
 *
 * razorpay.c
 *	  Razorpay: X-Razorpay-Signature (hex HMAC-SHA256 of the body), the
 *	  event id in x-razorpay-event-id, and Razorpay's payment, order,
 *	  refund and payment link events.
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 * Razorpay signs no timestamp and not the event id header: a replay is
 * told apart only by its event id, and a replay under a new id meets the
 * state machine (the same state again is unchanged, a refund is counted
 * once by its refund id).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

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

/* The header that names the event: its id, and its idempotency key. */
static const char *
razorpay_id_header(const WebhookProviderConfig *cfg)
{
	return "x-razorpay-event-id";
}

/*
 * X-Razorpay-Signature over the body with each key (the webhook secret as
 * given); x-razorpay-event-id is needed too, since it is the event's id.
 */
static bool
razorpay_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
				IngestResult *r)
{
	const WebhookHeader *id;
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, "x-razorpay-event-id", &id, r) ||
		WebhookNeedHeader(c->hdrs, c->nhdrs, "X-Razorpay-Signature", &h, r))
		return false;
	*verdict = WebhookVerifyHmacHeader(h->value, h->value_len, NULL, WEBHOOK_SHA256, WEBHOOK_HEX,
									   (const unsigned char *) c->req->body, c->req->body_len,
									   c->keys, c->nkeys, which);
	return true;
}

/* payload.<name>.entity, or NULL. */
static JsonbContainer *
entity(JsonbContainer *payload, const char *name)
{
	JsonbContainer *wrapper = payload ? WebhookJsonGetObject(payload, name) : NULL;

	return wrapper ? WebhookJsonGetObject(wrapper, "entity") : NULL;
}

/* notes.reference of an entity, or NULL. */
static char *
notes_reference(JsonbContainer *e)
{
	JsonbContainer *notes = e ? WebhookJsonGetObject(e, "notes") : NULL;

	return notes ? WebhookJsonGetText(notes, "reference") : NULL;
}

/*
 * Razorpay defaults (README "Schemes", Event mapping).  The payload holds
 * the entities the event concerns (payment, refund, order, payment_link):
 * the payment by its id (pay_...; a refund's payment_id), else a payment
 * link by its id; the shop's reference is notes.reference of the payment,
 * the order or the link, else the order's receipt, else the link's
 * reference_id.  Amounts are the refund's, else the payment's, in minor
 * units.  refund.created is a refund only when the refund is processed
 * already (else refund.processed follows), unless config.actions names it.
 */
static void
extract_razorpay(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *entities = WebhookJsonGetObject(root, "payload");
	JsonbContainer *pay = entity(entities, "payment");
	JsonbContainer *refund = entity(entities, "refund");
	JsonbContainer *order = entity(entities, "order");
	JsonbContainer *link = entity(entities, "payment_link");
	JsonbValue	buf;
	JsonbValue *created;
	bool		overridden;

	/* the event id is the x-razorpay-event-id header's (id_source) */
	ev->event_type = WebhookJsonGetText(root, "event");
	created = WebhookJsonGet(root, "created_at", &buf);
	if (created != NULL && created->type == jbvNumeric)
		ev->has_occurred_at = WebhookJsonTime(created, &ev->occurred_at);

	if (refund != NULL)
	{
		ev->object_id = WebhookJsonGetText(refund, "payment_id");
		ev->refund_id = WebhookJsonGetText(refund, "id");
		ev->amount_minor = WebhookJsonGetText(refund, "amount");
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(refund, "currency"));
	}
	else if (pay != NULL)
	{
		ev->amount_minor = WebhookJsonGetText(pay, "amount");
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(pay, "currency"));
	}
	if (ev->object_id == NULL && pay != NULL)
		ev->object_id = WebhookJsonGetText(pay, "id");
	if (ev->object_id == NULL && link != NULL)
		ev->object_id = WebhookJsonGetText(link, "id");

	ev->reference = notes_reference(pay);
	if (ev->reference == NULL)
		ev->reference = notes_reference(order);
	if (ev->reference == NULL)
		ev->reference = notes_reference(link);
	if (ev->reference == NULL && order != NULL)
		ev->reference = WebhookJsonGetText(order, "receipt");
	if (ev->reference == NULL && link != NULL)
		ev->reference = WebhookJsonGetText(link, "reference_id");

	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	overridden = prov->config.actions != NULL && ev->event_type != NULL &&
		WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) != NULL;
	if (ev->action != NULL && !overridden && strcmp(ev->event_type, "refund.created") == 0)
	{
		char	   *status = refund ? WebhookJsonGetText(refund, "status") : NULL;

		if (status == NULL || strcmp(status, "processed") != 0)
			ev->action = "ignore";
	}
}

/*
 * {"X-Razorpay-Signature": <hex>, "x-razorpay-event-id": options.event_id}:
 * options.event_id is required, as Razorpay sends it with every event.
 */
static Jsonb *
razorpay_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			  size_t len, Jsonb *options)
{
	static const char *const names[2] = {"X-Razorpay-Signature", "x-razorpay-event-id"};
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		hex[2 * WEBHOOK_MAX_DIGEST + 1];
	const char *values[2];
	char	   *id = WebhookOptionText(options, "event_id", true);
	int			maclen;
	Jsonb	   *headers;

	if (id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options.event_id must be non-empty")));
	maclen = WebhookHmac(WEBHOOK_SHA256, key->data, key->len, body, len, mac);
	if (maclen <= 0)
		elog(ERROR, "could not compute an hmac");
	WebhookHexEncode(mac, maclen, hex);
	hex[2 * maclen] = '\0';
	values[0] = hex;
	values[1] = id;
	headers = WebhookJsonObject(names, values, 2);
	WebhookCleanse(mac, sizeof(mac));
	WebhookCleanse(hex, sizeof(hex));
	return headers;
}

static const WebhookConfigKey *const razorpay_keys[] = {NULL};

const WebhookSchemeInfo webhook_scheme_razorpay = {
	.name = "razorpay",
	.config_keys = razorpay_keys,
	.minor_units = true,
	.own_action = true,
	.needs_type = true,
	.id_source = WEBHOOK_ID_HEADER,
	.id_header = razorpay_id_header,
	.verify = razorpay_verify,
	.extract = extract_razorpay,
	.sign = razorpay_sign,
};

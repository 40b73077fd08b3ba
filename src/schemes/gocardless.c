/*-------------------------------------------------------------------------
 *
 * gocardless.c
 *	  GoCardless: Webhook-Signature, lowercase hex HMAC-SHA256 of the body
 *	  with the endpoint secret as given; a delivery carries a batch of
 *	  events ("events": [...]), each stored and applied on its own; a bad
 *	  signature answers 498.
 *
 * An event names its resource by resource_type and action
 * ("payments.confirmed") and links it by id (links.payment); it carries
 * no amount.  A capture is of the payment's amount; a chargeback or a
 * late failure refunds what is left.  A refund event says neither how
 * much nor, always, for which payment: refunds are seeded as ignore
 * (README "Schemes").
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
#include "reply.h"
#include "request.h"
#include "verify.h"

/* Webhook-Signature over the body. */
static bool
gocardless_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
				  IngestResult *r)
{
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, "Webhook-Signature", &h, r))
		return false;
	*verdict = WebhookVerifyHmacHeader(h->value, h->value_len, "", WEBHOOK_SHA256, WEBHOOK_HEX,
									   (const unsigned char *) c->req->body, c->req->body_len,
									   c->keys, c->nkeys, which);
	return true;
}

/* The events of a delivery: the objects of its "events" array. */
static int
gocardless_split(Jsonb *payload, Jsonb ***events, const char **why)
{
	int			n = WebhookJsonArrayItems(&payload->root, "events", NULL, events);

	if (n < 0)
		*why = "the body has no events array";
	return n;
}

/* One event (README "Schemes", Event mapping). */
static void
extract_gocardless(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *links = WebhookJsonGetObject(root, "links");
	JsonbContainer *meta = WebhookJsonGetObject(root, "resource_metadata");
	char	   *resource = WebhookJsonGetText(root, "resource_type");
	char	   *action = WebhookJsonGetText(root, "action");
	JsonbValue	buf;
	JsonbValue *created;

	ev->event_id = WebhookJsonGetText(root, "id");
	if (resource != NULL && action != NULL)
		ev->event_type = psprintf("%s.%s", resource, action);
	if (links != NULL)
	{
		ev->object_id = WebhookJsonGetText(links, "payment");
		ev->refund_id = WebhookJsonGetText(links, "refund");
	}
	if (meta == NULL)
		meta = WebhookJsonGetObject(root, "metadata");
	if (meta != NULL)
		ev->reference = WebhookJsonGetText(meta, "reference");
	created = WebhookJsonGet(root, "created_at", &buf);
	if (created != NULL && created->type == jbvString)
		ev->has_occurred_at = WebhookJsonTime(created, &ev->occurred_at);
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
}

/* {"Webhook-Signature": hex HMAC-SHA256 of the body}. */
static Jsonb *
gocardless_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
				size_t len, Jsonb *options)
{
	const char *name = "Webhook-Signature";
	const char *value = WebhookSignHmacHeader(NULL, WEBHOOK_SHA256, WEBHOOK_HEX, false, key, body, len);

	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(&name, &value, 1);
}

static const WebhookConfigKey *const gocardless_keys[] = {NULL};

const WebhookSchemeInfo webhook_scheme_gocardless = {
	.name = "gocardless",
	.config_keys = gocardless_keys,
	.own_action = true,
	.needs_type = true,
	.split = gocardless_split,
	/* "Webhooks with an invalid signature must return a 498 Token Invalid error" */
	.invalid_status = 498,
	.verify = gocardless_verify,
	.extract = extract_gocardless,
	.sign = gocardless_sign,
};

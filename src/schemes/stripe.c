/*-------------------------------------------------------------------------
 *
 * stripe.c
 *	  Stripe: the Stripe-Signature header, and Stripe's event objects.
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "clock.h"
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


/* Stripe-Signature over the body, with the whole whsec_ string as key. */
static bool
stripe_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			  IngestResult *r)
{
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, "Stripe-Signature", &h, r))
		return false;
	*verdict = WebhookVerifyStripe(h->value, h->value_len, (const unsigned char *) c->req->body,
								   c->req->body_len, c->keys, c->nkeys,
								   WebhookTimestampToUnix(c->req->now), c->prov->tolerance,
								   which, ts);
	return true;
}

/* Stripe defaults (README "Schemes", Event mapping). */
static void
extract_stripe(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *data = WebhookJsonGetObject(root, "data");
	JsonbContainer *obj = data ? WebhookJsonGetObject(data, "object") : NULL;
	JsonbContainer *meta = obj ? WebhookJsonGetObject(obj, "metadata") : NULL;
	char	   *objtype = obj ? WebhookJsonGetText(obj, "object") : NULL;
	const char *type;
	JsonbValue	buf;
	bool		overridden;

	ev->event_id = WebhookJsonGetText(root, "id");
	ev->event_type = WebhookJsonGetText(root, "type");
	type = ev->event_type ? ev->event_type : "";

	if (obj != NULL)
	{
		if (objtype != NULL && strcmp(objtype, "payment_intent") == 0)
			ev->object_id = WebhookJsonGetText(obj, "id");
		else
		{
			JsonbContainer *pi = WebhookJsonGetObject(obj, "payment_intent");

			/* an expanded PaymentIntent is an object with its id inside */
			ev->object_id = pi ? WebhookJsonGetText(pi, "id") : WebhookJsonGetText(obj, "payment_intent");
		}
		ev->reference = meta ? WebhookJsonGetText(meta, "reference") : NULL;
		if (ev->reference == NULL)
			ev->reference = WebhookJsonGetText(obj, "client_reference_id");
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(obj, "currency"));

		if (objtype != NULL && strcmp(objtype, "payment_intent") == 0)
		{
			ev->amount_minor = WebhookJsonGetText(obj, "amount_received");
			if (ev->amount_minor == NULL || strcmp(ev->amount_minor, "0") == 0 ||
				strcmp(type, "payment_intent.succeeded") != 0)
				ev->amount_minor = WebhookJsonGetText(obj, "amount");
		}
		else if (objtype != NULL && strcmp(objtype, "charge") == 0)
		{
			if (strcmp(type, "charge.refunded") == 0)
			{
				ev->amount_minor = WebhookJsonGetText(obj, "amount_refunded");
				ev->cumulative = true;
			}
			else
			{
				ev->amount_minor = WebhookJsonGetText(obj, "amount_captured");
				if (ev->amount_minor == NULL || strcmp(ev->amount_minor, "0") == 0)
					ev->amount_minor = WebhookJsonGetText(obj, "amount");
			}
		}
		else if (objtype != NULL && strcmp(objtype, "refund") == 0)
		{
			ev->amount_minor = WebhookJsonGetText(obj, "amount");
			ev->refund_id = WebhookJsonGetText(obj, "id");
		}
		else if (objtype != NULL && strcmp(objtype, "checkout.session") == 0)
			ev->amount_minor = WebhookJsonGetText(obj, "amount_total");
		else
			ev->amount_minor = WebhookJsonGetText(obj, "amount");
	}
	/* Stripe's created is Unix seconds; anything else there is not a time */
	{
		JsonbValue *created = WebhookJsonGet(root, "created", &buf);

		if (created != NULL && created->type == jbvNumeric)
			ev->has_occurred_at = WebhookJsonTime(created, &ev->occurred_at);
	}

	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	overridden = prov->config.actions != NULL && ev->event_type != NULL &&
		WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) != NULL;
	if (ev->action != NULL && !overridden && obj != NULL)
	{
		char	   *s;

		if (strcmp(type, "charge.succeeded") == 0 &&
			(s = WebhookJsonGetText(obj, "captured")) != NULL && strcmp(s, "false") == 0)
			ev->action = "authorize";
		else if (strncmp(type, "refund.", 7) == 0 &&
				 ((s = WebhookJsonGetText(obj, "status")) == NULL || strcmp(s, "succeeded") != 0))
			ev->action = "ignore";
		else if (strcmp(type, "checkout.session.completed") == 0 &&
				 ((s = WebhookJsonGetText(obj, "payment_status")) == NULL || strcmp(s, "paid") != 0))
			ev->action = "pending";
	}
}


/* {"Stripe-Signature": "t=<ts>,v1=<hex>"}; options.ts (Unix seconds) or now. */
static Jsonb *
stripe_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			size_t len, Jsonb *options)
{
	const char *name = "Stripe-Signature";
	const char *value = WebhookSignStripe(body, len, key, WebhookOptionTs(options));

	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(&name, &value, 1);
}

static const WebhookConfigKey *const stripe_keys[] = {NULL};

const WebhookSchemeInfo webhook_scheme_stripe = {
	.name = "stripe",
	.config_keys = stripe_keys,
	.minor_units = true,
	.own_action = true,
	.needs_type = true,
	.verify = stripe_verify,
	.extract = extract_stripe,
	.sign = stripe_sign,
};

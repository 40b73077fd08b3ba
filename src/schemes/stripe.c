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

/*
 * A thin event (v2 event destinations: object "v2.core.event"): no state,
 * only the object it is about (related_object), or the event itself when
 * it names none.  Stored with status fetch (README "Fetch and apply").
 */
static void
extract_thin(JsonbContainer *root, WebhookEvent *ev)
{
	JsonbContainer *related = WebhookJsonGetObject(root, "related_object");
	JsonbValue	buf;
	JsonbValue *created = WebhookJsonGet(root, "created", &buf);

	ev->event_id = WebhookJsonGetText(root, "id");
	ev->event_type = WebhookJsonGetText(root, "type");
	ev->fetch = true;
	ev->object_id = related ? WebhookJsonGetText(related, "id") : NULL;
	ev->object_type = related ? WebhookJsonGetText(related, "type") : NULL;
	if (ev->object_id == NULL)
	{
		ev->object_id = ev->event_id;
		ev->object_type = "v2.core.event";
	}
	/* an ISO 8601 string here, not v1's Unix seconds */
	if (created != NULL && created->type == jbvString)
		ev->has_occurred_at = WebhookJsonTime(created, &ev->occurred_at);
}

/* Stripe defaults (README "Schemes", Event mapping). */
static void
extract_stripe(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *data = WebhookJsonGetObject(root, "data");
	JsonbContainer *obj = data ? WebhookJsonGetObject(data, "object") : NULL;
	JsonbContainer *meta = obj ? WebhookJsonGetObject(obj, "metadata") : NULL;
	char	   *objtype;
	const char *type;
	JsonbValue	buf;
	bool		overridden;

	if ((objtype = WebhookJsonGetText(root, "object")) != NULL && strcmp(objtype, "v2.core.event") == 0)
	{
		extract_thin(root, ev);
		return;
	}
	objtype = obj ? WebhookJsonGetText(obj, "object") : NULL;
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


/*
 * The event type a fetched object's state amounts to, as a v1 event of
 * it would name it: a PaymentIntent, a Charge, a Refund or a Checkout
 * Session by its status; NULL for a status that says nothing yet.
 */
static const char *
object_event_type(JsonbContainer *obj, const char *objtype)
{
	char	   *status = WebhookJsonGetText(obj, "status");

	if (status == NULL)
		return NULL;
	if (strcmp(objtype, "payment_intent") == 0)
	{
		if (strcmp(status, "succeeded") == 0)
			return "payment_intent.succeeded";
		if (strcmp(status, "requires_capture") == 0)
			return "payment_intent.amount_capturable_updated";
		if (strcmp(status, "canceled") == 0)
			return "payment_intent.canceled";
		if (strcmp(status, "processing") == 0)
			return "payment_intent.processing";
		/* back to requires_payment_method after an attempt failed */
		if (strcmp(status, "requires_payment_method") == 0 &&
			WebhookJsonGetObject(obj, "last_payment_error") != NULL)
			return "payment_intent.payment_failed";
		return NULL;
	}
	if (strcmp(objtype, "charge") == 0)
		return strcmp(status, "succeeded") == 0 ? "charge.succeeded" :
			strcmp(status, "failed") == 0 ? "charge.failed" : NULL;
	if (strcmp(objtype, "refund") == 0)
		return "refund.updated";	/* a refund when its status is succeeded */
	if (strcmp(objtype, "checkout.session") == 0)
		return strcmp(status, "complete") == 0 ? "checkout.session.completed" :
			strcmp(status, "expired") == 0 ? "checkout.session.expired" : NULL;
	return NULL;
}

/* {"id": id, "object": "event", "type": type, "data": {"object": obj}} */
static Jsonb *
v1_event(const char *id, const char *type, Jsonb *obj)
{
	const char *keys[3] = {"id", "object", "type"};
	const char *values[3] = {id, "event", type};

	return WebhookJsonEnvelope(keys, values, 3, "data", "object", obj);
}

/*
 * A fetched Stripe object as the v1 events of its state: its status's
 * event, and for a Charge with refunds also charge.refunded (cumulative).
 */
static int
stripe_object(Jsonb *object, const char *id, Jsonb ***events, const char **why)
{
	JsonbContainer *obj = &object->root;
	char	   *objtype = WebhookJsonGetText(obj, "object");
	const char *type = objtype ? object_event_type(obj, objtype) : NULL;
	char	   *refunded = objtype && strcmp(objtype, "charge") == 0 ?
		WebhookJsonGetText(obj, "amount_refunded") : NULL;
	int			n = 0;

	if (objtype == NULL || (strcmp(objtype, "payment_intent") != 0 && strcmp(objtype, "charge") != 0 &&
							strcmp(objtype, "refund") != 0 && strcmp(objtype, "checkout.session") != 0))
	{
		*why = "the object is no PaymentIntent, Charge, Refund or Checkout Session";
		return -1;
	}
	*events = palloc(sizeof(Jsonb *) * 2);
	if (type != NULL)
		(*events)[n++] = v1_event(id, type, object);
	if (refunded != NULL && strcmp(refunded, "0") != 0)
	{
		(*events)[n] = v1_event(n > 0 ? psprintf("%s:2", id) : id, "charge.refunded", object);
		n++;
	}
	return n;
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
	.object = stripe_object,
};

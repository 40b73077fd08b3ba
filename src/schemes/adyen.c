/*-------------------------------------------------------------------------
 *
 * adyen.c
 *	  Adyen's standard webhooks: a batch of notificationItems, each signed
 *	  on its own (additionalData.hmacSignature: base64 HMAC-SHA256, with the
 *	  hex-decoded HMAC key, over eight of its fields joined by ':'), and
 *	  answered "[accepted]".  Adyen's other webhooks (Balance Platform,
 *	  Management API) sign the raw body in the HmacSignature header; they
 *	  are verified the same way and stored ignored.
 *
 * The signing string is pspReference:originalReference:
 * merchantAccountCode:merchantReference:value:currency:eventCode:success,
 * the JSON-decoded values with no escaping (Adyen's libraries; Odoo's
 * controller escapes ':' and '\', which only differs for a
 * merchantReference holding one), a missing field as "".
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

/* The text at key of c, or "" (the signing string's missing field). */
static const char *
field(JsonbContainer *c, const char *key)
{
	char	   *s = c ? WebhookJsonGetText(c, key) : NULL;

	return s ? s : "";
}

/* The string a notification item's hmacSignature signs. */
static char *
signing_string(JsonbContainer *item)
{
	JsonbContainer *amount = WebhookJsonGetObject(item, "amount");

	return psprintf("%s:%s:%s:%s:%s:%s:%s:%s",
					field(item, "pspReference"), field(item, "originalReference"),
					field(item, "merchantAccountCode"), field(item, "merchantReference"),
					field(amount, "value"), field(amount, "currency"),
					field(item, "eventCode"), field(item, "success"));
}

/*
 * A notification item's hmacSignature over its signing string; or, for a
 * delivery that is not a batch (Adyen's other webhooks), the HmacSignature
 * header over the raw body.
 */
static bool
adyen_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			 IngestResult *r)
{
	const WebhookHeader *h;
	JsonbContainer *extra;
	char	   *sig;
	char	   *msg;

	if (c->event == NULL)
	{
		if (WebhookNeedHeader(c->hdrs, c->nhdrs, "HmacSignature", &h, r))
			return false;
		*verdict = WebhookVerifyHmacHeader(h->value, h->value_len, "", WEBHOOK_SHA256,
										   WEBHOOK_BASE64, (const unsigned char *) c->req->body,
										   c->req->body_len, c->keys, c->nkeys, which);
		return true;
	}
	extra = JB_ROOT_IS_OBJECT(c->event) && !JB_ROOT_IS_SCALAR(c->event) ?
		WebhookJsonGetObject(&c->event->root, "additionalData") : NULL;
	sig = extra ? WebhookJsonGetText(extra, "hmacSignature") : NULL;
	if (sig == NULL)
	{
		WebhookSetOutcome(r, "missing_header", "the item has no additionalData.hmacSignature");
		return false;
	}
	msg = signing_string(&c->event->root);
	*verdict = WebhookVerifyHmacHeader(sig, strlen(sig), "", WEBHOOK_SHA256, WEBHOOK_BASE64,
									   (const unsigned char *) msg, strlen(msg),
									   c->keys, c->nkeys, which);
	return true;
}

/* The events of a delivery: notificationItems[].NotificationRequestItem. */
static int
adyen_split(Jsonb *payload, Jsonb ***events, const char **why)
{
	/* an element without its NotificationRequestItem is an event that cannot be mapped */
	int			n = WebhookJsonArrayItems(&payload->root, "notificationItems",
										  "NotificationRequestItem", events);

	if (n < 0)
		*why = "the body has no notificationItems array";
	return n;
}

/*
 * Adyen's minor units, where they differ from ISO 4217's (docs.adyen.com
 * currency codes): ISK has two decimals there, none in ISO.  The value
 * in webhook_currencies' units: whole krónur, or a decimal that
 * extraction judges no whole number of minor units (held).
 */
static char *
iso_minor(const char *currency, char *value)
{
	size_t		len;

	if (value == NULL || currency == NULL || pg_strcasecmp(currency, "ISK") != 0)
		return value;
	len = strlen(value);
	if (len > 2 && strcmp(value + len - 2, "00") == 0)
		return pnstrdup(value, len - 2);
	if (len <= 2 && strcmp(value, "0") == 0)
		return value;
	return psprintf("%s.%s", len > 2 ? pnstrdup(value, len - 2) : "0",
					len >= 2 ? value + len - 2 : psprintf("0%s", value));
}

/* One notification item (README "Schemes", Event mapping). */
static void
extract_adyen(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *item = &payload->root;
	JsonbContainer *amount = WebhookJsonGetObject(item, "amount");
	char	   *psp = WebhookJsonGetText(item, "pspReference");
	char	   *original = WebhookJsonGetText(item, "originalReference");
	char	   *success = WebhookJsonGetText(item, "success");
	JsonbValue	buf;
	JsonbValue *date;

	ev->event_type = WebhookJsonGetText(item, "eventCode");
	if (psp != NULL && ev->event_type != NULL && success != NULL)
	{
		const char *parts[3] = {psp, ev->event_type, success};

		ev->event_id = WebhookJoinId(parts, 3);
	}
	/* a modification names its payment by originalReference */
	ev->object_id = original != NULL ? original : psp;
	ev->reference = WebhookJsonGetText(item, "merchantReference");
	if (amount != NULL)
	{
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(amount, "currency"));
		ev->amount_minor = iso_minor(ev->currency, WebhookJsonGetText(amount, "value"));
	}
	date = WebhookJsonGet(item, "eventDate", &buf);
	if (date != NULL && date->type == jbvString)
		ev->has_occurred_at = WebhookJsonTime(date, &ev->occurred_at);

	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	if (ev->event_type == NULL)
		return;
	if (strcmp(ev->event_type, "CAPTURE") == 0)
		ev->partial = true;		/* each capture adds to what was captured */
	else if (strcmp(ev->event_type, "REFUND") == 0 || strcmp(ev->event_type, "CANCEL_OR_REFUND") == 0)
		ev->refund_id = psp;	/* each refund once in the ledger */
	/* an operation that did not succeed changes nothing, except an authorisation refused */
	if (success != NULL && strcmp(success, "true") != 0 && ev->action != NULL &&
		(prov->config.actions == NULL ||
		 WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) == NULL))
		ev->action = strcmp(ev->event_type, "AUTHORISATION") == 0 ? "fail" : "ignore";
}

/*
 * What a sender signs: for a body that is one notification item (an
 * object with pspReference), {"hmacSignature": ...} to put in its
 * additionalData; for any other body, the HmacSignature header.
 */
static Jsonb *
adyen_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
		   size_t len, Jsonb *options)
{
	const char *name = "HmacSignature";
	const char *value;
	const unsigned char *msg = body;
	size_t		msglen = len;
	char	   *text = pnstrdup((const char *) body, len);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));

	if (JB_ROOT_IS_OBJECT(jb) && !JB_ROOT_IS_SCALAR(jb) &&
		WebhookJsonGetText(&jb->root, "pspReference") != NULL)
	{
		name = "hmacSignature";
		msg = (const unsigned char *) signing_string(&jb->root);
		msglen = strlen((const char *) msg);
	}
	value = WebhookSignHmacHeader(NULL, WEBHOOK_SHA256, WEBHOOK_BASE64, false, key, msg, msglen);
	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(&name, &value, 1);
}

static const WebhookConfigKey *const adyen_keys[] = {NULL};

const WebhookSchemeInfo webhook_scheme_adyen = {
	.name = "adyen",
	.config_keys = adyen_keys,
	.secret_form = WEBHOOK_SECRET_FORM_HEX,
	.minor_units = true,
	.own_action = true,
	.needs_type = true,
	.no_id = "the item lacks pspReference, eventCode or success",
	.split = adyen_split,
	.verify_each = true,
	.response_body = "[accepted]",
	.content_type = "text/plain",
	.verify = adyen_verify,
	.extract = extract_adyen,
	.sign = adyen_sign,
};

/*-------------------------------------------------------------------------
 *
 * square.c
 *	  Square: x-square-hmacsha256-signature (base64 HMAC-SHA256 of the
 *	  notification URL followed by the body), and Square's payment and
 *	  refund events.
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 * Square signs the URL its subscription is registered with, byte for
 * byte, so a provider's config.notification_url is required: the URL a
 * request arrives at (behind a proxy, say) is not what was signed.  The
 * legacy x-square-signature (HMAC-SHA1 of the same bytes) is not accepted.
 * Square's SDKs (square-python-sdk, square-ruby-sdk) compare the base64
 * text; here the decoded MAC is compared, so a value without its base64
 * padding verifies too.
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
#include "webhook.h"

/* Its own options: config.notification_url (required). */
typedef struct SquareOptions
{
	char	   *notification_url;
} SquareOptions;

static void
parse_notification_url(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	((SquareOptions *) out->opts)->notification_url = WebhookConfigString(v, key);
}

static const WebhookConfigKey key_notification_url = {"notification_url", parse_notification_url};

/* A config without config.notification_url cannot verify anything: refuse it. */
static void
square_config_done(WebhookProviderConfig *cfg)
{
	const char *url = ((const SquareOptions *) cfg->opts)->notification_url;

	if (url == NULL || url[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("provider config key \"notification_url\" is required for scheme square"),
				 errhint("Set it to the notification URL of the Square webhook subscription, exactly as registered: Square signs it with the body.")));
}

/* The signed message: the notification URL followed by the body (palloc'd), *len bytes. */
static unsigned char *
signed_message(const WebhookProviderConfig *cfg, const unsigned char *body, size_t body_len,
			   size_t *len)
{
	const char *url = ((const SquareOptions *) cfg->opts)->notification_url;
	size_t		url_len = strlen(url);
	unsigned char *msg = palloc(url_len + body_len + 1);

	memcpy(msg, url, url_len);
	if (body_len > 0)
		memcpy(msg + url_len, body, body_len);
	*len = url_len + body_len;
	return msg;
}

/* x-square-hmacsha256-signature over the notification URL and the body, each key as given. */
static bool
square_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			  IngestResult *r)
{
	const WebhookHeader *h;
	unsigned char *msg;
	size_t		len;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, "x-square-hmacsha256-signature", &h, r))
		return false;
	msg = signed_message(&c->prov->config, (const unsigned char *) c->req->body,
						 c->req->body_len, &len);
	*verdict = WebhookVerifyHmacHeader(h->value, h->value_len, NULL, WEBHOOK_SHA256,
									   WEBHOOK_BASE64, msg, len, c->keys, c->nkeys, which);
	pfree(msg);
	return true;
}

/* A Money object's amount and currency: {"amount": 100, "currency": "USD"}. */
static void
money(JsonbContainer *m, WebhookEvent *ev)
{
	if (m == NULL)
		return;
	ev->amount_minor = WebhookJsonGetText(m, "amount");
	ev->currency = WebhookUpperCurrency(WebhookJsonGetText(m, "currency"));
}

/*
 * Square defaults (README "Schemes", Event mapping).  payment.created and
 * payment.updated (refund.created, refund.updated) say nothing by their
 * type: the object's status does.  The action is looked up as
 * "<object>.<status>" (payment.COMPLETED), unless config.actions names
 * the event's type itself.  A payment by its id and reference_id, its
 * amount total_money (else amount_money); a refund by its payment_id, its
 * id the refund's, its amount amount_money; minor units.
 */
static void
extract_square(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *data = WebhookJsonGetObject(root, "data");
	JsonbContainer *obj = data ? WebhookJsonGetObject(data, "object") : NULL;
	JsonbContainer *pay = obj ? WebhookJsonGetObject(obj, "payment") : NULL;
	JsonbContainer *refund = obj ? WebhookJsonGetObject(obj, "refund") : NULL;
	const char *key = NULL;
	char	   *status = NULL;
	JsonbValue	buf;

	ev->event_id = WebhookJsonGetText(root, "event_id");
	ev->event_type = WebhookJsonGetText(root, "type");
	ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "created_at", &buf),
										  &ev->occurred_at);

	if (refund != NULL)
	{
		ev->object_id = WebhookJsonGetText(refund, "payment_id");
		ev->refund_id = WebhookJsonGetText(refund, "id");
		money(WebhookJsonGetObject(refund, "amount_money"), ev);
		status = WebhookJsonGetText(refund, "status");
		key = "refund";
	}
	else if (pay != NULL)
	{
		JsonbContainer *total = WebhookJsonGetObject(pay, "total_money");

		ev->object_id = WebhookJsonGetText(pay, "id");
		ev->reference = WebhookJsonGetText(pay, "reference_id");
		money(total ? total : WebhookJsonGetObject(pay, "amount_money"), ev);
		status = WebhookJsonGetText(pay, "status");
		key = "payment";
	}

	if (ev->event_type != NULL && prov->config.actions != NULL &&
		WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) != NULL)
		ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	else if (key != NULL && status != NULL)
		ev->action = WebhookConfigAction(cfg, prov, psprintf("%s.%s", key, status));
	else
		ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
}

/* {"x-square-hmacsha256-signature": <base64>}, over options.notification_url and the body. */
static Jsonb *
square_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			size_t len, Jsonb *options)
{
	const char *name = "x-square-hmacsha256-signature";
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		enc[WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_MAX_DIGEST) + 1];
	const char *value = enc;
	size_t		msglen;
	unsigned char *msg = signed_message(cfg, body, len, &msglen);
	int			maclen = WebhookHmac(WEBHOOK_SHA256, key->data, key->len, msg, msglen, mac);
	Jsonb	   *headers;

	pfree(msg);
	if (maclen <= 0)
		elog(ERROR, "could not compute an hmac");
	enc[WebhookBase64Encode(mac, maclen, enc)] = '\0';
	headers = WebhookJsonObject(&name, &value, 1);
	WebhookCleanse(mac, sizeof(mac));
	WebhookCleanse(enc, sizeof(enc));
	return headers;
}

static const WebhookConfigKey *const square_keys[] = {&key_notification_url, NULL};

const WebhookSchemeInfo webhook_scheme_square = {
	.name = "square",
	.config_keys = square_keys,
	.opts_size = sizeof(SquareOptions),
	.config_done = square_config_done,
	.minor_units = true,
	.own_action = true,
	.needs_type = true,
	.no_id = "the event has no event_id",
	.verify = square_verify,
	.extract = extract_square,
	.sign = square_sign,
};

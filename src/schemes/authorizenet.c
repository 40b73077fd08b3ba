/*-------------------------------------------------------------------------
 *
 * authorizenet.c
 *	  Authorize.Net: X-ANET-Signature, "sha512=" and the HMAC-SHA512 of the
 *	  raw body in hex, and Authorize.Net's webhook notifications.
 *
 * The Signature Key is a string of 128 hex digits, and what its HMAC key
 * bytes are is not settled: Authorize.Net's webhook documentation names
 * the key and the algorithm but not the key's encoding; its own hash
 * sample (compute_trans_hashSHA2, for the transaction hash) hex-decodes
 * the key, while the receivers that work in the wild (stymiee/authnetjson,
 * the developer community's answers) use the key's ASCII bytes.  Both
 * readings are served: config.secret_encoding utf8 (the default, as the
 * SDKs do) or hex (as the documentation's sample does).
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
#include "reply.h"
#include "request.h"
#include "verify.h"

/* The signature header and what comes before the MAC in it (any case). */
#define ANET_HEADER		"X-ANET-Signature"
#define ANET_PREFIX		"sha512="

/* Bytes of an HMAC-SHA512. */
#define ANET_MAC_LEN	64

/*
 * X-ANET-Signature over the raw body: "sha512=" (any case) and the MAC in
 * hex (either case; Authorize.Net sends upper case), with every key.
 */
static bool
authorizenet_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
					IngestResult *r)
{
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, ANET_HEADER, &h, r))
		return false;
	*verdict = WebhookVerifyHmacHeader(h->value, h->value_len, ANET_PREFIX, WEBHOOK_SHA512,
									   WEBHOOK_HEX, (const unsigned char *) c->req->body,
									   c->req->body_len, c->keys, c->nkeys, which);
	return true;
}

/*
 * The action README "Schemes" gives for the payload's responseCode, where
 * config.actions did not choose it: a declined or failed transaction (2,
 * 3) fails a payment and changes nothing for a refund or void; one held
 * for review (4) is pending.
 */
static const char *
response_action(const char *action, const char *code)
{
	bool		moves_money = strcmp(action, "authorize") == 0 || strcmp(action, "capture") == 0;

	if (code == NULL || strcmp(code, "1") == 0)
		return action;
	if (strcmp(code, "2") == 0 || strcmp(code, "3") == 0)
		return moves_money ? "fail" : "ignore";
	if (strcmp(code, "4") == 0)
		return moves_money ? "pending" : "ignore";
	return action;
}

/*
 * Authorize.Net defaults (README "Schemes", Event mapping): the id is
 * notificationId, the type eventType, the payment the transaction of
 * payload.id (a refund is a transaction of its own: its id is the
 * refund's, and the payment is found by the shop's reference),
 * payload.merchantReferenceId or else payload.invoiceNumber the shop's
 * reference, payload.authAmount the amount in major units.
 */
static void
extract_authorizenet(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *body = WebhookJsonGetObject(root, "payload");
	JsonbValue	buf;
	bool		overridden;

	ev->event_id = WebhookJsonGetText(root, "notificationId");
	ev->event_type = WebhookJsonGetText(root, "eventType");
	ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "eventDate", &buf),
										  &ev->occurred_at);
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	if (body != NULL)
	{
		char	   *id = WebhookJsonGetText(body, "id");

		if (ev->action != NULL && strcmp(ev->action, "refund") == 0)
			ev->refund_id = id;
		else
			ev->object_id = id;
		ev->reference = WebhookJsonGetText(body, "merchantReferenceId");
		if (ev->reference == NULL)
			ev->reference = WebhookJsonGetText(body, "invoiceNumber");
		ev->amount = WebhookJsonGetText(body, "authAmount");
	}
	overridden = prov->config.actions != NULL && ev->event_type != NULL &&
		WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) != NULL;
	if (ev->action != NULL && !overridden && body != NULL)
		ev->action = response_action(ev->action, WebhookJsonGetText(body, "responseCode"));
}

/* {"X-ANET-Signature": "sha512=<HEX>"}, upper case as Authorize.Net sends it. */
static Jsonb *
authorizenet_sign(const WebhookProviderConfig *cfg, const WebhookKey *key,
				  const unsigned char *body, size_t len, Jsonb *options)
{
	const char *name = ANET_HEADER;
	const char *value = WebhookSignHmacHeader(ANET_PREFIX, WEBHOOK_SHA512, WEBHOOK_HEX, true,
											  key, body, len);

	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(&name, &value, 1);
}

/* The Signature Key is its ASCII bytes or its hex digits decoded: never base64. */
static void
authorizenet_config_done(WebhookProviderConfig *cfg)
{
	if (cfg->secret_encoding == WEBHOOK_SECRET_BASE64)
		WebhookConfigError("secret_encoding", "utf8 or hex");
}

static const WebhookConfigKey *const authorizenet_keys[] = {&WebhookKeySecretEncoding, NULL};

const WebhookSchemeInfo webhook_scheme_authorizenet = {
	.name = "authorizenet",
	.config_keys = authorizenet_keys,
	.config_done = authorizenet_config_done,
	.secret_form = WEBHOOK_SECRET_FORM_CONFIG,
	.own_action = true,
	.needs_type = true,
	.no_id = "the event has no notificationId",
	.verify = authorizenet_verify,
	.extract = extract_authorizenet,
	.sign = authorizenet_sign,
};

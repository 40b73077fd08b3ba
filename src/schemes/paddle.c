/*-------------------------------------------------------------------------
 *
 * paddle.c
 *	  Paddle Billing: the Paddle-Signature header ("ts=<unix>;h1=<hex>",
 *	  HMAC-SHA256 over "ts:body"), and Paddle's transaction and adjustment
 *	  events.
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 * Where Paddle's SDK (paddle-python-sdk, PaddleSignature and Verifier)
 * and this file part ways, on purpose:
 *	- the SDK's window is 5 seconds and one-sided (a timestamp in the
 *	  future always passes); here it is the provider's tolerance_seconds,
 *	  both ways, as for every scheme that signs a timestamp;
 *	- the SDK lets a repeated ts overwrite the first; here a header with
 *	  two is malformed, as Stripe-Signature with two t is;
 *	- the SDK raises on a key other than ts and h1; here it is skipped, so
 *	  that a signature version Paddle adds later does not refuse a header
 *	  that still carries an h1.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/jsonb.h"

#include "clock.h"
#include "config.h"
#include "configkeys.h"
#include "extract.h"
#include "headers.h"
#include "jsonget.h"
#include "money.h"
#include "reply.h"
#include "request.h"
#include "verify.h"

/* Paddle-Signature: "ts=<unix>;h1=<hex>[;h1=<hex>...]" over "ts:body". */
static const WebhookTsHeader paddle_format = {';', "ts", "h1", ":"};

/*
 * Paddle-Signature over the body: any h1 with any key (the whole
 * pdl_ntf_... secret string), ts within the tolerance both ways.
 */
static bool
paddle_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			  IngestResult *r)
{
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, "Paddle-Signature", &h, r))
		return false;
	*verdict = WebhookVerifyTsHeader(&paddle_format, h->value, h->value_len,
									 (const unsigned char *) c->req->body, c->req->body_len,
									 c->keys, c->nkeys, WebhookTimestampToUnix(c->req->now),
									 c->prov->tolerance, which, ts);
	return true;
}

/*
 * Paddle defaults (README "Schemes", Event mapping): a transaction by its
 * id (txn_...) and custom_data.reference, its amount details.totals.
 * grand_total (else total); an adjustment by its transaction_id, its id
 * the refund's, its amount totals.total.  Amounts are strings of minor
 * units.  An adjustment is a refund only when its action is refund and its
 * status approved (Paddle approves refunds after the event that creates
 * them), unless config.actions names its type.
 */
static void
extract_paddle(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *data = WebhookJsonGetObject(root, "data");
	const char *type;
	JsonbValue	buf;
	bool		adjustment;
	bool		overridden;

	ev->event_id = WebhookJsonGetText(root, "event_id");
	ev->event_type = WebhookJsonGetText(root, "event_type");
	type = ev->event_type ? ev->event_type : "";
	adjustment = strncmp(type, "adjustment.", 11) == 0;
	ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "occurred_at", &buf),
										  &ev->occurred_at);

	if (data != NULL)
	{
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(data, "currency_code"));
		if (adjustment)
		{
			JsonbContainer *totals = WebhookJsonGetObject(data, "totals");

			ev->object_id = WebhookJsonGetText(data, "transaction_id");
			ev->refund_id = WebhookJsonGetText(data, "id");
			ev->amount_minor = totals ? WebhookJsonGetText(totals, "total") : NULL;
		}
		else
		{
			JsonbContainer *custom = WebhookJsonGetObject(data, "custom_data");
			JsonbContainer *details = WebhookJsonGetObject(data, "details");
			JsonbContainer *totals = details ? WebhookJsonGetObject(details, "totals") : NULL;

			ev->object_id = WebhookJsonGetText(data, "id");
			ev->reference = custom ? WebhookJsonGetText(custom, "reference") : NULL;
			if (totals != NULL)
			{
				ev->amount_minor = WebhookJsonGetText(totals, "grand_total");
				if (ev->amount_minor == NULL)
					ev->amount_minor = WebhookJsonGetText(totals, "total");
			}
		}
	}

	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	overridden = prov->config.actions != NULL && ev->event_type != NULL &&
		WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) != NULL;
	if (ev->action != NULL && !overridden && adjustment)
	{
		char	   *action = data ? WebhookJsonGetText(data, "action") : NULL;
		char	   *status = data ? WebhookJsonGetText(data, "status") : NULL;

		if (action == NULL || strcmp(action, "refund") != 0 ||
			status == NULL || strcmp(status, "approved") != 0)
			ev->action = "ignore";
	}
}

/* {"Paddle-Signature": "ts=<ts>;h1=<hex>"}; options.ts (Unix seconds) or now. */
static Jsonb *
paddle_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			size_t len, Jsonb *options)
{
	const char *name = "Paddle-Signature";
	const char *value = WebhookSignTsHeader(&paddle_format, body, len, key,
											WebhookOptionTs(options));

	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(&name, &value, 1);
}

static const WebhookConfigKey *const paddle_keys[] = {NULL};

const WebhookSchemeInfo webhook_scheme_paddle = {
	.name = "paddle",
	.config_keys = paddle_keys,
	.minor_units = true,
	.own_action = true,
	.needs_type = true,
	.no_id = "the event has no event_id",
	.verify = paddle_verify,
	.extract = extract_paddle,
	.sign = paddle_sign,
};

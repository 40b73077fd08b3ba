/*-------------------------------------------------------------------------
 *
 * paypal.c
 *	  PayPal: SHA256withRSA over "id|time|webhook_id|crc32" with the stored
 *	  certificate (src/paypal.c keeps the certificates), and PayPal's REST events.
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "clock.h"
#include "config.h"
#include "configkeys.h"
#include "extract.h"
#include "headers.h"
#include "jsonget.h"
#include "money.h"
#include "paypal.h"
#include "reply.h"
#include "request.h"
#include "spi.h"
#include "verify.h"

/*
 * PayPal: the certificate URL must be https on an allowed host, the
 * certificate stored for it (else unknown_certificate, 503, with cert_url
 * in the reply so the caller can fetch it), chained to the system store or
 * config.ca_pem, valid now and naming messageverificationcerts; then the
 * SHA256withRSA signature over "id|time|webhook_id|crc32".  No secret row
 * is involved.  Returns true when verified, else sets the outcome.
 */
static bool
verify_paypal(const char *schema, WebhookProvider *prov, const IngestRequest *req,
			  const WebhookHeader *hdrs, int nhdrs, IngestResult *r)
{
	const WebhookHeader *id,
			   *time,
			   *sig,
			   *url,
			   *algo;
	const WebhookPaypalOptions *c = prov->config.opts;
	Datum		arg[1];
	char	   *pem;
	int64		not_after;
	const char *why = NULL;
	WebhookCertResult cert;
	WebhookVerdict verdict;

	if (WebhookNeedHeader(hdrs, nhdrs, "PAYPAL-TRANSMISSION-ID", &id, r) ||
		WebhookNeedHeader(hdrs, nhdrs, "PAYPAL-TRANSMISSION-TIME", &time, r) ||
		WebhookNeedHeader(hdrs, nhdrs, "PAYPAL-TRANSMISSION-SIG", &sig, r) ||
		WebhookNeedHeader(hdrs, nhdrs, "PAYPAL-CERT-URL", &url, r) ||
		WebhookNeedHeader(hdrs, nhdrs, "PAYPAL-AUTH-ALGO", &algo, r))
		return false;
	if (algo->value_len != 13 || memcmp(algo->value, "SHA256withRSA", 13) != 0)
	{
		WebhookSetOutcome(r, "malformed_header", "PAYPAL-AUTH-ALGO must be SHA256withRSA");
		return false;
	}
	if (!WebhookPaypalCertUrlAllowed(url->value, url->value_len,
									 c->cert_hosts ? (const char *const *) c->cert_hosts : WebhookPaypalDefaultHosts,
									 c->cert_hosts ? c->ncert_hosts : WEBHOOK_PAYPAL_NDEFAULT_HOSTS))
	{
		WebhookSetOutcome(r, "invalid_signature", "PAYPAL-CERT-URL is not https on an allowed host");
		return false;
	}
	if (c->webhook_id == NULL)
	{
		WebhookSetOutcome(r, "invalid_signature", "the provider has no config.webhook_id");
		return false;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	arg[0] = PointerGetDatum(cstring_to_text_with_len(url->value, url->value_len));
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_CERTIFICATE, schema), arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "certificate lookup failed");
	pem = SPI_processed == 1 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
	if (pem != NULL)
	{
		char	   *copy = SPI_palloc(strlen(pem) + 1);

		strcpy(copy, pem);
		pem = copy;
	}
	SPI_finish();
	if (pem == NULL)
	{
		WebhookSetOutcome(r, "unknown_certificate",
					"the certificate at PAYPAL-CERT-URL is not stored: fetch it, store it with webhook_add_certificate(), and let PayPal retry");
		r->cert_url = pnstrdup(url->value, url->value_len);
		return false;
	}

	cert = WebhookCertCheck(pem, strlen(pem), c->ca_pem, c->ca_pem ? strlen(c->ca_pem) : 0,
							WebhookTimestampToUnix(req->now), &not_after, &why);
	if (cert != WEBHOOK_CERT_OK)
	{
		WebhookSetOutcome(r, "invalid_signature",
					psprintf("the stored certificate cannot be used: %s", why ? why : "rejected"));
		return false;
	}
	verdict = WebhookPaypalVerify(id->value, id->value_len, time->value, time->value_len,
								  c->webhook_id, sig->value, sig->value_len,
								  pem, strlen(pem), (const unsigned char *) req->body, req->body_len);
	switch (verdict)
	{
		case WEBHOOK_VERIFIED:
			return true;
		case WEBHOOK_MALFORMED_HEADER:
			WebhookSetOutcome(r, "malformed_header", "PAYPAL-TRANSMISSION-SIG is not base64");
			return false;
		case WEBHOOK_CRYPTO_FAILURE:
			WebhookSetOutcome(r, "invalid_signature", "the stored certificate has no usable RSA key");
			return false;
		default:
			WebhookSetOutcome(r, "invalid_signature", "the signature does not verify with the stored certificate");
			return false;
	}
}


/* No secret: the certificate and config.webhook_id verify. */
static bool
paypal_verify_call(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
				   IngestResult *r)
{
	if (verify_paypal(c->schema, c->prov, c->req, c->hdrs, c->nhdrs, r))
	{
		*verdict = WEBHOOK_VERIFIED;
		*which = -1;
		return true;
	}
	return false;
}

/*
 * The capture id in a PayPal resource's links[rel="up"].href
 * (".../v2/payments/captures/{id}"), or NULL.
 */
static char *
paypal_up_capture(JsonbContainer *res)
{
	JsonbValue	buf;
	JsonbValue *links = WebhookJsonGet(res, "links", &buf);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (links == NULL || links->type != jbvBinary || !JsonContainerIsArray(links->val.binary.data))
		return NULL;
	it = JsonbIteratorInit(links->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *rel;
		char	   *href;
		char	   *slash;

		if (tok != WJB_ELEM || v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			continue;
		rel = WebhookJsonGetText(v.val.binary.data, "rel");
		href = WebhookJsonGetText(v.val.binary.data, "href");
		if (rel == NULL || href == NULL || strcmp(rel, "up") != 0 ||
			strstr(href, "/captures/") == NULL)
			continue;
		slash = strrchr(href, '/');
		if (slash != NULL && slash[1] != '\0')
			return pstrdup(slash + 1);
	}
	return NULL;
}

/* PayPal REST events (README "Schemes", Event mapping). */
static void
extract_paypal(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *res = WebhookJsonGetObject(root, "resource");
	JsonbValue	buf;

	ev->event_id = WebhookJsonGetText(root, "id");
	ev->event_type = WebhookJsonGetText(root, "event_type");
	ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "create_time", &buf), &ev->occurred_at);
	if (res != NULL)
	{
		JsonbContainer *amount = WebhookJsonGetObject(res, "amount");
		JsonbContainer *sup = WebhookJsonGetObject(res, "supplementary_data");
		JsonbContainer *rel = sup ? WebhookJsonGetObject(sup, "related_ids") : NULL;
		bool		refund = ev->event_type != NULL &&
			(strcmp(ev->event_type, "PAYMENT.CAPTURE.REFUNDED") == 0 ||
			 strcmp(ev->event_type, "PAYMENT.CAPTURE.REVERSED") == 0);

		ev->reference = WebhookJsonGetText(res, "custom_id");
		if (ev->reference == NULL)
			ev->reference = WebhookJsonGetText(res, "invoice_id");
		if (refund)
		{
			/* a refund's own id is the refund; the capture is in the "up" link */
			ev->refund_id = WebhookJsonGetText(res, "id");
			ev->object_id = paypal_up_capture(res);
		}
		if (ev->object_id == NULL && rel != NULL)
			ev->object_id = WebhookJsonGetText(rel, "order_id");
		if (ev->object_id == NULL && !refund)
			ev->object_id = WebhookJsonGetText(res, "id");
		if (amount != NULL)
		{
			ev->amount = WebhookJsonGetText(amount, "value");
			ev->currency = WebhookUpperCurrency(WebhookJsonGetText(amount, "currency_code"));
		}
	}
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
}


static void
parse_webhook_id(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	((WebhookPaypalOptions *) out->opts)->webhook_id = WebhookConfigString(v, key);
}

static void
parse_ca_pem(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	((WebhookPaypalOptions *) out->opts)->ca_pem = WebhookConfigString(v, key);
}

static void
parse_cert_hosts(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	WebhookPaypalOptions *o = out->opts;

	o->cert_hosts = WebhookConfigStrings(v, key, &o->ncert_hosts, "a non-empty array of host names");
}

static const WebhookConfigKey key_webhook_id = {"webhook_id", parse_webhook_id};
static const WebhookConfigKey key_ca_pem = {"ca_pem", parse_ca_pem};
static const WebhookConfigKey key_cert_hosts = {"cert_hosts", parse_cert_hosts};
static const WebhookConfigKey *const paypal_keys[] = {
	&key_webhook_id, &key_ca_pem, &key_cert_hosts, NULL
};

const WebhookSchemeInfo webhook_scheme_paypal = {
	.name = "paypal",
	.config_keys = paypal_keys,
	.opts_size = sizeof(WebhookPaypalOptions),
	.own_action = true,
	.secretless_hint = "PayPal deliveries are verified with config.webhook_id and the certificates in webhook_certificates.",
	.verify = paypal_verify_call,
	.extract = extract_paypal,
};

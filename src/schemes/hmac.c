/*-------------------------------------------------------------------------
 *
 * hmac.c
 *	  Generic HMAC header: prefix + hex or base64 of HMAC(algorithm, key, body),
 *	  as GitHub, Shopify and many gateways sign.
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
#include "schemes/generic.h"
#include "verify.h"


static bool
hmac_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			IngestResult *r)
{
	const WebhookProviderConfig *cfg = &c->prov->config;
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, cfg->header, &h, r))
		return false;
	*verdict = WebhookVerifyHmacHeader(h->value, h->value_len, cfg->prefix, cfg->algorithm,
									   cfg->encoding, (const unsigned char *) c->req->body,
									   c->req->body_len, c->keys, c->nkeys, which);
	return true;
}

/* {config.header: config.prefix + the MAC in config.encoding}, as the provider's config says. */
static Jsonb *
hmac_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
		  size_t len, Jsonb *options)
{
	const char *value = WebhookSignHmacHeader(cfg->prefix, cfg->algorithm, cfg->encoding, false,
											  key, body, len);

	if (value == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject((const char *const *) &cfg->header, &value, 1);
}

static const WebhookConfigKey *const hmac_keys[] = {
	&WebhookKeyHeader, &WebhookKeyPrefix, &WebhookKeyAlgorithm, &WebhookKeyEncoding,
	&WebhookKeySecretEncoding, &WebhookKeyEventIdHeader, NULL
};

const WebhookSchemeInfo webhook_scheme_hmac = {
	.name = "hmac",
	.config_keys = hmac_keys,
	.default_header = "X-Signature",
	.secret_form = WEBHOOK_SECRET_FORM_CONFIG,
	.id_source = WEBHOOK_ID_HEADER_OR_HASH,
	.id_header = WebhookEventIdHeader,
	.verify = hmac_verify,
	.extract = WebhookExtractGeneric,
	.sign = hmac_sign,
};

/*-------------------------------------------------------------------------
 *
 * apikey.c
 *	  API key: a header whose value is one of the secrets (constant time);
 *	  stored redacted.
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
apikey_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			  IngestResult *r)
{
	const WebhookHeader *h;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, c->prov->config.header, &h, r))
		return false;
	*verdict = WebhookVerifyApiKey(h->value, h->value_len, c->keys, c->nkeys, which);
	return true;
}

/* {config.header: the key}. */
static Jsonb *
apikey_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			size_t len, Jsonb *options)
{
	const char *value = pnstrdup((const char *) key->data, key->len);

	return WebhookJsonObject((const char *const *) &cfg->header, &value, 1);
}

static const WebhookConfigKey *const apikey_keys[] = {&WebhookKeyHeader, &WebhookKeyEventIdHeader, NULL};

const WebhookSchemeInfo webhook_scheme_apikey = {
	.name = "apikey",
	.config_keys = apikey_keys,
	.default_header = "X-API-Key",
	.id_source = WEBHOOK_ID_HEADER_OR_HASH,
	.id_header = WebhookEventIdHeader,
	.redact_header = true,
	.verify = apikey_verify,
	.extract = WebhookExtractGeneric,
	.sign = apikey_sign,
};

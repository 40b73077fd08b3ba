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
#include "extract.h"
#include "headers.h"
#include "ingest.h"
#include "jsonget.h"
#include "money.h"
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

static const char *const hmac_keys[] = {"header", "prefix", "algorithm", "encoding",
"secret_encoding", "event_id_header", NULL};

const WebhookSchemeInfo webhook_scheme_hmac = {
	.name = "hmac",
	.config_keys = hmac_keys,
	.default_header = "X-Signature",
	.secret_form = WEBHOOK_SECRET_FORM_CONFIG,
	.id_source = WEBHOOK_ID_HEADER_OR_HASH,
	.verify = hmac_verify,
	.extract = WebhookExtractGeneric,
};

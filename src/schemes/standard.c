/*-------------------------------------------------------------------------
 *
 * standard.c
 *	  Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature
 *	  (v1, base64 HMAC-SHA256 over "id.timestamp.body"), whsec_ secrets.
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
standard_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
				IngestResult *r)
{
	const WebhookHeader *id;
	const WebhookHeader *t;
	const WebhookHeader *h;
	const char *pre = c->prov->config.header_prefix;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, psprintf("%sid", pre), &id, r) ||
		WebhookNeedHeader(c->hdrs, c->nhdrs, psprintf("%stimestamp", pre), &t, r) ||
		WebhookNeedHeader(c->hdrs, c->nhdrs, psprintf("%ssignature", pre), &h, r))
		return false;
	*verdict = WebhookVerifyStandard(id->value, id->value_len, t->value, t->value_len,
									 h->value, h->value_len, (const unsigned char *) c->req->body,
									 c->req->body_len, c->keys, c->nkeys,
									 WebhookTimestampToUnix(c->req->now), c->prov->tolerance,
									 which, ts);
	return true;
}

static const char *const standard_keys[] = {"header_prefix", NULL};

const WebhookSchemeInfo webhook_scheme_standard = {
	.name = "standard",
	.config_keys = standard_keys,
	.secret_form = WEBHOOK_SECRET_FORM_WHSEC,
	.id_source = WEBHOOK_ID_STANDARD_HEADER,
	.verify = standard_verify,
	.extract = WebhookExtractGeneric,
};

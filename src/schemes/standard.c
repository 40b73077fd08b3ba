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

/* Its own options: config.header_prefix, or NULL for "webhook-". */
typedef struct StandardOptions
{
	char	   *header_prefix;
} StandardOptions;

static void
parse_header_prefix(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	((StandardOptions *) out->opts)->header_prefix = WebhookConfigString(v, key);
}

static const WebhookConfigKey key_header_prefix = {"header_prefix", parse_header_prefix};

/* The prefix of the three webhook-* header names. */
static const char *
header_prefix(const WebhookProviderConfig *cfg)
{
	const char *pre = ((const StandardOptions *) cfg->opts)->header_prefix;

	return pre != NULL ? pre : "webhook-";
}

/* The id header: the event's id, and its idempotency key. */
static const char *
standard_id_header(const WebhookProviderConfig *cfg)
{
	return psprintf("%sid", header_prefix(cfg));
}

static bool
standard_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
				IngestResult *r)
{
	const WebhookHeader *id;
	const WebhookHeader *t;
	const WebhookHeader *h;
	const char *pre = header_prefix(&c->prov->config);

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

/* The three webhook-* headers; options.msg_id (required) and options.ts or now. */
static Jsonb *
standard_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
			  size_t len, Jsonb *options)
{
	const char *pre = header_prefix(cfg);
	char	   *id = WebhookOptionText(options, "msg_id", true);
	int64		ts = WebhookOptionTs(options);
	const char *names[3];
	const char *values[3];

	if (id[0] == '\0' || strchr(id, '.') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options.msg_id must be non-empty and hold no \".\"")));
	names[0] = psprintf("%sid", pre);
	names[1] = psprintf("%stimestamp", pre);
	names[2] = psprintf("%ssignature", pre);
	values[0] = id;
	values[1] = psprintf(INT64_FORMAT, ts);
	values[2] = WebhookSignStandard(body, len, key, id, ts);
	if (values[2] == NULL)
		elog(ERROR, "could not compute an hmac");
	return WebhookJsonObject(names, values, 3);
}

static const WebhookConfigKey *const standard_keys[] = {&key_header_prefix, NULL};

const WebhookSchemeInfo webhook_scheme_standard = {
	.name = "standard",
	.config_keys = standard_keys,
	.opts_size = sizeof(StandardOptions),
	.secret_form = WEBHOOK_SECRET_FORM_WHSEC,
	.id_source = WEBHOOK_ID_HEADER,
	.id_header = standard_id_header,
	.verify = standard_verify,
	.extract = WebhookExtractGeneric,
	.sign = standard_sign,
};

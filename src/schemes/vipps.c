/*-------------------------------------------------------------------------
 *
 * vipps.c
 *	  Vipps MobilePay: the Webhooks API's HMAC over method, path, date, host and
 *	  content hash, the ePayment events, and the Webhooks API's Recurring,
 *	  QR and Login events (stored, and ignored unless config.actions maps
 *	  them).
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
#include "verify.h"

/* Its own options: config.public_url, or NULL. */
typedef struct VippsOptions
{
	char	   *public_url;
} VippsOptions;

static void
parse_public_url(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	((VippsOptions *) out->opts)->public_url = WebhookConfigString(v, key);
}

static const WebhookConfigKey key_public_url = {"public_url", parse_public_url};

/*
 * The host and path-and-query Vipps signed: config.public_url's when set
 * (what the provider called, whatever a proxy passed on), else the Host
 * header and the path argument.  Returns false with the outcome set when
 * there is no Host header; a missing path is the caller's error.
 */
static bool
signed_target(WebhookProvider *prov, const IngestRequest *req, const WebhookHeader *hdrs,
			  int nhdrs, const char **host, size_t *host_len, const char **path,
			  size_t *path_len, IngestResult *r)
{
	const char *url = ((const VippsOptions *) prov->config.opts)->public_url;
	const WebhookHeader *h;

	if (url != NULL)
	{
		const char *p = strstr(url, "://");
		const char *slash;

		p = p ? p + 3 : url;
		slash = strchr(p, '/');
		*host = p;
		*host_len = slash ? (size_t) (slash - p) : strlen(p);
		*path = slash ? slash : "/";
		*path_len = strlen(*path);
		return true;
	}
	if (WebhookNeedHeader(hdrs, nhdrs, "Host", &h, r))
		return false;
	if (req->path == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("path must not be null for a vipps provider without config.public_url"),
				 errhint("Pass the request's path and query, or set the provider's public_url.")));
	*host = h->value;
	*host_len = h->value_len;
	*path = VARDATA_ANY(req->path);
	*path_len = VARSIZE_ANY_EXHDR(req->path);
	return true;
}


/* The Authorization header (or X-Vipps-Authorization) over the signed target. */
static bool
vipps_verify(const WebhookVerifyCall *c, WebhookVerdict *verdict, int *which, int64 *ts,
			 IngestResult *r)
{
	const WebhookHeader *h;
	const WebhookHeader *date;
	const WebhookHeader *sha;
	const char *host;
	size_t		host_len;
	const char *path;
	size_t		path_len;

	if (WebhookNeedHeader(c->hdrs, c->nhdrs, "x-ms-date", &date, r) ||
		WebhookNeedHeader(c->hdrs, c->nhdrs, "x-ms-content-sha256", &sha, r))
		return false;
	/* Vipps' own plugin: hosts that strip Authorization pass X-Vipps-Authorization */
	if (WebhookFindHeader(c->hdrs, c->nhdrs, "Authorization", &h) == WEBHOOK_HEADER_MISSING &&
		WebhookFindHeader(c->hdrs, c->nhdrs, "X-Vipps-Authorization", &h) == WEBHOOK_HEADER_FOUND)
		;
	else if (WebhookNeedHeader(c->hdrs, c->nhdrs, "Authorization", &h, r))
		return false;
	if (!signed_target(c->prov, c->req, c->hdrs, c->nhdrs, &host, &host_len, &path, &path_len, r))
		return false;
	*verdict = WebhookVerifyVipps(date->value, date->value_len, sha->value, sha->value_len,
								  h->value, h->value_len, host, host_len, path, path_len,
								  (const unsigned char *) c->req->body, c->req->body_len,
								  c->keys, c->nkeys, WebhookTimestampToUnix(c->req->now),
								  c->prov->tolerance, which, ts);
	return true;
}

/*
 * The Webhooks API's other events, which carry no ePayment fields
 * (README "Schemes", Event mapping): Recurring agreements and charges
 * (agreementId, eventType, chargeId for a charge, occurred), QR check-ins
 * (merchantQrId, msn, initiatedAt: the only QR event, user.checked-in.v1)
 * and Login (auth_req_id: the only Login event,
 * login.merchant-initiated.ping.v1).  Vipps documents no event id for
 * them: theirs is the event type, then the ids of what it is about, then
 * its time, joined as WebhookJoinId joins (Recurring
 * "<eventType>:<agreementId>[:<chargeId>][:<occurred>]", QR
 * "user.checked-in.v1:<msn>:<merchantQrId>:<initiatedAt>", Login
 * "login.merchant-initiated.ping.v1:<auth_req_id>").  A Recurring event
 * names the charge (chargeId), else the agreement, as the provider's id;
 * none has a default action, so they are ignored unless config.actions
 * maps their type.  Leaves ev as it is for any other body.
 */
static void
extract_vipps_other(JsonbContainer *root, WebhookEvent *ev)
{
	JsonbValue	buf;
	char	   *agreement = WebhookJsonGetText(root, "agreementId");
	char	   *type = WebhookJsonGetText(root, "eventType");
	char	   *qr = WebhookJsonGetText(root, "merchantQrId");
	char	   *login = WebhookJsonGetText(root, "auth_req_id");

	if (agreement != NULL && type != NULL)
	{
		char	   *charge = WebhookJsonGetText(root, "chargeId");
		char	   *occurred = WebhookJsonGetText(root, "occurred");
		const char *parts[4];
		int			n = 0;
		JsonbValue	abuf;
		JsonbValue *amount;

		parts[n++] = type;
		parts[n++] = agreement;
		if (charge != NULL)
			parts[n++] = charge;
		if (occurred != NULL)
			parts[n++] = occurred;
		ev->event_id = WebhookJoinId(parts, n);
		ev->event_type = type;
		ev->object_id = charge != NULL ? charge : agreement;
		ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "occurred", &buf),
											  &ev->occurred_at);
		/* a charge's amount: minor units, as an ePayment amount or beside its currency */
		amount = WebhookJsonGet(root, "amount", &abuf);
		if (amount != NULL && amount->type == jbvBinary)
		{
			ev->amount_minor = WebhookJsonGetText(amount->val.binary.data, "value");
			ev->currency = WebhookUpperCurrency(WebhookJsonGetText(amount->val.binary.data,
																   "currency"));
		}
		else if (amount != NULL)
		{
			ev->amount_minor = WebhookJsonText(amount);
			ev->currency = WebhookUpperCurrency(WebhookJsonGetText(root, "currency"));
		}
	}
	else if (qr != NULL)
	{
		char	   *msn = WebhookJsonGetText(root, "msn");
		char	   *at = WebhookJsonGetText(root, "initiatedAt");

		ev->event_type = pstrdup("user.checked-in.v1");
		if (msn != NULL && at != NULL)
		{
			const char *parts[4] = {ev->event_type, msn, qr, at};

			ev->event_id = WebhookJoinId(parts, 4);
		}
		ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "initiatedAt", &buf),
											  &ev->occurred_at);
	}
	else if (login != NULL)
	{
		const char *parts[2];

		ev->event_type = pstrdup("login.merchant-initiated.ping.v1");
		parts[0] = ev->event_type;
		parts[1] = login;
		ev->event_id = WebhookJoinId(parts, 2);
	}
}

/*
 * Vipps MobilePay ePayment events (README "Schemes", Event mapping), and
 * the Webhooks API's Recurring, QR and Login events (extract_vipps_other).
 */
static void
extract_vipps(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *amount = WebhookJsonGetObject(root, "amount");
	JsonbValue	buf;
	char	   *msn = WebhookJsonGetText(root, "msn");
	char	   *psp = WebhookJsonGetText(root, "pspReference");
	char	   *name = WebhookJsonGetText(root, "name");
	char	   *success = WebhookJsonGetText(root, "success");

	if (name == NULL && psp == NULL && WebhookJsonGet(root, "reference", &buf) == NULL)
	{
		/* no ePayment field: another API's event, or none */
		extract_vipps_other(root, ev);
		ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
		return;
	}
	/* Vipps' own plugin notes that some payloads spell the msn out */
	if (msn == NULL)
		msn = WebhookJsonGetText(root, "merchantSerialNumber");
	ev->reference = WebhookJsonGetText(root, "reference");
	if (msn != NULL && ev->reference != NULL && psp != NULL && name != NULL)
	{
		const char *parts[4] = {msn, ev->reference, psp, name};

		ev->event_id = WebhookJoinId(parts, 4);
	}
	if (name != NULL)
		ev->event_type = psprintf("epayments.payment.%s.v1",
								  asc_tolower(name, strlen(name)));
	if (amount != NULL)
	{
		ev->amount_minor = WebhookJsonGetText(amount, "value");
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(amount, "currency"));
	}
	ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "timestamp", &buf), &ev->occurred_at);
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	if (success != NULL && strcmp(success, "false") == 0)
		ev->action = "ignore";
	if (name != NULL && strcmp(name, "REFUNDED") == 0)
		ev->refund_id = psp;	/* each refund by its pspReference */
	if (name != NULL && strcmp(name, "CAPTURED") == 0)
		ev->partial = true;		/* each capture by its pspReference */
}


/* The four headers Vipps sends; options.path and options.host required, options.date or now. */
static Jsonb *
vipps_sign(const WebhookProviderConfig *cfg, const WebhookKey *key, const unsigned char *body,
		   size_t len, Jsonb *options)
{
	static const char *const names[4] = {"x-ms-date", "x-ms-content-sha256", "host", "Authorization"};
	char	   *path = WebhookOptionText(options, "path", true);
	char	   *host = WebhookOptionText(options, "host", true);
	char	   *date = WebhookOptionText(options, "date", false);
	char		hash[64];
	const char *values[4];

	if (date == NULL)
	{
		date = palloc(40);
		WebhookFormatHttpDate(WebhookNowUnix(), date);
	}
	values[3] = WebhookSignVipps(body, len, key, path, host, date, hash);
	if (values[3] == NULL)
		elog(ERROR, "could not compute an hmac");
	values[0] = date;
	values[1] = hash;
	values[2] = host;
	return WebhookJsonObject(names, values, 4);
}

static const WebhookConfigKey *const vipps_keys[] = {&key_public_url, NULL};

const WebhookSchemeInfo webhook_scheme_vipps = {
	.name = "vipps",
	.config_keys = vipps_keys,
	.opts_size = sizeof(VippsOptions),
	.minor_units = true,
	.own_action = true,
	.no_id = "the event lacks msn, reference, pspReference or name",
	/* Vipps holds back every later event for a payment while one fails */
	.never_5xx = true,
	.verify = vipps_verify,
	.extract = extract_vipps,
	.sign = vipps_sign,
};

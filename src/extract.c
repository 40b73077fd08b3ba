/*-------------------------------------------------------------------------
 *
 * extract.c
 *	  Finding event id, type, payment, amount and time in a payload.
 *
 * Each scheme has default locations (README "Schemes", Event mapping);
 * a provider's config.paths overrides any of them.  Nothing here trusts the payload's
 * shape: every step checks the kind of what it finds, and a required
 * field that is missing or of the wrong kind becomes a malformed_body
 * detail, not an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "extract.h"
#include "headers.h"
#include "jsonget.h"
#include "money.h"
#include "webhook.h"


/*
 * Judge the event's amount and currency, and put the amount in major
 * units: what cannot be applied (a currency that is no code, an amount
 * that is no number, negative, or finer than its currency) sets
 * ev->invalid and clears the amount, so the event is stored held and
 * moves no money.  An unknown currency is left for the trigger, which
 * fails the event with its name until webhook_currencies has it.
 */
static void
check_amount(WebhookConfig *cfg, WebhookEvent *ev)
{
	int			exponent = -1;
	Datum		major;
	int64		minor;

	if (ev->currency != NULL && !WebhookIsCurrencyCode(ev->currency, true))
	{
		ev->invalid = "invalid_currency: the currency is not a three-letter code";
		ev->currency = NULL;
	}
	else if (ev->amount_minor != NULL && ev->currency == NULL)
		ev->invalid = "invalid_currency: an amount in minor units needs a currency";
	else if (ev->amount_minor != NULL && ev->amount_minor[0] == '-')
		ev->invalid = "invalid_amount: the amount is negative";
	else if (ev->amount_minor != NULL &&
			 !WebhookParseUnsigned(ev->amount_minor, strlen(ev->amount_minor), &minor))
		ev->invalid = "invalid_amount: the amount is not a whole number of minor units";
	else if (ev->amount != NULL && !WebhookIsDecimal(ev->amount))
		ev->invalid = "invalid_amount: the amount is not a decimal number";
	if (ev->invalid != NULL)
	{
		ev->amount = ev->amount_minor = NULL;
		return;
	}
	if (ev->currency != NULL)
		exponent = WebhookConfigExponent(cfg, ev->currency);
	if (ev->amount_minor != NULL)
	{
		/* major units through the cached currency table, when it has the code */
		if (exponent < 0)
			return;
		major = WebhookMinorToMajor(minor, exponent);
	}
	else if (ev->amount != NULL)
		major = DirectFunctionCall3(numeric_in, CStringGetDatum(ev->amount),
									ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	else
		return;
	ev->invalid = WebhookAmountProblem(major, exponent);
	if (ev->invalid != NULL)
		ev->amount = ev->amount_minor = NULL;
	else if (ev->amount_minor != NULL)
		ev->amount = DatumGetCString(DirectFunctionCall1(numeric_out, major));
}

/*
 * The event's id where no body field gives one, by the scheme's id_source:
 * its id header's value, else (HEADER_OR_HASH) the body's SHA-256 in hex.
 * false when the scheme's id header is required and absent: verification
 * has reported that already, so the caller returns no problem of its own.
 */
static bool
event_id_from_header(const WebhookSchemeInfo *info, const WebhookProviderConfig *c,
					 const unsigned char *body_sha256, const WebhookHeader *headers,
					 int nheaders, WebhookEvent *ev)
{
	/* where no body field names the event, a header may; else the body's hash */
	if (info->id_source == WEBHOOK_ID_HEADER_OR_HASH)
	{
		const WebhookHeader *h;
		const char *name = info->id_header ? info->id_header(c) : NULL;

		if (name != NULL &&
			WebhookFindHeader(headers, nheaders, name, &h) == WEBHOOK_HEADER_FOUND &&
			h->value_len > 0)
		{
			ev->event_id = pnstrdup(h->value, h->value_len);
			ev->id_from_header = true;
		}
		else
		{
			char		hex[65];

			WebhookHexEncode(body_sha256, 32, hex);
			hex[64] = '\0';
			ev->event_id = pstrdup(hex);
		}
	}
	/* the id is the id header's (Standard Webhooks: verification reports its absence) */
	else if (info->id_source == WEBHOOK_ID_HEADER)
	{
		const WebhookHeader *h;

		if (WebhookFindHeader(headers, nheaders, info->id_header(c), &h) != WEBHOOK_HEADER_FOUND)
			return false;
		ev->event_id = pnstrdup(h->value, h->value_len);
		ev->id_from_header = true;
	}
	return true;
}

const char *
WebhookExtract(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload,
			   const unsigned char *body_sha256,
			   const WebhookHeader *headers, int nheaders, WebhookEvent *ev)
{
	const WebhookProviderConfig *c = &prov->config;
	const WebhookSchemeInfo *info = prov->scheme;
	JsonbValue	buf;
	bool		minor;

	memset(ev, 0, sizeof(*ev));

	info->extract(cfg, prov, payload, ev);

	/* config.paths override the scheme's defaults, field by field */
#define OVERRIDE(f, dst) \
	if (c->has_path[f]) \
		dst = WebhookJsonText(WebhookJsonPath(payload, c->paths[f].keys, c->paths[f].nkeys, &buf))
	OVERRIDE(WEBHOOK_F_EVENT_ID, ev->event_id);
	OVERRIDE(WEBHOOK_F_EVENT_TYPE, ev->event_type);
	OVERRIDE(WEBHOOK_F_REFERENCE, ev->reference);
	OVERRIDE(WEBHOOK_F_EXTERNAL_ID, ev->object_id);
	OVERRIDE(WEBHOOK_F_CURRENCY, ev->currency);
	OVERRIDE(WEBHOOK_F_REFUND_ID, ev->refund_id);
#undef OVERRIDE
	if (c->has_path[WEBHOOK_F_CURRENCY])
		WebhookUpperCurrency(ev->currency);
	if (c->has_path[WEBHOOK_F_OCCURRED_AT])
		ev->has_occurred_at =
			WebhookJsonTime(WebhookJsonPath(payload, c->paths[WEBHOOK_F_OCCURRED_AT].keys,
									  c->paths[WEBHOOK_F_OCCURRED_AT].nkeys, &buf),
					  &ev->occurred_at);
	if (c->has_path[WEBHOOK_F_AMOUNT])
	{
		char	   *a = WebhookJsonText(WebhookJsonPath(payload, c->paths[WEBHOOK_F_AMOUNT].keys,
														c->paths[WEBHOOK_F_AMOUNT].nkeys, &buf));

		/* in the unit judged below */
		ev->amount_minor = NULL;
		ev->amount = a;
	}
	/* a scheme's own rules chose its action; the others map the type as found */
	if (!info->own_action || c->has_path[WEBHOOK_F_EVENT_TYPE])
		ev->action = WebhookConfigAction(cfg, prov, ev->event_type);

	if (ev->event_id == NULL && !c->has_path[WEBHOOK_F_EVENT_ID] &&
		!event_id_from_header(info, c, body_sha256, headers, nheaders, ev))
		return NULL;
	if (ev->event_id == NULL || ev->event_id[0] == '\0')
		return info->no_id ? info->no_id : "the event has no id";
	if (strlen(ev->event_id) > 255)
		return "the event id is longer than 255 characters";
	if (info->needs_type && ev->event_type == NULL)
		return "the event has no type";

	/* amounts: the unit is the scheme's unless config.amount_unit says otherwise */
	minor = (c->amount_unit == WEBHOOK_UNIT_MINOR) ||
		(c->amount_unit == WEBHOOK_UNIT_DEFAULT && info->minor_units);
	if (minor && ev->amount != NULL)
	{
		ev->amount_minor = ev->amount;
		ev->amount = NULL;
	}
	else if (!minor && ev->amount_minor != NULL)
	{
		ev->amount = ev->amount_minor;
		ev->amount_minor = NULL;
	}
	check_amount(cfg, ev);
	/* an event that does nothing is ignored, whatever its amount says */
	if (ev->invalid != NULL && (ev->action == NULL || strcmp(ev->action, "ignore") == 0))
		ev->invalid = NULL;
	return NULL;
}

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

#include "clock.h"
#include "extract.h"
#include "headers.h"
#include "jsonget.h"
#include "money.h"
#include "webhook.h"

char *
WebhookJoinId(const char *const *parts, int nparts)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < nparts; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ':');
		for (const char *p = parts[i]; *p; p++)
		{
			if (*p == ':' || *p == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *p);
		}
	}
	return buf.data;
}

/*
 * A time from a JSON value: a number is Unix seconds, a string goes
 * through timestamptz_in (which raises on garbage; see the header).
 */
static bool
json_time(const JsonbValue *v, TimestampTz *out)
{
	char	   *s;
	int64		secs;

	if (v == NULL)
		return false;
	s = WebhookJsonText(v);
	if (s == NULL)
		return false;
	if (v->type == jbvNumeric)
	{
		if (!WebhookParseUnsigned(s, strlen(s), &secs) || secs > INT64CONST(253402300799))
			return false;
		*out = WebhookUnixToTimestamp(secs);
		return true;
	}
	if (v->type != jbvString || s[0] == '\0')
		return false;
	*out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	return true;
}

/* Upper-case a currency code in place; NULL stays NULL. */
static char *
upper_currency(char *s)
{
	if (s != NULL)
		for (char *p = s; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p -= 'a' - 'A';
	return s;
}

/* Stripe defaults (README "Schemes", Event mapping). */
static void
extract_stripe(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbContainer *data = WebhookJsonGetObject(root, "data");
	JsonbContainer *obj = data ? WebhookJsonGetObject(data, "object") : NULL;
	JsonbContainer *meta = obj ? WebhookJsonGetObject(obj, "metadata") : NULL;
	char	   *objtype = obj ? WebhookJsonGetText(obj, "object") : NULL;
	const char *type;
	JsonbValue	buf;
	bool		overridden;

	ev->event_id = WebhookJsonGetText(root, "id");
	ev->event_type = WebhookJsonGetText(root, "type");
	type = ev->event_type ? ev->event_type : "";

	if (obj != NULL)
	{
		if (objtype != NULL && strcmp(objtype, "payment_intent") == 0)
			ev->object_id = WebhookJsonGetText(obj, "id");
		else
		{
			JsonbContainer *pi = WebhookJsonGetObject(obj, "payment_intent");

			/* an expanded PaymentIntent is an object with its id inside */
			ev->object_id = pi ? WebhookJsonGetText(pi, "id") : WebhookJsonGetText(obj, "payment_intent");
		}
		ev->reference = meta ? WebhookJsonGetText(meta, "reference") : NULL;
		if (ev->reference == NULL)
			ev->reference = WebhookJsonGetText(obj, "client_reference_id");
		ev->currency = upper_currency(WebhookJsonGetText(obj, "currency"));

		if (objtype != NULL && strcmp(objtype, "payment_intent") == 0)
		{
			ev->amount_minor = WebhookJsonGetText(obj, "amount_received");
			if (ev->amount_minor == NULL || strcmp(ev->amount_minor, "0") == 0 ||
				strcmp(type, "payment_intent.succeeded") != 0)
				ev->amount_minor = WebhookJsonGetText(obj, "amount");
		}
		else if (objtype != NULL && strcmp(objtype, "charge") == 0)
		{
			if (strcmp(type, "charge.refunded") == 0)
			{
				ev->amount_minor = WebhookJsonGetText(obj, "amount_refunded");
				ev->cumulative = true;
			}
			else
			{
				ev->amount_minor = WebhookJsonGetText(obj, "amount_captured");
				if (ev->amount_minor == NULL || strcmp(ev->amount_minor, "0") == 0)
					ev->amount_minor = WebhookJsonGetText(obj, "amount");
			}
		}
		else if (objtype != NULL && strcmp(objtype, "refund") == 0)
		{
			ev->amount_minor = WebhookJsonGetText(obj, "amount");
			ev->refund_id = WebhookJsonGetText(obj, "id");
		}
		else if (objtype != NULL && strcmp(objtype, "checkout.session") == 0)
			ev->amount_minor = WebhookJsonGetText(obj, "amount_total");
		else
			ev->amount_minor = WebhookJsonGetText(obj, "amount");
	}
	/* Stripe's created is Unix seconds; anything else there is not a time */
	{
		JsonbValue *created = WebhookJsonGet(root, "created", &buf);

		if (created != NULL && created->type == jbvNumeric)
			ev->has_occurred_at = json_time(created, &ev->occurred_at);
	}

	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	overridden = prov->config.actions != NULL && ev->event_type != NULL &&
		WebhookJsonGet(&prov->config.actions->root, ev->event_type, &buf) != NULL;
	if (ev->action != NULL && !overridden && obj != NULL)
	{
		char	   *s;

		if (strcmp(type, "charge.succeeded") == 0 &&
			(s = WebhookJsonGetText(obj, "captured")) != NULL && strcmp(s, "false") == 0)
			ev->action = "authorize";
		else if (strncmp(type, "refund.", 7) == 0 &&
				 ((s = WebhookJsonGetText(obj, "status")) == NULL || strcmp(s, "succeeded") != 0))
			ev->action = "ignore";
		else if (strcmp(type, "checkout.session.completed") == 0 &&
				 ((s = WebhookJsonGetText(obj, "payment_status")) == NULL || strcmp(s, "paid") != 0))
			ev->action = "pending";
	}
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

/* Vipps MobilePay ePayment events (README "Schemes", Event mapping). */
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
		ev->currency = upper_currency(WebhookJsonGetText(amount, "currency"));
	}
	ev->has_occurred_at = json_time(WebhookJsonGet(root, "timestamp", &buf), &ev->occurred_at);
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
	if (success != NULL && strcmp(success, "false") == 0)
		ev->action = "ignore";
	if (name != NULL && strcmp(name, "REFUNDED") == 0)
		ev->refund_id = psp;	/* each refund by its pspReference */
	if (name != NULL && strcmp(name, "CAPTURED") == 0)
		ev->partial = true;		/* each capture by its pspReference */
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
	ev->has_occurred_at = json_time(WebhookJsonGet(root, "create_time", &buf), &ev->occurred_at);
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
			ev->currency = upper_currency(WebhookJsonGetText(amount, "currency_code"));
		}
	}
	ev->action = WebhookConfigAction(cfg, prov, ev->event_type);
}

/* The two generic gateway shapes (README "Schemes", Event mapping). */
static void
extract_generic(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbValue	buf;
	char	   *payment_id = WebhookJsonGetText(root, "paymentId");

	if (payment_id != NULL)
	{
		char	   *event = WebhookJsonGetText(root, "event");

		ev->object_id = payment_id;
		ev->reference = WebhookJsonGetText(root, "orderId");
		ev->event_type = WebhookJsonGetText(root, "status");
		if (event != NULL)
		{
			const char *parts[2] = {payment_id, event};

			ev->event_id = WebhookJoinId(parts, 2);
		}
		ev->has_occurred_at = json_time(WebhookJsonGet(root, "timestamp", &buf),
										&ev->occurred_at);
	}
	else
	{
		ev->object_id = WebhookJsonGetText(root, "payment_id");
		ev->reference = WebhookJsonGetText(root, "transaction_id");
		ev->event_type = WebhookJsonGetText(root, "status");
		ev->amount = WebhookJsonGetText(root, "amount");
		ev->currency = upper_currency(WebhookJsonGetText(root, "currency"));
	}
}


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

const char *
WebhookExtract(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload,
			   const unsigned char *body_sha256,
			   const WebhookHeader *headers, int nheaders, WebhookEvent *ev)
{
	const WebhookProviderConfig *c = &prov->config;
	const WebhookSchemeInfo *info = WebhookSchemeGet(prov->scheme);
	JsonbValue	buf;
	bool		minor;

	memset(ev, 0, sizeof(*ev));

	switch (prov->scheme)
	{
		case WEBHOOK_SCHEME_STRIPE:
			extract_stripe(cfg, prov, payload, ev);
			break;
		case WEBHOOK_SCHEME_VIPPS:
			extract_vipps(cfg, prov, payload, ev);
			break;
		case WEBHOOK_SCHEME_PAYPAL:
			extract_paypal(cfg, prov, payload, ev);
			break;
		default:
			extract_generic(cfg, prov, payload, ev);
			break;
	}

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
		upper_currency(ev->currency);
	if (c->has_path[WEBHOOK_F_OCCURRED_AT])
		ev->has_occurred_at =
			json_time(WebhookJsonPath(payload, c->paths[WEBHOOK_F_OCCURRED_AT].keys,
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

	/* where no body field names the event, a header may; else the body's hash */
	if (ev->event_id == NULL && !c->has_path[WEBHOOK_F_EVENT_ID] &&
		info->id_source == WEBHOOK_ID_HEADER_OR_HASH)
	{
		const WebhookHeader *h;

		if (c->event_id_header != NULL &&
			WebhookFindHeader(headers, nheaders, c->event_id_header, &h) == WEBHOOK_HEADER_FOUND &&
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

	/* Standard Webhooks: the id is the webhook-id header (verification reports its absence) */
	if (ev->event_id == NULL && !c->has_path[WEBHOOK_F_EVENT_ID] &&
		info->id_source == WEBHOOK_ID_STANDARD_HEADER)
	{
		const WebhookHeader *h;
		char	   *name = psprintf("%sid", c->header_prefix);

		if (WebhookFindHeader(headers, nheaders, name, &h) != WEBHOOK_HEADER_FOUND)
			return NULL;
		ev->event_id = pnstrdup(h->value, h->value_len);
		ev->id_from_header = true;
	}
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

/*-------------------------------------------------------------------------
 *
 * schemes.c
 *	  The scheme registry: every signature scheme the extension knows, by
 *	  the name SQL spells it.  A new scheme is one file in src/schemes/ and
 *	  one line in WebhookSchemes[] below.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "config.h"

PG_FUNCTION_INFO_V1(webhook_schemes);
PG_FUNCTION_INFO_V1(webhook_scheme_known);

static const char *const no_keys[] = {NULL};
static const char *const hmac_keys[] = {"header", "prefix", "algorithm", "encoding",
"secret_encoding", "event_id_header", NULL};
static const char *const apikey_keys[] = {"header", "event_id_header", NULL};
static const char *const standard_keys[] = {"header_prefix", NULL};
static const char *const vipps_keys[] = {"public_url", NULL};
static const char *const paypal_keys[] = {"webhook_id", "ca_pem", "cert_hosts", NULL};

/*
 * The registry, in the order of enum WebhookScheme (checked below): what
 * each scheme asks of the common steps.  Its name is how SQL spells it.
 */
static const WebhookSchemeInfo schemes[] = {
	[WEBHOOK_SCHEME_STRIPE] = {
		.name = "stripe", .config_keys = no_keys, .minor_units = true,
		.own_action = true, .needs_type = true,
	},
	[WEBHOOK_SCHEME_STANDARD] = {
		.name = "standard", .config_keys = standard_keys,
		.secret_form = WEBHOOK_SECRET_FORM_WHSEC, .id_source = WEBHOOK_ID_STANDARD_HEADER,
	},
	[WEBHOOK_SCHEME_VIPPS] = {
		.name = "vipps", .config_keys = vipps_keys, .minor_units = true, .own_action = true,
		.no_id = "the event lacks msn, reference, pspReference or name", .never_5xx = true,
	},
	[WEBHOOK_SCHEME_PAYPAL] = {
		.name = "paypal", .config_keys = paypal_keys, .own_action = true,
		.secretless_hint = "PayPal deliveries are verified with config.webhook_id and the certificates in webhook_certificates.",
	},
	[WEBHOOK_SCHEME_HMAC] = {
		.name = "hmac", .config_keys = hmac_keys, .default_header = "X-Signature",
		.secret_form = WEBHOOK_SECRET_FORM_CONFIG, .id_source = WEBHOOK_ID_HEADER_OR_HASH,
	},
	[WEBHOOK_SCHEME_APIKEY] = {
		.name = "apikey", .config_keys = apikey_keys, .default_header = "X-API-Key",
		.id_source = WEBHOOK_ID_HEADER_OR_HASH, .redact_header = true,
	},
};

StaticAssertDecl(lengthof(schemes) == WEBHOOK_NSCHEMES,
				 "the registry has one entry per enum WebhookScheme");

const WebhookSchemeInfo *
WebhookSchemeGet(WebhookScheme scheme)
{
	return &schemes[scheme];
}

const char *
WebhookSchemeName(WebhookScheme scheme)
{
	return schemes[scheme].name;
}

bool
WebhookSchemeTakesKey(WebhookScheme scheme, const char *key)
{
	for (const char *const *k = schemes[scheme].config_keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

/* Scheme by SQL name: -1 when there is none. */
int
WebhookSchemeLookup(const char *name)
{
	for (int i = 0; i < (int) lengthof(schemes); i++)
		if (strcmp(name, schemes[i].name) == 0)
			return i;
	return -1;
}

/* "stripe, standard, ...": the registry's names, for hints. */
char *
WebhookSchemeList(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(schemes); i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", schemes[i].name);
	return buf.data;
}

/* Scheme by SQL name; raises on an unknown one. */
WebhookScheme
WebhookSchemeByName(const char *name)
{
	int			i = WebhookSchemeLookup(name);

	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown scheme \"%s\"", name),
				 errhint("Schemes: %s.", WebhookSchemeList())));
	return (WebhookScheme) i;
}

/* webhook_schemes() RETURNS text[]: the registry, in its order. */
Datum
webhook_schemes(PG_FUNCTION_ARGS)
{
	int			n = (int) lengthof(schemes);
	Datum	   *elems = palloc(n * sizeof(Datum));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(schemes[i].name);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* webhook_scheme_known(scheme text) RETURNS boolean: for the providers' CHECK. */
Datum
webhook_scheme_known(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(WebhookSchemeLookup(name) >= 0);
}

/*-------------------------------------------------------------------------
 *
 * configkeys.c
 *	  Parsing a provider's config, key by key: the keys every scheme takes
 *	  (amount_unit, unmatched, on_mismatch, actions, paths), the keys the
 *	  generic gateways share, and through its entry the keys a scheme owns.
 *	  Also decoding a secret for a provider, and the SQL checks of configs
 *	  and secrets that the providers and secrets triggers call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "config.h"
#include "configkeys.h"
#include "headers.h"
#include "jsonget.h"
#include "webhook.h"

PG_FUNCTION_INFO_V1(webhook_check_config);
PG_FUNCTION_INFO_V1(webhook_check_secret);
PG_FUNCTION_INFO_V1(webhook_check_provider_secrets);

static const char *const field_names[WEBHOOK_NFIELDS] = {
	"event_id", "event_type", "reference", "external_id",
	"amount", "currency", "occurred_at", "refund_id"
};

/* true when a jsonb string equals the C string s */
static bool
jstring_is(const JsonbValue *v, const char *s)
{
	return v->type == jbvString && (size_t) v->val.string.len == strlen(s) &&
		memcmp(v->val.string.val, s, v->val.string.len) == 0;
}

void
WebhookConfigError(const char *key, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_WEBHOOK_CONFIG),
			 errmsg("provider config key \"%s\" must be %s", key, expected)));
	pg_unreachable();
}

char *
WebhookConfigString(JsonbValue *v, const char *key)
{
	if (v->type != jbvString)
		WebhookConfigError(key, "a string");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

int
WebhookConfigChoice(JsonbValue *v, const char *key, const char *const *choices, int n,
					const char *expected)
{
	char	   *s = WebhookConfigString(v, key);

	for (int i = 0; i < n; i++)
		if (pg_strcasecmp(s, choices[i]) == 0)
			return i;
	WebhookConfigError(key, expected);
}

char **
WebhookConfigStrings(JsonbValue *v, const char *key, int *n, const char *expected)
{
	JsonbIterator *it;
	JsonbValue	ev;
	JsonbIteratorToken tok;
	char	  **out;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
		JsonContainerSize(v->val.binary.data) == 0)
		WebhookConfigError(key, expected);
	out = palloc(sizeof(char *) * JsonContainerSize(v->val.binary.data));
	*n = 0;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &ev, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (ev.type != jbvString || ev.val.string.len == 0)
			WebhookConfigError(key, expected);
		out[(*n)++] = pnstrdup(ev.val.string.val, ev.val.string.len);
	}
	return out;
}

const char *
WebhookEventIdHeader(const WebhookProviderConfig *cfg)
{
	return cfg->event_id_header;
}

/* --- the keys the generic gateways share ------------------------------- */

static void
parse_header(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	out->header = WebhookConfigString(v, key);
	if (out->header[0] == '\0')
		WebhookConfigError(key, "a header name");
}

static void
parse_prefix(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	out->prefix = WebhookConfigString(v, key);
}

static void
parse_algorithm(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	static const char *const algs[] = {"sha1", "sha256", "sha512"};

	out->algorithm = (WebhookDigest) WebhookConfigChoice(v, key, algs, 3, "sha1, sha256 or sha512");
}

static void
parse_encoding(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	static const char *const encs[] = {"hex", "base64"};

	out->encoding = (WebhookEncoding) WebhookConfigChoice(v, key, encs, 2, "hex or base64");
}

static void
parse_secret_encoding(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	static const char *const encs[] = {"utf8", "hex", "base64"};

	out->secret_encoding = (WebhookSecretEncoding)
		WebhookConfigChoice(v, key, encs, 3, "utf8, hex or base64");
}

static void
parse_event_id_header(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	out->event_id_header = WebhookConfigString(v, key);
}

const WebhookConfigKey WebhookKeyHeader = {"header", parse_header};
const WebhookConfigKey WebhookKeyPrefix = {"prefix", parse_prefix};
const WebhookConfigKey WebhookKeyAlgorithm = {"algorithm", parse_algorithm};
const WebhookConfigKey WebhookKeyEncoding = {"encoding", parse_encoding};
const WebhookConfigKey WebhookKeySecretEncoding = {"secret_encoding", parse_secret_encoding};
const WebhookConfigKey WebhookKeyEventIdHeader = {"event_id_header", parse_event_id_header};

/* --- the keys every scheme takes --------------------------------------- */

static void
parse_amount_unit(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	static const char *const units[] = {"major", "minor"};

	out->amount_unit = WebhookConfigChoice(v, key, units, 2, "major or minor") == 0 ?
		WEBHOOK_UNIT_MAJOR : WEBHOOK_UNIT_MINOR;
}

static void
parse_unmatched(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	static const char *const pol[] = {"park", "reject"};

	out->unmatched_reject = WebhookConfigChoice(v, key, pol, 2, "park or reject") == 1;
}

static void
parse_on_mismatch(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	static const char *const pol[] = {"apply", "hold"};

	out->mismatch_hold = WebhookConfigChoice(v, key, pol, 2, "apply or hold") == 1;
}

/* config.actions: an object of event type to one of the actions; kept as given */
static void
parse_actions(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	JsonbIterator *it;
	JsonbValue	av;
	JsonbIteratorToken tok;
	static const char *const acts[] = {"pending", "authorize", "capture", "fail",
	"cancel", "refund", "ignore"};

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		WebhookConfigError(key, "an object of event type to action");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &av, true)) != WJB_DONE)
	{
		bool		ok = false;

		if (tok != WJB_VALUE)
			continue;
		for (int i = 0; i < (int) lengthof(acts); i++)
			if (jstring_is(&av, acts[i]))
				ok = true;
		if (!ok)
			WebhookConfigError(key, "an object whose values are pending, authorize, capture, fail, cancel, refund or ignore");
	}
	out->actions = JsonbValueToJsonb(v);
}

/* Raise on a key of config.paths that names no field: a typo worth reporting. */
static void
check_path_names(JsonbContainer *paths)
{
	JsonbIterator *it = JsonbIteratorInit(paths);
	JsonbValue	kv;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &kv, true)) != WJB_DONE)
	{
		bool		known = false;

		if (tok != WJB_KEY)
			continue;
		for (int f = 0; f < WEBHOOK_NFIELDS; f++)
			if (jstring_is(&kv, field_names[f]))
				known = true;
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_WEBHOOK_CONFIG),
					 errmsg("unknown provider config path \"%.*s\"",
							kv.val.string.len, kv.val.string.val),
					 errhint("Paths: event_id, event_type, reference, external_id, amount, currency, occurred_at, refund_id.")));
	}
}

/* config.paths.<field>: a non-empty array of keys from the body's root */
static void
parse_path(JsonbValue *p, int f, WebhookProviderConfig *out)
{
	JsonbIterator *it;
	JsonbValue	pv;
	JsonbIteratorToken tok;
	int			n = 0;

	if (p->type != jbvBinary || !JsonContainerIsArray(p->val.binary.data) ||
		JsonContainerSize(p->val.binary.data) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("provider config paths.%s must be a non-empty array of keys",
						field_names[f])));
	out->has_path[f] = true;
	out->paths[f].keys = palloc(sizeof(char *) * JsonContainerSize(p->val.binary.data));
	it = JsonbIteratorInit(p->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &pv, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (pv.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_WEBHOOK_CONFIG),
					 errmsg("provider config paths.%s must be a non-empty array of keys",
							field_names[f])));
		out->paths[f].keys[n++] = pnstrdup(pv.val.string.val, pv.val.string.len);
	}
	out->paths[f].nkeys = n;
}

static void
parse_paths(const char *key, JsonbValue *v, WebhookProviderConfig *out)
{
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		WebhookConfigError(key, "an object of field to JSON path (a text array)");
	for (int f = 0; f < WEBHOOK_NFIELDS; f++)
	{
		JsonbValue	pbuf;
		JsonbValue *p = WebhookJsonGet(v->val.binary.data, field_names[f], &pbuf);

		if (p != NULL)
			parse_path(p, f, out);
	}
	check_path_names(v->val.binary.data);
}

static const WebhookConfigKey common_keys[] = {
	{"amount_unit", parse_amount_unit},
	{"unmatched", parse_unmatched},
	{"on_mismatch", parse_on_mismatch},
	{"actions", parse_actions},
	{"paths", parse_paths},
};

/* The key of config named key, for scheme: every scheme's, then its own; or raise. */
static const WebhookConfigKey *
find_key(WebhookScheme scheme, const char *key)
{
	const WebhookConfigKey *k;

	for (int i = 0; i < (int) lengthof(common_keys); i++)
		if (strcmp(common_keys[i].name, key) == 0)
			return &common_keys[i];
	k = WebhookSchemeKey(scheme, key);
	if (k != NULL)
		return k;
	if (WebhookSchemeKnowsKey(key))
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("provider config key \"%s\" does not apply to scheme %s",
						key, WebhookSchemeName(scheme))));
	ereport(ERROR,
			(errcode(ERRCODE_WEBHOOK_CONFIG),
			 errmsg("unknown provider config key \"%s\"", key),
			 errhint("See the README's table of config keys.")));
	pg_unreachable();
}

/*
 * Parse config for scheme into out (palloc'd in the current context),
 * filling defaults.  Raises on unknown keys, keys that do not apply to the
 * scheme, and values of the wrong kind; then the scheme's config_done
 * judges the whole.
 */
void
WebhookParseConfig(WebhookScheme scheme, Jsonb *config, WebhookProviderConfig *out)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	memset(out, 0, sizeof(*out));
	out->header = pstrdup(scheme->default_header ? scheme->default_header : "X-Signature");
	out->prefix = pstrdup("");
	out->algorithm = WEBHOOK_SHA256;
	out->encoding = WEBHOOK_HEX;
	out->secret_encoding = WEBHOOK_SECRET_UTF8;
	if (scheme->opts_size > 0)
		out->opts = palloc0(scheme->opts_size);

	if (!JB_ROOT_IS_OBJECT(config))
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("provider config must be a JSON object")));

	it = JsonbIteratorInit(&config->root);
	tok = JsonbIteratorNext(&it, &v, false);	/* WJB_BEGIN_OBJECT */
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		JsonbValue	val;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		(void) JsonbIteratorNext(&it, &val, true);
		find_key(scheme, key)->parse(key, &val, out);
	}
	if (scheme->config_done != NULL)
		scheme->config_done(out);
}

/*
 * Decode a secret for its provider into key (palloc'd).  Returns false when
 * the secret cannot serve the scheme; *why says why (never the secret).
 */
bool
WebhookDecodeSecret(WebhookScheme scheme, const WebhookProviderConfig *cfg,
			  const char *secret, size_t len, WebhookKey *key, const char **why)
{
	unsigned char *buf;
	size_t		outlen;

	*why = NULL;
	if (scheme->secret_form == WEBHOOK_SECRET_FORM_WHSEC)
	{
		buf = palloc(WEBHOOK_BASE64_DECODED_MAX(len) + 1);
		if (!WebhookStandardSecretDecode(secret, len, buf, WEBHOOK_BASE64_DECODED_MAX(len) + 1, &outlen))
		{
			*why = "a Standard Webhooks secret must be whsec_ followed by base64";
			return false;
		}
	}
	else if (scheme->secret_form == WEBHOOK_SECRET_FORM_HEX ||
			 (scheme->secret_form == WEBHOOK_SECRET_FORM_CONFIG &&
			  cfg->secret_encoding == WEBHOOK_SECRET_HEX))
	{
		buf = palloc(len / 2 + 1);
		if (!WebhookHexDecode(secret, len, buf, len / 2 + 1, &outlen) || outlen == 0)
		{
			*why = scheme->secret_form == WEBHOOK_SECRET_FORM_HEX ?
				"this scheme's keys are hex, and this secret is not hex" :
				"the provider's secret_encoding is hex, and this secret is not hex";
			return false;
		}
	}
	else if (scheme->secret_form == WEBHOOK_SECRET_FORM_CONFIG &&
			 cfg->secret_encoding == WEBHOOK_SECRET_BASE64)
	{
		buf = palloc(WEBHOOK_BASE64_DECODED_MAX(len) + 1);
		if (!WebhookBase64Decode(secret, len, true, buf,
								 WEBHOOK_BASE64_DECODED_MAX(len) + 1, &outlen) || outlen == 0)
		{
			*why = "the provider's secret_encoding is base64, and this secret is not base64";
			return false;
		}
	}
	else
	{
		buf = palloc(len + 1);
		memcpy(buf, secret, len);
		outlen = len;
	}
	key->data = buf;
	key->len = outlen;
	return true;
}

/*
 * webhook_check_config(scheme text, config jsonb) RETURNS void
 *	  Raise if the config would not parse for the scheme.
 */
Datum
webhook_check_config(PG_FUNCTION_ARGS)
{
	char	   *scheme = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *config = PG_GETARG_JSONB_P(1);
	WebhookProviderConfig cfg;

	WebhookParseConfig(WebhookSchemeByName(scheme), config, &cfg);
	PG_RETURN_VOID();
}

/*
 * webhook_check_secret(scheme text, config jsonb, secret text) RETURNS void
 *	  Raise if the secret cannot serve a provider of that scheme and config.
 *	  The message names the problem, never the secret.
 */
Datum
webhook_check_secret(PG_FUNCTION_ARGS)
{
	char	   *scheme_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *config = PG_GETARG_JSONB_P(1);
	text	   *secret = PG_GETARG_TEXT_PP(2);
	WebhookScheme scheme = WebhookSchemeByName(scheme_name);
	WebhookProviderConfig cfg;
	WebhookKey	key;
	const char *why;

	WebhookParseConfig(scheme, config, &cfg);
	if (scheme->secretless_hint != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("%s providers take no secret", scheme_name),
				 errhint("%s", scheme->secretless_hint)));
	if (!WebhookDecodeSecret(scheme, &cfg, VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret), &key, &why))
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("secret cannot be used: %s", why)));
	WebhookCleanse((void *) key.data, key.len);
	PG_RETURN_VOID();
}

/*
 * webhook_check_provider_secrets(provider text, scheme text, config jsonb) RETURNS void
 *	  Raise WH002 if a secret of the provider that has not expired could not
 *	  serve it under this scheme and config (a change of secret_encoding to
 *	  hex while its secrets are not hex, say), naming the secret by id and
 *	  label, never by its value.  The providers trigger calls it on UPDATE.
 */
Datum
webhook_check_provider_secrets(PG_FUNCTION_ARGS)
{
	text	   *provider = PG_GETARG_TEXT_PP(0);
	WebhookScheme scheme = WebhookSchemeByName(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	Jsonb	   *config = PG_GETARG_JSONB_P(2);
	const char *schema = quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
	WebhookProviderConfig cfg;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	WebhookParseConfig(scheme, config, &cfg);
	values[0] = PointerGetDatum(provider);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("SELECT id, label, secret FROM %s.webhook_secrets "
									   "WHERE provider OPERATOR(pg_catalog.=) $1 "
									   "AND (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) %s.webhook_now()) "
									   "ORDER BY id", schema, schema),
							  1, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the provider's secrets");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		text	   *secret = DatumGetTextPP(SPI_getbinval(tup, desc, 3, &isnull));
		char	   *label = SPI_getvalue(tup, desc, 2);
		WebhookKey	key;
		const char *why;

		if (scheme->secretless_hint != NULL)
			why = psprintf("%s providers take no secret", WebhookSchemeName(scheme));
		else if (!WebhookDecodeSecret(scheme, &cfg, VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
								&key, &why))
			;
		else
		{
			WebhookCleanse((void *) key.data, key.len);
			continue;
		}
		ereport(ERROR,
				(errcode(ERRCODE_WEBHOOK_CONFIG),
				 errmsg("provider \"%s\" cannot take this config: its secret %s%s%s%s cannot be used",
						text_to_cstring(provider), SPI_getvalue(tup, desc, 1),
						label ? " (label \"" : "", label ? label : "", label ? "\")" : ""),
				 errdetail("The secret does not fit: %s.", why),
				 errhint("Replace or expire that secret first, or keep the provider's config.")));
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* webhook_sign's options that are config keys of the scheme, as a config. */
Jsonb *
WebhookSignConfig(WebhookScheme scheme, Jsonb *options)
{
	JsonbParseState *st = NULL;
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	if (options != NULL && JB_ROOT_IS_OBJECT(options) && !JB_ROOT_IS_SCALAR(options))
	{
		it = JsonbIteratorInit(&options->root);
		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			char	   *key;

			if (tok != WJB_KEY)
				continue;
			(void) JsonbIteratorNext(&it, &v, true);
			key = pnstrdup(k.val.string.val, k.val.string.len);
			if (!WebhookSchemeTakesKey(scheme, key))
				continue;
			(void) pushJsonbValue(&st, WJB_KEY, &k);
			(void) pushJsonbValue(&st, WJB_VALUE, &v);
		}
	}
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

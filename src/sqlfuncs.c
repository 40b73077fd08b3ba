/*-------------------------------------------------------------------------
 *
 * sqlfuncs.c
 *	  SQL-callable signing and verification helpers: webhook_hmac,
 *	  webhook_sign_hmac, webhook_verify_hmac, webhook_sign_stripe,
 *	  webhook_verify_stripe, webhook_sign_standard and webhook_sign_vipps.
 *
 * One C function serves both SQL signatures of a helper, the bytea one and
 * the text one: it asks the call which argument types it was given
 * (get_fn_expr_argtype), and takes a text argument as its UTF-8 bytes.
 *
 * But for webhook_hmac, the raw HMAC of a message, each helper is a front
 * for one scheme of the registry.  It checks its own arguments, with its
 * own messages, then signs with the scheme's sign callback, the one
 * webhook_sign calls, or has the scheme judge one request header through
 * WebhookVerifyOne, which webhook_verify calls (authenticate.c): each scheme is
 * signed and verified by its own file alone, so the helpers judge exactly
 * as webhook_ingest does.  A signature that does not verify, cannot be
 * decoded or has the wrong length gives false, never an error; errors are
 * for the caller's mistakes (an unknown algorithm or encoding, a negative
 * tolerance, a timestamp out of range, a bad msg_id or Standard Webhooks
 * secret), and their messages never contain a secret.  Copies of keys and
 * computed MACs are cleansed after use.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "authenticate.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "headers.h"
#include "jsonget.h"
#include "verify.h"

PG_FUNCTION_INFO_V1(webhook_hmac);
PG_FUNCTION_INFO_V1(webhook_sign_hmac);
PG_FUNCTION_INFO_V1(webhook_verify_hmac);
PG_FUNCTION_INFO_V1(webhook_sign_stripe);
PG_FUNCTION_INFO_V1(webhook_verify_stripe);
PG_FUNCTION_INFO_V1(webhook_sign_standard);
PG_FUNCTION_INFO_V1(webhook_sign_vipps);

/* The signed timestamps a verifier accepts: 0 to 18 digits of Unix seconds. */
#define WEBHOOK_TS_IN_RANGE(ts) ((ts) >= 0 && (ts) <= INT64CONST(999999999999999999))

/* The header the stripe scheme reads and signs (schemes/stripe.c). */
#define STRIPE_HEADER "Stripe-Signature"

/*
 * The bytes of one bytea or text argument, and the copies made to get
 * them (a detoasted value, a conversion to UTF-8), to cleanse and free.
 */
typedef struct ArgBytes
{
	const unsigned char *data;
	size_t		len;
	void	   *copies[2];
	size_t		copy_lens[2];
} ArgBytes;

/*
 * arg_stored: argument n (bytea or text) as the bytes it holds, a text in
 * the database encoding; a detoasted copy is remembered for arg_release.
 */
static void
arg_stored(FunctionCallInfo fcinfo, int n, ArgBytes *ab)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(n));

	memset(ab, 0, sizeof(*ab));
	if ((Pointer) v != DatumGetPointer(PG_GETARG_DATUM(n)))
	{
		ab->copies[0] = v;
		ab->copy_lens[0] = VARSIZE_ANY(v);
	}
	ab->data = (const unsigned char *) VARDATA_ANY(v);
	ab->len = VARSIZE_ANY_EXHDR(v);
}

/*
 * arg_bytes: argument n as bytes: a bytea as it is, a text as its UTF-8
 * bytes, converted from the database encoding when that is not UTF-8
 * (raises if it cannot be).  Which one the argument is, the SQL signature
 * called says, through the call's expression.
 */
static void
arg_bytes(FunctionCallInfo fcinfo, int n, ArgBytes *ab)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, n);
	char	   *conv;

	if (type != BYTEAOID && type != TEXTOID)
		elog(ERROR, "could not tell whether argument %d is bytea or text", n + 1);
	arg_stored(fcinfo, n, ab);
	if (type == BYTEAOID)
		return;
	conv = pg_server_to_any((const char *) ab->data, (int) ab->len, PG_UTF8);
	if (conv != (const char *) ab->data)
	{
		ab->copies[1] = conv;
		ab->copy_lens[1] = strlen(conv);
		ab->data = (const unsigned char *) conv;
		ab->len = strlen(conv);
	}
}

/*
 * arg_release: free the copies made for an argument, first overwriting
 * them when the argument is a secret.
 */
static void
arg_release(ArgBytes *ab, bool secret)
{
	int			i;

	for (i = 0; i < 2; i++)
	{
		if (ab->copies[i] == NULL)
			continue;
		if (secret)
			WebhookCleanse(ab->copies[i], ab->copy_lens[i]);
		pfree(ab->copies[i]);
		ab->copies[i] = NULL;
	}
}

/*
 * name_is_showable: whether an unrecognised algorithm or encoding name may
 * be quoted in an error message.  Only short, name-like values are, so
 * that a secret passed in the wrong argument is never echoed.
 */
static bool
name_is_showable(const char *s)
{
	size_t		len = strlen(s);
	size_t		i;

	if (len == 0 || len > 16)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/*
 * arg_digest: argument n (text) as a digest; raises for an unknown name.
 */
static WebhookDigest
arg_digest(FunctionCallInfo fcinfo, int n)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(n));
	WebhookDigest alg;

	if (WebhookDigestByName(name, &alg))
	{
		pfree(name);
		return alg;
	}
	if (name_is_showable(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown hmac algorithm \"%s\"", name),
				 errhint("The algorithm must be sha1, sha256 or sha512.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown hmac algorithm"),
			 errdetail("The value given is not shown because it does not look like an algorithm name."),
			 errhint("The algorithm must be sha1, sha256 or sha512.")));
	pg_unreachable();
}

/*
 * arg_encoding: argument n (text) as a signature encoding, "hex" or
 * "base64" (ASCII case-insensitive); raises for anything else.
 */
static WebhookEncoding
arg_encoding(FunctionCallInfo fcinfo, int n)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(n));

	if (pg_strcasecmp(name, "hex") == 0)
	{
		pfree(name);
		return WEBHOOK_HEX;
	}
	if (pg_strcasecmp(name, "base64") == 0)
	{
		pfree(name);
		return WEBHOOK_BASE64;
	}
	if (name_is_showable(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown signature encoding \"%s\"", name),
				 errhint("The encoding must be hex or base64.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown signature encoding"),
			 errdetail("The value given is not shown because it does not look like an encoding name."),
			 errhint("The encoding must be hex or base64.")));
	pg_unreachable();
}

/*
 * arg_ts: argument n (bigint), Unix seconds, or now when it is NULL
 * (webhook.clock_override honoured).  The caller checks the range.
 */
static int64
arg_ts(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? WebhookNowUnix() : PG_GETARG_INT64(n);
}

/*
 * scheme_defaults: the scheme of the registry called name, and in *cfg the
 * config of a provider of it configured with '{}': what webhook_sign and
 * webhook_verify start from.
 */
static WebhookScheme
scheme_defaults(const char *name, WebhookProviderConfig *cfg)
{
	WebhookScheme scheme = WebhookSchemeByName(name);

	WebhookParseConfig(scheme, WebhookJsonObject(NULL, NULL, 0), cfg);
	return scheme;
}

/*
 * sign_args: the headers scheme's sign callback gives for argument 0 (the
 * body) signed under cfg and options with key, or when key is NULL with
 * argument 1's bytes (cleansed afterwards).  Raises as the callback does.
 */
static Jsonb *
sign_args(FunctionCallInfo fcinfo, WebhookScheme scheme, const WebhookProviderConfig *cfg,
		  const WebhookKey *key, Jsonb *options)
{
	ArgBytes	body;
	ArgBytes	secret;
	WebhookKey	arg_key;
	Jsonb	   *headers;

	arg_bytes(fcinfo, 0, &body);
	memset(&secret, 0, sizeof(secret));
	if (key == NULL)
	{
		arg_bytes(fcinfo, 1, &secret);
		arg_key.data = secret.data;
		arg_key.len = secret.len;
		key = &arg_key;
	}
	headers = scheme->sign(cfg, key, body.data, body.len, options);
	arg_release(&secret, true);
	arg_release(&body, false);
	return headers;
}

/*
 * header_text: the value of header name in the headers a sign callback
 * gave, as a new text.
 */
static text *
header_text(Jsonb *headers, const char *name)
{
	char	   *value = WebhookJsonGetText(&headers->root, name);

	if (value == NULL)
		elog(ERROR, "the scheme signed no %s header", name);
	return cstring_to_text(value);
}

/*
 * verify_args: whether argument 0 (the body) with one request header,
 * name: value, verifies for prov with argument key_arg's bytes as the key
 * (cleansed afterwards), as WebhookVerifyOne judges it.
 */
static bool
verify_args(FunctionCallInfo fcinfo, WebhookProvider *prov, const char *name, text *value,
			int key_arg)
{
	WebhookHeader hdr;
	ArgBytes	body;
	ArgBytes	secret;
	WebhookKey	key;
	WebhookVerdict verdict;

	hdr.name = name;
	hdr.name_len = (int) strlen(name);
	hdr.value = VARDATA_ANY(value);
	hdr.value_len = (int) VARSIZE_ANY_EXHDR(value);
	arg_bytes(fcinfo, 0, &body);
	arg_bytes(fcinfo, key_arg, &secret);
	key.data = secret.data;
	key.len = secret.len;
	verdict = WebhookVerifyOne(NULL, prov, &hdr, 1, (const char *) body.data, body.len, &key);
	arg_release(&secret, true);
	arg_release(&body, false);
	if (verdict == WEBHOOK_CRYPTO_FAILURE)
		elog(ERROR, "could not compute an hmac");
	return verdict == WEBHOOK_VERIFIED;
}

/*
 * verify_provider: *prov, a provider of the scheme called name with the
 * default config and tolerance seconds, for verify_args.
 */
static void
verify_provider(const char *name, int tolerance, WebhookProvider *prov)
{
	memset(prov, 0, sizeof(*prov));
	prov->name = psprintf("webhook_verify_%s", name);
	prov->scheme = scheme_defaults(name, &prov->config);
	prov->tolerance = tolerance;
	prov->enabled = true;
}

/*
 * webhook_hmac(message bytea, secret bytea, algorithm text DEFAULT
 * 'sha256') RETURNS bytea, and webhook_hmac(message text, secret text,
 * algorithm text DEFAULT 'sha256') over the UTF-8 bytes of the texts: the
 * raw HMAC.  No scheme's: its own code.  Raises for an unknown algorithm.
 */
Datum
webhook_hmac(PG_FUNCTION_ARGS)
{
	WebhookDigest alg = arg_digest(fcinfo, 2);
	ArgBytes	msg;
	ArgBytes	key;
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	int			maclen;
	bytea	   *result;

	arg_bytes(fcinfo, 0, &msg);
	arg_bytes(fcinfo, 1, &key);
	maclen = WebhookHmac(alg, key.data, key.len, msg.data, msg.len, mac);
	arg_release(&key, true);
	arg_release(&msg, false);
	if (maclen <= 0)
	{
		WebhookCleanse(mac, sizeof(mac));
		elog(ERROR, "could not compute an hmac");
	}

	result = (bytea *) palloc(VARHDRSZ + maclen);
	SET_VARSIZE(result, VARHDRSZ + maclen);
	memcpy(VARDATA(result), mac, maclen);
	WebhookCleanse(mac, sizeof(mac));
	PG_RETURN_BYTEA_P(result);
}

/*
 * webhook_sign_hmac(body bytea, secret bytea, algorithm text DEFAULT
 * 'sha256', encoding text DEFAULT 'hex') RETURNS text, and the same over
 * the UTF-8 bytes of a text body and secret: the header value of the hmac
 * scheme with that algorithm and encoding and no prefix, the MAC in
 * lower-case hex or padded base64.  Raises for an unknown algorithm or
 * encoding.
 */
Datum
webhook_sign_hmac(PG_FUNCTION_ARGS)
{
	WebhookProviderConfig cfg;
	WebhookScheme scheme = scheme_defaults("hmac", &cfg);

	cfg.algorithm = arg_digest(fcinfo, 2);
	cfg.encoding = arg_encoding(fcinfo, 3);
	PG_RETURN_TEXT_P(header_text(sign_args(fcinfo, scheme, &cfg, NULL, NULL), cfg.header));
}

/*
 * known_prefix: if sig starts with "<algorithm name>=" (a name
 * WebhookDigestByName knows, ASCII case-insensitive), that prefix's
 * length, and the algorithm in *named; else 0.  Neither hex nor base64
 * can hold an '=' at that place, so a prefix is never mistaken for data.
 */
static size_t
known_prefix(const char *sig, size_t len, WebhookDigest *named)
{
	static const char *const names[] = {"sha1", "sha256", "sha512"};
	int			i;

	for (i = 0; i < (int) lengthof(names); i++)
	{
		size_t		nlen = strlen(names[i]);

		if (len > nlen && sig[nlen] == '=' &&
			pg_strncasecmp(sig, names[i], nlen) == 0 &&
			WebhookDigestByName(names[i], named))
			return nlen + 1;
	}
	return 0;
}

/*
 * webhook_verify_hmac(message bytea, secret bytea, signature text,
 * algorithm text DEFAULT 'sha256', encoding text DEFAULT 'hex') RETURNS
 * boolean, and the same over the UTF-8 bytes of a text message and
 * secret: whether signature is the HMAC of message, in hex (either case)
 * or base64, judged by the hmac scheme.  A "sha256="-style prefix is
 * allowed when it names the algorithm in use (it becomes the scheme's
 * config.prefix); one naming another algorithm gives false.  Constant
 * time; false for a signature that does not decode or has the wrong
 * length.  Raises for an unknown algorithm or encoding.
 */
Datum
webhook_verify_hmac(PG_FUNCTION_ARGS)
{
	text	   *sig = PG_GETARG_TEXT_PP(2);
	WebhookDigest alg = arg_digest(fcinfo, 3);
	WebhookEncoding enc = arg_encoding(fcinfo, 4);
	WebhookDigest named;
	WebhookProvider prov;
	size_t		plen;

	plen = known_prefix(VARDATA_ANY(sig), VARSIZE_ANY_EXHDR(sig), &named);
	if (plen > 0 && named != alg)
		PG_RETURN_BOOL(false);
	verify_provider("hmac", 0, &prov);
	prov.config.algorithm = alg;
	prov.config.encoding = enc;
	prov.config.prefix = pnstrdup(VARDATA_ANY(sig), plen);
	PG_RETURN_BOOL(verify_args(fcinfo, &prov, prov.config.header, sig, 1));
}

/*
 * webhook_sign_stripe(body bytea, secret text, ts bigint DEFAULT NULL)
 * RETURNS text, and the same over the UTF-8 bytes of a text body: the
 * Stripe-Signature value "t=<ts>,v1=<hex>" the stripe scheme signs, with
 * the whole secret string as key, at ts (NULL: now).  Not strict: NULL
 * body or secret gives NULL.  Raises for a negative or too large ts.
 */
Datum
webhook_sign_stripe(PG_FUNCTION_ARGS)
{
	static const char *const names[1] = {"ts"};
	const char *values[1];
	WebhookProviderConfig cfg;
	WebhookScheme scheme;
	int64		ts;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	ts = arg_ts(fcinfo, 2);
	if (!WEBHOOK_TS_IN_RANGE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stripe timestamp " INT64_FORMAT " is out of range", ts),
				 errhint("The timestamp is Unix seconds: at least 0 and at most 18 digits.")));
	values[0] = psprintf(INT64_FORMAT, ts);
	scheme = scheme_defaults("stripe", &cfg);
	PG_RETURN_TEXT_P(header_text(sign_args(fcinfo, scheme, &cfg, NULL,
										   WebhookJsonObject(names, values, 1)),
								 STRIPE_HEADER));
}

/*
 * webhook_verify_stripe(body bytea, signature_header text, secret text,
 * tolerance_seconds int DEFAULT 300) RETURNS boolean, and the same over
 * the UTF-8 bytes of a text body: whether a Stripe-Signature header
 * verifies as the stripe scheme judges it (any v1, the whole secret
 * string as key, |now - t| <= tolerance).  A malformed header gives
 * false.  Raises for a negative tolerance.
 */
Datum
webhook_verify_stripe(PG_FUNCTION_ARGS)
{
	text	   *header = PG_GETARG_TEXT_PP(1);
	int32		tolerance = PG_GETARG_INT32(3);
	WebhookProvider prov;

	if (tolerance < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tolerance_seconds must not be negative")));
	verify_provider("stripe", tolerance, &prov);
	PG_RETURN_BOOL(verify_args(fcinfo, &prov, STRIPE_HEADER, header, 2));
}

/*
 * webhook_sign_standard(body bytea, secret text, msg_id text, ts bigint
 * DEFAULT NULL) RETURNS text, and the same over the UTF-8 bytes of a text
 * body: the webhook-signature value ("v1,<base64>") the standard scheme
 * signs, HMAC-SHA256 over "msg_id.ts.body" with the secret base64-decoded
 * after an optional whsec_ prefix; NULL ts is now.  Not strict: NULL body,
 * secret or msg_id gives NULL.  Raises for a ts out of range, a msg_id
 * that is empty or holds a '.', and a secret that does not decode.
 */
Datum
webhook_sign_standard(PG_FUNCTION_ARGS)
{
	static const char *const names[2] = {"msg_id", "ts"};
	const char *values[2];
	WebhookProviderConfig cfg;
	WebhookScheme scheme;
	ArgBytes	secret;
	WebhookKey	key;
	const char *why;
	char	   *msg_id;
	int64		ts;
	bool		decoded;
	Jsonb	   *headers;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	ts = arg_ts(fcinfo, 3);
	if (!WEBHOOK_TS_IN_RANGE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("timestamp " INT64_FORMAT " is out of range", ts)));
	msg_id = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strchr(msg_id, '.') != NULL || msg_id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("msg_id must be non-empty and hold no \".\"")));
	scheme = scheme_defaults("standard", &cfg);
	/* the secret as given, as webhook_add_secret's is: no conversion */
	arg_stored(fcinfo, 1, &secret);
	decoded = WebhookDecodeSecret(scheme, &cfg, (const char *) secret.data, secret.len,
								  &key, &why);
	arg_release(&secret, true);
	if (!decoded)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", why)));
	values[0] = msg_id;
	values[1] = psprintf(INT64_FORMAT, ts);
	headers = sign_args(fcinfo, scheme, &cfg, &key, WebhookJsonObject(names, values, 2));
	WebhookCleanse((void *) key.data, key.len);
	/* the default config's header prefix, webhook- */
	PG_RETURN_TEXT_P(header_text(headers, "webhook-signature"));
}

/*
 * webhook_sign_vipps(body bytea, secret text, path text, host text, date
 * text DEFAULT NULL) RETURNS jsonb, and the same over the UTF-8 bytes of
 * a text body: the four headers the vipps scheme signs, {"x-ms-date",
 * "x-ms-content-sha256", "host", "Authorization"}, with the secret's
 * UTF-8 bytes as key; NULL date is now, as an RFC 1123 date.  Not strict:
 * NULL body, secret, path or host gives NULL.
 */
Datum
webhook_sign_vipps(PG_FUNCTION_ARGS)
{
	static const char *const names[3] = {"path", "host", "date"};
	const char *values[3];
	WebhookProviderConfig cfg;
	WebhookScheme scheme;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	values[0] = text_to_cstring(PG_GETARG_TEXT_PP(2));
	values[1] = text_to_cstring(PG_GETARG_TEXT_PP(3));
	values[2] = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	scheme = scheme_defaults("vipps", &cfg);
	PG_RETURN_JSONB_P(sign_args(fcinfo, scheme, &cfg, NULL,
								WebhookJsonObject(names, values, values[2] != NULL ? 3 : 2)));
}

/*-------------------------------------------------------------------------
 *
 * sqlfuncs.c
 *	  SQL-callable signing and verification helpers: webhook_hmac,
 *	  webhook_sign_hmac, webhook_verify_hmac, webhook_sign_stripe and
 *	  webhook_verify_stripe, each for bytea and for text.
 *
 * They judge exactly as webhook_ingest does, through verify.c.  Text
 * arguments are taken as their UTF-8 bytes.  A signature that does not
 * verify, cannot be decoded or has the wrong length gives false, never an
 * error; errors are for the caller's mistakes (an unknown algorithm or
 * encoding, a negative tolerance), and their messages never contain a
 * secret.  Copies of keys and computed MACs are cleansed after use.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "clock.h"
#include "crypto.h"
#include "headers.h"
#include "verify.h"
#include "webhook.h"

PG_FUNCTION_INFO_V1(webhook_hmac);
PG_FUNCTION_INFO_V1(webhook_hmac_text);
PG_FUNCTION_INFO_V1(webhook_sign_hmac);
PG_FUNCTION_INFO_V1(webhook_sign_hmac_text);
PG_FUNCTION_INFO_V1(webhook_verify_hmac);
PG_FUNCTION_INFO_V1(webhook_verify_hmac_text);
PG_FUNCTION_INFO_V1(webhook_sign_stripe);
PG_FUNCTION_INFO_V1(webhook_sign_stripe_text);
PG_FUNCTION_INFO_V1(webhook_verify_stripe);
PG_FUNCTION_INFO_V1(webhook_verify_stripe_text);

/* Largest Stripe t the verifier accepts (18 digits). */
#define WEBHOOK_STRIPE_MAX_TS	INT64CONST(999999999999999999)

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
 * arg_note_detoast: remember v as a copy if detoasting made one.
 */
static void
arg_note_detoast(FunctionCallInfo fcinfo, int n, struct varlena *v,
				 ArgBytes *ab)
{
	memset(ab, 0, sizeof(*ab));
	if ((Pointer) v != DatumGetPointer(PG_GETARG_DATUM(n)))
	{
		ab->copies[0] = v;
		ab->copy_lens[0] = VARSIZE_ANY(v);
	}
}

/*
 * arg_bytea: argument n (bytea) as bytes.
 */
static void
arg_bytea(FunctionCallInfo fcinfo, int n, ArgBytes *ab)
{
	bytea	   *v = PG_GETARG_BYTEA_PP(n);

	arg_note_detoast(fcinfo, n, v, ab);
	ab->data = (const unsigned char *) VARDATA_ANY(v);
	ab->len = VARSIZE_ANY_EXHDR(v);
}

/*
 * arg_text_utf8: argument n (text) as its UTF-8 bytes, converted from the
 * database encoding when that is not UTF-8 (raises if it cannot be).
 */
static void
arg_text_utf8(FunctionCallInfo fcinfo, int n, ArgBytes *ab)
{
	text	   *v = PG_GETARG_TEXT_PP(n);
	char	   *data = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	char	   *conv;

	arg_note_detoast(fcinfo, n, (struct varlena *) v, ab);
	conv = pg_server_to_any(data, len, PG_UTF8);
	if (conv != data)
	{
		ab->copies[1] = conv;
		ab->copy_lens[1] = strlen(conv);
		ab->data = (const unsigned char *) conv;
		ab->len = strlen(conv);
	}
	else
	{
		ab->data = (const unsigned char *) data;
		ab->len = (size_t) len;
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
 * compute_hmac: HMAC(alg, key, msg) into mac; raises only if OpenSSL
 * failed, which cannot happen.
 */
static int
compute_hmac(WebhookDigest alg, const ArgBytes *key, const ArgBytes *msg,
			 unsigned char *mac)
{
	int			maclen;

	maclen = WebhookHmac(alg, key->data, key->len, msg->data, msg->len, mac);
	if (maclen <= 0)
	{
		WebhookCleanse(mac, WEBHOOK_MAX_DIGEST);
		elog(ERROR, "could not compute an hmac");
	}
	return maclen;
}

/*
 * hmac_common: the body of webhook_hmac(message, secret, algorithm): the
 * MAC as a new bytea.
 */
static Datum
hmac_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	msg;
	ArgBytes	key;
	WebhookDigest alg = arg_digest(fcinfo, 2);
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	int			maclen;
	bytea	   *result;

	if (as_text)
	{
		arg_text_utf8(fcinfo, 0, &msg);
		arg_text_utf8(fcinfo, 1, &key);
	}
	else
	{
		arg_bytea(fcinfo, 0, &msg);
		arg_bytea(fcinfo, 1, &key);
	}

	maclen = compute_hmac(alg, &key, &msg, mac);
	arg_release(&key, true);
	arg_release(&msg, false);

	result = (bytea *) palloc(VARHDRSZ + maclen);
	SET_VARSIZE(result, VARHDRSZ + maclen);
	memcpy(VARDATA(result), mac, maclen);
	WebhookCleanse(mac, sizeof(mac));
	PG_RETURN_BYTEA_P(result);
}

/*
 * webhook_hmac(message bytea, secret bytea, algorithm text DEFAULT
 * 'sha256') RETURNS bytea: the raw HMAC.  Raises for an unknown algorithm.
 */
Datum
webhook_hmac(PG_FUNCTION_ARGS)
{
	return hmac_common(fcinfo, false);
}

/*
 * webhook_hmac(message text, secret text, algorithm text DEFAULT 'sha256')
 * RETURNS bytea: as the bytea form, over the UTF-8 bytes of the texts.
 */
Datum
webhook_hmac_text(PG_FUNCTION_ARGS)
{
	return hmac_common(fcinfo, true);
}

/*
 * sign_hmac_common: the body of webhook_sign_hmac(body, secret, algorithm,
 * encoding): the MAC as lower-case hex or padded base64 text.
 */
static Datum
sign_hmac_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	msg;
	ArgBytes	key;
	WebhookDigest alg = arg_digest(fcinfo, 2);
	WebhookEncoding enc = arg_encoding(fcinfo, 3);
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		buf[WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_MAX_DIGEST) +
					2 * WEBHOOK_MAX_DIGEST + 1];
	size_t		n;
	int			maclen;
	text	   *result;

	if (as_text)
	{
		arg_text_utf8(fcinfo, 0, &msg);
		arg_text_utf8(fcinfo, 1, &key);
	}
	else
	{
		arg_bytea(fcinfo, 0, &msg);
		arg_bytea(fcinfo, 1, &key);
	}

	maclen = compute_hmac(alg, &key, &msg, mac);
	arg_release(&key, true);
	arg_release(&msg, false);

	if (enc == WEBHOOK_HEX)
	{
		WebhookHexEncode(mac, maclen, buf);
		n = 2 * (size_t) maclen;
	}
	else
		n = WebhookBase64Encode(mac, maclen, buf);
	WebhookCleanse(mac, sizeof(mac));

	result = cstring_to_text_with_len(buf, (int) n);
	WebhookCleanse(buf, sizeof(buf));
	PG_RETURN_TEXT_P(result);
}

/*
 * webhook_sign_hmac(body bytea, secret bytea, algorithm text DEFAULT
 * 'sha256', encoding text DEFAULT 'hex') RETURNS text: the HMAC encoded as
 * a signature header carries it (no prefix).  Raises for an unknown
 * algorithm or encoding.
 */
Datum
webhook_sign_hmac(PG_FUNCTION_ARGS)
{
	return sign_hmac_common(fcinfo, false);
}

/*
 * webhook_sign_hmac(body text, secret text, algorithm text DEFAULT
 * 'sha256', encoding text DEFAULT 'hex') RETURNS text: as the bytea form,
 * over the UTF-8 bytes of the texts.
 */
Datum
webhook_sign_hmac_text(PG_FUNCTION_ARGS)
{
	return sign_hmac_common(fcinfo, true);
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
 * verify_hmac_common: the body of webhook_verify_hmac(message, secret,
 * signature, algorithm, encoding).  A "sha256=" style prefix is allowed
 * when it names the algorithm in use; a prefix naming another algorithm
 * gives false.
 */
static Datum
verify_hmac_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	msg;
	ArgBytes	key;
	text	   *sigt = PG_GETARG_TEXT_PP(2);
	const char *sig = VARDATA_ANY(sigt);
	size_t		siglen = VARSIZE_ANY_EXHDR(sigt);
	WebhookDigest alg = arg_digest(fcinfo, 3);
	WebhookEncoding enc = arg_encoding(fcinfo, 4);
	WebhookDigest named;
	WebhookKey	wkey;
	WebhookVerdict verdict;
	size_t		plen;
	char		prefix[16];

	plen = known_prefix(sig, siglen, &named);
	if (plen > 0 && named != alg)
		PG_RETURN_BOOL(false);
	Assert(plen < sizeof(prefix));
	memcpy(prefix, sig, plen);
	prefix[plen] = '\0';

	if (as_text)
	{
		arg_text_utf8(fcinfo, 0, &msg);
		arg_text_utf8(fcinfo, 1, &key);
	}
	else
	{
		arg_bytea(fcinfo, 0, &msg);
		arg_bytea(fcinfo, 1, &key);
	}

	wkey.data = key.data;
	wkey.len = key.len;
	verdict = WebhookVerifyHmacHeader(sig, siglen, prefix, alg, enc,
									  msg.data, msg.len, &wkey, 1, NULL);
	arg_release(&key, true);
	arg_release(&msg, false);

	if (verdict == WEBHOOK_CRYPTO_FAILURE)
		elog(ERROR, "could not compute an hmac");
	PG_RETURN_BOOL(verdict == WEBHOOK_VERIFIED);
}

/*
 * webhook_verify_hmac(message bytea, secret bytea, signature text,
 * algorithm text DEFAULT 'sha256', encoding text DEFAULT 'hex') RETURNS
 * boolean: whether signature is the HMAC of message, in hex (either case)
 * or base64, with or without a "sha256="-style prefix.  Constant time;
 * false for a signature that does not decode or has the wrong length.
 * Raises for an unknown algorithm or encoding.
 */
Datum
webhook_verify_hmac(PG_FUNCTION_ARGS)
{
	return verify_hmac_common(fcinfo, false);
}

/*
 * webhook_verify_hmac(message text, secret text, signature text, algorithm
 * text DEFAULT 'sha256', encoding text DEFAULT 'hex') RETURNS boolean: as
 * the bytea form, over the UTF-8 bytes of the texts.
 */
Datum
webhook_verify_hmac_text(PG_FUNCTION_ARGS)
{
	return verify_hmac_common(fcinfo, true);
}

/*
 * sign_stripe_common: the body of webhook_sign_stripe(body, secret, ts):
 * the Stripe-Signature value "t=<ts>,v1=<hex>".  NULL body or secret gives
 * NULL; NULL ts means now (webhook.clock_override honoured).
 */
static Datum
sign_stripe_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	body;
	ArgBytes	key;
	WebhookKey	wkey;
	int64		ts;
	char	   *sig;
	text	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();

	if (PG_ARGISNULL(2))
		ts = WebhookNowUnix();
	else
		ts = PG_GETARG_INT64(2);
	if (ts < 0 || ts > WEBHOOK_STRIPE_MAX_TS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stripe timestamp " INT64_FORMAT " is out of range", ts),
				 errhint("The timestamp is Unix seconds: at least 0 and at most 18 digits.")));

	if (as_text)
		arg_text_utf8(fcinfo, 0, &body);
	else
		arg_bytea(fcinfo, 0, &body);
	arg_text_utf8(fcinfo, 1, &key);

	wkey.data = key.data;
	wkey.len = key.len;
	sig = WebhookSignStripe(body.data, body.len, &wkey, ts);
	arg_release(&key, true);
	arg_release(&body, false);

	if (sig == NULL)
		elog(ERROR, "could not compute an hmac");
	result = cstring_to_text(sig);
	WebhookCleanse(sig, strlen(sig));
	pfree(sig);
	PG_RETURN_TEXT_P(result);
}

/*
 * webhook_sign_stripe(body bytea, secret text, ts bigint DEFAULT NULL)
 * RETURNS text: the Stripe-Signature value for body, signed with the
 * whole secret string at ts (NULL: now).  Not strict: NULL body or secret
 * gives NULL.  Raises for a negative or too large ts.
 */
Datum
webhook_sign_stripe(PG_FUNCTION_ARGS)
{
	return sign_stripe_common(fcinfo, false);
}

/*
 * webhook_sign_stripe(body text, secret text, ts bigint DEFAULT NULL)
 * RETURNS text: as the bytea form, over the UTF-8 bytes of body.
 */
Datum
webhook_sign_stripe_text(PG_FUNCTION_ARGS)
{
	return sign_stripe_common(fcinfo, true);
}

/*
 * verify_stripe_common: the body of webhook_verify_stripe(body,
 * signature_header, secret, tolerance_seconds): true only if the header
 * verifies with the secret and its t is within tolerance of now.
 */
static Datum
verify_stripe_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	body;
	ArgBytes	key;
	text	   *header = PG_GETARG_TEXT_PP(1);
	int32		tolerance = PG_GETARG_INT32(3);
	WebhookKey	wkey;
	WebhookVerdict verdict;
	int64		now;

	if (tolerance < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tolerance_seconds must not be negative")));

	now = WebhookNowUnix();

	if (as_text)
		arg_text_utf8(fcinfo, 0, &body);
	else
		arg_bytea(fcinfo, 0, &body);
	arg_text_utf8(fcinfo, 2, &key);

	wkey.data = key.data;
	wkey.len = key.len;
	verdict = WebhookVerifyStripe(VARDATA_ANY(header), VARSIZE_ANY_EXHDR(header),
								  body.data, body.len, &wkey, 1,
								  now, tolerance, NULL, NULL);
	arg_release(&key, true);
	arg_release(&body, false);

	if (verdict == WEBHOOK_CRYPTO_FAILURE)
		elog(ERROR, "could not compute an hmac");
	PG_RETURN_BOOL(verdict == WEBHOOK_VERIFIED);
}

/*
 * webhook_verify_stripe(body bytea, signature_header text, secret text,
 * tolerance_seconds int DEFAULT 300) RETURNS boolean: whether a
 * Stripe-Signature header verifies (any v1, the whole secret string as
 * key, |now - t| <= tolerance).  A malformed header gives false.  Raises
 * for a negative tolerance.
 */
Datum
webhook_verify_stripe(PG_FUNCTION_ARGS)
{
	return verify_stripe_common(fcinfo, false);
}

/*
 * webhook_verify_stripe(body text, signature_header text, secret text,
 * tolerance_seconds int DEFAULT 300) RETURNS boolean: as the bytea form,
 * over the UTF-8 bytes of body.
 */
Datum
webhook_verify_stripe_text(PG_FUNCTION_ARGS)
{
	return verify_stripe_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(webhook_sign_standard);
PG_FUNCTION_INFO_V1(webhook_sign_standard_text);
PG_FUNCTION_INFO_V1(webhook_sign_vipps);
PG_FUNCTION_INFO_V1(webhook_sign_vipps_text);

/*
 * sign_standard_common: webhook_sign_standard(body, secret, msg_id, ts):
 * "v1,<base64>" of HMAC-SHA256 over "msg_id.ts.body" with the secret
 * base64-decoded after an optional whsec_ prefix.
 */
static Datum
sign_standard_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	body;
	char	   *secret;
	char	   *msg_id;
	unsigned char *raw;
	size_t		rawlen;
	WebhookKey	wkey;
	int64		ts;
	char	   *sig;
	text	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	ts = PG_ARGISNULL(3) ? WebhookNowUnix() : PG_GETARG_INT64(3);
	if (ts < 0 || ts > WEBHOOK_STRIPE_MAX_TS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("timestamp " INT64_FORMAT " is out of range", ts)));
	secret = text_to_cstring(PG_GETARG_TEXT_PP(1));
	msg_id = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strchr(msg_id, '.') != NULL || msg_id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("msg_id must be non-empty and hold no \".\"")));
	raw = palloc(WEBHOOK_BASE64_DECODED_MAX(strlen(secret)) + 1);
	if (!WebhookStandardSecretDecode(secret, strlen(secret), raw,
									 WEBHOOK_BASE64_DECODED_MAX(strlen(secret)) + 1, &rawlen))
	{
		WebhookCleanse(secret, strlen(secret));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a Standard Webhooks secret must be whsec_ followed by base64")));
	}
	if (as_text)
		arg_text_utf8(fcinfo, 0, &body);
	else
		arg_bytea(fcinfo, 0, &body);
	wkey.data = raw;
	wkey.len = rawlen;
	sig = WebhookSignStandard(body.data, body.len, &wkey, msg_id, ts);
	WebhookCleanse(raw, rawlen);
	WebhookCleanse(secret, strlen(secret));
	arg_release(&body, false);
	if (sig == NULL)
		elog(ERROR, "could not compute an hmac");
	result = cstring_to_text(sig);
	pfree(sig);
	PG_RETURN_TEXT_P(result);
}

/*
 * webhook_sign_standard(body bytea, secret text, msg_id text, ts bigint DEFAULT NULL)
 * RETURNS text: the webhook-signature value ("v1,<base64>"); NULL ts is now.
 */
Datum
webhook_sign_standard(PG_FUNCTION_ARGS)
{
	return sign_standard_common(fcinfo, false);
}

/* webhook_sign_standard(body text, ...): over the UTF-8 bytes of body. */
Datum
webhook_sign_standard_text(PG_FUNCTION_ARGS)
{
	return sign_standard_common(fcinfo, true);
}

/*
 * sign_vipps_common: webhook_sign_vipps(body, secret, path, host, date):
 * the four headers Vipps sends, as a jsonb object.  NULL date is now, as
 * an RFC 1123 date.
 */
static Datum
sign_vipps_common(FunctionCallInfo fcinfo, bool as_text)
{
	ArgBytes	body;
	ArgBytes	key;
	WebhookKey	wkey;
	char	   *path;
	char	   *host;
	char	   *date;
	char		datebuf[40];
	char		hash[64];
	char	   *auth;
	StringInfoData buf;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	path = text_to_cstring(PG_GETARG_TEXT_PP(2));
	host = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (PG_ARGISNULL(4))
	{
		WebhookFormatHttpDate(WebhookNowUnix(), datebuf);
		date = datebuf;
	}
	else
		date = text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (as_text)
		arg_text_utf8(fcinfo, 0, &body);
	else
		arg_bytea(fcinfo, 0, &body);
	arg_text_utf8(fcinfo, 1, &key);
	wkey.data = key.data;
	wkey.len = key.len;
	auth = WebhookSignVipps(body.data, body.len, &wkey, path, host, date, hash);
	arg_release(&key, true);
	arg_release(&body, false);
	if (auth == NULL)
		elog(ERROR, "could not compute an hmac");

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"x-ms-date\": ");
	escape_json(&buf, date);
	appendStringInfoString(&buf, ", \"x-ms-content-sha256\": ");
	escape_json(&buf, hash);
	appendStringInfoString(&buf, ", \"host\": ");
	escape_json(&buf, host);
	appendStringInfoString(&buf, ", \"Authorization\": ");
	escape_json(&buf, auth);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * webhook_sign_vipps(body bytea, secret text, path text, host text, date text DEFAULT NULL)
 * RETURNS jsonb: {"x-ms-date", "x-ms-content-sha256", "host", "Authorization"}.
 */
Datum
webhook_sign_vipps(PG_FUNCTION_ARGS)
{
	return sign_vipps_common(fcinfo, false);
}

/* webhook_sign_vipps(body text, ...): over the UTF-8 bytes of body. */
Datum
webhook_sign_vipps_text(PG_FUNCTION_ARGS)
{
	return sign_vipps_common(fcinfo, true);
}

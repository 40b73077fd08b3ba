/*-------------------------------------------------------------------------
 *
 * paypal.c
 *	  PayPal webhook verification: the signed message
 *	  "id|time|webhook_id|crc32", the allow-list for PAYPAL-CERT-URL, the
 *	  signature check, and the SQL-callable webhook_add_certificate and
 *	  webhook_verify_paypal.
 *
 * Invariants: the pure functions (WebhookPaypalMessage,
 * WebhookPaypalCertUrlAllowed, WebhookPaypalVerify) use no SPI and never
 * raise, so webhook_ingest can call them on anything a sender controls.
 * OpenSSL is reached only through crypto.h and cert.h.  Nothing handled
 * here is a secret: certificates and signatures are public and PayPal's
 * webhook id is an identifier, so messages may quote a certificate URL,
 * but only when it is short and printable.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "cert.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "headers.h"
#include "paypal.h"
#include "verify.h"
#include "webhook.h"

PG_FUNCTION_INFO_V1(webhook_add_certificate);
PG_FUNCTION_INFO_V1(webhook_verify_paypal);

/* Longest certificate URL accepted. */
#define WEBHOOK_PAYPAL_MAX_URL 2048

/* Longest certificate URL quoted in an error message. */
#define WEBHOOK_PAYPAL_SHOW_URL 200

/* Smallest RSA key webhook_add_certificate stores. */
#define WEBHOOK_PAYPAL_MIN_RSA_BITS 2048

const char *const WebhookPaypalDefaultHosts[WEBHOOK_PAYPAL_NDEFAULT_HOSTS] = {
	"api.paypal.com",
	"api-m.paypal.com",
	"api.sandbox.paypal.com",
	"api-m.sandbox.paypal.com"
};

/*
 * WebhookPaypalMessage: "id|time|webhook_id|crc32" (palloc'd), the CRC-32
 * of the raw body as an unsigned decimal without leading zeros, as the
 * PayPal SDKs build it.  Raises only when out of memory.
 */
char *
WebhookPaypalMessage(const char *transmission_id, size_t id_len,
					 const char *transmission_time, size_t time_len,
					 const char *webhook_id,
					 const unsigned char *body, size_t body_len)
{
	StringInfoData buf;
	uint32		crc;

	crc = WebhookCrc32(body, body_len);

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, transmission_id, (int) id_len);
	appendStringInfoChar(&buf, '|');
	appendBinaryStringInfo(&buf, transmission_time, (int) time_len);
	appendStringInfoChar(&buf, '|');
	appendStringInfoString(&buf, webhook_id);
	appendStringInfo(&buf, "|%u", (unsigned int) crc);
	return buf.data;
}

/*
 * host_char: a character a DNS host name may hold.
 */
static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.';
}

/*
 * path_char: a character allowed in the path and query of a certificate
 * URL: RFC 3986 unreserved characters, '/', and '?', '=', '&' for a
 * query.  Everything else ('%', '@', '\\', '#', ':', quotes, spaces,
 * controls, non-ASCII) is refused.
 */
static bool
path_char(char c)
{
	return host_char(c) || c == '_' || c == '~' || c == '/' ||
		c == '?' || c == '=' || c == '&';
}

/*
 * WebhookPaypalCertUrlAllowed: see paypal.h.
 */
bool
WebhookPaypalCertUrlAllowed(const char *url, size_t len,
							const char *const *hosts, int nhosts)
{
	static const char scheme[] = "https://";
	const size_t scheme_len = sizeof(scheme) - 1;
	size_t		host_end;
	size_t		host_len;
	size_t		path_end;
	size_t		seg_end;
	size_t		i;
	bool		host_ok = false;

	if (url == NULL || len <= scheme_len || len > WEBHOOK_PAYPAL_MAX_URL)
		return false;
	if (pg_strncasecmp(url, scheme, scheme_len) != 0)
		return false;

	/* the host: DNS characters only (so no '@', ':', '%', '\\') up to '/' */
	for (host_end = scheme_len; host_end < len && url[host_end] != '/'; host_end++)
	{
		if (!host_char(url[host_end]))
			return false;
	}
	if (host_end == len)
		return false;			/* no path */
	host_len = host_end - scheme_len;
	if (host_len == 0)
		return false;

	if (hosts == NULL || nhosts <= 0)
	{
		hosts = WebhookPaypalDefaultHosts;
		nhosts = WEBHOOK_PAYPAL_NDEFAULT_HOSTS;
	}
	for (i = 0; i < (size_t) nhosts; i++)
	{
		if (hosts[i] != NULL && strlen(hosts[i]) == host_len &&
			pg_strncasecmp(url + scheme_len, hosts[i], host_len) == 0)
		{
			host_ok = true;
			break;
		}
	}
	if (!host_ok)
		return false;

	for (i = host_end; i < len; i++)
	{
		if (!path_char(url[i]))
			return false;
	}

	/*
	 * The path, up to an optional query: segments may be neither "." nor
	 * ".." nor empty, except that it may end with '/'.
	 */
	path_end = host_end;
	while (path_end < len && url[path_end] != '?')
		path_end++;
	for (i = host_end; i < path_end; i = seg_end)
	{
		size_t		seg = i + 1;	/* url[i] is a '/' */

		seg_end = seg;
		while (seg_end < path_end && url[seg_end] != '/')
			seg_end++;
		if (seg_end == seg && seg_end < path_end)
			return false;		/* "//" */
		if (seg_end - seg == 1 && url[seg] == '.')
			return false;
		if (seg_end - seg == 2 && url[seg] == '.' && url[seg + 1] == '.')
			return false;
	}
	return true;
}

/*
 * WebhookPaypalVerify: see paypal.h.
 */
WebhookVerdict
WebhookPaypalVerify(const char *transmission_id, size_t id_len,
					const char *transmission_time, size_t time_len,
					const char *webhook_id,
					const char *sig_b64, size_t sig_len,
					const char *pem, size_t pem_len,
					const unsigned char *body, size_t body_len)
{
	unsigned char sig[WEBHOOK_PAYPAL_MAX_SIG];
	size_t		siglen = 0;
	char	   *msg;
	int			rc;

	if (sig_len > WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_PAYPAL_MAX_SIG))
		return WEBHOOK_MALFORMED_HEADER;
	if (!WebhookBase64Decode(sig_b64, sig_len, false, sig, sizeof(sig), &siglen))
		return WEBHOOK_MALFORMED_HEADER;

	msg = WebhookPaypalMessage(transmission_id, id_len, transmission_time,
							   time_len, webhook_id, body, body_len);
	rc = WebhookRsaSha256Verify(pem, pem_len, (const unsigned char *) msg,
								strlen(msg), sig, siglen);
	pfree(msg);

	if (rc == 1)
		return WEBHOOK_VERIFIED;
	if (rc == 0)
		return WEBHOOK_INVALID_SIGNATURE;
	return WEBHOOK_CRYPTO_FAILURE;
}

/*
 * text_utf8: the UTF-8 bytes of a text value, converted from the database
 * encoding when that is not UTF-8 (raises if it cannot be); NUL-terminated
 * and palloc'd, length in *len.
 */
static char *
text_utf8(text *t, size_t *len)
{
	char	   *data = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);
	char	   *conv;

	conv = pg_server_to_any(data, n, PG_UTF8);
	if (conv == data)
	{
		conv = pnstrdup(data, n);
		*len = (size_t) n;
	}
	else
		*len = strlen(conv);
	return conv;
}

/*
 * webhook_verify_paypal(body bytea, transmission_id text,
 *	  transmission_time text, webhook_id text, signature text, pem text)
 *	  RETURNS boolean, and the same over the UTF-8 bytes of a text body (the
 *	  SQL signature called says which, through get_fn_expr_argtype)
 *
 * Whether signature (base64) is PayPal's RSA-SHA256 signature of
 * "transmission_id|transmission_time|webhook_id|crc32(body)" with the key
 * in pem.  The signature only: the certificate's chain, dates and names
 * are not checked.  false for a signature that is not strict base64, a pem
 * without an RSA key, or a signature that does not verify; raises only
 * if a text argument cannot be converted to UTF-8.
 *
 * Not a front for webhook_verify('paypal', ...), as the other schemes'
 * helpers are for theirs: that judges a delivery as ingest does, with the
 * certificate stored for its PAYPAL-CERT-URL, its chain, dates and names
 * and a provider's config.webhook_id, where this checks the RSA step alone
 * with a pem the caller holds.  That step is WebhookPaypalVerify, which
 * the paypal scheme calls too.
 */
Datum
webhook_verify_paypal(PG_FUNCTION_ARGS)
{
	Oid			body_type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	const unsigned char *body;
	size_t		body_len;
	char	   *id;
	size_t		id_len;
	char	   *ts;
	size_t		ts_len;
	char	   *wid;
	size_t		wid_len;
	text	   *sig = PG_GETARG_TEXT_PP(4);
	text	   *pem = PG_GETARG_TEXT_PP(5);
	WebhookVerdict v;

	if (body_type == TEXTOID)
		body = (const unsigned char *) text_utf8(PG_GETARG_TEXT_PP(0), &body_len);
	else if (body_type == BYTEAOID)
	{
		bytea	   *b = PG_GETARG_BYTEA_PP(0);

		body = (const unsigned char *) VARDATA_ANY(b);
		body_len = VARSIZE_ANY_EXHDR(b);
	}
	else
		elog(ERROR, "could not tell whether argument 1 is bytea or text");
	id = text_utf8(PG_GETARG_TEXT_PP(1), &id_len);
	ts = text_utf8(PG_GETARG_TEXT_PP(2), &ts_len);
	wid = text_utf8(PG_GETARG_TEXT_PP(3), &wid_len);

	v = WebhookPaypalVerify(id, id_len, ts, ts_len, wid,
							VARDATA_ANY(sig), VARSIZE_ANY_EXHDR(sig),
							VARDATA_ANY(pem), VARSIZE_ANY_EXHDR(pem),
							body, body_len);
	PG_RETURN_BOOL(v == WEBHOOK_VERIFIED);
}

/*
 * url_is_showable: whether a refused URL may be quoted in an error
 * message: short, printable ASCII, no quote.
 */
static bool
url_is_showable(const char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > WEBHOOK_PAYPAL_SHOW_URL)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"')
			return false;
	}
	return true;
}

/*
 * default_hosts_text: "a, b, c or d" from WebhookPaypalDefaultHosts
 * (palloc'd).
 */
static char *
default_hosts_text(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < WEBHOOK_PAYPAL_NDEFAULT_HOSTS; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf,
								   i == WEBHOOK_PAYPAL_NDEFAULT_HOSTS - 1 ? " or " : ", ");
		appendStringInfoString(&buf, WebhookPaypalDefaultHosts[i]);
	}
	return buf.data;
}

/*
 * cert_url_allowed_anywhere: whether url is allowed by the default hosts
 * or by the config.cert_hosts of some PayPal provider: a certificate is
 * stored by URL, not per provider, and webhook_ingest checks each
 * delivery's URL against its own provider's hosts anyway.  Reads the
 * config cache, which may raise.
 */
static bool
cert_url_allowed_anywhere(const char *url, size_t url_len)
{
	WebhookConfig *cfg;

	if (WebhookPaypalCertUrlAllowed(url, url_len, NULL, 0))
		return true;
	cfg = WebhookConfigGet();
	for (int i = 0; i < cfg->nproviders; i++)
	{
		const WebhookPaypalOptions *c;

		/* only a paypal provider's config can hold cert_hosts */
		if (cfg->providers[i].scheme != &webhook_scheme_paypal)
			continue;
		c = cfg->providers[i].config.opts;
		if (c->cert_hosts != NULL &&
			WebhookPaypalCertUrlAllowed(url, url_len, (const char *const *) c->cert_hosts,
										c->ncert_hosts))
			return true;
	}
	return false;
}

/*
 * check_cert_url: raises (22023) unless url may name a certificate to
 * store (cert_url_allowed_anywhere); the message quotes the URL only when
 * url_is_showable.
 */
static void
check_cert_url(const char *url, size_t url_len)
{
	if (cert_url_allowed_anywhere(url, url_len))
		return;
	if (url_is_showable(url, url_len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("certificate URL \"%.*s\" is not allowed",
						(int) url_len, url),
				 errdetail("A certificate URL must be https:// on a PayPal API host, followed by a path, with no user name, port, percent-encoding or unusual characters."),
				 errhint("The allowed hosts are %s, and those in a paypal provider's config.cert_hosts.", default_hosts_text())));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("certificate URL is not allowed"),
			 errdetail("A certificate URL must be https:// on a PayPal API host, followed by a path, with no user name, port, percent-encoding or unusual characters.  The URL is not shown because it is long or holds unprintable characters."),
			 errhint("The allowed hosts are %s, and those in a paypal provider's config.cert_hosts.", default_hosts_text())));
}

/*
 * check_certificate: WebhookCertCheck of pem at now against the system
 * trust store.  Raises (22023) for a certificate that does not read,
 * names neither PayPal host, or is outside its validity period (the leaf
 * or an intermediate given with it).  Returns OK or UNTRUSTED, with
 * *not_after the leaf's notAfter and *why OpenSSL's reason when
 * UNTRUSTED.
 */
static WebhookCertResult
check_certificate(const char *pem, size_t pem_len, TimestampTz now,
				  int64 *not_after, const char **why)
{
	WebhookCertResult cr;

	cr = WebhookCertCheck(pem, pem_len, NULL, 0,
						  WebhookTimestampToUnix(now), not_after, why);
	switch (cr)
	{
		case WEBHOOK_CERT_OK:
		case WEBHOOK_CERT_UNTRUSTED:
			break;
		case WEBHOOK_CERT_UNPARSABLE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("pem holds no readable certificate"),
					 errhint("Pass the PEM text served at the certificate URL, which begins with -----BEGIN CERTIFICATE-----.")));
			break;
		case WEBHOOK_CERT_WRONG_SUBJECT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("certificate is not a PayPal message verification certificate"),
					 errdetail("Neither its subject common name nor its DNS names are messageverificationcerts.paypal.com or messageverificationcerts.sandbox.paypal.com.")));
			break;
		case WEBHOOK_CERT_EXPIRED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("certificate has expired"),
					 errdetail("At %s the certificate, or an intermediate given with it, is past its validity period; the certificate is valid until %s.",
							   pstrdup(timestamptz_to_str(now)),
							   pstrdup(timestamptz_to_str(WebhookUnixToTimestamp(*not_after))))));
			break;
		case WEBHOOK_CERT_NOT_YET_VALID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("certificate is not yet valid"),
					 errdetail("At %s the certificate, or an intermediate given with it, is before its validity period.",
							   timestamptz_to_str(now)),
					 errhint("Check the server clock and webhook.clock_override.")));
			break;
		case WEBHOOK_CERT_FAILURE:
			elog(ERROR, "could not check the certificate: %s", *why);
			break;
	}
	return cr;
}

/*
 * check_cert_key: raises (22023) unless the key in pem is RSA of at
 * least WEBHOOK_PAYPAL_MIN_RSA_BITS bits.
 */
static void
check_cert_key(const char *pem, size_t pem_len)
{
	int			bits;

	bits = WebhookRsaKeyBits(pem, pem_len);
	if (bits < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("certificate key is not RSA"),
				 errdetail("PayPal signs with SHA256withRSA, which only an RSA key can verify.")));
	if (bits < WEBHOOK_PAYPAL_MIN_RSA_BITS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("certificate RSA key is too short"),
				 errdetail("The key has %d bits; at least %d are required.",
						   bits, WEBHOOK_PAYPAL_MIN_RSA_BITS)));
}

/*
 * store_certificate: insert the row for url_t, or replace its pem and
 * not_after (Unix seconds), in the webhook_certificates table of the
 * schema of function fn_oid, through SPI.  Raises if the schema cannot
 * be found or the statement fails.
 */
static void
store_certificate(Oid fn_oid, text *url_t, text *pem_t, int64 not_after)
{
	char	   *schema;
	char	   *sql;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	int			rc;

	schema = get_namespace_name(get_func_namespace(fn_oid));
	if (schema == NULL)
		elog(ERROR, "could not find the schema of webhook_add_certificate");
	sql = psprintf("INSERT INTO %s.webhook_certificates AS c (cert_url, pem, not_after) "
				   "VALUES ($1, $2, $3) "
				   "ON CONFLICT (cert_url) DO UPDATE "
				   "SET pem = EXCLUDED.pem, not_after = EXCLUDED.not_after, "
				   "added_at = pg_catalog.now()",
				   quote_identifier(schema));
	values[0] = PointerGetDatum(url_t);
	values[1] = PointerGetDatum(pem_t);
	values[2] = TimestampTzGetDatum(WebhookUnixToTimestamp(not_after));

	SPI_connect();
	rc = SPI_execute_with_args(sql, 3, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not store the certificate: %s", SPI_result_code_string(rc));
	SPI_finish();

	pfree(sql);
}

/*
 * webhook_add_certificate(cert_url text, pem text) RETURNS void
 *
 * Store (or replace) the certificate PayPal serves at cert_url, for
 * webhook_ingest to verify PAYPAL-TRANSMISSION-SIG with.  Raises
 * (22023) for a URL that is not https:// on a default PayPal API host
 * with a plain path, for pem without a readable certificate, for a
 * certificate that names neither messageverificationcerts.paypal.com nor
 * messageverificationcerts.sandbox.paypal.com, for one that is expired or
 * not yet valid at webhook_now() (the leaf or an intermediate given with
 * it), and for one without an RSA key of at least 2048 bits.  A chain
 * that does not verify to the system trust store is stored with a
 * WARNING: the provider's config.ca_pem may trust it, and webhook_ingest
 * checks the chain again, with the provider's anchors, whenever it uses
 * the certificate.  not_after is the leaf's notAfter.  SECURITY DEFINER;
 * writes through SPI into the table in its own schema.
 *
 * The URL must be allowed by the default hosts or by the config.cert_hosts
 * of some PayPal provider (cert_url_allowed_anywhere).
 */
Datum
webhook_add_certificate(PG_FUNCTION_ARGS)
{
	text	   *url_t;
	text	   *pem_t;
	char	   *pem;
	size_t		pem_len;
	int64		not_after = 0;
	const char *why = NULL;
	WebhookCertResult cr;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cert_url and pem must not be null")));

	url_t = PG_GETARG_TEXT_PP(0);
	pem_t = PG_GETARG_TEXT_PP(1);
	check_cert_url(VARDATA_ANY(url_t), VARSIZE_ANY_EXHDR(url_t));

	pem = text_to_cstring(pem_t);
	pem_len = strlen(pem);
	cr = check_certificate(pem, pem_len, WebhookNow(), &not_after, &why);
	check_cert_key(pem, pem_len);

	if (cr == WEBHOOK_CERT_UNTRUSTED)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("certificate does not chain to the system trust store; stored anyway"),
				 errdetail("OpenSSL reports: %s.", why),
				 errhint("Deliveries are verified with it only if its chain verifies then, to the provider's config.ca_pem when that is set, else to the system trust store.")));

	store_certificate(fcinfo->flinfo->fn_oid, url_t, pem_t, not_after);

	pfree(pem);
	PG_RETURN_VOID();
}

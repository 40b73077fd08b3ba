/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  Signature verification for each scheme, over the raw body bytes.
 *
 * Pure functions shared by webhook_ingest and the SQL-callable helpers so
 * that both judge alike: no SPI, no ereport, no allocation except the
 * strings the signing functions return.  Every comparison of a MAC or key is
 * constant time; every buffer that held a computed MAC is cleansed before
 * returning.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "crypto.h"
#include "headers.h"
#include "verify.h"

/* Most items a timestamped header (Stripe-Signature) may hold; more is malformed. */
#define WEBHOOK_STRIPE_MAX_ITEMS	64

/* Most signatures (Stripe's v1) tried from one header. */
#define WEBHOOK_STRIPE_MAX_V1		16

/* Bytes in one such signature (HMAC-SHA256). */
#define WEBHOOK_STRIPE_MAC_LEN		32

/* Base64 values up to this long are decoded whole by decode_mac. */
#define WEBHOOK_B64_SHORT	(WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_MAX_DIGEST) + 4)

/* Result of decoding a received MAC. */
typedef enum MacDecode
{
	MAC_DECODED,				/* fits: *outlen bytes in out */
	MAC_UNDECODABLE,			/* not valid in the encoding */
	MAC_TOO_LONG				/* valid, but longer than any digest */
} MacDecode;

/*
 * prefix_matches: whether value[0..value_len) starts with the NUL-terminated
 * prefix, ASCII case-insensitively.  A NULL prefix matches everything.
 */
static bool
prefix_matches(const char *value, size_t value_len, const char *prefix)
{
	size_t		i;

	if (prefix == NULL)
		return true;
	for (i = 0; prefix[i] != '\0'; i++)
	{
		unsigned char a;
		unsigned char b;

		if (i >= value_len)
			return false;
		a = (unsigned char) value[i];
		b = (unsigned char) prefix[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return false;
	}
	return true;
}

/*
 * base64_valid_long: whether in[0..len), too long to decode into a digest
 * buffer, is nevertheless valid base64 (so that a long but well-formed
 * value is told apart from garbage).  Checks it a quantum at a time.
 */
static bool
base64_valid_long(const char *in, size_t len)
{
	unsigned char tmp[3];
	size_t		tmplen;
	size_t		i;

	for (i = 0; i + 4 < len; i += 4)
	{
		if (memchr(in + i, '=', 4) != NULL ||
			!WebhookBase64Decode(in + i, 4, false, tmp, sizeof(tmp), &tmplen))
			return false;
	}
	/* the last one to four chars: the only place padding may be */
	return WebhookBase64Decode(in + i, len - i, true, tmp, sizeof(tmp), &tmplen);
}

/*
 * decode_mac: a received MAC in enc (hex either case; base64 padded or
 * not) into out[WEBHOOK_MAX_DIGEST].
 */
static MacDecode
decode_mac(const char *in, size_t len, WebhookEncoding enc,
		   unsigned char *out, size_t *outlen)
{
	if (enc == WEBHOOK_HEX)
	{
		unsigned char tmp[1];
		size_t		i;

		if (WebhookHexDecode(in, len, out, WEBHOOK_MAX_DIGEST, outlen))
			return MAC_DECODED;
		if (len % 2 != 0)
			return MAC_UNDECODABLE;
		/* did it fail for its length or its characters? */
		for (i = 0; i < len; i += 2)
		{
			size_t		n;

			if (!WebhookHexDecode(in + i, 2, tmp, sizeof(tmp), &n))
				return MAC_UNDECODABLE;
		}
		return MAC_TOO_LONG;
	}
	else
	{
		/* room for any value up to one quantum longer than a digest */
		unsigned char buf[WEBHOOK_BASE64_DECODED_MAX(WEBHOOK_B64_SHORT)];

		if (len <= WEBHOOK_B64_SHORT)
		{
			size_t		n;

			if (!WebhookBase64Decode(in, len, true, buf, sizeof(buf), &n))
				return MAC_UNDECODABLE;
			if (n > WEBHOOK_MAX_DIGEST)
				return MAC_TOO_LONG;
			memcpy(out, buf, n);
			*outlen = n;
			return MAC_DECODED;
		}
		return base64_valid_long(in, len) ? MAC_TOO_LONG : MAC_UNDECODABLE;
	}
}

/* Stripe-Signature: "t=<unix>,v1=<hex>[,v1=<hex>...]" over "t.body". */
static const WebhookTsHeader stripe_format = {',', "t", "v1", "."};

/* key_is: whether a k=v item's key is exactly the NUL-terminated name. */
static bool
key_is(const WebhookKV *kv, const char *name)
{
	return (size_t) kv->key_len == strlen(name) && memcmp(kv->key, name, kv->key_len) == 0;
}

/*
 * WebhookVerifyTsHeader: judge a header of k=v items laid out as fmt says
 * over body with the given keys (see verify.h).  *which is the matching
 * key's index on VERIFIED and on STALE_TIMESTAMP (a key did match), else
 * -1; *ts is the header's timestamp whenever it parsed.  Either pointer
 * may be NULL.
 */
WebhookVerdict
WebhookVerifyTsHeader(const WebhookTsHeader *fmt, const char *header, size_t header_len,
					  const unsigned char *body, size_t body_len,
					  const WebhookKey *keys, int nkeys,
					  int64 now, int tolerance,
					  int *which, int64 *ts)
{
	WebhookKV	items[WEBHOOK_STRIPE_MAX_ITEMS];
	unsigned char sigs[WEBHOOK_STRIPE_MAX_V1][WEBHOOK_STRIPE_MAC_LEN];
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	const unsigned char *parts[3];
	size_t		lens[3];
	const char *t_text = NULL;
	size_t		t_len = 0;
	int			t_count = 0;
	int64		t = 0;
	int64		age;
	int			nitems;
	int			nsigs = 0;
	int			matched = -1;
	int			i;
	int			k;

	if (which != NULL)
		*which = -1;

	if (header == NULL)
		return WEBHOOK_MISSING_HEADER;

	nitems = WebhookSplitKV(header, header_len, fmt->sep, items,
							WEBHOOK_STRIPE_MAX_ITEMS);
	if (nitems < 0)
		return WEBHOOK_MALFORMED_HEADER;

	for (i = 0; i < nitems; i++)
	{
		const WebhookKV *kv = &items[i];

		if (key_is(kv, fmt->ts_key))
		{
			t_count++;
			t_text = kv->val;
			t_len = (size_t) kv->val_len;
		}
		else if (key_is(kv, fmt->sig_key))
		{
			size_t		n;

			/* a malformed signature is skipped, as is any beyond the limit */
			if (nsigs < WEBHOOK_STRIPE_MAX_V1 &&
				WebhookHexDecode(kv->val, (size_t) kv->val_len,
								 sigs[nsigs], WEBHOOK_STRIPE_MAC_LEN, &n) &&
				n == WEBHOOK_STRIPE_MAC_LEN)
				nsigs++;
		}
		/* any other key (Stripe's v0, say): ignored */
	}

	if (t_count != 1 || !WebhookParseUnsigned(t_text, t_len, &t))
		return WEBHOOK_MALFORMED_HEADER;
	if (ts != NULL)
		*ts = t;

	if (nsigs == 0)
		return WEBHOOK_INVALID_SIGNATURE;

	/* signed payload: the timestamp exactly as sent, the joiner, the raw body */
	parts[0] = (const unsigned char *) t_text;
	lens[0] = t_len;
	parts[1] = (const unsigned char *) fmt->joiner;
	lens[1] = strlen(fmt->joiner);
	parts[2] = body;
	lens[2] = body_len;

	for (k = 0; k < nkeys && matched < 0; k++)
	{
		bool		ok = false;

		if (WebhookHmacParts(WEBHOOK_SHA256, keys[k].data, keys[k].len,
							 parts, lens, 3, mac) != WEBHOOK_STRIPE_MAC_LEN)
		{
			WebhookCleanse(mac, sizeof(mac));
			return WEBHOOK_CRYPTO_FAILURE;
		}
		/* look at every signature, so the time does not say which one matched */
		for (i = 0; i < nsigs; i++)
			ok |= WebhookCtEqual(mac, sigs[i], WEBHOOK_STRIPE_MAC_LEN);
		if (ok)
			matched = k;
	}
	WebhookCleanse(mac, sizeof(mac));

	if (matched < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	if (which != NULL)
		*which = matched;

	/* t has at most 18 digits, so this cannot overflow for any sane now */
	age = now - t;
	if (age < 0)
		age = -age;
	if (tolerance < 0 || age > (int64) tolerance)
		return WEBHOOK_STALE_TIMESTAMP;
	return WEBHOOK_VERIFIED;
}

/*
 * WebhookSignTsHeader: "<ts_key>=<ts><sep><sig_key>=<hex>" for body signed
 * with key at ts, in a palloc'd string (palloc may raise on out of memory;
 * nothing else does).  NULL if OpenSSL failed.
 */
char *
WebhookSignTsHeader(const WebhookTsHeader *fmt, const unsigned char *body, size_t body_len,
					const WebhookKey *key, int64 ts)
{
	char		tbuf[32];
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		hex[2 * WEBHOOK_STRIPE_MAC_LEN + 1];
	const unsigned char *parts[3];
	size_t		lens[3];
	char	   *result;

	snprintf(tbuf, sizeof(tbuf), INT64_FORMAT, ts);

	parts[0] = (const unsigned char *) tbuf;
	lens[0] = strlen(tbuf);
	parts[1] = (const unsigned char *) fmt->joiner;
	lens[1] = strlen(fmt->joiner);
	parts[2] = body;
	lens[2] = body_len;

	if (WebhookHmacParts(WEBHOOK_SHA256, key->data, key->len,
						 parts, lens, 3, mac) != WEBHOOK_STRIPE_MAC_LEN)
	{
		WebhookCleanse(mac, sizeof(mac));
		return NULL;
	}
	WebhookHexEncode(mac, WEBHOOK_STRIPE_MAC_LEN, hex);
	hex[2 * WEBHOOK_STRIPE_MAC_LEN] = '\0';
	WebhookCleanse(mac, sizeof(mac));

	result = psprintf("%s=%s%c%s=%s", fmt->ts_key, tbuf, fmt->sep, fmt->sig_key, hex);
	WebhookCleanse(hex, sizeof(hex));
	return result;
}

/* WebhookVerifyStripe: Stripe-Signature, as WebhookVerifyTsHeader. */
WebhookVerdict
WebhookVerifyStripe(const char *header, size_t header_len,
					const unsigned char *body, size_t body_len,
					const WebhookKey *keys, int nkeys,
					int64 now, int tolerance,
					int *which, int64 *ts)
{
	return WebhookVerifyTsHeader(&stripe_format, header, header_len, body, body_len,
								 keys, nkeys, now, tolerance, which, ts);
}

/* WebhookSignStripe: "t=<ts>,v1=<hex>", as WebhookSignTsHeader. */
char *
WebhookSignStripe(const unsigned char *body, size_t body_len,
				  const WebhookKey *key, int64 ts)
{
	return WebhookSignTsHeader(&stripe_format, body, body_len, key, ts);
}

/* A list of HMAC header values (verify.h): each judged by WebhookVerifyHmacHeader. */
WebhookVerdict
WebhookVerifyHmacList(const char *value, size_t len, const char *prefix, WebhookDigest alg,
					  WebhookEncoding enc, int max, const unsigned char *body, size_t body_len,
					  const WebhookKey *keys, int nkeys, int *which)
{
	size_t		pos = 0;
	size_t		plen = prefix ? strlen(prefix) : 0;
	int			n = 0;
	bool		verified = false;
	bool		malformed = false;

	*which = -1;
	for (;;)
	{
		size_t		start = pos;
		size_t		end;

		while (pos < len && value[pos] != ',')
			pos++;
		end = pos;
		while (start < end && (value[start] == ' ' || value[start] == '\t'))
			start++;
		while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
			end--;
		if (++n > max)
			return WEBHOOK_MALFORMED_HEADER;
		if (start == end)
			malformed = true;
		else
		{
			const char *item = value + start;
			size_t		ilen = end - start;
			bool		prefixed = plen > 0 && ilen >= plen && pg_strncasecmp(item, prefix, plen) == 0;
			int			w = -1;

			switch (WebhookVerifyHmacHeader(item, ilen, prefixed ? prefix : NULL, alg, enc,
											body, body_len, keys, nkeys, &w))
			{
				case WEBHOOK_VERIFIED:
					if (!verified || w < *which)
						*which = w;
					verified = true;
					break;
				case WEBHOOK_MALFORMED_HEADER:
					malformed = true;
					break;
				case WEBHOOK_CRYPTO_FAILURE:
					*which = -1;
					return WEBHOOK_CRYPTO_FAILURE;
				default:
					break;
			}
		}
		if (pos >= len)
			break;
		pos++;					/* the comma */
	}
	if (verified)
		return WEBHOOK_VERIFIED;
	return malformed ? WEBHOOK_MALFORMED_HEADER : WEBHOOK_INVALID_SIGNATURE;
}

/* What WebhookVerifyHmacHeader accepts for body: prefix and the encoded MAC. */
char *
WebhookSignHmacHeader(const char *prefix, WebhookDigest alg, WebhookEncoding enc, bool upper,
					  const WebhookKey *key, const unsigned char *body, size_t body_len)
{
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		out[WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_MAX_DIGEST) + 2 * WEBHOOK_MAX_DIGEST + 1];
	int			maclen = WebhookHmac(alg, key->data, key->len, body, body_len, mac);
	size_t		n;
	char	   *value;

	if (maclen <= 0)
		return NULL;
	if (enc == WEBHOOK_HEX)
	{
		WebhookHexEncode(mac, maclen, out);
		n = 2 * (size_t) maclen;
		if (upper)
			for (size_t i = 0; i < n; i++)
				out[i] = pg_ascii_toupper((unsigned char) out[i]);
	}
	else
		n = WebhookBase64Encode(mac, maclen, out);
	out[n] = '\0';
	value = psprintf("%s%s", prefix ? prefix : "", out);
	WebhookCleanse(mac, sizeof(mac));
	WebhookCleanse(out, sizeof(out));
	return value;
}

/*
 * WebhookVerifyHmacHeader: judge value = prefix + encode(HMAC(alg, key,
 * body)) with the given keys (see verify.h).  A NULL or empty prefix
 * means none.  Base64 is accepted with or without its padding.  *which
 * (may be NULL) is the matching key's index on VERIFIED, else -1.
 */
WebhookVerdict
WebhookVerifyHmacHeader(const char *value, size_t value_len,
						const char *prefix,
						WebhookDigest alg, WebhookEncoding enc,
						const unsigned char *body, size_t body_len,
						const WebhookKey *keys, int nkeys,
						int *which)
{
	unsigned char sig[WEBHOOK_MAX_DIGEST];
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	size_t		prefix_len = prefix != NULL ? strlen(prefix) : 0;
	size_t		siglen = 0;
	int			maclen = WebhookDigestLength(alg);
	int			matched = -1;
	int			k;

	if (which != NULL)
		*which = -1;

	if (value == NULL)
		return WEBHOOK_MISSING_HEADER;
	if (maclen <= 0)
		return WEBHOOK_CRYPTO_FAILURE;

	if (!prefix_matches(value, value_len, prefix))
		return WEBHOOK_MALFORMED_HEADER;

	switch (decode_mac(value + prefix_len, value_len - prefix_len, enc,
					   sig, &siglen))
	{
		case MAC_DECODED:
			break;
		case MAC_UNDECODABLE:
			return WEBHOOK_MALFORMED_HEADER;
		case MAC_TOO_LONG:
			return WEBHOOK_INVALID_SIGNATURE;
	}
	if (siglen != (size_t) maclen)
		return WEBHOOK_INVALID_SIGNATURE;

	for (k = 0; k < nkeys && matched < 0; k++)
	{
		if (WebhookHmac(alg, keys[k].data, keys[k].len, body, body_len,
						mac) != maclen)
		{
			WebhookCleanse(mac, sizeof(mac));
			return WEBHOOK_CRYPTO_FAILURE;
		}
		if (WebhookCtEqual(mac, sig, (size_t) maclen))
			matched = k;
	}
	WebhookCleanse(mac, sizeof(mac));

	if (matched < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	if (which != NULL)
		*which = matched;
	return WEBHOOK_VERIFIED;
}

/*
 * WebhookVerifyApiKey: VERIFIED if value equals one of the keys, compared
 * in constant time whatever the lengths; every key is compared, so the
 * time does not say which one matched.  *which (may be NULL) is the first
 * matching key's index on VERIFIED, else -1.
 */
WebhookVerdict
WebhookVerifyApiKey(const char *value, size_t value_len,
					const WebhookKey *keys, int nkeys, int *which)
{
	int			matched = -1;
	int			k;

	if (which != NULL)
		*which = -1;
	if (value == NULL)
		return WEBHOOK_MISSING_HEADER;

	for (k = 0; k < nkeys; k++)
	{
		if (WebhookCtEqualVar(value, value_len, keys[k].data, keys[k].len) &&
			matched < 0)
			matched = k;
	}

	if (matched < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	if (which != NULL)
		*which = matched;
	return WEBHOOK_VERIFIED;
}

/* Bytes of an HMAC-SHA256. */
#define WEBHOOK_SHA256_LEN 32

/*
 * WebhookVerifyStandard: see verify.h.  The MAC is computed once per key
 * and compared, in constant time, against every v1 in the list.
 */
WebhookVerdict
WebhookVerifyStandard(const char *id, size_t id_len, const char *ts, size_t ts_len,
					  const char *sigs, size_t sigs_len,
					  const unsigned char *body, size_t body_len,
					  const WebhookKey *keys, int nkeys, int64 now, int tolerance,
					  int *which, int64 *tsout)
{
	unsigned char macs[WEBHOOK_STRIPE_MAX_V1][WEBHOOK_SHA256_LEN];
	int			nmacs = 0;
	int64		t;
	size_t		pos = 0;
	WebhookVerdict verdict = WEBHOOK_INVALID_SIGNATURE;

	if (which)
		*which = -1;
	if (id == NULL || ts == NULL || sigs == NULL)
		return WEBHOOK_MISSING_HEADER;
	if (id_len == 0 || memchr(id, '.', id_len) != NULL ||
		!WebhookParseUnsigned(ts, ts_len, &t))
		return WEBHOOK_MALFORMED_HEADER;
	if (tsout)
		*tsout = t;

	/* collect the v1 signatures that decode to 32 bytes */
	while (pos < sigs_len && nmacs < WEBHOOK_STRIPE_MAX_V1)
	{
		const char *item = sigs + pos;
		const char *end = memchr(item, ' ', sigs_len - pos);
		size_t		len = end ? (size_t) (end - item) : sigs_len - pos;
		size_t		outlen;
		unsigned char buf[WEBHOOK_BASE64_DECODED_MAX(64)];

		pos += len + 1;
		if (len > 3 && memcmp(item, "v1,", 3) == 0 && len - 3 <= 64 &&
			WebhookBase64Decode(item + 3, len - 3, false, buf, sizeof(buf), &outlen) &&
			outlen == WEBHOOK_SHA256_LEN)
			memcpy(macs[nmacs++], buf, WEBHOOK_SHA256_LEN);
	}

	for (int k = 0; k < nkeys && verdict != WEBHOOK_VERIFIED; k++)
	{
		unsigned char mac[WEBHOOK_MAX_DIGEST];
		const unsigned char *parts[5] = {(const unsigned char *) id, (const unsigned char *) ".",
		(const unsigned char *) ts, (const unsigned char *) ".", body};
		size_t		lens[5] = {id_len, 1, ts_len, 1, body_len};

		if (WebhookHmacParts(WEBHOOK_SHA256, keys[k].data, keys[k].len, parts, lens, 5, mac) < 0)
		{
			verdict = WEBHOOK_CRYPTO_FAILURE;
			break;
		}
		for (int m = 0; m < nmacs; m++)
			if (WebhookCtEqual(mac, macs[m], WEBHOOK_SHA256_LEN))
			{
				verdict = WEBHOOK_VERIFIED;
				if (which)
					*which = k;
			}
		WebhookCleanse(mac, sizeof(mac));
	}
	WebhookCleanse(macs, sizeof(macs));
	if (verdict == WEBHOOK_VERIFIED && (t > now + tolerance || t < now - tolerance))
		return WEBHOOK_STALE_TIMESTAMP;
	return verdict;
}

char *
WebhookSignStandard(const unsigned char *body, size_t body_len, const WebhookKey *key,
					const char *msg_id, int64 ts)
{
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	char		tsbuf[32];
	char	   *out;
	const unsigned char *parts[5];
	size_t		lens[5];
	size_t		n;

	snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long) ts);
	parts[0] = (const unsigned char *) msg_id;
	lens[0] = strlen(msg_id);
	parts[1] = (const unsigned char *) ".";
	lens[1] = 1;
	parts[2] = (const unsigned char *) tsbuf;
	lens[2] = strlen(tsbuf);
	parts[3] = (const unsigned char *) ".";
	lens[3] = 1;
	parts[4] = body;
	lens[4] = body_len;
	if (WebhookHmacParts(WEBHOOK_SHA256, key->data, key->len, parts, lens, 5, mac) < 0)
		return NULL;
	out = palloc(3 + WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_SHA256_LEN) + 1);
	memcpy(out, "v1,", 3);
	n = WebhookBase64Encode(mac, WEBHOOK_SHA256_LEN, out + 3);
	out[3 + n] = '\0';
	WebhookCleanse(mac, sizeof(mac));
	return out;
}

/* base64(SHA-256(body)) into out (44 chars + NUL); false if OpenSSL failed. */
static bool
content_hash(const unsigned char *body, size_t body_len, char *out)
{
	unsigned char digest[WEBHOOK_SHA256_LEN];
	size_t		n;

	if (!WebhookSha256(body, body_len, digest))
		return false;
	n = WebhookBase64Encode(digest, WEBHOOK_SHA256_LEN, out);
	out[n] = '\0';
	return true;
}

/* HMAC-SHA256 of Vipps' string to sign. */
static int
vipps_mac(const WebhookKey *key, const char *path, size_t path_len, const char *date,
		  size_t date_len, const char *host, size_t host_len, const char *hash,
		  unsigned char *mac)
{
	const unsigned char *parts[8] = {
		(const unsigned char *) "POST\n", (const unsigned char *) path,
		(const unsigned char *) "\n", (const unsigned char *) date,
		(const unsigned char *) ";", (const unsigned char *) host,
		(const unsigned char *) ";", (const unsigned char *) hash
	};
	size_t		lens[8] = {5, path_len, 1, date_len, 1, host_len, 1, strlen(hash)};

	return WebhookHmacParts(WEBHOOK_SHA256, key->data, key->len, parts, lens, 8, mac);
}

#define VIPPS_AUTH_PREFIX "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="

WebhookVerdict
WebhookVerifyVipps(const char *date, size_t date_len, const char *content_sha,
				   size_t content_sha_len, const char *authorization, size_t authorization_len,
				   const char *host, size_t host_len, const char *path, size_t path_len,
				   const unsigned char *body, size_t body_len,
				   const WebhookKey *keys, int nkeys, int64 now, int tolerance,
				   int *which, int64 *tsout)
{
	char		hash[WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_SHA256_LEN) + 1];
	unsigned char sig[WEBHOOK_SHA256_LEN + 3];
	size_t		siglen;
	size_t		plen = strlen(VIPPS_AUTH_PREFIX);
	int64		t;
	WebhookVerdict verdict = WEBHOOK_INVALID_SIGNATURE;

	if (which)
		*which = -1;
	if (date == NULL || content_sha == NULL || authorization == NULL || host == NULL)
		return WEBHOOK_MISSING_HEADER;
	if (!WebhookParseHttpDate(date, date_len, &t) || host_len == 0 ||
		authorization_len <= plen || memcmp(authorization, VIPPS_AUTH_PREFIX, plen) != 0 ||
		!WebhookBase64Decode(authorization + plen, authorization_len - plen, false,
							 sig, sizeof(sig), &siglen) ||
		siglen != WEBHOOK_SHA256_LEN)
		return WEBHOOK_MALFORMED_HEADER;
	if (tsout)
		*tsout = t;
	if (!content_hash(body, body_len, hash))
		return WEBHOOK_CRYPTO_FAILURE;
	/* the header must name the body received; the computed hash is what is signed */
	if (!WebhookCtEqualVar(hash, strlen(hash), content_sha, content_sha_len))
		return WEBHOOK_INVALID_SIGNATURE;

	for (int k = 0; k < nkeys && verdict != WEBHOOK_VERIFIED; k++)
	{
		unsigned char mac[WEBHOOK_MAX_DIGEST];

		if (vipps_mac(&keys[k], path, path_len, date, date_len, host, host_len, hash, mac) < 0)
			return WEBHOOK_CRYPTO_FAILURE;
		if (WebhookCtEqual(mac, sig, WEBHOOK_SHA256_LEN))
		{
			verdict = WEBHOOK_VERIFIED;
			if (which)
				*which = k;
		}
		WebhookCleanse(mac, sizeof(mac));
	}
	if (verdict == WEBHOOK_VERIFIED && (t > now + tolerance || t < now - tolerance))
		return WEBHOOK_STALE_TIMESTAMP;
	return verdict;
}

char *
WebhookSignVipps(const unsigned char *body, size_t body_len, const WebhookKey *key,
				 const char *path, const char *host, const char *date, char *content_sha)
{
	unsigned char mac[WEBHOOK_MAX_DIGEST];
	size_t		plen = strlen(VIPPS_AUTH_PREFIX);
	char	   *out;
	size_t		n;

	if (!content_hash(body, body_len, content_sha) ||
		vipps_mac(key, path, strlen(path), date, strlen(date), host, strlen(host),
				  content_sha, mac) < 0)
		return NULL;
	out = palloc(plen + WEBHOOK_BASE64_ENCODED_LEN(WEBHOOK_SHA256_LEN) + 1);
	memcpy(out, VIPPS_AUTH_PREFIX, plen);
	n = WebhookBase64Encode(mac, WEBHOOK_SHA256_LEN, out + plen);
	out[plen + n] = '\0';
	WebhookCleanse(mac, sizeof(mac));
	return out;
}

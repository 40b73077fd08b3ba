/*-------------------------------------------------------------------------
 *
 * fuzz_verify.c
 *	  libFuzzer harness for the signature header parsers of src/verify.c:
 *	  the timestamped headers (Stripe-Signature, Paddle-Signature),
 *	  Standard Webhooks, Vipps MobilePay, the HMAC header (GitHub, Shopify,
 *	  Razorpay, Square, Adyen, GoCardless, Authorize.Net, Mollie and the
 *	  like) and the API key.
 *
 * Input: the first line names the case (see cases[]; any other
 * first line picks one from its bytes), the following lines are that
 * scheme's header values, one a line, and the rest is the body:
 *
 *	stripe		Stripe-Signature, body
 *	standard	webhook-id, webhook-timestamp, webhook-signature, body
 *	vipps		x-ms-date, x-ms-content-sha256, Authorization, Host,
 *				path and query, body
 *	github		X-Hub-Signature-256 ("sha256=" hex), body
 *	github-sha1 X-Hub-Signature ("sha1=" hex), body
 *	shopify		X-Shopify-Hmac-Sha256 (base64, no prefix), body
 *	sha512-base64  "SHA512=" and an HMAC-SHA512 in base64, body
 *	apikey		the key header's value
 *	adyen		hmacSignature (base64, no prefix), signing string or body
 *	gocardless	Webhook-Signature (hex, no prefix), body
 *	authorizenet  X-ANET-Signature ("sha512=" hex), body
 *	mollie		X-Mollie-Signature, a list of values with or without
 *				"sha256=" (WebhookVerifyHmacList), body
 *	paddle		Paddle-Signature, body
 *	razorpay	X-Razorpay-Signature (hex, no prefix), body
 *	square		the notification URL, x-square-hmacsha256-signature
 *				(base64 over the URL and the body), body
 *
 * Every verdict, the index of the key that matched and the timestamp
 * reported are compared with a reference verifier written here from the
 * contracts in verify.h, computing its MACs with OpenSSL directly (not
 * through src/crypto.c).  Then the signing functions' output (itself
 * checked against the reference) must verify, must stop verifying when
 * the body changes by one byte, and is appended to the fuzzed header to
 * be judged again.  The clock is fixed at FUZZ_NOW.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"
#include "headers.h"
#include "verify.h"

#include "schemes/registry.h"

#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tue, 14 Nov 2023 22:13:20 GMT */
#define FUZZ_NOW		INT64CONST(1700000000)
#define FUZZ_TOLERANCE	300

/* Sentinels, to see which out parameters a call wrote. */
#define NO_WHICH	(-7)
#define NO_TS		(-42)

/*
 * The verifier's verdict, matched key (-1 for none) and timestamp are the
 * reference's (whose "no key" is NO_WHICH).  A macro, so that a failure
 * names the scheme's line.
 */
#define CHECK_SAME(v, which, ts, ref, ref_which, ref_ts) \
	do { \
		CHECK((v) == (ref)); \
		CHECK((which) == ((ref_which) == NO_WHICH ? -1 : (ref_which))); \
		CHECK((ts) == (ref_ts)); \
	} while (0)

#define NKEYS 2

/* Stripe: the whsec_ string itself is the key.  Seeds are signed with [1]. */
static const WebhookKey stripe_keys[NKEYS] = {
	{(const unsigned char *) "whsec_previous_rotated_away_0000", 32},
	{(const unsigned char *) "whsec_test_6d1e5b1f2a9c4e7d8b3a0f5c2e9d7a41", 43},
};

/* Paddle: the whole pdl_ntf_ string is the key; [1] passes Paddle's SDK test (PD-1). */
static const WebhookKey paddle_keys[NKEYS] = {
	{(const unsigned char *) "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_TjIG2BXbm83HPXqNfziwe506sBEdqL/4", 67},
	{(const unsigned char *) "pdl_ntf_01hbpjmytsa32fhr36nqgc3kgb_WvRO0eL4Bj9rgYYIBZY6wZhG4EHy9jzh", 67},
};

/* Standard Webhooks: decoded secrets; [1] is the specification's example. */
static const unsigned char std_key0[] = "previous standard webhooks key";
static const unsigned char std_key1[24] = {
	0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
	0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0
};
static const WebhookKey std_keys[NKEYS] = {
	{std_key0, sizeof(std_key0) - 1},
	{std_key1, sizeof(std_key1)},
};

/* Vipps MobilePay: the webhook secret as given. */
static const WebhookKey vipps_keys[NKEYS] = {
	{(const unsigned char *) "old-vipps-secret", 16},
	{(const unsigned char *) "vipps-test-secret-3f0a9b7c", 26},
};

/* GitHub, Shopify and the rest: [1] is GitHub's documented example. */
static const WebhookKey hmac_keys[NKEYS] = {
	{(const unsigned char *) "old secret", 10},
	{(const unsigned char *) "It's a Secret to Everybody", 26},
};

/* Razorpay: the webhook secret as given; [1] is razorpay-python's test secret (RZ-1). */
static const WebhookKey razorpay_keys[NKEYS] = {
	{(const unsigned char *) "old razorpay webhook secret", 27},
	{(const unsigned char *) "key_secret", 10},
};

/* Square: the signature key as given; [1] is square-python-sdk's test key (SQ-1). */
static const WebhookKey square_keys[NKEYS] = {
	{(const unsigned char *) "MCmhFRxGX82xMwg5FsaoQA", 22},
	{(const unsigned char *) "Ibxx_5AKakO-3qeNVR61Dw", 22},
};

static const WebhookKey api_keys[NKEYS] = {
	{(const unsigned char *) "sk_test_previous_0001", 21},
	{(const unsigned char *) "sk_test_4eC39HqLyjWDarjtT1zdp7dc", 32},
};

/* ------------------------------------------------------------------------
 * reference cryptography: OpenSSL's one-shot HMAC and digest
 * ------------------------------------------------------------------------
 */

static const EVP_MD *
ref_md(WebhookDigest alg)
{
	switch (alg)
	{
		case WEBHOOK_SHA1:
			return EVP_sha1();
		case WEBHOOK_SHA256:
			return EVP_sha256();
		case WEBHOOK_SHA512:
			return EVP_sha512();
	}
	abort();
}

/* ref_hmac: HMAC(alg, key, parts...) into out; returns its length. */
static size_t
ref_hmac(WebhookDigest alg, const WebhookKey *key,
		 const void *const *parts, const size_t *lens, int nparts,
		 unsigned char *out)
{
	size_t		total = 0;
	unsigned int outlen = 0;
	unsigned char *msg;
	int			i;

	for (i = 0; i < nparts; i++)
		total += lens[i];
	msg = fuzz_alloc(total);
	total = 0;
	for (i = 0; i < nparts; i++)
	{
		if (lens[i] > 0)
			memcpy(msg + total, parts[i], lens[i]);
		total += lens[i];
	}
	CHECK(HMAC(ref_md(alg), key->data, (int) key->len, msg, total, out,
			   &outlen) != NULL);
	free(msg);
	return outlen;
}

/*
 * ref_first_key: the index of the first of keys whose HMAC(alg) over parts
 * equals one of the nsigs signatures of siglen bytes in sigs, or -1.
 */
static int
ref_first_key(WebhookDigest alg, const WebhookKey *keys, int nkeys,
			  const void *const *parts, const size_t *lens, int nparts,
			  const unsigned char *sigs, int nsigs, size_t siglen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];

	for (int k = 0; k < nkeys; k++)
	{
		CHECK(ref_hmac(alg, &keys[k], parts, lens, nparts, mac) == siglen);
		for (int i = 0; i < nsigs; i++)
			if (memcmp(mac, sigs + (size_t) i * siglen, siglen) == 0)
				return k;
	}
	return -1;
}

/* ref_strict_int: 1 to 18 ASCII digits. */
static bool
ref_strict_int(const char *s, size_t len, int64 *out)
{
	int64		v = 0;
	size_t		i;

	if (len == 0 || len > 18)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
stale(int64 t)
{
	return t > FUZZ_NOW + FUZZ_TOLERANCE || t < FUZZ_NOW - FUZZ_TOLERANCE;
}

/* hex_lower: lower-case hex of in[0..len) into out, NUL-terminated. */
static void
hex_lower(const unsigned char *in, size_t len, char *out)
{
	size_t		i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
	out[2 * len] = '\0';
}

/* concat: an exact-size heap copy of a[0..alen) b[0..blen) c[0..clen). */
static char *
concat(const char *a, size_t alen, const char *b, size_t blen,
	   const char *c, size_t clen)
{
	char	   *r = fuzz_alloc(alen + blen + clen);

	if (alen > 0)
		memcpy(r, a, alen);
	if (blen > 0)
		memcpy(r + alen, b, blen);
	if (clen > 0)
		memcpy(r + alen + blen, c, clen);
	return r;
}

/* ------------------------------------------------------------------------
 * Timestamped headers: Stripe-Signature and Paddle-Signature
 * ------------------------------------------------------------------------
 */

#define STRIPE_MAX_ITEMS 64
#define STRIPE_MAX_V1 16

/* A timestamped header's layout, its keys, and whether it is Stripe's. */
typedef struct TsScheme
{
	WebhookTsHeader fmt;
	const WebhookKey *keys;
	bool		stripe;			/* also through WebhookVerifyStripe and WebhookSignStripe */
} TsScheme;

static const TsScheme stripe_scheme = {{',', "t", "v1", "."}, stripe_keys, true};
static const TsScheme paddle_scheme = {{';', "ts", "h1", ":"}, paddle_keys, false};

static WebhookVerdict
ref_ts_header(const TsScheme *sc, const char *h, size_t hlen, const unsigned char *body,
			  size_t blen, int nkeys, int *which, int64 *ts)
{
	unsigned char sigs[STRIPE_MAX_V1][32];
	const char *t_text = NULL;
	size_t		t_len = 0;
	int			t_count = 0;
	int			nitems = 0;
	int			nsigs = 0;
	size_t		start = 0;
	size_t		tk = strlen(sc->fmt.ts_key);
	size_t		sk = strlen(sc->fmt.sig_key);
	int64		t;
	int			k;

	*which = NO_WHICH;
	*ts = NO_TS;
	for (;;)
	{
		size_t		end = start;
		const char *item = h + start;
		const char *eq;
		size_t		klen;
		size_t		vlen;

		while (end < hlen && h[end] != sc->fmt.sep)
			end++;
		eq = memchr(item, '=', end - start);
		if (eq == NULL || ++nitems > STRIPE_MAX_ITEMS)
			return WEBHOOK_MALFORMED_HEADER;
		klen = (size_t) (eq - item);
		vlen = end - start - klen - 1;
		if (klen == tk && memcmp(item, sc->fmt.ts_key, tk) == 0)
		{
			t_count++;
			t_text = eq + 1;
			t_len = vlen;
		}
		else if (klen == sk && memcmp(item, sc->fmt.sig_key, sk) == 0 &&
				 nsigs < STRIPE_MAX_V1 && vlen == 64 &&
				 ref_hex_decode(eq + 1, 64, sigs[nsigs]))
			nsigs++;
		if (end >= hlen)
			break;
		start = end + 1;
	}
	if (t_count != 1 || !ref_strict_int(t_text, t_len, &t))
		return WEBHOOK_MALFORMED_HEADER;
	*ts = t;
	if (nsigs == 0)
		return WEBHOOK_INVALID_SIGNATURE;
	{
		const void *parts[3] = {t_text, sc->fmt.joiner, body};
		size_t		lens[3] = {t_len, strlen(sc->fmt.joiner), blen};

		k = ref_first_key(WEBHOOK_SHA256, sc->keys, nkeys, parts, lens, 3, sigs[0], nsigs, 32);
	}
	if (k < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	*which = k;
	return stale(t) ? WEBHOOK_STALE_TIMESTAMP : WEBHOOK_VERIFIED;
}

/* ts_verify: the verifier under test, Stripe's through its own entry too. */
static WebhookVerdict
ts_verify(const TsScheme *sc, const char *h, size_t hlen, const unsigned char *body,
		  size_t blen, int nkeys, int *which, int64 *ts)
{
	WebhookVerdict v = WebhookVerifyTsHeader(&sc->fmt, h, hlen, body, blen, sc->keys,
											 nkeys, FUZZ_NOW, FUZZ_TOLERANCE, which, ts);

	if (sc->stripe)
	{
		int			which2 = NO_WHICH;
		int64		ts2 = NO_TS;

		CHECK(WebhookVerifyStripe(h, hlen, body, blen, sc->keys, nkeys, FUZZ_NOW,
								  FUZZ_TOLERANCE, &which2, &ts2) == v);
		CHECK(which == NULL || which2 == *which);
		CHECK(ts == NULL || ts2 == *ts);
	}
	return v;
}

/* check_ts: the verifier against the reference, with 2, 1 and 0 keys. */
static WebhookVerdict
check_ts(const TsScheme *sc, const char *h, size_t hlen, const unsigned char *body, size_t blen)
{
	WebhookVerdict first = WEBHOOK_VERIFIED;
	int			nkeys;

	for (nkeys = NKEYS; nkeys >= 0; nkeys--)
	{
		int			which = NO_WHICH;
		int64		ts = NO_TS;
		int			ref_which;
		int64		ref_ts;
		WebhookVerdict ref = ref_ts_header(sc, h, hlen, body, blen, nkeys, &ref_which, &ref_ts);
		WebhookVerdict v = ts_verify(sc, h, hlen, body, blen, nkeys, &which, &ts);

		CHECK_SAME(v, which, ts, ref, ref_which, ref_ts);
		CHECK(ts_verify(sc, h, hlen, body, blen, nkeys, NULL, NULL) == v);
		if (nkeys == NKEYS)
			first = v;
	}
	return first;
}

static void
fuzz_ts(FuzzCursor *c, const TsScheme *sc)
{
	const char *hline;
	size_t		hlen;
	char	   *h;
	unsigned char *body;
	unsigned char *body2;
	size_t		blen;
	char	   *signed_hdr;
	char		ref_hdr[128];
	unsigned char mac[EVP_MAX_MD_SIZE];
	char		hex[65];
	char		tbuf[32];
	int64		ts = FUZZ_NOW - 17;
	int			which = NO_WHICH;
	int64		got_ts = NO_TS;
	char		sep[2] = {sc->fmt.sep, '\0'};

	fuzz_line(c, &hline, &hlen);
	h = fuzz_dup(hline, hlen);
	body = (unsigned char *) fuzz_dup(c->p, c->len);
	blen = c->len;

	check_ts(sc, h, hlen, body, blen);
	CHECK(ts_verify(sc, NULL, 0, body, blen, NKEYS, &which, &got_ts) == WEBHOOK_MISSING_HEADER);
	CHECK(which == -1 && got_ts == NO_TS);

	/* sign, compare with the reference, verify */
	signed_hdr = WebhookSignTsHeader(&sc->fmt, body, blen, &sc->keys[1], ts);
	CHECK(signed_hdr != NULL);
	if (sc->stripe)
	{
		char	   *s2 = WebhookSignStripe(body, blen, &sc->keys[1], ts);

		CHECK(s2 != NULL && strcmp(s2, signed_hdr) == 0);
		pfree(s2);
	}
	snprintf(tbuf, sizeof(tbuf), "%lld", (long long) ts);
	{
		const void *parts[3] = {tbuf, sc->fmt.joiner, body};
		size_t		lens[3] = {strlen(tbuf), strlen(sc->fmt.joiner), blen};

		ref_hmac(WEBHOOK_SHA256, &sc->keys[1], parts, lens, 3, mac);
	}
	hex_lower(mac, 32, hex);
	snprintf(ref_hdr, sizeof(ref_hdr), "%s=%s%s%s=%s", sc->fmt.ts_key, tbuf, sep,
			 sc->fmt.sig_key, hex);
	CHECK(strcmp(signed_hdr, ref_hdr) == 0);
	{
		size_t		slen = strlen(signed_hdr);
		char	   *s = fuzz_dup(signed_hdr, slen);
		char	   *both;
		const char *sig;
		size_t		sig_len;

		CHECK(ts_verify(sc, s, slen, body, blen, NKEYS, &which, &got_ts) == WEBHOOK_VERIFIED);
		CHECK(which == 1 && got_ts == ts);
		CHECK(check_ts(sc, s, slen, body, blen) == WEBHOOK_VERIFIED);

		/* one byte more of body: no longer the signed message */
		body2 = (unsigned char *) concat((const char *) body, blen, "x", 1, NULL, 0);
		CHECK(ts_verify(sc, s, slen, body2, blen + 1, NKEYS, &which, &got_ts) ==
			  WEBHOOK_INVALID_SIGNATURE);
		CHECK(which == -1);
		free(body2);

		/* the fuzzed header with the good signature after it; the good
		 * header with the fuzzed items after it */
		sig = s + strlen(sc->fmt.ts_key) + 1 + strlen(tbuf) + 1;
		sig_len = slen - (size_t) (sig - s);
		both = concat(h, hlen, sep, 1, sig, sig_len);
		check_ts(sc, both, hlen + 1 + sig_len, body, blen);
		free(both);
		both = concat(s, slen, sep, 1, h, hlen);
		check_ts(sc, both, slen + 1 + hlen, body, blen);
		free(both);
		free(s);
	}
	pfree(signed_hdr);
	free(h);
	free(body);
}

/* ------------------------------------------------------------------------
 * Standard Webhooks
 * ------------------------------------------------------------------------
 */

static WebhookVerdict
ref_standard(const char *id, size_t id_len, const char *ts, size_t ts_len,
			 const char *sigs, size_t sigs_len,
			 const unsigned char *body, size_t blen, int nkeys,
			 int *which, int64 *tsout)
{
	unsigned char macs[STRIPE_MAX_V1][32];
	int			nmacs = 0;
	size_t		start = 0;
	int64		t;
	int			k;

	*which = NO_WHICH;
	*tsout = NO_TS;
	if (id_len == 0 || memchr(id, '.', id_len) != NULL ||
		!ref_strict_int(ts, ts_len, &t))
		return WEBHOOK_MALFORMED_HEADER;
	*tsout = t;

	/* space-separated items; the first 16 "v1,<base64 of 32 bytes>" */
	while (start < sigs_len && nmacs < STRIPE_MAX_V1)
	{
		const char *item = sigs + start;
		const char *sp = memchr(item, ' ', sigs_len - start);
		size_t		len = sp ? (size_t) (sp - item) : sigs_len - start;
		unsigned char buf[64 * 3 / 4 + 3];
		size_t		n;

		if (len > 3 && len - 3 <= 64 && memcmp(item, "v1,", 3) == 0 &&
			ref_b64_decode(item + 3, len - 3, false, buf, &n) && n == 32)
			memcpy(macs[nmacs++], buf, 32);
		start += len + 1;
	}
	{
		const void *parts[5] = {id, ".", ts, ".", body};
		size_t		lens[5] = {id_len, 1, ts_len, 1, blen};

		k = ref_first_key(WEBHOOK_SHA256, std_keys, nkeys, parts, lens, 5, macs[0], nmacs, 32);
	}
	if (k < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	*which = k;
	return stale(t) ? WEBHOOK_STALE_TIMESTAMP : WEBHOOK_VERIFIED;
}

static WebhookVerdict
check_standard(const char *id, size_t id_len, const char *ts, size_t ts_len,
			   const char *sigs, size_t sigs_len,
			   const unsigned char *body, size_t blen)
{
	WebhookVerdict first = WEBHOOK_VERIFIED;
	int			nkeys;

	for (nkeys = NKEYS; nkeys >= 0; nkeys--)
	{
		int			which = NO_WHICH;
		int64		tsout = NO_TS;
		int			ref_which;
		int64		ref_ts;
		WebhookVerdict ref = ref_standard(id, id_len, ts, ts_len, sigs, sigs_len,
										  body, blen, nkeys, &ref_which, &ref_ts);
		WebhookVerdict v = WebhookVerifyStandard(id, id_len, ts, ts_len, sigs, sigs_len,
												 body, blen, std_keys, nkeys,
												 FUZZ_NOW, FUZZ_TOLERANCE,
												 &which, &tsout);

		CHECK_SAME(v, which, tsout, ref, ref_which, ref_ts);
		if (nkeys == NKEYS)
			first = v;
	}
	return first;
}

static void
fuzz_standard(FuzzCursor *c)
{
	static const char default_id[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	const char *l_id, *l_ts, *l_sigs;
	size_t		id_len, ts_len, sigs_len;
	char	   *id, *ts, *sigs, *msg_id, *sig, *both;
	unsigned char *body;
	unsigned char *body2;
	size_t		blen;
	unsigned char mac[EVP_MAX_MD_SIZE];
	char		ref_sig[64];
	char		tbuf[32];
	int			which = NO_WHICH;
	int64		tsout = NO_TS;

	fuzz_line(c, &l_id, &id_len);
	fuzz_line(c, &l_ts, &ts_len);
	fuzz_line(c, &l_sigs, &sigs_len);
	id = fuzz_dup(l_id, id_len);
	ts = fuzz_dup(l_ts, ts_len);
	sigs = fuzz_dup(l_sigs, sigs_len);
	body = (unsigned char *) fuzz_dup(c->p, c->len);
	blen = c->len;

	check_standard(id, id_len, ts, ts_len, sigs, sigs_len, body, blen);
	CHECK(WebhookVerifyStandard(NULL, 0, ts, ts_len, sigs, sigs_len, body, blen,
								std_keys, NKEYS, FUZZ_NOW, FUZZ_TOLERANCE,
								&which, &tsout) == WEBHOOK_MISSING_HEADER);
	CHECK(which == -1 && tsout == NO_TS);

	/* sign with the fuzzed id when it can be one, else a real-looking one */
	if (id_len > 0 && memchr(id, '.', id_len) == NULL && memchr(id, '\0', id_len) == NULL)
		msg_id = fuzz_cstring(id, id_len);
	else
		msg_id = fuzz_cstring(default_id, strlen(default_id));
	snprintf(tbuf, sizeof(tbuf), "%lld", (long long) FUZZ_NOW);
	sig = WebhookSignStandard(body, blen, &std_keys[1], msg_id, FUZZ_NOW);
	CHECK(sig != NULL);
	{
		const void *parts[5] = {msg_id, ".", tbuf, ".", body};
		size_t		lens[5] = {strlen(msg_id), 1, strlen(tbuf), 1, blen};

		ref_hmac(WEBHOOK_SHA256, &std_keys[1], parts, lens, 5, mac);
	}
	memcpy(ref_sig, "v1,", 3);
	ref_sig[3 + ref_b64_encode(mac, 32, ref_sig + 3)] = '\0';
	CHECK(strcmp(sig, ref_sig) == 0);
	{
		size_t		slen = strlen(sig);
		char	   *s = fuzz_dup(sig, slen);
		size_t		mlen = strlen(msg_id);
		char	   *m = fuzz_dup(msg_id, mlen);
		char	   *t = fuzz_dup(tbuf, strlen(tbuf));

		CHECK(WebhookVerifyStandard(m, mlen, t, strlen(tbuf), s, slen, body, blen,
									std_keys, NKEYS, FUZZ_NOW, FUZZ_TOLERANCE,
									&which, &tsout) == WEBHOOK_VERIFIED);
		CHECK(which == 1 && tsout == FUZZ_NOW);

		body2 = (unsigned char *) concat((const char *) body, blen, "x", 1, NULL, 0);
		CHECK(WebhookVerifyStandard(m, mlen, t, strlen(tbuf), s, slen, body2, blen + 1,
									std_keys, NKEYS, FUZZ_NOW, FUZZ_TOLERANCE,
									&which, &tsout) == WEBHOOK_INVALID_SIGNATURE);
		free(body2);

		/* the good signature after, and before, the fuzzed list */
		both = concat(sigs, sigs_len, " ", 1, s, slen);
		check_standard(m, mlen, t, strlen(tbuf), both, sigs_len + 1 + slen, body, blen);
		free(both);
		both = concat(s, slen, " ", 1, sigs, sigs_len);
		CHECK(check_standard(m, mlen, t, strlen(tbuf), both, sigs_len + 1 + slen,
							 body, blen) == WEBHOOK_VERIFIED);
		free(both);
		/* and with the fuzzed timestamp */
		check_standard(m, mlen, ts, ts_len, s, slen, body, blen);
		free(s);
		free(m);
		free(t);
	}
	pfree(sig);
	free(msg_id);
	free(id);
	free(ts);
	free(sigs);
	free(body);
}

/* ------------------------------------------------------------------------
 * Vipps MobilePay
 * ------------------------------------------------------------------------
 */

#define VIPPS_PREFIX "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="

typedef struct VippsInput
{
	const char *date;
	size_t		date_len;
	const char *sha;
	size_t		sha_len;
	const char *auth;
	size_t		auth_len;
	const char *host;
	size_t		host_len;
	const char *path;
	size_t		path_len;
	const unsigned char *body;
	size_t		blen;
} VippsInput;

/* ref_content_hash: base64 of SHA-256 of the body, NUL-terminated. */
static void
ref_content_hash(const unsigned char *body, size_t blen, char out[45])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	CHECK(EVP_Digest(body, blen, d, &dlen, EVP_sha256(), NULL) == 1 && dlen == 32);
	out[ref_b64_encode(d, 32, out)] = '\0';
}

static WebhookVerdict
ref_vipps(const VippsInput *in, int nkeys, int *which, int64 *tsout)
{
	size_t		plen = strlen(VIPPS_PREFIX);
	unsigned char *sig;
	size_t		siglen = 0;
	char		hash[45];
	int64		t;
	int			k;

	*which = NO_WHICH;
	*tsout = NO_TS;
	if (!ref_parse_date(in->date, in->date_len, &t) || in->host_len == 0 ||
		in->auth_len <= plen || memcmp(in->auth, VIPPS_PREFIX, plen) != 0)
		return WEBHOOK_MALFORMED_HEADER;
	sig = fuzz_alloc((in->auth_len - plen) * 3 / 4 + 3);
	if (!ref_b64_decode(in->auth + plen, in->auth_len - plen, false, sig, &siglen) ||
		siglen != 32)
	{
		free(sig);
		return WEBHOOK_MALFORMED_HEADER;
	}
	*tsout = t;
	ref_content_hash(in->body, in->blen, hash);
	if (in->sha_len != strlen(hash) || memcmp(in->sha, hash, in->sha_len) != 0)
	{
		free(sig);
		return WEBHOOK_INVALID_SIGNATURE;
	}
	{
		const void *parts[8] = {"POST\n", in->path, "\n", in->date, ";", in->host, ";", hash};
		size_t		lens[8] = {5, in->path_len, 1, in->date_len, 1, in->host_len, 1, strlen(hash)};

		k = ref_first_key(WEBHOOK_SHA256, vipps_keys, nkeys, parts, lens, 8, sig, 1, 32);
	}
	free(sig);
	if (k < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	*which = k;
	return stale(t) ? WEBHOOK_STALE_TIMESTAMP : WEBHOOK_VERIFIED;
}

static WebhookVerdict
check_vipps(const VippsInput *in)
{
	WebhookVerdict first = WEBHOOK_VERIFIED;
	int			nkeys;

	for (nkeys = NKEYS; nkeys >= 0; nkeys--)
	{
		int			which = NO_WHICH;
		int64		tsout = NO_TS;
		int			ref_which;
		int64		ref_ts;
		WebhookVerdict ref = ref_vipps(in, nkeys, &ref_which, &ref_ts);
		WebhookVerdict v = WebhookVerifyVipps(in->date, in->date_len, in->sha, in->sha_len,
											  in->auth, in->auth_len, in->host, in->host_len,
											  in->path, in->path_len, in->body, in->blen,
											  vipps_keys, nkeys, FUZZ_NOW, FUZZ_TOLERANCE,
											  &which, &tsout);

		CHECK_SAME(v, which, tsout, ref, ref_which, ref_ts);
		if (nkeys == NKEYS)
			first = v;
	}
	return first;
}

static void
fuzz_vipps(FuzzCursor *c)
{
	const char *l[5];
	size_t		n[5];
	char	   *f[5];
	VippsInput	in;
	unsigned char *body;
	char	   *date, *host, *path, *auth, *ref_auth;
	char		sha[45];
	char		ref_sha[45];
	int64		t;
	int			i;

	for (i = 0; i < 5; i++)
	{
		fuzz_line(c, &l[i], &n[i]);
		f[i] = fuzz_dup(l[i], n[i]);
	}
	body = (unsigned char *) fuzz_dup(c->p, c->len);
	in.date = f[0];
	in.date_len = n[0];
	in.sha = f[1];
	in.sha_len = n[1];
	in.auth = f[2];
	in.auth_len = n[2];
	in.host = f[3];
	in.host_len = n[3];
	in.path = f[4];
	in.path_len = n[4];
	in.body = body;
	in.blen = c->len;
	check_vipps(&in);
	{
		int			which = NO_WHICH;
		int64		tsout = NO_TS;

		CHECK(WebhookVerifyVipps(in.date, in.date_len, in.sha, in.sha_len, NULL, 0,
								 in.host, in.host_len, in.path, in.path_len,
								 body, in.blen, vipps_keys, NKEYS, FUZZ_NOW,
								 FUZZ_TOLERANCE, &which, &tsout) == WEBHOOK_MISSING_HEADER);
		CHECK(which == -1 && tsout == NO_TS);
	}

	/* sign: the fuzzed date, host and path where usable */
	date = fuzz_alloc(30);
	if (ref_parse_date(f[0], n[0], &t))
	{
		memcpy(date, f[0], 29);
		date[29] = '\0';
	}
	else
		WebhookFormatHttpDate(FUZZ_NOW - 3, date);
	host = (n[3] > 0 && memchr(f[3], '\0', n[3]) == NULL) ?
		fuzz_cstring(f[3], n[3]) : fuzz_cstring("webhooks.example.com", 20);
	path = memchr(f[4], '\0', n[4]) == NULL ?
		fuzz_cstring(f[4], n[4]) : fuzz_cstring("/vipps/webhooks", 15);
	memset(sha, FUZZ_CANARY, sizeof(sha));
	auth = WebhookSignVipps(body, in.blen, &vipps_keys[1], path, host, date, sha);
	CHECK(auth != NULL);
	ref_content_hash(body, in.blen, ref_sha);
	CHECK(memcmp(sha, ref_sha, 45) == 0);
	{
		unsigned char mac[EVP_MAX_MD_SIZE];
		const void *parts[8] = {"POST\n", path, "\n", date, ";", host, ";", ref_sha};
		size_t		lens[8] = {5, strlen(path), 1, 29, 1, strlen(host), 1, 44};
		size_t		plen = strlen(VIPPS_PREFIX);

		ref_hmac(WEBHOOK_SHA256, &vipps_keys[1], parts, lens, 8, mac);
		ref_auth = fuzz_alloc(plen + 45);
		memcpy(ref_auth, VIPPS_PREFIX, plen);
		ref_auth[plen + ref_b64_encode(mac, 32, ref_auth + plen)] = '\0';
		CHECK(strcmp(auth, ref_auth) == 0);
		free(ref_auth);
	}
	{
		VippsInput	good = {date, 29, sha, 44, auth, strlen(auth), host, strlen(host),
		path, strlen(path), body, in.blen};
		char	   *a = fuzz_dup(auth, strlen(auth));
		WebhookVerdict v;
		unsigned char *body2;

		good.auth = a;
		v = check_vipps(&good);
		CHECK(ref_parse_date(date, 29, &t));
		CHECK(v == (stale(t) ? WEBHOOK_STALE_TIMESTAMP : WEBHOOK_VERIFIED));

		/* a body one byte longer: its hash no longer matches the header */
		body2 = (unsigned char *) concat((const char *) body, in.blen, "x", 1, NULL, 0);
		good.body = body2;
		good.blen = in.blen + 1;
		CHECK(check_vipps(&good) == WEBHOOK_INVALID_SIGNATURE);
		free(body2);

		/* the good signature with each fuzzed header in turn */
		good.body = body;
		good.blen = in.blen;
		good.date = f[0];
		good.date_len = n[0];
		check_vipps(&good);
		good.date = date;
		good.date_len = 29;
		good.sha = f[1];
		good.sha_len = n[1];
		check_vipps(&good);
		good.sha = sha;
		good.sha_len = 44;
		good.host = f[3];
		good.host_len = n[3];
		check_vipps(&good);
		good.host = host;
		good.host_len = strlen(host);
		good.path = f[4];
		good.path_len = n[4];
		check_vipps(&good);
		free(a);
	}
	pfree(auth);
	free(date);
	free(host);
	free(path);
	for (i = 0; i < 5; i++)
		free(f[i]);
	free(body);
}

/* ------------------------------------------------------------------------
 * generic HMAC header
 * ------------------------------------------------------------------------
 */

static WebhookVerdict
ref_hmac_header(const char *value, size_t vlen, const char *prefix,
				WebhookDigest alg, WebhookEncoding enc, const WebhookKey *keys,
				const unsigned char *body, size_t blen, int nkeys, int *which)
{
	size_t		plen = prefix ? strlen(prefix) : 0;
	const char *rest = value + plen;
	size_t		rlen;
	unsigned char *sig;
	size_t		siglen = 0;
	int			k;

	*which = NO_WHICH;
	if (vlen < plen)
		return WEBHOOK_MALFORMED_HEADER;
	if (!ref_eq_nocase(value, prefix, plen))
		return WEBHOOK_MALFORMED_HEADER;
	rlen = vlen - plen;
	sig = fuzz_alloc(rlen + 3);
	if (enc == WEBHOOK_HEX ? !ref_hex_decode(rest, rlen, sig) :
		!ref_b64_decode(rest, rlen, true, sig, &siglen))
	{
		free(sig);
		return WEBHOOK_MALFORMED_HEADER;
	}
	if (enc == WEBHOOK_HEX)
		siglen = rlen / 2;
	if (siglen != (size_t) WebhookDigestLength(alg))
	{
		free(sig);
		return WEBHOOK_INVALID_SIGNATURE;
	}
	{
		const void *parts[1] = {body};
		size_t		lens[1] = {blen};

		k = ref_first_key(alg, keys, nkeys, parts, lens, 1, sig, 1, siglen);
	}
	free(sig);
	if (k < 0)
		return WEBHOOK_INVALID_SIGNATURE;
	*which = k;
	return WEBHOOK_VERIFIED;
}

static WebhookVerdict
check_hmac_header(const char *value, size_t vlen, const char *prefix,
				  WebhookDigest alg, WebhookEncoding enc, const WebhookKey *keys,
				  const unsigned char *body, size_t blen)
{
	WebhookVerdict first = WEBHOOK_VERIFIED;
	int			nkeys;

	for (nkeys = NKEYS; nkeys >= 0; nkeys--)
	{
		int			which = NO_WHICH;
		int			ref_which;
		WebhookVerdict ref = ref_hmac_header(value, vlen, prefix, alg, enc, keys,
											 body, blen, nkeys, &ref_which);
		WebhookVerdict v = WebhookVerifyHmacHeader(value, vlen, prefix, alg, enc,
												   body, blen, keys, nkeys,
												   &which);

		CHECK_SAME(v, which, NO_TS, ref, ref_which, NO_TS);
		if (prefix == NULL)
			CHECK(WebhookVerifyHmacHeader(value, vlen, "", alg, enc, body, blen,
										  keys, nkeys, NULL) == v);
		if (nkeys == NKEYS)
			first = v;
	}
	return first;
}

static void
fuzz_hmac_header(FuzzCursor *c, const char *prefix, WebhookDigest alg,
				 WebhookEncoding enc, const WebhookKey *keys, bool url)
{
	const char *line;
	size_t		vlen;
	char	   *value;
	unsigned char *body;
	size_t		blen;
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t		maclen;
	size_t		plen = prefix ? strlen(prefix) : 0;
	char	   *good;
	size_t		glen;
	int			which = NO_WHICH;
	const char *uline = NULL;
	size_t		ulen = 0;

	/* with url, a first line the message starts with (Square's notification URL) */
	if (url)
		fuzz_line(c, &uline, &ulen);
	fuzz_line(c, &line, &vlen);
	value = fuzz_dup(line, vlen);
	body = (unsigned char *) concat(uline, ulen, c->p, c->len, NULL, 0);
	blen = ulen + c->len;

	check_hmac_header(value, vlen, prefix, alg, enc, keys, body, blen);
	CHECK(WebhookVerifyHmacHeader(NULL, 0, prefix, alg, enc, body, blen, keys,
								  NKEYS, &which) == WEBHOOK_MISSING_HEADER);
	CHECK(which == -1);

	/* the right MAC, in the canonical form and in the other accepted ones */
	{
		const void *parts[1] = {body};
		size_t		lens[1] = {blen};

		maclen = ref_hmac(alg, &keys[1], parts, lens, 1, mac);
	}
	good = fuzz_alloc(plen + 2 * maclen + 4);
	if (plen > 0)
		memcpy(good, prefix, plen);
	if (enc == WEBHOOK_HEX)
	{
		char		hex[2 * EVP_MAX_MD_SIZE + 1];

		hex_lower(mac, maclen, hex);
		memcpy(good + plen, hex, 2 * maclen);
		glen = plen + 2 * maclen;
	}
	else
		glen = plen + ref_b64_encode(mac, maclen, good + plen);

	CHECK(WebhookVerifyHmacHeader(good, glen, prefix, alg, enc, body, blen,
								  keys, NKEYS, &which) == WEBHOOK_VERIFIED);
	CHECK(which == 1);
	{
		/* prefix and hex in upper case; base64 without its padding */
		char	   *alt = fuzz_dup(good, glen);
		size_t		alen = glen;
		size_t		i;

		if (enc == WEBHOOK_HEX)
		{
			for (i = 0; i < glen; i++)
			{
				if (alt[i] >= 'a' && alt[i] <= 'z')
					alt[i] -= 32;
			}
		}
		else
		{
			for (i = 0; i < plen; i++)
			{
				if (alt[i] >= 'a' && alt[i] <= 'z')
					alt[i] -= 32;
			}
			while (alen > plen && alt[alen - 1] == '=')
				alen--;
		}
		CHECK(check_hmac_header(alt, alen, prefix, alg, enc, keys, body, blen) == WEBHOOK_VERIFIED);
		free(alt);
	}
	{
		unsigned char *body2 = (unsigned char *) concat((const char *) body, blen, "x", 1, NULL, 0);

		CHECK(WebhookVerifyHmacHeader(good, glen, prefix, alg, enc, body2, blen + 1,
									  keys, NKEYS, &which) == WEBHOOK_INVALID_SIGNATURE);
		free(body2);
	}
	/* the fuzzed value after the prefix */
	{
		char	   *pv = concat(prefix ? prefix : "", plen, value, vlen, NULL, 0);

		check_hmac_header(pv, plen + vlen, prefix, alg, enc, keys, body, blen);
		free(pv);
	}
	free(good);
	free(value);
	free(body);
}

/* ------------------------------------------------------------------------
 * API key
 * ------------------------------------------------------------------------
 */

static void
check_api_key(const char *value, size_t vlen)
{
	int			nkeys;

	for (nkeys = NKEYS; nkeys >= 0; nkeys--)
	{
		int			ref_which = -1;
		int			which = NO_WHICH;
		int			k;
		WebhookVerdict v;

		for (k = 0; k < nkeys && ref_which < 0; k++)
		{
			if (api_keys[k].len == vlen && memcmp(api_keys[k].data, value, vlen) == 0)
				ref_which = k;
		}
		v = WebhookVerifyApiKey(value, vlen, api_keys, nkeys, &which);
		CHECK(v == (ref_which >= 0 ? WEBHOOK_VERIFIED : WEBHOOK_INVALID_SIGNATURE));
		CHECK(which == ref_which);
	}
}

static void
fuzz_api_key(FuzzCursor *c)
{
	const char *line;
	size_t		vlen;
	char	   *value;
	int			which = NO_WHICH;
	int			k;

	fuzz_line(c, &line, &vlen);
	value = fuzz_dup(line, vlen);
	check_api_key(value, vlen);
	free(value);
	/* the whole rest too, newlines and all */
	value = fuzz_dup(c->p, c->len);
	check_api_key(value, c->len);
	free(value);
	for (k = 0; k < NKEYS; k++)
	{
		value = fuzz_dup(api_keys[k].data, api_keys[k].len);
		check_api_key(value, api_keys[k].len);
		free(value);
	}
	CHECK(WebhookVerifyApiKey(NULL, 0, api_keys, NKEYS, &which) == WEBHOOK_MISSING_HEADER);
	CHECK(which == -1);
}

/*
 * ref_hmac_list: the reference of WebhookVerifyHmacList from its contract
 * in verify.h: comma-separated values, each trimmed of spaces and tabs,
 * each with or without prefix, judged by the reference single value.
 */
#define FUZZ_LIST_MAX 16

static WebhookVerdict
ref_hmac_list(const char *value, size_t vlen, const char *prefix, WebhookDigest alg,
			  WebhookEncoding enc, const WebhookKey *keys, const unsigned char *body,
			  size_t blen, int nkeys, int *which)
{
	size_t		plen = prefix ? strlen(prefix) : 0;
	size_t		pos = 0;
	int			n = 0;
	int			best = NO_WHICH;
	bool		malformed = false;

	*which = NO_WHICH;
	for (;;)
	{
		size_t		start = pos,
					end;

		while (pos < vlen && value[pos] != ',')
			pos++;
		end = pos;
		while (start < end && (value[start] == ' ' || value[start] == '\t'))
			start++;
		while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
			end--;
		if (++n > FUZZ_LIST_MAX)
			return WEBHOOK_MALFORMED_HEADER;
		if (start == end)
			malformed = true;
		else
		{
			bool		prefixed = plen > 0 && end - start >= plen &&
				ref_eq_nocase(value + start, prefix, plen);
			int			w;
			WebhookVerdict v = ref_hmac_header(value + start, end - start,
											   prefixed ? prefix : NULL, alg, enc, keys,
											   body, blen, nkeys, &w);

			if (v == WEBHOOK_VERIFIED && (best == NO_WHICH || w < best))
				best = w;
			else if (v == WEBHOOK_MALFORMED_HEADER)
				malformed = true;
		}
		if (pos >= vlen)
			break;
		pos++;
	}
	if (best != NO_WHICH)
	{
		*which = best;
		return WEBHOOK_VERIFIED;
	}
	return malformed ? WEBHOOK_MALFORMED_HEADER : WEBHOOK_INVALID_SIGNATURE;
}

/*
 * fuzz_hmac_list: a list header (Mollie's X-Mollie-Signature) against the
 * reference with 2, 1 and 0 keys; then the right MAC after the fuzzed
 * values, and before them, must verify with key 1.
 */
static void
fuzz_hmac_list(FuzzCursor *c, const char *prefix, WebhookDigest alg, WebhookEncoding enc,
			   const WebhookKey *keys)
{
	const char *line;
	size_t		vlen;
	char	   *value;
	const unsigned char *body;
	size_t		blen;
	char	   *good;
	char	   *both;
	size_t		glen;
	int			which;

	fuzz_line(c, &line, &vlen);
	value = fuzz_dup(line, vlen);
	body = (const unsigned char *) c->p;
	blen = c->len;
	for (int nkeys = NKEYS; nkeys >= 0; nkeys--)
	{
		int			ref_which;
		WebhookVerdict ref = ref_hmac_list(value, vlen, prefix, alg, enc, keys, body, blen,
										   nkeys, &ref_which);
		WebhookVerdict v = WebhookVerifyHmacList(value, vlen, prefix, alg, enc, FUZZ_LIST_MAX,
												 body, blen, keys, nkeys, &which);

		CHECK_SAME(v, which, NO_TS, ref, ref_which, NO_TS);
	}
	good = WebhookSignHmacHeader(prefix, alg, enc, false, &keys[1], body, blen);
	CHECK(good != NULL);
	glen = strlen(good);
	CHECK(WebhookVerifyHmacList(good, glen, prefix, alg, enc, FUZZ_LIST_MAX, body, blen, keys,
								NKEYS, &which) == WEBHOOK_VERIFIED && which == 1);
	both = (char *) concat(value, vlen, ",", 1, good, glen);
	{
		int			ref_which;
		WebhookVerdict ref = ref_hmac_list(both, vlen + 1 + glen, prefix, alg, enc, keys, body,
										   blen, NKEYS, &ref_which);
		WebhookVerdict v = WebhookVerifyHmacList(both, vlen + 1 + glen, prefix, alg, enc,
												 FUZZ_LIST_MAX, body, blen, keys, NKEYS, &which);

		CHECK_SAME(v, which, NO_TS, ref, ref_which, NO_TS);
	}
	free(both);
	pfree(good);
	free(value);
}

/* ------------------------------------------------------------------------ */

/*
 * The cases: a tag, the registry's scheme it fuzzes, and how.  Every
 * scheme of src/schemes/registry.h needs a tag here, or a place in
 * fuzzed_elsewhere; LLVMFuzzerInitialize refuses to start otherwise.
 */
typedef struct FuzzCase
{
	const char *tag;
	const char *scheme;
	void		(*run) (FuzzCursor *c, const struct FuzzCase *fc);
	const char *prefix;			/* hmac: the header's prefix */
	WebhookDigest alg;
	WebhookEncoding enc;
	const WebhookKey *keys;		/* hmac: the keys (NULL: hmac_keys) */
	bool		url;			/* hmac: the message starts with a line of its own */
} FuzzCase;

static void run_stripe(FuzzCursor *c, const FuzzCase *fc) { fuzz_ts(c, &stripe_scheme); }
static void run_paddle(FuzzCursor *c, const FuzzCase *fc) { fuzz_ts(c, &paddle_scheme); }
static void run_standard(FuzzCursor *c, const FuzzCase *fc) { fuzz_standard(c); }
static void run_vipps(FuzzCursor *c, const FuzzCase *fc) { fuzz_vipps(c); }
static void run_hmac(FuzzCursor *c, const FuzzCase *fc) { fuzz_hmac_header(c, fc->prefix, fc->alg, fc->enc, fc->keys ? fc->keys : hmac_keys, fc->url); }
static void run_apikey(FuzzCursor *c, const FuzzCase *fc) { fuzz_api_key(c); }
static void run_hmac_list(FuzzCursor *c, const FuzzCase *fc) { fuzz_hmac_list(c, fc->prefix, fc->alg, fc->enc, fc->keys ? fc->keys : hmac_keys); }

static const FuzzCase cases[] = {
	{"stripe", "stripe", run_stripe},
	{"standard", "standard", run_standard},
	{"vipps", "vipps", run_vipps},
	{"github", "hmac", run_hmac, "sha256=", WEBHOOK_SHA256, WEBHOOK_HEX},
	{"github-sha1", "hmac", run_hmac, "sha1=", WEBHOOK_SHA1, WEBHOOK_HEX},
	{"shopify", "hmac", run_hmac, NULL, WEBHOOK_SHA256, WEBHOOK_BASE64},
	/* an upper-case prefix: case folding on both sides */
	{"sha512-base64", "hmac", run_hmac, "SHA512=", WEBHOOK_SHA512, WEBHOOK_BASE64},
	{"apikey", "apikey", run_apikey},
	/* base64 HMAC-SHA256 of an item's signing string (or of the body, HmacSignature) */
	{"adyen", "adyen", run_hmac, NULL, WEBHOOK_SHA256, WEBHOOK_BASE64},
	{"gocardless", "gocardless", run_hmac, NULL, WEBHOOK_SHA256, WEBHOOK_HEX},
	/* Authorize.Net's X-ANET-Signature: "sha512=" and upper-case hex */
	{"authorizenet", "authorizenet", run_hmac, "sha512=", WEBHOOK_SHA512, WEBHOOK_HEX},
	/* one value of X-Mollie-Signature: "sha256=" and hex */
	{"mollie", "mollie", run_hmac_list, "sha256=", WEBHOOK_SHA256, WEBHOOK_HEX},
	{"paddle", "paddle", run_paddle},
	/* X-Razorpay-Signature: hex, no prefix */
	{"razorpay", "razorpay", run_hmac, NULL, WEBHOOK_SHA256, WEBHOOK_HEX, razorpay_keys},
	/* x-square-hmacsha256-signature: base64 over the notification URL and the body */
	{"square", "square", run_hmac, NULL, WEBHOOK_SHA256, WEBHOOK_BASE64, square_keys, true},
};

/* schemes another harness fuzzes: fuzz_paypal.c */
static const char *const fuzzed_elsewhere[] = {"paypal"};

static void
require_case(const char *scheme)
{
	for (size_t i = 0; i < lengthof(cases); i++)
		if (strcmp(cases[i].scheme, scheme) == 0)
			return;
	for (size_t i = 0; i < lengthof(fuzzed_elsewhere); i++)
		if (strcmp(fuzzed_elsewhere[i], scheme) == 0)
			return;
	fprintf(stderr, "fuzz_verify: scheme %s of the registry has no fuzz tag\n", scheme);
	abort();
}

int			LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
#define REQUIRE_CASE(n) require_case(#n);
	WEBHOOK_SCHEMES(REQUIRE_CASE)
#undef REQUIRE_CASE
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzCursor	c = {(const char *) data, size};
	const char *tag;
	size_t		tag_len;
	int			k = -1;

	fuzz_line(&c, &tag, &tag_len);
	for (size_t i = 0; i < lengthof(cases); i++)
	{
		if (tag_len == strlen(cases[i].tag) && memcmp(tag, cases[i].tag, tag_len) == 0)
			k = (int) i;
	}
	if (k < 0)
	{
		unsigned int sum = 0;

		for (size_t j = 0; j < tag_len; j++)
			sum += (unsigned char) tag[j];
		k = (int) (sum % lengthof(cases));
	}
	cases[k].run(&c, &cases[k]);
	return 0;
}

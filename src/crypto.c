/*-------------------------------------------------------------------------
 *
 * crypto.c
 *	  The symmetric primitives, over OpenSSL: HMAC, SHA-256, constant-time
 *	  comparison and cleansing, plus a table-driven CRC-32.  The
 *	  public-key side (X.509 chains, RSA signatures) is cert.c.
 *
 * Invariants: nothing here raises, allocates PostgreSQL memory or logs.
 * Every OpenSSL object created in a call is freed before the call returns,
 * on every path; failures come back as return values.  The HMAC
 * implementation and one keyless context per digest are fetched once per
 * backend and kept in statics, because fetching by name on every call is
 * slow; each call works on a duplicate that is freed (and so cleansed by
 * OpenSSL) before returning, so no key material outlives a call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"

/* OpenSSL's names for our digests, indexed by WebhookDigest. */
static const char *const digest_ossl_names[] = {"SHA1", "SHA256", "SHA512"};

/* Our names for them, indexed by WebhookDigest. */
static const char *const digest_names[] = {"sha1", "sha256", "sha512"};

static const int digest_lengths[] = {20, 32, 64};

#define WEBHOOK_NDIGESTS 3

/* The HMAC implementation, fetched once per backend. */
static EVP_MAC *hmac_mac = NULL;

/* Per digest, a context with the digest set and a dummy key, to duplicate. */
static EVP_MAC_CTX *hmac_templates[WEBHOOK_NDIGESTS];

/* SHA-256, fetched once per backend. */
static EVP_MD *sha256_md = NULL;

/* CRC-32 lookup table, built on first use. */
static uint32 crc32_table[256];
static bool crc32_table_ready = false;

/*
 * WebhookDigestByName: "sha1", "sha256" or "sha512", ASCII
 * case-insensitive, into *out.  Returns false for anything else.
 */
bool
WebhookDigestByName(const char *name, WebhookDigest *out)
{
	int			i;

	if (name == NULL)
		return false;
	for (i = 0; i < WEBHOOK_NDIGESTS; i++)
	{
		if (pg_strcasecmp(name, digest_names[i]) == 0)
		{
			*out = (WebhookDigest) i;
			return true;
		}
	}
	return false;
}

/*
 * WebhookDigestLength: the MAC length of alg in bytes (0 if alg is not one
 * of ours).
 */
int
WebhookDigestLength(WebhookDigest alg)
{
	if ((int) alg < 0 || (int) alg >= WEBHOOK_NDIGESTS)
		return 0;
	return digest_lengths[alg];
}

/*
 * hmac_template: the keyless-in-effect template context for alg, created
 * on first use.  A dummy (public, constant) key is set so that the context
 * is fully initialised and can be duplicated.  NULL if OpenSSL failed; a
 * later call tries again.
 */
static EVP_MAC_CTX *
hmac_template(WebhookDigest alg)
{
	static const unsigned char dummy_key[1] = {0};
	EVP_MAC_CTX *ctx;
	OSSL_PARAM	params[2];

	if ((int) alg < 0 || (int) alg >= WEBHOOK_NDIGESTS)
		return NULL;
	if (hmac_templates[alg] != NULL)
		return hmac_templates[alg];

	if (hmac_mac == NULL)
	{
		hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		if (hmac_mac == NULL)
			return NULL;
	}

	ctx = EVP_MAC_CTX_new(hmac_mac);
	if (ctx == NULL)
		return NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
												 (char *) digest_ossl_names[alg],
												 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, dummy_key, sizeof(dummy_key), params) != 1)
	{
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}

	hmac_templates[alg] = ctx;
	return ctx;
}

/*
 * WebhookHmacParts: HMAC(alg, key, parts[0] || ... || parts[nparts-1])
 * into out, which has room for WEBHOOK_MAX_DIGEST bytes.  Returns the MAC
 * length, or -1 if OpenSSL failed.  Never raises.
 */
int
WebhookHmacParts(WebhookDigest alg,
				 const unsigned char *key, size_t keylen,
				 const unsigned char *const *parts,
				 const size_t *lens, int nparts,
				 unsigned char *out)
{
	static const unsigned char empty[1] = {0};
	EVP_MAC_CTX *template;
	EVP_MAC_CTX *ctx;
	size_t		outlen = 0;
	int			result = -1;
	int			i;

	template = hmac_template(alg);
	if (template == NULL)
		return -1;

	ctx = EVP_MAC_CTX_dup(template);
	if (ctx == NULL)
		return -1;

	/* OpenSSL treats a NULL key as "keep the old one": pass an empty one */
	if (key == NULL)
	{
		key = empty;
		keylen = 0;
	}

	if (EVP_MAC_init(ctx, key, keylen, NULL) != 1)
		goto done;

	for (i = 0; i < nparts; i++)
	{
		if (lens[i] == 0)
			continue;
		if (EVP_MAC_update(ctx, parts[i], lens[i]) != 1)
			goto done;
	}

	if (EVP_MAC_final(ctx, out, &outlen, WEBHOOK_MAX_DIGEST) != 1)
		goto done;
	if (outlen != (size_t) digest_lengths[alg])
	{
		OPENSSL_cleanse(out, outlen);
		goto done;
	}
	result = (int) outlen;

done:
	/* frees and cleanses the key copy and the keyed digest states */
	EVP_MAC_CTX_free(ctx);
	return result;
}

/*
 * WebhookHmac: HMAC of one message; as WebhookHmacParts.
 */
int
WebhookHmac(WebhookDigest alg,
			const unsigned char *key, size_t keylen,
			const unsigned char *msg, size_t msglen,
			unsigned char *out)
{
	const unsigned char *parts[1];
	size_t		lens[1];

	parts[0] = msg;
	lens[0] = msglen;
	return WebhookHmacParts(alg, key, keylen, parts, lens, 1, out);
}

/*
 * WebhookSha256: SHA-256 of msg into out[32].  false if OpenSSL failed.
 */
bool
WebhookSha256(const unsigned char *msg, size_t len, unsigned char *out)
{
	static const unsigned char empty[1] = {0};
	unsigned int outlen = 0;

	if (sha256_md == NULL)
	{
		sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (sha256_md == NULL)
			return false;
	}
	if (msg == NULL)
	{
		msg = empty;
		len = 0;
	}
	if (EVP_Digest(msg, len, out, &outlen, sha256_md, NULL) != 1)
		return false;
	return outlen == 32;
}

/*
 * WebhookCtEqual: constant-time equality of two len-byte buffers.
 */
bool
WebhookCtEqual(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return true;
	return CRYPTO_memcmp(a, b, len) == 0;
}

/*
 * WebhookCtEqualVar: equality of two byte strings of any lengths, in time
 * that depends on neither where they differ nor how long they are (beyond
 * hashing them): compares their SHA-256 digests in constant time.  false
 * if hashing failed.
 */
bool
WebhookCtEqualVar(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char da[32];
	unsigned char db[32];
	bool		ok;

	ok = WebhookSha256((const unsigned char *) a, alen, da) &&
		WebhookSha256((const unsigned char *) b, blen, db) &&
		CRYPTO_memcmp(da, db, sizeof(da)) == 0;

	OPENSSL_cleanse(da, sizeof(da));
	OPENSSL_cleanse(db, sizeof(db));
	return ok;
}

/*
 * crc32_build_table: the reflected table for polynomial 0xEDB88320.
 */
static void
crc32_build_table(void)
{
	uint32		i;

	for (i = 0; i < 256; i++)
	{
		uint32		c = i;
		int			k;

		for (k = 0; k < 8; k++)
			c = (c & 1) ? (0xEDB88320U ^ (c >> 1)) : (c >> 1);
		crc32_table[i] = c;
	}
	crc32_table_ready = true;
}

/*
 * WebhookCrc32: the standard (zlib, IEEE 802.3) CRC-32 of buf, as
 * zlib's crc32(0, buf, len) returns it.
 */
uint32
WebhookCrc32(const unsigned char *buf, size_t len)
{
	uint32		c = 0xFFFFFFFFU;
	size_t		i;

	if (!crc32_table_ready)
		crc32_build_table();
	for (i = 0; i < len; i++)
		c = crc32_table[(c ^ buf[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFU;
}

/*
 * WebhookCleanse: overwrite len bytes at p with zeros; the compiler cannot
 * drop it.
 */
void
WebhookCleanse(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

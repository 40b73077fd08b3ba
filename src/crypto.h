/*-------------------------------------------------------------------------
 *
 * crypto.h
 *	  The symmetric primitives, over OpenSSL: HMAC, SHA-256, CRC-32,
 *	  constant-time comparison and cleansing.
 *
 * Every function here is pure: no SPI, no palloc unless said, and none of
 * them raises.  Failures come back as return values so that callers can
 * free what they hold before they report anything.  RSA signatures and
 * X.509 certificate checks are cert.h's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_CRYPTO_H
#define WEBHOOK_CRYPTO_H

#include "postgres.h"

typedef enum WebhookDigest
{
	WEBHOOK_SHA1,
	WEBHOOK_SHA256,
	WEBHOOK_SHA512
} WebhookDigest;

#define WEBHOOK_MAX_DIGEST 64

/* Parse "sha1", "sha256", "sha512" (case-insensitive); false if unknown. */
extern bool WebhookDigestByName(const char *name, WebhookDigest *out);

/* Output length in bytes of a digest. */
extern int	WebhookDigestLength(WebhookDigest alg);

/*
 * HMAC of the concatenation of nparts byte strings, written to out
 * (WEBHOOK_MAX_DIGEST bytes of room).  Returns the MAC length, or -1 if
 * OpenSSL failed.  Never raises.
 */
extern int	WebhookHmacParts(WebhookDigest alg,
							 const unsigned char *key, size_t keylen,
							 const unsigned char *const *parts,
							 const size_t *lens, int nparts,
							 unsigned char *out);

/* HMAC of one message; as WebhookHmacParts. */
extern int	WebhookHmac(WebhookDigest alg,
						const unsigned char *key, size_t keylen,
						const unsigned char *msg, size_t msglen,
						unsigned char *out);

/* SHA-256 of msg into out[32]; false if OpenSSL failed. */
extern bool WebhookSha256(const unsigned char *msg, size_t len,
						  unsigned char *out);

/* Constant-time equality of two buffers of the same length. */
extern bool WebhookCtEqual(const void *a, const void *b, size_t len);

/*
 * Constant-time equality of two byte strings of possibly different
 * lengths: compares SHA-256 digests, so the time does not depend on
 * where they differ nor on the secret's length.
 */
extern bool WebhookCtEqualVar(const void *a, size_t alen,
							  const void *b, size_t blen);

/* Standard CRC-32 (zlib, IEEE 802.3) of buf. */
extern uint32 WebhookCrc32(const unsigned char *buf, size_t len);

/* Overwrite len bytes with zeros in a way the compiler cannot drop. */
extern void WebhookCleanse(void *p, size_t len);

#endif							/* WEBHOOK_CRYPTO_H */

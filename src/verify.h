/*-------------------------------------------------------------------------
 *
 * verify.h
 *	  Signature verification for each scheme, over the raw body bytes.
 *
 * Pure functions: they take header values, the body and the candidate
 * keys in the order to try them, and return a verdict.  No SPI, no
 * ereport; used both by webhook_ingest and by the SQL-callable
 * webhook_verify_* functions, so that both judge exactly alike.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_VERIFY_H
#define WEBHOOK_VERIFY_H

#include "postgres.h"
#include "crypto.h"

typedef enum WebhookVerdict
{
	WEBHOOK_VERIFIED = 0,
	WEBHOOK_MISSING_HEADER,
	WEBHOOK_MALFORMED_HEADER,
	WEBHOOK_INVALID_SIGNATURE,
	WEBHOOK_STALE_TIMESTAMP,
	WEBHOOK_CRYPTO_FAILURE		/* OpenSSL failed: cannot happen */
} WebhookVerdict;

/* A candidate key: raw key bytes. */
typedef struct WebhookKey
{
	const unsigned char *data;
	size_t		len;
} WebhookKey;

typedef enum WebhookEncoding
{
	WEBHOOK_HEX,
	WEBHOOK_BASE64
} WebhookEncoding;

/*
 * Stripe-Signature: "t=<unix>,v1=<hex>[,v1=<hex>...][,v0=...]".
 * Exactly one t (strict integer) else MALFORMED_HEADER; v1 values are
 * hex-decoded (either case), malformed ones skipped; no usable v1 gives
 * INVALID_SIGNATURE.  Keys are tried in order, each against every v1; the
 * key is used as given (the whole whsec_ string).  After a match,
 * |now - t| > tolerance gives STALE_TIMESTAMP.  On VERIFIED, *which is
 * the index of the key that matched; *ts the header's t when parsed.
 */
extern WebhookVerdict WebhookVerifyStripe(const char *header, size_t header_len,
										  const unsigned char *body, size_t body_len,
										  const WebhookKey *keys, int nkeys,
										  int64 now, int tolerance,
										  int *which, int64 *ts);

/* The Stripe-Signature value for body signed with key at time ts (palloc'd). */
extern char *WebhookSignStripe(const unsigned char *body, size_t body_len,
							   const WebhookKey *key, int64 ts);

/*
 * Generic HMAC header: value = prefix + encode(HMAC(alg, key, body)).
 * The prefix is matched ASCII case-insensitively; a value without it, or
 * whose rest does not decode in enc, is MALFORMED_HEADER.  Hex accepts
 * either case.  A decoded MAC of the wrong length is INVALID_SIGNATURE.
 */
extern WebhookVerdict WebhookVerifyHmacHeader(const char *value, size_t value_len,
											  const char *prefix,
											  WebhookDigest alg, WebhookEncoding enc,
											  const unsigned char *body, size_t body_len,
											  const WebhookKey *keys, int nkeys,
											  int *which);

/* API key: value equal to one key, constant time whatever the lengths. */
extern WebhookVerdict WebhookVerifyApiKey(const char *value, size_t value_len,
										  const WebhookKey *keys, int nkeys,
										  int *which);

#endif							/* WEBHOOK_VERIFY_H */

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
 * A header of k=v items holding one timestamp and HMAC-SHA256 signatures
 * in hex over "<timestamp><joiner><body>", as Stripe-Signature
 * ("t=<unix>,v1=<hex>", joiner ".") lays one out.
 */
typedef struct WebhookTsHeader
{
	char		sep;			/* between items */
	const char *ts_key;			/* the timestamp's key */
	const char *sig_key;		/* each signature's key */
	const char *joiner;			/* between the timestamp and the body */
} WebhookTsHeader;

/*
 * Judge a header laid out as fmt says.  Items split on sep at their first
 * '=' (an item without one is MALFORMED_HEADER); exactly one ts_key item,
 * a strict integer, else MALFORMED_HEADER; sig_key values are hex-decoded
 * (either case), malformed ones skipped; other keys are ignored; no usable
 * signature gives INVALID_SIGNATURE.  Keys are tried in order, each
 * against every signature, over the timestamp exactly as sent, the joiner
 * and the body.  After a match, |now - ts| > tolerance gives
 * STALE_TIMESTAMP.  On VERIFIED, *which is the index of the key that
 * matched; *ts the header's timestamp when parsed.
 */
extern WebhookVerdict WebhookVerifyTsHeader(const WebhookTsHeader *fmt,
											const char *header, size_t header_len,
											const unsigned char *body, size_t body_len,
											const WebhookKey *keys, int nkeys,
											int64 now, int tolerance,
											int *which, int64 *ts);

/* "<ts_key>=<ts><sep><sig_key>=<hex>" for body signed with key at ts (palloc'd), or NULL. */
extern char *WebhookSignTsHeader(const WebhookTsHeader *fmt,
								 const unsigned char *body, size_t body_len,
								 const WebhookKey *key, int64 ts);

/*
 * Stripe-Signature: "t=<unix>,v1=<hex>[,v1=<hex>...][,v0=...]", judged as
 * WebhookVerifyTsHeader judges it with t, v1 and "."; v0 is ignored.  The
 * key is used as given (the whole whsec_ string).
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

/*
 * A list of such values, separated by commas (a header sent more than
 * once, folded; Mollie's while a secret rotates), each with or without
 * prefix (in any case), spaces and tabs around each ignored: VERIFIED when
 * some value matches some key (*which the lowest such key's index); else
 * MALFORMED_HEADER when a value is empty or malformed, or the list has
 * more than max values; else INVALID_SIGNATURE.  Each value is judged
 * whole by WebhookVerifyHmacHeader (constant-time compares).
 */
extern WebhookVerdict WebhookVerifyHmacList(const char *value, size_t len, const char *prefix,
											WebhookDigest alg, WebhookEncoding enc, int max,
											const unsigned char *body, size_t body_len,
											const WebhookKey *keys, int nkeys, int *which);

/*
 * The value a sender of such a header sends: prefix + encode(HMAC(alg,
 * key, body)), hex in upper case when upper (palloc'd; the MAC wiped);
 * NULL if OpenSSL failed.
 */
extern char *WebhookSignHmacHeader(const char *prefix, WebhookDigest alg, WebhookEncoding enc,
								   bool upper, const WebhookKey *key,
								   const unsigned char *body, size_t body_len);

/* API key: value equal to one key, constant time whatever the lengths. */
extern WebhookVerdict WebhookVerifyApiKey(const char *value, size_t value_len,
										  const WebhookKey *keys, int nkeys,
										  int *which);

/*
 * Standard Webhooks: webhook-id, webhook-timestamp (strict integer) and a
 * space-separated list of "<version>,<base64>" signatures over
 * "id.timestamp.body".  Keys are the decoded secret bytes.  Only v1 is
 * checked (others skipped, malformed elements skipped); an id or a
 * timestamp holding '.' or an unparsable timestamp is MALFORMED_HEADER; no
 * v1 that verifies is INVALID_SIGNATURE; then |now - ts| > tolerance is
 * STALE_TIMESTAMP.
 */
extern WebhookVerdict WebhookVerifyStandard(const char *id, size_t id_len,
											const char *ts, size_t ts_len,
											const char *sigs, size_t sigs_len,
											const unsigned char *body, size_t body_len,
											const WebhookKey *keys, int nkeys,
											int64 now, int tolerance,
											int *which, int64 *tsout);

/* "v1,<base64>" for body signed with key as msg_id at ts (palloc'd), or NULL. */
extern char *WebhookSignStandard(const unsigned char *body, size_t body_len,
								 const WebhookKey *key, const char *msg_id, int64 ts);

/*
 * Vipps MobilePay Webhooks API.  content_sha must equal base64(SHA-256(body))
 * (else INVALID_SIGNATURE); authorization must be
 * "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<b64>"
 * (else MALFORMED_HEADER), and the signature the HMAC-SHA256 of
 * "POST\n<path_and_query>\n<date>;<host>;<content hash>" with a key; date is
 * an RFC 1123 date within tolerance of now (after the signature).
 */
extern WebhookVerdict WebhookVerifyVipps(const char *date, size_t date_len,
										 const char *content_sha, size_t content_sha_len,
										 const char *authorization, size_t authorization_len,
										 const char *host, size_t host_len,
										 const char *path, size_t path_len,
										 const unsigned char *body, size_t body_len,
										 const WebhookKey *keys, int nkeys,
										 int64 now, int tolerance,
										 int *which, int64 *tsout);

/*
 * The Authorization value Vipps would send (palloc'd), and in *content_sha
 * (45 bytes of room) the content hash; NULL if OpenSSL failed.
 */
extern char *WebhookSignVipps(const unsigned char *body, size_t body_len,
							  const WebhookKey *key, const char *path, const char *host,
							  const char *date, char *content_sha);

#endif							/* WEBHOOK_VERIFY_H */

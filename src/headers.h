/*-------------------------------------------------------------------------
 *
 * headers.h
 *	  Pure, length-bounded parsing of what a sender controls: header
 *	  lookup, "k=v" lists, hex and base64, strict integers and HTTP dates.
 *
 * Nothing here uses SPI, allocates, or raises; every input is a pointer
 * and a length, never assumed NUL-terminated.  These are the functions a
 * fuzzer targets.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_HEADERS_H
#define WEBHOOK_HEADERS_H

#include "postgres.h"

/* One request header as the caller passed it (not NUL-terminated). */
typedef struct WebhookHeader
{
	const char *name;
	int			name_len;
	const char *value;
	int			value_len;
} WebhookHeader;

typedef enum WebhookHeaderFind
{
	WEBHOOK_HEADER_MISSING = 0,
	WEBHOOK_HEADER_FOUND,
	WEBHOOK_HEADER_DUPLICATE	/* present under two spellings */
} WebhookHeaderFind;

/*
 * Find the header called name (ASCII case-insensitive) among n headers.
 * On FOUND, *out points at it.
 */
extern WebhookHeaderFind WebhookFindHeader(const WebhookHeader *headers, int n,
										   const char *name,
										   const WebhookHeader **out);

/* One item of a "k=v" list; pointers into the input. */
typedef struct WebhookKV
{
	const char *key;
	int			key_len;
	const char *val;
	int			val_len;
} WebhookKV;

/*
 * Split s on sep into k=v items (split at the first '=' of each item).
 * Items are not trimmed.  Returns the number of items written to items
 * (at most max), or -1 if an item has no '=' or the list holds more than
 * max items.
 */
extern int	WebhookSplitKV(const char *s, size_t len, char sep,
						   WebhookKV *items, int max);

/*
 * Strict hex decode (either case, even length, nothing else).  Writes at
 * most outcap bytes; false if the input is not hex or does not fit.
 */
extern bool WebhookHexDecode(const char *in, size_t len,
							 unsigned char *out, size_t outcap,
							 size_t *outlen);

/* Lower-case hex of len bytes into out (2*len chars, no NUL). */
extern void WebhookHexEncode(const unsigned char *in, size_t len, char *out);

/*
 * Strict standard base64 (RFC 4648 alphabet, '=' padding).  With
 * allow_unpadded, a missing final padding is accepted.  Anything else
 * (whitespace, URL-safe alphabet, bad padding, non-zero trailing bits is
 * allowed) is rejected.  false if invalid or it does not fit in outcap.
 */
extern bool WebhookBase64Decode(const char *in, size_t len, bool allow_unpadded,
								unsigned char *out, size_t outcap,
								size_t *outlen);

/* Room a decode of len base64 chars needs. */
#define WEBHOOK_BASE64_DECODED_MAX(len) ((((len) + 3) / 4) * 3)
/* Chars an encode of len bytes writes (padded, no NUL). */
#define WEBHOOK_BASE64_ENCODED_LEN(len) ((((len) + 2) / 3) * 4)

/*
 * A Standard Webhooks secret: base64 (padding optional) after an optional
 * "whsec_" prefix, into out (room: WEBHOOK_BASE64_DECODED_MAX(len) + 1).
 * false when it is none: empty, or not base64.
 */
extern bool WebhookStandardSecretDecode(const char *secret, size_t len, unsigned char *out,
										size_t outcap, size_t *outlen);

/* Standard padded base64 of len bytes into out; returns chars written. */
extern size_t WebhookBase64Encode(const unsigned char *in, size_t len, char *out);

/*
 * Strict non-negative decimal integer: 1 to 18 digits, no sign, no
 * whitespace, no fraction.  false otherwise.
 */
extern bool WebhookParseUnsigned(const char *s, size_t len, int64 *out);

/*
 * RFC 1123 HTTP-date ("Thu, 30 Mar 2023 08:38:32 GMT") to Unix seconds.
 * Strict: the weekday must match the date.  false otherwise.
 */
extern bool WebhookParseHttpDate(const char *s, size_t len, int64 *out);

/* Unix seconds to an RFC 1123 HTTP-date in out (30 bytes incl. NUL). */
extern void WebhookFormatHttpDate(int64 t, char *out);

/*
 * A form post of one field, "<name>=<value>" (Mollie's classic webhook,
 * "id=tr_..."): true when body is exactly that, value 1 to max letters,
 * digits or '_' (*value and *value_len point into body).  Never raises.
 */
extern bool WebhookFormField(const char *body, size_t len, const char *name, size_t max,
							 const char **value, size_t *value_len);

#endif							/* WEBHOOK_HEADERS_H */

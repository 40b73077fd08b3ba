/*-------------------------------------------------------------------------
 *
 * paypal.h
 *	  PayPal webhook verification: the signed message, the certificate URL
 *	  allow-list, and the signature check shared by webhook_ingest and
 *	  webhook_verify_paypal.
 *
 * Nothing declared here uses SPI or raises; WebhookPaypalMessage allocates
 * in the current memory context.  Inputs are pointers and lengths, never
 * assumed NUL-terminated unless said.  cert.h comes with it: a caller of
 * WebhookPaypalVerify checks the certificate with WebhookCertCheck.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_PAYPAL_H
#define WEBHOOK_PAYPAL_H

#include "postgres.h"

#include "cert.h"
#include "verify.h"

/* A paypal provider's own config (WebhookProviderConfig.opts). */
typedef struct WebhookPaypalOptions
{
	char	   *webhook_id;		/* config.webhook_id; NULL: nothing verifies */
	char	  **cert_hosts;		/* config.cert_hosts; NULL: the default hosts */
	int			ncert_hosts;
	char	   *ca_pem;			/* config.ca_pem; NULL: the system trust store */
} WebhookPaypalOptions;

/* The scheme's entry (schemes/paypal.c). */
extern const struct WebhookSchemeInfo webhook_scheme_paypal;

/* The certificate hosts allowed when a provider names none. */
#define WEBHOOK_PAYPAL_NDEFAULT_HOSTS 4
extern const char *const WebhookPaypalDefaultHosts[WEBHOOK_PAYPAL_NDEFAULT_HOSTS];

/* Largest decoded PAYPAL-TRANSMISSION-SIG accepted (an 8192-bit key). */
#define WEBHOOK_PAYPAL_MAX_SIG 1024

/*
 * The message PayPal signs, "id|time|webhook_id|crc32", the CRC-32 of the
 * body written as an unsigned decimal; palloc'd and NUL-terminated.
 * webhook_id is NUL-terminated.  Never raises except out of memory.
 */
extern char *WebhookPaypalMessage(const char *transmission_id, size_t id_len,
								  const char *transmission_time, size_t time_len,
								  const char *webhook_id,
								  const unsigned char *body, size_t body_len);

/*
 * Whether url may name a PayPal certificate: "https://" (scheme in any
 * case), then a host equal to one of hosts (ASCII case-insensitive; the
 * defaults when hosts is NULL or nhosts is 0), then "/" and a path of
 * plain URL characters.  No userinfo, port, backslash, percent-encoding,
 * whitespace or control character, fragment, or "." / ".." segment; at
 * most 2048 bytes.  Never raises.
 */
extern bool WebhookPaypalCertUrlAllowed(const char *url, size_t len,
										const char *const *hosts, int nhosts);

/*
 * PayPal signature check: sig_b64 (the PAYPAL-TRANSMISSION-SIG value) is
 * strict padded base64 of an RSA PKCS#1 v1.5 SHA-256 signature of the
 * WebhookPaypalMessage with the key in pem (a certificate, or a bare
 * PUBLIC KEY).  Checks the signature only: the certificate's chain,
 * dates and names are WebhookCertCheck's job.  Returns VERIFIED,
 * MALFORMED_HEADER (not base64, or longer than WEBHOOK_PAYPAL_MAX_SIG),
 * INVALID_SIGNATURE, or CRYPTO_FAILURE (pem holds no RSA key, or OpenSSL
 * failed).  Allocates the message in the current context and frees it;
 * never raises except out of memory.
 */
extern WebhookVerdict WebhookPaypalVerify(const char *transmission_id, size_t id_len,
										  const char *transmission_time, size_t time_len,
										  const char *webhook_id,
										  const char *sig_b64, size_t sig_len,
										  const char *pem, size_t pem_len,
										  const unsigned char *body, size_t body_len);

#endif							/* WEBHOOK_PAYPAL_H */

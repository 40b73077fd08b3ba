/*-------------------------------------------------------------------------
 *
 * cert.h
 *	  Public-key checks over PEM text: the X.509 checks of a PayPal
 *	  message-verification certificate and its chain, and RSA-SHA256
 *	  signature verification with the key of a certificate.
 *
 * Every function here is pure: no SPI, no palloc, and none of them
 * raises.  Failures come back as return values so that callers can free
 * what they hold before they report anything.  The symmetric primitives
 * (HMAC, SHA-256, constant-time comparison) are crypto.h's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_CERT_H
#define WEBHOOK_CERT_H

#include "postgres.h"

/*
 * X.509 checks for PayPal message-verification certificates.
 */
typedef enum WebhookCertResult
{
	WEBHOOK_CERT_OK,
	WEBHOOK_CERT_UNPARSABLE,	/* no certificate, or a PEM block that is not one */
	WEBHOOK_CERT_UNTRUSTED,		/* the chain does not verify to the trust anchors */
	WEBHOOK_CERT_EXPIRED,		/* a certificate of the chain expired before now */
	WEBHOOK_CERT_NOT_YET_VALID, /* a certificate of the chain starts after now */
	WEBHOOK_CERT_WRONG_SUBJECT, /* the leaf names neither PayPal host */
	WEBHOOK_CERT_FAILURE		/* OpenSSL failed: cannot happen */
} WebhookCertResult;

/*
 * Check the first certificate in pem (any further certificates in pem are
 * intermediates for building the chain, not trust anchors).  In order:
 * parse (UNPARSABLE), then set *not_after_unix to the leaf's notAfter as
 * Unix seconds, then the leaf's subject CN or a DNS SAN must be exactly
 * messageverificationcerts.paypal.com or
 * messageverificationcerts.sandbox.paypal.com, ASCII case-insensitive, no
 * wildcards (WRONG_SUBJECT), then the chain is verified at time now_unix:
 * to the system trust store when ca_pem is NULL, else only to the
 * certificates in ca_pem (each of which is a trust anchor, root or not).
 * A chain that is both untrusted and out of its validity period reports
 * EXPIRED or NOT_YET_VALID.  *why is set on any result but OK to a static
 * English phrase (no input is quoted in it).  Never raises.
 */
extern WebhookCertResult WebhookCertCheck(const char *pem, size_t pem_len,
										  const char *ca_pem, size_t ca_len,
										  int64 now_unix, int64 *not_after_unix,
										  const char **why);

/*
 * RSA PKCS#1 v1.5 SHA-256 verification of sig over msg with the public key
 * of the first certificate in pem, or of a bare "PUBLIC KEY" PEM block
 * when pem holds no certificate.  1 if it verifies, 0 if it does not (a
 * signature of the wrong length included), -1 if pem holds no usable key
 * or the key is not RSA (RSA-PSS keys are not), or OpenSSL failed.  Never
 * raises.
 */
extern int	WebhookRsaSha256Verify(const char *pem, size_t pem_len,
								   const unsigned char *msg, size_t msg_len,
								   const unsigned char *sig, size_t sig_len);

/*
 * Size in bits of the RSA public key WebhookRsaSha256Verify would use for
 * pem, or -1 if it would use none (unparsable, or not RSA).  Never raises.
 */
extern int	WebhookRsaKeyBits(const char *pem, size_t pem_len);

#endif							/* WEBHOOK_CERT_H */

/*-------------------------------------------------------------------------
 *
 * cert.c
 *	  Public-key checks over PEM text, with OpenSSL: the X.509 checks of a
 *	  PayPal message-verification certificate and its chain, and
 *	  RSA-SHA256 signature verification with a certificate's key.
 *
 * Invariants: nothing here raises, allocates PostgreSQL memory or logs.
 * Every OpenSSL object created in a call is freed before the call returns,
 * on every path; failures come back as return values.  Two things are
 * kept in statics per backend, both public: the system trust store,
 * loaded once, and the RSA keys of the last few certificates used, by the
 * SHA-256 (crypto.h) of their PEM text.  OpenSSL's error queue is cleared
 * before the certificate and RSA functions return, so that nothing they
 * leave there is blamed on a later, unrelated OpenSSL call in the same
 * backend.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "crypto.h"

/* The names a PayPal message-verification certificate may carry. */
static const char *const paypal_cert_names[] = {
	"messageverificationcerts.paypal.com",
	"messageverificationcerts.sandbox.paypal.com"
};

#define WEBHOOK_NPAYPAL_CERT_NAMES 2

/* The system trust store (X509_STORE_set_default_paths), loaded once. */
static X509_STORE *system_store = NULL;

/* What the verify callback saw, for one X509_verify_cert call. */
typedef struct CertVerifyState
{
	bool		expired;
	bool		not_yet_valid;
	int			other_error;	/* the first other X509_V_ERR_*, or 0 */
} CertVerifyState;

/*
 * no_password: the PEM password callback.  Certificates and public keys
 * are never encrypted; refusing keeps OpenSSL's default callback from
 * prompting on the server's terminal.
 */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/*
 * pem_bio: a read-only memory BIO over pem, or NULL if pem is empty, too
 * long for OpenSSL, or OpenSSL failed.
 */
static BIO *
pem_bio(const char *pem, size_t len)
{
	if (pem == NULL || len == 0 || len > (size_t) INT_MAX)
		return NULL;
	return BIO_new_mem_buf(pem, (int) len);
}

/*
 * pem_read_certs: every CERTIFICATE block of pem, in order, into a new
 * stack (other PEM blocks and text between blocks are skipped).  NULL if
 * there is none, a CERTIFICATE block does not parse, or OpenSSL failed.
 * The caller frees the stack with sk_X509_pop_free(..., X509_free).
 */
static STACK_OF(X509) *
pem_read_certs(const char *pem, size_t len)
{
	BIO		   *bio;
	STACK_OF(X509) *certs;
	X509	   *x;
	unsigned long err;
	bool		ok;

	bio = pem_bio(pem, len);
	if (bio == NULL)
		return NULL;
	certs = sk_X509_new_null();
	if (certs == NULL)
	{
		BIO_free(bio);
		return NULL;
	}

	ERR_clear_error();
	while ((x = PEM_read_bio_X509(bio, NULL, no_password, NULL)) != NULL)
	{
		if (!sk_X509_push(certs, x))
		{
			X509_free(x);
			sk_X509_pop_free(certs, X509_free);
			BIO_free(bio);
			ERR_clear_error();
			return NULL;
		}
	}

	/* the loop ends at the end of the text, or at a block that is bad */
	err = ERR_peek_last_error();
	ok = sk_X509_num(certs) > 0 &&
		ERR_GET_LIB(err) == ERR_LIB_PEM &&
		ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
	ERR_clear_error();
	BIO_free(bio);

	if (!ok)
	{
		sk_X509_pop_free(certs, X509_free);
		return NULL;
	}
	return certs;
}

/*
 * asn1_time_to_unix: an ASN1_TIME as Unix seconds (days from the civil
 * date, so no timegm and no time zone).  false if it does not parse.
 */
static bool
asn1_time_to_unix(const ASN1_TIME *t, int64 *out)
{
	struct tm	tm;
	int64		y;
	int64		m;
	int64		era;
	int64		yoe;
	int64		doy;
	int64		doe;
	int64		days;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;

	/* Howard Hinnant's days_from_civil, proleptic Gregorian */
	y = (int64) tm.tm_year + 1900;
	m = (int64) tm.tm_mon + 1;
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm.tm_mday - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;

	*out = days * 86400 + (int64) tm.tm_hour * 3600 +
		(int64) tm.tm_min * 60 + (int64) tm.tm_sec;
	return true;
}

/*
 * cert_names_paypal: whether the subject CN or a DNS SAN of x is one of
 * paypal_cert_names, ASCII case-insensitive, no wildcards.  -1 if OpenSSL
 * failed.
 */
static int
cert_names_paypal(X509 *x)
{
	int			i;

	for (i = 0; i < WEBHOOK_NPAYPAL_CERT_NAMES; i++)
	{
		int			rc;

		rc = X509_check_host(x, paypal_cert_names[i],
							 strlen(paypal_cert_names[i]),
							 X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT |
							 X509_CHECK_FLAG_NO_WILDCARDS,
							 NULL);
		if (rc == 1)
			return 1;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/*
 * cert_verify_cb: records each problem X509_verify_cert finds and lets it
 * go on, so that an expired certificate is reported as expired even when
 * its chain is also untrusted.  The caller treats any recorded problem as
 * a failure.
 */
static int
cert_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	CertVerifyState *st = (CertVerifyState *) X509_STORE_CTX_get_app_data(ctx);
	int			err;

	if (ok)
		return 1;
	if (st == NULL)
		return 0;

	err = X509_STORE_CTX_get_error(ctx);
	if (err == X509_V_ERR_CERT_HAS_EXPIRED)
		st->expired = true;
	else if (err == X509_V_ERR_CERT_NOT_YET_VALID)
		st->not_yet_valid = true;
	else if (st->other_error == X509_V_OK)
		st->other_error = (err != X509_V_OK) ? err : X509_V_ERR_UNSPECIFIED;
	return 1;
}

/*
 * get_system_store: the system trust store, loaded on first use; NULL if
 * OpenSSL failed (a later call tries again).
 */
static X509_STORE *
get_system_store(void)
{
	X509_STORE *store;

	if (system_store != NULL)
		return system_store;
	store = X509_STORE_new();
	if (store == NULL)
		return NULL;
	if (X509_STORE_set_default_paths(store) != 1)
	{
		X509_STORE_free(store);
		return NULL;
	}
	system_store = store;
	return store;
}

/*
 * ca_store: a new store whose only trust anchors are the certificates in
 * ca_pem; NULL if ca_pem holds none or OpenSSL failed.  The caller frees
 * it.
 */
static X509_STORE *
ca_store(const char *ca_pem, size_t ca_len)
{
	STACK_OF(X509) *cas;
	X509_STORE *store;
	int			i;

	cas = pem_read_certs(ca_pem, ca_len);
	if (cas == NULL)
		return NULL;
	store = X509_STORE_new();
	if (store == NULL)
	{
		sk_X509_pop_free(cas, X509_free);
		return NULL;
	}
	for (i = 0; i < sk_X509_num(cas); i++)
	{
		/* takes its own reference; a duplicate is not an error in 3.0 */
		if (X509_STORE_add_cert(store, sk_X509_value(cas, i)) != 1)
		{
			X509_STORE_free(store);
			sk_X509_pop_free(cas, X509_free);
			return NULL;
		}
	}
	sk_X509_pop_free(cas, X509_free);
	return store;
}

/* The reason given when OpenSSL failed (WEBHOOK_CERT_FAILURE). */
static const char cert_check_failed[] = "could not check the certificate";

/*
 * check_leaf: the checks of the leaf alone: *not_after_unix set to its
 * notAfter (UNPARSABLE if that does not read), then its names
 * (WRONG_SUBJECT).  OK if both pass; else *reason says why.
 */
static WebhookCertResult
check_leaf(X509 *leaf, int64 *not_after_unix, const char **reason)
{
	int			names;

	if (!asn1_time_to_unix(X509_get0_notAfter(leaf), not_after_unix))
	{
		*reason = "the certificate's expiry time could not be read";
		return WEBHOOK_CERT_UNPARSABLE;
	}

	names = cert_names_paypal(leaf);
	if (names < 0)
	{
		*reason = cert_check_failed;
		return WEBHOOK_CERT_FAILURE;
	}
	if (names == 0)
	{
		*reason = "the certificate names neither messageverificationcerts.paypal.com nor messageverificationcerts.sandbox.paypal.com";
		return WEBHOOK_CERT_WRONG_SUBJECT;
	}
	return WEBHOOK_CERT_OK;
}

/*
 * intermediates: a new stack of certs[1..], the rest of the PEM text,
 * for building the chain; it borrows them from certs, so the caller frees
 * it with sk_X509_free alone.  NULL if OpenSSL failed.
 */
static STACK_OF(X509) *
intermediates(STACK_OF(X509) *certs)
{
	STACK_OF(X509) *untrusted;
	int			i;

	untrusted = sk_X509_new_null();
	if (untrusted == NULL)
		return NULL;
	for (i = 1; i < sk_X509_num(certs); i++)
	{
		if (!sk_X509_push(untrusted, sk_X509_value(certs, i)))
		{
			sk_X509_free(untrusted);
			return NULL;
		}
	}
	return untrusted;
}

/*
 * trust_anchors: into *store, the anchors to verify against: a new store
 * of the certificates in ca_pem when that is not NULL (*own_store set:
 * the caller frees it), else the shared system store.  OK, or UNTRUSTED
 * if ca_pem holds no certificate, or FAILURE; *reason says why when not
 * OK.
 */
static WebhookCertResult
trust_anchors(const char *ca_pem, size_t ca_len, X509_STORE **store,
			  bool *own_store, const char **reason)
{
	if (ca_pem != NULL)
	{
		*store = ca_store(ca_pem, ca_len);
		if (*store == NULL)
		{
			*reason = "no certificate could be read from the trusted CA PEM text";
			return WEBHOOK_CERT_UNTRUSTED;
		}
		*own_store = true;
		return WEBHOOK_CERT_OK;
	}

	*store = get_system_store();
	if (*store == NULL)
	{
		*reason = cert_check_failed;
		return WEBHOOK_CERT_FAILURE;
	}
	return WEBHOOK_CERT_OK;
}

/*
 * chain_result: the result of one X509_verify_cert call, from what the
 * verify callback recorded (st) and its return value (rc).  A validity
 * problem wins over any other, so that an expired chain is reported as
 * expired even when it is also untrusted.  *reason is NULL on OK, else a
 * static phrase.
 */
static WebhookCertResult
chain_result(const CertVerifyState *st, int rc, const char **reason)
{
	if (st->expired)
	{
		*reason = "a certificate of the chain has expired";
		return WEBHOOK_CERT_EXPIRED;
	}
	if (st->not_yet_valid)
	{
		*reason = "a certificate of the chain is not yet valid";
		return WEBHOOK_CERT_NOT_YET_VALID;
	}
	if (st->other_error != X509_V_OK)
	{
		/* a static string from OpenSSL's table */
		*reason = X509_verify_cert_error_string(st->other_error);
		return WEBHOOK_CERT_UNTRUSTED;
	}
	if (rc == 1)
	{
		*reason = NULL;
		return WEBHOOK_CERT_OK;
	}
	/* failed without saying why */
	*reason = cert_check_failed;
	return WEBHOOK_CERT_FAILURE;
}

/*
 * verify_chain: verify leaf's chain, built with untrusted, to the anchors
 * in store at time now_unix.  anchors_only (the store is the caller's
 * ca_pem) makes every certificate in the store an anchor, root or not.
 * The result and *reason are chain_result's, or FAILURE if OpenSSL
 * failed before verifying.  The verify context is freed before it
 * returns.
 */
static WebhookCertResult
verify_chain(X509_STORE *store, bool anchors_only, X509 *leaf,
			 STACK_OF(X509) *untrusted, int64 now_unix, const char **reason)
{
	X509_STORE_CTX *ctx;
	X509_VERIFY_PARAM *param;
	CertVerifyState st;
	int			rc;

	memset(&st, 0, sizeof(st));

	ctx = X509_STORE_CTX_new();
	if (ctx == NULL)
	{
		*reason = cert_check_failed;
		return WEBHOOK_CERT_FAILURE;
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
	{
		X509_STORE_CTX_free(ctx);
		*reason = cert_check_failed;
		return WEBHOOK_CERT_FAILURE;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t) now_unix);
	if (anchors_only)
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_app_data(ctx, &st);
	X509_STORE_CTX_set_verify_cb(ctx, cert_verify_cb);

	rc = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);

	return chain_result(&st, rc, reason);
}

/*
 * WebhookCertCheck: see cert.h.  The leaf's own checks, then its chain.
 * Every OpenSSL object is freed and the error queue cleared before it
 * returns.
 */
WebhookCertResult
WebhookCertCheck(const char *pem, size_t pem_len,
				 const char *ca_pem, size_t ca_len,
				 int64 now_unix, int64 *not_after_unix,
				 const char **why)
{
	STACK_OF(X509) *certs;
	STACK_OF(X509) *untrusted = NULL;
	X509	   *leaf;
	X509_STORE *store = NULL;
	bool		own_store = false;
	WebhookCertResult result;
	const char *reason = NULL;

	certs = pem_read_certs(pem, pem_len);
	if (certs == NULL)
	{
		result = WEBHOOK_CERT_UNPARSABLE;
		reason = "no certificate could be read from the PEM text";
		goto done;
	}
	leaf = sk_X509_value(certs, 0);

	result = check_leaf(leaf, not_after_unix, &reason);
	if (result != WEBHOOK_CERT_OK)
		goto done;

	untrusted = intermediates(certs);
	if (untrusted == NULL)
	{
		result = WEBHOOK_CERT_FAILURE;
		reason = cert_check_failed;
		goto done;
	}

	result = trust_anchors(ca_pem, ca_len, &store, &own_store, &reason);
	if (result != WEBHOOK_CERT_OK)
		goto done;

	result = verify_chain(store, own_store, leaf, untrusted, now_unix,
						  &reason);

done:
	if (own_store)
		X509_STORE_free(store);
	/* untrusted borrows from certs */
	if (untrusted != NULL)
		sk_X509_free(untrusted);
	if (certs != NULL)
		sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	if (why != NULL)
		*why = reason;
	return result;
}

/*
 * pem_public_key: the public key of the first certificate in pem, else of
 * its first PUBLIC KEY block; NULL if neither.  The caller frees it.
 */
static EVP_PKEY *
pem_public_key(const char *pem, size_t len)
{
	BIO		   *bio;
	X509	   *x;
	EVP_PKEY   *pkey = NULL;

	bio = pem_bio(pem, len);
	if (bio == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, no_password, NULL);
	BIO_free(bio);
	if (x != NULL)
	{
		pkey = X509_get_pubkey(x);	/* its own reference */
		X509_free(x);
		ERR_clear_error();
		return pkey;
	}

	bio = pem_bio(pem, len);
	if (bio == NULL)
		return NULL;
	pkey = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
	BIO_free(bio);
	ERR_clear_error();
	return pkey;
}

/*
 * pem_rsa_key: as pem_public_key, but NULL unless the key is plain RSA.
 */
static EVP_PKEY *
pem_rsa_key(const char *pem, size_t len)
{
	EVP_PKEY   *pkey = pem_public_key(pem, len);

	if (pkey != NULL && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
	{
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	return pkey;
}

/*
 * The RSA keys of the last few certificates used, by the SHA-256 of their
 * PEM text: OpenSSL 3 takes longer to decode a PEM certificate than to
 * verify a signature with its key, and a provider signs with one
 * certificate for months.  Only keys that decoded are kept; the digest
 * names the exact text, so a changed certificate is decoded afresh.
 * Entries hold their own reference, handed out with EVP_PKEY_up_ref.
 */
#define KEY_CACHE_SIZE 8

typedef struct KeyCacheEntry
{
	unsigned char pem_sha256[32];
	EVP_PKEY   *pkey;			/* NULL: unused */
} KeyCacheEntry;

static KeyCacheEntry key_cache[KEY_CACHE_SIZE];
static int	key_cache_next = 0;

/* pem_rsa_key through the cache; the caller frees its reference. */
static EVP_PKEY *
cached_rsa_key(const char *pem, size_t len)
{
	unsigned char sha[32];
	EVP_PKEY   *pkey;
	KeyCacheEntry *e;

	if (!WebhookSha256((const unsigned char *) pem, len, sha))
		return pem_rsa_key(pem, len);
	for (int i = 0; i < KEY_CACHE_SIZE; i++)
	{
		e = &key_cache[i];
		if (e->pkey != NULL && memcmp(e->pem_sha256, sha, sizeof(sha)) == 0)
			return EVP_PKEY_up_ref(e->pkey) == 1 ? e->pkey : pem_rsa_key(pem, len);
	}
	pkey = pem_rsa_key(pem, len);
	if (pkey == NULL || EVP_PKEY_up_ref(pkey) != 1)
		return pkey;
	e = &key_cache[key_cache_next];
	key_cache_next = (key_cache_next + 1) % KEY_CACHE_SIZE;
	if (e->pkey != NULL)
		EVP_PKEY_free(e->pkey);
	memcpy(e->pem_sha256, sha, sizeof(sha));
	e->pkey = pkey;
	return pkey;
}

/*
 * WebhookRsaSha256Verify: see cert.h.
 */
int
WebhookRsaSha256Verify(const char *pem, size_t pem_len,
					   const unsigned char *msg, size_t msg_len,
					   const unsigned char *sig, size_t sig_len)
{
	static const unsigned char empty[1] = {0};
	EVP_PKEY   *pkey;
	EVP_MD_CTX *mdctx = NULL;
	int			result = -1;
	int			rc;

	pkey = cached_rsa_key(pem, pem_len);
	if (pkey == NULL)
		return -1;

	if (sig == NULL || sig_len == 0 || sig_len != (size_t) EVP_PKEY_get_size(pkey))
	{
		result = 0;
		goto done;
	}
	if (msg == NULL)
	{
		msg = empty;
		msg_len = 0;
	}

	mdctx = EVP_MD_CTX_new();
	if (mdctx == NULL)
		goto done;
	/* RSA keys default to PKCS#1 v1.5 padding */
	if (EVP_DigestVerifyInit_ex(mdctx, NULL, "SHA256", NULL, NULL, pkey, NULL) != 1)
		goto done;
	rc = EVP_DigestVerify(mdctx, sig, sig_len, msg, msg_len);
	if (rc == 1)
		result = 1;
	else if (rc == 0)
		result = 0;

done:
	if (mdctx != NULL)
		EVP_MD_CTX_free(mdctx);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return result;
}

/*
 * WebhookRsaKeyBits: see cert.h.
 */
int
WebhookRsaKeyBits(const char *pem, size_t pem_len)
{
	EVP_PKEY   *pkey = pem_rsa_key(pem, pem_len);
	int			bits;

	if (pkey == NULL)
		return -1;
	bits = EVP_PKEY_get_bits(pkey);
	EVP_PKEY_free(pkey);
	return bits > 0 ? bits : -1;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_paypal.c
 *	  libFuzzer harness for the pure functions of src/paypal.c: the
 *	  PAYPAL-CERT-URL allow-list, the signed message and the signature
 *	  check (with its strict base64).
 *
 * Input, one field a line, the rest being the body:
 *	PAYPAL-CERT-URL, PAYPAL-TRANSMISSION-ID, PAYPAL-TRANSMISSION-TIME,
 *	webhook id, PAYPAL-TRANSMISSION-SIG, body
 *
 * WebhookPaypalCertUrlAllowed is compared with a reference written from
 * its contract in paypal.h, with the default hosts and with a list of
 * hosts of its own; WebhookPaypalMessage with a reference message (CRC-32
 * computed bit by bit here); WebhookPaypalVerify with a reference that
 * checks the signature with OpenSSL directly, against test_public_key.
 * The seed corpus holds messages really signed with that key's private
 * half (which is nowhere in the repository), so the VERIFIED path is
 * reached too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "headers.h"
#include "paypal.h"
#include "verify.h"

#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The RSA-2048 key the seeds are signed with (the public half). */
static const char test_public_key[] =
"-----BEGIN PUBLIC KEY-----\n"
"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxP8n8/n3LrxQGNNH4KzN\n"
"jmU+VJUUSeb+CPBG3L7T9GGn7J0rsMWICJmVxidWLPDRSvSy0eyPTMZ47M/iyhO1\n"
"EJAowh3QV9NgMlDuanVA8Diq17IZJGYXyJNPmYFoU0OLaICC/98Co1YDqC99KRlg\n"
"7cKmJrKPw9seUhY1MnmFGoEyYRLgPRU1yQQ767nOhuA+qY1AFjRIsl95SNkBgTMN\n"
"Fkn4/0MdJ3x84Fb2gqpLEZaROP66C7nH+sA66Utk41VapbqtdBc4IR/Fo7aIwHXI\n"
"Rwz+/Ib7ha8uq98W6INfSoWbpYQbgu8P3jyTRCLlTZt5BnMiutaXeNd/Wgu8s3zb\n"
"HQIDAQAB\n"
"-----END PUBLIC KEY-----\n";

/* Longest URL and signature the contracts accept. */
#define REF_MAX_URL 2048
#define REF_MAX_SIG 1024

/* A host list of our own: odd case, a NULL entry, a name no URL can match. */
static const char *const own_hosts[] = {
	"hooks.example.test", NULL, "API-M.PayPal.com", "bad_host.example"
};

/* ------------------------------------------------------------------------
 * certificate URL
 * ------------------------------------------------------------------------
 */

static bool
ref_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.';
}

/*
 * ref_url_allowed: "https://" (any case), a host of DNS characters equal
 * (any case) to one of hosts, then a path and query of
 * [A-Za-z0-9._~/?=&-] whose path segments are neither "." nor "..", and
 * not empty except for the last; 2048 bytes at most.
 */
static bool
ref_url_allowed(const char *url, size_t len, const char *const *hosts, int nhosts)
{
	const char *slash;
	const char *q;
	size_t		host_len;
	const char *seg;
	const char *path_end;
	bool		host_ok = false;
	size_t		i;

	if (len <= 8 || len > REF_MAX_URL || !ref_eq_nocase(url, "https://", 8))
		return false;
	slash = memchr(url + 8, '/', len - 8);
	if (slash == NULL)
		return false;
	host_len = (size_t) (slash - (url + 8));
	if (host_len == 0)
		return false;
	for (i = 0; i < host_len; i++)
	{
		if (!ref_host_char(url[8 + i]))
			return false;
	}
	if (hosts == NULL || nhosts <= 0)
	{
		hosts = WebhookPaypalDefaultHosts;
		nhosts = WEBHOOK_PAYPAL_NDEFAULT_HOSTS;
	}
	for (i = 0; i < (size_t) nhosts; i++)
	{
		if (hosts[i] != NULL && strlen(hosts[i]) == host_len &&
			ref_eq_nocase(url + 8, hosts[i], host_len))
			host_ok = true;
	}
	if (!host_ok)
		return false;

	for (i = (size_t) (slash - url); i < len; i++)
	{
		if (url[i] == '\0' ||
			(!ref_host_char(url[i]) && strchr("_~/?=&", url[i]) == NULL))
			return false;
	}

	q = memchr(slash, '?', len - (size_t) (slash - url));
	path_end = q ? q : url + len;
	seg = slash + 1;
	for (;;)
	{
		const char *next = memchr(seg, '/', (size_t) (path_end - seg));
		const char *seg_end = next ? next : path_end;
		size_t		n = (size_t) (seg_end - seg);

		if (n == 0 && next != NULL)
			return false;		/* "//" */
		if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (next == NULL)
			break;
		seg = next + 1;
	}
	return true;
}

static void
check_url(const char *url, size_t len)
{
	CHECK(WebhookPaypalCertUrlAllowed(url, len, NULL, 0) ==
		  ref_url_allowed(url, len, NULL, 0));
	CHECK(WebhookPaypalCertUrlAllowed(url, len, own_hosts, lengthof(own_hosts)) ==
		  ref_url_allowed(url, len, own_hosts, lengthof(own_hosts)));
	/* a list with no entries means the defaults */
	CHECK(WebhookPaypalCertUrlAllowed(url, len, own_hosts, 0) ==
		  WebhookPaypalCertUrlAllowed(url, len, NULL, 0));
	CHECK(WebhookPaypalCertUrlAllowed(url, len, own_hosts, -1) ==
		  WebhookPaypalCertUrlAllowed(url, len, NULL, 0));
}

/* ------------------------------------------------------------------------
 * message and signature
 * ------------------------------------------------------------------------
 */

/* ref_crc32: CRC-32/ISO-HDLC (zlib's), bit by bit. */
static uint32
ref_crc32(const unsigned char *p, size_t n)
{
	uint32		crc = 0xFFFFFFFF;
	size_t		i;
	int			k;

	for (i = 0; i < n; i++)
	{
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
	}
	return ~crc;
}

/* ref_message: "id|time|webhook_id|crc32" (id and time may hold NULs). */
static char *
ref_message(const char *id, size_t id_len, const char *tm, size_t tm_len,
			const char *wid, const unsigned char *body, size_t blen, size_t *len)
{
	char		crc[16];
	size_t		wlen = strlen(wid);
	size_t		clen = (size_t) snprintf(crc, sizeof(crc), "%u",
										 (unsigned int) ref_crc32(body, blen));
	char	   *m = fuzz_alloc(id_len + tm_len + wlen + clen + 4);
	size_t		o = 0;

	if (id_len > 0)
		memcpy(m + o, id, id_len);
	o += id_len;
	m[o++] = '|';
	if (tm_len > 0)
		memcpy(m + o, tm, tm_len);
	o += tm_len;
	m[o++] = '|';
	memcpy(m + o, wid, wlen);
	o += wlen;
	m[o++] = '|';
	memcpy(m + o, crc, clen);
	o += clen;
	m[o] = '\0';
	*len = o;
	return m;
}

static EVP_PKEY *
test_key(void)
{
	static EVP_PKEY *key = NULL;

	if (key == NULL)
	{
		BIO		   *bio = BIO_new_mem_buf(test_public_key, -1);

		CHECK(bio != NULL);
		key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		CHECK(key != NULL);
		BIO_free(bio);
	}
	return key;
}

/* ref_rsa_verify: RSA PKCS#1 v1.5 SHA-256 of msg[0..len) with the test key. */
static bool
ref_rsa_verify(const char *msg, size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int			rc;

	CHECK(ctx != NULL);
	CHECK(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, test_key()) == 1);
	rc = EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *) msg, len);
	EVP_MD_CTX_free(ctx);
	return rc == 1;
}

static void
check_message_and_sig(const char *id, size_t id_len, const char *tm, size_t tm_len,
					  const char *wid, const char *sig, size_t sig_len,
					  const unsigned char *body, size_t blen, bool check_no_key)
{
	static const char no_key[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
	char	   *msg;
	char	   *ref;
	size_t		ref_len;
	unsigned char *dec;
	size_t		declen = 0;
	WebhookVerdict expect;
	char	   *pem;

	msg = WebhookPaypalMessage(id, id_len, tm, tm_len, wid, body, blen);
	ref = ref_message(id, id_len, tm, tm_len, wid, body, blen, &ref_len);
	CHECK(memcmp(msg, ref, ref_len + 1) == 0);
	pfree(msg);

	dec = fuzz_alloc(sig_len * 3 / 4 + 3);
	if (sig_len > WEBHOOK_BASE64_ENCODED_LEN(REF_MAX_SIG) ||
		!ref_b64_decode(sig, sig_len, false, dec, &declen) || declen > REF_MAX_SIG)
		expect = WEBHOOK_MALFORMED_HEADER;
	else
		expect = ref_rsa_verify(ref, strlen(ref), dec, declen) ?
			WEBHOOK_VERIFIED : WEBHOOK_INVALID_SIGNATURE;

	pem = fuzz_dup(test_public_key, strlen(test_public_key));
	CHECK(WebhookPaypalVerify(id, id_len, tm, tm_len, wid, sig, sig_len,
							  pem, strlen(test_public_key), body, blen) == expect);
	free(pem);

	/*
	 * A PEM without a usable key: only a malformed signature says so first.
	 * A PEM parse costs OpenSSL more than all the rest of an input, and
	 * this path is always the same: checked on one input in 16.
	 */
	if (check_no_key)
	{
		pem = fuzz_dup(no_key, strlen(no_key));
		CHECK(WebhookPaypalVerify(id, id_len, tm, tm_len, wid, sig, sig_len,
								  pem, strlen(no_key), body, blen) ==
			  (expect == WEBHOOK_MALFORMED_HEADER ? WEBHOOK_MALFORMED_HEADER :
			   WEBHOOK_CRYPTO_FAILURE));
		free(pem);
	}
	free(dec);
	free(ref);
}

/* ------------------------------------------------------------------------ */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzCursor	c = {(const char *) data, size};
	const char *l[5];
	size_t		n[5];
	char	   *f[5];
	char	   *wid;
	unsigned char *body;
	int			i;

	for (i = 0; i < 5; i++)
	{
		fuzz_line(&c, &l[i], &n[i]);
		f[i] = fuzz_dup(l[i], n[i]);
	}
	body = (unsigned char *) fuzz_dup(c.p, c.len);

	check_url(f[0], n[0]);
	{
		/* the whole input as one URL, newlines and all */
		char	   *all = fuzz_dup(data, size);

		check_url(all, size);
		free(all);
	}

	wid = fuzz_cstring(f[3], n[3]);
	check_message_and_sig(f[1], n[1], f[2], n[2], wid, f[4], n[4], body, c.len,
						  ref_crc32(data, size) % 16 == 0);
	free(wid);

	for (i = 0; i < 5; i++)
		free(f[i]);
	free(body);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  What the libFuzzer harnesses share: the CHECK assertion, exact-size
 *	  copies (so that AddressSanitizer sees a read one byte too far), a
 *	  cursor over the input, and reference implementations of the encodings
 *	  and the HTTP date written independently of src/headers.c, from the
 *	  contracts in src/headers.h.
 *
 * Include after postgres.h.  Everything here is static: each harness is one
 * translation unit plus the objects under test.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_FUZZ_COMMON_H
#define WEBHOOK_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The references below use the C library, not PostgreSQL's port layer. */
#undef snprintf
#undef vsnprintf
#undef fprintf
#undef printf

/*
 * CHECK: abort (a crash for libFuzzer, which saves the input) when cond is
 * false.  Active in every build, unlike Assert.
 */
#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
					__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* Byte used to fill output buffers, to see what a call wrote. */
#define FUZZ_CANARY 0xA5

/*
 * fuzz_alloc: n bytes on the heap, exactly (a read or write at p[n] is an
 * AddressSanitizer report), filled with FUZZ_CANARY.  Never NULL.
 */
static inline void *
fuzz_alloc(size_t n)
{
	void	   *p = malloc(n);

	if (p == NULL && n == 0)
		p = malloc(1);
	if (p == NULL)
		abort();
	memset(p, FUZZ_CANARY, n);
	return p;
}

/* fuzz_dup: an exact-size heap copy of p[0..n). */
static inline char *
fuzz_dup(const void *p, size_t n)
{
	char	   *q = fuzz_alloc(n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* fuzz_untouched: whether p[0..n) still holds only FUZZ_CANARY. */
static inline bool
fuzz_untouched(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (b[i] != FUZZ_CANARY)
			return false;
	}
	return true;
}

/*
 * A cursor over the input, cut into '\n'-terminated lines: the harnesses
 * read their fields one line each (so that seed files are plain text), the
 * last field being "the rest".
 */
typedef struct FuzzCursor
{
	const char *p;
	size_t		len;
} FuzzCursor;

/* fuzz_line: the next line (without its '\n'); the whole rest if none. */
static inline void
fuzz_line(FuzzCursor *c, const char **s, size_t *n)
{
	const char *nl = c->len > 0 ? memchr(c->p, '\n', c->len) : NULL;

	*s = c->p;
	if (nl == NULL)
	{
		*n = c->len;
		c->p += c->len;
		c->len = 0;
	}
	else
	{
		*n = (size_t) (nl - c->p);
		c->p = nl + 1;
		c->len -= *n + 1;
	}
}

/* fuzz_cstring: a NUL-terminated heap copy of s[0..n) (free it). */
static inline char *
fuzz_cstring(const char *s, size_t n)
{
	char	   *q = fuzz_alloc(n + 1);

	if (n > 0)
		memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

/* ref_lower: ASCII-only lower case (as the C locale's tolower). */
static inline unsigned char
ref_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

/* ref_eq_nocase: a[0..n) and b[0..n) are equal but for ASCII case. */
static inline bool
ref_eq_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ref_lower((unsigned char) a[i]) != ref_lower((unsigned char) b[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------------
 * Reference hex.
 * ------------------------------------------------------------------------
 */

/* ref_hex_value: 0..15 for a hex digit of either case, else -1. */
static inline int
ref_hex_value(unsigned char c)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(digits, c);
	return p == NULL ? -1 : (int) ((p - digits) % 16);
}

/*
 * ref_hex_decode: strict hex (even length, nothing but digits) into out,
 * which has room for len / 2 bytes; false if not hex.
 */
static inline bool
ref_hex_decode(const char *in, size_t len, unsigned char *out)
{
	size_t		i;

	if (len % 2 != 0)
		return false;
	for (i = 0; i < len / 2; i++)
	{
		int			hi = ref_hex_value((unsigned char) in[2 * i]);
		int			lo = ref_hex_value((unsigned char) in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char) (hi * 16 + lo);
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Reference base64 (RFC 4648 section 4), by grammar rather than by state
 * machine:  quantum* last, where a quantum is four alphabet characters and
 * last is empty, "xx==", "xxx=", or (unpadded allowed) "xx" or "xxx".
 * Bits are taken 6 at a time; whole bytes are output, trailing bits
 * dropped whatever their value.
 * ------------------------------------------------------------------------
 */

static inline int
ref_b64_value(unsigned char c)
{
	static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(alphabet, c);
	return p == NULL ? -1 : (int) (p - alphabet);
}

/*
 * ref_b64_decode: whether in[0..len) is valid; if so, and out is not NULL,
 * the bytes go to out (room for len * 3 / 4 + 3); *outlen their number.
 */
static inline bool
ref_b64_decode(const char *in, size_t len, bool allow_unpadded,
			   unsigned char *out, size_t *outlen)
{
	size_t		data_len;
	size_t		i;
	uint64		bitbuf = 0;
	int			nbits = 0;
	size_t		o = 0;

	if (len % 4 == 0)
	{
		/* whole quanta: '=' only as "x=" or "==" at the very end */
		data_len = len;
		if (len >= 1 && in[len - 1] == '=')
			data_len--;
		if (len >= 2 && in[len - 1] == '=' && in[len - 2] == '=')
			data_len--;
		/* any other '=' ("x===", "=AAA") fails the alphabet below */
	}
	else
	{
		if (!allow_unpadded || len % 4 == 1)
			return false;
		data_len = len;
	}
	for (i = 0; i < data_len; i++)
	{
		int			v = ref_b64_value((unsigned char) in[i]);

		if (v < 0)
			return false;
		bitbuf = (bitbuf << 6) | (uint64) v;
		nbits += 6;
		if (nbits >= 8)
		{
			nbits -= 8;
			if (out != NULL)
				out[o] = (unsigned char) (bitbuf >> nbits);
			o++;
			bitbuf &= ((uint64) 1 << nbits) - 1;
		}
	}
	*outlen = o;
	return true;
}

/* ref_b64_encode: padded base64 of in[0..len) into out; chars written. */
static inline size_t
ref_b64_encode(const unsigned char *in, size_t len, char *out)
{
	static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		o = 0;
	size_t		bit;
	size_t		nbits = len * 8;

	for (bit = 0; bit < nbits; bit += 6)
	{
		int			v = 0;
		int			k;

		for (k = 0; k < 6; k++)
		{
			size_t		b = bit + (size_t) k;

			v <<= 1;
			if (b < nbits && (in[b / 8] >> (7 - b % 8)) & 1)
				v |= 1;
		}
		out[o++] = alphabet[v];
	}
	while (o % 4 != 0)
		out[o++] = '=';
	return o;
}

/* ------------------------------------------------------------------------
 * Reference HTTP date: the C library's timegm/gmtime_r, and "canonical"
 * meaning that formatting the parsed fields gives back the very string.
 * ------------------------------------------------------------------------
 */

static const char *const ref_wday_names[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const ref_month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define REF_DATE_MIN	INT64CONST(-62167219200)
#define REF_DATE_MAX	INT64CONST(253402300799)

/* ref_format_date: t (in range) as "Sun, 06 Nov 1994 08:49:37 GMT". */
static inline void
ref_format_date(int64 t, char out[30])
{
	time_t		tt = (time_t) t;
	struct tm	tm;

	CHECK(gmtime_r(&tt, &tm) != NULL);
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT",
			 ref_wday_names[tm.tm_wday], tm.tm_mday, ref_month_names[tm.tm_mon],
			 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * ref_parse_date: whether s[0..len) is an IMF-fixdate that formats back to
 * itself (so: right weekday, real day of month, two-digit fields in
 * range), seconds "60" standing for the next second; *t its Unix seconds.
 */
static inline bool
ref_parse_date(const char *s, size_t len, int64 *t)
{
	static const int digit_pos[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
	char		buf[30];
	char		canon[30];
	struct tm	tm;
	time_t		tt;
	bool		leap;
	int			mon = -1;
	int			i;

	if (len != 29)
		return false;
	memcpy(buf, s, 29);
	buf[29] = '\0';
	for (i = 0; i < (int) lengthof(digit_pos); i++)
	{
		if (buf[digit_pos[i]] < '0' || buf[digit_pos[i]] > '9')
			return false;
	}
	for (i = 0; i < 12; i++)
	{
		if (memcmp(buf + 8, ref_month_names[i], 3) == 0)
			mon = i;
	}
	if (mon < 0)
		return false;
	leap = buf[23] == '6' && buf[24] == '0';
	if (leap)
	{
		buf[23] = '5';
		buf[24] = '9';
	}

	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = (buf[5] - '0') * 10 + (buf[6] - '0');
	tm.tm_mon = mon;
	tm.tm_year = (buf[12] - '0') * 1000 + (buf[13] - '0') * 100 +
		(buf[14] - '0') * 10 + (buf[15] - '0') - 1900;
	tm.tm_hour = (buf[17] - '0') * 10 + (buf[18] - '0');
	tm.tm_min = (buf[20] - '0') * 10 + (buf[21] - '0');
	tm.tm_sec = (buf[23] - '0') * 10 + (buf[24] - '0');
	tt = timegm(&tm);
	if (tt < REF_DATE_MIN || tt > REF_DATE_MAX)
		return false;
	ref_format_date((int64) tt, canon);
	if (memcmp(canon, buf, 29) != 0)
		return false;
	*t = (int64) tt + (leap ? 1 : 0);
	return true;
}

#endif							/* WEBHOOK_FUZZ_COMMON_H */

/*-------------------------------------------------------------------------
 *
 * headers.c
 *	  Pure, length-bounded parsing of what a sender controls: header
 *	  lookup, "k=v" lists, hex and base64, strict integers and HTTP dates.
 *
 * Invariants: no SPI, no allocation, no ereport, no locale.  Every input is
 * a pointer and a length and is never read past that length nor assumed to
 * be NUL-terminated; every output buffer is written only within the
 * capacity the caller gave.  These are the functions a fuzzer targets.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "headers.h"

static const char hex_digits[] = "0123456789abcdef";

static const char base64_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const wday_names[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Unix seconds of 0000-01-01 00:00:00 and 9999-12-31 23:59:59 UTC. */
#define WEBHOOK_HTTP_DATE_MIN	INT64CONST(-62167219200)
#define WEBHOOK_HTTP_DATE_MAX	INT64CONST(253402300799)

/*
 * ascii_lower: c folded to lower case if it is an ASCII capital letter.
 */
static inline unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}

/*
 * ascii_eq_nocase: whether a[0..len) equals b[0..len) ignoring ASCII case.
 */
static bool
ascii_eq_nocase(const char *a, const char *b, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (ascii_lower((unsigned char) a[i]) != ascii_lower((unsigned char) b[i]))
			return false;
	}
	return true;
}

/*
 * WebhookFindHeader: look name up (ASCII case-insensitively) among n
 * headers.  FOUND with *out set when exactly one matches, DUPLICATE when
 * two or more do, MISSING otherwise.
 */
WebhookHeaderFind
WebhookFindHeader(const WebhookHeader *headers, int n, const char *name,
				  const WebhookHeader **out)
{
	size_t		name_len = strlen(name);
	const WebhookHeader *found = NULL;
	int			i;

	for (i = 0; i < n; i++)
	{
		const WebhookHeader *h = &headers[i];

		if (h->name == NULL || h->name_len < 0 ||
			(size_t) h->name_len != name_len)
			continue;
		if (!ascii_eq_nocase(h->name, name, name_len))
			continue;
		if (found != NULL)
			return WEBHOOK_HEADER_DUPLICATE;
		found = h;
	}
	if (found == NULL)
		return WEBHOOK_HEADER_MISSING;
	if (out != NULL)
		*out = found;
	return WEBHOOK_HEADER_FOUND;
}

/*
 * WebhookSplitKV: split s[0..len) on sep into items, each split at its
 * first '='.  Items are not trimmed; an empty input is one empty item and
 * so fails.  Returns the number of items, or -1 if an item lacks '=' or
 * there are more than max items.
 */
int
WebhookSplitKV(const char *s, size_t len, char sep, WebhookKV *items, int max)
{
	size_t		start = 0;
	int			n = 0;

	for (;;)
	{
		size_t		end = start;
		size_t		eq;

		while (end < len && s[end] != sep)
			end++;

		for (eq = start; eq < end && s[eq] != '='; eq++)
			;
		if (eq == end)
			return -1;			/* no '=' in this item */
		if (n >= max)
			return -1;

		items[n].key = s + start;
		items[n].key_len = (int) (eq - start);
		items[n].val = s + eq + 1;
		items[n].val_len = (int) (end - eq - 1);
		n++;

		if (end >= len)
			break;
		start = end + 1;		/* skip the separator */
	}
	return n;
}

/*
 * hex_value: the value of one hex digit (either case), or -1.
 */
static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * WebhookHexDecode: strict hex (either case, even length, nothing else)
 * into out, at most outcap bytes.  false if the input is not hex or the
 * result does not fit; out is then not written.
 */
bool
WebhookHexDecode(const char *in, size_t len, unsigned char *out,
				 size_t outcap, size_t *outlen)
{
	size_t		i;

	if (len % 2 != 0 || len / 2 > outcap)
		return false;
	for (i = 0; i < len; i++)
	{
		if (hex_value((unsigned char) in[i]) < 0)
			return false;
	}
	for (i = 0; i < len; i += 2)
		out[i / 2] = (unsigned char) ((hex_value((unsigned char) in[i]) << 4) |
									  hex_value((unsigned char) in[i + 1]));
	*outlen = len / 2;
	return true;
}

/*
 * WebhookHexEncode: lower-case hex of in[0..len) into out (2*len chars, no
 * NUL).
 */
void
WebhookHexEncode(const unsigned char *in, size_t len, char *out)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 0x0F];
	}
}

/*
 * base64_value: the value of one character of the standard alphabet, or -1.
 */
static inline int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * WebhookBase64Decode: strict standard base64 into out, at most outcap
 * bytes.  '=' may appear only as the padding of the final quantum (one or
 * two of them); without allow_unpadded the input must be a whole number
 * of quanta.  Non-zero trailing bits in the last character are accepted.
 * false if invalid or the result does not fit; out is then not written
 * past outcap.
 */
bool
WebhookBase64Decode(const char *in, size_t len, bool allow_unpadded,
					unsigned char *out, size_t outcap, size_t *outlen)
{
	size_t		data_len = len;
	size_t		pad = 0;
	size_t		tail;
	size_t		need;
	size_t		i;
	size_t		o = 0;
	uint32		acc = 0;
	int			bits = 0;

	/* count trailing padding: at most two, only when the input is padded */
	while (data_len > 0 && in[data_len - 1] == '=' && pad < 3)
	{
		data_len--;
		pad++;
	}
	if (pad > 2)
		return false;
	if (pad > 0 && len % 4 != 0)
		return false;			/* padding must complete a quantum */
	if (pad == 0 && len % 4 != 0 && !allow_unpadded)
		return false;

	tail = data_len % 4;
	if (tail == 1)
		return false;			/* one char holds only six bits */
	if (pad > 0 && pad != 4 - tail)
		return false;			/* "AAA==" style: wrong amount of padding */

	need = (data_len / 4) * 3 + (tail == 0 ? 0 : tail - 1);
	if (need > outcap)
		return false;

	for (i = 0; i < data_len; i++)
	{
		int			v = base64_value((unsigned char) in[i]);

		if (v < 0)
			return false;
	}

	for (i = 0; i < data_len; i++)
	{
		acc = (acc << 6) | (uint32) base64_value((unsigned char) in[i]);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out[o++] = (unsigned char) ((acc >> bits) & 0xFF);
		}
	}
	Assert(o == need);
	*outlen = o;
	return true;
}

/*
 * WebhookBase64Encode: standard padded base64 of in[0..len) into out;
 * returns the number of chars written (WEBHOOK_BASE64_ENCODED_LEN(len)),
 * no NUL.
 */
size_t
WebhookBase64Encode(const unsigned char *in, size_t len, char *out)
{
	size_t		i = 0;
	size_t		o = 0;

	while (i + 3 <= len)
	{
		uint32		v = ((uint32) in[i] << 16) | ((uint32) in[i + 1] << 8) | in[i + 2];

		out[o++] = base64_alphabet[(v >> 18) & 0x3F];
		out[o++] = base64_alphabet[(v >> 12) & 0x3F];
		out[o++] = base64_alphabet[(v >> 6) & 0x3F];
		out[o++] = base64_alphabet[v & 0x3F];
		i += 3;
	}
	if (len - i == 1)
	{
		uint32		v = (uint32) in[i] << 16;

		out[o++] = base64_alphabet[(v >> 18) & 0x3F];
		out[o++] = base64_alphabet[(v >> 12) & 0x3F];
		out[o++] = '=';
		out[o++] = '=';
	}
	else if (len - i == 2)
	{
		uint32		v = ((uint32) in[i] << 16) | ((uint32) in[i + 1] << 8);

		out[o++] = base64_alphabet[(v >> 18) & 0x3F];
		out[o++] = base64_alphabet[(v >> 12) & 0x3F];
		out[o++] = base64_alphabet[(v >> 6) & 0x3F];
		out[o++] = '=';
	}
	return o;
}

/*
 * WebhookParseUnsigned: a strict non-negative decimal integer of 1 to 18
 * digits (no sign, space or fraction) into *out.  false otherwise.
 */
bool
WebhookParseUnsigned(const char *s, size_t len, int64 *out)
{
	int64		v = 0;
	size_t		i;

	if (len < 1 || len > 18)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * days_from_civil: days since 1970-01-01 of a proleptic Gregorian date
 * (H. Hinnant's algorithm; exact for every year we accept).
 */
static int64
days_from_civil(int64 y, int m, int d)
{
	int64		era;
	int64		yoe;
	int64		doy;
	int64		doe;

	y -= (m <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * civil_from_days: the inverse of days_from_civil.
 */
static void
civil_from_days(int64 z, int64 *y, int *m, int *d)
{
	int64		era;
	int64		doe;
	int64		yoe;
	int64		doy;
	int64		mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * weekday_of: 0 (Sunday) to 6 (Saturday) for days since the epoch.
 */
static int
weekday_of(int64 days)
{
	int64		w = (days + 4) % 7; /* 1970-01-01 was a Thursday */

	return (int) (w < 0 ? w + 7 : w);
}

/*
 * digits: the value of s[0..n) if all decimal digits, else -1.
 */
static int
digits(const char *s, int n)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * WebhookParseHttpDate: an RFC 1123 IMF-fixdate, exactly
 * "Thu, 30 Mar 2023 08:38:32 GMT" (case-sensitive names, two-digit day,
 * four-digit year, "GMT"), to Unix seconds.  The weekday must be the
 * date's; a leap second (:60) is accepted and counts as the next second.
 * false for anything else.
 */
bool
WebhookParseHttpDate(const char *s, size_t len, int64 *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			wday = -1;
	int			mon = -1;
	int			day;
	int			year;
	int			hh;
	int			mi;
	int			ss;
	int			maxday;
	int64		days;
	int			i;

	if (len != 29)
		return false;
	if (s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' ||
		memcmp(s + 26, "GMT", 3) != 0)
		return false;

	for (i = 0; i < 7; i++)
	{
		if (memcmp(s, wday_names[i], 3) == 0)
			wday = i;
	}
	for (i = 0; i < 12; i++)
	{
		if (memcmp(s + 8, month_names[i], 3) == 0)
			mon = i + 1;
	}
	if (wday < 0 || mon < 0)
		return false;

	day = digits(s + 5, 2);
	year = digits(s + 12, 4);
	hh = digits(s + 17, 2);
	mi = digits(s + 20, 2);
	ss = digits(s + 23, 2);
	if (day < 0 || year < 0 || hh < 0 || mi < 0 || ss < 0)
		return false;
	if (hh > 23 || mi > 59 || ss > 60)
		return false;

	maxday = mdays[mon - 1];
	if (mon == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		maxday = 29;
	if (day < 1 || day > maxday)
		return false;

	days = days_from_civil(year, mon, day);
	if (weekday_of(days) != wday)
		return false;

	*out = days * 86400 + hh * 3600 + mi * 60 + ss;
	return true;
}

/*
 * WebhookFormatHttpDate: Unix seconds t as an RFC 1123 IMF-fixdate in out
 * (29 chars and a NUL; out has room for 30).  t is clamped to years 0000
 * to 9999 so that the result always has that shape.
 */
void
WebhookFormatHttpDate(int64 t, char *out)
{
	int64		days;
	int64		secs;
	int64		y;
	int			m;
	int			d;

	if (t < WEBHOOK_HTTP_DATE_MIN)
		t = WEBHOOK_HTTP_DATE_MIN;
	if (t > WEBHOOK_HTTP_DATE_MAX)
		t = WEBHOOK_HTTP_DATE_MAX;

	/* floor division: times before 1970 belong to the day before */
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	secs = t - days * 86400;
	civil_from_days(days, &y, &m, &d);

	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT",
			 wday_names[weekday_of(days)], d, month_names[m - 1], (int) y,
			 (int) (secs / 3600), (int) ((secs / 60) % 60), (int) (secs % 60));
}

bool
WebhookStandardSecretDecode(const char *secret, size_t len, unsigned char *out, size_t outcap,
							size_t *outlen)
{
	if (len >= 6 && strncmp(secret, "whsec_", 6) == 0)
	{
		secret += 6;
		len -= 6;
	}
	return len > 0 && WebhookBase64Decode(secret, len, true, out, outcap, outlen);
}

bool
WebhookFormField(const char *body, size_t len, const char *name, size_t max,
				 const char **value, size_t *value_len)
{
	size_t		nlen = strlen(name);

	*value = NULL;
	*value_len = 0;
	if (body == NULL || len <= nlen + 1 || len - nlen - 1 > max ||
		memcmp(body, name, nlen) != 0 || body[nlen] != '=')
		return false;
	for (size_t i = nlen + 1; i < len; i++)
	{
		unsigned char ch = (unsigned char) body[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			  ch == '_'))
			return false;
	}
	*value = body + nlen + 1;
	*value_len = len - nlen - 1;
	return true;
}

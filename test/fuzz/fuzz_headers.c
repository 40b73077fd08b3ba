/*-------------------------------------------------------------------------
 *
 * fuzz_headers.c
 *	  libFuzzer harness for src/headers.c: every function of headers.h on
 *	  the input, each result checked against the contract in headers.h and
 *	  against the independent references of fuzz_common.h.
 *
 * The input is used whole by every check (as hex, as base64, as a "k=v"
 * list, as header lines, as an integer, as an HTTP date), so one seed
 * file serves all of them.  Every buffer handed to the code under test is
 * exactly as long as the contract says, so a read or write past it is an
 * AddressSanitizer report; output buffers start filled with a canary so
 * that a failed call can be seen not to have written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "headers.h"

#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * a form post of one field
 * ------------------------------------------------------------------------
 */

/*
 * check_form_field: WebhookFormField on s[0..len) and on "id=" + s agrees
 * with the contract in headers.h, and a value it returns lies in the input.
 */
static void
check_form_field_one(const char *s, size_t len, size_t max)
{
	const char *v;
	size_t		vlen;
	bool		want = len > 3 && len - 3 <= max && memcmp(s, "id=", 3) == 0;

	for (size_t i = 3; want && i < len; i++)
	{
		unsigned char ch = (unsigned char) s[i];

		want = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '_';
	}
	CHECK(WebhookFormField(s, len, "id", max, &v, &vlen) == want);
	if (want)
		CHECK(v == s + 3 && vlen == len - 3);
	else
		CHECK(v == NULL && vlen == 0);
}

static void
check_form_field(const char *s, size_t len)
{
	char	   *with = fuzz_alloc(len + 3);

	memcpy(with, "id=", 3);
	if (len > 0)
		memcpy(with + 3, s, len);

	check_form_field_one(s, len, 64);
	check_form_field_one(with, len + 3, 64);
	check_form_field_one(with, len + 3, len > 0 ? len - 1 : 0);
	free(with);
}

/* ------------------------------------------------------------------------
 * hex
 * ------------------------------------------------------------------------
 */

/*
 * check_hex_decode: decoding in[0..len) with room for exactly len / 2
 * bytes agrees with the reference; with one byte less room it fails
 * without writing; what it decodes encodes back to the input, lower-cased.
 */
static void
check_hex_decode(const char *in, size_t len)
{
	size_t		need = len / 2;
	unsigned char *ref = fuzz_alloc(need);
	unsigned char *out = fuzz_alloc(need);
	bool		ref_ok = ref_hex_decode(in, len, ref);
	size_t		outlen = SIZE_MAX;
	bool		ok = WebhookHexDecode(in, len, out, need, &outlen);

	CHECK(ok == ref_ok);
	if (ok)
	{
		char	   *enc = fuzz_alloc(len);
		size_t		i;

		CHECK(outlen == need);
		CHECK(memcmp(out, ref, need) == 0);
		WebhookHexEncode(out, need, enc);
		for (i = 0; i < len; i++)
			CHECK(enc[i] == ((in[i] >= 'A' && in[i] <= 'F') ? in[i] + 32 : in[i]));
		free(enc);

		if (need > 0)
		{
			unsigned char *small = fuzz_alloc(need - 1);

			outlen = SIZE_MAX;
			CHECK(!WebhookHexDecode(in, len, small, need - 1, &outlen));
			CHECK(fuzz_untouched(small, need - 1));
			free(small);
		}
	}
	else
		CHECK(fuzz_untouched(out, need));
	free(ref);
	free(out);
}

/*
 * check_hex_roundtrip: the encoding of any bytes is 2 * len lower-case hex
 * digits that decode back to the bytes.
 */
static void
check_hex_roundtrip(const unsigned char *in, size_t len)
{
	char	   *enc = fuzz_alloc(2 * len);
	unsigned char *dec = fuzz_alloc(len);
	size_t		declen = SIZE_MAX;
	size_t		i;

	WebhookHexEncode(in, len, enc);
	for (i = 0; i < 2 * len; i++)
		CHECK((enc[i] >= '0' && enc[i] <= '9') || (enc[i] >= 'a' && enc[i] <= 'f'));
	CHECK(WebhookHexDecode(enc, 2 * len, dec, len, &declen));
	CHECK(declen == len);
	CHECK(len == 0 || memcmp(dec, in, len) == 0);
	free(enc);
	free(dec);
}

/* ------------------------------------------------------------------------
 * base64
 * ------------------------------------------------------------------------
 */

/*
 * check_b64_decode: decoding in[0..len) agrees with the reference, whether
 * the buffer has exactly the room needed or the documented maximum; with
 * one byte less room it fails without writing.
 */
static void
check_b64_decode(const char *in, size_t len, bool allow_unpadded)
{
	size_t		max = WEBHOOK_BASE64_DECODED_MAX(len);
	unsigned char *ref = fuzz_alloc(len * 3 / 4 + 3);
	size_t		reflen = 0;
	bool		ref_ok = ref_b64_decode(in, len, allow_unpadded, ref, &reflen);
	unsigned char *out = fuzz_alloc(max);
	size_t		outlen = SIZE_MAX;
	bool		ok = WebhookBase64Decode(in, len, allow_unpadded, out, max, &outlen);

	CHECK(ok == ref_ok);
	if (ok)
	{
		unsigned char *exact = fuzz_alloc(reflen);

		CHECK(outlen == reflen);
		CHECK(outlen <= max);
		CHECK(reflen == 0 || memcmp(out, ref, reflen) == 0);

		outlen = SIZE_MAX;
		CHECK(WebhookBase64Decode(in, len, allow_unpadded, exact, reflen, &outlen));
		CHECK(outlen == reflen);
		CHECK(reflen == 0 || memcmp(exact, ref, reflen) == 0);
		free(exact);

		if (reflen > 0)
		{
			unsigned char *small = fuzz_alloc(reflen - 1);

			CHECK(!WebhookBase64Decode(in, len, allow_unpadded, small,
									   reflen - 1, &outlen));
			CHECK(fuzz_untouched(small, reflen - 1));
			free(small);
		}

		/* the canonical encoding of what came out decodes to the same */
		{
			char	   *enc = fuzz_alloc(WEBHOOK_BASE64_ENCODED_LEN(reflen));
			unsigned char *again = fuzz_alloc(reflen);
			size_t		n = WebhookBase64Encode(out, reflen, enc);

			CHECK(n == WEBHOOK_BASE64_ENCODED_LEN(reflen));
			CHECK(WebhookBase64Decode(enc, n, false, again, reflen, &outlen));
			CHECK(outlen == reflen);
			CHECK(reflen == 0 || memcmp(again, out, reflen) == 0);
			free(enc);
			free(again);
		}
	}
	else
		CHECK(fuzz_untouched(out, max));
	free(ref);
	free(out);
}

/*
 * check_b64_roundtrip: any bytes encode to exactly ENCODED_LEN chars, the
 * reference's; they decode back, padded or (allowed) with the padding
 * stripped; stripped padding without allow_unpadded is refused.
 */
static void
check_b64_roundtrip(const unsigned char *in, size_t len)
{
	size_t		enclen = WEBHOOK_BASE64_ENCODED_LEN(len);
	char	   *enc = fuzz_alloc(enclen);
	char	   *ref = fuzz_alloc(enclen);
	unsigned char *dec = fuzz_alloc(len);
	size_t		declen = SIZE_MAX;
	size_t		stripped;
	size_t		n;

	n = WebhookBase64Encode(in, len, enc);
	CHECK(n == enclen);
	CHECK(ref_b64_encode(in, len, ref) == enclen);
	CHECK(enclen == 0 || memcmp(enc, ref, enclen) == 0);
	CHECK(WEBHOOK_BASE64_DECODED_MAX(enclen) >= len);

	CHECK(WebhookBase64Decode(enc, enclen, false, dec, len, &declen));
	CHECK(declen == len);
	CHECK(len == 0 || memcmp(dec, in, len) == 0);

	stripped = enclen;
	while (stripped > 0 && enc[stripped - 1] == '=')
		stripped--;
	CHECK(enclen - stripped <= 2);
	{
		char	   *s = fuzz_dup(enc, stripped);

		declen = SIZE_MAX;
		memset(dec, FUZZ_CANARY, len);
		CHECK(WebhookBase64Decode(s, stripped, true, dec, len, &declen));
		CHECK(declen == len);
		CHECK(len == 0 || memcmp(dec, in, len) == 0);
		if (stripped != enclen)
			CHECK(!WebhookBase64Decode(s, stripped, false, dec, len, &declen));
		free(s);
	}
	free(enc);
	free(ref);
	free(dec);
}

/* ------------------------------------------------------------------------
 * integers
 * ------------------------------------------------------------------------
 */

/*
 * check_unsigned: accepted exactly when 1 to 18 ASCII digits, with the
 * value strtoll gives; *out untouched otherwise.
 */
static void
check_unsigned(const char *s, size_t len)
{
	bool		ref_ok = len >= 1 && len <= 18;
	int64		out = -42;
	bool		ok;
	size_t		i;

	for (i = 0; i < len && ref_ok; i++)
		ref_ok = s[i] >= '0' && s[i] <= '9';
	ok = WebhookParseUnsigned(s, len, &out);
	CHECK(ok == ref_ok);
	if (ok)
	{
		char	   *z = fuzz_cstring(s, len);

		CHECK(out == (int64) strtoll(z, NULL, 10));
		CHECK(out >= 0 && out <= INT64CONST(999999999999999999));
		free(z);
	}
	else
		CHECK(out == -42);
}

/* ------------------------------------------------------------------------
 * "k=v" lists
 * ------------------------------------------------------------------------
 */

/*
 * check_split: WebhookSplitKV(s, len, sep, items, max) against the
 * reference (items are the sep-separated pieces, each needing an '=', at
 * most max of them), and each item against its piece; items is exactly
 * max long.
 */
static void
check_split(const char *s, size_t len, char sep, int max)
{
	WebhookKV  *items = fuzz_alloc(sizeof(WebhookKV) * (size_t) max);
	int			ref_n = 1;
	bool		ref_ok = true;
	size_t		start = 0;
	size_t		i;
	int			n;
	int			k;

	/* reference: count the pieces, and see that each holds an '=' */
	for (i = 0; i <= len; i++)
	{
		if (i == len || s[i] == sep)
		{
			if (memchr(s + start, '=', i - start) == NULL)
				ref_ok = false;
			if (i < len)
				ref_n++;
			start = i + 1;
		}
	}
	if (ref_n > max)
		ref_ok = false;

	n = WebhookSplitKV(s, len, sep, items, max);
	CHECK(n == (ref_ok ? ref_n : -1));
	CHECK(n != 0);
	if (n < 0)
	{
		free(items);
		return;
	}

	/* the items tile s: key '=' val sep key '=' val ... */
	start = 0;
	for (k = 0; k < n; k++)
	{
		const WebhookKV *kv = &items[k];

		CHECK(kv->key == s + start);
		CHECK(kv->key_len >= 0 && kv->val_len >= 0);
		CHECK(kv->val == kv->key + kv->key_len + 1);
		CHECK(start + (size_t) kv->key_len + 1 + (size_t) kv->val_len <= len);
		CHECK(kv->key[kv->key_len] == '=');
		CHECK(memchr(kv->key, '=', kv->key_len) == NULL);
		CHECK(memchr(kv->val, sep, kv->val_len) == NULL);
		start += (size_t) kv->key_len + 1 + (size_t) kv->val_len;
		if (k < n - 1)
		{
			CHECK(s[start] == sep);
			start++;
		}
	}
	CHECK(start == len);
	free(items);
}

/* ------------------------------------------------------------------------
 * header lookup
 * ------------------------------------------------------------------------
 */

#define MAX_FUZZ_HEADERS 64

/*
 * check_find: look name up among hdrs[0..n) and compare with a count of
 * the ASCII-case-insensitive matches.
 */
static void
check_find(const WebhookHeader *hdrs, int n, const char *name)
{
	size_t		name_len = strlen(name);
	const WebhookHeader *first = NULL;
	const WebhookHeader *sentinel = (const WebhookHeader *) &first;
	const WebhookHeader *out = sentinel;
	int			matches = 0;
	int			i;
	WebhookHeaderFind r;

	for (i = 0; i < n; i++)
	{
		if (hdrs[i].name == NULL || hdrs[i].name_len < 0 ||
			(size_t) hdrs[i].name_len != name_len ||
			!ref_eq_nocase(hdrs[i].name, name, name_len))
			continue;
		if (matches++ == 0)
			first = &hdrs[i];
	}

	r = WebhookFindHeader(hdrs, n, name, &out);
	if (matches == 0)
	{
		CHECK(r == WEBHOOK_HEADER_MISSING);
		CHECK(out == sentinel);
	}
	else if (matches == 1)
	{
		CHECK(r == WEBHOOK_HEADER_FOUND);
		CHECK(out == first);
	}
	else
	{
		CHECK(r == WEBHOOK_HEADER_DUPLICATE);
		CHECK(out == sentinel);
	}
	/* out may be NULL */
	CHECK(WebhookFindHeader(hdrs, n, name, NULL) == r);
}

/*
 * check_headers: the input as header lines "Name: value"; a line that
 * starts with \x01 stands for a header with a NULL name, \x02 for one with
 * a negative name_len.  Looked up: the names webhook schemes use, and each
 * line's own name with its case flipped.
 */
static void
check_headers(const char *s, size_t len)
{
	static const char *const known[] = {
		"stripe-signature", "webhook-id", "webhook-timestamp",
		"webhook-signature", "x-hub-signature-256", "x-hub-signature",
		"x-shopify-hmac-sha256", "authorization", "x-ms-date",
		"x-ms-content-sha256", "host", "paypal-transmission-sig",
		"paypal-cert-url", "content-type", ""
	};
	WebhookHeader hdrs[MAX_FUZZ_HEADERS];
	char	   *names[MAX_FUZZ_HEADERS];
	char	   *values[MAX_FUZZ_HEADERS];
	FuzzCursor	c = {s, len};
	int			n = 0;
	int			i;

	while (c.len > 0 && n < MAX_FUZZ_HEADERS)
	{
		const char *line;
		size_t		line_len;
		const char *colon;
		size_t		name_len;
		size_t		vstart;

		fuzz_line(&c, &line, &line_len);
		colon = memchr(line, ':', line_len);
		name_len = colon ? (size_t) (colon - line) : line_len;
		vstart = colon ? name_len + 1 : line_len;
		if (vstart < line_len && line[vstart] == ' ')
			vstart++;
		names[n] = fuzz_dup(line, name_len);
		values[n] = fuzz_dup(line + vstart, line_len - vstart);
		hdrs[n].name = names[n];
		hdrs[n].name_len = (int) name_len;
		hdrs[n].value = values[n];
		hdrs[n].value_len = (int) (line_len - vstart);
		if (line_len > 0 && line[0] == '\x01')
			hdrs[n].name = NULL;
		else if (line_len > 0 && line[0] == '\x02')
			hdrs[n].name_len = -1 - (int) name_len;
		n++;
	}

	for (i = 0; i < (int) lengthof(known); i++)
		check_find(hdrs, n, known[i]);
	for (i = 0; i < n; i++)
	{
		char	   *name;
		size_t		j;

		if (hdrs[i].name == NULL || hdrs[i].name_len < 0 ||
			memchr(names[i], '\0', (size_t) hdrs[i].name_len) != NULL)
			continue;
		name = fuzz_cstring(names[i], (size_t) hdrs[i].name_len);
		for (j = 0; name[j] != '\0'; j++)
		{
			if ((name[j] >= 'a' && name[j] <= 'z') || (name[j] >= 'A' && name[j] <= 'Z'))
				name[j] ^= 0x20;
		}
		check_find(hdrs, n, name);
		check_find(hdrs, i, name);	/* a prefix of the list */
		free(name);
	}
	CHECK(WebhookFindHeader(NULL, 0, "host", NULL) == WEBHOOK_HEADER_MISSING);

	for (i = 0; i < n; i++)
	{
		free(names[i]);
		free(values[i]);
	}
}

/* ------------------------------------------------------------------------
 * HTTP dates
 * ------------------------------------------------------------------------
 */

/*
 * check_date_parse: WebhookParseHttpDate agrees with the reference, and a
 * date it accepts (not a leap second) is the very string the formatter
 * writes for the result.
 */
static void
check_date_parse(const char *s, size_t len)
{
	int64		t = -42;
	int64		ref_t = 0;
	bool		ok = WebhookParseHttpDate(s, len, &t);
	bool		ref_ok = ref_parse_date(s, len, &ref_t);

	CHECK(ok == ref_ok);
	if (ok)
	{
		char	   *out = fuzz_alloc(30);

		CHECK(t == ref_t);
		CHECK(t >= REF_DATE_MIN && t <= REF_DATE_MAX + 1);
		WebhookFormatHttpDate(t, out);
		if (!(s[23] == '6' && s[24] == '0'))
			CHECK(memcmp(out, s, 29) == 0);
		free(out);
	}
	else
		CHECK(t == -42);
}

/*
 * check_date_format: the formatter writes 29 chars and a NUL for any t,
 * the reference's rendering of t clamped to years 0000 to 9999, which
 * parses back to that t.
 */
static int64
check_date_format(int64 t, char *out)
{
	int64		clamped = t < REF_DATE_MIN ? REF_DATE_MIN :
		(t > REF_DATE_MAX ? REF_DATE_MAX : t);
	char		ref[30];
	int64		back = -42;

	WebhookFormatHttpDate(t, out);
	CHECK(out[29] == '\0');
	CHECK(strlen(out) == 29);
	ref_format_date(clamped, ref);
	CHECK(memcmp(out, ref, 30) == 0);
	CHECK(WebhookParseHttpDate(out, 29, &back));
	CHECK(back == clamped);
	return clamped;
}

/* Most (position, byte) edits applied to a formatted date. */
#define MAX_DATE_EDITS 32

/*
 * check_dates: the input as a date; then a time from the input's first 8
 * bytes, formatted, and that date with the next bytes applied as up to
 * MAX_DATE_EDITS (position, byte) edits, each step parsed.
 */
static void
check_dates(const uint8_t *data, size_t size)
{
	char	   *out = fuzz_alloc(30);
	uint64		raw = 0;
	int64		t;
	size_t		i;

	check_date_parse((const char *) data, size);
	if (size > 29)
	{
		/* the first and the last 29 bytes, each in a buffer of its own */
		char	   *head = fuzz_dup(data, 29);
		char	   *tail = fuzz_dup(data + size - 29, 29);

		check_date_parse(head, 29);
		check_date_parse(tail, 29);
		free(head);
		free(tail);
	}

	for (i = 0; i < 8 && i < size; i++)
		raw = (raw << 8) | data[i];
	t = (int64) raw;
	/* mostly inside the range, sometimes anything (clamping) */
	if (size == 0 || data[0] < 0xF0)
		t = REF_DATE_MIN + (int64) (raw % (uint64) (REF_DATE_MAX - REF_DATE_MIN + 1));
	check_date_format(t, out);
	check_date_parse(out, 29);

	for (i = 8; i + 1 < size && i < 8 + 2 * MAX_DATE_EDITS; i += 2)
	{
		out[data[i] % 29] = (char) data[i + 1];
		check_date_parse(out, 29);
	}
	free(out);

	/* the ends of the range and of the clamping */
	{
		char		edge[30];

		check_date_format(PG_INT64_MIN, edge);
		check_date_format(PG_INT64_MAX, edge);
		check_date_format(REF_DATE_MIN, edge);
		check_date_format(REF_DATE_MAX, edge);
		check_date_format(REF_DATE_MIN - 1, edge);
		check_date_format(REF_DATE_MAX + 1, edge);
		check_date_format(-1, edge);
		check_date_format(0, edge);
	}
}

/* ------------------------------------------------------------------------ */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;

	/* hex and base64: the input as text, and as bytes to encode */
	check_hex_decode(s, size);
	check_hex_roundtrip(data, size);
	check_b64_decode(s, size, false);
	check_b64_decode(s, size, true);
	check_b64_roundtrip(data, size);

	/* integers: the whole input, and its first up to 19 bytes */
	check_unsigned(s, size);
	if (size > 19)
	{
		char	   *head = fuzz_dup(data, 19);
		size_t		n;

		for (n = 0; n <= 19; n++)
			check_unsigned(head + 19 - n, n);
		free(head);
	}

	/* "k=v" lists: Stripe's ',' (64 items), ' ', and a separator and a
	 * limit from the input's first byte */
	check_split(s, size, ',', 64);
	check_split(s, size, ';', 3);
	if (size > 0)
	{
		char	   *rest = fuzz_dup(data + 1, size - 1);

		check_split(rest, size - 1, (char) data[0], data[0] % 70);
		free(rest);
	}

	check_headers(s, size);
	check_dates(data, size);
	check_form_field(s, size);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * money.c
 *	  Amounts: Numeric arithmetic, minor units to major, what an amount or
 *	  a currency code must look like.  No table is read here: the
 *	  currencies' exponents come from the caller (config.c's cache).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "money.h"

int
WebhookNumCmp(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

Datum
WebhookNumSub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

Datum
WebhookNumMax(Datum a, Datum b)
{
	return WebhookNumCmp(a, b) >= 0 ? a : b;
}

Datum
WebhookNumZero(void)
{
	return DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
}

Datum
WebhookMinorToMajor(int64 minor, int exponent)
{
	char		buf[64];
	char	   *digits;
	int			len;
	bool		neg = minor < 0;

	snprintf(buf, sizeof(buf), "%lld", (long long) (neg ? -minor : minor));
	len = strlen(buf);
	if (exponent <= 0)
		digits = psprintf("%s%s", neg ? "-" : "", buf);
	else if (len > exponent)
		digits = psprintf("%s%.*s.%s", neg ? "-" : "", len - exponent, buf, buf + len - exponent);
	else
		digits = psprintf("%s0.%0*d%s", neg ? "-" : "", exponent - len, 0, buf);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(digits),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

const char *
WebhookAmountProblem(Datum amount, int exponent)
{
	if (WebhookNumCmp(amount, WebhookNumZero()) < 0)
		return "invalid_amount: the amount is negative";
	if (exponent >= 0 &&
		WebhookNumCmp(DirectFunctionCall2(numeric_round, amount, Int32GetDatum(exponent)),
					  amount) != 0)
		return "invalid_amount: the amount has more decimals than its currency allows";
	return NULL;
}

/* true when s is a plain decimal: -?digits(.digits)? */
bool
WebhookIsDecimal(const char *s)
{
	const char *p = s;
	bool		digits = false;

	if (s == NULL || strlen(s) > 40)
		return false;
	if (*p == '-')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.')
	{
		bool		frac = false;

		p++;
		while (*p >= '0' && *p <= '9')
			p++, frac = true;
		if (!frac)
			return false;
	}
	return digits && *p == '\0';
}

/* true when s is three ASCII letters (upper case only, unless any_case) */
bool
WebhookIsCurrencyCode(const char *s, bool any_case)
{
	if (s == NULL)
		return false;
	for (int i = 0; i < 3; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (any_case && s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return s[3] == '\0';
}

/* Upper-case a currency code in place; NULL stays NULL. */
char *
WebhookUpperCurrency(char *s)
{
	if (s != NULL)
		for (char *p = s; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p -= 'a' - 'A';
	return s;
}

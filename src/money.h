/*-------------------------------------------------------------------------
 *
 * money.h
 *	  Amounts (money.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_MONEY_H
#define WEBHOOK_MONEY_H

#include "postgres.h"

/* Numeric datums: compare, subtract, the larger, zero */
extern int	WebhookNumCmp(Datum a, Datum b);
extern Datum WebhookNumSub(Datum a, Datum b);
extern Datum WebhookNumMax(Datum a, Datum b);
extern Datum WebhookNumZero(void);

/* A Numeric datum of minor / 10^exponent, exactly (palloc'd). */
extern Datum WebhookMinorToMajor(int64 minor, int exponent);

/*
 * Why a major-unit amount cannot be applied ("invalid_amount: ..."), or
 * NULL: negative, or finer than exponent decimals (exponent -1: unknown,
 * not judged).  Trailing zeros do not count.
 */
extern const char *WebhookAmountProblem(Datum amount, int exponent);

/* true when s is a plain decimal: -?digits(.digits)?, at most 40 characters */
extern bool WebhookIsDecimal(const char *s);

/* true when s is three ASCII letters: upper case only, unless any_case */
extern bool WebhookIsCurrencyCode(const char *s, bool any_case);

/* Upper-case a currency code in place; NULL stays NULL. */
extern char *WebhookUpperCurrency(char *s);

#endif							/* WEBHOOK_MONEY_H */

/*-------------------------------------------------------------------------
 *
 * compat.c
 *	  Entry points that only the frozen scripts of released versions name.
 *
 * sql/webhook--0.1.0.sql declares the text forms of the signing and
 * verifying helpers with symbols of their own (webhook_hmac_text, ...).
 * Since 0.2.0 the bytea and the text form of a helper are one C function,
 * which tells them apart by its argument types, and the 0.1.0 -> 0.2.0
 * upgrade script points the text forms at it.  The library keeps the old
 * names until then: without them 0.1.0 could not be installed (CREATE
 * EXTENSION webhook VERSION '0.1.0', the first step of every upgrade
 * test), nor a dump or pg_upgrade of a 0.1.0 database restored, nor its
 * helpers called before ALTER EXTENSION webhook UPDATE.  Each is the one
 * function of its helper under another name, nothing else: a 0.1.0 text
 * form calls it with text arguments, and it reads them as text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

/* old: a symbol of 0.1.0's script; now: the one function it calls (sqlfuncs.c, paypal.c) */
#define WEBHOOK_OLD_ENTRY(old, now) \
	extern Datum now(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(old); \
	Datum \
	old(PG_FUNCTION_ARGS) \
	{ \
		return now(fcinfo); \
	}

WEBHOOK_OLD_ENTRY(webhook_hmac_text, webhook_hmac)
WEBHOOK_OLD_ENTRY(webhook_sign_hmac_text, webhook_sign_hmac)
WEBHOOK_OLD_ENTRY(webhook_verify_hmac_text, webhook_verify_hmac)
WEBHOOK_OLD_ENTRY(webhook_sign_stripe_text, webhook_sign_stripe)
WEBHOOK_OLD_ENTRY(webhook_verify_stripe_text, webhook_verify_stripe)
WEBHOOK_OLD_ENTRY(webhook_sign_standard_text, webhook_sign_standard)
WEBHOOK_OLD_ENTRY(webhook_sign_vipps_text, webhook_sign_vipps)
WEBHOOK_OLD_ENTRY(webhook_verify_paypal_text, webhook_verify_paypal)

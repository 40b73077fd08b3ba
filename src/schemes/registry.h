/*-------------------------------------------------------------------------
 *
 * registry.h
 *	  The scheme registry: one line per scheme, each defined as
 *	  webhook_scheme_<name> in src/schemes/<name>.c, in the order hints
 *	  and webhook_schemes() list them.
 *
 * schemes.c expands it into the table; the fuzz harnesses expand it to
 * check that every scheme is fuzzed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_SCHEMES_REGISTRY_H
#define WEBHOOK_SCHEMES_REGISTRY_H

#define WEBHOOK_SCHEMES(X) \
	X(stripe) \
	X(standard) \
	X(vipps) \
	X(paypal) \
	X(hmac) \
	X(apikey) \
	X(adyen) \
	X(gocardless) \
	X(authorizenet) \
	X(mollie) \
	X(paddle) \
	X(razorpay) \
	X(square)

#endif							/* WEBHOOK_SCHEMES_REGISTRY_H */

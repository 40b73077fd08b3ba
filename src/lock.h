/*-------------------------------------------------------------------------
 *
 * lock.h
 *	  The payment-key locks of parking and payment inserts (lock.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_LOCK_H
#define WEBHOOK_LOCK_H

#include "postgres.h"

/*
 * Take a payment's keys (reference or external_id may be NULL) until this
 * transaction ends, waiting for their holders: an event about to park.
 * They are session locks, released at commit (once the commit is visible
 * to all) or abort, so that they can be given back before a wait.
 */
extern void WebhookTakePaymentKeys(const char *provider, const char *reference,
								   const char *external_id);

/* Give back the keys WebhookTakePaymentKeys took last (the same arguments). */
extern void WebhookGiveBackPaymentKeys(const char *provider, const char *reference,
									   const char *external_id);

/*
 * Wait until no event that is parking for a payment's keys holds them,
 * holding them not at all: a payment insert, before it looks for parked
 * events.
 */
extern void WebhookPassPaymentKeys(const char *provider, const char *reference,
								   const char *external_id);

#endif							/* WEBHOOK_LOCK_H */

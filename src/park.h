/*-------------------------------------------------------------------------
 *
 * park.h
 *	  Parking's index probes, and applying parked events (park.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_PARK_H
#define WEBHOOK_PARK_H

#include "postgres.h"

/*
 * The transaction inserting a payment with external_id, else with
 * reference (either may be NULL), that has not committed yet, or
 * InvalidTransactionId: an event about to park, holding the payment's
 * keys (lock.c), waits for it and looks for the payment again.
 */
extern TransactionId WebhookPaymentInserter(Oid nspoid, const char *provider,
											const char *reference, const char *external_id);

/*
 * Whether the statement's snapshot sees the event stored (by UNIQUE
 * (provider, event_id)): a retry of it is a duplicate without trying the
 * insert, whose unique check would wait for any transaction that is
 * counting another retry of it.
 */
extern bool WebhookEventStored(Oid nspoid, const char *provider, const char *event_id);

/*
 * Whether an event may be parked for a payment's keys (one that a snapshot
 * taken at WebhookParkedProbeBegin sees in the parked indexes, whatever
 * its status): false means none is, and a payment insert has nothing to
 * apply.  Begin after passing the keys of every payment to probe
 * (WebhookPassPaymentKeys); the probe keeps the indexes open for many
 * payments.
 */
typedef struct WebhookParkedProbe WebhookParkedProbe;

extern WebhookParkedProbe *WebhookParkedProbeBegin(Oid nspoid);
extern void WebhookParkedProbeEnd(WebhookParkedProbe *pp);
extern bool WebhookMaybeParked(WebhookParkedProbe *pp, const char *provider,
							   const char *reference, const char *external_id);

/*
 * Apply the events parked for a payment just inserted, in provider order,
 * each through WEBHOOK_PLAN_REAPPLY_EVENT.  The caller passed the
 * payment's keys first (WebhookPassPaymentKeys) and runs connected to
 * SPI.  Under REPEATABLE READ or SERIALIZABLE an event parked after the
 * transaction's snapshot raises a serialization failure.
 */
extern void WebhookApplyParked(const char *schema, const char *provider, const char *reference,
							   const char *external_id);

#endif							/* WEBHOOK_PARK_H */

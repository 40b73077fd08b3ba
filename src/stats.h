/*-------------------------------------------------------------------------
 *
 * stats.h
 *	  The delivery counters behind webhook_stats.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_STATS_H
#define WEBHOOK_STATS_H

#include "postgres.h"

#include "datatype/timestamp.h"

/*
 * Count one recorded delivery in webhook_delivery_counts of the schema
 * nspoid (schema: the same, quoted): its provider, outcome and HTTP
 * status, on the UTC day of received_at; new_event when this call stored
 * the event it names (not a duplicate, not a retry of a failed one).  Part of the
 * caller's transaction; never waits for another session.  Does nothing
 * when the table does not exist (an extension not yet updated to 0.2.0)
 * or provider or outcome is NULL.  Must be called while connected to SPI;
 * raises as an INSERT ... ON CONFLICT DO UPDATE of the row would.
 */
extern void WebhookStatsCount(const char *schema, Oid nspoid, const char *provider,
							  const char *outcome, int http_status, TimestampTz received_at,
							  bool new_event);

#endif							/* WEBHOOK_STATS_H */

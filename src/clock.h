/*-------------------------------------------------------------------------
 *
 * clock.h
 *	  The verifier's clock (clock.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_CLOCK_H
#define WEBHOOK_CLOCK_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "utils/guc.h"

/*
 * The time verification treats as now: webhook.clock_override when set,
 * else the wall clock.  Raises if the override cannot be parsed.
 */
extern TimestampTz WebhookNow(void);

/* WebhookNow() as Unix seconds. */
extern int64 WebhookNowUnix(void);

/* Unix seconds <-> TimestampTz */
extern TimestampTz WebhookUnixToTimestamp(int64 t);
extern int64 WebhookTimestampToUnix(TimestampTz t);

/* The check and assign hooks of webhook.clock_override (defined in _PG_init) */
extern bool WebhookClockOverrideCheck(char **newval, void **extra, GucSource source);
extern void WebhookClockOverrideAssign(const char *newval, void *extra);

#endif							/* WEBHOOK_CLOCK_H */

/*-------------------------------------------------------------------------
 *
 * clock.c
 *	  The time verification treats as now (webhook.clock_override, else
 *	  the wall clock), and Unix seconds.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "clock.h"

/* webhook.clock_override as a time, parsed once when set; 0 when not set. */
static bool clock_override_set = false;
static TimestampTz clock_override_value = 0;

/*
 * check hook for webhook.clock_override: empty, or a timestamptz literal,
 * parsed here (in the session's time zone, once) for the assign hook.
 */
bool
WebhookClockOverrideCheck(char **newval, void **extra, GucSource source)
{
	volatile TimestampTz t = 0;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;

	/* input function raises on garbage; catch it as a GUC check failure */
	PG_TRY();
	{
		t = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(*newval),
													ObjectIdGetDatum(InvalidOid),
													Int32GetDatum(-1)));
	}
	PG_CATCH();
	{
		FlushErrorState();
		GUC_check_errdetail("The value must be empty or a timestamp with time zone.");
		return false;
	}
	PG_END_TRY();
	*extra = malloc(sizeof(TimestampTz));
	if (*extra == NULL)
		return false;
	*(TimestampTz *) *extra = t;
	return true;
}

void
WebhookClockOverrideAssign(const char *newval, void *extra)
{
	clock_override_set = (extra != NULL);
	clock_override_value = extra ? *(TimestampTz *) extra : 0;
}

/*
 * WebhookNow: the override when set, else the wall clock.
 */
TimestampTz
WebhookNow(void)
{
	return clock_override_set ? clock_override_value : GetCurrentTimestamp();
}

int64
WebhookTimestampToUnix(TimestampTz t)
{
	/* floor division so that times before 1970 round down */
	int64		us = t + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;

	return us >= 0 ? us / USECS_PER_SEC : -((-us + USECS_PER_SEC - 1) / USECS_PER_SEC);
}

TimestampTz
WebhookUnixToTimestamp(int64 t)
{
	return (TimestampTz) (t * USECS_PER_SEC -
						  (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
}

int64
WebhookNowUnix(void)
{
	return WebhookTimestampToUnix(WebhookNow());
}

PG_FUNCTION_INFO_V1(webhook_now);

/*
 * webhook_now() RETURNS timestamptz
 *	  The time verification treats as now: webhook.clock_override when set,
 *	  else the wall clock.  Secrets start and stop by this clock.
 */
Datum
webhook_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(WebhookNow());
}

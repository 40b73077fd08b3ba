/*-------------------------------------------------------------------------
 *
 * webhook.c
 *	  Module entry: PG_MODULE_MAGIC, _PG_init (settings, the cache's
 *	  invalidation callback) and the clock.  No business logic lives here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "webhook.h"

PG_MODULE_MAGIC;

int			webhook_max_body_bytes = 1024 * 1024;
bool		webhook_notify = true;
int			webhook_outbox_max_attempts = 10;
char	   *webhook_clock_override = NULL;

void		_PG_init(void);

/* webhook.clock_override as a time, parsed once when set; 0 when not set. */
static bool clock_override_set = false;
static TimestampTz clock_override_value = 0;

/*
 * check hook for webhook.clock_override: empty, or a timestamptz literal,
 * parsed here (in the session's time zone, once) for the assign hook.
 */
static bool
check_clock_override(char **newval, void **extra, GucSource source)
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

static void
assign_clock_override(const char *newval, void *extra)
{
	clock_override_set = (extra != NULL);
	clock_override_value = extra ? *(TimestampTz *) extra : 0;
}

/*
 * _PG_init: define the settings and register the config cache callback.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("webhook.max_body_bytes",
							"Largest request body webhook_ingest accepts.",
							"Larger bodies are recorded as body_too_large (413).",
							&webhook_max_body_bytes,
							1024 * 1024, 1, MaxAllocSize / 2,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("webhook.notify",
							 "Send NOTIFY webhook_payment and webhook_outbox as wake-ups.",
							 "Only while some session of the database called webhook_listen().",
							 &webhook_notify,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("webhook.outbox_max_attempts",
							"Claims of an outbox message before it is dead.",
							"webhook_outbox_nack and an expired lease make it dead after this many.",
							&webhook_outbox_max_attempts,
							10, 1, 1000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomStringVariable("webhook.clock_override",
							   "The time signature verification treats as now (tests, audits).",
							   "Empty means the wall clock.",
							   &webhook_clock_override,
							   "",
							   PGC_SUSET, 0,
							   check_clock_override, assign_clock_override, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("webhook");
#else
	EmitWarningsOnPlaceholders("webhook");
#endif

	WebhookConfigInit();
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

/*-------------------------------------------------------------------------
 *
 * webhook.c
 *	  Module entry: PG_MODULE_MAGIC and _PG_init (settings, the cache's
 *	  invalidation callback).  No business logic lives here.
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

#include "clock.h"
#include "webhook.h"

PG_MODULE_MAGIC;

int			webhook_max_body_bytes = 1024 * 1024;
bool		webhook_notify = true;
int			webhook_outbox_max_attempts = 10;
char	   *webhook_clock_override = NULL;

void		_PG_init(void);

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
							   WebhookClockOverrideCheck, WebhookClockOverrideAssign, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("webhook");
#else
	EmitWarningsOnPlaceholders("webhook");
#endif

	WebhookConfigInit();
}

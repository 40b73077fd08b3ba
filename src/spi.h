/*-------------------------------------------------------------------------
 *
 * spi.h
 *	  Named, cached SPI plans for the ingest path.
 *
 * Each plan is prepared once per backend (SPI_prepare + SPI_keepplan) with
 * the extension's schema in its text, and prepared again only if that
 * schema changes.  The hot path never plans SQL text.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_SPI_H
#define WEBHOOK_SPI_H

#include "postgres.h"
#include "executor/spi.h"

typedef enum WebhookPlanId
{
	WEBHOOK_PLAN_INSERT_EVENT,
	WEBHOOK_PLAN_PAYMENT_FAST,
	WEBHOOK_PLAN_INSERT_JUDGED_EVENT,
	WEBHOOK_PLAN_INSERT_SETTLED_EVENT,
	WEBHOOK_PLAN_COUNT_REDELIVERY,
	WEBHOOK_PLAN_FIND_EVENT,
	WEBHOOK_PLAN_COUNT_FAILED_REDELIVERY,
	WEBHOOK_PLAN_EVENT_REPLY,
	WEBHOOK_PLAN_RETRY_EVENT,
	WEBHOOK_PLAN_DELETE_EVENT,
	WEBHOOK_PLAN_INSERT_DELIVERY,
	WEBHOOK_PLAN_INSERT_DELIVERY_010,
	WEBHOOK_PLAN_DELIVERY_FOR_REDELIVERY,
	WEBHOOK_PLAN_CERTIFICATE,
	WEBHOOK_PLAN_PAYMENT_BY_EXTERNAL,
	WEBHOOK_PLAN_PAYMENT_BY_REFERENCE,
	WEBHOOK_PLAN_PAYMENT_EXISTS_EXTERNAL,
	WEBHOOK_PLAN_PAYMENT_EXISTS_REFERENCE,
	WEBHOOK_PLAN_PAYMENT_REFERENCE,
	WEBHOOK_PLAN_PAYMENT_UPDATE,
	WEBHOOK_PLAN_PROVIDER_ON_MISMATCH,
	WEBHOOK_PLAN_REFUND_INSERT,
	WEBHOOK_PLAN_REFUND_SUM,
	WEBHOOK_PLAN_ORDER_MOVE,
	WEBHOOK_PLAN_PARKED_EVENTS,
	WEBHOOK_PLAN_REAPPLY_EVENT,
	WEBHOOK_PLAN_COUNT_DELIVERY,
	WEBHOOK_PLAN_FOLD_COUNTS,
	WEBHOOK_PLAN_INSERT_OUTBOX,
	WEBHOOK_NPLANS
} WebhookPlanId;

/*
 * The plan for id, with schema (already quoted) substituted for @s@.
 * Must be called while connected to SPI.  Raises if preparing fails.
 */
extern SPIPlanPtr WebhookPlan(WebhookPlanId id, const char *schema);

/*
 * For a row insert plan: the table it inserts into, its column names
 * (comma-separated, in parameter order), the parameters' types, which are
 * the columns' types, and (satisfies, may be NULL) the name of a BEFORE
 * INSERT trigger of the extension that would store the row as it is, or
 * NULL.  Raises for other plans.
 */
extern const char *WebhookPlanRow(WebhookPlanId id, const char **columns, int *nargs,
								  const Oid **argtypes, const char **satisfies);

/*
 * The name of the extension's schema nspoid, quoted, for a plan's @s@: the
 * schema of the last call is kept, as triggers ask for it on every row.
 */
extern const char *WebhookSchemaOf(Oid nspoid);

#endif							/* WEBHOOK_SPI_H */

/*-------------------------------------------------------------------------
 *
 * insert.h
 *	  Rows of the ingest path inserted without an INSERT statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_INSERT_H
#define WEBHOOK_INSERT_H

#include "postgres.h"

#include "spi.h"

/*
 * Insert the row of row insert plan id (spi.c) into its table in the
 * schema nspoid (schema: the same, quoted): values and nulls (' ' or 'n')
 * in the plan's parameter order.  Through the executor's single-row insert
 * when the table allows it, else through the plan.  Returns the new row's
 * id.  Must be called while connected to SPI; raises as the INSERT would.
 */
extern int64 WebhookInsertRow(WebhookPlanId id, const char *schema, Oid nspoid,
							  Datum *values, const char *nulls);

#endif							/* WEBHOOK_INSERT_H */

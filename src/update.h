/*-------------------------------------------------------------------------
 *
 * update.h
 *	  Payments and orders of the ingest path updated without an UPDATE
 *	  statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_UPDATE_H
#define WEBHOOK_UPDATE_H

#include "postgres.h"

#include "executor/tuptable.h"

/* The tables updated this way, each found by its key columns. */
typedef enum WebhookUpdateTable
{
	WEBHOOK_UPDATE_PAYMENTS,	/* by (provider, external_id) */
	WEBHOOK_UPDATE_ORDERS,		/* by ref */
	WEBHOOK_NUPDATE_TABLES
} WebhookUpdateTable;

/*
 * The columns a change reads or writes, by table; col[] of a change maps
 * them to the table's attribute numbers.  The ones marked "set" are the
 * columns the UPDATE sets (column triggers see them as updated); those
 * marked "the guard's" are set by the table's BEFORE trigger, which the
 * change does the work of (update.c).
 */
typedef enum WebhookPaymentColumn
{
	WEBHOOK_PAY_ID,				/* bigint */
	WEBHOOK_PAY_REFERENCE,		/* text */
	WEBHOOK_PAY_ORDER_REF,		/* text */
	WEBHOOK_PAY_AMOUNT,			/* numeric */
	WEBHOOK_PAY_CURRENCY,		/* text */
	WEBHOOK_PAY_STATE,			/* text, set */
	WEBHOOK_PAY_AMOUNT_CAPTURED,	/* numeric, set */
	WEBHOOK_PAY_STATE_CHANGED_AT,	/* timestamptz, the guard's */
	WEBHOOK_PAY_UPDATED_AT,		/* timestamptz, the guard's */
	WEBHOOK_PAY_NCOLUMNS
} WebhookPaymentColumn;

typedef enum WebhookOrderColumn
{
	WEBHOOK_ORDER_TOTAL,		/* numeric */
	WEBHOOK_ORDER_AMOUNT_PAID,	/* numeric, set */
	WEBHOOK_ORDER_AMOUNT_REFUNDED,	/* numeric, set */
	WEBHOOK_ORDER_STATE,		/* text, set */
	WEBHOOK_ORDER_PAID_AT,		/* timestamptz, set */
	WEBHOOK_ORDER_UPDATED_AT,	/* timestamptz, set */
	WEBHOOK_ORDER_NCOLUMNS
} WebhookOrderColumn;

/* A set of them, for WebhookUpdateBegin. */
#define WEBHOOK_UPDATE_TABLE(t) (1 << (t))

typedef struct WebhookUpdate WebhookUpdate;

/*
 * The change of one row: values and nulls (indexed by attribute number
 * less one) come filled with the row as found; col maps the table's
 * column enum above to attribute numbers.  Sets the new values of the
 * columns marked "set" and returns true, or returns false to leave the row
 * as it is (as an UPDATE's WHERE would).  It may be called twice, the
 * second time on the newer version a concurrent update made: it must
 * depend on nothing but its arguments.
 */
typedef bool (*WebhookRowChange) (Datum *values, bool *nulls, const AttrNumber *col, void *arg);

/*
 * One statement's worth of row updates of the tables (a set of
 * WEBHOOK_UPDATE_TABLE bits) in the schema nspoid, as an UPDATE statement
 * would make them: a new snapshot, the tables' row triggers (AFTER
 * triggers fire at WebhookUpdateEnd), their constraints and indexes.  Returns NULL when the executor's single-row
 * update cannot stand in for an UPDATE: a table has statement or INSTEAD
 * triggers, transition tables, rules, row-level security, partitions,
 * generated columns or no index on its key, the current role lacks SELECT
 * or UPDATE on it, or the transaction is not READ COMMITTED.  The caller
 * then runs its UPDATE statement.
 */
extern WebhookUpdate *WebhookUpdateBegin(Oid nspoid, int tables);

/*
 * Update the row of table t whose key columns equal key (text datums), as
 * change() says.  Returns the row as stored (after the BEFORE triggers), or
 * NULL when there is no such row, change() declined it, or a BEFORE
 * trigger dropped the change.
 */
extern TupleTableSlot *WebhookUpdateRow(WebhookUpdate *u, WebhookUpdateTable t, const Datum *key,
										WebhookRowChange change, void *arg);

/*
 * Read the row of table t whose key columns equal key as a new statement
 * would see it now (the latest snapshot), and pass it to see(), whose
 * result is not used: nothing is changed or locked.  Returns false when
 * there is no such row.
 */
extern bool WebhookReadRow(WebhookUpdate *u, WebhookUpdateTable t, const Datum *key,
						   WebhookRowChange see, void *arg);

/* Fire the AFTER triggers, and end; what follows sees the updates. */
extern void WebhookUpdateEnd(WebhookUpdate *u);

/* The attribute number of a column of table t (its enum above). */
extern AttrNumber WebhookUpdateColumn(WebhookUpdate *u, WebhookUpdateTable t, int column);

#endif							/* WEBHOOK_UPDATE_H */

/*-------------------------------------------------------------------------
 *
 * column.c
 *	  Reading and checking a row's columns, for the C triggers: the
 *	  payments guard (state.c), the orders guard (order.c) and the events
 *	  trigger (events.c).
 *
 * A file of its own so that none of those depends on another for them
 * (the events trigger and the order guards have no business with the
 * payment state machine); rowcheck.c answers a different question, what a
 * table must be like for the single-row routines.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "column.h"
#include "money.h"

bool
WebhookOneOf(const char *s, const char *const *words, int n)
{
	return WebhookWordOf(s, words, n) != NULL;
}

const char *
WebhookWordOf(const char *s, const char *const *words, int n)
{
	if (s == NULL)
		return NULL;
	for (int i = 0; i < n; i++)
		if (strcmp(words[i], s) == 0)
			return words[i];
	return NULL;
}

void
WebhookInvalidColumn(const char *table, const char *column, const char *value, const char *must)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("invalid %s.%s \"%s\"", table, column, value ? value : "null"),
			 errdetail("%s must be %s.", column, must)));
}

char *
WebhookTupleText(HeapTuple tup, TupleDesc desc, int attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

void
WebhookCheckAmount(HeapTuple tup, TupleDesc desc, int attno, const char *table,
				   const char *column)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	if (!isnull && WebhookNumCmp(d, WebhookNumZero()) < 0)
		WebhookInvalidColumn(table, column,
							 DatumGetCString(DirectFunctionCall1(numeric_out, d)), "zero or more");
}

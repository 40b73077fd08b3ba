/*-------------------------------------------------------------------------
 *
 * column.h
 *	  Reading and checking a row's columns, for the C triggers (column.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_COLUMN_H
#define WEBHOOK_COLUMN_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"

/* true when s is one of the n words */
extern bool WebhookOneOf(const char *s, const char *const *words, int n);

/* The element of words equal to s (a constant), or NULL. */
extern const char *WebhookWordOf(const char *s, const char *const *words, int n);

/* Raise a check violation (23514) naming the column and what it must be. */
extern void WebhookInvalidColumn(const char *table, const char *column,
								 const char *value, const char *must) pg_attribute_noreturn();

/* A text column of a tuple, or NULL. */
extern char *WebhookTupleText(HeapTuple tup, TupleDesc desc, int attno);

/* Raise (23514) unless the numeric column is NULL or not negative. */
extern void WebhookCheckAmount(HeapTuple tup, TupleDesc desc, int attno, const char *table,
							   const char *column);

#endif							/* WEBHOOK_COLUMN_H */

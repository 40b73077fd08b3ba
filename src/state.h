/*-------------------------------------------------------------------------
 *
 * state.h
 *	  The payment state machine (state.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_STATE_H
#define WEBHOOK_STATE_H

#include "postgres.h"

/* true when a payment may move from one state to the other */
extern bool WebhookTransitionAllowed(const char *from, const char *to);

/* A Numeric datum of minor / 10^exponent, exactly (palloc'd). */
extern Datum WebhookMinorToMajor(int64 minor, int exponent);

/*
 * What the last event applied in this backend did, for webhook_ingest's
 * reply without a query.  complete only when the payment moved and its
 * order (if any) was moved with it; strings live in TopTransactionContext.
 */
typedef struct WebhookApplied
{
	int64		event_pk;
	bool		complete;
	char	   *payment_ref;
	char	   *payment_state;
	char	   *order_ref;
	char	   *order_state;
} WebhookApplied;

extern WebhookApplied WebhookLastApplied;

#endif							/* WEBHOOK_STATE_H */

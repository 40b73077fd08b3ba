/*-------------------------------------------------------------------------
 *
 * apply.h
 *	  Applying an event to its payment (apply.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_APPLY_H
#define WEBHOOK_APPLY_H

#include "postgres.h"

/*
 * An event's fields as WebhookApplyEvent reads and writes them (events.c
 * reads them from the row and writes the results back).
 */
typedef struct WebhookEventRow
{
	int64		id;
	char	   *provider;
	char	   *event_id;
	char	   *event_type;
	char	   *action;
	char	   *object_id;
	char	   *reference;
	char	   *currency;
	char	   *refund_id;
	bool		cumulative;
	bool		partial;
	bool		has_amount;
	Datum		amount;			/* Numeric, major units */
	bool		has_minor;
	int64		amount_minor;
	/* results */
	const char *status;
	const char *detail;
	bool		has_payment;
	int64		payment_id;
} WebhookEventRow;

/*
 * Apply an event to its payment.  Fills ev->status (and detail, payment_id,
 * amount).  Writes the payment, never the event.  A held event is applied
 * despite an amount mismatch when force is true.  Raises when applying
 * fails; the caller decides what a failure means.  schema is nspoid's
 * name, quoted.  Must run connected to SPI.
 */
extern void WebhookApplyEvent(const char *schema, Oid nspoid, WebhookEventRow *ev, bool force);

/*
 * The state an event's action moves its payment to on the one-statement
 * path, or NULL when the event needs the general one.
 */
extern const char *WebhookFastTarget(const char *action, bool partial, const char *object_id);

/*
 * What the last event applied in this backend did, for webhook_ingest's
 * reply without a query.  complete only when the payment moved and its
 * order (if any) was moved with it; strings live in TopTransactionContext.
 *
 * The events trigger fills it in, inside the insert that stores the event,
 * so it cannot return it to the code that runs that insert (store.c).
 * That code calls WebhookLastAppliedForget() before the insert, and after
 * it believes WebhookLastAppliedGet() only when event_pk is the stored
 * event's.
 */
typedef struct WebhookApplied
{
	int64		event_pk;		/* 0: nothing applied since the last forget */
	bool		complete;
	char	   *payment_ref;
	char	   *payment_state;
	char	   *order_ref;
	char	   *order_state;
} WebhookApplied;

extern void WebhookLastAppliedForget(void);
extern const WebhookApplied *WebhookLastAppliedGet(void);

#endif							/* WEBHOOK_APPLY_H */

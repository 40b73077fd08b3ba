/*-------------------------------------------------------------------------
 *
 * move.h
 *	  The common case's one-statement move of a payment and its order
 *	  (move.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_MOVE_H
#define WEBHOOK_MOVE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "outbox.h"

/*
 * What a payment's move did (WebhookMovePayment), strings in the context
 * the caller names.  When the payment did not move because the state
 * machine says the event changes nothing (its state is the target
 * already, or a later one), judged says so ("unchanged" or "superseded"),
 * payment_state is the payment's state, and the rest describes the
 * payment and its order as they are.
 */
typedef struct WebhookMove
{
	int64		payment_id;
	char	   *reference;
	char	   *order_ref;
	char	   *order_state;	/* NULL: no order */
	const char *judged;			/* NULL: moved, or not judged here */
	char	   *payment_state;	/* the state it moved to, or is in when judged */
	/* for the outbox, when a consumer subscribes and the payment moved: */
	Jsonb	   *payment_json;	/* the payment after the move, else NULL */
	WebhookOutboxOrder order;	/* its order, when order.changed */
} WebhookMove;

/*
 * Move the payment of provider and external_id to target, with its order
 * (update.c, else WEBHOOK_PLAN_PAYMENT_FAST and WebhookMoveOrder), when
 * the state machine allows it and (for a capture) amount, in major units,
 * and currency agree; false when no payment moved.  schema is nspoid's
 * name, quoted.  On success the NOTIFY is sent and *m is filled in cxt;
 * when no payment moved and m->judged is set, *m tells why.  target comes
 * from WebhookFastTarget (apply.h).
 */
extern bool WebhookMovePayment(const char *schema, Oid nspoid, const char *provider,
							   const char *external_id, const char *target, Datum amount,
							   bool amount_null, const char *currency, MemoryContext cxt,
							   WebhookMove *m);

#endif							/* WEBHOOK_MOVE_H */

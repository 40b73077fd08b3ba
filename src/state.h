/*-------------------------------------------------------------------------
 *
 * state.h
 *	  The payment state machine, and the move context through which the
 *	  payments triggers and the code that moves a payment talk (state.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_STATE_H
#define WEBHOOK_STATE_H

#include "postgres.h"

#define WEBHOOK_NEVENT_STATUSES 8

/* applied unchanged superseded ignored unmatched held failed */
extern const char *const WebhookEventStatuses[WEBHOOK_NEVENT_STATUSES];

/*
 * The move context: what a payment's move and the payments triggers that
 * its statement fires tell each other.  The mover cannot pass them an
 * argument, nor they return it a value, as an UPDATE run through SPI (or
 * update.c's single-row update) sits between them, so state.c keeps one
 * per backend and the protocol is:
 *
 * 1. The mover (WebhookMovePayment, or apply.c's general path before its
 *	  WEBHOOK_PLAN_PAYMENT_UPDATE) calls WebhookMoveBegin() just before its
 *	  UPDATE: it forgets what an earlier move recorded.
 * 2. WebhookMovePayment (one statement moves the payment, its order and
 *	  sends the NOTIFY) brackets its move with WebhookMoveByStatement(true)
 *	  and (false), the latter in PG_FINALLY: meanwhile the AFTER trigger
 *	  leaves the order and the NOTIFY of the payments it updates alone.
 * 3. The guard trigger (or whatever does its work on a row, through
 *	  WebhookGuardRecord) records the id and former state of the payment it
 *	  lets update; the AFTER trigger records the payment whose order it
 *	  moved and the order's new state.
 * 4. The mover reads both with WebhookMoveResult(), comparing the ids with
 *	  its own payment's before it believes them.
 *
 * Moves nest only by a payment insert applying parked events, each its own
 * move: every move begins again, and reads what it recorded before the
 * next one begins.
 */
typedef struct WebhookMoveContext
{
	/* step 2: the mover moves the order and notifies itself */
	bool		by_statement;
	/* the last payment the guard let update (0: none), its state before */
	int64		guarded_payment_id;
	const char *guarded_old_state;	/* a constant; NULL: not a known state */
	/* the payment whose order the AFTER trigger moved (0: none), the state */
	int64		moved_payment_id;
	char	   *moved_order_state;	/* in TopTransactionContext */
} WebhookMoveContext;

/* Forget what the last move recorded (step 1). */
extern void WebhookMoveBegin(void);

/* Whether the mover moves the order and notifies itself (step 2). */
extern void WebhookMoveByStatement(bool on);

/*
 * Record a payment's move as the guard does, the state before it (what a
 * move that returns only the new row cannot tell): step 3.
 */
extern void WebhookGuardRecord(int64 payment_id, const char *old_state);

/* What the payments triggers recorded since WebhookMoveBegin (step 4). */
extern const WebhookMoveContext *WebhookMoveResult(void);

/* NOTIFY webhook_payment with the payload README "How it works" gives. */
extern void WebhookNotifyPayment(const char *provider, const char *reference,
								 const char *external_id, const char *old_state,
								 const char *new_state, const char *order_ref,
								 const char *order_state);

/* true when a payment may move from one state to the other */
extern bool WebhookTransitionAllowed(const char *from, const char *to);

#endif							/* WEBHOOK_STATE_H */

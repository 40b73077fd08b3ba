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

#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/spi.h"

#include "money.h"
#include "outbox.h"
#include "update.h"

#define WEBHOOK_NEVENT_STATUSES 7

/* applied unchanged superseded ignored unmatched held failed */
extern const char *const WebhookEventStatuses[WEBHOOK_NEVENT_STATUSES];

/*
 * The move context: what a payment's move and the payments triggers that
 * its statement fires tell each other.  The mover cannot pass them an
 * argument, nor they return it a value, as an UPDATE run through SPI (or
 * update.c's single-row update) sits between them, so state.c keeps one
 * per backend and the protocol is:
 *
 * 1. The mover calls WebhookMoveBegin() just before its UPDATE: it forgets
 *	  what an earlier move recorded.
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
	bool		by_statement;	/* step 2: the mover moves the order itself */
	int64		guarded_payment_id; /* the last payment the guard let update, 0: none */
	const char *guarded_old_state;	/* its state before (a constant), NULL if not
									 * a known state */
	int64		moved_payment_id;	/* the payment whose order the AFTER trigger
									 * moved, 0: none */
	char	   *moved_order_state;	/* that order's new state, in
									 * TopTransactionContext */
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

/*
 * Move an order by what its payments' captured and refunded amounts
 * changed, within u; returns its new state, or NULL when there is no such
 * order (state.c).  When out is not NULL, fills it in for the outbox.
 */
extern char *WebhookUpdateOrder(WebhookUpdate *u, const char *order_ref, Datum dpaid,
								Datum drefunded, WebhookOutboxOrder *out);

/*
 * The same as a statement of its own: through update.c when the tables
 * allow it, else WEBHOOK_PLAN_ORDER_MOVE.  Must run connected to SPI.
 */
extern char *WebhookMoveOrder(const char *schema, Oid nspoid, const char *order_ref,
							  Datum dpaid, Datum drefunded, WebhookOutboxOrder *out);

/* NOTIFY webhook_payment with the payload README "How it works" gives (state.c). */
extern void WebhookNotifyPayment(const char *provider, const char *reference,
								 const char *external_id, const char *old_state,
								 const char *new_state, const char *order_ref,
								 const char *order_state);

/* true when a payment may move from one state to the other */
extern bool WebhookTransitionAllowed(const char *from, const char *to);


#endif							/* WEBHOOK_STATE_H */

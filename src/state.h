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

/* The order the last payment change moved (payments_after, read by apply.c). */
extern int64 WebhookMovedPaymentId;
extern char *WebhookMovedOrderState;

/*
 * True while apply.c's one-statement move runs: that statement moves the
 * payment's order and sends its NOTIFY itself, so the AFTER trigger on
 * the one payment it updates leaves both alone.
 */
extern bool WebhookOrderMovedByStatement;

/*
 * The id and former state of the last payment the guard trigger let
 * update (a constant string, NULL if it was not a known state).
 */
extern int64 WebhookGuardedPaymentId;
extern const char *WebhookGuardedOldState;

/*
 * Record a payment's move as the guard does, the state before it (what a
 * move that returns only the new row cannot tell).
 */
extern void WebhookGuardRecord(int64 payment_id, const char *old_state);

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
 * The state an event's action moves its payment to on the one-statement
 * path, or NULL when the event needs the general one (apply.c).
 */
extern const char *WebhookFastTarget(const char *action, bool partial, const char *object_id);

/*
 * Move the payment of provider and external_id to target, with its order
 * (update.c, else WEBHOOK_PLAN_PAYMENT_FAST and WebhookMoveOrder), when
 * the state machine allows it and (for a capture) amount, in major units,
 * and currency agree; false when no payment moved.  schema is nspoid's
 * name, quoted.  On success the NOTIFY is sent and *m is filled in cxt;
 * when no payment moved and m->judged is set, *m tells why (apply.c).
 */
extern bool WebhookMovePayment(const char *schema, Oid nspoid, const char *provider,
							   const char *external_id, const char *target, Datum amount,
							   bool amount_null, const char *currency, MemoryContext cxt,
							   WebhookMove *m);

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

/* Helpers shared by state.c and apply.c (state.c). */
extern bool WebhookOneOf(const char *s, const char *const *words, int n);
/* The element of words equal to s (a constant), or NULL. */
extern const char *WebhookWordOf(const char *s, const char *const *words, int n);
extern void WebhookInvalidColumn(const char *table, const char *column,
								 const char *value, const char *must) pg_attribute_noreturn();
extern char *WebhookTupleText(HeapTuple tup, TupleDesc desc, int attno);

/*
 * apply.c: wait until no event that is parking for a payment's keys holds
 * them, holding them not at all (a payment insert, before it looks for
 * parked events); and the quoted schema of a namespace.
 */
extern void WebhookPassPaymentKeys(const char *provider, const char *reference,
								   const char *external_id);

/*
 * apply.c: whether an event may be parked for a payment's keys (one that
 * a snapshot taken at WebhookParkedProbeBegin sees in the parked indexes,
 * whatever its status): false means none is, and a payment insert has
 * nothing to apply.  Begin after passing the keys of every payment to
 * probe; the probe keeps the indexes open for many payments.
 */
typedef struct WebhookParkedProbe WebhookParkedProbe;

/*
 * apply.c: whether the statement's snapshot sees the event stored (by
 * UNIQUE (provider, event_id)): a retry of it is a duplicate without
 * trying the insert, whose unique check would wait for any transaction
 * that is counting another retry of it.
 */
extern bool WebhookEventStored(Oid nspoid, const char *provider, const char *event_id);
extern WebhookParkedProbe *WebhookParkedProbeBegin(Oid nspoid);
extern void WebhookParkedProbeEnd(WebhookParkedProbe *pp);
extern bool WebhookMaybeParked(WebhookParkedProbe *pp, const char *provider,
							   const char *reference, const char *external_id);
extern const char *WebhookSchemaOf(Oid nspoid);

/* true when a payment may move from one state to the other */
extern bool WebhookTransitionAllowed(const char *from, const char *to);


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

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
 * The state an event's action moves its payment to on the one-statement
 * path, or NULL when the event needs the general one.
 */
extern const char *WebhookFastTarget(const char *action, bool partial, const char *object_id);

/*
 * Move the payment of provider and external_id to target, with its order
 * (update.c, else WEBHOOK_PLAN_PAYMENT_FAST and WebhookMoveOrder), when
 * the state machine allows it and (for a capture) amount, in major units,
 * and currency agree; false when no payment moved.  schema is nspoid's
 * name, quoted.  On success the NOTIFY is sent and *m is filled in cxt;
 * when no payment moved and m->judged is set, *m tells why.
 */
extern bool WebhookMovePayment(const char *schema, Oid nspoid, const char *provider,
							   const char *external_id, const char *target, Datum amount,
							   bool amount_null, const char *currency, MemoryContext cxt,
							   WebhookMove *m);

/*
 * Whether the statement's snapshot sees the event stored (by UNIQUE
 * (provider, event_id)): a retry of it is a duplicate without trying the
 * insert, whose unique check would wait for any transaction that is
 * counting another retry of it.
 */
extern bool WebhookEventStored(Oid nspoid, const char *provider, const char *event_id);

/*
 * Whether an event may be parked for a payment's keys (one that a snapshot
 * taken at WebhookParkedProbeBegin sees in the parked indexes, whatever
 * its status): false means none is, and a payment insert has nothing to
 * apply.  Begin after passing the keys of every payment to probe; the
 * probe keeps the indexes open for many payments.
 */
typedef struct WebhookParkedProbe WebhookParkedProbe;

extern WebhookParkedProbe *WebhookParkedProbeBegin(Oid nspoid);
extern void WebhookParkedProbeEnd(WebhookParkedProbe *pp);
extern bool WebhookMaybeParked(WebhookParkedProbe *pp, const char *provider,
							   const char *reference, const char *external_id);

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

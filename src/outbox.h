/*-------------------------------------------------------------------------
 *
 * outbox.h
 *	  The messages of webhook_outbox, written by the code that makes each
 *	  change, in its transaction (outbox.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_OUTBOX_H
#define WEBHOOK_OUTBOX_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* The event a message is about (the "event" of its payload). */
typedef struct WebhookOutboxEvent
{
	int64		pk;
	const char *provider;
	const char *event_id;
	const char *event_type;
	const char *status;			/* for event.failed and event.held */
	const char *detail;
	int64		payment_id;		/* 0: none known */
	const char *object_id;		/* for fetch.<provider>: what to fetch */
	const char *object_type;
} WebhookOutboxEvent;

/* An order as a change left it (the "order" of a payload); amounts as numeric text. */
typedef struct WebhookOutboxOrder
{
	char	   *ref;
	char	   *state;
	char	   *old_state;
	char	   *total;
	char	   *amount_paid;
	char	   *amount_refunded;
	bool		changed;		/* its state or amounts changed */
} WebhookOutboxOrder;

/*
 * Whether some consumer subscribes to the outbox of the extension in
 * nspoid (a per-backend cache of webhook_subscriptions, kept current by
 * its invalidation trigger): callers gather a message's contents only
 * then.  False for a schema not updated to 0.2.0.
 */
extern bool WebhookOutboxWanted(Oid nspoid);

/*
 * The payload's "payment" object, from a webhook_payments row (deformed
 * into values and nulls, by column name, so any descriptor of the table or
 * a RETURNING of its columns serves), in the current memory context.
 */
extern Jsonb *WebhookOutboxPaymentJson(TupleDesc desc, const Datum *values, const bool *nulls,
									   const char *old_state);

/*
 * Write the messages of one payment's change: payment.<payment_state> when
 * payment_state is not NULL, order.<its state> when order is not NULL, each
 * with payment_json as its "payment"; event
 * names the event that made the change, or is NULL (a change by hand).
 * Runs connected to SPI; inserts with the rights of the outbox's owner.
 */
extern void WebhookOutboxChange(Oid nspoid, int64 payment_id, const char *payment_state,
								Jsonb *payment_json, const WebhookOutboxOrder *order,
								const WebhookOutboxEvent *event);

/* Write event.<status> for an event stored or set failed or held.  Connected to SPI. */
extern void WebhookOutboxEventMessage(Oid nspoid, const WebhookOutboxEvent *event);

/* The message fetch.<provider> of an event stored with status fetch.  Connected to SPI. */
extern void WebhookOutboxFetchMessage(Oid nspoid, const WebhookOutboxEvent *event);

/*
 * Append "key": value (a JSON string, or null) to an object being written
 * in buf, after a ", " unless it is the first member.
 */
extern void WebhookJsonMember(StringInfo buf, const char *key, const char *value);

/*
 * Whether a NOTIFY has anyone to wake: webhook.notify is on and some
 * session of the database called webhook_listen() (asked at most once
 * a second).
 */
extern bool WebhookNotifyWanted(void);

/*
 * The event being applied, for the messages of the payment changes that
 * applying it makes by a statement: the payments trigger writes those, and
 * no argument reaches it through the statement.  The applier names the
 * event with WebhookOutboxEventBegin, which returns the one named before
 * (applying nests when a payment insert applies parked events), and gives
 * that back to WebhookOutboxEventEnd however applying ends (PG_FINALLY).
 * WebhookOutboxEventCurrent is the event named, or NULL: a change by hand.
 */
extern const WebhookOutboxEvent *WebhookOutboxEventBegin(const WebhookOutboxEvent *event);
extern void WebhookOutboxEventEnd(const WebhookOutboxEvent *outer);
extern const WebhookOutboxEvent *WebhookOutboxEventCurrent(void);

#endif							/* WEBHOOK_OUTBOX_H */

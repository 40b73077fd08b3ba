/*-------------------------------------------------------------------------
 *
 * extract.h
 *	  Finding an event's id, type, payment, amount and time in a verified
 *	  (or about to be verified) payload, per scheme and config.paths.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_EXTRACT_H
#define WEBHOOK_EXTRACT_H

#include "postgres.h"
#include "utils/jsonb.h"

#include "config.h"
#include "headers.h"

/* What ingest stores in webhook_events; strings palloc'd, NULL if absent. */
typedef struct WebhookEvent
{
	char	   *event_id;
	bool		id_from_header; /* event_id is a header's idempotency key */
	char	   *event_type;
	const char *action;
	char	   *object_id;
	char	   *reference;
	char	   *amount;			/* decimal text, major units */
	char	   *amount_minor;	/* integer text, minor units */
	char	   *currency;		/* upper case */
	char	   *refund_id;
	bool		cumulative;
	bool		partial;		/* one capture of several: adds to the captured amount */
	bool		has_occurred_at;
	TimestampTz occurred_at;
	/*
	 * Why the event's amount or currency cannot be applied
	 * ("invalid_amount: ..."), or NULL: such an event is stored held and
	 * never moves money.
	 */
	const char *invalid;
	/*
	 * The event carries no state (Mollie's classic webhooks, Stripe's thin
	 * events): stored with status fetch, never applied; the shop fetches
	 * object_id, of object_type, and passes it to webhook_apply_object.
	 */
	bool		fetch;
	char	   *object_type;
} WebhookEvent;

/*
 * Fill ev from the payload (and the headers, for schemes that carry the
 * event id there; body_sha256 is the fallback event id).  Returns NULL on
 * success, or why the body cannot be mapped to an event (a required field
 * missing or of the wrong kind); ingest judges that only after the
 * signature.  An amount or currency that cannot be applied is no reason:
 * it sets ev->invalid.  A timestamp text that does not parse raises the
 * input function's error: call it inside a subtransaction.
 */
extern const char *WebhookExtract(WebhookConfig *cfg, WebhookProvider *prov,
								  Jsonb *payload, const unsigned char *body_sha256,
								  const WebhookHeader *headers, int nheaders,
								  WebhookEvent *ev);

#endif							/* WEBHOOK_EXTRACT_H */

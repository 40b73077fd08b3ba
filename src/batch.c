/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  Deliveries that carry several events (README "Deliveries with
 *	  several events"): Adyen's notificationItems, GoCardless's events.
 *
 * The scheme's split callback gives the events of a parsed body.  Each is
 * extracted on its own (a problem with one makes it unmapped, not the
 * others), the delivery is verified once (or, for a scheme whose events
 * carry their own signatures, every event is, and one that does not
 * verify refuses the whole delivery: nothing of a delivery is stored that
 * is not the provider's; a body without the batch's shape is verified by
 * the delivery's own signature and stored ignored), and then each event is stored, deduplicated and
 * applied as a delivery of one would be, in a subtransaction of its own
 * (store.c): a failure of one never rolls back the others.  The delivery
 * is one row, which counts its events.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "authenticate.h"
#include "batch.h"
#include "crypto.h"
#include "extract.h"
#include "reply.h"
#include "store.h"

/* The most events one delivery may carry (GoCardless sends at most 250). */
#define WEBHOOK_MAX_EVENTS 1000

/* One event of a delivery: its body, its hash, what extraction found. */
typedef struct BatchEvent
{
	Jsonb	   *payload;
	unsigned char sha[32];		/* SHA-256 of its JSON text: the id of last resort */
	WebhookEvent ev;
	const char *unmapped;		/* why the scheme cannot map it, or NULL */
} BatchEvent;

/*
 * Extract one event of the delivery, in a subtransaction so that what the
 * input functions raise (a number or a time out of range) makes it
 * unmapped rather than failing the delivery.  Cancels and out-of-memory
 * are thrown again.
 */
static void
extract_event(WebhookConfig *cfg, WebhookProvider *prov, const WebhookHeader *hdrs, int nhdrs,
			  BatchEvent *be)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	char	   *text = JsonbToCString(NULL, &be->payload->root, VARSIZE(be->payload));

	if (!WebhookSha256((const unsigned char *) text, strlen(text), be->sha))
		elog(ERROR, "OpenSSL failed to hash an event");
	if (!JB_ROOT_IS_OBJECT(be->payload) || JB_ROOT_IS_SCALAR(be->payload))
	{
		be->unmapped = "the event is not a JSON object";
		return;
	}
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		be->unmapped = WebhookExtract(cfg, prov, be->payload, be->sha, hdrs, nhdrs, &be->ev);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = WebhookSubxactAbort(oldcxt, oldcxt, oldowner);

		be->unmapped = psprintf("the event cannot be read: %s", edata->message);
	}
	PG_END_TRY();
}

/*
 * Verify the delivery: once for the body, or each event for a scheme that
 * signs them one by one (the first that does not verify refuses the
 * delivery, its outcome naming the event).  As WebhookAuthenticate.
 */
static bool
authenticate_batch(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
				   const WebhookHeader *hdrs, int nhdrs, BatchEvent *events, int n,
				   IngestResult *r)
{
	WebhookEvent none;

	if (!prov->scheme->verify_each)
	{
		memset(&none, 0, sizeof(none));
		return WebhookAuthenticate(cfg, prov, req, hdrs, nhdrs, n > 0 ? &events[0].ev : &none,
								   NULL, r);
	}
	if (n == 0)
	{
		WebhookSetOutcome(r, "invalid_signature", "the delivery carries no signed event");
		return false;
	}
	for (int i = 0; i < n; i++)
	{
		int64		secret_id = r->secret_id;

		if (!WebhookAuthenticate(cfg, prov, req, hdrs, nhdrs, &events[i].ev, events[i].payload, r))
		{
			r->detail = psprintf("event %d of %d: %s", i + 1, n, r->detail);
			return false;
		}
		/* the delivery's secret: the first event's */
		if (i > 0)
			r->secret_id = secret_id;
	}
	return true;
}

/*
 * The delivery's own outcome from its events': the first event's, with
 * 200 unless some event failed (then that one's 5xx, so the provider
 * sends the delivery again; its stored events answer as duplicates).
 */
static void
batch_outcome(WebhookProvider *prov, IngestResult *r, IngestResult *events, int n)
{
	int64		secret_id = r->secret_id;
	int			status = 200;

	if (n == 0)
	{
		WebhookSetOutcome(r, "ignored", "the delivery carries no events");
		return;
	}
	for (int i = 0; i < n; i++)
	{
		events[i].secret_id = secret_id;
		if (events[i].http_status >= 500 && status < 500)
			status = events[i].http_status;
		if (events[i].stored_event)
			r->stored_event = true;
	}
	r->outcome = events[0].outcome;
	r->detail = events[0].detail;
	r->event_id = events[0].event_id;
	r->event_pk = events[0].event_pk;
	r->event_status = events[0].event_status;
	r->payment_ref = events[0].payment_ref;
	r->payment_state = events[0].payment_state;
	r->order_ref = events[0].order_ref;
	r->order_state = events[0].order_state;
	r->http_status = prov->scheme->never_5xx ? 200 : status;
}

/* Each event of items extracted (BatchEvent, palloc'd). */
static BatchEvent *
extract_events(WebhookConfig *cfg, WebhookProvider *prov, const WebhookHeader *hdrs, int nhdrs,
			   Jsonb **items, int n)
{
	BatchEvent *events = palloc0(sizeof(BatchEvent) * Max(n, 1));

	for (int i = 0; i < n; i++)
	{
		events[i].payload = items[i];
		extract_event(cfg, prov, hdrs, nhdrs, &events[i]);
	}
	return events;
}

/* Store, deduplicate and apply each event, and set the delivery's outcome from theirs. */
static void
store_events(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
			 BatchEvent *events, int n, IngestResult *r, MemoryContext cxt)
{
	IngestResult *results = palloc0(sizeof(IngestResult) * Max(n, 1));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (int i = 0; i < n; i++)
	{
		BatchEvent *be = &events[i];
		IngestResult *e = &results[i];

		if (be->unmapped != NULL)
			WebhookStoreUnmapped(cfg->schema, prov, req, be->sha, &be->ev, be->payload,
								 be->unmapped, e, cxt);
		else
		{
			e->event_id = be->ev.event_id;
			WebhookStoreEvent(cfg, prov, req, &be->ev, be->payload, e, cxt);
		}
	}
	SPI_finish();
	r->nevents = n;
	r->events = results;
	batch_outcome(prov, r, results, n);
}

void
WebhookApplyEvents(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
				   Jsonb **items, int n, IngestResult *r, MemoryContext cxt)
{
	store_events(cfg, prov, req, extract_events(cfg, prov, NULL, 0, items, n), n, r, cxt);
}

void
WebhookIngestBatch(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
				   const WebhookHeader *hdrs, int nhdrs, const unsigned char *sha,
				   Jsonb *payload, IngestResult *r, MemoryContext cxt)
{
	Jsonb	  **items = NULL;
	const char *why = NULL;
	int			n = -1;
	BatchEvent *events;

	if (JB_ROOT_IS_OBJECT(payload) && !JB_ROOT_IS_SCALAR(payload))
		n = prov->scheme->split(payload, &items, &why);
	else
		why = "the body is not a JSON object";
	if (n > WEBHOOK_MAX_EVENTS)
	{
		WebhookSetOutcome(r, "body_too_large",
						  psprintf("the delivery carries %d events; at most %d are taken",
								   n, WEBHOOK_MAX_EVENTS));
		return;
	}
	if (n < 0)
	{
		/*
		 * A body without the scheme's shape: a delivery of one that cannot
		 * be mapped, verified by the delivery's own signature (Adyen's
		 * other webhooks sign the body in a header).
		 */
		WebhookEvent ev;

		memset(&ev, 0, sizeof(ev));
		if (WebhookAuthenticate(cfg, prov, req, hdrs, nhdrs, &ev, NULL, r))
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			WebhookStoreUnmapped(cfg->schema, prov, req, sha, &ev, payload, why, r, cxt);
			r->nevents = 1;
			SPI_finish();
		}
		return;
	}

	events = extract_events(cfg, prov, hdrs, nhdrs, items, n);
	if (authenticate_batch(cfg, prov, req, hdrs, nhdrs, events, n, r))
		store_events(cfg, prov, req, events, n, r, cxt);
}

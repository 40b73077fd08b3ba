/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  What the pipeline of webhook_ingest (ingest.c) hands to the files
 *	  that record its delivery (delivery.c) and build its reply (reply.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_INGEST_H
#define WEBHOOK_INGEST_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/jsonb.h"
#include "utils/resowner.h"

#include "config.h"
#include "extract.h"

/* Everything one call learns, for the delivery row and the reply. */
typedef struct IngestResult
{
	const char *outcome;
	int			http_status;
	const char *detail;
	char	   *event_id;
	int64		event_pk;		/* 0: none */
	bool		stored_event;	/* this call stored the event (no duplicate, no retry) */
	int64		secret_id;		/* 0: none */
	char	   *event_status;
	char	   *payment_ref;
	char	   *payment_state;
	char	   *order_ref;
	char	   *order_state;
	int64		delivery_id;
	char	   *cert_url;		/* unknown_certificate: where to fetch it */
} IngestResult;

/* One request, as the three SQL forms hand it over. */
typedef struct IngestRequest
{
	char	   *provider;
	Jsonb	   *headers;
	const char *body;
	size_t		body_len;
	text	   *path;
	TimestampTz now;			/* signed timestamps are judged against this */
	TimestampTz keys_now;		/* secrets valid at this time are tried */
	int64		redelivery_of;	/* webhook_redeliver: the delivery run again */
	TimestampTz received_at;
} IngestRequest;

/* A statement parameter from a C string or NULL: values[i] and nulls[i] (' ' or 'n'). */
#define TEXT_OR_NULL(s, i) \
	(values[i] = (s) ? CStringGetTextDatum(s) : (Datum) 0, nulls[i] = (s) ? ' ' : 'n')

/* Insert the webhook_deliveries row and count it; sets r->delivery_id (delivery.c). */
extern void WebhookRecordDelivery(WebhookConfig *cfg, WebhookProvider *prov,
								  const IngestRequest *req, const unsigned char *sha,
								  IngestResult *r);

/* Set the outcome and its HTTP status (reply.c). */
extern void WebhookSetOutcome(IngestResult *r, const char *outcome, const char *detail);

/*
 * Look up a header a scheme needs (reply.c).  Returns NULL when found
 * (*out set), else sets the outcome on r (missing_header, or
 * malformed_header for one sent twice) and returns it.
 */
extern const char *WebhookNeedHeader(const WebhookHeader *hdrs, int n, const char *name,
									 const WebhookHeader **out, IngestResult *r);

/* What a scheme's verify callback is given: the request and the keys to try. */
typedef struct WebhookVerifyCall
{
	const char *schema;			/* the extension's schema, quoted */
	WebhookProvider *prov;
	const IngestRequest *req;
	const WebhookHeader *hdrs;
	int			nhdrs;
	const WebhookKey *keys;		/* in the order to try them */
	int			nkeys;
} WebhookVerifyCall;

/*
 * The verdict of prov's scheme on one request with one key (NULL: none),
 * at the verifier's clock, as webhook_verify gives it (ingest.c).  A
 * request the scheme refuses before judging a signature is
 * WEBHOOK_MISSING_HEADER; schema may be NULL for a scheme that reads no
 * table.
 */
extern WebhookVerdict WebhookVerifyOne(const char *schema, WebhookProvider *prov,
									   const WebhookHeader *hdrs, int nhdrs, const char *body,
									   size_t body_len, const WebhookKey *key);

/* The generic gateway's two body shapes (schemes/generic.c). */
extern void WebhookExtractGeneric(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload,
								  WebhookEvent *ev);

/*
 * Roll back the current subtransaction after an error and return it,
 * copied into keep, with back as the memory context and owner as the
 * resource owner again; errors that are not the sender's doing are thrown
 * again (ingest.c).
 */
extern ErrorData *WebhookSubxactAbort(MemoryContext keep, MemoryContext back, ResourceOwner owner);

/*
 * Store the verified event and set the outcome (store.c): see there.
 * WebhookStoreUnmapped stores a verified body the scheme cannot map
 * (why says what is missing) as ignored.
 */
extern void WebhookStoreEvent(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
							  const WebhookEvent *ev, Jsonb *payload, IngestResult *r,
							  MemoryContext cxt);
extern void WebhookStoreUnmapped(const char *schema, WebhookProvider *prov, const IngestRequest *req,
								 const unsigned char *sha, WebhookEvent *ev, Jsonb *payload,
								 const char *why, IngestResult *r, MemoryContext cxt);

/* The reply of README "How it works", palloc'd (reply.c). */
extern Jsonb *WebhookBuildReply(const IngestResult *r);

#endif							/* WEBHOOK_INGEST_H */

/*-------------------------------------------------------------------------
 *
 * reply.h
 *	  Outcomes and the reply of webhook_ingest (reply.c): the outcome and
 *	  its HTTP status, the headers a scheme needs, the jsonb reply.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_REPLY_H
#define WEBHOOK_REPLY_H

#include "request.h"

/* Set the outcome and its HTTP status (reply.c). */
extern void WebhookSetOutcome(IngestResult *r, const char *outcome, const char *detail);

/*
 * Look up a header a scheme needs (reply.c).  Returns NULL when found
 * (*out set), else sets the outcome on r (missing_header, or
 * malformed_header for one sent twice) and returns it.
 */
extern const char *WebhookNeedHeader(const WebhookHeader *hdrs, int n, const char *name,
									 const WebhookHeader **out, IngestResult *r);

/* The reply of README "How it works", palloc'd (reply.c). */
extern Jsonb *WebhookBuildReply(const IngestResult *r);

#endif							/* WEBHOOK_REPLY_H */

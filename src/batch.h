/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  Deliveries that carry several events (batch.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_BATCH_H
#define WEBHOOK_BATCH_H

#include "request.h"

/*
 * Verify, store and apply the events of a delivery of a scheme with a
 * split callback, payload its parsed body; sets the delivery's outcome,
 * nevents and events on r (palloc'd in the current context; stored rows'
 * texts in cxt).  Connects to SPI itself.  The caller records the
 * delivery and builds the reply.
 */
extern void WebhookIngestBatch(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
							   const WebhookHeader *hdrs, int nhdrs, const unsigned char *sha,
							   Jsonb *payload, IngestResult *r, MemoryContext cxt);

/*
 * Store, deduplicate and apply items, the events of a source trusted
 * without a signature (an object fetched from the provider: fetch.c), as
 * WebhookIngestBatch stores a delivery's once it verifies.
 */
extern void WebhookApplyEvents(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
							   Jsonb **items, int n, IngestResult *r, MemoryContext cxt);

#endif							/* WEBHOOK_BATCH_H */

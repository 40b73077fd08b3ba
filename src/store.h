/*-------------------------------------------------------------------------
 *
 * store.h
 *	  Storing a verified event once (store.c), and the subtransaction
 *	  rollback that ingest and storage share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_STORE_H
#define WEBHOOK_STORE_H

#include "utils/resowner.h"

#include "extract.h"
#include "request.h"

/*
 * Roll back the current subtransaction after an error and return it,
 * copied into keep, with back as the memory context and owner as the
 * resource owner again; errors that are not the sender's doing are thrown
 * again (store.c).
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

#endif							/* WEBHOOK_STORE_H */

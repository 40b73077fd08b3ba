/*-------------------------------------------------------------------------
 *
 * delivery.h
 *	  The webhook_deliveries row of every webhook_ingest call (delivery.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_DELIVERY_H
#define WEBHOOK_DELIVERY_H

#include "request.h"

/* Insert the webhook_deliveries row and count it; sets r->delivery_id (delivery.c). */
extern void WebhookRecordDelivery(WebhookConfig *cfg, WebhookProvider *prov,
								  const IngestRequest *req, const unsigned char *sha,
								  IngestResult *r);

#endif							/* WEBHOOK_DELIVERY_H */

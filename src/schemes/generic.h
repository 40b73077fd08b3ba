/*-------------------------------------------------------------------------
 *
 * schemes/generic.h
 *	  The generic gateway's two body shapes (schemes/generic.c), which the
 *	  hmac, apikey and standard schemes read.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_SCHEMES_GENERIC_H
#define WEBHOOK_SCHEMES_GENERIC_H

#include "config.h"
#include "extract.h"

/* The generic gateway's two body shapes (schemes/generic.c). */
extern void WebhookExtractGeneric(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload,
								  WebhookEvent *ev);

#endif							/* WEBHOOK_SCHEMES_GENERIC_H */

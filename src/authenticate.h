/*-------------------------------------------------------------------------
 *
 * authenticate.h
 *	  Verifying a request with its provider's keys (authenticate.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_AUTHENTICATE_H
#define WEBHOOK_AUTHENTICATE_H

#include "extract.h"
#include "request.h"

/*
 * Verify the request: its keys are the payment's secrets (when ev names a
 * payment whose provider has any), then the provider's.  event is the
 * event whose own signature is checked (a scheme with verify_each), or
 * NULL for the request's.  Returns true when verified (r->secret_id set);
 * otherwise sets the outcome on r, with the scheme's invalid_status.  The
 * payment's decoded keys are wiped before returning.
 */
extern bool WebhookAuthenticate(WebhookConfig *cfg, WebhookProvider *prov,
								const IngestRequest *req, const WebhookHeader *hdrs, int nhdrs,
								const WebhookEvent *ev, Jsonb *event, IngestResult *r);

/*
 * The verdict of prov's scheme on one request with one key (NULL: none),
 * at the verifier's clock, as webhook_verify and the per-scheme helpers
 * give it.  A request the scheme refuses before judging a signature is
 * WEBHOOK_MISSING_HEADER; schema may be NULL for a scheme that reads no
 * table.
 */
extern WebhookVerdict WebhookVerifyOne(const char *schema, WebhookProvider *prov,
									   const WebhookHeader *hdrs, int nhdrs, const char *body,
									   size_t body_len, const WebhookKey *key);

#endif							/* WEBHOOK_AUTHENTICATE_H */

/*-------------------------------------------------------------------------
 *
 * fetch.c
 *	  Objects the shop fetched from the provider (README "Fetch and
 *	  apply"): webhook_apply_object.
 *
 * Some webhooks carry no state (Mollie's classic webhooks, Stripe's thin
 * events): they are stored with status fetch and add the outbox message
 * fetch.<provider> (store.c).  The shop fetches the object they name over
 * the provider's API and passes it here.  The object is authoritative: the
 * scheme turns it into the events of its own webhooks it amounts to
 * (WebhookSchemeInfo.object), which are stored, deduplicated and applied
 * as a delivery's events are, within the state machine.  Their ids come
 * from the object's SHA-256, so the same object passed twice is a
 * duplicate.  The call is recorded as a delivery of kind object, and
 * answered as webhook_ingest is.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "batch.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "delivery.h"
#include "reply.h"
#include "request.h"

PG_FUNCTION_INFO_V1(webhook_apply_object);

/* The most events one object may amount to (a payment and its refunds, say). */
#define WEBHOOK_MAX_OBJECT_EVENTS 8

/*
 * webhook_apply_object(provider text, object jsonb) RETURNS jsonb
 *	  Apply an object fetched from the provider's API as authoritative;
 *	  answered as webhook_ingest, recorded as a delivery of kind object.
 */
Datum
webhook_apply_object(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	IngestRequest req;
	IngestResult r;
	WebhookConfig *cfg;
	WebhookProvider *prov;
	Jsonb	   *object;
	char	   *json;
	unsigned char sha[32];
	char		hex[65];
	Jsonb	  **events = NULL;
	const char *why = NULL;
	int			n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("provider and object must not be null")));
	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.provider = text_to_cstring(PG_GETARG_TEXT_PP(0));
	object = PG_GETARG_JSONB_P(1);
	json = JsonbToCString(NULL, &object->root, VARSIZE(object));
	req.body = json;
	req.body_len = strlen(json);
	req.kind = "object";
	req.received_at = GetCurrentTransactionStartTimestamp();
	req.keys_now = req.now = WebhookNow();
	if (!WebhookSha256((const unsigned char *) json, req.body_len, sha))
		elog(ERROR, "OpenSSL failed to hash the object");
	WebhookHexEncode(sha, 32, hex);
	hex[64] = '\0';

	cfg = WebhookConfigGet();
	prov = WebhookConfigProvider(cfg, req.provider);
	if (prov != NULL && prov->scheme->object == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("scheme %s has no objects to apply", prov->scheme->name),
				 errhint("Its webhooks carry their state: webhook_ingest applies them.")));
	if (prov == NULL || !prov->enabled)
		WebhookSetOutcome(&r, "unknown_provider", prov == NULL ?
						  "no provider has this name" : "the provider is disabled");
	else if (!JB_ROOT_IS_OBJECT(object) || JB_ROOT_IS_SCALAR(object))
		WebhookSetOutcome(&r, "malformed_body", "the object is not a JSON object");
	else if ((n = prov->scheme->object(object, psprintf("object:%s", hex), &events, &why)) < 0)
		WebhookSetOutcome(&r, "malformed_body", why);
	else if (n > WEBHOOK_MAX_OBJECT_EVENTS)
		WebhookSetOutcome(&r, "body_too_large",
						  psprintf("the object amounts to %d events; at most %d are taken",
								   n, WEBHOOK_MAX_OBJECT_EVENTS));
	else if (n == 0)
		WebhookSetOutcome(&r, "ignored", "the object's state changes nothing yet");
	else
		WebhookApplyEvents(cfg, prov, &req, events, n, &r, cxt);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	WebhookRecordDelivery(cfg, prov, &req, sha, &r);
	SPI_finish();
	PG_RETURN_JSONB_P(WebhookBuildReply(&r));
}

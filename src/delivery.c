/*-------------------------------------------------------------------------
 *
 * delivery.c
 *	  The webhook_deliveries row of every webhook_ingest call: what it
 *	  records of the request (headers with API keys redacted, the body
 *	  only when refused), through insert.c, and its count (stats.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "delivery.h"
#include "headers.h"
#include "insert.h"
#include "spi.h"
#include "stats.h"

/*
 * The headers to record: as passed, but with the API key's value
 * redacted for apikey providers.
 */
static Jsonb *
recorded_headers(WebhookProvider *prov, Jsonb *headers)
{
	JsonbParseState *state = NULL;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbValue *res = NULL;
	JsonbIteratorToken tok;
	bool		redact_next = false;

	if (prov == NULL || headers == NULL || !prov->scheme->redact_header)
		return headers;
	it = JsonbIteratorInit(&headers->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			redact_next = ((size_t) v.val.string.len == strlen(prov->config.header) &&
						   pg_strncasecmp(v.val.string.val, prov->config.header,
										  v.val.string.len) == 0);
		else if (tok == WJB_VALUE && redact_next)
		{
			v.type = jbvString;
			v.val.string.val = "[redacted]";
			v.val.string.len = 10;
		}
		res = pushJsonbValue(&state, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	return JsonbValueToJsonb(res);
}

/*
 * The parameters of a webhook_deliveries row (16, in the order of
 * WEBHOOK_PLAN_INSERT_DELIVERY).
 */
static void
delivery_params(WebhookProvider *prov, const IngestRequest *req, const unsigned char *sha,
				const IngestResult *r, Datum *values, char *nulls)
{
	bytea	   *hash = palloc(VARHDRSZ + 32);
	/* rejected bodies are kept to investigate and redeliver (unknown_certificate too) */
	bool		keep_body = (r->http_status >= 400 && r->http_status < 500 &&
							 strcmp(r->outcome, "body_too_large") != 0) ||
		(r->outcome != NULL && strcmp(r->outcome, "unknown_certificate") == 0);

	SET_VARSIZE(hash, VARHDRSZ + 32);
	memcpy(VARDATA(hash), sha, 32);

	TEXT_OR_NULL(req->provider, 0);
	values[1] = TimestampTzGetDatum(req->received_at);
	nulls[1] = ' ';
	values[2] = Int32GetDatum(r->http_status);
	nulls[2] = ' ';
	TEXT_OR_NULL(r->outcome, 3);
	TEXT_OR_NULL(r->detail, 4);
	TEXT_OR_NULL(r->event_id, 5);
	values[6] = Int64GetDatum(r->event_pk);
	nulls[6] = r->event_pk ? ' ' : 'n';
	values[7] = Int64GetDatum(r->secret_id);
	nulls[7] = r->secret_id ? ' ' : 'n';
	values[8] = req->path ? PointerGetDatum(req->path) : (Datum) 0;
	nulls[8] = req->path ? ' ' : 'n';
	values[9] = req->headers ? JsonbPGetDatum(recorded_headers(prov, req->headers)) : (Datum) 0;
	nulls[9] = req->headers ? ' ' : 'n';
	values[10] = PointerGetDatum(hash);
	nulls[10] = ' ';
	values[11] = Int32GetDatum((int32) Min(req->body_len, (size_t) PG_INT32_MAX));
	nulls[11] = ' ';
	if (keep_body)
	{
		bytea	   *b = palloc(VARHDRSZ + req->body_len);

		SET_VARSIZE(b, VARHDRSZ + req->body_len);
		memcpy(VARDATA(b), req->body, req->body_len);
		values[12] = PointerGetDatum(b);
		nulls[12] = ' ';
	}
	else
	{
		values[12] = (Datum) 0;
		nulls[12] = 'n';
	}
	values[13] = Int64GetDatum(req->redelivery_of);
	nulls[13] = req->redelivery_of ? ' ' : 'n';
	values[14] = Int32GetDatum(r->nevents);
	nulls[14] = ' ';
	values[15] = CStringGetTextDatum(req->kind ? req->kind : "webhook");
	nulls[15] = ' ';
}


/* Insert the webhook_deliveries row; sets r->delivery_id. */
void
WebhookRecordDelivery(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
				const unsigned char *sha, IngestResult *r)
{
	Datum		values[16];
	char		nulls[16];

	delivery_params(prov, req, sha, r, values, nulls);
	r->delivery_id = WebhookInsertRow(cfg->deliveries_count ?
									  WEBHOOK_PLAN_INSERT_DELIVERY : WEBHOOK_PLAN_INSERT_DELIVERY_010,
									  cfg->schema, cfg->nspoid, values, nulls);
	WebhookStatsCount(cfg->schema, cfg->nspoid, req->provider, r->outcome, r->http_status,
					  req->received_at, r->stored_event);
}

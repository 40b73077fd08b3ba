/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  The pipeline behind webhook_ingest: check the caller's arguments,
 *	  find the provider, bound the size, parse the body, verify the
 *	  signature, store the event once (store.c), record the delivery
 *	  (delivery.c), reply (reply.c).
 *
 * Invariants:
 *	- Nothing a sender controls raises: each rejection is an outcome, and
 *	  every call that returns has written exactly one webhook_deliveries
 *	  row.  Only the caller's own mistakes (NULL provider, headers that
 *	  are not an object) are SQL errors.
 *	- Signatures are checked over the body bytes exactly as received.
 *	- Idempotency comes from UNIQUE (provider, event_id): the event insert
 *	  is INSERT ... ON CONFLICT, never a check-then-insert.
 *	- Applying an event is done by the trigger on webhook_events; ingest
 *	  only reads the result.
 *	- Only cached plans (spi.c) and the cached config (config.c) are used.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "authenticate.h"
#include "batch.h"
#include "delivery.h"
#include "extract.h"
#include "headers.h"
#include "insert.h"
#include "jsonget.h"
#include "outbox.h"
#include "reply.h"
#include "request.h"
#include "spi.h"
#include "state.h"
#include "stats.h"
#include "store.h"
#include "webhook.h"

PG_FUNCTION_INFO_V1(webhook_ingest_bytea);
PG_FUNCTION_INFO_V1(webhook_ingest_text);
PG_FUNCTION_INFO_V1(webhook_ingest_envelope);

/*
 * The caller's headers object as an array of name/value pointers into the
 * jsonb.  Raises (a caller error) if it is not an object of strings.
 */
static WebhookHeader *
headers_array(Jsonb *headers, int *n)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	WebhookHeader *arr;
	int			count = 0;
	int			cap;

	if (!JB_ROOT_IS_OBJECT(headers) || JB_ROOT_IS_SCALAR(headers))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("headers must be a JSON object"),
				 errhint("Pass the request headers as {\"Name\": \"value\", ...}.")));
	cap = Max(JB_ROOT_COUNT(headers), 1);
	arr = palloc(sizeof(WebhookHeader) * cap);
	it = JsonbIteratorInit(&headers->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			arr[count].name = v.val.string.val;
			arr[count].name_len = v.val.string.len;
		}
		else if (tok == WJB_VALUE)
		{
			if (v.type != jbvString)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("header \"%.*s\" must be a JSON string",
								arr[count].name_len, arr[count].name),
						 errhint("Pass header values as strings, as they arrived.")));
			arr[count].value = v.val.string.val;
			arr[count].value_len = v.val.string.len;
			count++;
		}
	}
	*n = count;
	return arr;
}

/*
 * Parse the body as JSON and extract the event, inside a subtransaction
 * so that whatever the input functions raise (bad JSON, nesting too deep,
 * a number or time out of range) becomes a detail.  Returns NULL when the
 * body is JSON, else the malformed_body detail (not UTF-8, not JSON).  A
 * JSON body that the scheme cannot map to an event (not an object, a
 * required field missing, a time that does not parse) sets *unmapped to
 * why: that is judged after the signature.  Cancels and out-of-memory are
 * re-thrown: they are not the sender's doing.
 */
static const char *
parse_and_extract(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
				  const unsigned char *body_sha256, const WebhookHeader *hdrs, int nhdrs,
				  Jsonb **payload, WebhookEvent *ev, const char **unmapped)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	const char *volatile detail = NULL;
	volatile bool parsed = false;

	*unmapped = NULL;
	if (pg_verify_mbstr(PG_UTF8, req->body, (int) req->body_len, true) == false)
		return "the body is not valid UTF-8";

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		char	   *s = palloc(req->body_len + 1);
		char	   *conv;
		Jsonb	   *jb;

		memcpy(s, req->body, req->body_len);
		s[req->body_len] = '\0';
		/*
		 * The body is valid UTF-8 (checked above).  Elsewhere than UTF8
		 * databases, what the server cannot hold is malformed.
		 */
		conv = GetDatabaseEncoding() == PG_UTF8 ? s : pg_any_to_server(s, (int) req->body_len, PG_UTF8);
		jb = prov->scheme->parse ? prov->scheme->parse(s, req->body_len) : NULL;
		if (jb == NULL)
			jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(conv)));
		*payload = jb;
		parsed = true;
		if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
			*unmapped = "the body is not a JSON object";
		else if (prov->scheme->split == NULL)	/* a delivery of several: batch.c */
			*unmapped = WebhookExtract(cfg, prov, jb, body_sha256, hdrs, nhdrs, ev);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = WebhookSubxactAbort(oldcxt, oldcxt, oldowner);

		if (parsed)
			*unmapped = psprintf("the event cannot be read: %s", edata->message);
		else
			detail = psprintf("the body is not valid JSON: %s", edata->message);
	}
	PG_END_TRY();
	return detail;
}

/* The fixed body a provider expects in reply to a delivery it need not send again. */
static void
reply_body(WebhookProvider *prov, IngestResult *r)
{
	if (prov != NULL && prov->scheme->response_body != NULL &&
		r->http_status >= 200 && r->http_status < 300)
	{
		r->response_body = prov->scheme->response_body;
		r->content_type = prov->scheme->content_type;
	}
}

/*
 * The whole pipeline for one request.  Returns the reply (palloc'd in
 * the caller's context).
 */
static Jsonb *
ingest(IngestRequest *req)
{
	MemoryContext cxt = CurrentMemoryContext;
	IngestResult r;
	WebhookHeader *hdrs;
	int			nhdrs;
	WebhookConfig *cfg;
	WebhookProvider *prov;
	unsigned char sha[32];
	WebhookEvent ev;
	Jsonb	   *payload = NULL;
	const char *detail;
	const char *unmapped = NULL;

	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	hdrs = headers_array(req->headers, &nhdrs);
	req->received_at = GetCurrentTransactionStartTimestamp();
	req->keys_now = WebhookNow();
	if (req->redelivery_of == 0)
		req->now = req->keys_now;

	if (!WebhookSha256((const unsigned char *) req->body, req->body_len, sha))
		elog(ERROR, "OpenSSL failed to hash the body");

	cfg = WebhookConfigGet();
	prov = WebhookConfigProvider(cfg, req->provider);

	if (prov == NULL || !prov->enabled)
		WebhookSetOutcome(&r, "unknown_provider", prov == NULL ?
					"no provider has this name" : "the provider is disabled");
	else if (req->body_len > (size_t) webhook_max_body_bytes)
		WebhookSetOutcome(&r, "body_too_large",
					psprintf("the body has %zu bytes; webhook.max_body_bytes is %d",
							 req->body_len, webhook_max_body_bytes));
	else if ((detail = parse_and_extract(cfg, prov, req, sha, hdrs, nhdrs, &payload, &ev,
										 &unmapped)) != NULL)
		WebhookSetOutcome(&r, "malformed_body", detail);
	else if (prov->scheme->split != NULL)
		WebhookIngestBatch(cfg, prov, req, hdrs, nhdrs, sha, payload, &r, cxt);
	else
	{
		/* the signature first: a body's shape is judged only once it verifies */
		r.event_id = unmapped == NULL ? ev.event_id : NULL;
		if (WebhookAuthenticate(cfg, prov, req, hdrs, nhdrs, &ev, NULL, &r))
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			if (unmapped != NULL)
				WebhookStoreUnmapped(cfg->schema, prov, req, sha, &ev, payload, unmapped, &r, cxt);
			else
				WebhookStoreEvent(cfg, prov, req, &ev, payload, &r, cxt);
			/*
			 * A scheme may hold back every later event for a payment
			 * while one fails (Vipps): then a verified, stored event
			 * never answers 5xx.
			 */
			if (prov->scheme->never_5xx && r.http_status >= 500)
				r.http_status = 200;
			r.nevents = 1;
			reply_body(prov, &r);
			WebhookRecordDelivery(cfg, prov, req, sha, &r);
			SPI_finish();
			return WebhookBuildReply(&r);
		}
	}

	reply_body(prov, &r);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	WebhookRecordDelivery(cfg, prov, req, sha, &r);
	SPI_finish();
	return WebhookBuildReply(&r);
}

/* Raise the caller error for a NULL required argument. */
static void
require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/*
 * The two (provider, headers, body, path) forms: a bytea and a text body
 * are both the body's bytes as received.
 */
static Datum
ingest_args(FunctionCallInfo fcinfo)
{
	IngestRequest req;
	struct varlena *body;

	require_arg(fcinfo, 0, "provider");
	require_arg(fcinfo, 1, "headers");
	require_arg(fcinfo, 2, "body");
	body = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(2));
	memset(&req, 0, sizeof(req));
	req.provider = text_to_cstring(PG_GETARG_TEXT_PP(0));
	req.headers = PG_GETARG_JSONB_P(1);
	req.body = VARDATA_ANY(body);
	req.body_len = VARSIZE_ANY_EXHDR(body);
	req.path = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	PG_RETURN_JSONB_P(ingest(&req));
}

/*
 * webhook_ingest(provider text, headers jsonb, body bytea, path text DEFAULT NULL) RETURNS jsonb
 */
Datum
webhook_ingest_bytea(PG_FUNCTION_ARGS)
{
	return ingest_args(fcinfo);
}

/*
 * webhook_ingest(provider text, headers jsonb, body text, path text DEFAULT NULL) RETURNS jsonb
 *	  The body's UTF-8 bytes are what was signed (the database is UTF8).
 */
Datum
webhook_ingest_text(PG_FUNCTION_ARGS)
{
	return ingest_args(fcinfo);
}

/* A string member of the envelope, or NULL; raises if present but not a string. */
static char *
envelope_string(Jsonb *request, const char *key, int *len)
{
	JsonbValue	buf;
	JsonbValue *v = WebhookJsonGet(&request->root, key, &buf);

	if (v == NULL || v->type == jbvNull)
		return NULL;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request.%s must be a JSON string", key)));
	if (len)
		*len = v->val.string.len;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * webhook_ingest(request jsonb) RETURNS jsonb
 *	  {provider, headers, path, body | body_base64}
 */
Datum
webhook_ingest_envelope(PG_FUNCTION_ARGS)
{
	IngestRequest req;
	Jsonb	   *request;
	JsonbValue	buf;
	JsonbValue *h;
	char	   *body;
	char	   *b64;
	char	   *path;
	int			len = 0;
	int			b64len = 0;

	require_arg(fcinfo, 0, "request");
	request = PG_GETARG_JSONB_P(0);
	if (!JB_ROOT_IS_OBJECT(request) || JB_ROOT_IS_SCALAR(request))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request must be a JSON object"),
				 errhint("Pass {\"provider\": ..., \"headers\": {...}, \"body\": \"...\"}.")));
	memset(&req, 0, sizeof(req));
	req.provider = envelope_string(request, "provider", NULL);
	if (req.provider == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("request.provider must not be null")));
	h = WebhookJsonGet(&request->root, "headers", &buf);
	if (h == NULL || h->type != jbvBinary || !JsonContainerIsObject(h->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request.headers must be a JSON object")));
	req.headers = JsonbValueToJsonb(h);
	body = envelope_string(request, "body", &len);
	b64 = envelope_string(request, "body_base64", &b64len);
	if ((body == NULL) == (b64 == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request must have exactly one of body and body_base64")));
	if (body != NULL)
	{
		req.body = body;
		req.body_len = len;
	}
	else
	{
		unsigned char *raw = palloc(WEBHOOK_BASE64_DECODED_MAX(b64len) + 1);
		size_t		rawlen;
		int			n = 0;

		/* line breaks are how encode(..., 'base64') wraps: drop white space */
		for (int i = 0; i < b64len; i++)
			if (b64[i] != '\n' && b64[i] != '\r' && b64[i] != ' ' && b64[i] != '\t')
				b64[n++] = b64[i];
		b64len = n;

		if (!WebhookBase64Decode(b64, b64len, false, raw,
								 WEBHOOK_BASE64_DECODED_MAX(b64len) + 1, &rawlen))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("request.body_base64 is not valid base64")));
		req.body = (const char *) raw;
		req.body_len = rawlen;
	}
	path = envelope_string(request, "path", NULL);
	req.path = path ? cstring_to_text(path) : NULL;
	PG_RETURN_JSONB_P(ingest(&req));
}

PG_FUNCTION_INFO_V1(webhook_redeliver);

/*
 * webhook_redeliver(delivery_id bigint) RETURNS jsonb
 *	  Run a rejected (4xx or unknown_certificate) delivery again from its stored body, headers and
 *	  path: signed timestamps are judged against its received_at, secrets
 *	  by today's clock, so that deliveries refused while a secret was wrong
 *	  can be recovered once it is fixed.  Records a new delivery naming the
 *	  old one (redelivery_of).  Raises for a delivery that does not exist,
 *	  was not rejected, or has no body kept.
 */
Datum
webhook_redeliver(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	MemoryContext cxt = CurrentMemoryContext;
	WebhookConfig *cfg = WebhookConfigGet();
	IngestRequest req;
	Datum		arg[1];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	int32		status;
	bytea	   *body;
	Datum		d;

	memset(&req, 0, sizeof(req));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	arg[0] = Int64GetDatum(id);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_DELIVERY_FOR_REDELIVERY, cfg->schema), arg, NULL,
						 true, 1) != SPI_OK_SELECT)
		elog(ERROR, "delivery lookup failed");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("delivery %lld does not exist", (long long) id)));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	status = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	d = SPI_getbinval(tup, desc, 5, &isnull);
	if (status < 400 || (status >= 500 && status != 503) || isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("delivery %lld was not rejected, or its body was not kept", (long long) id),
				 errhint("Only rejected deliveries (4xx, and 503 unknown_certificate) keep their body and can be run again.")));
	(void) SPI_getbinval(tup, desc, 4, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("delivery %lld is an object passed to webhook_apply_object, not a webhook",
						(long long) id),
				 errhint("Fetch the object again and pass it to webhook_apply_object.")));
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		req.provider = pstrdup(SPI_getvalue(tup, desc, 1));
		body = DatumGetByteaPCopy(d);
		req.body = VARDATA_ANY(body);
		req.body_len = VARSIZE_ANY_EXHDR(body);
		req.headers = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 4, &isnull));
		d = SPI_getbinval(tup, desc, 6, &isnull);
		req.path = isnull ? NULL : DatumGetTextPCopy(d);
		req.now = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &isnull));
		req.redelivery_of = id;
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	PG_RETURN_JSONB_P(ingest(&req));
}

PG_FUNCTION_INFO_V1(webhook_verify);

/*
 * webhook_verify(scheme text, headers jsonb, body bytea, secret text,
 *				  config jsonb DEFAULT '{}') RETURNS boolean
 *	  Whether a request verifies for the scheme with the one secret (NULL
 *	  for a scheme that takes none), judged by the scheme's own verify as
 *	  webhook_ingest judges it: signed timestamps against the verifier's
 *	  clock, with the default tolerance of 300 seconds.  A secret that
 *	  cannot serve the scheme, a missing or malformed header, or a
 *	  signature that does not verify gives false; a config that does not
 *	  parse for the scheme raises, as webhook_add_provider does.
 */
Datum
webhook_verify(PG_FUNCTION_ARGS)
{
	WebhookProvider prov;
	WebhookKey	key;
	WebhookHeader *hdrs;
	int			nhdrs;
	struct varlena *body;
	bool		has_key = false;
	WebhookVerdict verdict;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	memset(&prov, 0, sizeof(prov));
	prov.name = "webhook_verify";
	prov.scheme = WebhookSchemeByName(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	prov.tolerance = 300;
	prov.enabled = true;
	WebhookParseConfig(prov.scheme,
					   PG_ARGISNULL(4) ? DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"))) :
					   PG_GETARG_JSONB_P(4), &prov.config);
	if (!PG_ARGISNULL(3) && prov.scheme->secretless_hint == NULL)
	{
		text	   *secret = PG_GETARG_TEXT_PP(3);
		const char *why;

		if (!WebhookDecodeSecret(prov.scheme, &prov.config, VARDATA_ANY(secret),
								 VARSIZE_ANY_EXHDR(secret), &key, &why))
			PG_RETURN_BOOL(false);
		has_key = true;
	}
	body = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(2));
	hdrs = headers_array(PG_GETARG_JSONB_P(1), &nhdrs);
	verdict = WebhookVerifyOne(WebhookConfigGet()->schema, &prov, hdrs, nhdrs,
							   VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body),
							   has_key ? &key : NULL);
	if (has_key)
		WebhookCleanse((void *) key.data, key.len);
	if (verdict == WEBHOOK_CRYPTO_FAILURE)
		elog(ERROR, "OpenSSL failed while verifying a signature");
	PG_RETURN_BOOL(verdict == WEBHOOK_VERIFIED);
}

PG_FUNCTION_INFO_V1(webhook_sign);

/*
 * webhook_sign(scheme text, body bytea, secret text, options jsonb
 *				DEFAULT '{}') RETURNS jsonb
 *	  The headers a sender of the scheme sends for body, signed with
 *	  secret: what webhook_ingest and webhook_verify then accept.  options
 *	  holds the scheme's signing inputs (ts, msg_id, path, host, date) and,
 *	  for the schemes that have them, its provider config keys (header,
 *	  prefix, algorithm, encoding, secret_encoding, header_prefix).
 */
Datum
webhook_sign(PG_FUNCTION_ARGS)
{
	WebhookScheme scheme;
	WebhookProviderConfig cfg;
	Jsonb	   *options;
	Jsonb	   *config;
	text	   *secret;
	struct varlena *body;
	WebhookKey	key;
	const char *why;
	Jsonb	   *headers;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	scheme = WebhookSchemeByName(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (scheme->sign == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("scheme %s cannot sign here", scheme->name),
				 errhint("%s", scheme->secretless_hint ? scheme->secretless_hint :
						 "The provider signs with a key the shop does not hold.")));
	options = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	config = WebhookSignConfig(scheme, options);
	WebhookParseConfig(scheme, config, &cfg);
	secret = PG_GETARG_TEXT_PP(2);
	if (!WebhookDecodeSecret(scheme, &cfg, VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret), &key, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("secret cannot be used: %s", why)));
	body = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	headers = scheme->sign(&cfg, &key, (const unsigned char *) VARDATA_ANY(body),
						   VARSIZE_ANY_EXHDR(body), options);
	WebhookCleanse((void *) key.data, key.len);
	PG_RETURN_JSONB_P(headers);
}

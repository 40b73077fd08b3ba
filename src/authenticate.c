/*-------------------------------------------------------------------------
 *
 * authenticate.c
 *	  Whether a request comes from its provider: the keys to try (the
 *	  payment's secrets, then the provider's, only those valid now), the
 *	  scheme's verify callback with them, and the outcome of a refusal.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "authenticate.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "reply.h"
#include "spi.h"

#define MAX_KEYS 64

/*
 * The keys to try, in the order README "How it works" gives: the secrets of the event's payment
 * (read on demand, never cached), then the provider's own; only those
 * valid at now.  A secret for another payment is never a candidate.
 * ids[i] is the secret's id; the first *npayment keys are the payment's,
 * which the caller wipes after use.
 */
static int
candidate_keys(WebhookConfig *cfg, WebhookProvider *prov, const char *reference,
			   TimestampTz now, WebhookKey *keys, int64 *ids, int *npayment)
{
	int			n = WebhookConfigPaymentKeys(cfg, prov, reference, now, keys, ids, MAX_KEYS);

	*npayment = n;
	for (int i = 0; i < prov->nsecrets && n < MAX_KEYS; i++)
	{
		WebhookSecret *s = &prov->secrets[i];

		if (s->valid_from > now || s->valid_until <= now)
			continue;
		keys[n] = s->key;
		ids[n] = s->id;
		n++;
	}
	return n;
}

/*
 * The payment reference that scopes per-payment secrets: the event's own,
 * else, for a provider that has per-payment secrets, the reference of the
 * payment the event names by the provider's id.  NULL if none.
 */
static const char *
payment_reference(const char *schema, WebhookProvider *prov, const WebhookEvent *ev)
{
	Datum		values[2];
	char	   *ref = NULL;

	if (ev->reference != NULL || !prov->payment_secrets || ev->object_id == NULL)
		return ev->reference;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	values[0] = CStringGetTextDatum(prov->name);
	values[1] = CStringGetTextDatum(ev->object_id);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PAYMENT_REFERENCE, schema), values, NULL,
						 true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (s != NULL)
			ref = SPI_palloc(strlen(s) + 1), strcpy(ref, s);
	}
	SPI_finish();
	return ref;
}

/*
 * Verify the request for its scheme with the candidate keys.  Returns true
 * when verified (and r->secret_id set); otherwise sets the outcome on r.
 */
static bool
verify_with_keys(const char *schema, WebhookProvider *prov, const IngestRequest *req,
				 const WebhookHeader *hdrs, int nhdrs, Jsonb *event, const WebhookKey *keys,
				 const int64 *ids, int nkeys, IngestResult *r)
{
	int			which = -1;
	int64		ts = 0;
	WebhookVerdict verdict = WEBHOOK_CRYPTO_FAILURE;
	WebhookVerifyCall call;

	call.schema = schema;
	call.prov = prov;
	call.req = req;
	call.hdrs = hdrs;
	call.nhdrs = nhdrs;
	call.keys = keys;
	call.nkeys = nkeys;
	call.event = event;
	if (!prov->scheme->verify(&call, &verdict, &which, &ts, r))
		return false;

	switch (verdict)
	{
		case WEBHOOK_VERIFIED:
			/* a scheme without secrets (PayPal) matches no key */
			if (which >= 0)
				r->secret_id = ids[which];
			return true;
		case WEBHOOK_MISSING_HEADER:
			WebhookSetOutcome(r, "missing_header", "a header the scheme needs is missing");
			break;
		case WEBHOOK_MALFORMED_HEADER:
			WebhookSetOutcome(r, "malformed_header", "the signature header cannot be parsed");
			break;
		case WEBHOOK_INVALID_SIGNATURE:
			WebhookSetOutcome(r, "invalid_signature", nkeys == 0 ?
						"no secret of this provider is valid now" :
						"no configured key verifies the signature");
			break;
		case WEBHOOK_STALE_TIMESTAMP:
			WebhookSetOutcome(r, "stale_timestamp",
						psprintf("the signed timestamp is %lld seconds from now; the tolerance is %d",
								 (long long) (WebhookTimestampToUnix(req->now) - ts),
								 prov->tolerance));
			break;
		case WEBHOOK_CRYPTO_FAILURE:
			elog(ERROR, "OpenSSL failed while verifying a signature");
	}
	return false;
}

bool
WebhookAuthenticate(WebhookConfig *cfg, WebhookProvider *prov, const IngestRequest *req,
					const WebhookHeader *hdrs, int nhdrs, const WebhookEvent *ev, Jsonb *event,
					IngestResult *r)
{
	WebhookKey	keys[MAX_KEYS];
	int64		ids[MAX_KEYS];
	int			npayment;
	int			nkeys;
	bool		verified;

	nkeys = candidate_keys(cfg, prov, payment_reference(cfg->schema, prov, ev), req->keys_now,
						   keys, ids, &npayment);
	verified = verify_with_keys(cfg->schema, prov, req, hdrs, nhdrs, event, keys, ids, nkeys, r);
	for (int i = 0; i < npayment; i++)
		WebhookCleanse((void *) keys[i].data, keys[i].len);
	/* a provider may want its own status for a signature refused, missing or malformed (GoCardless: 498) */
	if (!verified && prov->scheme->invalid_status != 0 &&
		r->http_status >= 400 && r->http_status < 500)
		r->http_status = prov->scheme->invalid_status;
	return verified;
}

/*
 * WebhookVerifyOne: the verdict of prov's scheme (its config, its
 * tolerance) on a request of hdrs and body, with key as the one key (NULL:
 * none), signed timestamps judged against the verifier's clock: what
 * webhook_verify and the per-scheme helpers (sqlfuncs.c) return.  schema
 * (quoted) is for a scheme that reads a table (paypal's certificates);
 * NULL will do for the others.  A request the scheme refuses before it
 * judges a signature (a header missing or sent twice, paypal's
 * certificate checks) gives WEBHOOK_MISSING_HEADER.  Raises only as the
 * scheme's verify does (vipps without a path or config.public_url).
 */
WebhookVerdict
WebhookVerifyOne(const char *schema, WebhookProvider *prov, const WebhookHeader *hdrs,
				 int nhdrs, const char *body, size_t body_len, const WebhookKey *key)
{
	IngestRequest req;
	IngestResult r;
	WebhookVerifyCall call;
	int			which = -1;
	int64		ts = 0;
	WebhookVerdict verdict = WEBHOOK_CRYPTO_FAILURE;

	memset(&req, 0, sizeof(req));
	req.provider = prov->name;
	req.body = body;
	req.body_len = body_len;
	req.now = req.keys_now = WebhookNow();
	memset(&r, 0, sizeof(r));
	memset(&call, 0, sizeof(call));
	call.schema = schema;
	call.prov = prov;
	call.req = &req;
	call.hdrs = hdrs;
	call.nhdrs = nhdrs;
	call.keys = key;
	call.nkeys = key != NULL ? 1 : 0;
	if (!prov->scheme->verify(&call, &verdict, &which, &ts, &r))
		return WEBHOOK_MISSING_HEADER;
	return verdict;
}

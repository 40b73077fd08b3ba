/*-------------------------------------------------------------------------
 *
 * request.h
 *	  One webhook_ingest call as the steps of its pipeline share it: the
 *	  request (IngestRequest), what the call learns (IngestResult), and what
 *	  a scheme's verify callback is given (WebhookVerifyCall).  Types only:
 *	  every step includes this, and it includes no step.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_REQUEST_H
#define WEBHOOK_REQUEST_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "config.h"
#include "crypto.h"
#include "headers.h"

/* Everything one call learns, for the delivery row and the reply. */
typedef struct IngestResult
{
	const char *outcome;
	int			http_status;
	const char *detail;
	char	   *event_id;
	int64		event_pk;		/* 0: none */
	bool		stored_event;	/* this call stored the event (no duplicate, no retry) */
	int64		secret_id;		/* 0: none */
	char	   *event_status;
	char	   *payment_ref;
	char	   *payment_state;
	char	   *order_ref;
	char	   *order_state;
	int64		delivery_id;
	char	   *cert_url;		/* unknown_certificate: where to fetch it */
	int			nevents;		/* the events the delivery carried, stored or known */
	struct IngestResult *events;	/* a delivery of several: each one's, else NULL */
	const char *response_body;	/* the body the provider expects in reply, or NULL */
	const char *content_type;	/* its content type */
} IngestResult;

/* One request, as the three SQL forms hand it over. */
typedef struct IngestRequest
{
	char	   *provider;
	Jsonb	   *headers;
	const char *body;
	size_t		body_len;
	text	   *path;
	TimestampTz now;			/* signed timestamps are judged against this */
	TimestampTz keys_now;		/* secrets valid at this time are tried */
	int64		redelivery_of;	/* webhook_redeliver: the delivery run again */
	TimestampTz received_at;
	const char *kind;			/* the delivery row's kind: NULL is "webhook"; "object" */
} IngestRequest;

/* A statement parameter from a C string or NULL: values[i] and nulls[i] (' ' or 'n'). */
#define TEXT_OR_NULL(s, i) \
	(values[i] = (s) ? CStringGetTextDatum(s) : (Datum) 0, nulls[i] = (s) ? ' ' : 'n')

/* What a scheme's verify callback is given: the request and the keys to try. */
typedef struct WebhookVerifyCall
{
	const char *schema;			/* the extension's schema, quoted */
	WebhookProvider *prov;
	const IngestRequest *req;
	const WebhookHeader *hdrs;
	int			nhdrs;
	const WebhookKey *keys;		/* in the order to try them */
	int			nkeys;
	Jsonb	   *event;			/* a scheme that signs each event (verify_each): it */
} WebhookVerifyCall;

#endif							/* WEBHOOK_REQUEST_H */

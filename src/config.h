/*-------------------------------------------------------------------------
 *
 * config.h
 *	  The per-backend cache of providers, their secrets and the event-type
 *	  map, and the parsing of a provider's config.
 *
 * Invariant: what WebhookConfigGet() returns stays valid until the next
 * call of WebhookConfigGet(); invalidation only flips a flag, the cache
 * is rebuilt lazily on the next call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_CONFIG_H
#define WEBHOOK_CONFIG_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#include "crypto.h"
#include "verify.h"

/* A scheme: its entry in the registry (schemes.c, schemes/<name>.c). */
typedef const struct WebhookSchemeInfo *WebhookScheme;

/* How a secret's text becomes key bytes. */
typedef enum WebhookSecretForm
{
	WEBHOOK_SECRET_FORM_AS_GIVEN,	/* its bytes */
	WEBHOOK_SECRET_FORM_WHSEC,	/* whsec_ and base64 (Standard Webhooks) */
	WEBHOOK_SECRET_FORM_HEX,	/* hex: the key's bytes (Adyen's HMAC keys) */
	WEBHOOK_SECRET_FORM_CONFIG	/* as config.secret_encoding says */
} WebhookSecretForm;

/* Where an event's id comes from when no body field (nor config.paths) gives one. */
typedef enum WebhookIdSource
{
	WEBHOOK_ID_NONE,			/* nowhere: the event has no id */
	WEBHOOK_ID_HEADER_OR_HASH,	/* the id_header's value when there is one, else the body's SHA-256 */
	WEBHOOK_ID_HEADER			/* the id_header's value: without it, no id */
} WebhookIdSource;

struct WebhookVerifyCall;
struct IngestResult;
struct WebhookConfig;
struct WebhookProvider;
struct WebhookEvent;
struct WebhookProviderConfig;
struct WebhookConfigKey;

/*
 * A scheme as the common steps see it (schemes.c): its name, the config
 * keys it takes, and what it asks of parsing, extraction, the delivery
 * row and the reply.
 */
typedef struct WebhookSchemeInfo
{
	const char *name;			/* as SQL spells it */
	/* the config keys it takes besides every scheme's (configkeys.h), NULL-terminated */
	const struct WebhookConfigKey *const *config_keys;
	size_t		opts_size;		/* its own options' size (WebhookProviderConfig.opts), or 0 */
	/* check a parsed config (a required key missing, say) and raise; or NULL */
	void		(*config_done) (struct WebhookProviderConfig *cfg);
	const char *default_header; /* config.header's default, or NULL */
	WebhookSecretForm secret_form;
	const char *secretless_hint;	/* set: it takes no secret, and why */
	bool		minor_units;	/* amounts are in minor units unless config.amount_unit */
	bool		own_action;		/* its extractor chooses the action (exact event types) */
	bool		needs_type;		/* an event without a type cannot be mapped */
	const char *no_id;			/* why an event without an id cannot be mapped, or NULL */
	WebhookIdSource id_source;
	/* the header that names an event's id, or NULL (for id_source) */
	const char *(*id_header) (const struct WebhookProviderConfig *cfg);
	bool		never_5xx;		/* a verified, stored event never answers 5xx */
	bool		redact_header;	/* config.header carries a secret: stored redacted */

	/*
	 * Verify the request with call->keys: false when the callback set the
	 * outcome on r itself (a header missing, PayPal's own outcomes); else
	 * *verdict, with *which (the key's index) and *ts (a signed timestamp)
	 * as verify.h's functions report them, for the common mapping.
	 */
	bool		(*verify) (const struct WebhookVerifyCall *call, WebhookVerdict *verdict,
						   int *which, int64 *ts, struct IngestResult *r);
	/* The scheme's defaults of README "Schemes", Event mapping: fill ev from the payload. */
	void		(*extract) (struct WebhookConfig *cfg, struct WebhookProvider *prov,
							Jsonb *payload, struct WebhookEvent *ev);
	/*
	 * A delivery that carries several events (README "Deliveries with
	 * several events"): its events, each a JSON object, into *events
	 * (palloc'd); how many, or -1 with *why when the body has not the
	 * scheme's shape.  NULL: a delivery is one event.
	 */
	int			(*split) (Jsonb *payload, Jsonb ***events, const char **why);
	bool		verify_each;	/* each split event carries its own signature */
	const char *response_body;	/* the reply body the provider expects, or NULL */
	const char *content_type;	/* and its content type */
	int			invalid_status; /* the HTTP status of a signature refused; 0: 401 */

	/*
	 * An object fetched from the provider's API (README "Fetch and
	 * apply"), as the events of the scheme's own webhooks it amounts to:
	 * into *events (palloc'd), each with an event id made from id (id,
	 * then id:2, ...); how many, or -1 with *why for an object the scheme
	 * does not know.  NULL: the scheme has no objects to apply.
	 */
	int			(*object) (Jsonb *object, const char *id, Jsonb ***events, const char **why);

	/*
	 * A body that is no JSON, read by the scheme (Mollie's classic form
	 * post "id=tr_..."): the object it stands for, or NULL to read it as
	 * JSON.  NULL: every body is JSON.
	 */
	Jsonb	   *(*parse) (const char *body, size_t len);

	/*
	 * The headers a sender sends for body signed with key (the secret as
	 * decoded for a provider of config cfg), by the scheme's options; NULL
	 * when the scheme cannot sign (PayPal signs with its own private key).
	 */
	Jsonb	   *(*sign) (const struct WebhookProviderConfig *cfg, const WebhookKey *key,
						 const unsigned char *body, size_t len, Jsonb *options);
} WebhookSchemeInfo;

/* Fields a provider's config.paths may locate in a body. */
typedef enum WebhookField
{
	WEBHOOK_F_EVENT_ID,
	WEBHOOK_F_EVENT_TYPE,
	WEBHOOK_F_REFERENCE,
	WEBHOOK_F_EXTERNAL_ID,
	WEBHOOK_F_AMOUNT,
	WEBHOOK_F_CURRENCY,
	WEBHOOK_F_OCCURRED_AT,
	WEBHOOK_F_REFUND_ID,
	WEBHOOK_NFIELDS
} WebhookField;

/* A JSON path: keys from the root. */
typedef struct WebhookPath
{
	int			nkeys;
	char	  **keys;
} WebhookPath;

typedef enum WebhookAmountUnit
{
	WEBHOOK_UNIT_DEFAULT,
	WEBHOOK_UNIT_MAJOR,
	WEBHOOK_UNIT_MINOR
} WebhookAmountUnit;

typedef enum WebhookSecretEncoding
{
	WEBHOOK_SECRET_UTF8,
	WEBHOOK_SECRET_HEX,
	WEBHOOK_SECRET_BASE64
} WebhookSecretEncoding;

/*
 * A provider's parsed config (defaults filled in): every scheme's keys,
 * the keys several schemes share, and the scheme's own options.
 */
typedef struct WebhookProviderConfig
{
	char	   *header;			/* the signature's header (hmac, apikey) */
	char	   *prefix;			/* before the signature (hmac) */
	WebhookDigest algorithm;
	WebhookEncoding encoding;
	WebhookSecretEncoding secret_encoding;
	char	   *event_id_header;	/* NULL: none */
	void	   *opts;			/* the scheme's own (its opts_size), or NULL */
	WebhookAmountUnit amount_unit;
	bool		unmatched_reject;
	bool		mismatch_hold;
	bool		has_path[WEBHOOK_NFIELDS];
	WebhookPath paths[WEBHOOK_NFIELDS];
	Jsonb	   *actions;		/* config.actions, or NULL */
} WebhookProviderConfig;

/* One of a provider's own secrets (not scoped to a payment), decoded for its scheme. */
typedef struct WebhookSecret
{
	int64		id;
	TimestampTz valid_from;
	TimestampTz valid_until;	/* DT_NOEND when open-ended */
	WebhookKey	key;
} WebhookSecret;

typedef struct WebhookProvider
{
	char	   *name;
	WebhookScheme scheme;
	int			tolerance;
	bool		enabled;
	WebhookProviderConfig config;
	int			nsecrets;
	WebhookSecret *secrets;
	bool		payment_secrets;	/* some secret is scoped to a payment (not cached) */
} WebhookProvider;

typedef struct WebhookCurrency
{
	char		code[4];
	int			exponent;
} WebhookCurrency;

typedef struct WebhookConfig
{
	char	   *schema;			/* the extension's schema, quoted for SQL */
	Oid			nspoid;			/* the same, as an OID */
	int			nproviders;
	WebhookProvider *providers;
	int			nactions;
	struct WebhookActionRow *actions;	/* sorted by (scheme, event_type) */
	int			ncurrencies;
	WebhookCurrency *currencies;	/* webhook_currencies */
	bool		deliveries_count;	/* webhook_deliveries has event_count and kind (0.2.0) */
} WebhookConfig;

/* The cache, rebuilt first if stale.  Raises if the extension is absent. */
extern WebhookConfig *WebhookConfigGet(void);

/* A provider by name, or NULL. */
extern WebhookProvider *WebhookConfigProvider(WebhookConfig *cfg, const char *name);

/*
 * The action for an event type: config.actions first, then the default
 * map for the scheme (status words matched case-insensitively for the
 * generic schemes).  NULL when nothing maps it.
 */
extern const char *WebhookConfigAction(WebhookConfig *cfg, WebhookProvider *prov,
									   const char *event_type);

/* The minor-unit exponent of a currency code, or -1 if webhook_currencies lacks it. */
extern int	WebhookConfigExponent(WebhookConfig *cfg, const char *code);

/*
 * The secrets of one payment of a provider valid at now, newest first, at
 * most max: read from webhook_secrets through its index on (provider,
 * payment_reference) with the statement's snapshot, no statement run,
 * decoded into keys and ids (palloc'd in the caller's
 * context; the caller wipes keys with WebhookCleanse).  Returns how many.
 */
extern int	WebhookConfigPaymentKeys(WebhookConfig *cfg, WebhookProvider *prov,
									 const char *reference, TimestampTz now,
									 WebhookKey *keys, int64 *ids, int max);

/*
 * Parse config for scheme into out (palloc'd in the current context),
 * filling defaults; raises on unknown keys, keys that do not apply to the
 * scheme, and values of the wrong kind.
 */
extern void WebhookParseConfig(WebhookScheme scheme, Jsonb *config, WebhookProviderConfig *out);

/*
 * Decode a secret for a provider of scheme and cfg into key (palloc'd).
 * false when the secret cannot serve it; *why says why (never the secret).
 */
extern bool WebhookDecodeSecret(WebhookScheme scheme, const WebhookProviderConfig *cfg,
								const char *secret, size_t len, WebhookKey *key,
								const char **why);

/*
 * The provider config that webhook_sign's options hold: their members that
 * are config keys of the scheme (the others are signing inputs).
 */
extern Jsonb *WebhookSignConfig(WebhookScheme scheme, Jsonb *options);

/* Name of a scheme as SQL spells it. */
extern const char *WebhookSchemeName(WebhookScheme scheme);
extern WebhookScheme WebhookSchemeByName(const char *name);
/* Whether key is one of the scheme's own config keys; the key itself, or NULL. */
extern const struct WebhookConfigKey *WebhookSchemeKey(WebhookScheme scheme, const char *key);
extern bool WebhookSchemeTakesKey(WebhookScheme scheme, const char *key);
/* Whether some scheme of the registry takes key. */
extern bool WebhookSchemeKnowsKey(const char *key);
extern int	WebhookSchemeLookup(const char *name);
extern char *WebhookSchemeList(void);

#endif							/* WEBHOOK_CONFIG_H */

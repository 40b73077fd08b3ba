/*-------------------------------------------------------------------------
 *
 * configkeys.h
 *	  A provider's config, key by key: the keys every scheme takes, the
 *	  keys several schemes share, and the helpers a scheme's own keys are
 *	  read with (configkeys.c).
 *
 * A scheme lists the keys it takes in its entry (config_keys).  A key's
 * parse callback reads its JSON value into the provider's config: the
 * shared keys into WebhookProviderConfig's fields, a scheme's own keys
 * into its options (WebhookProviderConfig.opts, opts_size bytes that
 * parsing allocates zeroed, so a key that is absent reads as zero).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_CONFIGKEYS_H
#define WEBHOOK_CONFIGKEYS_H

#include "utils/jsonb.h"

#include "config.h"

typedef struct WebhookConfigKey
{
	const char *name;			/* as the config spells it */
	/* read v, the value of key, into out; raise on a value of the wrong kind */
	void		(*parse) (const char *key, JsonbValue *v, WebhookProviderConfig *out);
} WebhookConfigKey;

/* Keys several schemes share (the generic gateways). */
extern const WebhookConfigKey WebhookKeyHeader;	/* header: the signature's header */
extern const WebhookConfigKey WebhookKeyPrefix;	/* prefix: before the signature */
extern const WebhookConfigKey WebhookKeyAlgorithm;	/* algorithm: sha1, sha256, sha512 */
extern const WebhookConfigKey WebhookKeyEncoding;	/* encoding: hex, base64 */
extern const WebhookConfigKey WebhookKeySecretEncoding; /* secret_encoding */
extern const WebhookConfigKey WebhookKeyEventIdHeader;	/* event_id_header */

/* Raise the standard "config key has the wrong kind" error (WH002). */
extern void WebhookConfigError(const char *key, const char *expected) pg_attribute_noreturn();

/* A string value (palloc'd), or raise. */
extern char *WebhookConfigString(JsonbValue *v, const char *key);

/*
 * A string value that must be one of choices, in any case; its index, or
 * raise naming expected.
 */
extern int	WebhookConfigChoice(JsonbValue *v, const char *key, const char *const *choices,
								int n, const char *expected);

/* A non-empty array of non-empty strings (palloc'd), *n of them, or raise naming expected. */
extern char **WebhookConfigStrings(JsonbValue *v, const char *key, int *n, const char *expected);

/* config.event_id_header: the id_header of the schemes that take that key. */
extern const char *WebhookEventIdHeader(const WebhookProviderConfig *cfg);

#endif							/* WEBHOOK_CONFIGKEYS_H */

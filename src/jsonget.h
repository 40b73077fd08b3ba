/*-------------------------------------------------------------------------
 *
 * jsonget.h
 *	  Reading values out of a jsonb payload (jsonget.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_JSONGET_H
#define WEBHOOK_JSONGET_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "utils/jsonb.h"

/* Look up key in an object container; NULL if absent or not an object. */
extern JsonbValue *WebhookJsonGet(JsonbContainer *c, const char *key, JsonbValue *buf);

/* Follow a path of keys from the root; NULL if any step is missing. */
extern JsonbValue *WebhookJsonPath(Jsonb *jb, char *const *keys, int nkeys, JsonbValue *buf);

/*
 * A scalar as text (palloc'd): strings as they are, numbers in their
 * canonical text, booleans as true/false; NULL for null, objects, arrays.
 */
extern char *WebhookJsonText(const JsonbValue *v);

/* The text at a key of container c (WebhookJsonText), or NULL. */
extern char *WebhookJsonGetText(JsonbContainer *c, const char *key);

/* The object container at a key of c, or NULL. */
extern JsonbContainer *WebhookJsonGetObject(JsonbContainer *c, const char *key);

/*
 * Parts joined with ':' so that different parts never give the same id:
 * a colon or a backslash inside a part gets a backslash before it.  Parts
 * without either read as before ("a:b").  palloc'd.
 */
extern char *WebhookJoinId(const char *const *parts, int nparts);

/*
 * A time from a JSON value: a number is Unix seconds, a string goes
 * through timestamptz_in (which raises on garbage: call it inside a
 * subtransaction).  false when v is absent or no time.
 */
extern bool WebhookJsonTime(const JsonbValue *v, TimestampTz *out);

/*
 * The elements of the array at key of c, each a Jsonb of its own (an
 * object element's member unwrap instead, when unwrap is set and the
 * element has it), into *items (palloc'd); how many, or -1 when key holds
 * no array.  A batch's events (a scheme's split callback).
 */
extern int	WebhookJsonArrayItems(JsonbContainer *c, const char *key, const char *unwrap,
								  Jsonb ***items);

/*
 * The same object with one more member, outer: {inner: object} (when outer
 * is set): a webhook body of a scheme's own shape around a fetched object.
 */
extern Jsonb *WebhookJsonEnvelope(const char *const *keys, const char *const *values, int n,
								  const char *outer, const char *inner, Jsonb *object);

/* An object of n string members, keys[i]: values[i] (palloc'd): headers, say. */
extern Jsonb *WebhookJsonObject(const char *const *keys, const char *const *values, int n);

/*
 * A signing option: the text at key of options (NULL: none given), which
 * raises when required and absent; and options.ts, Unix seconds, or now.
 */
extern char *WebhookOptionText(Jsonb *options, const char *key, bool required);
extern int64 WebhookOptionTs(Jsonb *options);

#endif							/* WEBHOOK_JSONGET_H */

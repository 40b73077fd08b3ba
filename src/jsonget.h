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

#endif							/* WEBHOOK_JSONGET_H */

/*-------------------------------------------------------------------------
 *
 * jsonget.c
 *	  Reading values out of a jsonb payload: by key, by path, as text.
 *
 * Nothing here trusts the payload's shape: every step checks the kind of
 * what it finds and gives NULL for what is not there.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "jsonget.h"

JsonbValue *
WebhookJsonGet(JsonbContainer *c, const char *key, JsonbValue *buf)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return NULL;
	return getKeyJsonValueFromContainer(c, key, strlen(key), buf);
}

JsonbValue *
WebhookJsonPath(Jsonb *jb, char *const *keys, int nkeys, JsonbValue *buf)
{
	JsonbContainer *c = &jb->root;
	JsonbValue *v = NULL;

	for (int i = 0; i < nkeys; i++)
	{
		v = WebhookJsonGet(c, keys[i], buf);
		if (v == NULL)
			return NULL;
		if (i < nkeys - 1)
		{
			if (v->type != jbvBinary)
				return NULL;
			c = v->val.binary.data;
		}
	}
	return v;
}

char *
WebhookJsonText(const JsonbValue *v)
{
	if (v == NULL)
		return NULL;
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			return NULL;
	}
}

char *
WebhookJsonGetText(JsonbContainer *c, const char *key)
{
	JsonbValue	buf;

	return WebhookJsonText(WebhookJsonGet(c, key, &buf));
}

JsonbContainer *
WebhookJsonGetObject(JsonbContainer *c, const char *key)
{
	JsonbValue	buf;
	JsonbValue *v = WebhookJsonGet(c, key, &buf);

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		return NULL;
	return v->val.binary.data;
}

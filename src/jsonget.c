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
#include "utils/timestamp.h"

#include "lib/stringinfo.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clock.h"
#include "headers.h"
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

char *
WebhookJoinId(const char *const *parts, int nparts)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < nparts; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ':');
		for (const char *p = parts[i]; *p; p++)
		{
			if (*p == ':' || *p == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *p);
		}
	}
	return buf.data;
}

/*
 * A time from a JSON value: a number is Unix seconds, a string goes
 * through timestamptz_in (which raises on garbage; see the header).
 */
bool
WebhookJsonTime(const JsonbValue *v, TimestampTz *out)
{
	char	   *s;
	int64		secs;

	if (v == NULL)
		return false;
	s = WebhookJsonText(v);
	if (s == NULL)
		return false;
	if (v->type == jbvNumeric)
	{
		if (!WebhookParseUnsigned(s, strlen(s), &secs) || secs > INT64CONST(253402300799))
			return false;
		*out = WebhookUnixToTimestamp(secs);
		return true;
	}
	if (v->type != jbvString || s[0] == '\0')
		return false;
	*out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
	return true;
}

Jsonb *
WebhookJsonObject(const char *const *keys, const char *const *values, int n)
{
	return WebhookJsonEnvelope(keys, values, n, NULL, NULL, NULL);
}

/* Push "key" as an object key. */
static void
push_key(JsonbParseState **st, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	(void) pushJsonbValue(st, WJB_KEY, &v);
}

Jsonb *
WebhookJsonEnvelope(const char *const *keys, const char *const *values, int n,
					const char *outer, const char *inner, Jsonb *object)
{
	JsonbParseState *st = NULL;
	JsonbValue	v;

	(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < n; i++)
	{
		push_key(&st, keys[i]);
		v.type = jbvString;
		v.val.string.val = (char *) values[i];
		v.val.string.len = strlen(values[i]);
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
	}
	if (outer != NULL)
	{
		push_key(&st, outer);
		(void) pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		push_key(&st, inner);
		v.type = jbvBinary;
		v.val.binary.data = &object->root;
		v.val.binary.len = VARSIZE(object) - VARHDRSZ;
		(void) pushJsonbValue(&st, WJB_VALUE, &v);
		(void) pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	return JsonbValueToJsonb(pushJsonbValue(&st, WJB_END_OBJECT, NULL));
}

char *
WebhookOptionText(Jsonb *options, const char *key, bool required)
{
	char	   *s = options ? WebhookJsonGetText(&options->root, key) : NULL;

	if (s == NULL && required)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options.%s is required for this scheme", key)));
	return s;
}

int64
WebhookOptionTs(Jsonb *options)
{
	char	   *s = WebhookOptionText(options, "ts", false);
	int64		ts;

	if (s == NULL)
		return WebhookNowUnix();
	if (!WebhookParseUnsigned(s, strlen(s), &ts) || ts > INT64CONST(999999999999999999))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options.ts must be Unix seconds: at least 0 and at most 18 digits")));
	return ts;
}

int
WebhookJsonArrayItems(JsonbContainer *c, const char *key, const char *unwrap, Jsonb ***items)
{
	JsonbValue	buf;
	JsonbValue *arr = WebhookJsonGet(c, key, &buf);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;

	if (arr == NULL || arr->type != jbvBinary || !JsonContainerIsArray(arr->val.binary.data))
		return -1;
	*items = palloc(sizeof(Jsonb *) * Max(JsonContainerSize(arr->val.binary.data), 1));
	it = JsonbIteratorInit(arr->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbValue	ibuf;
		JsonbValue *inner = NULL;

		if (tok != WJB_ELEM)
			continue;
		if (unwrap != NULL && v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data))
			inner = WebhookJsonGet(v.val.binary.data, unwrap, &ibuf);
		(*items)[n++] = JsonbValueToJsonb(inner != NULL ? inner : &v);
	}
	return n;
}

/*-------------------------------------------------------------------------
 *
 * schemes.c
 *	  The scheme registry: every signature scheme the extension knows, by
 *	  the name SQL spells it.  A new scheme is one file in src/schemes/ and
 *	  one line in WebhookSchemes[] below.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "config.h"
#include "configkeys.h"
#include "schemes/registry.h"

PG_FUNCTION_INFO_V1(webhook_schemes);
PG_FUNCTION_INFO_V1(webhook_scheme_known);

/* The registry (schemes/registry.h), as a table. */
#define SCHEME_EXTERN(n) extern const WebhookSchemeInfo webhook_scheme_##n;
#define SCHEME_ENTRY(n) &webhook_scheme_##n,
WEBHOOK_SCHEMES(SCHEME_EXTERN)
static const WebhookSchemeInfo *const schemes[] = {WEBHOOK_SCHEMES(SCHEME_ENTRY)};

const char *
WebhookSchemeName(WebhookScheme scheme)
{
	return scheme->name;
}

const WebhookConfigKey *
WebhookSchemeKey(WebhookScheme scheme, const char *key)
{
	for (const WebhookConfigKey *const *k = scheme->config_keys; *k; k++)
		if (strcmp((*k)->name, key) == 0)
			return *k;
	return NULL;
}

bool
WebhookSchemeTakesKey(WebhookScheme scheme, const char *key)
{
	return WebhookSchemeKey(scheme, key) != NULL;
}

bool
WebhookSchemeKnowsKey(const char *key)
{
	for (int i = 0; i < (int) lengthof(schemes); i++)
		if (WebhookSchemeTakesKey(schemes[i], key))
			return true;
	return false;
}

/* Scheme by SQL name: -1 when there is none. */
int
WebhookSchemeLookup(const char *name)
{
	for (int i = 0; i < (int) lengthof(schemes); i++)
		if (strcmp(name, schemes[i]->name) == 0)
			return i;
	return -1;
}

/* "stripe, standard, ...": the registry's names, for hints. */
char *
WebhookSchemeList(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(schemes); i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", schemes[i]->name);
	return buf.data;
}

/* Scheme by SQL name; raises on an unknown one. */
WebhookScheme
WebhookSchemeByName(const char *name)
{
	int			i = WebhookSchemeLookup(name);

	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown scheme \"%s\"", name),
				 errhint("Schemes: %s.", WebhookSchemeList())));
	return schemes[i];
}

/* webhook_schemes() RETURNS text[]: the registry, in its order. */
Datum
webhook_schemes(PG_FUNCTION_ARGS)
{
	int			n = (int) lengthof(schemes);
	Datum	   *elems = palloc(n * sizeof(Datum));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(schemes[i]->name);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* webhook_scheme_known(scheme text) RETURNS boolean: for the providers' CHECK. */
Datum
webhook_scheme_known(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(WebhookSchemeLookup(name) >= 0);
}

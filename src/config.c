/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Per-backend cache of providers, secrets, the event-type map and the
 *	  currencies.  A provider's config is parsed by configkeys.c.
 *
 * The cache lives in its own memory context under CacheMemoryContext.  A
 * statement-level trigger on each configuration table calls
 * webhook_config_invalidate(), which queues a relcache invalidation of
 * that table; every backend's relcache callback then marks the cache
 * stale, and the next WebhookConfigGet() rebuilds it (pg_cron's pattern).
 * Rebuilding is the only place that plans SQL text, and it happens only
 * after a configuration change.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/formatting.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "config.h"
#include "headers.h"
#include "jsonget.h"
#include "spi.h"
#include "webhook.h"

typedef struct WebhookActionRow
{
	char	   *scheme;
	char	   *event_type;
	char	   *action;
} WebhookActionRow;

static MemoryContext config_context = NULL;
static WebhookConfig *config_cache = NULL;
static bool config_valid = false;
static Oid	config_relids[4] = {InvalidOid, InvalidOid, InvalidOid, InvalidOid};

PG_FUNCTION_INFO_V1(webhook_config_invalidate);
PG_FUNCTION_INFO_V1(webhook_secrets_invalidate);

/*
 * Relcache callback: a change to one of our tables (or a full reset)
 * marks the cache stale.  Must not raise or touch the catalogs.
 */
static void
config_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid ||
		relid == config_relids[0] || relid == config_relids[1] ||
		relid == config_relids[2] || relid == config_relids[3])
		config_valid = false;
}

/* Called from _PG_init. */
void
WebhookConfigInit(void)
{
	CacheRegisterRelcacheCallback(config_relcache_callback, (Datum) 0);
}

/*
 * webhook_config_invalidate() RETURNS trigger
 *	  Statement trigger on the configuration tables: queue a relcache
 *	  invalidation of the table, which every backend sees at commit.
 */
Datum
webhook_config_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_config_invalidate() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	PG_RETURN_POINTER(NULL);
}

/*
 * Whether webhook_secrets of schema nspoid has a per-payment secret of
 * provider other than the row id, visible to this statement (one index
 * probe through webhook_secrets_payment_idx).
 */
static bool
other_payment_secret(Oid nspoid, Datum provider, Datum id)
{
	Oid			argtypes[2] = {TEXTOID, INT8OID};
	Datum		values[2] = {provider, id};
	bool		found;
	/* the provider found to have one, in this transaction: a bulk insert asks once */
	static char *known_provider = NULL;
	static LocalTransactionId known_lxid = InvalidLocalTransactionId;
	char	   *name = TextDatumGetCString(provider);

	if (known_provider != NULL && known_lxid == MyProc->lxid && strcmp(known_provider, name) == 0)
		return true;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("SELECT FROM %s.webhook_secrets "
									   "WHERE provider OPERATOR(pg_catalog.=) $1 "
									   "AND payment_reference IS NOT NULL "
									   "AND id OPERATOR(pg_catalog.<>) $2 LIMIT 1",
									   quote_identifier(get_namespace_name(nspoid))),
							  2, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look for a payment's secret");
	found = SPI_processed > 0;
	SPI_finish();
	if (found)
	{
		if (known_provider != NULL)
			pfree(known_provider);
		known_provider = MemoryContextStrdup(TopMemoryContext, name);
		known_lxid = MyProc->lxid;
	}
	return found;
}

/*
 * webhook_secrets_invalidate() RETURNS trigger
 *	  Row trigger on webhook_secrets: a provider's own secret (inserted,
 *	  changed or removed) makes every backend's cache stale, as
 *	  webhook_config_invalidate does.  A payment's secret is not cached, so
 *	  adding, expiring or removing one invalidates nothing, except the first
 *	  one of a provider whose cached entry does not know it has any: judged
 *	  on this backend's cache, which reflects committed rows only, so every
 *	  backend learns of the first one at commit.
 */
Datum
webhook_secrets_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	int			ref_att;
	int			prov_att;
	HeapTuple	tuples[2];
	bool		stale = false;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("webhook_secrets_invalidate() must be called as an AFTER trigger")));
	rel = trigdata->tg_relation;
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		CacheInvalidateRelcache(rel);
		PG_RETURN_POINTER(NULL);
	}
	desc = RelationGetDescr(rel);
	ref_att = SPI_fnumber(desc, "payment_reference");
	prov_att = SPI_fnumber(desc, "provider");
	tuples[0] = trigdata->tg_trigtuple;
	tuples[1] = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : NULL;
	for (int i = 0; i < 2 && !stale; i++)
	{
		bool		isnull;
		bool		added = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) || i == 1;

		if (tuples[i] == NULL)
			continue;
		(void) heap_getattr(tuples[i], ref_att, desc, &isnull);
		if (isnull)
			stale = true;		/* a provider's own secret */
		else if (added)
		{
			Datum		name = heap_getattr(tuples[i], prov_att, desc, &isnull);
			WebhookProvider *p = NULL;

			if (isnull)
				stale = true;
			else if (config_valid && config_cache != NULL)
			{
				p = WebhookConfigProvider(config_cache, TextDatumGetCString(name));
				stale = p == NULL || !p->payment_secrets;
			}
			else
			{
				/*
				 * No cache here (an admin session that never ingests): the
				 * provider's first per-payment secret is the one no other
				 * row precedes.
				 */
				bool		idnull;

				stale = !other_payment_secret(RelationGetNamespace(rel), name,
											  heap_getattr(tuples[i], SPI_fnumber(desc, "id"),
														   desc, &idnull));
			}
		}
	}
	if (stale)
		CacheInvalidateRelcache(rel);
	PG_RETURN_POINTER(NULL);
}

/* Order of webhook_currencies in the cache: by upper-case code, bytewise. */
static int
currency_cmp(const void *a, const void *b)
{
	return strcmp(((const WebhookCurrency *) a)->code, ((const WebhookCurrency *) b)->code);
}

/* qsort/bsearch order of the action map. */
static int
action_cmp(const void *a, const void *b)
{
	const WebhookActionRow *x = a;
	const WebhookActionRow *y = b;
	int			c = strcmp(x->scheme, y->scheme);

	return c != 0 ? c : strcmp(x->event_type, y->event_type);
}

/* Text of column col of the current SPI row, copied into the current context, or NULL. */
static char *
spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * The schema an extension lives in (get_extension_schema is not exported
 * before PostgreSQL 16).
 */
static Oid
extension_schema(Oid extoid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			result = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		result = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Run SELECT columns FROM schema.table [ORDER BY order_by] through SPI;
 * returns the row count, the rows in SPI_tuptable.
 */
static uint64
read_config_table(const char *qschema, const char *table, const char *columns,
				  const char *order_by)
{
	char	   *sql = psprintf("SELECT %s FROM %s.%s%s%s", columns, qschema, table,
							   order_by ? " ORDER BY " : "", order_by ? order_by : "");

	if (SPI_execute(sql, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", table);
	pfree(sql);
	return SPI_processed;
}

/*
 * The providers, their configs parsed for their schemes.
 */
static void
read_providers(WebhookConfig *cfg, MemoryContext ctx)
{
	uint64		n;
	MemoryContext oldctx;
	const char *qschema = cfg->schema;

	n = read_config_table(qschema, "webhook_providers",
						  "name, scheme, config, tolerance_seconds, enabled", "name");
	oldctx = MemoryContextSwitchTo(ctx);
	cfg->providers = palloc0(sizeof(WebhookProvider) * Max(n, 1));
	cfg->nproviders = (int) n;
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		WebhookProvider *p = &cfg->providers[i];
		bool		isnull;
		char	   *scheme = spi_text(tup, desc, 2);

		p->name = spi_text(tup, desc, 1);
		p->scheme = WebhookSchemeByName(scheme);
		WebhookParseConfig(p->scheme,
					 DatumGetJsonbP(SPI_getbinval(tup, desc, 3, &isnull)),
					 &p->config);
		p->tolerance = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		p->enabled = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
	}
	MemoryContextSwitchTo(oldctx);
}

/*
 * The providers' own secrets, decoded, newest first; a payment's secrets are
 * read when an event names it (WebhookConfigPaymentKeys), so the cache
 * does not grow with them.
 */
static void
read_secrets(WebhookConfig *cfg, MemoryContext ctx)
{
	uint64		n;
	MemoryContext oldctx;
	const char *qschema = cfg->schema;

	n = read_config_table(qschema, "webhook_secrets WHERE payment_reference IS NULL",
						  "provider, id, secret, NULL, valid_from, valid_until",
						  "provider, id DESC");
	oldctx = MemoryContextSwitchTo(ctx);
	for (int pi = 0; pi < cfg->nproviders; pi++)
		cfg->providers[pi].secrets = palloc0(sizeof(WebhookSecret) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *pname = spi_text(tup, desc, 1);
		WebhookProvider *p = WebhookConfigProvider(cfg, pname);
		WebhookSecret *s;
		bool		isnull;
		text	   *secret;
		const char *why;

		if (p == NULL)
			continue;
		s = &p->secrets[p->nsecrets];
		s->id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		secret = DatumGetTextPP(SPI_getbinval(tup, desc, 3, &isnull));
		s->valid_from = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
		s->valid_until = DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull));
		if (isnull)
			s->valid_until = DT_NOEND;
		/* a secret that cannot serve its scheme verifies nothing */
		if (WebhookDecodeSecret(p->scheme, &p->config, VARDATA_ANY(secret),
						  VARSIZE_ANY_EXHDR(secret), &s->key, &why))
			p->nsecrets++;
	}
	MemoryContextSwitchTo(oldctx);
}

/*
 * Which providers have per-payment secrets at all: one index probe each.
 */
static void
read_payment_secret_flags(WebhookConfig *cfg)
{
	uint64		n;
	const char *qschema = cfg->schema;

	n = read_config_table(qschema,
						  psprintf("webhook_providers p WHERE EXISTS "
								   "(SELECT FROM %s.webhook_secrets s WHERE s.provider = p.name "
								   "AND s.payment_reference IS NOT NULL)", qschema),
						  "p.name", NULL);
	for (uint64 i = 0; i < n; i++)
	{
		WebhookProvider *p = WebhookConfigProvider(cfg, spi_text(SPI_tuptable->vals[i],
																   SPI_tuptable->tupdesc, 1));

		if (p != NULL)
			p->payment_secrets = true;
	}
}

/*
 * The default event map of every scheme, sorted for bsearch.
 */
static void
read_actions(WebhookConfig *cfg, MemoryContext ctx)
{
	uint64		n;
	MemoryContext oldctx;
	const char *qschema = cfg->schema;

	n = read_config_table(qschema, "webhook_event_actions", "scheme, event_type, action", NULL);
	oldctx = MemoryContextSwitchTo(ctx);
	cfg->nactions = (int) n;
	cfg->actions = palloc0(sizeof(WebhookActionRow) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		cfg->actions[i].scheme = spi_text(tup, desc, 1);
		cfg->actions[i].event_type = spi_text(tup, desc, 2);
		cfg->actions[i].action = spi_text(tup, desc, 3);
	}
	qsort(cfg->actions, cfg->nactions, sizeof(WebhookActionRow), action_cmp);
	MemoryContextSwitchTo(oldctx);
}

/*
 * The currencies' exponents, sorted by upper-case code.
 */
static void
read_currencies(WebhookConfig *cfg, MemoryContext ctx)
{
	uint64		n;
	MemoryContext oldctx;
	const char *qschema = cfg->schema;

	n = read_config_table(qschema, "webhook_currencies", "code, exponent", NULL);
	oldctx = MemoryContextSwitchTo(ctx);
	cfg->ncurrencies = (int) n;
	cfg->currencies = palloc0(sizeof(WebhookCurrency) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *code = spi_text(tup, desc, 1);
		bool		isnull;

		strlcpy(cfg->currencies[i].code, code, sizeof(cfg->currencies[i].code));
		for (char *c = cfg->currencies[i].code; *c; c++)
			*c = pg_toupper((unsigned char) *c);
		cfg->currencies[i].exponent = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	}
	qsort(cfg->currencies, cfg->ncurrencies, sizeof(WebhookCurrency), currency_cmp);
	MemoryContextSwitchTo(oldctx);
}

/*
 * Rebuild the cache from the tables.  Everything is built in a fresh
 * context that replaces the old one only once complete, so an error
 * leaves the old cache (still marked stale) in place.
 */
static void config_wipe(void *arg);

static void
config_rebuild(void)
{
	MemoryContext newctx;
	MemoryContext oldctx;
	WebhookConfig *cfg;
	Oid			extoid;
	Oid			nspoid;
	char	   *nspname;

	extoid = get_extension_oid("webhook", true);
	if (!OidIsValid(extoid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"webhook\" is not installed in this database")));
	nspoid = extension_schema(extoid);
	nspname = get_namespace_name(nspoid);

	newctx = AllocSetContextCreate(CacheMemoryContext, "webhook config",
								   ALLOCSET_SMALL_SIZES);
	oldctx = MemoryContextSwitchTo(newctx);
	cfg = palloc0(sizeof(WebhookConfig));
	cfg->schema = pstrdup(quote_identifier(nspname));
	cfg->nspoid = nspoid;
	{
		MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

		cb->func = config_wipe;
		cb->arg = cfg;
		MemoryContextRegisterResetCallback(newctx, cb);
	}
	MemoryContextSwitchTo(oldctx);

	/* mark valid before reading, so an invalidation during the read wins */
	config_valid = true;
	config_relids[0] = get_relname_relid("webhook_providers", nspoid);
	config_relids[1] = get_relname_relid("webhook_secrets", nspoid);
	config_relids[2] = get_relname_relid("webhook_event_actions", nspoid);
	config_relids[3] = get_relname_relid("webhook_currencies", nspoid);
	/* ALTER EXTENSION UPDATE from 0.1.0 adds it, and changes the providers' CHECK */
	cfg->deliveries_count = get_attnum(get_relname_relid("webhook_deliveries", nspoid),
									   "event_count") != InvalidAttrNumber;

	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		/*
		 * Read with the latest snapshot, not the caller's: a transaction or
		 * statement older than the change that invalidated the cache must
		 * not rebuild it from what it saw, and then keep that for good.
		 */
		PushActiveSnapshot(GetLatestSnapshot());

		read_providers(cfg, newctx);
		read_secrets(cfg, newctx);
		read_payment_secret_flags(cfg);
		read_actions(cfg, newctx);
		read_currencies(cfg, newctx);

		PopActiveSnapshot();
		SPI_finish();
	}
	PG_CATCH();
	{
		config_valid = false;
		MemoryContextDelete(newctx);
		PG_RE_THROW();
	}
	PG_END_TRY();

	/*
	 * The old cache may still be in use up the stack: an ingest whose
	 * events trigger asked for the cache again after an invalidation (a
	 * per-payment secret another session added) holds pointers into it.
	 * It is freed when the transaction ends, its keys wiped first
	 * (config_wipe).
	 */
	if (config_context != NULL)
		MemoryContextSetParent(config_context, TopTransactionContext);
	config_context = newctx;
	config_cache = cfg;
}

/* Wipe a cache's decoded keys before its memory is given back (a reset callback). */
static void
config_wipe(void *arg)
{
	WebhookConfig *cfg = arg;

	for (int pi = 0; pi < cfg->nproviders; pi++)
		for (int si = 0; si < cfg->providers[pi].nsecrets; si++)
			WebhookCleanse((void *) cfg->providers[pi].secrets[si].key.data,
						   cfg->providers[pi].secrets[si].key.len);
}

WebhookConfig *
WebhookConfigGet(void)
{
	/* a change committed since this statement began is seen now, not one call later */
	AcceptInvalidationMessages();
	if (!config_valid || config_cache == NULL)
		config_rebuild();
	return config_cache;
}

WebhookProvider *
WebhookConfigProvider(WebhookConfig *cfg, const char *name)
{
	for (int i = 0; i < cfg->nproviders; i++)
		if (strcmp(cfg->providers[i].name, name) == 0)
			return &cfg->providers[i];
	return NULL;
}

const char *
WebhookConfigAction(WebhookConfig *cfg, WebhookProvider *prov, const char *event_type)
{
	WebhookActionRow key;
	WebhookActionRow *hit;
	char	   *lower = NULL;

	if (event_type == NULL)
		return NULL;
	if (prov->config.actions != NULL)
	{
		JsonbValue	buf;
		JsonbValue *v = WebhookJsonGet(&prov->config.actions->root, event_type, &buf);

		if (v != NULL && v->type == jbvString)
			return pnstrdup(v->val.string.val, v->val.string.len);
	}
	key.scheme = (char *) WebhookSchemeName(prov->scheme);
	key.event_type = (char *) event_type;
	hit = bsearch(&key, cfg->actions, cfg->nactions, sizeof(WebhookActionRow), action_cmp);
	if (hit == NULL && !prov->scheme->own_action)
	{
		/* generic gateways: status words in any case */
		lower = asc_tolower(event_type, strlen(event_type));
		key.event_type = lower;
		hit = bsearch(&key, cfg->actions, cfg->nactions, sizeof(WebhookActionRow), action_cmp);
	}
	return hit ? hit->action : NULL;
}

int
WebhookConfigExponent(WebhookConfig *cfg, const char *code)
{
	WebhookCurrency key;
	WebhookCurrency *hit;

	if (strlen(code) >= sizeof(key.code))
		return -1;
	strlcpy(key.code, code, sizeof(key.code));
	for (char *c = key.code; *c; c++)
		*c = pg_toupper((unsigned char) *c);
	hit = bsearch(&key, cfg->currencies, cfg->ncurrencies, sizeof(WebhookCurrency), currency_cmp);
	return hit ? hit->exponent : -1;
}

/*
 * WebhookConfigPaymentKeys for a database whose extension is not updated
 * to 0.2.0 yet (no webhook_secrets_payment_idx): the same rows by a
 * statement, planned per call until ALTER EXTENSION webhook UPDATE.
 */
static int
payment_keys_by_statement(WebhookConfig *cfg, WebhookProvider *prov, const char *reference,
						  TimestampTz now, WebhookKey *keys, int64 *ids, int max)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	int			n = 0;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = CStringGetTextDatum(prov->name);
	values[1] = CStringGetTextDatum(reference);
	values[2] = TimestampTzGetDatum(now);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(psprintf("SELECT id, secret FROM %s.webhook_secrets "
									   "WHERE provider OPERATOR(pg_catalog.=) $1 "
									   "AND payment_reference OPERATOR(pg_catalog.=) $2 "
									   "AND valid_from OPERATOR(pg_catalog.<=) $3 "
									   "AND (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) $3) "
									   "ORDER BY id DESC", cfg->schema),
							  3, argtypes, values, NULL, true, max) != SPI_OK_SELECT)
		elog(ERROR, "could not read the payment's secrets");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		text	   *secret = DatumGetTextPP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
														  2, &isnull));
		const char *why;
		MemoryContext spicxt = MemoryContextSwitchTo(caller);

		if (WebhookDecodeSecret(prov->scheme, &prov->config, VARDATA_ANY(secret),
						  VARSIZE_ANY_EXHDR(secret), &keys[n], &why))
			ids[n++] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
												   1, &isnull));
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	return n;
}

int
WebhookConfigPaymentKeys(WebhookConfig *cfg, WebhookProvider *prov, const char *reference,
						 TimestampTz now, WebhookKey *keys, int64 *ids, int max)
{
	Oid			idxoid;
	Relation	rel;
	Relation	idx;
	TupleDesc	desc;
	ScanKeyData skey[2];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att_id,
				att_secret,
				att_from,
				att_until;
	int			n = 0;

	if (!prov->payment_secrets || reference == NULL || max <= 0)
		return 0;
	idxoid = get_relname_relid("webhook_secrets_payment_idx", cfg->nspoid);
	if (!OidIsValid(idxoid))
		return payment_keys_by_statement(cfg, prov, reference, now, keys, ids, max);
	/* through the index with the statement's snapshot, as the SELECT would read it */
	rel = table_open(IndexGetRelation(idxoid, false), AccessShareLock);
	idx = index_open(idxoid, AccessShareLock);
	desc = RelationGetDescr(rel);
	att_id = SPI_fnumber(desc, "id");
	att_secret = SPI_fnumber(desc, "secret");
	att_from = SPI_fnumber(desc, "valid_from");
	att_until = SPI_fnumber(desc, "valid_until");
	ScanKeyInit(&skey[0], 1, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(prov->name));
	skey[0].sk_collation = idx->rd_indcollation[0];
	ScanKeyInit(&skey[1], 2, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(reference));
	skey[1].sk_collation = idx->rd_indcollation[1];
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, idx, GetActiveSnapshot(), 2, 0);
	index_rescan(scan, skey, 2, NULL, 0);
	while (n < max && index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		bool		until_null;
		TimestampTz from = DatumGetTimestampTz(slot_getattr(slot, att_from, &isnull));
		Datum		until = slot_getattr(slot, att_until, &until_null);
		text	   *secret;
		const char *why;

		if (from > now || (!until_null && DatumGetTimestampTz(until) <= now))
			continue;			/* not valid now: never decoded */
		secret = DatumGetTextPP(slot_getattr(slot, att_secret, &isnull));
		/* a secret that cannot serve its scheme verifies nothing */
		if (!WebhookDecodeSecret(prov->scheme, &prov->config, VARDATA_ANY(secret),
						   VARSIZE_ANY_EXHDR(secret), &keys[n], &why))
			continue;
		ids[n] = DatumGetInt64(slot_getattr(slot, att_id, &isnull));
		/* newest first, as the provider's own: insertion by id */
		for (int k = n; k > 0 && ids[k - 1] < ids[k]; k--)
		{
			int64		tid = ids[k];
			WebhookKey	tkey = keys[k];

			ids[k] = ids[k - 1];
			keys[k] = keys[k - 1];
			ids[k - 1] = tid;
			keys[k - 1] = tkey;
		}
		n++;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
	return n;
}

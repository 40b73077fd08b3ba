/*-------------------------------------------------------------------------
 *
 * insert.c
 *	  The rows webhook_ingest writes on every call (its webhook_deliveries
 *	  row, and the event of the common case), inserted without planning or
 *	  running an INSERT statement.
 *
 * A row insert plan of spi.c names the table and its columns.  The row
 * goes through the executor's single-row insert, the one logical
 * replication's apply uses (ExecSimpleRelationInsert): the table's row
 * triggers, its constraints, its indexes with their unique checks, all as
 * an INSERT does them.  What that cannot do as an INSERT would -- statement
 * triggers, rules, row-level security, partitions, or a column the row
 * does not set that has a default -- a DBA may add: the table is checked
 * when first used and after every change to it, and then the same row
 * goes in through the plan's INSERT statement instead.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/reltrigger.h"
#include "utils/varlena.h"

#include "insert.h"
#include "rowcheck.h"

/* What a table allows, for one row insert plan. */
typedef struct RowTarget
{
	bool		checked;		/* the fields below are current */
	bool		direct;			/* the executor's single-row insert serves */
	Oid			relid;
	Oid			idseq;			/* the sequence of the identity column id */
	AttrNumber	idattno;
	AttrNumber	attno[24];		/* the table's attribute of each parameter */
	TriggerDesc *trigdesc;		/* the table's triggers less one the row satisfies, or NULL */
} RowTarget;

static RowTarget targets[WEBHOOK_NPLANS];
static bool callback_registered = false;

/* Relcache callback: a change to a target table, or a reset, means checking again. */
static void
target_relcache_callback(Datum arg, Oid relid)
{
	for (int i = 0; i < WEBHOOK_NPLANS; i++)
		if (relid == InvalidOid || relid == targets[i].relid)
			targets[i].checked = false;
}

/*
 * Whether rel takes the row of plan id through the single-row insert as
 * an INSERT would take it; fills t.
 */
static bool
check_target(WebhookPlanId id, Relation rel, RowTarget *t)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *trig = rel->trigdesc;
	const char *columns;
	int			nargs;
	const Oid  *types;
	const char *satisfies;
	List	   *names;
	ListCell   *lc;
	bool	   *given = palloc0(sizeof(bool) * (desc->natts + 1));
	int			i = 0;

	(void) WebhookPlanRow(id, &columns, &nargs, &types, &satisfies);
	t->idseq = InvalidOid;
	if (t->trigdesc != NULL)
		FreeTriggerDesc(t->trigdesc);
	t->trigdesc = NULL;
	if (!WebhookRowRoutinesFit(rel, WEBHOOK_ROW_INSERT))
		return false;

	if (!SplitIdentifierString(pstrdup(columns), ',', &names) || list_length(names) != nargs)
		elog(ERROR, "bad column list for webhook plan %d", (int) id);
	foreach(lc, names)
	{
		AttrNumber	attno = InvalidAttrNumber;

		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), lfirst(lc)) == 0)
				attno = att->attnum;
		}
		/* a column gone or retyped: let the INSERT say what is wrong */
		if (attno == InvalidAttrNumber || TupleDescAttr(desc, attno - 1)->atttypid != types[i] ||
			TupleDescAttr(desc, attno - 1)->attgenerated)
			return false;
		t->attno[i++] = attno;
		given[attno] = true;
	}

	/* the columns the row leaves out: the id, or NULL as an INSERT would leave them */
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (att->attisdropped || given[att->attnum] || att->attgenerated)
			continue;
		if (att->attidentity && strcmp(NameStr(att->attname), "id") == 0 &&
			att->atttypid == INT8OID)
		{
			t->idseq = getIdentitySequence(RelationGetRelid(rel), att->attnum, false);
			t->idattno = att->attnum;
		}
		else if (att->atthasdef || att->attidentity)
			return false;
	}

	/*
	 * The BEFORE INSERT trigger the row satisfies is not fired when it is the
	 * table's only one: it would store the row as it is.
	 */
	if (satisfies != NULL && trig != NULL && trig->trig_insert_before_row)
	{
		int			before = 0;
		bool		found = false;

		for (int k = 0; k < trig->numtriggers; k++)
		{
			Trigger    *tg = &trig->triggers[k];

			if (TRIGGER_FOR_ROW(tg->tgtype) && TRIGGER_FOR_BEFORE(tg->tgtype) &&
				TRIGGER_FOR_INSERT(tg->tgtype) && tg->tgenabled != TRIGGER_DISABLED)
			{
				before++;
				found |= strcmp(tg->tgname, satisfies) == 0 && tg->tgqual == NULL;
			}
		}
		if (found && before == 1)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			t->trigdesc = CopyTriggerDesc(trig);
			t->trigdesc->trig_insert_before_row = false;
			MemoryContextSwitchTo(old);
		}
	}
	return OidIsValid(t->idseq);
}

/*
 * Insert through the plan's statement; returns the new row's id.  No row
 * limit: a limit stops the INSERT before the end, where its AFTER
 * STATEMENT triggers fire.
 */
static int64
insert_by_statement(WebhookPlanId id, const char *schema, Datum *values, const char *nulls)
{
	bool		isnull;

	if (SPI_execute_plan(WebhookPlan(id, schema), values, nulls, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "row insert of webhook plan %d returned no row", (int) id);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

int64
WebhookInsertRow(WebhookPlanId id, const char *schema, Oid nspoid,
				 Datum *values, const char *nulls)
{
	RowTarget  *t = &targets[id];
	Relation	rel;
	EState	   *estate;
	RangeTblEntry *rte;
	ResultRelInfo *rri;
	TupleTableSlot *slot;
	int			nargs;
	const char *columns;
	const Oid  *types;
	const char *table = WebhookPlanRow(id, &columns, &nargs, &types, NULL);
	bool		isnull;
	int64		newid = 0;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(target_relcache_callback, (Datum) 0);
		callback_registered = true;
	}
	if (!t->checked)
	{
		t->relid = get_relname_relid(table, nspoid);
		if (!OidIsValid(t->relid))
			return insert_by_statement(id, schema, values, nulls);
	}
	/* the lock an INSERT takes; it also brings in any pending invalidation */
	rel = table_open(t->relid, RowExclusiveLock);
	if (!t->checked)
	{
		t->checked = true;		/* before checking: an invalidation meanwhile wins */
		t->direct = check_target(id, rel, t);
	}
	if (!t->direct)
	{
		table_close(rel, NoLock);
		return insert_by_statement(id, schema, values, nulls);
	}
	if (pg_class_aclcheck(t->relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(rel));

	estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = t->relid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(estate, list_make1(rte));
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	if (t->trigdesc != NULL)
		rri->ri_TrigDesc = t->trigdesc;
	/* as in logical replication's apply: lets the trigger code find the relation */
	estate->es_opened_result_relations = list_make1(rri);
	estate->es_output_cid = GetCurrentCommandId(true);
	ExecOpenIndices(rri, false);

	slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	for (int i = 0; i < nargs; i++)
	{
		slot->tts_values[t->attno[i] - 1] = values[i];
		slot->tts_isnull[t->attno[i] - 1] = (nulls != NULL && nulls[i] == 'n');
	}
	slot->tts_values[t->idattno - 1] = Int64GetDatum(nextval_internal(t->idseq, false));
	slot->tts_isnull[t->idattno - 1] = false;
	ExecStoreVirtualTuple(slot);
	ItemPointerSetInvalid(&slot->tts_tid);

	AfterTriggerBeginQuery();
	ExecSimpleRelationInsert(rri, estate, slot);
	AfterTriggerEndQuery(estate);

	/* the tuple's place is set once stored; a BEFORE trigger may have changed the row, or dropped it */
	isnull = !ItemPointerIsValid(&slot->tts_tid);
	if (!isnull)
		newid = DatumGetInt64(slot_getattr(slot, t->idattno, &isnull));
	ExecCloseIndices(rri);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	table_close(rel, NoLock);
	if (isnull)
		elog(ERROR, "a trigger on %s dropped the row", table);
	/* what follows sees the row, as after a statement */
	CommandCounterIncrement();
	return newid;
}

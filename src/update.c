/*-------------------------------------------------------------------------
 *
 * update.c
 *	  The payment and order moves of the ingest path, made without planning
 *	  or running an UPDATE statement.
 *
 * A row is found through the unique index on its key with a new snapshot,
 * as an UPDATE's index scan finds it; change() decides, as its WHERE
 * would, and sets the new values; the row is locked (a concurrent update
 * is waited for and its newer version asked again, as READ COMMITTED's
 * re-check does) and goes through the executor's single-row update, the
 * one logical replication's apply uses (ExecSimpleRelationUpdate): the
 * table's BEFORE and AFTER row triggers, its constraints, its indexes.
 * Two triggers of ours are left out when that changes nothing: the
 * payments guard, whose work change() does, when no other BEFORE trigger
 * could change the row after it; the payments AFTER trigger, which leaves
 * such a move to the mover.
 * What that cannot do as an UPDATE would -- statement triggers, transition
 * tables, rules, row-level security, partitions, generated columns -- a DBA
 * may add: the table is checked when first used and after every change to
 * it, and the caller then runs its UPDATE statement instead.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "rowcheck.h"
#include "update.h"

#define MAX_KEYS 2
#define MAX_COLUMNS 12

typedef struct UpdateColumn
{
	const char *name;
	Oid			type;
	bool		set;			/* the UPDATE sets it */
} UpdateColumn;

static const UpdateColumn payment_columns[WEBHOOK_PAY_NCOLUMNS] = {
	[WEBHOOK_PAY_ID] = {"id", INT8OID, false},
	[WEBHOOK_PAY_REFERENCE] = {"reference", TEXTOID, false},
	[WEBHOOK_PAY_ORDER_REF] = {"order_ref", TEXTOID, false},
	[WEBHOOK_PAY_AMOUNT] = {"amount", NUMERICOID, false},
	[WEBHOOK_PAY_CURRENCY] = {"currency", TEXTOID, false},
	[WEBHOOK_PAY_STATE] = {"state", TEXTOID, true},
	[WEBHOOK_PAY_AMOUNT_CAPTURED] = {"amount_captured", NUMERICOID, true},
	[WEBHOOK_PAY_STATE_CHANGED_AT] = {"state_changed_at", TIMESTAMPTZOID, false},
	[WEBHOOK_PAY_UPDATED_AT] = {"updated_at", TIMESTAMPTZOID, false},
};

static const UpdateColumn order_columns[WEBHOOK_ORDER_NCOLUMNS] = {
	[WEBHOOK_ORDER_TOTAL] = {"total", NUMERICOID, false},
	[WEBHOOK_ORDER_AMOUNT_PAID] = {"amount_paid", NUMERICOID, true},
	[WEBHOOK_ORDER_AMOUNT_REFUNDED] = {"amount_refunded", NUMERICOID, true},
	[WEBHOOK_ORDER_STATE] = {"state", TEXTOID, true},
	[WEBHOOK_ORDER_PAID_AT] = {"paid_at", TIMESTAMPTZOID, true},
	[WEBHOOK_ORDER_UPDATED_AT] = {"updated_at", TIMESTAMPTZOID, true},
};

/* A table updated this way, and what was found out about it. */
typedef struct UpdateTarget
{
	const char *table;
	const char *key[MAX_KEYS];	/* text columns, those of a unique index */
	int			nkeys;
	const UpdateColumn *columns;
	int			ncolumns;
	const char *own_before;		/* our BEFORE UPDATE row trigger, whose work change() does */
	const char *own_after;		/* our AFTER UPDATE row trigger, which has nothing to do then */

	bool		checked;		/* the fields below are current */
	bool		direct;			/* the executor's single-row update serves */
	Oid			nspoid;
	Oid			relid;
	Oid			indexid;		/* the unique btree index on the key */
	AttrNumber	keyattno[MAX_KEYS];
	RegProcedure eqproc[MAX_KEYS];
	Oid			collation[MAX_KEYS];
	AttrNumber	col[MAX_COLUMNS];
	Bitmapset  *updated;		/* the set columns, as an RTE's updatedCols */
	TriggerDesc *trigdesc;		/* the table's triggers less our own, or NULL */
	bool		no_triggers;	/* none left but ours */
} UpdateTarget;

static UpdateTarget targets[WEBHOOK_NUPDATE_TABLES] = {
	[WEBHOOK_UPDATE_PAYMENTS] = {"webhook_payments", {"provider", "external_id"}, 2,
	payment_columns, WEBHOOK_PAY_NCOLUMNS, "webhook_payments_guard", "webhook_payments_after"},
	[WEBHOOK_UPDATE_ORDERS] = {"webhook_orders", {"ref"}, 1,
	order_columns, WEBHOOK_ORDER_NCOLUMNS, NULL, NULL},
};

static bool callback_registered = false;

struct WebhookUpdate
{
	EState	   *estate;
	EPQState	epq;
	Relation	rel[WEBHOOK_NUPDATE_TABLES];
	ResultRelInfo *rri[WEBHOOK_NUPDATE_TABLES];
	Relation	index[WEBHOOK_NUPDATE_TABLES];	/* the key's, among the open indexes */
	LockTupleMode lockmode[WEBHOOK_NUPDATE_TABLES];
};

StaticAssertDecl(WEBHOOK_PAY_NCOLUMNS <= MAX_COLUMNS && WEBHOOK_ORDER_NCOLUMNS <= MAX_COLUMNS,
				 "too many columns for MAX_COLUMNS");

/* Relcache callback: a change to a target table (or its indexes), or a reset. */
static void
target_relcache_callback(Datum arg, Oid relid)
{
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
		if (relid == InvalidOid || relid == targets[i].relid)
			targets[i].checked = false;
}

static AttrNumber
column_attno(TupleDesc desc, const char *name, Oid type)
{
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->atttypid == type ? att->attnum : InvalidAttrNumber;
	}
	return InvalidAttrNumber;
}

/* A unique, valid btree index on exactly the key columns, with no expression or predicate: fills t. */
static bool
find_key_index(Relation rel, UpdateTarget *t)
{
	Oid			types[MAX_KEYS];
	int			keyof[MAX_KEYS];

	for (int k = 0; k < t->nkeys; k++)
		types[k] = TEXTOID;
	t->indexid = WebhookKeyIndex(rel, t->nkeys, t->keyattno, types, keyof, t->eqproc, t->collation);
	/* the scan keys go in the key's order: the index's columns must be in it */
	for (int k = 0; k < t->nkeys && OidIsValid(t->indexid); k++)
		if (keyof[k] != k)
			t->indexid = InvalidOid;
	return OidIsValid(t->indexid);
}

/* An UPDATE row trigger of ours, as created: on every row, with no WHEN clause. */
static bool
own_trigger(Trigger *tg, const char *name)
{
	return name != NULL && strcmp(tg->tgname, name) == 0 && tg->tgqual == NULL &&
		tg->tgnattr == 0 && tg->tgenabled != TRIGGER_DISABLED;
}

/*
 * The table's triggers without ours that change() makes needless: the
 * BEFORE trigger when no other BEFORE UPDATE row trigger could change the
 * row after change() made it (then it does nothing change() has not done),
 * the AFTER trigger always (it leaves a move like this one to the mover).
 * NULL when neither is left out; *none_left when no trigger is left.
 */
static TriggerDesc *
own_triggers_left_out(TriggerDesc *trig, UpdateTarget *t, bool *none_left)
{
	TriggerDesc kept;
	TriggerDesc *copy;
	int			before = 0;
	bool		drop_before = false;

	*none_left = false;
	if (trig == NULL)
		return NULL;
	for (int k = 0; k < trig->numtriggers; k++)
	{
		Trigger    *tg = &trig->triggers[k];

		if (TRIGGER_FOR_ROW(tg->tgtype) && TRIGGER_FOR_BEFORE(tg->tgtype) &&
			TRIGGER_FOR_UPDATE(tg->tgtype) && tg->tgenabled != TRIGGER_DISABLED)
		{
			before++;
			drop_before |= own_trigger(tg, t->own_before);
		}
	}
	drop_before &= before == 1;

	kept = *trig;
	kept.triggers = palloc(sizeof(Trigger) * trig->numtriggers);
	kept.numtriggers = 0;
	kept.trig_update_before_row = kept.trig_update_after_row = false;
	for (int k = 0; k < trig->numtriggers; k++)
	{
		Trigger    *tg = &trig->triggers[k];

		if (TRIGGER_FOR_ROW(tg->tgtype) && TRIGGER_FOR_UPDATE(tg->tgtype) &&
			((drop_before && TRIGGER_FOR_BEFORE(tg->tgtype) && own_trigger(tg, t->own_before)) ||
			 (TRIGGER_FOR_AFTER(tg->tgtype) && own_trigger(tg, t->own_after))))
			continue;
		kept.triggers[kept.numtriggers++] = *tg;
		if (TRIGGER_FOR_ROW(tg->tgtype) && TRIGGER_FOR_UPDATE(tg->tgtype))
		{
			kept.trig_update_before_row |= TRIGGER_FOR_BEFORE(tg->tgtype) != 0;
			kept.trig_update_after_row |= TRIGGER_FOR_AFTER(tg->tgtype) != 0;
		}
	}
	*none_left = kept.numtriggers == 0;
	copy = kept.numtriggers < trig->numtriggers ? CopyTriggerDesc(&kept) : NULL;
	pfree(kept.triggers);
	return copy;
}

/* Whether rel takes t's updates through the single-row update as an UPDATE would; fills t. */
static bool
check_target(Relation rel, UpdateTarget *t)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *trig = rel->trigdesc;
	MemoryContext old;

	t->indexid = InvalidOid;
	if (!WebhookRowRoutinesFit(rel, WEBHOOK_ROW_UPDATE))
		return false;
	for (int k = 0; k < t->nkeys; k++)
		if ((t->keyattno[k] = column_attno(desc, t->key[k], TEXTOID)) == InvalidAttrNumber)
			return false;

	bms_free(t->updated);
	t->updated = NULL;
	old = MemoryContextSwitchTo(TopMemoryContext);
	for (int c = 0; c < t->ncolumns; c++)
	{
		t->col[c] = column_attno(desc, t->columns[c].name, t->columns[c].type);
		if (t->col[c] == InvalidAttrNumber)
			break;
		if (t->columns[c].set)
			t->updated = bms_add_member(t->updated, t->col[c] - FirstLowInvalidHeapAttributeNumber);
	}
	if (t->trigdesc != NULL)
		FreeTriggerDesc(t->trigdesc);
	t->trigdesc = own_triggers_left_out(trig, t, &t->no_triggers);
	MemoryContextSwitchTo(old);
	for (int c = 0; c < t->ncolumns; c++)
		if (t->col[c] == InvalidAttrNumber)
			return false;
	return find_key_index(rel, t);
}

/* Close what WebhookUpdateBegin opened so far. */
static void
close_tables(Relation *rel)
{
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
		if (rel[i] != NULL)
			table_close(rel[i], NoLock);
}

/*
 * Open the tables of tables (in nspoid) into rel, checking each the first
 * time and after an invalidation: false, with none left open, when one is
 * missing, does not fit the single-row update, or the user may not select
 * and update it.
 */
static bool
open_tables(Oid nspoid, int tables, Relation *rel)
{
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
	{
		UpdateTarget *t = &targets[i];

		if ((tables & WEBHOOK_UPDATE_TABLE(i)) == 0)
			continue;
		if (!t->checked || t->nspoid != nspoid)
		{
			t->checked = false;
			t->nspoid = nspoid;
			t->relid = get_relname_relid(t->table, nspoid);
			if (!OidIsValid(t->relid))
			{
				close_tables(rel);
				return false;
			}
		}
		/* the lock an UPDATE takes; it also brings in any pending invalidation */
		rel[i] = table_open(t->relid, RowExclusiveLock);
		if (!t->checked)
		{
			t->checked = true;	/* before checking: an invalidation meanwhile wins */
			t->direct = check_target(rel[i], t);
		}
		if (!t->direct ||
			pg_class_aclcheck(t->relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
			pg_class_aclcheck(t->relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		{
			close_tables(rel);
			return false;
		}
	}
	return true;
}

WebhookUpdate *
WebhookUpdateBegin(Oid nspoid, int tables)
{
	WebhookUpdate *u;
	Relation	rel[WEBHOOK_NUPDATE_TABLES] = {0};
	List	   *rtes = NIL;
	List	   *rris = NIL;
	EState	   *estate;

	/* a new snapshot per statement is READ COMMITTED's; the others raise on a concurrent update */
	if (IsolationUsesXactSnapshot())
		return NULL;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(target_relcache_callback, (Datum) 0);
		callback_registered = true;
	}
	if (!open_tables(nspoid, tables, rel))
		return NULL;

	u = palloc0(sizeof(WebhookUpdate));
	estate = u->estate = CreateExecutorState();
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
	{
		RangeTblEntry *rte = makeNode(RangeTblEntry);

		rte->rtekind = RTE_RELATION;
		rte->relid = targets[i].relid;
		rte->relkind = RELKIND_RELATION;
		rte->rellockmode = RowExclusiveLock;
		rte->requiredPerms = ACL_SELECT | ACL_UPDATE;
		rte->updatedCols = bms_copy(targets[i].updated);
		rtes = lappend(rtes, rte);
	}
	ExecInitRangeTable(estate, rtes);
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
	{
		ResultRelInfo *rri;

		if (rel[i] == NULL)
			continue;
		rri = makeNode(ResultRelInfo);
		u->rel[i] = rel[i];
		InitResultRelInfo(rri, rel[i], i + 1, NULL, 0);
		if (targets[i].no_triggers)
			rri->ri_TrigDesc = NULL;
		else if (targets[i].trigdesc != NULL)
			rri->ri_TrigDesc = targets[i].trigdesc;
		ExecOpenIndices(rri, false);
		for (int k = 0; k < rri->ri_NumIndices; k++)
			if (RelationGetRelid(rri->ri_IndexRelationDescs[k]) == targets[i].indexid)
				u->index[i] = rri->ri_IndexRelationDescs[k];
		if (u->index[i] == NULL)
			elog(ERROR, "index %u of %s is not open", targets[i].indexid, targets[i].table);
		u->rri[i] = rri;
		rris = lappend(rris, rri);
	}
	/* as in logical replication's apply: lets the trigger code find the relations */
	estate->es_opened_result_relations = rris;
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
		if (u->rri[i] != NULL)
			u->lockmode[i] = ExecUpdateLockMode(estate, u->rri[i]);

	/* as a new statement: it sees what came before it, with a new snapshot */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	estate->es_snapshot = GetActiveSnapshot();
	estate->es_output_cid = GetCurrentCommandId(true);
	EvalPlanQualInit(&u->epq, estate, NULL, NIL, -1);
	AfterTriggerBeginQuery();
	return u;
}

AttrNumber
WebhookUpdateColumn(WebhookUpdate *u, WebhookUpdateTable t, int column)
{
	Assert(column >= 0 && column < targets[t].ncolumns);
	return targets[t].col[column];
}

/* Copy the slot's row into values and nulls. */
static void
row_values(TupleTableSlot *slot, Datum *values, bool *nulls)
{
	int			natts = slot->tts_tupleDescriptor->natts;

	slot_getallattrs(slot);
	memcpy(values, slot->tts_values, sizeof(Datum) * natts);
	memcpy(nulls, slot->tts_isnull, sizeof(bool) * natts);
}

/* The scan keys of table t's key index for key. */
static void
key_scankeys(const UpdateTarget *t, const Datum *key, ScanKeyData *skey)
{
	for (int k = 0; k < t->nkeys; k++)
	{
		ScanKeyInit(&skey[k], k + 1, BTEqualStrategyNumber, t->eqproc[k], key[k]);
		skey[k].sk_collation = t->collation[k];
	}
}

/* The row of table tno found by its key index with snap, into slot; false if none. */
static bool
fetch_row(WebhookUpdate *u, WebhookUpdateTable tno, ScanKeyData *skey, Snapshot snap,
		  TupleTableSlot *slot)
{
	IndexScanDesc scan;
	bool		found;

	scan = index_beginscan(u->rel[tno], u->index[tno], snap, targets[tno].nkeys, 0);
	index_rescan(scan, skey, targets[tno].nkeys, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	return found;
}

bool
WebhookReadRow(WebhookUpdate *u, WebhookUpdateTable tno, const Datum *key,
			   WebhookRowChange see, void *arg)
{
	Relation	rel = u->rel[tno];
	ScanKeyData skey[MAX_KEYS];
	TupleTableSlot *slot;

	if (rel == NULL)
		elog(ERROR, "%s was not opened for this update", targets[tno].table);
	slot = table_slot_create(rel, &u->estate->es_tupleTable);
	key_scankeys(&targets[tno], key, skey);
	if (!fetch_row(u, tno, skey, GetLatestSnapshot(), slot))
		return false;
	/* see() only reads: the slot's own values serve */
	slot_getallattrs(slot);
	(void) see(slot->tts_values, slot->tts_isnull, targets[tno].col, arg);
	return true;
}

/*
 * same_key: whether the row in values and nulls still holds key in table
 * t's key columns, as a newer version of a row found by its key may not.
 * The columns' equality functions may raise.
 */
static bool
same_key(const UpdateTarget *t, const Datum *values, const bool *nulls,
		 const Datum *key)
{
	for (int k = 0; k < t->nkeys; k++)
		if (nulls[t->keyattno[k] - 1] ||
			!DatumGetBool(OidFunctionCall2Coll(t->eqproc[k], t->collation[k],
											   values[t->keyattno[k] - 1], key[k])))
			return false;
	return true;
}

/*
 * store_version: the executor's single-row update of table tno's locked
 * row in slot to values and nulls, with its triggers, constraints and
 * indexes.  Returns the new version in a slot of the update's EState, or
 * NULL if a BEFORE trigger dropped the change.  Raises as an UPDATE
 * would.
 */
static TupleTableSlot *
store_version(WebhookUpdate *u, WebhookUpdateTable tno, TupleTableSlot *slot,
			  const Datum *values, const bool *nulls)
{
	EState	   *estate = u->estate;
	TupleDesc	desc = RelationGetDescr(u->rel[tno]);
	TupleTableSlot *newslot;

	newslot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	ExecClearTuple(newslot);
	memcpy(newslot->tts_values, values, sizeof(Datum) * desc->natts);
	memcpy(newslot->tts_isnull, nulls, sizeof(bool) * desc->natts);
	ExecStoreVirtualTuple(newslot);
	ItemPointerSetInvalid(&newslot->tts_tid);
	ExecSimpleRelationUpdate(u->rri[tno], estate, &u->epq, slot, newslot);
	/* the new version's place is set once stored; a BEFORE trigger may have dropped the change */
	if (!ItemPointerIsValid(&newslot->tts_tid))
		return NULL;
	slot_getallattrs(newslot);
	return newslot;
}

TupleTableSlot *
WebhookUpdateRow(WebhookUpdate *u, WebhookUpdateTable tno, const Datum *key,
				 WebhookRowChange change, void *arg)
{
	UpdateTarget *t = &targets[tno];
	EState	   *estate = u->estate;
	Relation	rel = u->rel[tno];
	TupleDesc	desc;
	ScanKeyData skey[MAX_KEYS];
	TupleTableSlot *slot;
	Datum	   *values;
	bool	   *nulls;
	ItemPointerData tid;
	TM_FailureData tmfd;
	TM_Result	res;
	Snapshot	snap;

	if (rel == NULL)
		elog(ERROR, "%s was not opened for this update", t->table);
	desc = RelationGetDescr(rel);
	slot = table_slot_create(rel, &estate->es_tupleTable);
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	memset(&tmfd, 0, sizeof(tmfd));
	key_scankeys(t, key, skey);
	/*
	 * Find the row, judge the change, lock the version judged.  A version
	 * another transaction is changing is not locked but waited for, without
	 * holding anything, and the row found again with a new snapshot: a
	 * change that is then no longer wanted (a retry of an event another
	 * delivery just applied) leaves the row unlocked, so retries of one
	 * event do not queue behind each other's transactions, as they would
	 * behind the lock an UPDATE keeps on a row whose recheck fails.
	 */
	snap = estate->es_snapshot;
	for (;;)
	{
		if (!fetch_row(u, tno, skey, snap, slot))
			return NULL;
		row_values(slot, values, nulls);
		if (!change(values, nulls, t->col, arg))
			return NULL;

		/* lock the newest version; a concurrent update is followed */
		tid = slot->tts_tid;
		res = table_tuple_lock(rel, &tid, snap, slot, estate->es_output_cid,
							   u->lockmode[tno], LockWaitSkip, TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
							   &tmfd);
		if (res != TM_WouldBlock)
			break;
		/* the transaction changing it (or, for several lockers, look again shortly) */
		if (TransactionIdIsValid(tmfd.xmax) && TransactionIdIsInProgress(tmfd.xmax))
			XactLockTableWait(tmfd.xmax, rel, &tid, XLTW_Update);
		else
			pg_usleep(1000L);
		snap = GetLatestSnapshot();
		CHECK_FOR_INTERRUPTS();
	}
	switch (res)
	{
		case TM_Ok:
			break;
		case TM_Deleted:
			return NULL;		/* deleted meanwhile: nothing to update */
		case TM_SelfModified:
			if (tmfd.cmax != estate->es_output_cid)
				ereport(ERROR,
						(errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
						 errmsg("tuple to be updated was already modified by an operation triggered by the current command")));
			return NULL;
		default:
			elog(ERROR, "unexpected table_tuple_lock status %d for %s", (int) res, t->table);
	}
	if (tmfd.traversed)
	{
		/* a newer version: the same row still, and the change still wanted? */
		row_values(slot, values, nulls);
		if (!same_key(t, values, nulls, key))
			return NULL;
		if (!change(values, nulls, t->col, arg))
			return NULL;
	}

	return store_version(u, tno, slot, values, nulls);
}

void
WebhookUpdateEnd(WebhookUpdate *u)
{
	EState	   *estate = u->estate;

	AfterTriggerEndQuery(estate);
	EvalPlanQualEnd(&u->epq);
	for (int i = 0; i < WEBHOOK_NUPDATE_TABLES; i++)
		if (u->rri[i] != NULL)
			ExecCloseIndices(u->rri[i]);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	close_tables(u->rel);
	PopActiveSnapshot();
	/* what follows sees the rows, as after a statement */
	CommandCounterIncrement();
	pfree(u);
}

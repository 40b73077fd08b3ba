/*-------------------------------------------------------------------------
 *
 * stats.c
 *	  The delivery counters behind webhook_stats: each delivery recorded
 *	  adds one to its row of webhook_delivery_counts, in the transaction
 *	  that records it, so the view reads a few rows per provider and day
 *	  instead of every delivery.
 *
 * A row counts the deliveries of one provider, UTC day, outcome and HTTP
 * status that one backend recorded.  Its slot is the backend's id
 * (MyBackendId), which no two sessions hold at once: concurrent sessions
 * never update the same row, so they never wait for each other.  A row
 * that is busy all the same (a prepared transaction wrote it, or a DBA's
 * statement holds it) is not waited for: the count goes to the backend's
 * next slot, its id plus a multiple of MaxBackends.
 *
 * The row is found through the table's unique index on its five key
 * columns with a dirty snapshot (which sees the newest version, and who
 * is still writing it), as logical replication's apply finds a row; it
 * is locked without waiting and changed through the executor's
 * single-row update, or goes in through the single-row insert when the
 * backend has no row yet: the table's row triggers, constraints and
 * indexes, as the statements would.  Nothing is planned.  What those
 * routines do not do as a statement would -- statement triggers,
 * transition tables, rules, row-level security, partitions, generated
 * columns, a column with a default -- a DBA may add: the table is checked
 * when first used and after every change to it, and then the count goes
 * through a cached INSERT ... ON CONFLICT DO UPDATE instead.
 *
 * Once a day is over, its rows are folded into one per provider, day,
 * outcome and status (slot 0), so that the table holds a row per
 * backend only for the current day: the first backend to start a row
 * of a new day deletes the rows of earlier days and adds them up there,
 * in its transaction.  Nobody waits for it: only one backend folds at a
 * time (others skip it: the lock is taken conditionally), the rows it
 * deletes are those no transaction holds, and a row it is deleting is
 * busy for the backend that counts in it.  Sums never change by a fold.
 *
 * Each backend remembers where the versions it wrote last are: the next
 * count of the same key reads that version directly instead of walking
 * the index and the chain of the row's dead versions (which grows while
 * an older snapshot keeps the page from being pruned).  Such a place is
 * only a hint: the version found there must be visible to a dirty
 * snapshot and carry the same key, else the index is asked.  Places
 * written by a transaction or subtransaction that rolls back, or is
 * prepared, are forgotten at once; all are forgotten when the table
 * changes (a relcache invalidation, which every vacuum sends too); and a
 * place beyond the table's end is never read.
 *
 * Invariants:
 *	- A count is part of the transaction that records the delivery: a
 *	  rolled-back call counts nothing, as it leaves no delivery row.
 *	- No row of another backend's slot is ever written by the direct path.
 *	- Rows of slot 0 (folded days, and the counts the upgrade script
 *	  seeds) are written only by a fold, one backend at a time: backend
 *	  ids start at 1.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/backendid.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "rowcheck.h"
#include "spi.h"
#include "stats.h"

#define COUNTS_TABLE "webhook_delivery_counts"

/* The table's columns; the first NKEYS are its key. */
typedef enum CountColumn
{
	COL_PROVIDER,
	COL_DAY,
	COL_OUTCOME,
	COL_HTTP_STATUS,
	COL_SLOT,
	COL_DELIVERIES,
	COL_EVENTS,
	COL_LAST_AT,
	NCOLS
} CountColumn;

#define NKEYS 5

static const struct
{
	const char *name;
	Oid			type;
}			count_columns[NCOLS] = {
	[COL_PROVIDER] = {"provider", TEXTOID},
	[COL_DAY] = {"day", DATEOID},
	[COL_OUTCOME] = {"outcome", TEXTOID},
	[COL_HTTP_STATUS] = {"http_status", INT4OID},
	[COL_SLOT] = {"slot", INT4OID},
	[COL_DELIVERIES] = {"deliveries", INT8OID},
	[COL_EVENTS] = {"events", INT8OID},
	[COL_LAST_AT] = {"last_at", TIMESTAMPTZOID},
};

/* Slots tried without waiting before the last one, which waits. */
#define SLOT_TRIES 4

/* What the counts table allows, and what webhook_events' ids come from. */
typedef struct CountTarget
{
	bool		checked;		/* the fields below are current */
	bool		direct;			/* the executor's single-row routines serve */
	Oid			nspoid;
	Oid			relid;
	Oid			indexid;		/* the unique btree index on the key */
	AttrNumber	attno[NCOLS];
	CountColumn keycol[NKEYS];	/* the column of each index key, in index order */
	RegProcedure eqproc[NKEYS];
	Oid			collation[NKEYS];
	Bitmapset  *updated;		/* deliveries, events, last_at: an RTE's updatedCols */
	Oid			acl_user;		/* the role found to have SELECT, INSERT, UPDATE, or 0 */

} CountTarget;

static CountTarget target;
static bool callback_registered = false;

/* Where this backend wrote the newest version of a key's row (see above). */
typedef struct CachedRow
{
	bool		valid;
	uint32		hash;			/* of provider, day, outcome, http_status */
	int32		slot;
	ItemPointerData tid;
	bool		in_xact;		/* written by the current transaction... */
	SubTransactionId subid;		/* ...in this subtransaction */
} CachedRow;

#define CACHED_ROWS 16

static CachedRow cached_rows[CACHED_ROWS];

/* This backend has folded (or found folded) the days before this one. */
static DateADT folded_day = DATEVAL_NOBEGIN;

static int	cached_next = 0;	/* the entry a new place replaces */
static bool cached_in_xact = false; /* some entry is in_xact */

/* What looking up a slot's row found. */
typedef enum SlotRow
{
	SLOT_ABSENT,				/* no row: insert one */
	SLOT_FOUND,					/* the row, locked: update it */
	SLOT_BUSY,					/* another transaction is writing or locking it */
	SLOT_MOVED					/* changed between lookup and lock: look again */
} SlotRow;

/* Forget every remembered place. */
static void
forget_rows(void)
{
	for (int i = 0; i < CACHED_ROWS; i++)
		cached_rows[i].valid = false;
	cached_in_xact = false;
}

/* Relcache callback: a change to the counts table or webhook_events, or a reset. */
static void
count_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == target.relid)
	{
		target.checked = false;
		target.acl_user = InvalidOid;
		forget_rows();
	}
}

/* Syscache callback: a role or a membership changed, so rights are checked again. */
static void
count_role_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	target.acl_user = InvalidOid;
}

/*
 * Transaction callback: the places a transaction wrote are forgotten when
 * it aborts or is prepared (its versions may never commit), kept when it
 * commits.
 */
static void
count_xact_callback(XactEvent event, void *arg)
{
	bool		keep;

	if (!cached_in_xact)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
		keep = true;
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_PREPARE)
		keep = false;
	else
		return;
	for (int i = 0; i < CACHED_ROWS; i++)
		if (cached_rows[i].in_xact)
		{
			cached_rows[i].in_xact = false;
			cached_rows[i].valid &= keep;
		}
	cached_in_xact = false;
}

/* Subtransaction callback: a rolled-back one's places (and its children's) are forgotten. */
static void
count_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB || !cached_in_xact)
		return;
	for (int i = 0; i < CACHED_ROWS; i++)
		if (cached_rows[i].in_xact && cached_rows[i].subid >= mySubid)
			cached_rows[i].valid = cached_rows[i].in_xact = false;
}

/* The remembered place of the row of key hash in slot, or NULL. */
static CachedRow *
cached_row(uint32 hash, int32 slot)
{
	for (int i = 0; i < CACHED_ROWS; i++)
		if (cached_rows[i].valid && cached_rows[i].hash == hash && cached_rows[i].slot == slot)
			return &cached_rows[i];
	return NULL;
}

/* Remember tid as the place of the row of key hash in slot, written just now. */
static void
remember_row(uint32 hash, int32 slot, ItemPointer tid)
{
	CachedRow  *c = cached_row(hash, slot);

	if (c == NULL)
	{
		c = &cached_rows[cached_next];
		cached_next = (cached_next + 1) % CACHED_ROWS;
	}
	c->valid = true;
	c->hash = hash;
	c->slot = slot;
	c->tid = *tid;
	c->in_xact = true;
	c->subid = GetCurrentSubTransactionId();
	cached_in_xact = true;
}

/* The attribute number of column name of type type, or InvalidAttrNumber. */
static AttrNumber
column_attno(TupleDesc desc, const char *name, Oid type)
{
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->atttypid == type && !att->attgenerated ? att->attnum : InvalidAttrNumber;
	}
	return InvalidAttrNumber;
}

/*
 * A unique, valid, immediate btree index on exactly the key columns (in
 * any order), with no expression or predicate: fills t.
 */
static bool
find_key_index(Relation rel, CountTarget *t)
{
	Oid			types[NKEYS];
	int			keyof[NKEYS];

	for (int c = 0; c < NKEYS; c++)
		types[c] = count_columns[c].type;
	t->indexid = WebhookKeyIndex(rel, NKEYS, t->attno, types, keyof, t->eqproc, t->collation);
	for (int k = 0; k < NKEYS && OidIsValid(t->indexid); k++)
		t->keycol[k] = (CountColumn) keyof[k];
	return OidIsValid(t->indexid);
}

/*
 * Whether rel takes a count through the single-row update and insert as
 * the INSERT ... ON CONFLICT DO UPDATE would; fills t.
 */
static bool
check_target(Relation rel, CountTarget *t)
{
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext old;

	t->indexid = InvalidOid;
	if (!WebhookRowRoutinesFit(rel, WEBHOOK_ROW_INSERT | WEBHOOK_ROW_UPDATE))
		return false;
	for (int c = 0; c < NCOLS; c++)
		if ((t->attno[c] = column_attno(desc, count_columns[c].name,
										count_columns[c].type)) == InvalidAttrNumber)
			return false;
	/* a column the row leaves out must be NULL, as an INSERT would leave it */
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);
		bool		ours = false;

		for (int c = 0; c < NCOLS; c++)
			ours |= t->attno[c] == att->attnum;
		if (!att->attisdropped && !ours && (att->atthasdef || att->attidentity))
			return false;
	}

	bms_free(t->updated);
	old = MemoryContextSwitchTo(TopMemoryContext);
	t->updated = bms_make_singleton(t->attno[COL_DELIVERIES] - FirstLowInvalidHeapAttributeNumber);
	t->updated = bms_add_member(t->updated, t->attno[COL_EVENTS] - FirstLowInvalidHeapAttributeNumber);
	t->updated = bms_add_member(t->updated, t->attno[COL_LAST_AT] - FirstLowInvalidHeapAttributeNumber);
	MemoryContextSwitchTo(old);
	return find_key_index(rel, t);
}

/* The UTC day of ts, as a date. */
static DateADT
utc_day(TimestampTz ts)
{
	int64		day = ts / USECS_PER_DAY;

	if (ts % USECS_PER_DAY < 0)
		day--;
	return (DateADT) day;
}

/* Count through the cached statement (a table the direct path cannot serve). */
static void
count_by_statement(const char *schema, const Datum *key, int64 events, TimestampTz at)
{
	Datum		values[7];

	values[0] = key[COL_PROVIDER];
	values[1] = key[COL_DAY];
	values[2] = key[COL_OUTCOME];
	values[3] = key[COL_HTTP_STATUS];
	values[4] = key[COL_SLOT];
	values[5] = Int64GetDatum(events);
	values[6] = TimestampTzGetDatum(at);
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_COUNT_DELIVERY, schema), values, NULL,
						 false, 0) != SPI_OK_INSERT)
		elog(ERROR, "delivery count failed");
}

/*
 * Whether the row in slot has key's values in its key columns, byte for
 * byte (text values that are only equal under a collation do not match:
 * the caller then asks the index).
 */
static bool
row_has_key(TupleTableSlot *slot, const Datum *key)
{
	CountTarget *t = &target;

	slot_getallattrs(slot);
	for (int c = 0; c < NKEYS; c++)
	{
		AttrNumber	a = t->attno[c] - 1;
		Datum		v = slot->tts_values[a];

		if (slot->tts_isnull[a])
			return false;
		if (count_columns[c].type == TEXTOID)
		{
			text	   *x = DatumGetTextPP(v);
			text	   *y = DatumGetTextPP(key[c]);

			if (VARSIZE_ANY_EXHDR(x) != VARSIZE_ANY_EXHDR(y) ||
				memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) != 0)
				return false;
		}
		else if (DatumGetInt32(v) != DatumGetInt32(key[c]))
			return false;		/* int4 and date */
	}
	return true;
}

/*
 * The version at the remembered place c, into slot, if it is still the
 * newest version of key's row and nobody else is writing it: visible to
 * a dirty snapshot, with no writer in progress, and that key.  Prunes the
 * page first, as an index scan would.
 */
static bool
fetch_remembered(Relation rel, CachedRow *c, const Datum *key, TupleTableSlot *slot)
{
	SnapshotData dirty;
	Buffer		buffer;

	if (ItemPointerGetBlockNumber(&c->tid) >= RelationGetNumberOfBlocks(rel))
		return false;
	buffer = ReadBuffer(rel, ItemPointerGetBlockNumber(&c->tid));
	heap_page_prune_opt(rel, buffer);
	ReleaseBuffer(buffer);
	InitDirtySnapshot(dirty);
	return table_tuple_fetch_row_version(rel, &c->tid, &dirty, slot) &&
		!TransactionIdIsValid(dirty.xmin) && !TransactionIdIsValid(dirty.xmax) &&
		row_has_key(slot, key);
}

/*
 * Find the row of key (its slot included), at the place remembered for it
 * (c, may be NULL) or else with a dirty snapshot through the index; lock
 * it into slot without waiting, unless wait.  A transaction still writing
 * or locking it makes it busy (when wait, it is waited for and the row
 * looked up again).
 */
static SlotRow
find_row(Relation rel, Relation index, const Datum *key, TupleTableSlot *slot,
		 EState *estate, bool wait, CachedRow *c)
{
	CountTarget *t = &target;
	TM_FailureData tmfd;
	TM_Result	res;

	if (c == NULL || !fetch_remembered(rel, c, key, slot))
	{
		ScanKeyData skey[NKEYS];
		SnapshotData dirty;
		IndexScanDesc scan;
		TransactionId xwait;
		bool		found;

		if (c != NULL)
			c->valid = false;
		for (int k = 0; k < NKEYS; k++)
		{
			ScanKeyInit(&skey[k], k + 1, BTEqualStrategyNumber, t->eqproc[k], key[t->keycol[k]]);
			skey[k].sk_collation = t->collation[k];
		}
		InitDirtySnapshot(dirty);
		scan = index_beginscan(rel, index, &dirty, NKEYS, 0);
		for (;;)
		{
			index_rescan(scan, skey, NKEYS, NULL, 0);
			found = index_getnext_slot(scan, ForwardScanDirection, slot);
			xwait = !found ? InvalidTransactionId :
				TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
			if (!TransactionIdIsValid(xwait))
				break;
			if (!wait)
			{
				index_endscan(scan);
				return SLOT_BUSY;
			}
			XactLockTableWait(xwait, rel, &slot->tts_tid, XLTW_None);
		}
		index_endscan(scan);
		if (!found)
			return SLOT_ABSENT;
	}

	memset(&tmfd, 0, sizeof(tmfd));
	res = table_tuple_lock(rel, &slot->tts_tid, estate->es_snapshot, slot, estate->es_output_cid,
						   LockTupleNoKeyExclusive, wait ? LockWaitBlock : LockWaitSkip, 0, &tmfd);
	switch (res)
	{
		case TM_Ok:
			return SLOT_FOUND;
		case TM_WouldBlock:
			return SLOT_BUSY;
		case TM_Updated:
		case TM_Deleted:
			return SLOT_MOVED;
		default:
			elog(ERROR, "unexpected table_tuple_lock status %d for %s", (int) res, COUNTS_TABLE);
	}
	return SLOT_MOVED;			/* keep the compiler quiet */
}

/*
 * Fold the rows of the days before today into slot 0 (see above), in a
 * subtransaction: a failure is a WARNING, for the counts stay right
 * unfolded.  Skipped while another backend folds, and under REPEATABLE
 * READ or SERIALIZABLE (whose snapshot may not see rows to fold).  Must
 * be called while connected to SPI.
 */
static void
fold_past_days(const char *schema, Oid relid, DateADT today)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Datum		arg[1];

	folded_day = today;
	if (IsolationUsesXactSnapshot() || !ConditionalLockRelationOid(relid, ShareUpdateExclusiveLock))
		return;
	arg[0] = DateADTGetDatum(today);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_FOLD_COUNTS, schema), arg, NULL,
							 false, 0) != SPI_OK_INSERT)
			elog(ERROR, "folding the delivery counts returned no result");
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
			edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
			ReThrowError(edata);
		ereport(WARNING,
				(errmsg("could not fold the delivery counts of past days: %s", edata->message)));
	}
	PG_END_TRY();
}

/*
 * The counts row's new version in newslot: the row found (NULL: none) with
 * its counts moved by one delivery of events events at at, else a new row
 * of that delivery; the key's columns from key.
 */
static void
count_values(TupleDesc desc, const Datum *key, TupleTableSlot *found, TupleTableSlot *newslot,
			 int64 events, TimestampTz at)
{
	CountTarget *t = &target;

	ExecClearTuple(newslot);
	if (found != NULL)
	{
		slot_getallattrs(found);
		memcpy(newslot->tts_values, found->tts_values, sizeof(Datum) * desc->natts);
		memcpy(newslot->tts_isnull, found->tts_isnull, sizeof(bool) * desc->natts);
	}
	else
		memset(newslot->tts_isnull, true, sizeof(bool) * desc->natts);
	for (int c = 0; c < NKEYS; c++)
	{
		newslot->tts_values[t->attno[c] - 1] = key[c];
		newslot->tts_isnull[t->attno[c] - 1] = false;
	}
	if (found != NULL)
	{
		Datum	   *v = newslot->tts_values;
		bool	   *n = newslot->tts_isnull;
		AttrNumber	d = t->attno[COL_DELIVERIES] - 1;
		AttrNumber	e = t->attno[COL_EVENTS] - 1;
		AttrNumber	l = t->attno[COL_LAST_AT] - 1;

		/* as deliveries + 1, events + events, GREATEST(last_at, at) */
		v[d] = Int64GetDatum((n[d] ? 0 : DatumGetInt64(v[d])) + 1);
		v[e] = Int64GetDatum((n[e] ? 0 : DatumGetInt64(v[e])) + events);
		v[l] = TimestampTzGetDatum(n[l] ? at : Max(DatumGetTimestampTz(v[l]), at));
		n[d] = n[e] = n[l] = false;
	}
	else
	{
		newslot->tts_values[t->attno[COL_DELIVERIES] - 1] = Int64GetDatum(1);
		newslot->tts_values[t->attno[COL_EVENTS] - 1] = Int64GetDatum(events);
		newslot->tts_values[t->attno[COL_LAST_AT] - 1] = TimestampTzGetDatum(at);
		newslot->tts_isnull[t->attno[COL_DELIVERIES] - 1] = false;
		newslot->tts_isnull[t->attno[COL_EVENTS] - 1] = false;
		newslot->tts_isnull[t->attno[COL_LAST_AT] - 1] = false;
	}
}

/*
 * Count through the executor's single-row update or insert, in the first
 * of the backend's slots that is not busy.  Returns whether it started a
 * new row.
 */
static bool
count_direct(Relation rel, Datum *key, uint32 hash, int64 events, TimestampTz at)
{
	CountTarget *t = &target;
	TupleDesc	desc = RelationGetDescr(rel);
	EState	   *estate = CreateExecutorState();
	EPQState	epq;
	RangeTblEntry *rte = makeNode(RangeTblEntry);
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	Relation	index = NULL;
	TupleTableSlot *slot;
	TupleTableSlot *newslot;
	SlotRow		row = SLOT_BUSY;

	rte->rtekind = RTE_RELATION;
	rte->relid = t->relid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_SELECT | ACL_INSERT | ACL_UPDATE;
	rte->updatedCols = bms_copy(t->updated);
	ExecInitRangeTable(estate, list_make1(rte));
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	/* as in logical replication's apply: lets the trigger code find the relation */
	estate->es_opened_result_relations = list_make1(rri);
	estate->es_output_cid = GetCurrentCommandId(true);
	estate->es_snapshot = GetActiveSnapshot();
	ExecOpenIndices(rri, false);
	for (int k = 0; k < rri->ri_NumIndices; k++)
		if (RelationGetRelid(rri->ri_IndexRelationDescs[k]) == t->indexid)
			index = rri->ri_IndexRelationDescs[k];
	if (index == NULL)
		elog(ERROR, "index %u of %s is not open", t->indexid, COUNTS_TABLE);
	EvalPlanQualInit(&epq, estate, NULL, NIL, -1);
	AfterTriggerBeginQuery();

	slot = table_slot_create(rel, &estate->es_tupleTable);
	newslot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	for (int k = 0; k < SLOT_TRIES && row == SLOT_BUSY; k++)
	{
		bool		last = k == SLOT_TRIES - 1;

		int32		s = MyBackendId + k * MaxBackends;

		key[COL_SLOT] = Int32GetDatum(s);
		/* moved: a DBA's statement changed the row meanwhile */
		while ((row = find_row(rel, index, key, slot, estate, last, cached_row(hash, s))) == SLOT_MOVED)
			CHECK_FOR_INTERRUPTS();
	}

	count_values(desc, key, row == SLOT_FOUND ? slot : NULL, newslot, events, at);
	ExecStoreVirtualTuple(newslot);
	ItemPointerSetInvalid(&newslot->tts_tid);
	if (row == SLOT_FOUND)
		ExecSimpleRelationUpdate(rri, estate, &epq, slot, newslot);
	else
		ExecSimpleRelationInsert(rri, estate, newslot);
	/* the new version's place is set once stored; a BEFORE trigger may have dropped it */
	if (ItemPointerIsValid(&newslot->tts_tid))
		remember_row(hash, DatumGetInt32(key[COL_SLOT]), &newslot->tts_tid);

	AfterTriggerEndQuery(estate);
	EvalPlanQualEnd(&epq);
	ExecCloseIndices(rri);
	ExecResetTupleTable(estate->es_tupleTable, false);
	FreeExecutorState(estate);
	return row != SLOT_FOUND;
}

void
WebhookStatsCount(const char *schema, Oid nspoid, const char *provider, const char *outcome,
				  int http_status, TimestampTz received_at, bool new_event)
{
	CountTarget *t = &target;
	Relation	rel;
	Datum		key[NKEYS];
	int64		events;
	uint32		hash;
	bool		started;
	const AclMode needed = ACL_SELECT | ACL_INSERT | ACL_UPDATE;

	if (provider == NULL || outcome == NULL)
		return;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(count_relcache_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHOID, count_role_callback, (Datum) 0);
		CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, count_role_callback, (Datum) 0);
		RegisterXactCallback(count_xact_callback, NULL);
		RegisterSubXactCallback(count_subxact_callback, NULL);
		callback_registered = true;
	}
	if (!t->checked || t->nspoid != nspoid)
	{
		t->checked = false;
		t->nspoid = nspoid;
		t->relid = get_relname_relid(COUNTS_TABLE, nspoid);
		if (!OidIsValid(t->relid))
			return;				/* not updated to 0.2.0 yet: nothing to count in */
	}

	key[COL_PROVIDER] = CStringGetTextDatum(provider);
	key[COL_DAY] = DateADTGetDatum(utc_day(received_at));
	key[COL_OUTCOME] = CStringGetTextDatum(outcome);
	key[COL_HTTP_STATUS] = Int32GetDatum(http_status);
	key[COL_SLOT] = Int32GetDatum(MyBackendId);
	events = new_event ? 1 : 0;

	/* the lock an INSERT takes; it also brings in any pending invalidation */
	rel = table_open(t->relid, RowExclusiveLock);
	if (!t->checked)
	{
		t->checked = true;		/* before checking: an invalidation meanwhile wins */
		t->direct = check_target(rel, t);
	}
	if (t->direct && t->acl_user != GetUserId() &&
		pg_class_aclmask(t->relid, GetUserId(), needed, ACLMASK_ALL) == needed)
		t->acl_user = GetUserId();
	if (!t->direct || t->acl_user != GetUserId())
	{
		table_close(rel, NoLock);
		count_by_statement(schema, key, events, received_at);
		if (folded_day < DatumGetDateADT(key[COL_DAY]))
			fold_past_days(schema, t->relid, DatumGetDateADT(key[COL_DAY]));
		return;
	}
	hash = hash_combine(hash_bytes((const unsigned char *) provider, strlen(provider)),
						hash_bytes((const unsigned char *) outcome, strlen(outcome)));
	hash = hash_combine(hash, hash_combine(murmurhash32((uint32) DatumGetDateADT(key[COL_DAY])),
										   murmurhash32((uint32) http_status)));
	started = count_direct(rel, key, hash, events, received_at);
	table_close(rel, NoLock);
	/* what follows sees the row, as after a statement */
	CommandCounterIncrement();
	if (started && folded_day < DatumGetDateADT(key[COL_DAY]))
		fold_past_days(schema, t->relid, DatumGetDateADT(key[COL_DAY]));
}

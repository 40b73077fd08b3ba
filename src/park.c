/*-------------------------------------------------------------------------
 *
 * park.c
 *	  Parking: the index probes that tell an event about to park whether
 *	  its payment is being inserted, and a payment insert whether events
 *	  are parked for it, and applying those (WebhookApplyParked); the same
 *	  probe tells ingest whether an event is stored already.
 *
 * The probes scan the extension's unique and partial indexes directly,
 * kept open for many keys, rather than running a statement per payment:
 * a bulk load of payments costs a few index probes per row.  The locks
 * that make probing safe are lock.c's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "park.h"
#include "spi.h"

/* An index scan on (provider, <key>) of one of the extension's indexes, kept open for many keys. */
typedef struct KeyProbe
{
	Relation	rel;
	Relation	idx;
	Snapshot	snap;
	MemoryContext cxt;			/* what the index AM allocates lives here */
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData skey[2];
} KeyProbe;

/* Open index index_name of the extension's schema (and its table) for probes under snap. */
static void
probe_open(KeyProbe *p, Oid nspoid, const char *index_name, Snapshot snap)
{
	Oid			idxoid = get_relname_relid(index_name, nspoid);

	if (!OidIsValid(idxoid))
		elog(ERROR, "index %s of the webhook extension does not exist", index_name);
	p->rel = table_open(IndexGetRelation(idxoid, false), AccessShareLock);
	p->idx = index_open(idxoid, AccessShareLock);
	p->snap = snap;
	p->cxt = CurrentMemoryContext;
	for (int k = 0; k < 2; k++)
	{
		ScanKeyInit(&p->skey[k], k + 1, BTEqualStrategyNumber, F_TEXTEQ, (Datum) 0);
		p->skey[k].sk_collation = p->idx->rd_indcollation[k];
	}
	p->slot = table_slot_create(p->rel, NULL);
	p->scan = index_beginscan(p->rel, p->idx, snap, 2, 0);
}

/*
 * Whether the index has an entry for (provider, key) whose row the
 * probe's snapshot sees.  With a dirty snapshot, *xmin is set to the
 * inserter of the first such row that has not committed yet (else
 * InvalidTransactionId).
 */
static bool
probe_find(KeyProbe *p, const char *provider, const char *key, TransactionId *xmin)
{
	bool		found = false;
	MemoryContext old;

	if (xmin != NULL)
		*xmin = InvalidTransactionId;
	if (key == NULL)
		return false;
	/* the keys only for this probe; the scan's own memory outlives it */
	p->skey[0].sk_argument = CStringGetTextDatum(provider);
	p->skey[1].sk_argument = CStringGetTextDatum(key);
	old = MemoryContextSwitchTo(p->cxt);
	index_rescan(p->scan, p->skey, 2, NULL, 0);
	while (index_getnext_slot(p->scan, ForwardScanDirection, p->slot))
	{
		found = true;
		if (xmin == NULL)
			break;
		if (TransactionIdIsValid(p->snap->xmin))
		{
			*xmin = p->snap->xmin;
			break;
		}
	}
	MemoryContextSwitchTo(old);
	return found;
}

static void
probe_close(KeyProbe *p)
{
	index_endscan(p->scan);
	ExecDropSingleTupleTableSlot(p->slot);
	index_close(p->idx, AccessShareLock);
	table_close(p->rel, AccessShareLock);
}

/*
 * The transaction inserting a payment with this key that has not
 * committed yet (found through its unique index with a dirty snapshot),
 * or InvalidTransactionId.
 */
static TransactionId
key_inserter(Oid nspoid, const char *index_name, const char *provider, const char *key)
{
	SnapshotData snap;
	KeyProbe	p;
	TransactionId xmin;

	if (key == NULL)
		return InvalidTransactionId;
	InitDirtySnapshot(snap);
	probe_open(&p, nspoid, index_name, &snap);
	(void) probe_find(&p, provider, key, &xmin);
	probe_close(&p);
	return xmin;
}

TransactionId
WebhookPaymentInserter(Oid nspoid, const char *provider, const char *reference,
					   const char *external_id)
{
	TransactionId xid = key_inserter(nspoid, "webhook_payments_provider_external_id_key",
									 provider, external_id);

	if (!TransactionIdIsValid(xid))
		xid = key_inserter(nspoid, "webhook_payments_provider_reference_key",
						   provider, reference);
	return xid;
}

bool
WebhookEventStored(Oid nspoid, const char *provider, const char *event_id)
{
	KeyProbe	p;
	bool		found;

	probe_open(&p, nspoid, "webhook_events_provider_event_id_key", GetActiveSnapshot());
	found = probe_find(&p, provider, event_id, NULL);
	probe_close(&p);
	return found;
}

struct WebhookParkedProbe
{
	KeyProbe	by_reference;
	KeyProbe	by_external_id;
};

WebhookParkedProbe *
WebhookParkedProbeBegin(Oid nspoid)
{
	WebhookParkedProbe *pp = palloc(sizeof(WebhookParkedProbe));
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());

	probe_open(&pp->by_reference, nspoid, "webhook_events_parked_ref_idx", snap);
	probe_open(&pp->by_external_id, nspoid, "webhook_events_parked_obj_idx", snap);
	return pp;
}

bool
WebhookMaybeParked(WebhookParkedProbe *pp, const char *provider, const char *reference,
				   const char *external_id)
{
	return probe_find(&pp->by_reference, provider, reference, NULL) ||
		probe_find(&pp->by_external_id, provider, external_id, NULL);
}

void
WebhookParkedProbeEnd(WebhookParkedProbe *pp)
{
	Snapshot	snap = pp->by_reference.snap;

	probe_close(&pp->by_reference);
	probe_close(&pp->by_external_id);
	UnregisterSnapshot(snap);
	pfree(pp);
}

void
WebhookApplyParked(const char *schema, const char *provider, const char *reference,
				   const char *external_id)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	uint64		n;
	int64	   *ids;

	values[0] = CStringGetTextDatum(provider);
	values[1] = reference ? CStringGetTextDatum(reference) : (Datum) 0;
	nulls[1] = reference ? ' ' : 'n';
	values[2] = external_id ? CStringGetTextDatum(external_id) : (Datum) 0;
	nulls[2] = external_id ? ' ' : 'n';
	if (IsolationUsesXactSnapshot())
	{
		/*
		 * The keys make an event that parked meanwhile committed, but this
		 * transaction's snapshot cannot see it: do not leave it behind.
		 */
		if (SPI_execute_snapshot(WebhookPlan(WEBHOOK_PLAN_PARKED_EVENTS, schema), values, nulls,
								 GetLatestSnapshot(), InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "parked event lookup failed");
		n = SPI_processed;
	}
	else
		n = 0;
	if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_PARKED_EVENTS, schema), values, nulls,
						 false, 0) != SPI_OK_SELECT)
		elog(ERROR, "parked event lookup failed");
	if (n > SPI_processed)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access: an event for payment %s was parked after this transaction began",
						reference ? reference : external_id),
				 errhint("Retry the transaction.")));
	n = SPI_processed;
	if (n == 0)
		return;
	ids = palloc(sizeof(int64) * n);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}
	for (uint64 i = 0; i < n; i++)
	{
		Datum		arg[1];

		arg[0] = Int64GetDatum(ids[i]);
		if (SPI_execute_plan(WebhookPlan(WEBHOOK_PLAN_REAPPLY_EVENT, schema), arg, NULL,
							 false, 1) != SPI_OK_SELECT)
			elog(ERROR, "parked event could not be applied");
	}
}

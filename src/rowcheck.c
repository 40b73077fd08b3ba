/*-------------------------------------------------------------------------
 *
 * rowcheck.c
 *	  What the executor's single-row routines ask of a table before they
 *	  write it without a statement: that nothing a DBA gave it needs a
 *	  statement (rowcheck.h), and its unique index on a row's key.
 *
 * Pure catalog reads; the callers check again after every change to the
 * table (their relcache callbacks).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/trigger.h"
#include "nodes/pg_list.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "rowcheck.h"

bool
WebhookRowRoutinesFit(Relation rel, int cmds)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *trig = rel->trigdesc;

	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relispartition ||
		rel->rd_rel->relrowsecurity || rel->rd_rules != NULL ||
		(desc->constr != NULL && desc->constr->has_generated_stored))
		return false;
	if (trig == NULL)
		return true;
	if ((cmds & WEBHOOK_ROW_INSERT) &&
		(trig->trig_insert_instead_row || trig->trig_insert_before_statement ||
		 trig->trig_insert_after_statement || trig->trig_insert_new_table))
		return false;
	if ((cmds & WEBHOOK_ROW_UPDATE) &&
		(trig->trig_update_instead_row || trig->trig_update_before_statement ||
		 trig->trig_update_after_statement || trig->trig_update_new_table ||
		 trig->trig_update_old_table))
		return false;
	return true;
}

Oid
WebhookKeyIndex(Relation rel, int nkeys, const AttrNumber *attno, const Oid *types,
				int *keyof, Oid *eqproc, Oid *collation)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index ix = idx->rd_index;
		bool		match = ix->indisunique && ix->indisvalid && ix->indisready && ix->indislive &&
			ix->indimmediate && idx->rd_rel->relam == BTREE_AM_OID &&
			ix->indnkeyatts == nkeys &&
			heap_attisnull(idx->rd_indextuple, Anum_pg_index_indexprs, NULL) &&
			heap_attisnull(idx->rd_indextuple, Anum_pg_index_indpred, NULL);
		uint64		seen = 0;

		for (int k = 0; match && k < nkeys; k++)
		{
			int			c = 0;
			Oid			op;

			while (c < nkeys && attno[c] != ix->indkey.values[k])
				c++;
			match = c < nkeys && (seen & (UINT64CONST(1) << c)) == 0 &&
				idx->rd_opcintype[k] == types[c];
			if (!match)
				break;
			seen |= UINT64CONST(1) << c;
			op = get_opfamily_member(idx->rd_opfamily[k], idx->rd_opcintype[k],
									 idx->rd_opcintype[k], BTEqualStrategyNumber);
			match = OidIsValid(op);
			if (match)
			{
				keyof[k] = c;
				eqproc[k] = get_opcode(op);
				collation[k] = idx->rd_indcollation[k];
			}
		}
		if (match)
			found = RelationGetRelid(idx);
		index_close(idx, AccessShareLock);
		if (match)
			break;
	}
	list_free(indexes);
	return found;
}

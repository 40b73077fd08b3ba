/*-------------------------------------------------------------------------
 *
 * rowcheck.h
 *	  What the executor's single-row routines (insert.c, update.c, stats.c)
 *	  ask of a table before they write it without a statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_ROWCHECK_H
#define WEBHOOK_ROWCHECK_H

#include "postgres.h"

#include "utils/rel.h"

#define WEBHOOK_ROW_INSERT	0x01
#define WEBHOOK_ROW_UPDATE	0x02

/*
 * Whether rel takes the commands of cmds (WEBHOOK_ROW_INSERT,
 * WEBHOOK_ROW_UPDATE) through the single-row routines as a statement
 * would: a plain table, no partition, no row-level security, no rule, no
 * stored generated column, and none of the triggers those routines do not
 * fire as a statement does (statement triggers, INSTEAD OF, transition
 * tables).  Never raises.
 */
extern bool WebhookRowRoutinesFit(Relation rel, int cmds);

/*
 * A unique, valid, immediate btree index of rel on exactly the nkeys
 * columns attno[] (in any order), with no expression or predicate, whose
 * columns have the types types[] and an equality operator: its OID, and
 * for each index column k the key it holds (keyof[k], an index into
 * attno), its equality function and its collation; InvalidOid if none.
 */
extern Oid	WebhookKeyIndex(Relation rel, int nkeys, const AttrNumber *attno, const Oid *types,
							int *keyof, Oid *eqproc, Oid *collation);

#endif							/* WEBHOOK_ROWCHECK_H */

/*-------------------------------------------------------------------------
 *
 * spi.c
 *	  Named, cached SPI plans for the ingest path.
 *
 * The SQL of every statement webhook_ingest runs is here, in one table;
 * "@s@" stands for the extension's schema.  Plans are kept for the life
 * of the backend (the plan cache revalidates them after DDL) and are
 * prepared again only when the extension's schema changes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "spi.h"

typedef struct WebhookPlanDef
{
	const char *sql;			/* for a row insert: its column list */
	int			nargs;
	Oid			argtypes[24];
	const char *table;			/* a row insert into this table (insert.c) */
	const char *satisfies;		/* a BEFORE INSERT trigger that would store the row as it is */
} WebhookPlanDef;

/*
 * A row insert: INSERT INTO TABLE (COLUMNS) VALUES ($1, ...) RETURNING id,
 * the parameters in the order of COLUMNS with the types of the table's
 * columns.  insert.c writes the same row without the statement when it can.
 */
#define ROW_INSERT(TABLE, COLUMNS) .table = TABLE, .sql = COLUMNS

/*
 * An order's new amounts in WEBHOOK_PLAN_ORDER_MOVE, moved by the deltas $2
 * (paid) and $3 (refunded): its state follows from them
 * (webhook_order_state, order.c), paid_at is set the first time it is paid
 * in full.  change_order (order.c) makes the same move without a statement.
 */
#define ORDER_PAID "(o.amount_paid OPERATOR(pg_catalog.+) $2)"
#define ORDER_REFUNDED "(o.amount_refunded OPERATOR(pg_catalog.+) $3)"

static const WebhookPlanDef plan_defs[WEBHOOK_NPLANS] = {
	/* the BEFORE INSERT trigger applies the event and sets its status */
	[WEBHOOK_PLAN_INSERT_EVENT] = {
		"INSERT INTO @s@.webhook_events "
		"(provider, event_id, event_type, action, object_id, reference, amount, amount_minor, "
		" currency, refund_id, cumulative, occurred_at, received_at, payload, partial) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7::pg_catalog.numeric, $8::pg_catalog.int8, "
		" $9, $10, $11, $12, $13, $14, $15) "
		"RETURNING id, status, detail",
		15,
		{TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, BOOLOID, TIMESTAMPTZOID, TIMESTAMPTZOID, JSONBOID, BOOLOID}
	},
	/*
	 * The common move as a statement, when the payments table needs one
	 * (update.c): the payment found by the provider's id moves to the
	 * target state when the state machine allows it and (for a capture of a
	 * payment that has captured nothing yet) amount and currency agree; it
	 * returns what its order gains.  change_payment (move.c) makes the same
	 * move without a statement.  No row: the caller takes the slow path,
	 * which tells unchanged, superseded, held and unmatched apart.  The old
	 * state is not returned (PostgreSQL 15 has no OLD in RETURNING): the
	 * guard trigger records it (state.c).
	 */
	[WEBHOOK_PLAN_PAYMENT_FAST] = {
		"UPDATE @s@.webhook_payments p SET state = $3, "
		" amount_captured = CASE WHEN $3 OPERATOR(pg_catalog.=) 'captured' "
		"  THEN COALESCE($4::pg_catalog.numeric, p.amount, 0) ELSE p.amount_captured END "
		"WHERE p.provider OPERATOR(pg_catalog.=) $1 AND p.external_id OPERATOR(pg_catalog.=) $2 "
		" AND @s@.webhook_transition_allowed(p.state, $3) "
		" AND ($3 OPERATOR(pg_catalog.<>) 'captured' OR "
		"  (p.amount_captured OPERATOR(pg_catalog.=) 0 "
		"   AND ($5::text IS NULL OR p.currency IS NULL OR p.currency OPERATOR(pg_catalog.=) $5) "
		"   AND ($4::pg_catalog.numeric IS NULL OR p.amount IS NULL "
		"        OR p.amount OPERATOR(pg_catalog.=) $4::pg_catalog.numeric))) "
		"RETURNING p.id, p.reference, p.order_ref, "
		" CASE WHEN $3 OPERATOR(pg_catalog.=) 'captured' THEN p.amount_captured ELSE 0 END, "
		" p.provider, p.external_id, p.state, p.amount, p.currency, p.amount_captured, "
		" p.amount_refunded",
		5, {TEXTOID, TEXTOID, TEXTOID, NUMERICOID, TEXTOID}
	},
	/*
	 * An event whose outcome webhook_ingest judged itself: applied to its
	 * payment after the move above, unchanged or superseded by it (the
	 * payment as it is), or ignored (no action).
	 */
	[WEBHOOK_PLAN_INSERT_JUDGED_EVENT] = {
		ROW_INSERT("webhook_events",
				   "provider, event_id, event_type, action, object_id, reference, amount, "
				   "amount_minor, currency, refund_id, cumulative, occurred_at, received_at, "
				   "payload, partial, payment_id, status, processed_at, deliveries"),
		19,
		{TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, NUMERICOID, INT8OID,
		TEXTOID, TEXTOID, BOOLOID, TIMESTAMPTZOID, TIMESTAMPTZOID, JSONBOID, BOOLOID,
		INT8OID, TEXTOID, TIMESTAMPTZOID, INT4OID},
		.satisfies = "webhook_events_apply"	/* it stores an event with its status as it is */
	},
	/* applying raised: keep the event as failed (the trigger skips a set status) */
	/*
	 * An event stored with its status settled (failed, held, ignored) and
	 * its detail, not applied; a second delivery only counts.
	 */
	[WEBHOOK_PLAN_INSERT_SETTLED_EVENT] = {
		"INSERT INTO @s@.webhook_events AS e "
		"(provider, event_id, event_type, action, object_id, reference, amount, amount_minor, "
		" currency, refund_id, cumulative, occurred_at, received_at, payload, partial, "
		" status, detail, processed_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7::pg_catalog.numeric, $8::pg_catalog.int8, "
		" $9, $10, $11, $12, $13, $14, $15, $16, $17, pg_catalog.now()) "
		"ON CONFLICT (provider, event_id) DO UPDATE SET deliveries = e.deliveries OPERATOR(pg_catalog.+) 1 "
		"RETURNING e.id, e.status, e.deliveries::pg_catalog.int8",
		17,
		{TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, BOOLOID, TIMESTAMPTZOID, TIMESTAMPTZOID, JSONBOID, BOOLOID, TEXTOID,
		TEXTOID}
	},
	/*
	 * A redelivery of a stored event: count it, and lock the row; with what
	 * the reply says of it (as WEBHOOK_PLAN_EVENT_REPLY, after id and status).
	 */
	[WEBHOOK_PLAN_COUNT_REDELIVERY] = {
		"WITH free AS (SELECT id FROM @s@.webhook_events "
		" WHERE provider OPERATOR(pg_catalog.=) $1 AND event_id OPERATOR(pg_catalog.=) $2 "
		" FOR UPDATE SKIP LOCKED), "
		"counted AS (UPDATE @s@.webhook_events e SET deliveries = e.deliveries OPERATOR(pg_catalog.+) 1 "
		" FROM free WHERE e.id OPERATOR(pg_catalog.=) free.id "
		" RETURNING e.id, e.status, e.detail, e.payment_id) "
		"SELECT e.id, e.status, e.detail, p.reference, p.state, o.ref, o.state "
		"FROM counted e "
		"LEFT JOIN @s@.webhook_payments p ON p.id OPERATOR(pg_catalog.=) e.payment_id "
		"LEFT JOIN @s@.webhook_orders o ON o.ref OPERATOR(pg_catalog.=) p.order_ref",
		2, {TEXTOID, TEXTOID}
	},
	/*
	 * A redelivery whose event row another delivery of it holds: not
	 * counted, not waited for, unless the event failed (its retry waits for
	 * the row anyway): then counted once the row is free.
	 */
	[WEBHOOK_PLAN_FIND_EVENT] = {
		"SELECT id, status FROM @s@.webhook_events "
		"WHERE provider OPERATOR(pg_catalog.=) $1 AND event_id OPERATOR(pg_catalog.=) $2",
		2, {TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_COUNT_FAILED_REDELIVERY] = {
		"UPDATE @s@.webhook_events SET deliveries = deliveries OPERATOR(pg_catalog.+) 1 "
		"WHERE provider OPERATOR(pg_catalog.=) $1 AND event_id OPERATOR(pg_catalog.=) $2 "
		"RETURNING id, status",
		2, {TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_EVENT_REPLY] = {
		"SELECT e.status, e.detail, p.reference, p.state, o.ref, o.state "
		"FROM @s@.webhook_events e "
		"LEFT JOIN @s@.webhook_payments p ON p.id OPERATOR(pg_catalog.=) e.payment_id "
		"LEFT JOIN @s@.webhook_orders o ON o.ref OPERATOR(pg_catalog.=) p.order_ref "
		"WHERE e.id OPERATOR(pg_catalog.=) $1",
		1, {INT8OID}
	},
	[WEBHOOK_PLAN_RETRY_EVENT] = {
		"SELECT @s@.webhook_event_reapply($1, false, true)",
		1, {INT8OID}
	},
	[WEBHOOK_PLAN_DELETE_EVENT] = {
		"DELETE FROM @s@.webhook_events WHERE id OPERATOR(pg_catalog.=) $1",
		1, {INT8OID}
	},
	[WEBHOOK_PLAN_INSERT_DELIVERY] = {
		ROW_INSERT("webhook_deliveries",
				   "provider, received_at, http_status, outcome, detail, event_id, event_pk, "
				   "secret_id, path, headers, body_sha256, body_size, body, redelivery_of, "
				   "event_count, kind"),
		16,
		{TEXTOID, TIMESTAMPTZOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID,
		TEXTOID, JSONBOID, BYTEAOID, INT4OID, BYTEAOID, INT8OID, INT4OID, TEXTOID}
	},
	/* the same row in a database not yet updated from 0.1.0: no event_count, no kind */
	[WEBHOOK_PLAN_INSERT_DELIVERY_010] = {
		ROW_INSERT("webhook_deliveries",
				   "provider, received_at, http_status, outcome, detail, event_id, event_pk, "
				   "secret_id, path, headers, body_sha256, body_size, body, redelivery_of"),
		14,
		{TEXTOID, TIMESTAMPTZOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID,
		TEXTOID, JSONBOID, BYTEAOID, INT4OID, BYTEAOID, INT8OID}
	},
	[WEBHOOK_PLAN_CERTIFICATE] = {
		"SELECT pem FROM @s@.webhook_certificates WHERE cert_url OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[WEBHOOK_PLAN_DELIVERY_FOR_REDELIVERY] = {
		"SELECT provider, http_status, received_at, headers, body, path "
		"FROM @s@.webhook_deliveries WHERE id OPERATOR(pg_catalog.=) $1",
		1, {INT8OID}
	},
#define PAYMENT_COLUMNS \
	"SELECT id, state, amount, currency, amount_captured, amount_refunded, refunded_reported, " \
	" reference, order_ref " \
	"FROM @s@.webhook_payments WHERE provider OPERATOR(pg_catalog.=) $1 AND "
	[WEBHOOK_PLAN_PAYMENT_BY_EXTERNAL] = {
		PAYMENT_COLUMNS "external_id OPERATOR(pg_catalog.=) $2 FOR UPDATE",
		2, {TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_PAYMENT_BY_REFERENCE] = {
		PAYMENT_COLUMNS "reference OPERATOR(pg_catalog.=) $2 FOR UPDATE",
		2, {TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_PAYMENT_EXISTS_EXTERNAL] = {
		"SELECT 1 FROM @s@.webhook_payments WHERE provider OPERATOR(pg_catalog.=) $1 "
		"AND external_id OPERATOR(pg_catalog.=) $2",
		2, {TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_PAYMENT_EXISTS_REFERENCE] = {
		"SELECT 1 FROM @s@.webhook_payments WHERE provider OPERATOR(pg_catalog.=) $1 "
		"AND reference OPERATOR(pg_catalog.=) $2",
		2, {TEXTOID, TEXTOID}
	},
	/* the shop's reference of a payment the event names only by the provider's id */
	[WEBHOOK_PLAN_PAYMENT_REFERENCE] = {
		"SELECT reference FROM @s@.webhook_payments WHERE provider OPERATOR(pg_catalog.=) $1 "
		"AND external_id OPERATOR(pg_catalog.=) $2",
		2, {TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_PAYMENT_UPDATE] = {
		"UPDATE @s@.webhook_payments SET state = $2, amount_captured = $3, "
		"amount_refunded = $4, refunded_reported = $5 WHERE id OPERATOR(pg_catalog.=) $1",
		5, {INT8OID, TEXTOID, NUMERICOID, NUMERICOID, NUMERICOID}
	},
	[WEBHOOK_PLAN_PROVIDER_ON_MISMATCH] = {
		"SELECT config OPERATOR(pg_catalog.->>) 'on_mismatch' FROM @s@.webhook_providers "
		"WHERE name OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[WEBHOOK_PLAN_REFUND_INSERT] = {
		"INSERT INTO @s@.webhook_refunds (payment_id, provider, refund_id, amount, currency, status, event_pk) "
		"VALUES ($1, $2, $3, $4, pg_catalog.upper($5), 'succeeded', $6) "
		"ON CONFLICT (provider, refund_id) DO NOTHING",
		6, {INT8OID, TEXTOID, TEXTOID, NUMERICOID, TEXTOID, INT8OID}
	},
	[WEBHOOK_PLAN_REFUND_SUM] = {
		"SELECT COALESCE(pg_catalog.sum(amount), 0) FROM @s@.webhook_refunds "
		"WHERE payment_id OPERATOR(pg_catalog.=) $1",
		1, {INT8OID}
	},
	/* relative updates: right under concurrent changes to one order's payments */
	[WEBHOOK_PLAN_ORDER_MOVE] = {
		"UPDATE @s@.webhook_orders o SET "
		" amount_paid = " ORDER_PAID ", amount_refunded = " ORDER_REFUNDED ", "
		" state = @s@.webhook_order_state(o.total, " ORDER_PAID ", " ORDER_REFUNDED "), "
		" paid_at = CASE WHEN o.paid_at IS NULL AND " ORDER_PAID " OPERATOR(pg_catalog.>) 0 "
		"  AND " ORDER_PAID " OPERATOR(pg_catalog.>=) o.total THEN pg_catalog.now() ELSE o.paid_at END, "
		" updated_at = pg_catalog.now() "
		"WHERE o.ref OPERATOR(pg_catalog.=) $1 "
		"RETURNING o.state, o.total, o.amount_paid, o.amount_refunded",
		3, {TEXTOID, NUMERICOID, NUMERICOID}
	},
	[WEBHOOK_PLAN_PARKED_EVENTS] = {
		"SELECT id FROM @s@.webhook_events WHERE provider OPERATOR(pg_catalog.=) $1 "
		"AND status OPERATOR(pg_catalog.=) 'unmatched' "
		"AND (reference OPERATOR(pg_catalog.=) $2 OR object_id OPERATOR(pg_catalog.=) $3) "
		"ORDER BY occurred_at NULLS LAST, id",
		3, {TEXTOID, TEXTOID, TEXTOID}
	},
	[WEBHOOK_PLAN_REAPPLY_EVENT] = {
		"SELECT @s@.webhook_event_reapply($1, false, false)",
		1, {INT8OID}
	},
	/*
	 * One delivery counted in the backend's row (stats.c), when the counts
	 * table needs a statement; stats.c makes the same change without one.
	 */
	[WEBHOOK_PLAN_COUNT_DELIVERY] = {
		"INSERT INTO @s@.webhook_delivery_counts AS c "
		"(provider, day, outcome, http_status, slot, deliveries, events, last_at) "
		"VALUES ($1, $2, $3, $4, $5, 1, $6, $7) "
		"ON CONFLICT (provider, day, outcome, http_status, slot) DO UPDATE SET "
		" deliveries = c.deliveries OPERATOR(pg_catalog.+) 1, "
		" events = c.events OPERATOR(pg_catalog.+) EXCLUDED.events, "
		" last_at = GREATEST(c.last_at, EXCLUDED.last_at)",
		7, {TEXTOID, DATEOID, TEXTOID, INT4OID, INT4OID, INT8OID, TIMESTAMPTZOID}
	},
	/*
	 * The backends' rows of the days before $1 folded into one row per day
	 * (slot 0), leaving out any row a transaction still holds (stats.c).
	 */
	[WEBHOOK_PLAN_FOLD_COUNTS] = {
		"WITH folded AS ("
		" DELETE FROM @s@.webhook_delivery_counts c "
		" WHERE c.ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
		"  SELECT f.ctid FROM @s@.webhook_delivery_counts f "
		"  WHERE f.slot OPERATOR(pg_catalog.<>) 0 AND f.day OPERATOR(pg_catalog.<) $1 "
		"  FOR UPDATE SKIP LOCKED)) "
		" RETURNING c.provider, c.day, c.outcome, c.http_status, c.deliveries, c.events, c.last_at) "
		"INSERT INTO @s@.webhook_delivery_counts AS c "
		"(provider, day, outcome, http_status, slot, deliveries, events, last_at) "
		"SELECT provider, day, outcome, http_status, 0, pg_catalog.sum(deliveries), "
		" pg_catalog.sum(events), pg_catalog.max(last_at) "
		"FROM folded GROUP BY provider, day, outcome, http_status "
		"ON CONFLICT (provider, day, outcome, http_status, slot) DO UPDATE SET "
		" deliveries = c.deliveries OPERATOR(pg_catalog.+) EXCLUDED.deliveries, "
		" events = c.events OPERATOR(pg_catalog.+) EXCLUDED.events, "
		" last_at = GREATEST(c.last_at, EXCLUDED.last_at)",
		1, {DATEOID}
	},
	/* one outbox message (outbox.c), every column with a default set */
	[WEBHOOK_PLAN_INSERT_OUTBOX] = {
		ROW_INSERT("webhook_outbox",
				   "consumer, topic, payload, payment_id, status, attempts, available_at, created_at"),
		8,
		{TEXTOID, TEXTOID, JSONBOID, INT8OID, TEXTOID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID}
	},
};

static SPIPlanPtr plans[WEBHOOK_NPLANS];
static char *plans_schema = NULL;

/* Replace every @s@ in sql with schema. */
static char *
substitute_schema(const char *sql, const char *schema)
{
	StringInfoData buf;
	const char *p = sql;
	const char *hit;

	initStringInfo(&buf);
	while ((hit = strstr(p, "@s@")) != NULL)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, schema);
		p = hit + 3;
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

/* The SQL of a row insert. */
static char *
row_insert_sql(const WebhookPlanDef *def)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "INSERT INTO @s@.%s (%s) VALUES (", def->table, def->sql);
	for (int i = 1; i <= def->nargs; i++)
		appendStringInfo(&buf, i > 1 ? ", $%d" : "$%d", i);
	appendStringInfoString(&buf, ") RETURNING id");
	return buf.data;
}

const char *
WebhookPlanRow(WebhookPlanId id, const char **columns, int *nargs, const Oid **argtypes,
			   const char **satisfies)
{
	const WebhookPlanDef *def = &plan_defs[id];

	if (def->table == NULL)
		elog(ERROR, "webhook plan %d is not a row insert", (int) id);
	*columns = def->sql;
	*nargs = def->nargs;
	*argtypes = def->argtypes;
	if (satisfies != NULL)
		*satisfies = def->satisfies;
	return def->table;
}

SPIPlanPtr
WebhookPlan(WebhookPlanId id, const char *schema)
{
	if (plans_schema == NULL || strcmp(plans_schema, schema) != 0)
	{
		/* first use, or the extension moved: forget every plan */
		for (int i = 0; i < WEBHOOK_NPLANS; i++)
		{
			if (plans[i] != NULL)
				SPI_freeplan(plans[i]);
			plans[i] = NULL;
		}
		if (plans_schema != NULL)
			pfree(plans_schema);
		plans_schema = MemoryContextStrdup(TopMemoryContext, schema);
	}
	if (plans[id] == NULL)
	{
		const WebhookPlanDef *def = &plan_defs[id];
		char	   *sql = substitute_schema(def->table ? row_insert_sql(def) : def->sql, schema);
		SPIPlanPtr	plan = SPI_prepare(sql, def->nargs, (Oid *) def->argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for webhook plan %d: %s",
				 (int) id, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed for webhook plan %d", (int) id);
		plans[id] = plan;
		pfree(sql);
	}
	return plans[id];
}

const char *
WebhookSchemaOf(Oid nspoid)
{
	/* the schema of the last call, kept: triggers ask for it on every row */
	static Oid	cached_oid = InvalidOid;
	static char cached_name[2 * NAMEDATALEN + 3];

	if (nspoid != cached_oid)
	{
		char	   *name = get_namespace_name(nspoid);

		if (name == NULL)
			elog(ERROR, "schema %u of the webhook extension does not exist", nspoid);
		strlcpy(cached_name, quote_identifier(name), sizeof(cached_name));
		cached_oid = nspoid;
	}
	return cached_name;
}

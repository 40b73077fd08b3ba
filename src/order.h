/*-------------------------------------------------------------------------
 *
 * order.h
 *	  Moving an order by its payments' amounts (order.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_ORDER_H
#define WEBHOOK_ORDER_H

#include "postgres.h"

#include "outbox.h"
#include "update.h"

/*
 * Move an order by what its payments' captured and refunded amounts
 * changed, within u; returns its new state, or NULL when there is no such
 * order.  When out is not NULL, fills it in for the outbox.
 */
extern char *WebhookUpdateOrder(WebhookUpdate *u, const char *order_ref, Datum dpaid,
								Datum drefunded, WebhookOutboxOrder *out);

/*
 * The same as a statement of its own: through update.c when the tables
 * allow it, else WEBHOOK_PLAN_ORDER_MOVE.  Must run connected to SPI.
 */
extern char *WebhookMoveOrder(const char *schema, Oid nspoid, const char *order_ref,
							  Datum dpaid, Datum drefunded, WebhookOutboxOrder *out);

#endif							/* WEBHOOK_ORDER_H */

/*-------------------------------------------------------------------------
 *
 * webhook.h
 *	  Declarations shared across the extension: settings and the
 *	  extension's own SQLSTATEs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_H
#define WEBHOOK_H

#include "postgres.h"
#include "datatype/timestamp.h"

/* Domain errors without a standard code: class WH. */
#define ERRCODE_WEBHOOK_TRANSITION	MAKE_SQLSTATE('W','H','0','0','1')
#define ERRCODE_WEBHOOK_CONFIG		MAKE_SQLSTATE('W','H','0','0','2')

/* GUCs (webhook.c) */
extern int	webhook_max_body_bytes;
extern bool webhook_notify;
extern int	webhook_outbox_max_attempts;
extern char *webhook_clock_override;

/* config.c: relcache callback registration, called from _PG_init */
extern void WebhookConfigInit(void);

#endif							/* WEBHOOK_H */

/*-------------------------------------------------------------------------
 *
 * state.h
 *	  The payment state machine (state.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef WEBHOOK_STATE_H
#define WEBHOOK_STATE_H

#include "postgres.h"

/* true when a payment may move from one state to the other */
extern bool WebhookTransitionAllowed(const char *from, const char *to);

/* A Numeric datum of minor / 10^exponent, exactly (palloc'd). */
extern Datum WebhookMinorToMajor(int64 minor, int exponent);

#endif							/* WEBHOOK_STATE_H */

/*-------------------------------------------------------------------------
 *
 * state.c
 *	  The payment state machine: which state may follow which.
 *
 * The table is SPEC section 5.  The triggers in sql/webhook.sql consult it
 * through webhook_transition_allowed(), for events and for hand updates
 * alike, so there is one statement of the rules.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

typedef struct Transition
{
	const char *from;
	const char *to[4];
} Transition;

static const Transition transitions[] = {
	{"pending", {"authorized", "captured", "failed", "canceled"}},
	{"authorized", {"captured", "failed", "canceled"}},
	{"failed", {"authorized", "captured", "canceled"}},
	{"captured", {"partially_refunded", "refunded"}},
	{"partially_refunded", {"partially_refunded", "refunded"}},
	/* canceled and refunded are final */
};

PG_FUNCTION_INFO_V1(webhook_transition_allowed);

/* true when a payment may move from one state to the other */
static bool
transition_allowed(const char *from, const char *to)
{
	for (int i = 0; i < (int) lengthof(transitions); i++)
	{
		if (strcmp(transitions[i].from, from) != 0)
			continue;
		for (int j = 0; j < (int) lengthof(transitions[i].to); j++)
			if (transitions[i].to[j] != NULL && strcmp(transitions[i].to[j], to) == 0)
				return true;
		return false;
	}
	return false;
}

/*
 * webhook_transition_allowed(from_state text, to_state text) RETURNS boolean
 *	  Never raises; unknown states are simply not allowed.
 */
Datum
webhook_transition_allowed(PG_FUNCTION_ARGS)
{
	char	   *from = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *to = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL(transition_allowed(from, to));
}

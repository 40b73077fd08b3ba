/*-------------------------------------------------------------------------
 *
 * generic.c
 *	  The generic gateway: the two body shapes the hmac, apikey and standard
 *	  schemes read (README "Schemes", Event mapping).
 *
 * The scheme's entry in the registry (src/schemes.c) names what it asks
 * of the common steps; its callbacks are the scheme's own knowledge.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"

#include "clock.h"
#include "config.h"
#include "extract.h"
#include "headers.h"
#include "jsonget.h"
#include "money.h"
#include "reply.h"
#include "request.h"
#include "schemes/generic.h"
#include "verify.h"

/* The two generic gateway shapes (README "Schemes", Event mapping). */
void
WebhookExtractGeneric(WebhookConfig *cfg, WebhookProvider *prov, Jsonb *payload, WebhookEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbValue	buf;
	char	   *payment_id = WebhookJsonGetText(root, "paymentId");

	if (payment_id != NULL)
	{
		char	   *event = WebhookJsonGetText(root, "event");

		ev->object_id = payment_id;
		ev->reference = WebhookJsonGetText(root, "orderId");
		ev->event_type = WebhookJsonGetText(root, "status");
		if (event != NULL)
		{
			const char *parts[2] = {payment_id, event};

			ev->event_id = WebhookJoinId(parts, 2);
		}
		ev->has_occurred_at = WebhookJsonTime(WebhookJsonGet(root, "timestamp", &buf),
										&ev->occurred_at);
	}
	else
	{
		ev->object_id = WebhookJsonGetText(root, "payment_id");
		ev->reference = WebhookJsonGetText(root, "transaction_id");
		ev->event_type = WebhookJsonGetText(root, "status");
		ev->amount = WebhookJsonGetText(root, "amount");
		ev->currency = WebhookUpperCurrency(WebhookJsonGetText(root, "currency"));
	}
}


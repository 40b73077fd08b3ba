/* placeholder, replaced by the provider and secret cache */
#include "postgres.h"
#include "webhook.h"
void
WebhookConfigInit(void)
{
}

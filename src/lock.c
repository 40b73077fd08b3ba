/*-------------------------------------------------------------------------
 *
 * lock.c
 *	  The payment-key locks, by which an event that parks and a payment
 *	  insert never miss each other.
 *
 * A payment's keys are (provider, reference) and (provider, external_id),
 * each an advisory lock of its own (class "WH", kind 2, a hash of the
 * key).  An event that finds no payment takes its keys before its last
 * look for the payment, and holds them until its transaction ends if it
 * parks (apply.c); a payment insert passes the same keys, waiting for any
 * holder and holding them not at all, before it looks for parked events
 * (state.c).  So an event parks either before the insert looks, and is
 * seen, or after the insert committed, and sees the payment; and no insert
 * holds a lock per row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/memutils.h"

#include "lock.h"

/* Advisory lock class for payment keys ("WH"). */
#define WEBHOOK_LOCK_CLASS 22344

/* 32-bit hash of a lock key */
static int32
key_hash(const char *key)
{
	return (int32) hash_bytes((const unsigned char *) key, strlen(key));
}

/*
 * The advisory lock tags of a payment's keys, in a fixed order (so that
 * two takers never deadlock on them); returns how many (0 to 2).
 */
static int
payment_key_tags(const char *provider, const char *reference, const char *external_id,
				 LOCKTAG *tags)
{
	int32		keys[2];
	int			n = 0;

	if (reference != NULL)
		keys[n++] = key_hash(psprintf("r:%s:%s", provider, reference));
	if (external_id != NULL)
		keys[n++] = key_hash(psprintf("x:%s:%s", provider, external_id));
	if (n == 2 && keys[1] < keys[0])
	{
		int32		t = keys[0];

		keys[0] = keys[1];
		keys[1] = t;
	}
	for (int i = 0; i < n; i++)
		SET_LOCKTAG_ADVISORY(tags[i], MyDatabaseId, WEBHOOK_LOCK_CLASS, (uint32) keys[i], 2);
	return n;
}

/*
 * The keys this backend's parked events hold until their transaction
 * ends: session locks, so that one can be given back before waiting
 * (WebhookGiveBackPaymentKeys), released by held_keys_release at commit,
 * after the commit is visible to all, or at abort.
 */
static LOCKTAG *held_keys = NULL;
static int	nheld_keys = 0;
static int	maxheld_keys = 0;

static void
held_keys_release(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	for (int i = 0; i < nheld_keys; i++)
		LockRelease(&held_keys[i], ExclusiveLock, true);
	nheld_keys = 0;
}

void
WebhookTakePaymentKeys(const char *provider, const char *reference,
					   const char *external_id)
{
	static bool registered = false;
	LOCKTAG		tags[2];
	int			n = payment_key_tags(provider, reference, external_id, tags);

	if (!registered)
	{
		RegisterXactCallback(held_keys_release, NULL);
		registered = true;
	}
	if (nheld_keys + n > maxheld_keys)
	{
		int			want = Max(16, 2 * (nheld_keys + n));

		held_keys = held_keys == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(LOCKTAG) * want) :
			repalloc(held_keys, sizeof(LOCKTAG) * want);
		maxheld_keys = want;
	}
	for (int i = 0; i < n; i++)
	{
		(void) LockAcquire(&tags[i], ExclusiveLock, true, false);
		held_keys[nheld_keys++] = tags[i];
	}
}

void
WebhookGiveBackPaymentKeys(const char *provider, const char *reference,
						   const char *external_id)
{
	LOCKTAG		tags[2];
	int			n = payment_key_tags(provider, reference, external_id, tags);

	for (int i = n - 1; i >= 0; i--)
	{
		LockRelease(&tags[i], ExclusiveLock, true);
		nheld_keys--;
	}
}

void
WebhookPassPaymentKeys(const char *provider, const char *reference, const char *external_id)
{
	LOCKTAG		tags[2];
	int			n = payment_key_tags(provider, reference, external_id, tags);

	for (int i = 0; i < n; i++)
		(void) LockAcquire(&tags[i], ExclusiveLock, true, false);
	for (int i = n - 1; i >= 0; i--)
		LockRelease(&tags[i], ExclusiveLock, true);
}

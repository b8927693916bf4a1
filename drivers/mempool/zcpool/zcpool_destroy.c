/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_spinlock.h>
#include <rte_tailq.h>

#include "zcpool_pvt.h"

/*
 * Deferred destruction: a pool whose buffers are still held is parked on a list
 * that an EAL alarm checks every ZCPOOL_REAP_US. The pool is freed once two
 * checks in a row find every buffer back (one check could see a buffer counted
 * twice while a cache is being flushed). "Still held" warnings back off from
 * 1 s to 64 s so that a long hold does not flood the log.
 */
#define ZCPOOL_REAP_US (100 * 1000)
#define ZCPOOL_WARN_MAX_S 64

static TAILQ_HEAD(, zcpool) pending = TAILQ_HEAD_INITIALIZER(pending);
static rte_spinlock_t pending_lock = RTE_SPINLOCK_INITIALIZER;
static bool reaper_armed;

unsigned int
zcpool_held(const struct rte_mempool *mp)
{
	unsigned int avail = rte_mempool_avail_count(mp);

	/* A pool that was never (fully) populated holds only what it has. */
	return avail >= mp->populated_size ? 0 : mp->populated_size - avail;
}

static void reap(void *arg);

static void
arm_reaper_locked(void)
{
	if (reaper_armed || TAILQ_EMPTY(&pending))
		return;
	reaper_armed = rte_eal_alarm_set(ZCPOOL_REAP_US, reap, NULL) == 0;
	if (!reaper_armed)
		ZCPOOL_LOG(ERR, "cannot arm the deferred-destroy check; pending pools stay allocated\n");
}

static void
reap(void *arg)
{
	struct zcpool *zp, *tmp;
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();
	struct rte_mempool *ready[8];
	unsigned int nb_ready = 0, held, i;

	RTE_SET_USED(arg);
	rte_spinlock_lock(&pending_lock);
	reaper_armed = false;
	RTE_TAILQ_FOREACH_SAFE(zp, &pending, pending, tmp) {
		held = zcpool_held(zp->mp);
		if (held != 0) {
			zp->idle_checks = 0;
			if (now >= zp->next_warn) {
				uint64_t waited = (now - zp->dying_since) / hz;

				ZCPOOL_LOG(WARNING, "pool %s: destruction pending for %" PRIu64 " s, %u buffers still held by the application\n",
					   zp->mp->name, waited, held);
				zp->next_warn = now + RTE_MIN(RTE_MAX(waited, 1u),
							      (uint64_t)ZCPOOL_WARN_MAX_S) * hz;
			}
			continue;
		}
		if (++zp->idle_checks < 2 || nb_ready == RTE_DIM(ready))
			continue;
		TAILQ_REMOVE(&pending, zp, pending);
		ready[nb_ready++] = zp->mp;
	}
	arm_reaper_locked();
	rte_spinlock_unlock(&pending_lock);
	for (i = 0; i < nb_ready; i++) {
		ZCPOOL_LOG(INFO, "pool %s: last buffer returned, freeing the pool\n", ready[i]->name);
		rte_mempool_free(ready[i]);
	}
}

int
zc_pool_destroy(struct rte_mempool *mp, uint32_t flags)
{
	struct zcpool *zp;
	unsigned int held;

	if (!zc_pool_is_zcpool(mp))
		return -EINVAL;
	zp = zcpool_of(mp);
	rte_spinlock_lock(&pending_lock);
	if (zp->dying) {
		rte_spinlock_unlock(&pending_lock);
		return -EALREADY;
	}
	held = zcpool_held(mp);
	if (held != 0 && !(flags & ZC_POOL_DESTROY_FORCE)) {
		zp->dying = true;
		zp->idle_checks = 0;
		zp->dying_since = rte_get_tsc_cycles();
		zp->next_warn = zp->dying_since + rte_get_tsc_hz();
		TAILQ_INSERT_TAIL(&pending, zp, pending);
		arm_reaper_locked();
		rte_spinlock_unlock(&pending_lock);
		ZCPOOL_LOG(NOTICE, "pool %s: %u buffers still held, destruction deferred until they return\n",
			   mp->name, held);
		return held;
	}
	rte_spinlock_unlock(&pending_lock);
	if (held != 0) {
		zp->forced = true;
		ZCPOOL_LOG(WARNING, "pool %s: forced destruction abandons %u buffers still held by the application\n",
			   mp->name, held);
	}
	rte_mempool_free(mp);
	return held;
}

unsigned int
zc_pool_pending_destroys(void)
{
	struct zcpool *zp;
	unsigned int n = 0;

	rte_spinlock_lock(&pending_lock);
	TAILQ_FOREACH(zp, &pending, pending)
		n++;
	rte_spinlock_unlock(&pending_lock);
	return n;
}

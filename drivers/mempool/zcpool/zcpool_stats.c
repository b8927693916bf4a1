/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <string.h>

#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "zcpool_pvt.h"

/* Live pools, for telemetry; the lock also keeps a pool alive while it is read. */
static TAILQ_HEAD(, zcpool) pools = TAILQ_HEAD_INITIALIZER(pools);
static rte_spinlock_t pools_lock = RTE_SPINLOCK_INITIALIZER;

void
zcpool_register(struct zcpool *zp)
{
	rte_spinlock_lock(&pools_lock);
	TAILQ_INSERT_TAIL(&pools, zp, next);
	rte_spinlock_unlock(&pools_lock);
}

void
zcpool_unregister(struct zcpool *zp)
{
	rte_spinlock_lock(&pools_lock);
	TAILQ_REMOVE(&pools, zp, next);
	rte_spinlock_unlock(&pools_lock);
}

#define ZCPOOL_COUNTERS(X) X(alloc_fast) X(alloc_slow) X(alloc_refill) X(alloc_empty) \
	X(recycle_cached) X(recycle_cache_full) X(recycle_ring) X(release_refused)

static void
counters_add(struct zcpool_counters *sum, const struct zcpool_counters *c)
{
#define ZC_ADD(f) sum->f += __atomic_load_n(&c->f, __ATOMIC_RELAXED);
	ZCPOOL_COUNTERS(ZC_ADD)
#undef ZC_ADD
}

/* Sum of every lcore's counters. */
static void
counters_sum(const struct zcpool *zp, struct zcpool_counters *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	counters_add(sum, &zp->any_stats);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		counters_add(sum, &zp->lcache[i].stats);
}

static void
stats_read(const struct zcpool *zp, struct zc_pool_stats *stats)
{
	struct zcpool_counters sum;

	counters_sum(zp, &sum);
#define ZC_SET(f) stats->f = sum.f - zp->stats_base.f;
	ZCPOOL_COUNTERS(ZC_SET)
#undef ZC_SET
	stats->inflight = zcpool_held(zp->mp);
}

int
zc_pool_stats_get(struct rte_mempool *mp, struct zc_pool_stats *stats)
{
	if (!zc_pool_is_zcpool(mp) || stats == NULL)
		return -EINVAL;
	stats_read(zcpool_of(mp), stats);
	return 0;
}

/*
 * Lcores count without atomics while this runs: zeroing their counters could be
 * undone by a store in flight. Remember the sums instead; reads subtract them.
 */
int
zc_pool_stats_reset(struct rte_mempool *mp)
{
	if (!zc_pool_is_zcpool(mp))
		return -EINVAL;
	counters_sum(zcpool_of(mp), &zcpool_of(mp)->stats_base);
	return 0;
}

int
zc_pool_census_get(struct rte_mempool *mp, struct zc_pool_census *census)
{
	const struct zcpool *zp;
	/* Indexed by enum zcpool_buf_state, whose values are 0 to 3. */
	uint32_t by_state[4] = { 0 };
	uint32_t held, i;

	if (!zc_pool_is_zcpool(mp) || census == NULL || zcpool_of(mp)->nb_slots == 0)
		return -EINVAL;
	zp = zcpool_of(mp);
	if (zp->buf_state != NULL)
		for (i = 0; i < zp->nb_slots; i++)
			by_state[zcpool_word_state(__atomic_load_n(&zp->buf_state[i], __ATOMIC_RELAXED))]++;
	RTE_BUILD_BUG_ON(ZCPOOL_BUF_TX != 3);
	census->size = mp->size;
	census->available = rte_mempool_avail_count(mp);
	held = census->size - census->available;
	census->held_kernel = by_state[ZCPOOL_BUF_KERNEL];
	census->held_user = by_state[ZCPOOL_BUF_USER];
	census->held_tx = by_state[ZCPOOL_BUF_TX];
	held -= RTE_MIN(held, census->held_kernel + census->held_user + census->held_tx);
	census->held_other = held;
	return 0;
}

static int
tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct zcpool *zp;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	rte_spinlock_lock(&pools_lock);
	TAILQ_FOREACH(zp, &pools, next)
		rte_tel_data_add_array_string(d, zp->mp->name);
	rte_spinlock_unlock(&pools_lock);
	return 0;
}

static void
tel_pool_info(const struct zcpool *zp, struct rte_tel_data *d)
{
	struct zc_pool_stats s;

	stats_read(zp, &s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", zp->mp->name);
	if (zp->area != NULL) {
		rte_tel_data_add_dict_string(d, "area", zp->area->name);
		rte_tel_data_add_dict_string(d, "provider", zp->area->ops->name);
		zc_tel_dict_add_u64(d, "area_id", zp->area->id);
		zc_tel_dict_add_u64(d, "readable", zp->area->readable);
		/* A zero-config pool in pieces: "area" is the first of them. */
		zc_tel_dict_add_u64(d, "areas", RTE_MAX(zp->nb_segs, 1u));
	}
	rte_tel_data_add_dict_string(d, "layout", zp->pinned ? "pinned" : "embedded");
	zc_tel_dict_add_u64(d, "size", zp->mp->size);
	zc_tel_dict_add_u64(d, "buf_len", zp->buf_len);
	zc_tel_dict_add_u64(d, "stride", zp->stride);
	zc_tel_dict_add_u64(d, "lcore_cache_size", zp->lcache_size);
	zc_tel_dict_add_u64(d, "destroy_pending", zp->dying);
	zc_tel_dict_add_u64(d, "alloc_fast", s.alloc_fast);
	zc_tel_dict_add_u64(d, "alloc_slow", s.alloc_slow);
	zc_tel_dict_add_u64(d, "alloc_refill", s.alloc_refill);
	zc_tel_dict_add_u64(d, "alloc_empty", s.alloc_empty);
	zc_tel_dict_add_u64(d, "recycle_cached", s.recycle_cached);
	zc_tel_dict_add_u64(d, "recycle_cache_full", s.recycle_cache_full);
	zc_tel_dict_add_u64(d, "recycle_ring", s.recycle_ring);
	zc_tel_dict_add_u64(d, "release_refused", s.release_refused);
	zc_tel_dict_add_u64(d, "inflight", s.inflight);
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct zcpool *zp;
	int ret = -EINVAL;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	rte_spinlock_lock(&pools_lock);
	TAILQ_FOREACH(zp, &pools, next) {
		if (strcmp(zp->mp->name, params) == 0) {
			tel_pool_info(zp, d);
			ret = 0;
			break;
		}
	}
	rte_spinlock_unlock(&pools_lock);
	return ret;
}

RTE_INIT(zcpool_telemetry_init)
{
	rte_telemetry_register_cmd("/zcpool/list", tel_list,
				   "Returns the names of zcpool pools. No parameters");
	rte_telemetry_register_cmd("/zcpool/info", tel_info,
				   "Returns counters and layout of a zcpool pool. Parameters: pool name");
}

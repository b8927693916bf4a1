/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_POOL_H
#define ZC_POOL_H

/**
 * @file
 * zcpool: recyclable buffer pools over memory areas.
 *
 * zcpool is a mempool driver (rte_mempool_ops name "zcpool"). Used by name alone
 * (`--mbuf-pool-ops-name zcpool`, rte_pktmbuf_pool_create_by_ops()), a pool lays its
 * objects in the hugepage memory DPDK gives it, which becomes its area (one area
 * per virtually contiguous piece, when the memory comes in several). Created with
 * zc_pktmbuf_pool_create() over an area, a pool keeps its mbuf headers in host
 * memory and attaches each mbuf, permanently, to one buffer of the area (pinned
 * external buffers), which also works for areas the CPU cannot read.
 *
 * Every buffer has an index (its slot in the pool) and an area offset; both
 * convert to each other and to the mbuf in O(1) (a search among at most 64
 * pieces for a zero-configuration pool whose memory came in several).
 *
 * The fast path mirrors the kernel's page_pool: each lcore has a small lockless
 * cache in front of a shared ring, refilled and flushed in batches.
 */

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <zc_area.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the mempool ops. */
#define ZC_POOL_OPS_NAME "zcpool"

/**
 * Backend configuration, passed as the third argument of
 * rte_mempool_set_ops_byname(); zc_pktmbuf_pool_create() fills it in.
 * NULL selects a pool whose objects live in its own hugepage memzone.
 */
struct zc_pool_config {
	struct zc_area *area; /**< Area holding the data buffers. */
	uint32_t buf_size;    /**< Bytes per buffer (data room), > 0. */
};

/**
 * Create a packet mbuf pool whose data buffers come from an area.
 *
 * mbuf headers (and private areas) are allocated from the hugepage heap on
 * @p socket_id; data buffers are carved from @p area, one per mbuf, and stay
 * attached to their mbuf for the pool's life (RTE_MBUF_F_EXTERNAL is always set,
 * so a PMD must not clear ol_flags wholesale).
 *
 * @param name
 *   Pool name (as for rte_mempool_create()).
 * @param n
 *   Number of mbufs.
 * @param cache_size
 *   Per-lcore mempool cache size (0 disables DPDK's cache; zcpool's own lcore
 *   cache still applies).
 * @param priv_size
 *   Application private area per mbuf, a multiple of RTE_MBUF_PRIV_ALIGN.
 * @param data_room_size
 *   Bytes per data buffer, including RTE_PKTMBUF_HEADROOM.
 * @param area
 *   The area, or NULL to create a hugepage area sized for the pool, named after
 *   it and released with it.
 * @param socket_id
 *   Socket for the mbuf headers (and for the area when @p area is NULL).
 * @return
 *   The pool, or NULL with rte_errno set: EINVAL (bad argument), ENOSPC (the area
 *   has no free span large enough), ENOMEM, EEXIST (name in use), or an error of
 *   rte_mempool_create_empty().
 */
struct rte_mempool *
zc_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		       uint16_t priv_size, uint16_t data_room_size,
		       struct zc_area *area, int socket_id);

/** zc_pool_destroy() flag: free now even if buffers are still held. */
#define ZC_POOL_DESTROY_FORCE RTE_BIT32(0)

/**
 * Destroy a zcpool pool without freeing memory under buffers still held.
 *
 * If every buffer is back, the pool is freed now. Otherwise destruction is
 * deferred: the pool is freed by a background check once the last buffer is
 * returned, and a warning naming the pool and the number of missing buffers is
 * logged periodically until then. The caller must not allocate from the pool
 * after this call; freeing buffers into it is expected.
 *
 * With ZC_POOL_DESTROY_FORCE the pool is freed now whatever is held; the caller
 * asserts that held buffers will never be touched again. Their count is logged
 * and returned.
 *
 * @return
 *   The number of buffers still held: 0 when the pool was freed now, > 0 when
 *   destruction is deferred (or, with ZC_POOL_DESTROY_FORCE, the number abandoned);
 *   -EINVAL if @p mp is NULL or not a zcpool pool, -EALREADY if its destruction is
 *   already pending.
 */
int zc_pool_destroy(struct rte_mempool *mp, uint32_t flags);

/**
 * Number of zcpool pools whose destruction is pending.
 */
unsigned int zc_pool_pending_destroys(void);

/**
 * Counters of a pool, in the kernel page_pool vocabulary. Objects, not calls,
 * except where stated.
 */
struct zc_pool_stats {
	uint64_t alloc_fast;    /**< Served from an lcore cache. */
	uint64_t alloc_slow;    /**< Served straight from the shared ring. */
	uint64_t alloc_refill;  /**< Moved from the shared ring into lcore caches. */
	uint64_t alloc_empty;   /**< Requests (calls) that found too few objects. */
	uint64_t recycle_cached; /**< Returned into an lcore cache. */
	uint64_t recycle_cache_full; /**< Flushes of a full lcore cache (calls). */
	uint64_t recycle_ring;  /**< Returned or flushed to the shared ring. */
	/**
	 * Frees refused because the buffer was already handed back to the kernel
	 * (returned through a net_zcrx refill ring, then freed as well).
	 */
	uint64_t release_refused;
	uint64_t inflight;      /**< Buffers held outside the pool and all caches. */
};

/**
 * Read a pool's counters (a consistent snapshot only while the pool is idle).
 *
 * @return
 *   0, or -EINVAL if an argument is NULL or @p mp is not a zcpool pool.
 */
int zc_pool_stats_get(struct rte_mempool *mp, struct zc_pool_stats *stats);

/**
 * Zero a pool's counters (inflight is derived, not reset). Safe while lcores
 * use the pool: later reads count from this point.
 *
 * @return
 *   0, or -EINVAL.
 */
int zc_pool_stats_reset(struct rte_mempool *mp);

/**
 * Who holds a pool's buffers, for audits. Owners are recorded only for pools
 * that feed a net_zcrx refill ring; in other pools every held buffer counts as
 * @p held_other.
 */
struct zc_pool_census {
	uint32_t size;        /**< Buffers in the pool (mp->size). */
	uint32_t available;   /**< In the pool or its caches. */
	uint32_t held_kernel; /**< In an AF_XDP fill ring or being received. */
	uint32_t held_user;   /**< Received by the application (or posted to a refill
			       *   ring the PMD has not read yet). */
	uint32_t held_tx;     /**< Being transmitted in place. */
	uint32_t held_other;  /**< Allocated from the pool by the application. */
};

/**
 * Count who holds a pool's buffers: O(buffers), for audits, not the fast path.
 *
 * @return
 *   0, or -EINVAL if an argument is NULL or @p mp is not a populated zcpool pool.
 */
int zc_pool_census_get(struct rte_mempool *mp, struct zc_pool_census *census);

/** Where a pool's buffers are. */
struct zc_pool_geometry {
	struct zc_area *area; /**< Area holding the buffers. */
	uint64_t base_off;    /**< Area offset of buffer 0. */
	uint32_t stride;      /**< Distance between consecutive buffers. */
	uint32_t buf_len;     /**< Usable bytes per buffer. */
	uint32_t nb_slots;    /**< Index range; a few slots may be unused holes. */
	uint32_t nb_bufs;     /**< Buffers in the pool (mp->size). */
	bool pinned;          /**< mbuf headers outside the area (pinned ext bufs). */
};

/**
 * Describe where a pool's buffers are.
 *
 * @return
 *   0, -EINVAL if an argument is NULL or @p mp is not a populated zcpool pool, or
 *   -ENOTSUP if its buffers are in several areas (a zero-configuration pool whose
 *   memory came in pieces: name its buffers with the conversions below).
 */
int zc_pool_geometry_get(struct rte_mempool *mp, struct zc_pool_geometry *geo);

/**
 * Whether a mempool uses zcpool ops.
 */
bool zc_pool_is_zcpool(const struct rte_mempool *mp);

/**
 * Index of an mbuf's buffer, in O(1).
 *
 * @return
 *   The index (< zc_pool_geometry::nb_slots), or -EINVAL if @p m does not belong
 *   to a zcpool pool.
 */
int64_t zc_pool_mbuf_index(const struct rte_mbuf *m);

/**
 * 64-bit area offset (area id and byte offset) of an mbuf's buffer, in O(1).
 * In a pool in several areas, the id is that of the area holding the buffer.
 *
 * @return
 *   The area offset, or UINT64_MAX if @p m does not belong to a zcpool pool.
 */
uint64_t zc_pool_mbuf_area_off(const struct rte_mbuf *m);

/**
 * mbuf owning buffer @p index, in O(1).
 *
 * @return
 *   The mbuf, or NULL if the index is out of range or a hole.
 */
struct rte_mbuf *zc_pool_index_mbuf(struct rte_mempool *mp, uint32_t index);

/**
 * Buffer index named by a 64-bit area offset, in O(1).
 *
 * The offset must carry the id of the pool's area (of one of them, for a pool in
 * several) and point exactly at a buffer's start.
 *
 * @return
 *   The index, or -EINVAL (wrong area, out of range, not a buffer start, hole).
 */
int64_t zc_pool_area_off_index(struct rte_mempool *mp, uint64_t area_off);

/**
 * 64-bit area offset of buffer @p index.
 *
 * @return
 *   The area offset, or UINT64_MAX if the index is out of range.
 */
uint64_t zc_pool_index_area_off(struct rte_mempool *mp, uint32_t index);

#ifdef __cplusplus
}
#endif

#endif /* ZC_POOL_H */

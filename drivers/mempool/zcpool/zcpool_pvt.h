/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCPOOL_PVT_H
#define ZCPOOL_PVT_H

/*
 * zcpool internals; not for direct inclusion by applications.
 */

#include <sys/queue.h>

#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_reciprocal.h>
#include <rte_ring.h>
#include <rte_spinlock.h>
#include <rte_version.h>

#include <zc_area_driver.h>

#include "zc_pool.h"

extern int zcpool_logtype;
#define ZCPOOL_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, zcpool_logtype, "zcpool: " __VA_ARGS__)

/* page_pool's alloc cache holds 128 and refills 64 at a time: so do we. */
#define ZCPOOL_LCACHE_MAX 128
/* Smaller lcore caches cost more in ring traffic than they save. */
#define ZCPOOL_LCACHE_MIN 8

/* Counters one lcore updates without atomics (page_pool vocabulary). */
struct zcpool_counters {
	uint64_t alloc_fast;
	uint64_t alloc_slow;
	uint64_t alloc_refill;
	uint64_t alloc_empty;
	uint64_t recycle_cached;
	uint64_t recycle_cache_full;
	uint64_t recycle_ring;
	uint64_t release_refused;   /* Frees of a buffer the kernel holds. */
};

/*
 * Per-lcore LIFO cache in front of the shared ring. Its lcore marks it busy
 * while using it; a stealer flags it and waits for busy == 0 (see zcpool_ops.c).
 * The counters are written by the owning lcore only.
 */
struct zcpool_lcache {
	uint32_t busy;
	uint32_t steal;
	uint32_t len;
	struct zcpool_counters stats;
	void *objs[ZCPOOL_LCACHE_MAX];
} __rte_cache_aligned;

struct zcpool {
	struct rte_ring *ring;      /* Shared MPMC store holding every free object. */
	uint32_t lcache_size;       /* 0 when lcore caches are off. */
	uint32_t lcache_refill;     /* Objects fetched per refill beyond the request. */
	struct rte_mempool *mp;

	/* Geometry: buffer i starts at area offset base_off + i * stride. */
	struct zc_area *area;
	uint64_t base_off;
	uint32_t stride;
	struct rte_reciprocal_u64 stride_recip;
	uint32_t buf_len;
	uint32_t buf_hdr;           /* embedded mbufs: header bytes before the buffer. */
	uint32_t nb_slots;
	void **slot_obj;            /* Slot -> object; NULL for a hole. */
	uint8_t *buf_state;         /* Per slot: enum zcpool_buf_state, when tracked. */
	bool pinned;                /* Headers in host memory, buffers in the area. */
	bool pktmbuf;               /* Objects are mbufs (buffer after the header). */
	uint64_t span_off;          /* pinned: the span carved from the area. */
	uint32_t next_slot;         /* pinned: next slot to attach at mbuf init. */
	char *grid;                 /* embedded: address of slot 0's object header. */

	/* Teardown. */
	bool dying;
	bool forced;
	unsigned int held_at_free;  /* Buffers held when rte_mempool_free() began. */
	unsigned int idle_checks;   /* Consecutive reaper checks that found all back. */
	uint64_t dying_since;       /* TSC at zc_pool_destroy(). */
	uint64_t next_warn;         /* TSC of the next "still held" warning. */
	TAILQ_ENTRY(zcpool) next;   /* Registry of pools (telemetry) / pending list. */
	TAILQ_ENTRY(zcpool) pending;

	/* Non-EAL threads have no lcore cache: their counts are atomic. */
	struct zcpool_counters any_stats;
	rte_spinlock_t steal_lock;  /* One stealer at a time. */

	struct zcpool_lcache lcache[RTE_MAX_LCORE];
};

extern const struct rte_mempool_ops zcpool_ops;

static inline struct zcpool *
zcpool_of(const struct rte_mempool *mp)
{
	return mp->pool_data;
}

/* Slot of the buffer starting at in-area offset off (trusted), O(1). */
static inline uint32_t
zcpool_off_slot(const struct zcpool *zp, uint64_t off)
{
	return rte_reciprocal_divide_u64(off - zp->base_off, &zp->stride_recip);
}

/* mbuf owning the buffer starting at in-area offset off (trusted), O(1). */
static inline struct rte_mbuf *
zcpool_buf_mbuf(const struct zcpool *zp, uint64_t off)
{
	if (!zp->pinned)
		return (struct rte_mbuf *)((char *)zp->area->addr + off - zp->buf_hdr);
	return zp->slot_obj[zcpool_off_slot(zp, off)];
}

/*
 * Who holds each buffer, for pools whose buffers a PMD hands to the application
 * and takes back through a refill ring (see drivers/net/zcrx). Only buffers the
 * application holds from a receive (USER) may be returned through the ring, and a
 * buffer the kernel holds (KERNEL) never enters the pool: so a forged, duplicated
 * or stale return can never put one buffer in two places.
 */
enum zcpool_buf_state {
	ZCPOOL_BUF_FREE = 0,   /* In the pool, or allocated from it. */
	ZCPOOL_BUF_KERNEL,     /* In a fill ring or being received. */
	ZCPOOL_BUF_USER,       /* Delivered to the application by a receive. */
	ZCPOOL_BUF_TX,         /* Being sent in place. */
};

/*
 * Start tracking buffer states (idempotent). Needs a pool without a DPDK mempool
 * cache, so that every free reaches the driver. 0, -EINVAL or -ENOMEM.
 */
__rte_internal
int zcpool_track(struct rte_mempool *mp);

/* Slot of an mbuf of this (pktmbuf) pool, O(1). */
static inline uint32_t
zcpool_mbuf_slot(const struct zcpool *zp, const struct rte_mbuf *m)
{
	return zcpool_off_slot(zp, (uint64_t)((const char *)m->buf_addr -
					     (const char *)zp->area->addr));
}

/* Buffers outside the pool and every cache (exact while idle). */
unsigned int zcpool_held(const struct rte_mempool *mp);

/* Registry of live pools (for telemetry and lookups). */
void zcpool_register(struct zcpool *zp);
void zcpool_unregister(struct zcpool *zp);

/* Telemetry value helpers: the u64 variants became uint in 23.03. */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define zc_tel_dict_add_u64 rte_tel_data_add_dict_uint
#else
#define zc_tel_dict_add_u64 rte_tel_data_add_dict_u64
#endif

#endif /* ZCPOOL_PVT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCPOOL_PVT_H
#define ZCPOOL_PVT_H

/*
 * zcpool internals; not for direct inclusion by applications.
 */

#include <pthread.h>
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

/* Pieces a zero-config pool takes its memory in, at most (one area each). */
#define ZCPOOL_SEGS_MAX 64

/*
 * A zero-config pool takes its memory as rte_mempool_populate_default() hands it:
 * one memzone, or, when the heap cannot give one that large, several smaller ones
 * (it halves the request until memzones fit). Each virtually contiguous run of
 * chunks is a segment with an area of its own (provider "mempool"). Its objects
 * sit on the pool's grid from the start of its area, so that base_off and stride
 * hold in every segment; its slots follow those of the segments populated before
 * it. See zcpool_ops.c for why segments rather than one virtual range.
 */
struct zcpool_seg {
	struct zc_area *area;
	uint32_t first_slot;        /* Pool index of the segment's slot 0. */
	uint32_t nb_slots;
};

struct zcpool {
	struct rte_ring *ring;      /* Shared MPMC store holding every free object. */
	uint32_t lcache_size;       /* 0 when lcore caches are off. */
	uint32_t lcache_refill;     /* Objects fetched per refill beyond the request. */
	struct rte_mempool *mp;

	/*
	 * Geometry: buffer i starts at area offset base_off + i * stride, in one area
	 * (nb_segs <= 1). A zero-config pool in several segments names buffer i in
	 * the area of the segment holding slot i, at base_off + (i - first_slot) *
	 * stride; area is the area of its first segment.
	 */
	struct zc_area *area;
	char *area_addr;            /* zc_area_addr(area), for secondaries: areas are not shared. */
	uint64_t base_off;
	uint32_t stride;
	struct rte_reciprocal_u64 stride_recip;
	uint32_t buf_len;
	uint32_t buf_hdr;           /* embedded mbufs: header bytes before the buffer. */
	uint32_t nb_slots;
	uint32_t slot_cap;          /* Entries allocated in slot_obj. */
	void **slot_obj;            /* Slot -> object; NULL for a hole. */
	uint32_t *buf_state;        /* Per slot: ownership word (see below), when tracked. */
	bool pinned;                /* Headers in host memory, buffers in the area. */
	bool pktmbuf;               /* Objects are mbufs (buffer after the header). */
	uint64_t span_off;          /* pinned: the span carved from the area. */
	uint32_t next_slot;         /* pinned: next slot to attach at mbuf init. */
	/* embedded: segments in the order they came (first_slot ascending). */
	uint32_t nb_segs;
	bool populate_failed;       /* embedded: a chunk was refused; take no more. */
	struct zcpool_seg segs[ZCPOOL_SEGS_MAX];
	uint8_t seg_by_addr[ZCPOOL_SEGS_MAX]; /* Indexes of segs by address. */

	/* Teardown. */
	bool dying;
	bool forced;
	bool freeing;               /* rte_mempool_free() has begun: no stealing. */
	unsigned int held_at_free;  /* Buffers held when rte_mempool_free() began. */
	unsigned int idle_checks;   /* Consecutive reaper checks that found all back. */
	uint64_t dying_since;       /* TSC at zc_pool_destroy(). */
	uint64_t next_warn;         /* TSC of the next "still held" warning. */
	TAILQ_ENTRY(zcpool) next;   /* Registry of pools (telemetry) / pending list. */
	TAILQ_ENTRY(zcpool) pending;

	/* Non-EAL threads have no lcore cache: their counts are atomic. */
	struct zcpool_counters any_stats;
	/* zc_pool_stats_reset() records the sums here: owners never stop counting. */
	struct zcpool_counters stats_base;
	/* One stealer at a time; a mutex: the steal makes a system call. */
	pthread_mutex_t steal_lock;

	struct zcpool_lcache lcache[RTE_MAX_LCORE];
};

extern const struct rte_mempool_ops zcpool_ops;

static inline struct zcpool *
zcpool_of(const struct rte_mempool *mp)
{
	return mp->pool_data;
}

/*
 * The inline helpers below name buffers in the pool's one area, as the fast path
 * of tracked pools and net_zcrx do: they hold for pools in one area only, which
 * zcpool_track() and zc_pool_geometry_get() insist on.
 */

/* Slot of the buffer starting at in-area offset off (trusted), O(1). */
static inline uint32_t
zcpool_off_slot(const struct zcpool *zp, uint64_t off)
{
	return rte_reciprocal_divide_u64(off - zp->base_off, &zp->stride_recip);
}

/*
 * mbuf owning the buffer of slot @slot, starting at in-area offset off (both
 * trusted), O(1): for a caller that has the slot already.
 */
static inline struct rte_mbuf *
zcpool_slot_mbuf(const struct zcpool *zp, uint32_t slot, uint64_t off)
{
	if (!zp->pinned)
		return (struct rte_mbuf *)(zp->area_addr + off - zp->buf_hdr);
	return zp->slot_obj[slot];
}

/* mbuf owning the buffer starting at in-area offset off (trusted), O(1). */
static inline struct rte_mbuf *
zcpool_buf_mbuf(const struct zcpool *zp, uint64_t off)
{
	/* Only a pinned pool needs the slot (the division). */
	return zcpool_slot_mbuf(zp, zp->pinned ? zcpool_off_slot(zp, off) : 0, off);
}

/*
 * Buffer ownership, for pools whose buffers a PMD hands to the application and
 * takes back through a refill ring (see drivers/net/zcrx and zcpool_track()).
 *
 * Each buffer has one 32-bit word: its owner in the low two bits and, above
 * them, the generation of its latest delivery to the application. Every delivery
 * (a receive, or a transmit completion handed back) starts a new generation; the
 * application names the delivery it returns by that generation (its token), so a
 * forged, duplicated or stale return is refused even while the buffer is held
 * again, as devmem TCP refuses stale tokens (io_uring zcrx's per-buffer count
 * cannot tell a stale duplicate from a real return).
 *
 * The legal transitions; every other one is refused and the caller counts it:
 *
 *   from        to      function               by
 *   FREE        KERNEL  zcpool_buf_to_kernel() fill from the pool       store (1)
 *   KERNEL      USER    zcpool_buf_deliver()   receive, new generation  store (2)
 *   KERNEL      FREE    zcpool_buf_reclaim()   socket teardown          store (2)
 *   USER        KERNEL  zcpool_buf_return()    refill entry, token ok   CAS
 *   USER        FREE    zcpool_buf_return()    ring drain, token ok     CAS
 *   USER, FREE  TX      zcpool_buf_send()      transmit in place        CAS
 *   TX          USER    zcpool_buf_sent()      completion handed back,  store (2)
 *                                              new generation
 *   TX          FREE    zcpool_buf_sent()      completion, last ref     store (2)
 *   USER, FREE  FREE    zcpool_buf_release()   free into the pool       CAS
 *
 * (1) A buffer just dequeued is its taker's alone (the mempool contract).
 * (2) A KERNEL or TX word is written only by the queue holding the buffer: every
 *     CAS above refuses those two states, so a plain store cannot lose a race.
 * A free of a buffer the kernel holds or is sending is refused (release_refused).
 */
enum zcpool_buf_state {
	ZCPOOL_BUF_FREE = 0,   /* In the pool, or allocated from it. */
	ZCPOOL_BUF_KERNEL,     /* In a fill ring or being received. */
	ZCPOOL_BUF_USER,       /* Delivered to the application. */
	ZCPOOL_BUF_TX,         /* Being sent in place. */
};

#define ZCPOOL_BUF_STATE_MASK 3u
#define ZCPOOL_BUF_GEN_SHIFT 2
/** Largest token; tokens run from 1 to this, then wrap to 1 (0 names no delivery). */
#define ZCPOOL_BUF_TOKEN_MAX (UINT32_MAX >> ZCPOOL_BUF_GEN_SHIFT)

static inline enum zcpool_buf_state
zcpool_word_state(uint32_t w)
{
	return (enum zcpool_buf_state)(w & ZCPOOL_BUF_STATE_MASK);
}

static inline uint32_t
zcpool_word_token(uint32_t w)
{
	return w >> ZCPOOL_BUF_GEN_SHIFT;
}

static inline uint32_t
zcpool_word(uint32_t token, enum zcpool_buf_state st)
{
	return token << ZCPOOL_BUF_GEN_SHIFT | st;
}

static inline uint32_t *
zcpool_buf_word(const struct zcpool *zp, uint32_t slot)
{
	return &zp->buf_state[slot];
}

/* FREE -> KERNEL: a buffer taken from the pool for a fill ring. */
static inline void
zcpool_buf_to_kernel(const struct zcpool *zp, uint32_t slot)
{
	uint32_t *w = zcpool_buf_word(zp, slot);

	__atomic_store_n(w, zcpool_word(zcpool_word_token(*w), ZCPOOL_BUF_KERNEL),
			 __ATOMIC_RELAXED);
}

/* KERNEL -> FREE: a buffer the kernel gave back unused (socket teardown). */
static inline void
zcpool_buf_reclaim(const struct zcpool *zp, uint32_t slot)
{
	uint32_t *w = zcpool_buf_word(zp, slot);

	__atomic_store_n(w, zcpool_word(zcpool_word_token(*w), ZCPOOL_BUF_FREE),
			 __ATOMIC_RELAXED);
}

/* Next delivery's token: one more, wrapping past ZCPOOL_BUF_TOKEN_MAX to 1. */
static inline uint32_t
zcpool_next_token(uint32_t w)
{
	uint32_t t = (zcpool_word_token(w) + 1) & ZCPOOL_BUF_TOKEN_MAX;

	return t + (t == 0);
}

/* KERNEL -> USER: a received buffer goes to the application. Returns its token. */
static inline uint32_t
zcpool_buf_deliver(const struct zcpool *zp, uint32_t slot)
{
	uint32_t *w = zcpool_buf_word(zp, slot);
	uint32_t t = zcpool_next_token(*w);

	__atomic_store_n(w, zcpool_word(t, ZCPOOL_BUF_USER), __ATOMIC_RELAXED);
	return t;
}

/*
 * USER -> to (KERNEL or FREE): the application returns delivery @token.
 * On refusal, *seen is the word found (the caller tells "not the application's"
 * from "stale token" by its state).
 */
static inline bool
zcpool_buf_return(const struct zcpool *zp, uint32_t slot, uint32_t token,
		  enum zcpool_buf_state to, uint32_t *seen)
{
	uint32_t want = zcpool_word(token, ZCPOOL_BUF_USER);

	if (unlikely(token > ZCPOOL_BUF_TOKEN_MAX)) {
		*seen = __atomic_load_n(zcpool_buf_word(zp, slot), __ATOMIC_RELAXED);
		return false;
	}
	/* Acquire: the application's last use of the buffer before the kernel's. */
	if (likely(__atomic_compare_exchange_n(zcpool_buf_word(zp, slot), &want,
					       zcpool_word(token, to), false,
					       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)))
		return true;
	*seen = want;
	return false;
}

/* Move a word whose state is one of @from (a bit mask of states) to @to, keeping its token. */
static inline bool
zcpool_buf_move(const struct zcpool *zp, uint32_t slot, uint32_t from, enum zcpool_buf_state to)
{
	uint32_t *w = zcpool_buf_word(zp, slot);
	uint32_t old = __atomic_load_n(w, __ATOMIC_RELAXED);

	do {
		if (unlikely((RTE_BIT32(zcpool_word_state(old)) & from) == 0))
			return false;
		if (zcpool_word_state(old) == to)
			return true;   /* Nothing to write (a free of an allocated buffer). */
	} while (unlikely(!__atomic_compare_exchange_n(w, &old,
			zcpool_word(zcpool_word_token(old), to), false,
			__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)));
	return true;
}

#define ZCPOOL_BUF_APP (RTE_BIT32(ZCPOOL_BUF_USER) | RTE_BIT32(ZCPOOL_BUF_FREE))

/* USER or FREE -> TX: the application sends the buffer in place. */
static inline bool
zcpool_buf_send(const struct zcpool *zp, uint32_t slot)
{
	return zcpool_buf_move(zp, slot, ZCPOOL_BUF_APP, ZCPOOL_BUF_TX);
}

/*
 * TX -> USER (handed back, a new delivery: returns its token) or TX -> FREE
 * (about to be freed, when the completion holds the last reference).
 */
static inline uint32_t
zcpool_buf_sent(const struct zcpool *zp, uint32_t slot, enum zcpool_buf_state to)
{
	uint32_t *w = zcpool_buf_word(zp, slot);
	uint32_t t = to == ZCPOOL_BUF_USER ? zcpool_next_token(*w) : zcpool_word_token(*w);

	__atomic_store_n(w, zcpool_word(t, to), __ATOMIC_RELAXED);
	return t;
}

/* USER or FREE -> FREE: a free; false (refused) when the kernel holds or sends it. */
static inline bool
zcpool_buf_release(const struct zcpool *zp, uint32_t slot)
{
	return zcpool_buf_move(zp, slot, ZCPOOL_BUF_APP, ZCPOOL_BUF_FREE);
}

/* Token of the delivery the application holds (meaningful while USER). */
static inline uint32_t
zcpool_buf_token(const struct zcpool *zp, uint32_t slot)
{
	return zcpool_word_token(__atomic_load_n(zcpool_buf_word(zp, slot), __ATOMIC_RELAXED));
}

/*
 * Start tracking buffer states (idempotent). Needs a populated mbuf pool in one
 * area, without a DPDK mempool cache, so that every free reaches the driver.
 * 0, -EINVAL, -ENOTSUP (buffers in several areas) or -ENOMEM.
 */
__rte_internal
int zcpool_track(struct rte_mempool *mp);

/* Slot of an mbuf of this (pktmbuf) pool, O(1). */
static inline uint32_t
zcpool_mbuf_slot(const struct zcpool *zp, const struct rte_mbuf *m)
{
	return zcpool_off_slot(zp, (uint64_t)((const char *)m->buf_addr - zp->area_addr));
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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/membarrier.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "zcpool_pvt.h"

RTE_LOG_REGISTER(zcpool_logtype, pmd.mempool.zcpool, NOTICE);

/*
 * The mempool contract: enqueue never fails (the ring has room for every object
 * of the pool), dequeue is all-or-nothing, get_count is exact when the pool is
 * idle, and every object get_count counts can be obtained from any lcore.
 *
 * Each lcore owns a LIFO cache in front of the shared ring, as each NAPI context
 * owns page_pool's alloc cache. The owner takes no lock: it marks its cache busy
 * with a plain store and checks that nobody is stealing. A stealer (an lcore that
 * found the ring dry) flags the caches, then calls membarrier(), which runs a full
 * barrier on every thread of the process: after it, either the owner sees the
 * flag and keeps out, or the stealer sees the owner busy and waits. So the rare
 * steal pays a system call and the common path pays no locked instruction
 * (a spinlock costs two here: rte_spinlock_unlock() is an xchg on x86).
 * Without membarrier, or in a secondary process, the caches are off.
 */

static bool lcaches_on;

static void
lcaches_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	lcaches_on = rte_eal_process_type() == RTE_PROC_PRIMARY &&
		syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	if (!lcaches_on)
		ZCPOOL_LOG(INFO, "lcore caches off (%s): every call uses the ring\n",
			   rte_eal_process_type() != RTE_PROC_PRIMARY ? "secondary process" :
			   "no membarrier()");
}

/*
 * A secondary process's lcore ids are its own and its threads are outside the
 * primary's membarrier(): it uses the ring and counts as non-EAL threads do
 * (atomically, in any_stats), never touching a primary lcore's cache or counters.
 */
static inline unsigned int
caller_lcore(void)
{
	if (likely(lcaches_on) || rte_eal_process_type() == RTE_PROC_PRIMARY)
		return rte_lcore_id();
	return LCORE_ID_ANY;
}

static inline bool
lcache_enter(struct zcpool_lcache *c)
{
	__atomic_store_n(&c->busy, 1, __ATOMIC_RELAXED);
	/* The stealer's membarrier() orders this store before the load below. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (likely(__atomic_load_n(&c->steal, __ATOMIC_ACQUIRE) == 0))
		return true;
	__atomic_store_n(&c->busy, 0, __ATOMIC_RELEASE);
	return false;
}

static inline void
lcache_exit(struct zcpool_lcache *c)
{
	/* Publish the cache contents to a stealer that waits for busy == 0. */
	__atomic_store_n(&c->busy, 0, __ATOMIC_RELEASE);
}

/* A single pointer is the usual driver-path request: no libc call for it. */
static inline void
copy_objs(void **dst, void * const *src, unsigned int n)
{
	if (n == 1)
		dst[0] = src[0];
	else
		memcpy(dst, src, n * sizeof(src[0]));
}

/* Owner-side lcore cache, or NULL when this call must use the ring. */
static inline struct zcpool_lcache *
lcache_get(struct zcpool *zp, unsigned int n, unsigned int lcore)
{
	struct zcpool_lcache *c;

	/* lcache_size is 0 when caches are off; non-EAL threads have none. */
	if (unlikely(n > zp->lcache_size || lcore >= RTE_MAX_LCORE || !lcaches_on))
		return NULL;
	c = &zp->lcache[lcore];
	return likely(lcache_enter(c)) ? c : NULL;
}

/*
 * Slow paths count atomically: non-EAL threads share one set of counters. The
 * fast paths update their own lcore's counters inside the busy section.
 */
#define COUNT(zp, lcore, name, n) \
	__atomic_fetch_add(&((lcore) < RTE_MAX_LCORE ? &(zp)->lcache[lcore].stats : \
			     &(zp)->any_stats)->name, (n), __ATOMIC_RELAXED)

static __rte_noinline int
enqueue_ring(struct zcpool *zp, void * const *objs, unsigned int n, unsigned int lcore)
{
	/* Cannot fail: the ring has room for every object of the pool. */
	rte_ring_enqueue_bulk(zp->ring, objs, n, NULL);
	COUNT(zp, lcore, recycle_ring, n);
	return 0;
}

static __rte_noinline void
lcache_flush(struct zcpool *zp, struct zcpool_lcache *c)
{
	/* Flush all at once, as the mempool cache does: one ring op per cache. */
	rte_ring_enqueue_bulk(zp->ring, c->objs, c->len, NULL);
	c->stats.recycle_ring += c->len;
	c->stats.recycle_cache_full++;
	c->len = 0;
}

/*
 * Tracked pools: a freed buffer becomes FREE, unless the kernel holds it or is
 * sending it (the application returned it through a refill ring or sent it, and
 * freed it too): that one stays out of the pool. Returns how many of objs may
 * enter the pool, after moving them to the front of tmp.
 */
static __rte_noinline unsigned int
track_release(struct zcpool *zp, void * const *objs, unsigned int n, void **tmp,
	      unsigned int lcore)
{
	unsigned int i, ok = 0;

	for (i = 0; i < n; i++) {
		if (unlikely(!zcpool_buf_release(zp, zcpool_mbuf_slot(zp, objs[i])))) {
			COUNT(zp, lcore, release_refused, 1);
			continue;
		}
		tmp[ok++] = objs[i];
	}
	return ok;
}

static inline int
enqueue_objs(struct zcpool *zp, void * const *objs, unsigned int n, unsigned int lcore)
{
	struct zcpool_lcache *c = lcache_get(zp, n, lcore);

	if (unlikely(c == NULL))
		return enqueue_ring(zp, objs, n, lcore);
	if (unlikely(c->len + n > zp->lcache_size))
		lcache_flush(zp, c);
	copy_objs(&c->objs[c->len], objs, n);
	c->len += n;
	c->stats.recycle_cached += n;
	lcache_exit(c);
	return 0;
}

static __rte_noinline int
enqueue_tracked(struct zcpool *zp, void * const *objs, unsigned int n, unsigned int lcore)
{
	void *tmp[ZCPOOL_LCACHE_MAX];
	unsigned int done, k, ok;

	for (done = 0; done < n; done += k) {
		k = RTE_MIN(n - done, RTE_DIM(tmp));
		ok = track_release(zp, &objs[done], k, tmp, lcore);
		if (ok != 0)
			enqueue_objs(zp, tmp, ok, lcore);
	}
	return 0;
}

static int
zcpool_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	struct zcpool *zp = zcpool_of(mp);
	unsigned int lcore = caller_lcore();

	if (unlikely(zp->buf_state != NULL))
		return enqueue_tracked(zp, objs, n, lcore);
	return enqueue_objs(zp, objs, n, lcore);
}

/*
 * The ring alone cannot serve n: move every lcore cache into it and try once
 * more. objs is written only on success: DPDK's mempool cache passes its own
 * array and relies on it being intact after a failure.
 */
static __rte_noinline int
dequeue_slow(struct zcpool *zp, void **objs, unsigned int n, unsigned int lcore)
{
	unsigned int i;

	if (rte_ring_dequeue_bulk(zp->ring, objs, n, NULL) == n)
		goto out;
	/*
	 * rte_mempool_free() dequeues once per object it ever populated, held ones
	 * included: a steal (a membarrier, an IPI to every CPU) per held buffer made
	 * a forced destroy's cost grow with the buffers in flight (1-50 us each).
	 */
	if (unlikely(zp->freeing))
		return -ENOBUFS;
	if (zp->lcache_size != 0 && lcaches_on) {
		pthread_mutex_lock(&zp->steal_lock);
		for (i = 0; i < RTE_MAX_LCORE; i++)
			if (__atomic_load_n(&zp->lcache[i].len, __ATOMIC_RELAXED) != 0)
				__atomic_store_n(&zp->lcache[i].steal, 1, __ATOMIC_RELAXED);
		/* Cannot fail once registered (lcaches_on); see the top of the file. */
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		for (i = 0; i < RTE_MAX_LCORE; i++) {
			struct zcpool_lcache *c = &zp->lcache[i];

			if (__atomic_load_n(&c->steal, __ATOMIC_RELAXED) == 0)
				continue;
			while (__atomic_load_n(&c->busy, __ATOMIC_ACQUIRE) != 0)
				rte_pause();
			rte_ring_enqueue_bulk(zp->ring, c->objs, c->len, NULL);
			c->len = 0;
			__atomic_store_n(&c->steal, 0, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&zp->steal_lock);
	}
	if (unlikely(rte_ring_dequeue_bulk(zp->ring, objs, n, NULL) == 0)) {
		COUNT(zp, lcore, alloc_empty, 1);
		return -ENOBUFS;
	}
out:
	COUNT(zp, lcore, alloc_slow, n);
	return 0;
}

static int
zcpool_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct zcpool *zp = zcpool_of(mp);
	unsigned int lcore = caller_lcore();
	struct zcpool_lcache *c = lcache_get(zp, n, lcore);

	if (unlikely(c == NULL))
		return dequeue_slow(zp, objs, n, lcore);
	if (unlikely(c->len < n)) {
		/* Refill in a batch, page_pool style; the ring is lock-free. */
		unsigned int got = rte_ring_dequeue_burst(zp->ring, &c->objs[c->len],
			RTE_MIN(zp->lcache_refill + n - c->len, zp->lcache_size - c->len), NULL);

		c->len += got;
		c->stats.alloc_refill += got;
		if (unlikely(c->len < n)) {
			lcache_exit(c);
			return dequeue_slow(zp, objs, n, lcore);
		}
	}
	c->len -= n;
	copy_objs(objs, &c->objs[c->len], n);
	c->stats.alloc_fast += n;
	lcache_exit(c);
	return 0;
}

static unsigned int
zcpool_get_count(const struct rte_mempool *mp)
{
	const struct zcpool *zp = zcpool_of(mp);
	unsigned int count = rte_ring_count(zp->ring);
	unsigned int i;

	if (zp->lcache_size != 0)
		for (i = 0; i < RTE_MAX_LCORE; i++)
			count += __atomic_load_n(&zp->lcache[i].len, __ATOMIC_RELAXED);
	return count;
}

static unsigned int
choose_lcache_size(const struct rte_mempool *mp)
{
	lcaches_init();
	/* Keep at most half of the pool parked in lcore caches. */
	unsigned int size = mp->size / (2 * RTE_MAX(rte_lcore_count(), 1u));

	size = RTE_MIN(size, (unsigned int)ZCPOOL_LCACHE_MAX) & ~1u;
	return size < ZCPOOL_LCACHE_MIN ? 0 : size;
}

/* Carve a span of the area holding mp->size buffers that DMA can reach. */
static int
carve_span(struct zcpool *zp, const struct rte_mempool *mp)
{
	uint32_t slots = mp->size, usable, i;
	int ret;

	for (;;) {
		ret = zc_area_carve(zp->area, (size_t)slots * zp->stride, 0, &zp->span_off);
		if (ret < 0) {
			ZCPOOL_LOG(ERR, "pool %s: area %s has no free span for %u buffers of %u bytes\n",
				   mp->name, zp->area->name, mp->size, zp->stride);
			return ret;
		}
		/* In IOVA-as-PA mode a buffer across a discontinuity is a hole. */
		for (usable = 0, i = 0; i < slots; i++)
			usable += zc_area_range_dma_ok(zp->area, zp->span_off + (uint64_t)i * zp->stride,
						       zp->buf_len);
		if (usable >= mp->size)
			break;
		zc_area_uncarve(zp->area, zp->span_off);
		slots += mp->size - usable + 1;
	}
	zp->nb_slots = slots;
	zp->base_off = zp->span_off;
	return 0;
}

/*
 * rte_mempool_free() empties the pool before calling our free op, so the number
 * of buffers still held is taken from its destroy event, which comes first.
 */
static void
mempool_event(enum rte_mempool_event event, struct rte_mempool *mp, void *arg)
{
	RTE_SET_USED(arg);
	if (event == RTE_MEMPOOL_EVENT_DESTROY && zc_pool_is_zcpool(mp)) {
		zcpool_of(mp)->held_at_free = zcpool_held(mp);
		zcpool_of(mp)->freeing = true;
	}
}

static int
watch_destroys(void)
{
	static bool registered;
	static rte_spinlock_t lock = RTE_SPINLOCK_INITIALIZER;
	int ret = 0;

	rte_spinlock_lock(&lock);
	if (!registered) {
		ret = rte_mempool_event_callback_register(mempool_event, NULL);
		registered = ret == 0;
	}
	rte_spinlock_unlock(&lock);
	return ret < 0 ? -rte_errno : 0;
}

static int
zcpool_alloc(struct rte_mempool *mp)
{
	const struct zc_pool_config *cfg = mp->pool_config;
	char ring_name[RTE_RING_NAMESIZE];
	struct zcpool *zp;
	int ret = -ENOMEM;

	/* Areas (zc_area.h) live in the primary process, and so do the pools over them. */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		ZCPOOL_LOG(ERR, "pool %s: zcpool pools are created by the primary process only (their areas live there); create it there, or use another mempool driver here (ring_mp_mc)\n",
			   mp->name);
		return -ENOTSUP;
	}
	if (cfg != NULL && (cfg->area == NULL || cfg->buf_size == 0)) {
		ZCPOOL_LOG(ERR, "pool %s: configuration needs an area and a buffer size\n",
			   mp->name);
		return -EINVAL;
	}
	ret = watch_destroys();
	if (ret < 0)
		return ret;
	ret = -ENOMEM;
	zp = rte_zmalloc_socket("zcpool", sizeof(*zp), RTE_CACHE_LINE_SIZE, mp->socket_id);
	if (zp == NULL)
		return -ENOMEM;
	zp->mp = mp;
	pthread_mutex_init(&zp->steal_lock, NULL);
	snprintf(ring_name, sizeof(ring_name), "ZC%s", mp->name);
	zp->ring = rte_ring_create(ring_name, rte_align32pow2(mp->size + 1), mp->socket_id, 0);
	if (zp->ring == NULL) {
		ret = -rte_errno;
		ZCPOOL_LOG(ERR, "pool %s: cannot create ring: %s\n", mp->name, rte_strerror(rte_errno));
		goto err_free;
	}
	zp->lcache_size = choose_lcache_size(mp);
	zp->lcache_refill = zp->lcache_size / 2;
	if (cfg != NULL) {
		zp->pinned = true;
		zp->pktmbuf = true;
		zp->area = cfg->area;
		zp->area_addr = zc_area_addr(cfg->area);
		zp->buf_len = cfg->buf_size;
		zp->stride = RTE_ALIGN_CEIL(cfg->buf_size, RTE_CACHE_LINE_SIZE);
		zp->stride_recip = rte_reciprocal_value_u64(zp->stride);
		ret = carve_span(zp, mp);
		if (ret < 0)
			goto err_ring;
		zp->slot_obj = rte_zmalloc_socket("zcpool_slots", zp->nb_slots * sizeof(void *),
						  0, mp->socket_id);
		if (zp->slot_obj == NULL) {
			ret = -ENOMEM;
			goto err_uncarve;
		}
		zp->slot_cap = zp->nb_slots;
	}
	mp->pool_data = zp;
	zcpool_register(zp);
	return 0;

err_uncarve:
	zc_area_uncarve(zp->area, zp->span_off);
err_ring:
	rte_ring_free(zp->ring);
err_free:
	pthread_mutex_destroy(&zp->steal_lock);
	rte_free(zp);
	return ret;
}

static void
zcpool_free(struct rte_mempool *mp)
{
	struct zcpool *zp = zcpool_of(mp);
	unsigned int held;

	if (zp == NULL)
		return;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		ZCPOOL_LOG(ERR, "pool %s: freed by a secondary process; its areas and buffer states stay with the primary process, which frees the pool\n",
			   mp->name);
		return;
	}
	held = zp->held_at_free;
	zcpool_unregister(zp);
	if (held != 0 && !zp->forced)
		ZCPOOL_LOG(ERR, "pool %s freed with %u buffers still held by the application: their mbuf headers are gone%s; use zc_pool_destroy() to wait for them\n",
			   mp->name, held,
			   zp->pinned ? ", their data buffers are kept" : " with the pool memory");
	if (zp->pinned) {
		/* Keep the span (and so the area) while data buffers may be in use. */
		if (held == 0 || zp->forced)
			zc_area_uncarve(zp->area, zp->span_off);
	} else {
		/* DPDK has freed the memzones already: nothing may still map them. */
		struct zc_area_info info;
		uint32_t i;

		for (i = 0; i < zp->nb_segs; i++) {
			zc_area_info_get(zp->segs[i].area, &info);
			if (info.nb_devices != 0)
				ZCPOOL_LOG(ERR, "pool %s freed while its memory (area %s) is bound to %u devices\n",
					   mp->name, info.name, info.nb_devices);
			zc_area_put(zp->segs[i].area);
		}
	}
	rte_ring_free(zp->ring);
	rte_free(zp->buf_state);
	rte_free(zp->slot_obj);
	pthread_mutex_destroy(&zp->steal_lock);
	rte_free(zp);
	mp->pool_data = NULL;
}

/*
 * Objects sit on a grid of fixed stride starting at each segment's memory, so
 * that an object's slot is (address - segment start) / stride. A slot that would
 * straddle two chunks of a segment (an IOVA discontinuity) stays empty: at most
 * one hole per chunk.
 */
static ssize_t
zcpool_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num, uint32_t pg_shift,
		     size_t *min_chunk_size, size_t *align)
{
	size_t stride = mp->header_size + mp->elt_size + mp->trailer_size;
	size_t pg = (size_t)1 << pg_shift, mem = stride * obj_num;

	/*
	 * Chunks split only where IOVA is not contiguous, which IOVA-as-VA rules out.
	 * Otherwise at most one slot per page boundary is lost: s slots over m bytes
	 * keep m / stride - m / pg - 1 of them.
	 */
	if (pg_shift != 0 && rte_eal_iova_mode() != RTE_IOVA_VA && stride < pg)
		mem = (uint64_t)(obj_num + 1) * stride * pg / (pg - stride) + stride;
	*min_chunk_size = stride;
	*align = RTE_MEMPOOL_ALIGN;
	return mem;
}

static bool
is_pktmbuf_pool(const struct rte_mempool *mp)
{
	const struct rte_pktmbuf_pool_private *p = rte_mempool_get_priv((struct rte_mempool *)mp);

	return mp->private_data_size >= sizeof(*p) &&
	       mp->elt_size == sizeof(struct rte_mbuf) + p->mbuf_priv_size + p->mbuf_data_room_size;
}

/* Layout of an embedded pool, from its first chunk on. */
static void
embed_layout(struct rte_mempool *mp, struct zcpool *zp)
{
	zp->stride = mp->header_size + mp->elt_size + mp->trailer_size;
	zp->stride_recip = rte_reciprocal_value_u64(zp->stride);
	zp->pktmbuf = is_pktmbuf_pool(mp);
	/* Buffer = whole object, or an mbuf's data room right after its header. */
	zp->base_off = mp->header_size;
	zp->buf_len = mp->elt_size;
	if (zp->pktmbuf) {
		zp->buf_hdr = sizeof(struct rte_mbuf) + rte_pktmbuf_priv_size(mp);
		zp->base_off += zp->buf_hdr;
		zp->buf_len -= zp->buf_hdr;
	}
}

/*
 * Name of segment k's area: "mp_<pool>" for the first, "mp_<pool>.<k>" after it,
 * or, when that is too long, the pool name cut short and a hash of the whole, so
 * that pools whose long names share a start do not collide.
 */
static void
seg_area_name(char buf[ZC_AREA_NAMESIZE], const char *pool, uint32_t k)
{
	char full[RTE_MEMPOOL_NAMESIZE + 16];
	uint32_t h = 2166136261u;
	const char *p;

	if (k == 0)
		snprintf(full, sizeof(full), "mp_%s", pool);
	else
		snprintf(full, sizeof(full), "mp_%s.%u", pool, k);
	if (strlen(full) < ZC_AREA_NAMESIZE) {
		strcpy(buf, full);
		return;
	}
	/* FNV-1a. k < ZCPOOL_SEGS_MAX: the modulo only tells the compiler so. */
	RTE_BUILD_BUG_ON(ZCPOOL_SEGS_MAX > 100);
	for (p = pool; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(buf, ZC_AREA_NAMESIZE, "mp_%.16s%08x.%u", pool, h, k % 100);
}

/* Room for nb slots; geometric, since a pool may come in many small pieces. */
static int
reserve_slots(struct zcpool *zp, uint64_t nb)
{
	uint64_t cap = RTE_MAX(nb, 2 * (uint64_t)zp->slot_cap);
	void **t;

	if (nb <= zp->slot_cap)
		return 0;
	if (nb > UINT32_MAX)
		return -ERANGE;
	cap = RTE_MIN(cap, (uint64_t)UINT32_MAX);
	t = rte_realloc_socket(zp->slot_obj, cap * sizeof(void *), 0, zp->mp->socket_id);
	if (t == NULL)
		return -ENOMEM;
	memset(&t[zp->slot_cap], 0, (cap - zp->slot_cap) * sizeof(void *));
	zp->slot_obj = t;
	zp->slot_cap = cap;
	return 0;
}

/* A chunk that follows the last segment (the next IOVA run of a memzone) extends it. */
static int
embed_grow(struct zcpool *zp, struct zcpool_seg *s, size_t len, rte_iova_t iova)
{
	uint64_t nb = (s->area->len + len) / zp->stride;
	int ret;

	ret = reserve_slots(zp, s->first_slot + nb);
	if (ret == 0)
		ret = zc_area_grow(s->area, len, iova);
	if (ret < 0)
		return ret;
	s->nb_slots = nb;
	zp->nb_slots = s->first_slot + nb;
	return 0;
}

/* Any other chunk starts a segment over an area of its own. */
static int
embed_new_seg(struct rte_mempool *mp, struct zcpool *zp, char *va, size_t len, rte_iova_t iova)
{
	char name[ZC_AREA_NAMESIZE];
	struct zcpool_seg *s;
	struct zc_area *area;
	uint32_t i;
	int ret;

	if (zp->nb_segs == ZCPOOL_SEGS_MAX) {
		ZCPOOL_LOG(ERR, "pool %s: memory came in more than %u separate pieces; reserve more hugepages or make the pool smaller\n",
			   mp->name, ZCPOOL_SEGS_MAX);
		return -E2BIG;
	}
	ret = reserve_slots(zp, (uint64_t)zp->nb_slots + len / zp->stride);
	if (ret < 0)
		return ret;
	seg_area_name(name, mp->name, zp->nb_segs);
	area = zc_area_adopt(name, va, len, iova, mp->socket_id);
	if (area == NULL)
		return -rte_errno;
	s = &zp->segs[zp->nb_segs];
	s->area = area;
	s->first_slot = zp->nb_slots;
	s->nb_slots = len / zp->stride;
	/* Keep the address order for lookups: insertion, segments are few. */
	for (i = zp->nb_segs; i > 0; i--) {
		if ((char *)zp->segs[zp->seg_by_addr[i - 1]].area->addr < va)
			break;
		zp->seg_by_addr[i] = zp->seg_by_addr[i - 1];
	}
	zp->seg_by_addr[i] = zp->nb_segs;
	zp->nb_segs++;
	zp->nb_slots += s->nb_slots;
	if (zp->area == NULL) {
		zp->area = area;
		zp->area_addr = va;
	}
	return 0;
}

/*
 * Take a chunk of an embedded pool: the segment it belongs to in *segp, or NULL
 * when it holds no object (then the pool does not keep it).
 *
 * Why segments, and not one virtual range the chunks are mapped into: DPDK's
 * memzones are never adjacent (malloc headers lie between them), so one range
 * would mean mapping each chunk a second time from its hugepage file. Objects
 * would then live at addresses EAL does not know: rte_mem_virt2memseg() and
 * rte_mem_virt2iova() fail on them, rte_mempool_mem_iter() reports other
 * addresses than the objects', and PMDs that register memory by chunk (mlx5,
 * net_af_xdp) or share it by memseg (vhost, virtio-user) break; memory without
 * a file (anonymous --no-huge) cannot be mapped twice at all. With segments the
 * objects stay where DPDK put them. The common case, one segment, keeps the
 * O(1) conversions and the fast path exactly as they were; several segments cost
 * a binary search among at most ZCPOOL_SEGS_MAX in the conversions (see
 * zcpool_create.c), and whatever needs one area (geometry, tracking, an AF_XDP
 * UMEM) refuses such a pool.
 */
static int
embed_chunk(struct rte_mempool *mp, struct zcpool *zp, char *va, size_t len, rte_iova_t iova,
	    struct zcpool_seg **segp)
{
	struct zcpool_seg *last = zp->nb_segs != 0 ? &zp->segs[zp->nb_segs - 1] : NULL;
	int ret;

	*segp = NULL;
	if (zp->stride == 0)
		embed_layout(mp, zp);
	/* Grown even without an object of its own: a later chunk may follow it. */
	if (last != NULL && va == (char *)last->area->addr + last->area->len) {
		ret = embed_grow(zp, last, len, iova);
		*segp = last;
		return ret;
	}
	if (len / zp->stride == 0)
		return 0;
	ret = embed_new_seg(mp, zp, va, len, iova);
	if (ret == 0)
		*segp = &zp->segs[zp->nb_segs - 1];
	return ret;
}

/*
 * Never fails with an error: DPDK 22.11's rte_mempool_populate_iova() keeps a
 * chunk whose populate returned one (it stores the result in an unsigned), so
 * that the caller's cleanup and the pool's free would both free it. A chunk we
 * cannot take is refused as too small (0), and so is every later one: DPDK then
 * frees each memzone once and fails the pool with ENOBUFS.
 */
static int
zcpool_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr, rte_iova_t iova,
		size_t len, rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg)
{
	struct zcpool *zp = zcpool_of(mp);
	size_t stride = mp->header_size + mp->elt_size + mp->trailer_size;
	char *va = vaddr, *grid = va;
	struct zcpool_seg *seg = NULL;
	unsigned int count = 0;
	size_t slot, end;
	int ret;

	if (!zp->pinned) {
		/* Headers and buffers together: slots index their segment's grid. */
		if (zp->populate_failed)
			return 0;
		ret = embed_chunk(mp, zp, va, len, iova, &seg);
		if (ret < 0) {
			if (ret != -E2BIG)
				ZCPOOL_LOG(ERR, "pool %s: cannot take a memory chunk of %zu bytes: %s\n",
					   mp->name, len, rte_strerror(-ret));
			zp->populate_failed = true;
			return 0;
		}
		if (seg == NULL)
			return 0;
		grid = seg->area->addr;
	}
	/* Pinned pools hold headers only here: pack each chunk from its start. */
	end = (va + len - grid) / stride;
	for (slot = (va - grid + stride - 1) / stride; count < max_objs && slot < end; slot++) {
		char *obj = grid + slot * stride + mp->header_size;

		obj_cb(mp, obj_cb_arg, obj,
		       iova == RTE_BAD_IOVA ? RTE_BAD_IOVA : iova + (obj - va));
		if (seg != NULL)
			zp->slot_obj[seg->first_slot + slot] = obj;
		/* Straight to the ring: populating is not recycling. */
		rte_ring_enqueue(zp->ring, obj);
		count++;
	}
	return count;
}

int
zcpool_track(struct rte_mempool *mp)
{
	struct zcpool *zp;

	if (!zc_pool_is_zcpool(mp) || zcpool_of(mp)->area == NULL || !zcpool_of(mp)->pktmbuf ||
	    mp->cache_size != 0)
		return -EINVAL;
	zp = zcpool_of(mp);
	/* Buffer states are indexed through the one area (zcpool_mbuf_slot()). */
	if (zp->nb_segs > 1)
		return -ENOTSUP;
	if (zp->buf_state != NULL)
		return 0;
	zp->buf_state = rte_zmalloc_socket("zcpool_state", zp->nb_slots * sizeof(*zp->buf_state),
					   RTE_CACHE_LINE_SIZE, mp->socket_id);
	return zp->buf_state != NULL ? 0 : -ENOMEM;
}

const struct rte_mempool_ops zcpool_ops = {
	.name = ZC_POOL_OPS_NAME,
	.alloc = zcpool_alloc,
	.free = zcpool_free,
	.enqueue = zcpool_enqueue,
	.dequeue = zcpool_dequeue,
	.get_count = zcpool_get_count,
	.calc_mem_size = zcpool_calc_mem_size,
	.populate = zcpool_populate,
};

RTE_MEMPOOL_REGISTER_OPS(zcpool_ops);

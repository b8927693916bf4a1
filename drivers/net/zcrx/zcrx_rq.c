/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <pthread.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "zc_rq.h"
#include "zcrx_pvt.h"

/*
 * The refill queue (public layout in zc_rq.h). The PMD is the single consumer:
 * it drains the ring into the fill ring before taking buffers from the pool, and
 * trusts nothing in it. An entry is used only if its pad is zero, it names this
 * queue's area, the offset is exactly a buffer start of the queue's pool, and
 * zcpool moves the buffer from USER with the entry's token to KERNEL in one
 * compare-and-swap. So a forged, duplicated or stale entry fails one of these,
 * is skipped and counted, and can never put a buffer in the fill ring twice or
 * take one the application holds again.
 *
 * No speculation barrier after the bounds checks: the producer is a thread of
 * this process, with nothing to learn from our loads that it cannot read itself.
 */

struct zcrx_rq {
	/* Read by the producer's calls. */
	struct rte_mempool *mp;   /* The queue's pool, tracked by zcpool. */
	const struct zcpool *zp;
	uint32_t refs;            /* The queue's and each zc_rq_get() caller's. */
	pthread_mutex_t lock;     /* Detach against a post that raced it. */
	/* The consumer's own head (ring.head only publishes it), on its own line. */
	uint32_t head __rte_cache_aligned;
	bool corrupt_logged;
	struct zc_rq ring;        /* Last: entries follow. */
};

static struct zcrx_rq *
rq_of(struct zc_rq *ring)
{
	return container_of(ring, struct zcrx_rq, ring);
}

static void
rq_unref(struct zcrx_rq *r)
{
	if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		pthread_mutex_destroy(&r->lock);
		rte_free(r);
	}
}

int
zcrx_rq_attach(struct zcrx_dev *zd, struct zcrx_rxq *rxq)
{
	const struct zcpool *zp = rxq->frames.zp;
	struct zcrx_rq *r;
	int ret;

	if (zd->rq_entries == 0 || rxq->copy)
		return 0;
	if (rxq->mp->cache_size != 0) {
		ZCRX_LOG(NOTICE, "rx queue %u: no refill ring, because pool %s has a mempool cache (frees would bypass the pool); create it with cache_size 0\n",
			 rxq->queue_id, rxq->mp->name);
		return 0;
	}
	ret = zcpool_track(rxq->mp);
	if (ret < 0)
		return ret;
	r = rte_zmalloc_socket("zcrx_rq", sizeof(*r) + zd->rq_entries * sizeof(struct zc_rq_entry),
			       RTE_CACHE_LINE_SIZE, rxq->mp->socket_id);
	if (r == NULL)
		return -ENOMEM;
	r->refs = 1;
	pthread_mutex_init(&r->lock, NULL);
	r->mp = rxq->mp;
	r->zp = zp;
	r->ring.size = zd->rq_entries;
	r->ring.mask = zd->rq_entries - 1;
	r->ring.area_id = zp->area->id;
	r->ring.port_id = rxq->port_id;
	r->ring.queue_id = rxq->queue_id;
	r->ring.area_base = (uintptr_t)zp->area->addr;
	r->ring.area_len = zp->area->len;
	rxq->rq = r;
	return 0;
}

/* Slot named by a refill entry, or -1 if the entry is not a buffer of the pool. */
static inline int64_t
entry_slot(const struct zcrx_rq *r, const struct zc_rq_entry *e)
{
	const struct zcpool *zp = r->zp;
	uint64_t off = zc_area_off_bytes(e->off), rel;
	uint32_t slot;

	if (unlikely(e->pad != 0 || zc_area_off_id(e->off) != r->ring.area_id ||
		     off < zp->base_off))
		return -1;
	rel = off - zp->base_off;
	slot = zcpool_off_slot(zp, off);
	if (unlikely(slot >= zp->nb_slots || (uint64_t)slot * zp->stride != rel ||
		     zp->slot_obj[slot] == NULL))
		return -1;
	return slot;
}

/*
 * Move the buffer an entry names from the application to @to (KERNEL or FREE).
 * Returns its slot, or -1 for a refused entry (counted by why).
 */
static inline int64_t
entry_take(struct zcrx_rxq *rxq, const struct zc_rq_entry *e, enum zcpool_buf_state to)
{
	int64_t slot = entry_slot(rxq->rq, e);
	uint32_t seen;

	if (unlikely(slot < 0)) {
		rxq->stats.rq_invalid++;
		return -1;
	}
	if (unlikely(!zcpool_buf_return(rxq->rq->zp, slot, e->token, to, &seen))) {
		if (zcpool_word_state(seen) == ZCPOOL_BUF_USER)
			rxq->stats.rq_stale++;
		else
			rxq->stats.rq_not_owned++;
		return -1;
	}
	return slot;
}

/*
 * Give the buffers of n entries from the consumer's head back to the pool
 * (detach, corruption), then move the head to @tail.
 */
static void
rq_drain(struct zcrx_rxq *rxq, uint32_t n, uint32_t tail)
{
	struct zcrx_rq *r = rxq->rq;
	struct zc_rq *q = &r->ring;
	void *objs[ZCRX_BURST];
	unsigned int k = 0;
	int64_t slot;
	uint32_t i;

	for (i = 0; i < n; i++) {
		slot = entry_take(rxq, &q->entries[(r->head + i) & q->mask], ZCPOOL_BUF_FREE);
		if (slot < 0)
			continue;
		objs[k++] = r->zp->slot_obj[slot];
		if (k == RTE_DIM(objs)) {
			rte_mempool_put_bulk(r->mp, objs, k);
			k = 0;
		}
	}
	rte_mempool_put_bulk(r->mp, objs, k);
	r->head = tail;
	/* The slots are free for the producer. */
	__atomic_store_n(&q->head, tail, __ATOMIC_RELEASE);
}

/*
 * tail - head beyond the ring size: the producer's indexes are corrupt. Every
 * slot may hold a valid entry; take each once (to the pool: the fill ring may
 * lack room), then resume at the tail, so no stale entry is read again.
 */
static __rte_noinline void
rq_recover(struct zcrx_rxq *rxq, uint32_t tail)
{
	struct zcrx_rq *r = rxq->rq;

	rxq->stats.rq_corrupt++;
	if (!r->corrupt_logged) {
		r->corrupt_logged = true;
		ZCRX_LOG(WARNING, "port %u rx queue %u: refill ring corrupt (head %u, tail %u, size %u): its valid entries go back to the pool and it resumes at the tail\n",
			 rxq->port_id, rxq->queue_id, r->head, tail, r->ring.size);
	}
	rq_drain(rxq, r->ring.size, tail);
}

unsigned int
zcrx_rq_refill(struct zcrx_rxq *rxq, unsigned int n)
{
	struct zcrx_rq *r = rxq->rq;
	struct zc_rq *q = &r->ring;
	uint32_t head = r->head, tail, avail, used = 0, got = 0, idx = 0;
	int64_t slot;

	/* Read the tail before the entries. */
	tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	avail = tail - head;
	if (unlikely(avail > q->size)) {
		rq_recover(rxq, tail);
		return 0;
	}
	n = RTE_MIN(n, avail);
	if (n == 0 || xsk_ring_prod__reserve(&rxq->fq, n, &idx) != n)
		return 0;
	while (got < n && used < avail) {
		const struct zc_rq_entry *e = &q->entries[(head + used++) & q->mask];

		slot = entry_take(rxq, e, ZCPOOL_BUF_KERNEL);
		if (unlikely(slot < 0))
			continue;
		zcrx_held_set(rxq, slot);
		*xsk_ring_prod__fill_addr(&rxq->fq, idx + got++) =
			zc_area_off_bytes(e->off) + rxq->frames.delta;
	}
	/* Slots reserved for refused entries are given back before submitting. */
	rxq->fq.cached_prod -= n - got;
	xsk_ring_prod__submit(&rxq->fq, got);
	/* Publish the head once for the batch: the slots are free for the producer. */
	r->head = head + used;
	__atomic_store_n(&q->head, r->head, __ATOMIC_RELEASE);
	rxq->stats.rq_refill += got;
	return got;
}

/*
 * The queue goes away. Posts fail from now on; entries already posted go back
 * to the pool, not astray. A post that published while this runs either has its
 * tail read here, or sees detached and withdraws (zc_rq_post_detached()): the
 * lock orders the two, the seq_cst pair on detached and tail makes one of them
 * see the other.
 */
void
zcrx_rq_detach(struct zcrx_rxq *rxq)
{
	struct zcrx_rq *r = rxq->rq;
	struct zc_rq *q;
	uint32_t tail;

	if (r == NULL)
		return;
	q = &r->ring;
	pthread_mutex_lock(&r->lock);
	__atomic_store_n(&q->detached, 1, __ATOMIC_SEQ_CST);
	tail = __atomic_load_n(&q->tail, __ATOMIC_SEQ_CST);
	rq_drain(rxq, RTE_MIN(tail - r->head, q->size), tail);
	pthread_mutex_unlock(&r->lock);
	rxq->rq = NULL;
	rq_unref(r);
}

unsigned int
zc_rq_post_detached(struct zc_rq *q, uint32_t tail, unsigned int n)
{
	struct zcrx_rq *r = rq_of(q);
	unsigned int taken = n;

	pthread_mutex_lock(&r->lock);
	/* The drain stopped before these entries: they are still the caller's. */
	if (r->head == tail) {
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELAXED);
		taken = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return taken;
}

/* Entry for a received mbuf the application holds, or false to stop posting. */
static inline bool
mbuf_entry(const struct zcrx_rq *r, const struct rte_mbuf *m, struct zc_rq_entry *e)
{
	const struct zcpool *zp = r->zp;
	uint32_t slot, w;

	if (unlikely(m->pool != r->mp || m->next != NULL || rte_mbuf_refcnt_read(m) != 1))
		return false;
	slot = zcpool_mbuf_slot(zp, m);
	w = __atomic_load_n(zcpool_buf_word(zp, slot), __ATOMIC_RELAXED);
	/* An mbuf the application allocated (or sent) was never delivered: free it. */
	if (unlikely(zcpool_word_state(w) != ZCPOOL_BUF_USER))
		return false;
	e->off = zc_area_off_make(r->ring.area_id,
				  (uint64_t)((char *)m->buf_addr - (char *)zp->area->addr));
	e->token = zcpool_word_token(w);
	e->pad = 0;
	return true;
}

int
zc_rq_mbuf_entry(const struct zc_rq *q, const struct rte_mbuf *m, struct zc_rq_entry *e)
{
	return mbuf_entry(container_of(q, const struct zcrx_rq, ring), m, e) ? 0 : -EINVAL;
}

unsigned int
zc_rq_post_mbufs(struct zc_rq *q, struct rte_mbuf * const *pkts, unsigned int n)
{
	const struct zcrx_rq *r = rq_of(q);
	uint32_t tail = q->tail, i;

	if (unlikely(__atomic_load_n(&q->detached, __ATOMIC_RELAXED) || n == 0))
		return 0;
	n = RTE_MIN(n, zc_rq_free_count(q));
	if (unlikely(n == 0)) {
		q->full++;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (unlikely(!mbuf_entry(r, pkts[i], &q->entries[(tail + i) & q->mask])))
			break;
	return i != 0 ? zc_rq_publish(q, tail, i) : 0;
}

int
zc_rq_post_mbuf(struct zc_rq *q, struct rte_mbuf *m)
{
	if (zc_rq_post_mbufs(q, &m, 1) == 1)
		return 0;
	if (__atomic_load_n(&q->detached, __ATOMIC_RELAXED))
		return -EPIPE;
	return zc_rq_free_count(q) == 0 ? -ENOSPC : -EINVAL;
}

struct zc_rq *
zc_rq_get(uint16_t port_id, uint16_t queue_id)
{
	struct zcrx_rxq *rxq = zcrx_queue_lookup(port_id, queue_id, false);

	if (rxq == NULL)
		return NULL;
	if (rxq->rq == NULL) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	__atomic_fetch_add(&rxq->rq->refs, 1, __ATOMIC_RELAXED);
	return &rxq->rq->ring;
}

void
zc_rq_put(struct zc_rq *ring)
{
	if (ring != NULL)
		rq_unref(rq_of(ring));
}

uint16_t
zc_rx_burst_cpl(uint16_t port_id, uint16_t queue_id, struct zc_rx_cpl *cpl, uint16_t n)
{
	struct zcrx_rxq *rxq = zcrx_queue_lookup(port_id, queue_id, false);

	if (rxq == NULL)
		return 0;
	if (rxq->copy) {
		rte_errno = ENOTSUP;
		return 0;
	}
	return zcrx_rx_cpl(rxq, cpl, n);
}

uint32_t
zcrx_rq_full_count(const struct zcrx_rxq *rxq)
{
	return rxq->rq != NULL ? __atomic_load_n(&rxq->rq->ring.full, __ATOMIC_RELAXED) : 0;
}

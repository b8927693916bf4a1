/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "zc_rq.h"
#include "zcrx_pvt.h"

/*
 * The refill queue (public layout in zc_rq.h). The PMD is the single consumer:
 * it drains the ring into the fill ring before taking buffers from the pool, and
 * trusts nothing in it. An entry is used only if its pad is zero, it names this
 * queue's area, the offset is exactly a buffer start of the queue's pool, and the
 * buffer moves from USER (delivered to the application) to KERNEL in one
 * compare-and-swap: a forged or duplicated entry fails one of these, is skipped
 * and counted, and can never put a buffer in the fill ring twice.
 */

struct zcrx_rq {
	uint32_t refs;            /* The queue's and each zc_rq_get() caller's. */
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
	if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
		rte_free(r);
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
entry_slot(const struct zcrx_rxq *rxq, const struct zc_rq_entry *e)
{
	const struct zcpool *zp = rxq->frames.zp;
	uint64_t off = zc_area_off_bytes(e->off), rel;
	uint32_t slot;

	if (unlikely(e->pad != 0 || zc_area_off_id(e->off) != rxq->rq->ring.area_id ||
		     off < zp->base_off))
		return -1;
	rel = off - zp->base_off;
	slot = zcpool_off_slot(zp, off);
	if (unlikely(slot >= zp->nb_slots || (uint64_t)slot * zp->stride != rel ||
		     zp->slot_obj[slot] == NULL))
		return -1;
	return slot;
}

unsigned int
zcrx_rq_refill(struct zcrx_rxq *rxq, unsigned int n)
{
	struct zc_rq *q = &rxq->rq->ring;
	uint8_t *state = rxq->frames.zp->buf_state;
	uint32_t head = q->head, avail, used = 0, got = 0, idx = 0;
	uint8_t user;
	int64_t slot;

	/* Read the tail before the entries; a tail past the ring is clamped. */
	avail = RTE_MIN(__atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) - head, q->size);
	n = RTE_MIN(n, avail);
	if (n == 0 || xsk_ring_prod__reserve(&rxq->fq, n, &idx) != n)
		return 0;
	while (got < n && used < avail) {
		const struct zc_rq_entry *e = &q->entries[(head + used++) & q->mask];

		slot = entry_slot(rxq, e);
		if (unlikely(slot < 0)) {
			rxq->stats.rq_invalid++;
			continue;
		}
		user = ZCPOOL_BUF_USER;
		if (unlikely(!__atomic_compare_exchange_n(&state[slot], &user, ZCPOOL_BUF_KERNEL,
							  false, __ATOMIC_ACQ_REL,
							  __ATOMIC_RELAXED))) {
			rxq->stats.rq_not_owned++;
			continue;
		}
		*xsk_ring_prod__fill_addr(&rxq->fq, idx + got++) =
			zc_area_off_bytes(e->off) + rxq->frames.delta;
	}
	/* Slots reserved for refused entries are given back before submitting. */
	rxq->fq.cached_prod -= n - got;
	xsk_ring_prod__submit(&rxq->fq, got);
	/* Publish the head once for the batch: the slots are free for the producer. */
	__atomic_store_n(&q->head, head + used, __ATOMIC_RELEASE);
	rxq->stats.rq_refill += got;
	return got;
}

void
zcrx_rq_detach(struct zcrx_rxq *rxq)
{
	struct zcrx_rq *r = rxq->rq;
	struct zc_rq *q;
	uint32_t head, tail;
	int64_t slot;

	if (r == NULL)
		return;
	q = &r->ring;
	__atomic_store_n(&q->detached, 1, __ATOMIC_RELEASE);
	/* Buffers posted but not consumed go back to the pool, not astray. */
	tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	for (head = q->head; head != tail && tail - head <= q->size; head++) {
		const struct zc_rq_entry *e = &q->entries[head & q->mask];
		uint8_t user = ZCPOOL_BUF_USER;

		slot = entry_slot(rxq, e);
		if (slot >= 0 && __atomic_compare_exchange_n(&rxq->frames.zp->buf_state[slot],
							      &user, ZCPOOL_BUF_FREE, false,
							      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			rte_mempool_put(rxq->frames.mp, rxq->frames.zp->slot_obj[slot]);
	}
	__atomic_store_n(&q->head, head, __ATOMIC_RELEASE);
	rxq->rq = NULL;
	rq_unref(r);
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

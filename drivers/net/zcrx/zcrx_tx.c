/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <sys/socket.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "zc_rq.h"
#include "zcrx_pvt.h"

/*
 * Transmit: an mbuf whose buffer lies in this socket's UMEM is sent in place and
 * freed when the kernel completes it; any other mbuf (another area, a clone, a
 * chain) is copied, linearised, into a frame of the queue's frame pool and freed
 * at once. Completed frames are freed, or handed to the application's callback.
 * A frame descriptor names its buffer base, with the data offset in the upper
 * bits (unaligned chunk mode), so a completion finds its mbuf in O(1).
 *
 * The tx queues of a group (zcrx_pvt.h) share their netdev queue's completion
 * ring: a queue reaps it under the group's lock, copying the addresses out, and
 * passes the frames of the others to their pending ring, which only the owner
 * drains, so that each completion is handled once, on its own queue's thread.
 * A shared queue tags what it sends with its index (an mbuf dynamic field), and
 * keeps no more frames out than its pending ring holds, so a pass never fails.
 */

/* Offset of the tag dynamic field, registered with the first shared group. */
static int tag_off = -1;

static inline uint8_t *
tx_tag(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tag_off, uint8_t *);
}

/* Pool whose buffers are in the UMEM, or NULL (copy). Cached per queue. */
static __rte_noinline const struct zcpool *
tx_pool_lookup(struct zcrx_txq *txq, const struct rte_mempool *mp)
{
	struct zcrx_umem *u = txq->qp->umem;
	const struct zcpool *zp;

	if (mp == txq->copy_mp || !zc_pool_is_zcpool(mp))
		goto copy;
	zp = zcpool_of(mp);
	if (zp->area != u->area || !zp->pktmbuf || zcrx_umem_add_pool(u, zp) < 0)
		goto copy;
	txq->zc_mp = mp;
	txq->zc_zp = zp;
	return zp;
copy:
	txq->copy_mp = mp;
	return NULL;
}

static inline const struct zcpool *
tx_pool(struct zcrx_txq *txq, const struct rte_mbuf *m)
{
	if (likely(m->pool == txq->zc_mp))
		return txq->zc_zp;
	return tx_pool_lookup(txq, m->pool);
}

/*
 * A sent frame the application does not get back, before its free: a reference
 * the application kept makes the buffer the application's again.
 */
static inline void
tx_unsend(struct rte_mbuf *m)
{
	const struct zcpool *zp = zcpool_of(m->pool);

	if (zp->buf_state != NULL)
		zcpool_buf_sent(zp, zcpool_mbuf_slot(zp, m), rte_mbuf_refcnt_read(m) > 1 ?
				ZCPOOL_BUF_USER : ZCPOOL_BUF_FREE);
}

static void
tx_free(struct rte_mbuf *m)
{
	tx_unsend(m);
	rte_pktmbuf_free(m);
}

/*
 * Completed frames of txq go back to their pool in one bulk free, or, when the
 * application asked for them (zc_tx_done_set()), to its callback in one batch,
 * owned by it again. n is at most ZCRX_BURST.
 */
static void
tx_done(struct zcrx_txq *txq, struct rte_mbuf **done, uint32_t n, zc_tx_done_t cb)
{
	const struct zcrx_rxq *rxq = txq->qp->leader->rxq;
	struct rte_mbuf *gone[ZCRX_BURST];
	uint32_t i, k = 0, nb_gone = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = done[i];
		const struct zcpool *zp = zcpool_of(m->pool);

		/* Frames of a copying queue's private pool were never the application's. */
		if (cb == NULL || (rxq->copy && m->pool == rxq->frames.mp)) {
			tx_unsend(m);
			gone[nb_gone++] = m;
			continue;
		}
		if (zp->buf_state != NULL)
			zcpool_buf_sent(zp, zcpool_mbuf_slot(zp, m), ZCPOOL_BUF_USER);
		done[k++] = m;
	}
	txq->outstanding -= n;
	txq->stats.handed_back += k;
	if (nb_gone != 0)
		rte_pktmbuf_free_bulk(gone, nb_gone);
	if (k != 0)
		cb(done, k, txq->done_arg);
}

/* Up to ZCRX_BURST completed addresses of the group's ring into addrs: how many. */
static inline uint32_t
cq_take(struct zcrx_qp *g, uint64_t *addrs)
{
	bool shared = g->nb_txq > 1;
	uint32_t idx, n, i;

	if (shared) {
		/* A racy look first: a completion it misses waits for the next call. */
		if (__atomic_load_n(g->cq.producer, __ATOMIC_RELAXED) ==
		    __atomic_load_n(g->cq.consumer, __ATOMIC_RELAXED))
			return 0;
		rte_spinlock_lock(&g->cq_lock);
	}
	n = xsk_ring_cons__peek(&g->cq, ZCRX_BURST, &idx);
	for (i = 0; i < n; i++)
		addrs[i] = xsk_umem__extract_addr(*xsk_ring_cons__comp_addr(&g->cq, idx + i));
	xsk_ring_cons__release(&g->cq, n);
	if (shared)
		rte_spinlock_unlock(&g->cq_lock);
	return n;
}

/* Completions of txq that another queue of its group reaped. */
static void
tx_pending(struct zcrx_txq *txq, zc_tx_done_t cb)
{
	struct rte_mbuf *done[ZCRX_BURST];
	unsigned int n;

	while ((n = rte_ring_sc_dequeue_burst(txq->pending, (void **)done, ZCRX_BURST,
					      NULL)) != 0)
		tx_done(txq, done, n, cb);
}

/*
 * Reap the group's completions: txq's are done here, with cb, those of another
 * queue go to its pending ring (room is certain: it holds all the frames the
 * owner may have out); then txq's pending ones. A NULL txq is a stop, when no
 * datapath runs: every frame is freed on behalf of its queue.
 */
static void
tx_reap(struct zcrx_qp *g, struct zcrx_txq *txq, zc_tx_done_t cb)
{
	struct rte_mbuf *done[ZCRX_BURST], *ms[ZCRX_BURST];
	uint64_t addrs[ZCRX_BURST];
	uint32_t n, i, k;

	do {
		n = cq_take(g, addrs);
		/*
		 * The headers went cold in the kernel's transmit: prefetch both lines
		 * (tx_done reads the pool, the free the reference count) of the whole
		 * batch before the first is read, so that the misses overlap.
		 */
		for (i = 0; i < n; i++) {
			ms[i] = zcrx_umem_addr_mbuf(g->umem, addrs[i]);
			rte_prefetch0(ms[i]);
			rte_prefetch0(RTE_PTR_ADD(ms[i], RTE_CACHE_LINE_SIZE));
		}
		for (i = 0, k = 0; i < n; i++) {
			struct rte_mbuf *m = ms[i];
			struct zcrx_txq *owner = g->nb_txq > 1 ? g->txqs[*tx_tag(m)] : g->txqs[0];

			if (owner == txq)
				done[k++] = m;
			else if (txq == NULL)
				tx_done(owner, &m, 1, NULL);
			else
				(void)rte_ring_mp_enqueue(owner->pending, m);
		}
		if (k != 0)
			tx_done(txq, done, k, cb);
	} while (n == ZCRX_BURST);
	if (txq != NULL && txq->shared)
		tx_pending(txq, cb);
}

/* At a stop, completions are freed: the application's callback may be gone. */
void
zcrx_tx_complete(struct zcrx_qp *leader)
{
	uint16_t i;

	tx_reap(leader, NULL, NULL);
	for (i = 0; i < leader->nb_txq; i++)
		if (leader->txqs[i]->shared)
			tx_pending(leader->txqs[i], NULL);
}

int
zcrx_tx_group_init(struct zcrx_qp *g)
{
	static const struct rte_mbuf_dynfield tag = {
		.name = "zcrx_dynfield_tx_tag",
		.size = sizeof(uint8_t),
		.align = __alignof__(uint8_t),
	};
	bool shared = g->nb_txq > 1;
	uint16_t i;

	rte_spinlock_init(&g->cq_lock);
	if (shared && tag_off < 0) {
		tag_off = rte_mbuf_dynfield_register(&tag);
		if (tag_off < 0) {
			ZCRX_LOG(ERR, "cannot register the mbuf field of transmit queues sharing a netdev queue: %s\n",
				 rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	for (i = 0; i < g->nb_txq; i++) {
		struct zcrx_txq *txq = g->txqs[i];

		txq->tag = i;
		txq->shared = shared;
		if (!shared || txq->pending != NULL)
			continue;
		/* Kept until the queue is released; nb_desc is a power of two. */
		txq->pending = rte_zmalloc("zcrx_pending", rte_ring_get_memsize(txq->nb_desc),
					   RTE_CACHE_LINE_SIZE);
		if (txq->pending == NULL)
			return -ENOMEM;
		rte_ring_init(txq->pending, "zcrx_pending", txq->nb_desc, RING_F_SC_DEQ);
	}
	return 0;
}

/*
 * The interface is gone: descriptors the kernel never took stay in the transmit
 * ring, and it will not read them. Their frames go back as completed ones.
 */
void
zcrx_tx_reclaim(struct zcrx_txq *txq)
{
	const struct zcrx_umem *u = txq->qp->umem;
	uint32_t cons = __atomic_load_n(txq->tx.consumer, __ATOMIC_ACQUIRE);
	uint32_t n = txq->tx.cached_prod - cons, i;

	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_prod__tx_desc(&txq->tx, cons + i);

		tx_free(zcrx_umem_addr_mbuf(u, xsk_umem__extract_addr(d->addr)));
	}
	txq->outstanding -= RTE_MIN(n, txq->outstanding);
}

int
zc_tx_done_set(uint16_t port_id, uint16_t queue_id, zc_tx_done_t cb, void *arg)
{
	struct zcrx_txq *txq = zcrx_queue_lookup(port_id, queue_id, true);

	if (txq == NULL)
		return -rte_errno;
	txq->done_cb = cb;
	txq->done_arg = arg;
	return 0;
}

/* Copy (and linearise) m into a frame; NULL when there is no frame or no room. */
static struct rte_mbuf *
tx_copy(struct zcrx_txq *txq, struct rte_mbuf *m)
{
	const struct zcrx_frames *f = &txq->qp->leader->rxq->frames;
	struct rte_mbuf *frame;
	const void *data;
	void *dst;

	if (unlikely(m->pkt_len > f->zp->buf_len - RTE_PKTMBUF_HEADROOM)) {
		txq->stats.drop_too_long++;
		return NULL;
	}
	if (unlikely(rte_mempool_get(f->mp, (void **)&frame) != 0)) {
		txq->stats.drop_nobuf++;
		return NULL;
	}
	/* Just dequeued, so ours: this cannot be refused. */
	if (f->zp->buf_state != NULL)
		zcpool_buf_send(f->zp, zcpool_mbuf_slot(f->zp, frame));
	frame->data_off = RTE_PKTMBUF_HEADROOM;
	frame->data_len = m->pkt_len;
	frame->pkt_len = m->pkt_len;
	dst = rte_pktmbuf_mtod(frame, void *);
	/* Copies a chain; a single segment comes back in place, to copy here. */
	data = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
	if (data != dst)
		rte_memcpy(dst, data, m->pkt_len);
	txq->stats.linearised += m->nb_segs > 1;
	txq->stats.copy++;
	return frame;
}

uint16_t
zcrx_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct zcrx_txq *txq = queue;
	const struct zcrx_umem *u = txq->qp->umem;
	uint64_t bytes = 0;
	uint32_t idx, n, i, sent = 0;

	tx_reap(txq->qp->leader, txq, txq->done_cb);
	n = RTE_MIN((uint32_t)nb_pkts, xsk_prod_nb_free(&txq->tx, nb_pkts));
	/* No more frames out than the pending ring holds. */
	if (txq->shared)
		n = RTE_MIN(n, rte_ring_get_capacity(txq->pending) - txq->outstanding);
	if (n == 0 || xsk_ring_prod__reserve(&txq->tx, n, &idx) != n)
		goto kick;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *out = m;
		const struct zcpool *zp = tx_pool(txq, m);
		struct xdp_desc *d;
		uint64_t off = 0;
		uint32_t slot = 0;

		if (zp != NULL && m->nb_segs == 1) {
			off = (char *)m->buf_addr - (char *)u->area->addr;
			slot = zcpool_off_slot(zp, off);
			/*
			 * Only the buffer's owner goes in place: a clone points elsewhere,
			 * maybe outside the pool's span (checked before the look-up). A
			 * tag lives in the mbuf, so one with other references (which may
			 * be in flight on another queue too) is copied.
			 */
			if (off - zp->base_off >= (uint64_t)zp->nb_slots * zp->stride ||
			    zcpool_slot_mbuf(zp, slot, off) != m ||
			    (txq->shared && rte_mbuf_refcnt_read(m) > 1))
				zp = NULL;
		}
		if (zp == NULL || m->nb_segs != 1) {
			out = tx_copy(txq, m);
			rte_pktmbuf_free(m);
			if (out == NULL)
				continue;
			off = (char *)out->buf_addr - (char *)u->area->addr;
		} else if (unlikely(zp->buf_state != NULL) && !zcpool_buf_send(zp, slot)) {
			/* Returned through the refill ring or being sent: not the app's to send. */
			txq->stats.not_owned++;
			continue;
		} else {
			txq->stats.zero_copy++;
		}
		if (txq->shared)
			*tx_tag(out) = txq->tag;
		d = xsk_ring_prod__tx_desc(&txq->tx, idx + sent);
		d->addr = (off + u->delta) | ((uint64_t)out->data_off << XSK_UNALIGNED_BUF_OFFSET_SHIFT);
		d->len = out->data_len;
		bytes += out->data_len;
		sent++;
	}
	/* Reserved slots left by drops are given back before submitting. */
	txq->tx.cached_prod -= n - sent;
	xsk_ring_prod__submit(&txq->tx, sent);
	txq->outstanding += sent;
	txq->stats.pkts += sent;
	txq->stats.bytes += bytes;
	txq->stats.errs += n - sent;
kick:
	if ((xsk_ring_prod__needs_wakeup(&txq->tx) || n == 0) &&
	    unlikely(sendto(txq->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) &&
	    errno == ENXIO) /* Unbound: the interface is gone (ENETDOWN: only down). */
		zcrx_link_lost(txq->port_id, errno);
	return n;
}

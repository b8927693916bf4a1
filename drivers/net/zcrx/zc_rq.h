/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_RQ_H
#define ZC_RQ_H

/**
 * @file
 * net_zcrx refill queue: hand received buffers back to a receive queue.
 *
 * As with io_uring zero-copy receive, a buffer received on a net_zcrx queue is
 * named by its 64-bit area offset `(area id << 48) | byte offset`, the
 * application keeps it as long as it likes, and gives it back by writing an entry
 * into the queue's refill ring. The PMD refills the AF_XDP fill ring from that
 * ring first (in batches, before taking buffers from the pool), validating every
 * entry: a bogus, duplicated, forged or stale entry is skipped and counted,
 * never used.
 *
 * The ring is single-producer (one application thread per queue) and
 * single-consumer (the queue's receive path):
 *
 * @code
 *   entries: [ 0 ][ 1 ][ 2 ][ 3 ][ 4 ][ 5 ][ 6 ][ 7 ]      size 8, mask 7
 *                       ^head               ^tail
 *                       |                   |
 *   consumed by the PMD |  posted, pending  |  free for the application
 *   (head advances by   |  (tail - head)    |  (size - (tail - head))
 *    one store per batch)                   (tail advances per post)
 * @endcode
 *
 * The producer writes entries, then publishes the tail with an atomic exchange
 * (a store-release and a full barrier: see zc_rq_publish()); the PMD reads the
 * tail with a load-acquire, then the entries, and publishes its head once per
 * batch with a store-release. head and tail live on separate cache lines.
 * Indexes are free-running 32-bit counters. An application may write entries
 * itself in this layout, as io_uring applications do, and publish the tail with
 * zc_rq_publish().
 *
 * Which buffers may be returned: only those the application holds from a
 * delivery on this queue's area (a receive, as mbufs from rte_eth_rx_burst() or
 * as completions from zc_rx_burst_cpl(), or a transmit completion handed back by
 * zc_tx_done_set()), each once. Every delivery of a buffer carries a new token,
 * which the entry must echo: an entry whose buffer the application does not hold
 * (freed, sent, returned already, never received) is refused as not owned, and
 * one whose token is not the current delivery's (a stale or duplicated entry, or
 * a forged one) is refused as stale, even while the buffer is held again. Refused
 * entries are counted in the queue's xstats (rx_qN_rq_invalid, rx_qN_rq_not_owned,
 * rx_qN_rq_stale) and leave their buffer where it was. A buffer given back must
 * not be touched, freed or sent afterwards; a free of it is refused by the pool.
 *
 * Tokens protect against mistakes, not against a hostile thread of the same
 * process: they are sequential per buffer, 30 bits, never 0.
 *
 * The PMD keeps its own copy of the head and never reads it back. A tail more
 * than the ring size ahead of the head (or behind it) is corruption: the PMD
 * counts it (rx_qN_rq_corrupt), takes every valid entry in the ring once (those
 * the fill ring has no room for go back to the pool), and resumes with head =
 * tail, so stale entries are never consumed again and no returned buffer is lost.
 *
 * The refill ring exists only for queues whose pool is a zcpool pool without a
 * DPDK mempool cache (zc_pktmbuf_pool_create(..., cache_size = 0, ...)): with a
 * mempool cache, frees would not reach the pool and stale entries could not be
 * told apart. zcpool's own lcore caches stay in effect.
 */

#include <errno.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A refill entry (16 bytes), the layout of io_uring's zcrx refill entry with the
 * delivery token where zcrx has a length it ignores.
 */
struct zc_rq_entry {
	uint64_t off;    /**< 64-bit area offset of the buffer's start. */
	uint32_t token;  /**< Token of the delivery being returned (zc_rx_cpl::token). */
	uint32_t pad;    /**< Must be zero, or the entry is refused. */
};

/** A receive completion from zc_rx_burst_cpl() (16 bytes). */
struct zc_rx_cpl {
	uint64_t off;      /**< 64-bit area offset of the buffer's start. */
	uint32_t token;    /**< Token to echo in the refill entry returning it. */
	uint16_t len;      /**< Packet length. */
	uint16_t data_off; /**< Packet data starts at off + data_off. */
};

/** A queue's refill ring. Fields marked "PMD" are read-only for applications. */
struct zc_rq {
	/** Producer side (application). */
	uint32_t tail __rte_cache_aligned; /**< Next entry to write. */
	uint32_t full;         /**< Posts refused because the ring was full. */
	/** Consumer side (PMD). */
	uint32_t head __rte_cache_aligned; /**< Next entry the PMD reads. */
	/** Constant while the ring is attached (PMD). */
	uint32_t size __rte_cache_aligned; /**< Entries, a power of two. */
	uint32_t mask;         /**< size - 1. */
	uint32_t detached;     /**< Non-zero once the queue is gone: posts fail. */
	uint16_t area_id;      /**< Area of the queue's buffers. */
	uint16_t port_id;      /**< Port of the queue. */
	uint16_t queue_id;     /**< Receive queue. */
	uint64_t area_base;    /**< Address of the area (for mbuf conversion). */
	uint64_t area_len;     /**< Length of the area. */
	/** The entries. */
	struct zc_rq_entry entries[] __rte_cache_aligned;
};

/**
 * The refill ring of a receive queue, with a reference for the caller.
 *
 * The ring stays valid until zc_rq_put(), even after the queue or the port is
 * gone (posts then fail with -EPIPE, so held buffers are freed instead).
 *
 * @return
 *   The ring, or NULL with rte_errno set: ENODEV (not a net_zcrx port), EINVAL
 *   (no such queue or not set up), ENOTSUP (the queue has no refill ring: rq_entries
 *   is 0, or its pool is not a zcpool pool without a mempool cache).
 */
struct zc_rq *zc_rq_get(uint16_t port_id, uint16_t queue_id);

/**
 * Drop the reference zc_rq_get() gave.
 */
void zc_rq_put(struct zc_rq *rq);

/**
 * Receive without mbufs: completions naming buffers by area offset.
 *
 * Each completed buffer is the application's until it returns it through the
 * refill ring (or frees its mbuf, found with zc_pool_area_off_index() and
 * zc_pool_index_mbuf()). Do not mix with rte_eth_rx_burst() on the same queue
 * from different threads.
 *
 * @return
 *   The number of completions written (0 to n), or 0 with rte_errno = ENOTSUP
 *   when the queue copies packets (its pool is not over the UMEM).
 */
uint16_t zc_rx_burst_cpl(uint16_t port_id, uint16_t queue_id, struct zc_rx_cpl *cpl,
			 uint16_t n);

/**
 * Called with buffers whose transmission the kernel has completed.
 * Each mbuf is the application's again, as if just received: return it through
 * a refill ring (zc_rq_post_mbuf()) or free it. The callback must not transmit
 * on the queue it is called for.
 */
typedef void (*zc_tx_done_t)(struct rte_mbuf **pkts, uint16_t n, void *arg);

/**
 * Hand a transmit queue's completed buffers to the application instead of
 * freeing them, so that a forwarding thread can return them through the refill
 * ring of the queue they came from, as it does with the packets it drops.
 * The callback runs inside rte_eth_tx_burst() on this queue, on the calling
 * thread (the refill ring's single producer, if that thread is). Completions
 * reaped while the queue stops are freed: the callback may be gone by then.
 * Call while no thread transmits on the queue; the setting lasts until the queue
 * is set up again.
 * @param cb
 *   The callback, or NULL to free completed buffers again.
 * @return
 *   0, -ENODEV (not a net_zcrx port) or -EINVAL (no such transmit queue).
 */
int zc_tx_done_set(uint16_t port_id, uint16_t queue_id, zc_tx_done_t cb, void *arg);

/** Free entries of a refill ring (producer side): 0 while its indexes are corrupt. */
static inline uint32_t
zc_rq_free_count(const struct zc_rq *rq)
{
	/* Read the head before reusing the slots it frees. */
	uint32_t pending = rq->tail - __atomic_load_n(&rq->head, __ATOMIC_ACQUIRE);

	return pending < rq->size ? rq->size - pending : 0;
}

/**
 * @internal Called by the post functions when the queue went away while they
 * published: takes back entries the PMD's final drain did not see.
 * @return
 *   @p n if the drain took the entries, 0 if they were withdrawn.
 */
unsigned int zc_rq_post_detached(struct zc_rq *rq, uint32_t tail, unsigned int n);

/**
 * Publish n entries the producer wrote from index @p tail (its current tail) on.
 * The exchange is a full barrier: either the PMD's drain when the queue goes
 * away reads the new tail, or this thread sees detached and withdraws the
 * entries that drain missed.
 *
 * @return
 *   @p n, or 0 when the queue went away first: then the entries' buffers are
 *   still the caller's.
 */
static inline unsigned int
zc_rq_publish(struct zc_rq *rq, uint32_t tail, unsigned int n)
{
	/* Publish the entries before the tail. */
	__atomic_exchange_n(&rq->tail, tail + n, __ATOMIC_SEQ_CST);
	if (unlikely(__atomic_load_n(&rq->detached, __ATOMIC_SEQ_CST)))
		return zc_rq_post_detached(rq, tail, n);
	return n;
}

/**
 * Post up to n refill entries in one publication (pad is written as zero).
 *
 * @return
 *   The number posted (those at the front of e[]); the buffers of the rest stay
 *   the caller's. 0 and a count in rq->full when the ring is full; 0 when the
 *   queue is gone.
 */
static inline unsigned int
zc_rq_post_bulk(struct zc_rq *rq, const struct zc_rq_entry *e, unsigned int n)
{
	uint32_t tail = rq->tail, i;

	if (unlikely(__atomic_load_n(&rq->detached, __ATOMIC_RELAXED)))
		return 0;
	n = RTE_MIN(n, zc_rq_free_count(rq));
	if (unlikely(n == 0)) {
		rq->full++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct zc_rq_entry *d = &rq->entries[(tail + i) & rq->mask];

		d->off = e[i].off;
		d->token = e[i].token;
		d->pad = 0;
	}
	return zc_rq_publish(rq, tail, n);
}

/**
 * Post one buffer by area offset and delivery token.
 *
 * @return
 *   0, -ENOSPC when the ring is full (counted in rq->full), -EPIPE when the queue
 *   is gone. On error the buffer stays the caller's.
 */
static inline int
zc_rq_post(struct zc_rq *rq, uint64_t off, uint32_t token)
{
	const struct zc_rq_entry e = { .off = off, .token = token };

	if (zc_rq_post_bulk(rq, &e, 1) == 1)
		return 0;
	return __atomic_load_n(&rq->detached, __ATOMIC_RELAXED) ? -EPIPE : -ENOSPC;
}

/**
 * Return a completion's buffer (zc_rx_burst_cpl()) through the refill ring.
 *
 * @return
 *   As zc_rq_post().
 */
static inline int
zc_rq_post_cpl(struct zc_rq *rq, const struct zc_rx_cpl *c)
{
	return zc_rq_post(rq, c->off, c->token);
}

/**
 * The refill entry that returns a received mbuf's buffer (its area offset and
 * the token of its current delivery), for applications that batch entries.
 *
 * @return
 *   0; -EINVAL if @p m is not a single-segment mbuf with one reference of the
 *   queue's pool, held by the application from a delivery.
 */
int zc_rq_mbuf_entry(const struct zc_rq *rq, const struct rte_mbuf *m, struct zc_rq_entry *e);

/**
 * Return received mbufs' buffers through the refill ring, in one publication.
 *
 * Posts the mbufs at the front of @p pkts that are single-segment, hold one
 * reference and belong to the pool of the ring's queue, each with the token of
 * its current delivery; stops at the first that does not, or when the ring is
 * full (counted in rq->full). After success neither a posted mbuf nor its buffer
 * may be used.
 *
 * @return
 *   The number posted; the rest are still the caller's (to free, or to post
 *   elsewhere). 0 when the queue is gone.
 */
unsigned int zc_rq_post_mbufs(struct zc_rq *rq, struct rte_mbuf * const *pkts, unsigned int n);

/**
 * 64-bit area offset of a received mbuf's buffer, in O(1).
 *
 * @return
 *   The offset, or UINT64_MAX when the mbuf's buffer is not in the ring's area.
 */
static inline uint64_t
zc_rq_mbuf_off(const struct zc_rq *rq, const struct rte_mbuf *m)
{
	uint64_t off = (uint64_t)(uintptr_t)m->buf_addr - rq->area_base;

	if (unlikely(off >= rq->area_len))
		return UINT64_MAX;
	return ((uint64_t)rq->area_id << 48) | off;
}

/**
 * Return one received mbuf's buffer through the refill ring.
 *
 * @return
 *   0; -ENOSPC (ring full), -EPIPE (queue gone) or -EINVAL (not a buffer of the
 *   queue's pool held from a delivery, chained or shared): then the mbuf is
 *   still the caller's to free.
 */
int zc_rq_post_mbuf(struct zc_rq *rq, struct rte_mbuf *m);

#ifdef __cplusplus
}
#endif

#endif /* ZC_RQ_H */

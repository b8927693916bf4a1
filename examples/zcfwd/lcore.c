/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <sched.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "zcfwd.h"

/*
 * Buffers go back the way --return says. With refill, a lcore returns the
 * buffers of a port through the refill ring it produces for that port (the
 * queue's own lcore in rtc, the queue's worker in a pipeline), so a buffer goes
 * from the application straight to the fill ring without touching the pool; a
 * full ring or a buffer of no known ring falls back to a free, counted.
 */
void
zcfwd_release(struct zcfwd_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i = 0;

	while (i < n) {
		unsigned int slot = zcfwd_port_slot(pkts[i]->port);
		struct zc_rq *rq = lc->rq_of_port[slot];
		struct zcfwd_counters *c = &lc->cnt[slot];
		uint16_t k = 1, posted, nfree;

		while (i + k < n && pkts[i + k]->port == pkts[i]->port)
			k++;
		nfree = k;
		/* A run of buffers of one port goes in one publication. */
		if (rq != NULL) {
			posted = zc_rq_post_mbufs(rq, &pkts[i], k);
			c->ret_refill += posted;
			i += posted;
			k -= posted;
			if (k == 0)
				continue;
			/* The ring is full (free the run), or the next buffer is no ring's. */
			nfree = zc_rq_free_count(rq) == 0 ? k : 1;
			c->refill_full += nfree == k ? k : 0;
		}
		rte_pktmbuf_free_bulk(&pkts[i], nfree);
		c->ret_free += nfree;
		i += nfree;
	}
}

void
zcfwd_tx_done(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	zcfwd_release(arg, pkts, n);
}

static void
flush(struct zcfwd_lcore *lc, uint16_t port)
{
	struct zcfwd_txbuf *b = &lc->tx[port];
	uint16_t sent, i;

	sent = rte_eth_tx_burst(port, lc->txq, b->pkts, b->n);
	lc->cnt[port].tx += sent;
	if (unlikely(sent < b->n)) {
		for (i = sent; i < b->n; i++)
			lc->cnt[zcfwd_port_slot(b->pkts[i]->port)].drop[ZCFWD_DROP_TX_FULL]++;
		zcfwd_release(lc, &b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

static inline void
flush_all(const struct zcfwd *fwd, struct zcfwd_lcore *lc)
{
	unsigned int i;

	for (i = 0; i < fwd->nb_ports; i++)
		if (lc->tx[fwd->ports[i]].n != 0)
			flush(lc, fwd->ports[i]);
}

/* Route a burst that arrived on in_port: stage it for transmit, or drop it. */
static inline void
route_burst(const struct zcfwd *fwd, struct zcfwd_lcore *lc, struct rte_mbuf **pkts,
	    uint16_t n, uint16_t in_port)
{
	struct rte_mbuf *drops[ZCFWD_BURST];
	uint16_t i, nd = 0;

	for (i = 0; i < n; i++) {
		int out = zcfwd_route(&fwd->routes, pkts[i]);
		struct zcfwd_txbuf *b;

		if (unlikely(out < 0)) {
			lc->cnt[in_port].drop[-1 - out]++;
			drops[nd++] = pkts[i];
			continue;
		}
		b = &lc->tx[out];
		b->pkts[b->n++] = pkts[i];
		if (b->n == ZCFWD_BURST)
			flush(lc, out);
	}
	if (nd != 0)
		zcfwd_release(lc, drops, nd);
}

/*
 * What a packet costs, as testpmd's --record-core-cycles measures it: the cycles
 * of loop iterations that had work, so that idle polling does not count.
 */
static inline void
busy_account(const struct zcfwd *fwd, struct zcfwd_lcore *lc, uint64_t start, uint32_t got)
{
	if (got != 0) {
		lc->busy_cycles += rte_rdtsc() - start;
		lc->busy_pkts += got;
	} else if (unlikely(fwd->opt.idle_yield)) {
		/* Lcores sharing a CPU: let the other one run rather than spin out a slice. */
		sched_yield();
	}
}

/* Where a loop's packets come from: a port's queue, or a receive lcore's ring. */
static inline uint16_t
from_port(const struct zcfwd_rxq *rx, struct rte_mbuf **pkts)
{
	return rte_eth_rx_burst(rx->port, rx->queue, pkts, ZCFWD_BURST);
}

static inline uint16_t
from_ring(const struct zcfwd_rxq *rx, struct rte_mbuf **pkts)
{
	return rte_ring_sc_dequeue_burst(rx->ring, (void **)pkts, ZCFWD_BURST, NULL);
}

/* Run to completion: what was received is routed here. */
static inline void
receive_route(const struct zcfwd *fwd, struct zcfwd_lcore *lc, const struct zcfwd_rxq *rx,
	      struct rte_mbuf **pkts, uint16_t n)
{
	lc->cnt[rx->port].rx += n;
	route_burst(fwd, lc, pkts, n, rx->port);
}

/*
 * Pipeline, receive side: only hand over. It is not the producer of its queues'
 * refill rings (the worker is), so what the worker's ring cannot take is freed.
 */
static inline void
receive_hand_over(const struct zcfwd *fwd, struct zcfwd_lcore *lc, const struct zcfwd_rxq *rx,
		  struct rte_mbuf **pkts, uint16_t n)
{
	struct zcfwd_counters *c = &lc->cnt[rx->port];
	uint16_t sent;

	RTE_SET_USED(fwd);
	c->rx += n;
	sent = rte_ring_sp_enqueue_burst(rx->ring, (void **)pkts, n, NULL);
	if (unlikely(sent < n)) {
		c->drop[ZCFWD_DROP_PIPE_FULL] += n - sent;
		c->ret_free += n - sent;
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
}

/* Pipeline, worker side: route what a receive lcore handed over. */
static inline void
route_handed(const struct zcfwd *fwd, struct zcfwd_lcore *lc, const struct zcfwd_rxq *rx,
	     struct rte_mbuf **pkts, uint16_t n)
{
	route_burst(fwd, lc, pkts, n, rx->port);
}

/*
 * The one loop of every role, with its source and handler inlined: poll each
 * queue (or ring), handle what came, flush the transmit buffers if the role
 * sends, and account the busy cycles.
 */
static __rte_always_inline void
run(const struct zcfwd *fwd, struct zcfwd_lcore *lc,
    uint16_t (*source)(const struct zcfwd_rxq *, struct rte_mbuf **),
    void (*handle)(const struct zcfwd *, struct zcfwd_lcore *, const struct zcfwd_rxq *,
		   struct rte_mbuf **, uint16_t),
    bool sends)
{
	struct rte_mbuf *pkts[ZCFWD_BURST];
	uint16_t q, n;

	while (!fwd->quit) {
		uint64_t start = rte_rdtsc();
		uint32_t got = 0;

		for (q = 0; q < lc->nb_rxq; q++) {
			n = source(&lc->rxq[q], pkts);
			if (n == 0)
				continue;
			got += n;
			handle(fwd, lc, &lc->rxq[q], pkts, n);
		}
		if (sends)
			flush_all(fwd, lc);
		busy_account(fwd, lc, start, got);
	}
}

int
zcfwd_lcore_main(void *arg)
{
	struct zcfwd *fwd = arg;
	struct zcfwd_lcore *lc = &fwd->lcore[rte_lcore_id()];

	switch (lc->role) {
	case ZCFWD_FWD:
		run(fwd, lc, from_port, receive_route, true);
		break;
	case ZCFWD_RX:
		run(fwd, lc, from_port, receive_hand_over, false);
		break;
	case ZCFWD_WORKER:
		run(fwd, lc, from_ring, route_handed, true);
		break;
	case ZCFWD_IDLE:
		break;
	}
	return 0;
}

/* After the loops stopped: whatever sits in a worker's rings goes back. */
unsigned int
zcfwd_lcore_drain(struct zcfwd_lcore *lc)
{
	struct rte_mbuf *pkts[ZCFWD_BURST];
	unsigned int q, n, total = 0;

	if (lc->role != ZCFWD_WORKER)
		return 0;
	for (q = 0; q < lc->nb_rxq; q++)
		while ((n = from_ring(&lc->rxq[q], pkts)) != 0) {
			zcfwd_release(lc, pkts, n);
			total += n;
		}
	return total;
}

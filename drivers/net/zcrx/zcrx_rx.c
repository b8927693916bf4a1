/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_net.h>
#include <rte_prefetch.h>

#include "zc_rq.h"
#include "zcrx_pvt.h"

/*
 * Receive: the kernel wrote into pool buffers named by their UMEM address, so a
 * descriptor converts to its mbuf in O(1) and nothing is copied (unless the
 * application's pool is not a zcpool pool). Every consumed descriptor is
 * replaced in the fill ring from the pool, in one batch per burst.
 */

unsigned int
zcrx_fill(struct zcrx_rxq *rxq, unsigned int n)
{
	const struct zcpool *zp = rxq->frames.zp;
	struct rte_mbuf *bufs[ZCRX_BURST];
	unsigned int done = 0, from_rq = 0, b, i;
	uint32_t idx = 0;

	n = RTE_MIN(n, xsk_prod_nb_free(&rxq->fq, n));
	/* Buffers the application gave back come first, as zcrx refills. */
	if (rxq->rq != NULL)
		from_rq = zcrx_rq_refill(rxq, n);
	n -= from_rq;
	while (done < n) {
		b = RTE_MIN(n - done, (unsigned int)ZCRX_BURST);
		if (unlikely(rte_mempool_get_bulk(rxq->frames.mp, (void **)bufs, b) != 0)) {
			rxq->stats.fill_empty++;
			break;
		}
		xsk_ring_prod__reserve(&rxq->fq, b, &idx);
		for (i = 0; i < b; i++) {
			uint32_t slot = zcpool_mbuf_slot(zp, bufs[i]);

			if (zp->buf_state != NULL)
				zcpool_buf_to_kernel(zp, slot);
			zcrx_held_set(rxq, slot);
			*xsk_ring_prod__fill_addr(&rxq->fq, idx + i) =
				zcrx_mbuf_addr(&rxq->frames, bufs[i]);
		}
		xsk_ring_prod__submit(&rxq->fq, b);
		done += b;
	}
	rxq->stats.fill_from_pool += done;
	rxq->in_kernel += done + from_rq;
	return done + from_rq;
}

/* Software checksum validation, for applications that ask for the offload. */
static uint64_t
rx_csum_flags(const struct rte_mbuf *m, uint32_t ptype)
{
	const uint32_t l3 = ptype & RTE_PTYPE_L3_MASK;
	const uint32_t l4 = ptype & RTE_PTYPE_L4_MASK;
	const char *l3h = rte_pktmbuf_mtod_offset(m, const char *, RTE_ETHER_HDR_LEN);
	uint64_t flags = 0;

	if (RTE_ETH_IS_IPV4_HDR(l3)) {
		const struct rte_ipv4_hdr *ip = (const void *)l3h;
		const char *l4h = l3h + rte_ipv4_hdr_len(ip);

		flags |= rte_ipv4_cksum(ip) == 0 ?
			RTE_MBUF_F_RX_IP_CKSUM_GOOD : RTE_MBUF_F_RX_IP_CKSUM_BAD;
		/* An IPv4 UDP checksum of 0 means none: leave L4 unknown. */
		if (l4 == RTE_PTYPE_L4_UDP &&
		    ((const struct rte_udp_hdr *)l4h)->dgram_cksum == 0)
			return flags;
		if (l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP)
			flags |= rte_ipv4_udptcp_cksum_verify(ip, l4h) == 0 ?
				RTE_MBUF_F_RX_L4_CKSUM_GOOD : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	} else if (RTE_ETH_IS_IPV6_HDR(l3) && (l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP)) {
		const struct rte_ipv6_hdr *ip = (const void *)l3h;

		flags |= rte_ipv6_udptcp_cksum_verify(ip, ip + 1) == 0 ?
			RTE_MBUF_F_RX_L4_CKSUM_GOOD : RTE_MBUF_F_RX_L4_CKSUM_BAD;
	}
	return flags;
}

/* Finish an mbuf whose data_off and data_len are set. */
static inline void
rx_finish(struct zcrx_rxq *rxq, struct rte_mbuf *m)
{
	uint32_t ptype;

	m->pkt_len = m->data_len;
	m->port = rxq->port_id;
	/* Pinned buffers keep RTE_MBUF_F_EXTERNAL; everything else is fresh. */
	m->ol_flags &= RTE_MBUF_F_EXTERNAL;
	/* Parse only what someone uses: testpmd, for one, turns packet types off. */
	if (rxq->ptype_mask == 0 && !rxq->csum) {
		m->packet_type = RTE_PTYPE_UNKNOWN;
		return;
	}
	ptype = rte_net_get_ptype(m, NULL, ZCRX_PTYPES);
	m->packet_type = ptype & rxq->ptype_mask;
	if (rxq->csum)
		m->ol_flags |= rx_csum_flags(m, ptype);
}

/* Nothing received: make sure the kernel sees the fill ring, and top it up. */
static void
rx_idle(struct zcrx_rxq *rxq)
{
	/* With busy polling, this call is what runs the driver's NAPI here. */
	if ((rxq->busy_poll || xsk_ring_prod__needs_wakeup(&rxq->fq)) &&
	    unlikely(recvfrom(rxq->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0) &&
	    errno == ENXIO) /* Unbound: the interface is gone (ENETDOWN: only down). */
		zcrx_link_lost(rxq->port_id, errno);
	/* Catch up on fills the pool (or refill ring) could not serve earlier. */
	if (unlikely(rxq->in_kernel + ZCRX_BURST <= rxq->nb_desc))
		zcrx_fill(rxq, ZCRX_BURST);
}

/* Copy path: the application's pool is not over the UMEM. */
static uint16_t
rx_copy(struct zcrx_rxq *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *out[ZCRX_BURST];
	uint16_t i, ok = n;

	if (unlikely(rte_pktmbuf_alloc_bulk(rxq->mp, out, n) != 0)) {
		rte_eth_devices[rxq->port_id].data->rx_mbuf_alloc_failed += n;
		ok = 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *f = pkts[i];

		if (ok != 0) {
			rte_memcpy(rte_pktmbuf_mtod(out[i], void *), rte_pktmbuf_mtod(f, void *),
				   f->data_len);
			out[i]->data_len = f->data_len;
			rx_finish(rxq, out[i]);
			pkts[i] = out[i];
		}
		rte_mbuf_raw_free(f);
	}
	return ok;
}

uint16_t
zcrx_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct zcrx_rxq *rxq = queue;
	const struct zcpool *zp = rxq->frames.zp;
	uint32_t slots[ZCRX_BURST], idx, n, i;
	uint64_t bytes = 0;

	n = xsk_ring_cons__peek(&rxq->rx, RTE_MIN(nb_pkts, (uint16_t)ZCRX_BURST), &idx);
	if (n == 0) {
		rx_idle(rxq);
		return 0;
	}
	/*
	 * The headers are cold: they went to the kernel a fill ring ago. Prefetch
	 * them and the data, take the refill in between, and only then touch them
	 * (a load of each header here was half this function's time, measured).
	 */
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rxq->rx, idx + i);
		uint64_t off = xsk_umem__extract_addr(d->addr) - rxq->frames.delta;

		slots[i] = zcpool_off_slot(zp, off);
		pkts[i] = zcpool_slot_mbuf(zp, slots[i], off);
		rte_prefetch0(pkts[i]);
		rte_prefetch0(zp->area_addr + off + xsk_umem__extract_offset(d->addr));
		zcrx_held_clear(rxq, slots[i]);
		bytes += d->len;
	}
	rxq->in_kernel -= n;
	zcrx_fill(rxq, n);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rxq->rx, idx + i);

		pkts[i]->data_len = d->len;
		pkts[i]->data_off = xsk_umem__extract_offset(d->addr);
	}
	xsk_ring_cons__release(&rxq->rx, n);
	if (unlikely(rxq->copy)) {
		n = rx_copy(rxq, pkts, n);
		bytes = n != 0 ? bytes : 0;
	} else {
		/* After the refill above: no entry can name a buffer of this burst. */
		for (i = 0; i < n; i++) {
			if (zp->buf_state != NULL)
				zcpool_buf_deliver(zp, slots[i]);
			rx_finish(rxq, pkts[i]);
		}
	}
	rxq->stats.pkts += n;
	rxq->stats.bytes += bytes;
	return n;
}

/* Receive as completions: the buffers go to the application, no mbuf is touched. */
uint16_t
zcrx_rx_cpl(struct zcrx_rxq *rxq, struct zc_rx_cpl *cpl, uint16_t nb)
{
	const struct zcpool *zp = rxq->frames.zp;
	uint16_t area_id = zp->area->id;
	uint64_t bytes = 0;
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&rxq->rx, RTE_MIN(nb, (uint16_t)ZCRX_BURST), &idx);
	if (n == 0) {
		rx_idle(rxq);
		return 0;
	}
	/* Refill first: the buffers of this burst are still the kernel's. */
	rxq->in_kernel -= n;
	zcrx_fill(rxq, n);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rxq->rx, idx + i);
		uint64_t off = xsk_umem__extract_addr(d->addr) - rxq->frames.delta;
		uint32_t slot = zcpool_off_slot(zp, off);

		zcrx_held_clear(rxq, slot);
		cpl[i].off = zc_area_off_make(area_id, off);
		cpl[i].token = zp->buf_state != NULL ? zcpool_buf_deliver(zp, slot) : 0;
		cpl[i].len = d->len;
		cpl[i].data_off = xsk_umem__extract_offset(d->addr);
		bytes += d->len;
	}
	xsk_ring_cons__release(&rxq->rx, n);
	rxq->stats.pkts += n;
	rxq->stats.bytes += bytes;
	return n;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCFWD_ROUTE_H
#define ZCFWD_ROUTE_H

/*
 * The per-packet decision, inline: it runs once per packet in every loop, and
 * an out-of-line call per packet cost more than the decision itself.
 * Included by zcfwd.h, after the types it uses.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#define ZCFWD_DROP(reason) (-1 - (reason))

/*
 * TTL minus one, with the header checksum updated for the changed 16-bit word
 * (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')), instead of summing the header again.
 * One's complement sums give the same bytes in either byte order, so the words
 * are used as they lie in memory.
 */
static inline void
zcfwd_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint16_t *word = (uint16_t *)&ip->time_to_live; /* TTL and protocol. */
	uint16_t old = *word;
	uint32_t sum;

	ip->time_to_live--;
	sum = (uint16_t)~ip->hdr_checksum + (uint32_t)(uint16_t)~old + *word;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (uint16_t)~sum;
}

static inline int
zcfwd_route4(const struct zcfwd_routes *r, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t hlen = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	uint32_t hop;

	if (unlikely((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) ||
		     m->data_len < sizeof(struct rte_ether_hdr) + hlen ||
		     rte_be_to_cpu_16(ip->total_length) < hlen ||
		     m->pkt_len < sizeof(struct rte_ether_hdr) + rte_be_to_cpu_16(ip->total_length)))
		return ZCFWD_DROP(ZCFWD_DROP_BAD_HDR);
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		break;
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		return ZCFWD_DROP(ZCFWD_DROP_BAD_HDR);
	default: /* The port did not check: check here. */
		if (unlikely(rte_raw_cksum(ip, hlen) != 0xffff))
			return ZCFWD_DROP(ZCFWD_DROP_BAD_HDR);
	}
	if (unlikely(ip->time_to_live <= 1))
		return ZCFWD_DROP(ZCFWD_DROP_TTL);
	if (rte_lpm_lookup(r->lpm4, rte_be_to_cpu_32(ip->dst_addr), &hop) != 0) {
		if (r->default4 < 0)
			return ZCFWD_DROP(ZCFWD_DROP_NO_ROUTE);
		hop = r->default4;
	}
	zcfwd_ipv4_ttl_dec(ip);
	return hop;
}

static inline int
zcfwd_route6(const struct zcfwd_routes *r, struct rte_mbuf *m, struct rte_ipv6_hdr *ip)
{
	uint32_t hop;

	if (unlikely(m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*ip) ||
		     (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 ||
		     m->pkt_len < sizeof(struct rte_ether_hdr) + sizeof(*ip) +
				  rte_be_to_cpu_16(ip->payload_len)))
		return ZCFWD_DROP(ZCFWD_DROP_BAD_HDR);
	if (unlikely(ip->hop_limits <= 1))
		return ZCFWD_DROP(ZCFWD_DROP_TTL);
	/* (const void *): uint8_t[16] before DPDK 24.11, struct rte_ipv6_addr after. */
	if (rte_lpm6_lookup(r->lpm6, (const void *)&ip->dst_addr, &hop) != 0) {
		if (r->default6 < 0)
			return ZCFWD_DROP(ZCFWD_DROP_NO_ROUTE);
		hop = r->default6;
	}
	ip->hop_limits--;
	return hop;
}

/* Output port of a packet, rewritten in place, or -(1 + enum zcfwd_drop). */
static inline int
zcfwd_route(const struct zcfwd_routes *r, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	int port;

	if (unlikely(m->data_len < sizeof(*eth)))
		return ZCFWD_DROP(ZCFWD_DROP_BAD_HDR);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		port = zcfwd_route4(r, m, (struct rte_ipv4_hdr *)(eth + 1));
	else if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		port = zcfwd_route6(r, m, (struct rte_ipv6_hdr *)(eth + 1));
	else
		return ZCFWD_DROP(ZCFWD_DROP_NOT_IP);
	if (port >= 0)
		memcpy(eth, &r->out_hdr[port], 2 * RTE_ETHER_ADDR_LEN);
	return port;
}

#endif /* ZCFWD_ROUTE_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <zc_pool.h>

#include "zcfwd.h"

#define NB_RXD 1024
#define NB_TXD 1024
#define PIPE_RING_SIZE 1024
#define POOL_CACHE 256

/*
 * Turning options into running ports: which lcore does what, one pool for all
 * ports (so net_zcrx ports share one area, one UMEM, and forward without a
 * copy), queues, and with --return refill the refill rings and the transmit
 * completion hand-back.
 */

static int
lcore_ok(const char *opt, unsigned int l)
{
	if (rte_lcore_is_enabled(l))
		return 0;
	fprintf(stderr, "zcfwd: %s: lcore %u is not enabled: add it to the EAL -l list\n", opt, l);
	return -1;
}

static int
ports_ok(struct zcfwd *fwd)
{
	unsigned int p;

	for (p = 0; p < ZCFWD_MAX_PORTS; p++) {
		if (!(fwd->opt.portmask & (1u << p)))
			continue;
		if (!rte_eth_dev_is_valid_port(p)) {
			fprintf(stderr, "zcfwd: -p 0x%x: port %u does not exist (%u ports; add ports with --vdev)\n",
				fwd->opt.portmask, p, rte_eth_dev_count_avail());
			return -1;
		}
		fwd->ports[fwd->nb_ports++] = p;
	}
	return 0;
}

static struct zcfwd_rxq *
add_rxq(struct zcfwd_lcore *lc, unsigned int l, uint16_t port, uint16_t queue)
{
	if (lc->nb_rxq == ZCFWD_MAX_RXQ_PER_LCORE) {
		fprintf(stderr, "zcfwd: lcore %u is given more than %d queues\n", l,
			ZCFWD_MAX_RXQ_PER_LCORE);
		return NULL;
	}
	lc->rxq[lc->nb_rxq] = (struct zcfwd_rxq){ .port = port, .queue = queue };
	return &lc->rxq[lc->nb_rxq++];
}

/* Roles, queues and pipeline rings; counts the queues each port needs. */
static int
assign_lcores(struct zcfwd *fwd, uint16_t *nb_rxq, uint16_t *nb_txq, unsigned int *nb_rings)
{
	const struct zcfwd_options *opt = &fwd->opt;
	uint16_t rx_ordinal[RTE_MAX_LCORE], count[ZCFWD_MAX_PORTS] = { 0 };
	unsigned int i, nrx = 0, ntx = 0;

	for (i = 0; i < opt->nb_workers; i++) {
		struct zcfwd_lcore *lc = &fwd->lcore[opt->workers[i]];

		if (lcore_ok("--workers", opt->workers[i]) != 0)
			return -1;
		if (lc->role == ZCFWD_WORKER) {
			fprintf(stderr, "zcfwd: --workers: lcore %u is given twice\n", opt->workers[i]);
			return -1;
		}
		lc->role = ZCFWD_WORKER;
		lc->txq = ntx++;
	}
	for (i = 0; i < opt->nb_config; i++) {
		const struct zcfwd_config_entry *c = &opt->config[i];
		struct zcfwd_lcore *lc = &fwd->lcore[c->lcore];
		struct zcfwd_rxq *rx;

		if (lcore_ok("--config", c->lcore) != 0)
			return -1;
		if (lc->role == ZCFWD_IDLE) {
			lc->role = opt->model == ZCFWD_RTC ? ZCFWD_FWD : ZCFWD_RX;
			if (lc->role == ZCFWD_FWD)
				lc->txq = ntx++;
			else
				rx_ordinal[c->lcore] = nrx++;
		}
		rx = add_rxq(lc, c->lcore, c->port, c->queue);
		if (rx == NULL)
			return -1;
		nb_rxq[c->port] = RTE_MAX(nb_rxq[c->port], c->queue + 1);
		count[c->port]++;
		if (lc->role == ZCFWD_RX) {
			uint16_t w = opt->workers[rx_ordinal[c->lcore] % opt->nb_workers];
			char name[RTE_RING_NAMESIZE];
			struct zcfwd_rxq *in;

			snprintf(name, sizeof(name), "zcfwd_p%u_q%u", c->port, c->queue);
			rx->ring = rte_ring_create(name, PIPE_RING_SIZE, rte_socket_id(),
						   RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (rx->ring == NULL) {
				fprintf(stderr, "zcfwd: cannot create ring %s: %s\n", name,
					rte_strerror(rte_errno));
				return -1;
			}
			(*nb_rings)++;
			in = add_rxq(&fwd->lcore[w], w, c->port, c->queue);
			if (in == NULL)
				return -1;
			in->ring = rx->ring;
		}
	}
	for (i = 0; i < fwd->nb_ports; i++) {
		uint16_t p = fwd->ports[i];

		if (count[p] == 0) {
			fprintf(stderr, "zcfwd: --config: port %u has no receive queue (each port in -p needs one)\n",
				p);
			return -1;
		}
		if (count[p] != nb_rxq[p]) {
			fprintf(stderr, "zcfwd: --config: port %u uses queue %u but not all of queues 0..%u\n",
				p, nb_rxq[p] - 1, nb_rxq[p] - 1);
			return -1;
		}
	}
	*nb_txq = ntx;
	return 0;
}

static bool
all_zcrx(const struct zcfwd *fwd)
{
	struct rte_eth_dev_info info;
	unsigned int i;

	for (i = 0; i < fwd->nb_ports; i++)
		if (rte_eth_dev_info_get(fwd->ports[i], &info) != 0 ||
		    strcmp(info.driver_name, "net_zcrx") != 0)
			return false;
	return true;
}

static int
pool_create(struct zcfwd *fwd, const uint16_t *nb_rxq, uint16_t nb_txq, unsigned int nb_rings)
{
	unsigned int cache = fwd->opt.ret == ZCFWD_RETURN_REFILL ? 0 : POOL_CACHE;
	unsigned int n = fwd->opt.pool_size, i;

	if (n == 0) {
		n = nb_rings * PIPE_RING_SIZE + 4096;
		for (i = 0; i < fwd->nb_ports; i++)
			n += nb_rxq[fwd->ports[i]] * NB_RXD + nb_txq * NB_TXD;
		n += rte_lcore_count() * (cache + ZCFWD_BURST * (fwd->nb_ports + 1));
	}
	/*
	 * Refill rings need every free to reach the pool, so no mempool cache then;
	 * zcpool's own lcore caches stay. net_zcrx ports get a pool over a hugepage
	 * area with mbuf headers outside it (the kernel only ever sees payload);
	 * other drivers may need headers and buffers together (22.11's net_af_xdp
	 * makes its UMEM of the pool's memory), so with any of those the pool is a
	 * zero-configuration zcpool pool. net_zcrx's buffers are 2 KiB, two a page:
	 * the default 2176 bytes cross pages, which AF_XDP zero-copy refuses behind an
	 * IOMMU (a 1514-byte frame still fits after the kernel's 256-byte headroom).
	 */
	if (all_zcrx(fwd))
		fwd->pool = zc_pktmbuf_pool_create("zcfwd_pool", n, cache, 0, 2048, NULL,
						   rte_socket_id());
	else
		fwd->pool = rte_pktmbuf_pool_create_by_ops("zcfwd_pool", n, cache, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE,
							   rte_socket_id(), "zcpool");
	if (fwd->pool == NULL) {
		fprintf(stderr, "zcfwd: cannot create a pool of %u mbufs: %s; reserve hugepages (devtools/setup.sh) or lower --pool-size\n",
			n, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
port_setup(struct zcfwd *fwd, uint16_t port, uint16_t nb_rxq, uint16_t nb_txq)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_hdr *hdr = &fwd->routes.out_hdr[port];
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD, q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		goto fail;
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		fprintf(stderr, "zcfwd: port %u (%s) has %u receive and %u transmit queues; zcfwd needs %u and %u (one transmit queue per forwarding lcore): use fewer lcores, or give the port more queues (net_zcrx: queue_count=)\n",
			port, info.driver_name, info.max_rx_queues, info.max_tx_queues, nb_rxq,
			nb_txq);
		return -1;
	}
	/* Checked in software where the port does not (route.h). */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	for (q = 0; ret == 0 && q < nb_rxq; q++)
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, rte_eth_dev_socket_id(port), NULL,
					     fwd->pool);
	for (q = 0; ret == 0 && q < nb_txq; q++)
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, rte_eth_dev_socket_id(port), NULL);
	if (ret != 0)
		goto fail;
	/* zcfwd reads the EtherType itself: spare the port its packet-type parsing. */
	(void)rte_eth_dev_set_ptypes(port, RTE_PTYPE_UNKNOWN, NULL, 0);
	ret = rte_eth_macaddr_get(port, &hdr->src_addr);
	if (ret != 0)
		goto fail;
	hdr->dst_addr = fwd->opt.eth_dest[port];
	if (fwd->opt.promiscuous)
		(void)rte_eth_promiscuous_enable(port);
	ret = rte_eth_dev_start(port);
	fwd->started[port] = ret == 0;
	if (ret == 0)
		return 0;
fail:
	fprintf(stderr, "zcfwd: port %u: setup failed: %s (the driver's log above says more)\n", port,
		rte_strerror(-ret));
	return -1;
}

/*
 * --return refill: each forwarding lcore (or worker) becomes the producer of the
 * refill rings of the queues it serves, and takes back the buffers its transmit
 * queues complete, to post them there too.
 */
static int
refill_setup(struct zcfwd *fwd)
{
	unsigned int l, q, i;

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		struct zcfwd_lcore *lc = &fwd->lcore[l];

		if (lc->role != ZCFWD_FWD && lc->role != ZCFWD_WORKER)
			continue;
		for (q = 0; q < lc->nb_rxq; q++) {
			struct zcfwd_rxq *rx = &lc->rxq[q];

			rx->rq = zc_rq_get(rx->port, rx->queue);
			if (rx->rq == NULL) {
				fprintf(stderr, "zcfwd: --return refill: port %u queue %u has no refill ring: %s\n",
					rx->port, rx->queue,
					rte_errno == ENODEV ? "not a net_zcrx port; use --return free" :
					rte_errno == ENOTSUP ? "its devargs set rq_entries=0" :
					rte_strerror(rte_errno));
				return -1;
			}
			if (lc->rq_of_port[rx->port] == NULL)
				lc->rq_of_port[rx->port] = rx->rq;
		}
		for (i = 0; i < fwd->nb_ports; i++) {
			int ret = zc_tx_done_set(fwd->ports[i], lc->txq, zcfwd_tx_done, lc);

			if (ret != 0) {
				fprintf(stderr, "zcfwd: --return refill: port %u: %s\n", fwd->ports[i],
					ret == -ENODEV ? "not a net_zcrx port; use --return free" :
					strerror(-ret));
				return -1;
			}
		}
	}
	return 0;
}

int
zcfwd_setup(struct zcfwd *fwd)
{
	uint16_t nb_rxq[ZCFWD_MAX_PORTS] = { 0 }, nb_txq = 0;
	unsigned int i, nb_rings = 0;

	if (ports_ok(fwd) != 0 || assign_lcores(fwd, nb_rxq, &nb_txq, &nb_rings) != 0)
		return -1;
	if (zcfwd_routes_load(fwd->opt.routes, fwd->opt.portmask, &fwd->routes,
			      rte_socket_id()) != 0)
		return -1;
	if (pool_create(fwd, nb_rxq, nb_txq, nb_rings) != 0)
		return -1;
	for (i = 0; i < fwd->nb_ports; i++)
		if (port_setup(fwd, fwd->ports[i], nb_rxq[fwd->ports[i]], nb_txq) != 0)
			return -1;
	if (fwd->opt.ret == ZCFWD_RETURN_REFILL && refill_setup(fwd) != 0)
		return -1;
	return 0;
}

int
zcfwd_teardown(struct zcfwd *fwd)
{
	unsigned int l, q, i, drained = 0;
	int ret = 0;

	for (l = 0; l < RTE_MAX_LCORE; l++)
		drained += zcfwd_lcore_drain(&fwd->lcore[l]);
	if (drained != 0)
		printf("zcfwd: %u packets were still in pipeline rings at the stop (returned)\n",
		       drained);
	/* Stopping and closing the ports gives back what their queues held. */
	for (i = 0; i < fwd->nb_ports; i++) {
		if (fwd->started[fwd->ports[i]])
			(void)rte_eth_dev_stop(fwd->ports[i]);
		(void)rte_eth_dev_close(fwd->ports[i]);
	}
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		struct zcfwd_lcore *lc = &fwd->lcore[l];

		for (q = 0; q < lc->nb_rxq; q++) {
			zc_rq_put(lc->rxq[q].rq);
			if (lc->role == ZCFWD_RX)
				rte_ring_free(lc->rxq[q].ring);
		}
	}
	if (fwd->pool != NULL) {
		ret = zcfwd_audit(fwd);
		/* Deferred if buffers are missing: never free memory under them. */
		(void)zc_pool_destroy(fwd->pool, 0);
	}
	zcfwd_routes_free(&fwd->routes);
	return ret;
}

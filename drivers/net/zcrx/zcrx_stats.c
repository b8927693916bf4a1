/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "zcrx_pvt.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

/* Per-queue counters, by name and offset in the queue structure. */
struct zcrx_xstat {
	const char *name;
	size_t off;
};

/* Packets and bytes per queue come from ethdev (RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS). */
static const struct zcrx_xstat rx_xstats[] = {
	{ "fill_from_pool", offsetof(struct zcrx_rxq, stats.fill_from_pool) },
	{ "fill_pool_empty", offsetof(struct zcrx_rxq, stats.fill_empty) },
	{ "rq_refill", offsetof(struct zcrx_rxq, stats.rq_refill) },
	{ "rq_invalid", offsetof(struct zcrx_rxq, stats.rq_invalid) },
	{ "rq_not_owned", offsetof(struct zcrx_rxq, stats.rq_not_owned) },
	{ "rq_stale", offsetof(struct zcrx_rxq, stats.rq_stale) },
	{ "rq_corrupt", offsetof(struct zcrx_rxq, stats.rq_corrupt) },
};

static const struct zcrx_xstat tx_xstats[] = {
	{ "zero_copy", offsetof(struct zcrx_txq, stats.zero_copy) },
	{ "copy", offsetof(struct zcrx_txq, stats.copy) },
	{ "linearised", offsetof(struct zcrx_txq, stats.linearised) },
	{ "drop_no_frame", offsetof(struct zcrx_txq, stats.drop_nobuf) },
	{ "drop_too_long", offsetof(struct zcrx_txq, stats.drop_too_long) },
	{ "not_owned", offsetof(struct zcrx_txq, stats.not_owned) },
	{ "handed_back", offsetof(struct zcrx_txq, stats.handed_back) },
};

/* The kernel's own counters for a socket (struct xdp_statistics). */
static const struct zcrx_xstat kernel_xstats[] = {
	{ "rx_dropped", offsetof(struct xdp_statistics, rx_dropped) },
	{ "rx_invalid_descs", offsetof(struct xdp_statistics, rx_invalid_descs) },
	{ "tx_invalid_descs", offsetof(struct xdp_statistics, tx_invalid_descs) },
	{ "rx_ring_full", offsetof(struct xdp_statistics, rx_ring_full) },
	{ "rx_fill_ring_empty_descs", offsetof(struct xdp_statistics, rx_fill_ring_empty_descs) },
	{ "tx_ring_empty_descs", offsetof(struct xdp_statistics, tx_ring_empty_descs) },
};

/*
 * Plus rx_qN_rq_full (posts the application could not make, ring full) and
 * xdp_qN_zero_copy (1 while the socket is bound in zero-copy mode, 0 in copy mode or
 * unbound).
 */
#define NB_PER_QUEUE (RTE_DIM(rx_xstats) + 1 + RTE_DIM(tx_xstats) + RTE_DIM(kernel_xstats) + 1)

static void
xsk_stats_local(const struct zcrx_qp *qp, struct xdp_statistics *ks)
{
	socklen_t len = sizeof(*ks);

	memset(ks, 0, sizeof(*ks));
	if (qp->started)
		(void)getsockopt(qp->fd, SOL_XDP, XDP_STATISTICS, ks, &len);
}

/*
 * The kernel counts per socket, and a socket's fd is the primary process's own: a
 * secondary (dpdk-proc-info) asks the primary, which reads them as it would for
 * itself. Exact at the time of asking, and the primary does no work for it until
 * asked (last values kept in shared memory would need a timer in the primary).
 */
#define ZCRX_MP_XSK_STATS "net_zcrx_xsk_stats"

struct zcrx_mp_xsk_stats {
	uint16_t port_id;
	uint16_t queue;
	int32_t ret;              /* Reply: 0 or -errno. */
	struct xdp_statistics ks; /* Reply. */
};

/* Messages' param bytes have no alignment: copied in and out. */
static int
xsk_stats_serve(const struct rte_mp_msg *req, const void *peer)
{
	struct zcrx_mp_xsk_stats m = { .ret = -EINVAL };
	struct rte_mp_msg msg = { .name = ZCRX_MP_XSK_STATS, .len_param = sizeof(m) };
	struct zcrx_dev *zd;

	if (req->len_param == sizeof(m)) {
		memcpy(&m, req->param, sizeof(m));
		zd = zcrx_port(m.port_id);
		m.ret = zd == NULL ? -ENODEV : m.queue >= ZCRX_MAX_QUEUES ? -EINVAL : 0;
		if (m.ret == 0)
			xsk_stats_local(&zd->qp[m.queue], &m.ks);
	}
	memcpy(msg.param, &m, sizeof(m));
	return rte_mp_reply(&msg, peer);
}

void
zcrx_stats_serve_secondaries(void)
{
	/* Once per process (EEXIST after); --in-memory has no secondaries (ENOTSUP). */
	if (rte_mp_action_register(ZCRX_MP_XSK_STATS, xsk_stats_serve) < 0 &&
	    rte_errno != EEXIST && rte_errno != ENOTSUP)
		ZCRX_LOG(WARNING, "secondary processes will see no kernel socket counters: %s\n",
			 rte_strerror(rte_errno));
}

static void
xsk_stats_ask(uint16_t port_id, uint16_t q, struct xdp_statistics *ks)
{
	struct zcrx_mp_xsk_stats m = { .port_id = port_id, .queue = q };
	struct rte_mp_msg req = { .name = ZCRX_MP_XSK_STATS, .len_param = sizeof(m) };
	struct timespec timeout = { .tv_sec = 1 };
	struct rte_mp_reply reply;
	int ret = -ETIMEDOUT;

	memset(ks, 0, sizeof(*ks));
	memcpy(req.param, &m, sizeof(m));
	if (rte_mp_request_sync(&req, &reply, &timeout) < 0) {
		ret = -rte_errno;
	} else if (reply.nb_received == 1 && reply.msgs[0].len_param == sizeof(m)) {
		memcpy(&m, reply.msgs[0].param, sizeof(m));
		ret = m.ret;
		if (ret == 0)
			*ks = m.ks;
	}
	free(reply.msgs);
	if (ret < 0)
		ZCRX_LOG(WARNING, "port %u queue %u: no kernel socket counters from the primary process (%s): shown as 0\n",
			 port_id, q, rte_strerror(-ret));
}

static void
kernel_stats(struct rte_eth_dev *dev, uint16_t q, struct xdp_statistics *ks)
{
	const struct zcrx_qp *qp = &zcrx_dev(dev)->qp[q];

	if (rte_eal_process_type() == RTE_PROC_PRIMARY || !qp->started)
		xsk_stats_local(qp, ks);
	else
		xsk_stats_ask(dev->data->port_id, q, ks);
}

static unsigned int
nb_queues(const struct rte_eth_dev *dev)
{
	return RTE_MAX(dev->data->nb_rx_queues, dev->data->nb_tx_queues);
}

int
zcrx_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		      unsigned int size)
{
	unsigned int q, i, n = 0, total = nb_queues(dev) * NB_PER_QUEUE;

	if (names == NULL || size < total)
		return total;
	for (q = 0; q < nb_queues(dev); q++) {
		for (i = 0; i < RTE_DIM(rx_xstats); i++)
			snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_q%u_%s", q,
				 rx_xstats[i].name);
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_q%u_rq_full", q);
		for (i = 0; i < RTE_DIM(tx_xstats); i++)
			snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_q%u_%s", q,
				 tx_xstats[i].name);
		for (i = 0; i < RTE_DIM(kernel_xstats); i++)
			snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "xdp_q%u_%s", q,
				 kernel_xstats[i].name);
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "xdp_q%u_zero_copy", q);
	}
	return n;
}

static uint64_t
field(const void *base, size_t off)
{
	return base != NULL ? *(const uint64_t *)RTE_PTR_ADD(base, off) : 0;
}

int
zcrx_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int size)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	unsigned int q, i, n = 0, total = nb_queues(dev) * NB_PER_QUEUE;
	struct xdp_statistics ks;

	if (xstats == NULL || size < total)
		return total;
	for (q = 0; q < nb_queues(dev); q++) {
		const struct zcrx_qp *qp = &zd->qp[q];

		for (i = 0; i < RTE_DIM(rx_xstats); i++, n++) {
			xstats[n].id = n;
			xstats[n].value = field(qp->rxq, rx_xstats[i].off);
		}
		xstats[n].id = n;
		xstats[n++].value = qp->rxq != NULL ? zcrx_rq_full_count(qp->rxq) : 0;
		for (i = 0; i < RTE_DIM(tx_xstats); i++, n++) {
			xstats[n].id = n;
			xstats[n].value = field(qp->txq, tx_xstats[i].off);
		}
		kernel_stats(dev, q, &ks);
		for (i = 0; i < RTE_DIM(kernel_xstats); i++, n++) {
			xstats[n].id = n;
			xstats[n].value = field(&ks, kernel_xstats[i].off);
		}
		xstats[n].id = n;
		xstats[n++].value = qp->started && qp->zero_copy;
	}
	return n;
}

#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
int
zcrx_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats,
	       struct eth_queue_stats *qstats)
#else
int
zcrx_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats)
#endif
{
#if RTE_VERSION < RTE_VERSION_NUM(25, 11, 0, 0)
	/* The per-queue counters live in rte_eth_stats before 25.11. */
	struct rte_eth_stats *qstats = stats;
#endif
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct xdp_statistics ks;
	unsigned int q;

	for (q = 0; q < nb_queues(dev); q++) {
		const struct zcrx_qp *qp = &zd->qp[q];

		if (qp->rxq != NULL) {
			stats->ipackets += qp->rxq->stats.pkts;
			stats->ibytes += qp->rxq->stats.bytes;
			if (qstats != NULL && q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				qstats->q_ipackets[q] = qp->rxq->stats.pkts;
				qstats->q_ibytes[q] = qp->rxq->stats.bytes;
			}
		}
		if (qp->txq != NULL) {
			stats->opackets += qp->txq->stats.pkts;
			stats->obytes += qp->txq->stats.bytes;
			stats->oerrors += qp->txq->stats.errs;
			if (qstats != NULL && q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				qstats->q_opackets[q] = qp->txq->stats.pkts;
				qstats->q_obytes[q] = qp->txq->stats.bytes;
			}
		}
		kernel_stats(dev, q, &ks);
		stats->imissed += ks.rx_dropped + ks.rx_ring_full;
	}
	stats->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

int
zcrx_stats_reset(struct rte_eth_dev *dev)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	unsigned int q;

	for (q = 0; q < nb_queues(dev); q++) {
		struct zcrx_rxq *rxq = zd->qp[q].rxq;
		struct zcrx_txq *txq = zd->qp[q].txq;

		if (rxq != NULL)
			memset(&rxq->stats, 0, sizeof(rxq->stats));
		if (txq != NULL)
			memset(&txq->stats, 0, sizeof(txq->stats));
	}
	dev->data->rx_mbuf_alloc_failed = 0;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_xdp.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_alarm.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "zcrx_pvt.h"

RTE_LOG_REGISTER(zcrx_logtype, pmd.net.zcrx, NOTICE);

#define ZCRX_RX_OFFLOADS (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
			  RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
/* Largest frame: one page less the kernel's XDP headroom. */
#define ZCRX_MAX_RX_PKTLEN (4096 - XDP_PACKET_HEADROOM)
/* How often a started port checks that its interface still exists. */
#define ZCRX_WATCH_US (1000 * 1000)

/* ioctl on the netdev by name (flags, MTU). */
static int
netdev_ioctl(const struct zcrx_dev *zd, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -errno;
	strcpy(ifr->ifr_name, zd->if_name);
	ret = ioctl(fd, req, ifr) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int
set_flag(struct rte_eth_dev *dev, short flag, bool on)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ret = netdev_ioctl(zd, SIOCGIFFLAGS, &ifr);
	if (ret < 0)
		return ret;
	ifr.ifr_flags = on ? (ifr.ifr_flags | flag) : (ifr.ifr_flags & ~flag);
	return netdev_ioctl(zd, SIOCSIFFLAGS, &ifr);
}

static int
zcrx_promiscuous_enable(struct rte_eth_dev *dev)
{
	return set_flag(dev, IFF_PROMISC, true);
}

static int
zcrx_promiscuous_disable(struct rte_eth_dev *dev)
{
	return set_flag(dev, IFF_PROMISC, false);
}

static int
zcrx_allmulticast_enable(struct rte_eth_dev *dev)
{
	return set_flag(dev, IFF_ALLMULTI, true);
}

static int
zcrx_allmulticast_disable(struct rte_eth_dev *dev)
{
	return set_flag(dev, IFF_ALLMULTI, false);
}

static int
zcrx_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct ifreq ifr = { .ifr_mtu = mtu };

	if (mtu + RTE_ETHER_HDR_LEN > ZCRX_MAX_RX_PKTLEN)
		return -EINVAL;
	return netdev_ioctl(zcrx_dev(dev), SIOCSIFMTU, &ifr);
}

static const struct rte_eth_link link_down = {
	.link_speed = RTE_ETH_SPEED_NUM_10G,
	.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
	.link_autoneg = RTE_ETH_LINK_AUTONEG,
};

void
zcrx_link_lost(uint16_t port_id, int err)
{
	struct rte_eth_dev *dev = &rte_eth_devices[port_id];
	struct zcrx_dev *zd = zcrx_dev(dev);

	if (__atomic_exchange_n(&zd->link_lost, true, __ATOMIC_RELAXED))
		return;
	rte_eth_linkstatus_set(dev, &link_down);
	ZCRX_LOG(ERR, "port %u: interface %s (index %d) is gone (%s): the link is down and nothing is received or sent; stop and close the port\n",
		 port_id, zd->if_name, zd->if_index, strerror(err));
}

/* Deleted, or moved to another namespace: the sockets were unbound from it. */
static bool
link_gone(struct rte_eth_dev *dev)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	char name[IF_NAMESIZE];

	if (!__atomic_load_n(&zd->link_lost, __ATOMIC_RELAXED) &&
	    if_indextoname(zd->if_index, name) == NULL && (errno == ENXIO || errno == ENODEV))
		zcrx_link_lost(dev->data->port_id, ENODEV);
	return __atomic_load_n(&zd->link_lost, __ATOMIC_RELAXED);
}

/* A deleted interface is otherwise silent: the sockets just see nothing more. */
static void
link_watch(void *arg)
{
	struct rte_eth_dev *dev = arg;

	if (!link_gone(dev) && rte_eal_alarm_set(ZCRX_WATCH_US, link_watch, dev) < 0)
		ZCRX_LOG(WARNING, "port %u: cannot re-arm the interface check: %s\n",
			 dev->data->port_id, rte_strerror(rte_errno));
}

static int
zcrx_link_update(struct rte_eth_dev *dev, int wait)
{
	struct rte_eth_link link = link_down;
	struct ifreq ifr;

	RTE_SET_USED(wait);
	memset(&ifr, 0, sizeof(ifr));
	if (dev->data->dev_started && !link_gone(dev) &&
	    netdev_ioctl(zcrx_dev(dev), SIOCGIFFLAGS, &ifr) == 0)
		link.link_status = (ifr.ifr_flags & IFF_RUNNING) ? RTE_ETH_LINK_UP :
								   RTE_ETH_LINK_DOWN;
	return rte_eth_linkstatus_set(dev, &link);
}

static int
zcrx_dev_configure(struct rte_eth_dev *dev)
{
	struct zcrx_dev *zd = zcrx_dev(dev);

	if (dev->data->nb_rx_queues == 0) {
		ZCRX_LOG(ERR, "%s: no rx queue: the AF_XDP sockets of tx queues need an rx queue's pool, configure at least one\n",
			 zd->if_name);
		return -EINVAL;
	}
	return 0;
}

static int
zcrx_dev_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct zcrx_dev *zd = zcrx_dev(dev);

	info->if_index = zd->if_index;
	info->max_mac_addrs = 1;
	info->max_rx_queues = zd->queue_count;
	/* Tx queues beyond the rx queues share their netdev queues (zcrx_pvt.h). */
	info->max_tx_queues = ZCRX_MAX_QUEUES;
	/*
	 * The least a frame takes is 2048 bytes, headroom included (ethdev adds
	 * RTE_PKTMBUF_HEADROOM to this): two frames a page, which zero-copy needs.
	 */
	info->min_rx_bufsize = 2048 - RTE_PKTMBUF_HEADROOM;
	info->max_rx_pktlen = ZCRX_MAX_RX_PKTLEN;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = ZCRX_MAX_RX_PKTLEN - RTE_ETHER_HDR_LEN;
	info->rx_offload_capa = ZCRX_RX_OFFLOADS;
	info->rx_queue_offload_capa = ZCRX_RX_OFFLOADS;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxportconf.ring_size = ZCRX_DEFAULT_RING;
	info->default_txportconf.ring_size = ZCRX_DEFAULT_RING;
	info->rx_desc_lim.nb_max = 8192;
	info->rx_desc_lim.nb_min = 64;
	info->rx_desc_lim.nb_align = 64;
	info->tx_desc_lim = info->rx_desc_lim;
	info->speed_capa = RTE_ETH_LINK_SPEED_10G;
	/* A stopped queue can be set up again (bound to another pool) at run time. */
	info->dev_capa = RTE_ETH_DEV_CAPA_RUNTIME_RX_QUEUE_SETUP |
			 RTE_ETH_DEV_CAPA_RUNTIME_TX_QUEUE_SETUP;
	return 0;
}

/* The element count arrived in 24.03. */
#if RTE_VERSION >= RTE_VERSION_NUM(24, 3, 0, 0)
static const uint32_t *
zcrx_ptypes(struct rte_eth_dev *dev, size_t *no_of_elements)
#else
static const uint32_t *
zcrx_ptypes(struct rte_eth_dev *dev)
#endif
{
	/* Parsed in software on receive (rte_net_get_ptype()). */
	static const uint32_t ptypes[] = {
		RTE_PTYPE_L2_ETHER, RTE_PTYPE_L2_ETHER_VLAN, RTE_PTYPE_L2_ETHER_QINQ,
		RTE_PTYPE_L3_IPV4_EXT_UNKNOWN, RTE_PTYPE_L3_IPV6_EXT_UNKNOWN,
		RTE_PTYPE_L4_TCP, RTE_PTYPE_L4_UDP, RTE_PTYPE_L4_FRAG, RTE_PTYPE_L4_ICMP,
		RTE_PTYPE_L4_SCTP, RTE_PTYPE_UNKNOWN
	};

	RTE_SET_USED(dev);
#if RTE_VERSION >= RTE_VERSION_NUM(24, 3, 0, 0)
	*no_of_elements = RTE_DIM(ptypes);
#endif
	return ptypes;
}

/*
 * Rx queue k and the tx queues on its netdev queue (k, k + nb_rx, ...) are one
 * group of sockets: starting or stopping any of them starts or stops all.
 * Starting binds the pool's area to the device (the UMEM); stopping returns
 * every buffer the kernel held and unbinds it; the memory stays.
 */
static void
group_state_set(struct rte_eth_dev *dev, uint16_t k, uint8_t state)
{
	struct rte_eth_dev_data *data = dev->data;
	uint16_t q;

	data->rx_queue_state[k] = state;
	for (q = k; q < data->nb_tx_queues; q += data->nb_rx_queues)
		data->tx_queue_state[q] = state;
}

static int
qp_start(struct rte_eth_dev *dev, uint16_t q)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct zcrx_qp *qp = &zd->qp[q];
	int ret;

	if (qp->started)
		return 0;
	if (qp->rxq == NULL) {
		ZCRX_LOG(ERR, "%s: rx queue %u is not set up\n", zd->if_name, q);
		return -EINVAL;
	}
	qp->rxq->csum = (dev->data->dev_conf.rxmode.offloads & ZCRX_RX_OFFLOADS) != 0;
	qp->rxq->ptype_mask = zd->ptype_mask;
	ret = zc_area_bind(qp->rxq->frames.zp->area, zd->dev);
	if (ret < 0)
		return ret;
	ret = zcrx_qp_open(zd, qp);
	if (ret < 0) {
		zc_area_unbind(qp->rxq->frames.zp->area, zd->dev);
		return ret;
	}
	group_state_set(dev, q, RTE_ETH_QUEUE_STATE_STARTED);
	return 0;
}

static int
qp_stop(struct rte_eth_dev *dev, uint16_t q)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct zcrx_qp *qp = &zd->qp[q];

	if (qp->started) {
		zcrx_qp_close(zd, qp);
		zc_area_unbind(qp->rxq->frames.zp->area, zd->dev);
	}
	group_state_set(dev, q, RTE_ETH_QUEUE_STATE_STOPPED);
	return 0;
}

static int
zcrx_ptypes_set(struct rte_eth_dev *dev, uint32_t mask)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	uint16_t q;

	zd->ptype_mask = mask & ZCRX_PTYPES;
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		if (zd->qp[q].rxq != NULL)
			zd->qp[q].rxq->ptype_mask = zd->ptype_mask;
	return 0;
}

static int
zcrx_dev_start(struct rte_eth_dev *dev)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	uint16_t q;
	int ret;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		/* Deferred queues wait for rte_eth_dev_rx_queue_start(). */
		if (zd->qp[q].rxq != NULL && zd->qp[q].rxq->deferred)
			continue;
		ret = qp_start(dev, q);
		if (ret < 0)
			goto err;
	}
	dev->data->dev_started = 1;
	zcrx_link_update(dev, 0);
	if (rte_eal_alarm_set(ZCRX_WATCH_US, link_watch, dev) < 0)
		ZCRX_LOG(WARNING, "port %u: no check for the interface going away: %s\n",
			 dev->data->port_id, rte_strerror(rte_errno));
	return 0;
err:
	while (q-- > 0)
		qp_stop(dev, q);
	return ret;
}

static int
zcrx_dev_stop(struct rte_eth_dev *dev)
{
	uint16_t q;

	/* Waits for a check under way. */
	rte_eal_alarm_cancel(link_watch, dev);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		qp_stop(dev, q);
	dev->data->dev_started = 0;
	zcrx_link_update(dev, 0);
	return 0;
}

static int
zcrx_rx_queue_start(struct rte_eth_dev *dev, uint16_t q)
{
	return qp_start(dev, q);
}

static int
zcrx_rx_queue_stop(struct rte_eth_dev *dev, uint16_t q)
{
	return qp_stop(dev, q);
}

static int
zcrx_tx_queue_start(struct rte_eth_dev *dev, uint16_t q)
{
	return qp_start(dev, q % dev->data->nb_rx_queues);
}

static int
zcrx_tx_queue_stop(struct rte_eth_dev *dev, uint16_t q)
{
	return qp_stop(dev, q % dev->data->nb_rx_queues);
}

static void
zcrx_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct zcrx_rxq *rxq = zd->qp[qid].rxq;

	if (rxq != NULL) {
		zcrx_rq_detach(rxq);
		zcrx_frames_release(rxq);
	}
	rte_free(rxq);
	zd->qp[qid].rxq = NULL;
	dev->data->rx_queues[qid] = NULL;
}

static void
zcrx_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct zcrx_dev *zd = zcrx_dev(dev);

	if (zd->qp[qid].txq != NULL)
		rte_free(zd->qp[qid].txq->pending);
	rte_free(zd->qp[qid].txq);
	zd->qp[qid].txq = NULL;
	dev->data->tx_queues[qid] = NULL;
}

static int
zcrx_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket_id, const struct rte_eth_rxconf *conf,
		    struct rte_mempool *mp)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct zcrx_rxq *rxq;
	int ret;

	rxq = rte_zmalloc_socket("zcrx_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE, socket_id);
	if (rxq == NULL)
		return -ENOMEM;
	/* Decide whether the pool's memory can be used before touching anything. */
	ret = zcrx_frames_check(zd, qid, mp, &rxq->frames, &rxq->copy);
	if (ret < 0)
		goto err_free;
	rxq->mp = mp;
	rxq->port_id = dev->data->port_id;
	rxq->queue_id = qid;
	rxq->nb_desc = rte_align32pow2(nb_desc ? nb_desc : ZCRX_DEFAULT_RING);
	rxq->deferred = conf != NULL && conf->rx_deferred_start;
	rxq->qp = &zd->qp[qid];
	if (zd->qp[qid].rxq != NULL)
		zcrx_rx_queue_release(dev, qid);
	ret = zcrx_rq_attach(zd, rxq);
	if (ret < 0)
		goto err_release_frames;
	zd->qp[qid].rxq = rxq;
	zd->qp[qid].xsk_queue = zd->start_queue + qid;
	dev->data->rx_queues[qid] = rxq;
	return 0;
err_release_frames:
	zcrx_frames_release(rxq);
err_free:
	rte_free(rxq);
	return ret;
}

static int
zcrx_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		    unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	struct zcrx_txq *txq;

	RTE_SET_USED(conf);
	txq = rte_zmalloc_socket("zcrx_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE, socket_id);
	if (txq == NULL)
		return -ENOMEM;
	if (zd->qp[qid].txq != NULL)
		zcrx_tx_queue_release(dev, qid);
	txq->port_id = dev->data->port_id;
	txq->queue_id = qid;
	txq->nb_desc = rte_align32pow2(nb_desc ? nb_desc : ZCRX_DEFAULT_RING);
	txq->qp = &zd->qp[qid];
	zd->qp[qid].txq = txq;
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static int
zcrx_dev_close(struct rte_eth_dev *dev)
{
	struct zcrx_dev *zd = zcrx_dev(dev);
	uint16_t q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (dev->data->dev_started)
		zcrx_dev_stop(dev);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		zcrx_rx_queue_release(dev, q);
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		zcrx_tx_queue_release(dev, q);
	zcrx_xdp_prog_detach(zd);
	/* ethdev frees dev_private; the MAC address array points into it. */
	dev->data->mac_addrs = NULL;
	return 0;
}

static const struct eth_dev_ops zcrx_ops = {
	.dev_configure = zcrx_dev_configure,
	.dev_infos_get = zcrx_dev_info,
	.dev_start = zcrx_dev_start,
	.dev_stop = zcrx_dev_stop,
	.dev_close = zcrx_dev_close,
	.link_update = zcrx_link_update,
	.promiscuous_enable = zcrx_promiscuous_enable,
	.promiscuous_disable = zcrx_promiscuous_disable,
	.allmulticast_enable = zcrx_allmulticast_enable,
	.allmulticast_disable = zcrx_allmulticast_disable,
	.mtu_set = zcrx_mtu_set,
	.rx_queue_start = zcrx_rx_queue_start,
	.rx_queue_stop = zcrx_rx_queue_stop,
	.tx_queue_start = zcrx_tx_queue_start,
	.tx_queue_stop = zcrx_tx_queue_stop,
	.rx_queue_setup = zcrx_rx_queue_setup,
	.tx_queue_setup = zcrx_tx_queue_setup,
	.rx_queue_release = zcrx_rx_queue_release,
	.tx_queue_release = zcrx_tx_queue_release,
	.dev_supported_ptypes_get = zcrx_ptypes,
	.dev_ptypes_set = zcrx_ptypes_set,
	.stats_get = zcrx_stats_get,
	.stats_reset = zcrx_stats_reset,
	.xstats_get = zcrx_xstats_get,
	.xstats_get_names = zcrx_xstats_get_names,
	.xstats_reset = zcrx_stats_reset,
};

/*
 * A secondary process (dpdk-proc-info, dpdk-dumpcap) sees the port through the
 * shared device data: dev_private and the queue structures are in DPDK's shared
 * memory, so information, link and counters read the same there (the kernel's
 * socket counters come from the primary, zcrx_stats.c). The sockets, their rings
 * and the XDP program are the primary's own: everything that touches them
 * (control, bursts, refill and completion queues) works in the primary only.
 */
static const struct eth_dev_ops zcrx_secondary_ops = {
	.dev_infos_get = zcrx_dev_info,
	.dev_close = zcrx_dev_close,
	.link_update = zcrx_link_update,
	.dev_supported_ptypes_get = zcrx_ptypes,
	.stats_get = zcrx_stats_get,
	.stats_reset = zcrx_stats_reset,
	.xstats_get = zcrx_xstats_get,
	.xstats_get_names = zcrx_xstats_get_names,
	.xstats_reset = zcrx_stats_reset,
};

static void
secondary_refused(void)
{
	static bool logged;

	if (!__atomic_exchange_n(&logged, true, __ATOMIC_RELAXED))
		ZCRX_LOG(ERR, "receive, transmit, refill and completion queues work in the primary process only (the AF_XDP sockets are its own): this secondary process takes and sends nothing\n");
}

/* Rx and tx alike: no packet taken, none sent (the caller keeps its mbufs). */
static uint16_t
secondary_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	RTE_SET_USED(queue);
	RTE_SET_USED(pkts);
	RTE_SET_USED(nb_pkts);
	secondary_refused();
	return 0;
}

struct zcrx_dev *
zcrx_port(uint16_t port_id)
{
	if (!rte_eth_dev_is_valid_port(port_id) || rte_eth_devices[port_id].dev_ops != &zcrx_ops)
		return NULL;
	return zcrx_dev(&rte_eth_devices[port_id]);
}

void *
zcrx_queue_lookup(uint16_t port_id, uint16_t queue_id, bool tx)
{
	const struct rte_eth_dev_data *data;
	void *q = NULL;

	if (zcrx_port(port_id) == NULL) {
		rte_errno = ENODEV;
		if (rte_eth_dev_is_valid_port(port_id) &&
		    rte_eth_devices[port_id].dev_ops == &zcrx_secondary_ops) {
			secondary_refused();
			rte_errno = ENOTSUP;
		}
		return NULL;
	}
	data = rte_eth_devices[port_id].data;
	if (queue_id < (tx ? data->nb_tx_queues : data->nb_rx_queues))
		q = tx ? data->tx_queues[queue_id] : data->rx_queues[queue_id];
	if (q == NULL)
		rte_errno = EINVAL;
	return q;
}

/* libxdp and libbpf chatter (fallbacks they handle themselves) goes to our log. */
static int
lib_print(const char *fmt, va_list args)
{
	return rte_vlog(RTE_LOG_DEBUG, zcrx_logtype, fmt, args);
}

static int
libxdp_print(enum libxdp_print_level level, const char *fmt, va_list args)
{
	RTE_SET_USED(level);
	return lib_print(fmt, args);
}

static int
libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	RTE_SET_USED(level);
	return lib_print(fmt, args);
}

/*
 * mempool ops are known by index, each process numbering them in its order of
 * registration: a zcpool pool of the primary must be zcpool here too, or every
 * pool, the capture pools the primary fills for dpdk-dumpcap included, may run
 * another process's driver.
 */
static int
secondary_pools_check(const struct rte_eth_dev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		const struct zcrx_rxq *rxq = dev->data->rx_queues[q];

		if (rxq != NULL && !zc_pool_is_zcpool(rxq->frames.mp)) {
			ZCRX_LOG(ERR, "port %u: pool %s of rx queue %u is zcpool in the primary process but mempool ops %u is '%s' here: load the same drivers (-d) in the same order as the primary\n",
				 dev->data->port_id, rxq->frames.mp->name, q,
				 rxq->frames.mp->ops_index,
				 rte_mempool_get_ops(rxq->frames.mp->ops_index)->name);
			return -EINVAL;
		}
	}
	return 0;
}

/* The primary's port, as zcrx_secondary_ops shows it. */
static int
zcrx_probe_secondary(struct rte_vdev_device *vdev)
{
	/* Logs when the primary has no such port. */
	struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(rte_vdev_device_name(vdev));
	int ret;

	if (dev == NULL)
		return -ENODEV;
	ret = secondary_pools_check(dev);
	if (ret < 0) {
		rte_eth_dev_release_port(dev);
		return ret;
	}
	dev->dev_ops = &zcrx_secondary_ops;
	dev->device = &vdev->device;
	dev->rx_pkt_burst = secondary_burst;
	dev->tx_pkt_burst = secondary_burst;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

static int
zcrx_probe(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;
	struct zcrx_dev *zd;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return zcrx_probe_secondary(vdev);
	zcrx_stats_serve_secondaries();
	libxdp_set_print(libxdp_print);
	libbpf_set_print(libbpf_print);
	/* Older kernels charge UMEM and BPF maps to RLIMIT_MEMLOCK. */
	if (setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY }) < 0)
		ZCRX_LOG(DEBUG, "cannot raise RLIMIT_MEMLOCK: %s\n", strerror(errno));
	dev = rte_eth_vdev_allocate(vdev, sizeof(*zd));
	if (dev == NULL)
		return -ENOMEM;
	zd = zcrx_dev(dev);
	ret = zcrx_parse_devargs(vdev, zd);
	if (ret == 0)
		ret = zcrx_xdp_prog_attach(zd);
	if (ret < 0) {
		ZCRX_LOG(ERR, "%s: probe failed\n", rte_vdev_device_name(vdev));
		rte_eth_dev_release_port(dev);
		return ret;
	}
	zd->eth_dev = dev;
	zd->ptype_mask = ZCRX_PTYPES;
	zd->dev = &vdev->device;
	dev->dev_ops = &zcrx_ops;
	dev->rx_pkt_burst = zcrx_rx_burst;
	dev->tx_pkt_burst = zcrx_tx_burst;
	dev->data->mac_addrs = &zd->mac;
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	rte_eth_dev_probing_finish(dev);
	ZCRX_LOG(INFO, "%s: port %u on %s queues %u-%u\n", rte_vdev_device_name(vdev),
		 dev->data->port_id, zd->if_name, zd->start_queue,
		 zd->start_queue + zd->queue_count - 1);
	return 0;
}

static int
zcrx_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	zcrx_dev_close(dev);
	rte_eth_dev_release_port(dev);
	return 0;
}

static struct rte_vdev_driver zcrx_vdev = {
	.probe = zcrx_probe,
	.remove = zcrx_remove,
};

RTE_PMD_REGISTER_VDEV(net_zcrx, zcrx_vdev);
RTE_PMD_REGISTER_PARAM_STRING(net_zcrx,
	"iface=<string> start_queue=<int> queue_count=<int> rq_entries=<int> busy_budget=<int> force_copy=<0|1> zero_copy=<0|1> xdp_prog=<path>");

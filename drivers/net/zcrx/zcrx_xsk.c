/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "zcrx_pvt.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

/* The kernel takes frames from 2 KiB to one page in unaligned chunk mode. */
#define ZCRX_FRAME_MIN 2048
#define ZCRX_FRAME_MAX 4096
#define ZCRX_UMEM_RING 4096
#define ZCRX_BIND_TRIES 50
#define ZCRX_BIND_RETRY_US (20 * 1000)

/*
 * UMEMs by area: every socket over an area shares its UMEM (XDP_SHARED_UMEM).
 * The mutex also serialises libxdp, whose UMEM state (socket count, rings) is
 * not thread-safe: UMEMs and sockets are made and deleted under it, system
 * calls included. No lcore takes it: transmit only appends to a UMEM's pool
 * list, under that UMEM's spinlock.
 */
static TAILQ_HEAD(, zcrx_umem) umems = TAILQ_HEAD_INITIALIZER(umems);
static pthread_mutex_t umems_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t
frame_size(const struct zcpool *zp)
{
	return RTE_MIN(zp->buf_len, (uint32_t)ZCRX_FRAME_MAX);
}

/* UMEM registration wants a page-aligned start: cover the area with whole pages. */
static void
umem_span(const struct zc_area *area, char **base, size_t *len)
{
	size_t pg = sysconf(_SC_PAGESIZE);

	*base = RTE_PTR_ALIGN_FLOOR((char *)area->addr, pg);
	*len = RTE_ALIGN_CEIL((size_t)((char *)area->addr + area->len - *base), pg);
}

/* The area's UMEM, made on first use. Called with umems_lock held. */
static struct zcrx_umem *
umem_get(struct zc_area *area, uint32_t frame)
{
	struct xsk_umem_config cfg = {
		.fill_size = ZCRX_UMEM_RING,
		.comp_size = ZCRX_UMEM_RING,
		.frame_size = frame,
		.frame_headroom = 0,
		.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG,
	};
	struct zcrx_umem *u;
	size_t len;
	int ret;

	TAILQ_FOREACH(u, &umems, next) {
		if (u->area == area) {
			u->refcnt++;
			return u;
		}
	}
	u = rte_zmalloc("zcrx_umem", sizeof(*u), RTE_CACHE_LINE_SIZE);
	if (u == NULL)
		return NULL;
	umem_span(area, &u->base, &len);
	ret = xsk_umem__create(&u->umem, u->base, len, &u->fq, &u->cq, &cfg);
	if (ret != 0) {
		ZCRX_LOG(ERR, "cannot register area %s (%zu bytes) as an AF_XDP UMEM: %s%s\n",
			 area->name, len, strerror(-ret),
			 ret == -EPERM ? " (needs root, or CAP_NET_RAW, CAP_IPC_LOCK and a large enough RLIMIT_MEMLOCK)" : "");
		rte_free(u);
		return NULL;
	}
	u->area = area;
	u->delta = (char *)area->addr - u->base;
	u->frame_size = frame;
	u->refcnt = 1;
	rte_spinlock_init(&u->pools_lock);
	zc_area_get(area);
	TAILQ_INSERT_TAIL(&umems, u, next);
	return u;
}

int
zcrx_umem_add_pool(struct zcrx_umem *u, const struct zcpool *zp)
{
	unsigned int i;
	int ret = 0;

	rte_spinlock_lock(&u->pools_lock);
	for (i = 0; i < u->nb_pools; i++)
		if (u->pools[i] == zp)
			goto out;
	if (u->nb_pools == ZCRX_UMEM_POOLS) {
		ret = -ENOSPC;
		goto out;
	}
	u->pools[u->nb_pools] = zp;
	/* Readers load the count with acquire: publish the entry first. */
	__atomic_store_n(&u->nb_pools, u->nb_pools + 1, __ATOMIC_RELEASE);
out:
	rte_spinlock_unlock(&u->pools_lock);
	return ret;
}

/* Called with umems_lock held. */
static void
umem_put(struct zcrx_umem *u)
{
	if (--u->refcnt > 0)
		return;
	TAILQ_REMOVE(&umems, u, next);
	xsk_umem__delete(u->umem);
	zc_area_put(u->area);
	rte_free(u);
}

/* Frame size of the area's UMEM, or 0 when it has none yet. */
static uint32_t
umem_frame_size(const struct zc_area *area)
{
	const struct zcrx_umem *u;
	uint32_t frame = 0;

	pthread_mutex_lock(&umems_lock);
	TAILQ_FOREACH(u, &umems, next)
		if (u->area == area)
			frame = u->frame_size;
	pthread_mutex_unlock(&umems_lock);
	return frame;
}

/* A pool can hold frames when it is a zcpool mbuf pool over readable memory. */
static int
pool_frames_ok(const struct rte_mempool *mp, uint16_t qid)
{
	const struct zcpool *zp = zcpool_of(mp);
	uint32_t frame;

	if (!zp->pktmbuf || zp->area == NULL) {
		ZCRX_LOG(ERR, "rx queue %u: pool %s is not a populated mbuf pool\n", qid, mp->name);
		return -EINVAL;
	}
	if (!zp->area->readable) {
		ZCRX_LOG(ERR, "rx queue %u: pool %s is over area %s, which the CPU cannot read; AF_XDP needs readable memory (use a hugepage or user area)\n",
			 qid, mp->name, zp->area->name);
		return -EINVAL;
	}
	if (zp->buf_len < ZCRX_FRAME_MIN) {
		ZCRX_LOG(ERR, "rx queue %u: pool %s has %u-byte buffers; AF_XDP frames need at least %u\n",
			 qid, mp->name, zp->buf_len, ZCRX_FRAME_MIN);
		return -EINVAL;
	}
	frame = umem_frame_size(zp->area);
	if (frame > zp->buf_len) {
		ZCRX_LOG(ERR, "rx queue %u: pool %s has %u-byte buffers, smaller than the %u-byte frames of area %s's UMEM\n",
			 qid, mp->name, zp->buf_len, frame, zp->area->name);
		return -EINVAL;
	}
	return 0;
}

int
zcrx_frames_check(struct zcrx_dev *zd, uint16_t qid, struct rte_mempool *mp,
		  struct zcrx_frames *frames, bool *copy)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct zc_pool_geometry geo;
	struct rte_mempool *own;
	bool pieces;
	int ret;

	/* A socket takes one UMEM: a pool whose memory came in pieces (areas) is copied. */
	pieces = zc_pool_is_zcpool(mp) && zc_pool_geometry_get(mp, &geo) == -ENOTSUP;
	if (zc_pool_is_zcpool(mp) && !pieces) {
		ret = pool_frames_ok(mp, qid);
		if (ret < 0)
			return ret;
		frames->mp = mp;
		*copy = false;
	} else {
		/*
		 * Frames from a private zcpool pool, copied into the application's
		 * mbufs. The queue's previous pool, if any, went at its release.
		 */
		snprintf(name, sizeof(name), "zcrx%u_%u", zd->eth_dev->data->port_id, qid);
		own = zc_pktmbuf_pool_create(name, 2 * ZCRX_UMEM_RING, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
					     zd->eth_dev->data->numa_node);
		if (own == NULL) {
			ZCRX_LOG(ERR, "rx queue %u: cannot create the frame pool for copying: %s\n",
				 qid, rte_strerror(rte_errno));
			return -rte_errno;
		}
		if (pieces)
			ZCRX_LOG(NOTICE, "rx queue %u: pool %s is in several areas (its memory came in pieces) and an AF_XDP socket takes one UMEM, so received packets are copied; reserve more hugepages or use zc_pktmbuf_pool_create() to receive without a copy\n",
				 qid, mp->name);
		else
			ZCRX_LOG(NOTICE, "rx queue %u: pool %s is not a zcpool pool, so received packets are copied; create it with zc_pktmbuf_pool_create() or --mbuf-pool-ops-name zcpool to receive without a copy\n",
				 qid, mp->name);
		frames->mp = own;
		*copy = true;
	}
	frames->zp = zcpool_of(frames->mp);
	return 0;
}

/*
 * A copying queue's private frame pool, and the area made with it, go with the
 * queue. The queue is stopped, so its socket and the UMEM over that area are
 * gone and the kernel holds no frame; the application never gets one (copies
 * are made into its own mbufs). Frames still out were lost at a stop (and said
 * so there): nothing can reach them, so the pool is freed now, not waited for.
 */
void
zcrx_frames_release(struct zcrx_rxq *rxq)
{
	if (rxq->copy)
		zc_pool_destroy(rxq->frames.mp, ZC_POOL_DESTROY_FORCE);
}

static bool
set_busy_poll(struct zcrx_dev *zd, int fd)
{
	int on = 1, usecs = 20, budget = zd->busy_budget;

	if (setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof(usecs)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget)) < 0) {
		ZCRX_LOG(WARNING, "%s: busy polling not available (%s); continuing without it\n",
			 zd->if_name, strerror(errno));
		return false;
	}
	return true;
}

static void
qp_umem_put(struct zcrx_qp *qp)
{
	umem_put(qp->umem);
	qp->umem = NULL;
}

/* Take the area's UMEM for the queue pair and list its pool there. Called with umems_lock held. */
static int
qp_umem_get(struct zcrx_qp *qp)
{
	struct zcrx_frames *f = &qp->rxq->frames;
	int ret;

	qp->umem = umem_get(f->zp->area, frame_size(f->zp));
	if (qp->umem == NULL)
		return -ENOMEM;
	ret = zcrx_umem_add_pool(qp->umem, f->zp);
	if (ret < 0) {
		ZCRX_LOG(ERR, "area %s is used by more than %d pools\n", f->zp->area->name,
			 ZCRX_UMEM_POOLS);
		qp_umem_put(qp);
		return ret;
	}
	f->delta = qp->umem->delta;
	return 0;
}

/*
 * Create the socket over the UMEM. The kernel releases a closed socket's hold on
 * the queue from a work item: right after a stop, binding again may see EBUSY for
 * a moment. A failed attempt unmaps the rings libxdp created with the UMEM, so a
 * UMEM that only this socket uses is made anew before trying again. Called with
 * umems_lock held (sleeping under it is fine: only control paths take it); on
 * failure the UMEM is put.
 */
static int
qp_bind(struct zcrx_dev *zd, struct zcrx_qp *qp, const struct xsk_socket_config *cfg)
{
	struct zcrx_rxq *rxq = qp->rxq;
	struct zcrx_txq *txq = qp->txq;
	int tries, ret;

	for (tries = 0;; tries++) {
		ret = xsk_socket__create_shared(&qp->xsk, zd->if_name, qp->xsk_queue,
						qp->umem->umem, &rxq->rx, txq ? &txq->tx : NULL,
						&rxq->fq, txq ? &txq->cq : &qp->spare_cq, cfg);
		if (ret != -EBUSY || tries == ZCRX_BIND_TRIES)
			break;
		rte_delay_us_sleep(ZCRX_BIND_RETRY_US);
		if (qp->umem->refcnt == 1) {
			qp_umem_put(qp);
			ret = qp_umem_get(qp);
			if (ret < 0)
				return ret;
		}
	}
	if (ret != 0) {
		ZCRX_LOG(ERR, "%s queue %u: cannot create the AF_XDP socket: %s%s\n",
			 zd->if_name, qp->xsk_queue, strerror(-ret),
			 ret == -EBUSY ? " (another program or socket holds the queue)" :
			 ret == -EPERM ? " (needs root, or CAP_NET_RAW and CAP_BPF)" : "");
		qp_umem_put(qp);
	}
	return ret;
}

static void
qp_socket_delete(struct zcrx_qp *qp)
{
	pthread_mutex_lock(&umems_lock);
	xsk_socket__delete(qp->xsk);
	qp->xsk = NULL;
	qp_umem_put(qp);
	pthread_mutex_unlock(&umems_lock);
}

int
zcrx_qp_open(struct zcrx_dev *zd, struct zcrx_qp *qp)
{
	struct zcrx_rxq *rxq = qp->rxq;
	struct zcrx_txq *txq = qp->txq;
	struct xsk_socket_config cfg = {
		.rx_size = rte_align32pow2(rxq->nb_desc),
		.tx_size = txq ? rte_align32pow2(txq->nb_desc) : 0,
		.bind_flags = XDP_USE_NEED_WAKEUP | (zd->force_copy ? XDP_COPY : 0),
		/* The port's own program steers frames (zcrx_xdp_prog_attach()). */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	};
	unsigned int filled;
	int ret;

	pthread_mutex_lock(&umems_lock);
	ret = qp_umem_get(qp);
	if (ret == 0)
		ret = qp_bind(zd, qp, &cfg);
	pthread_mutex_unlock(&umems_lock);
	if (ret < 0)
		return ret;
	ret = xsk_socket__update_xskmap(qp->xsk, zd->xdp->map_fd);
	if (ret != 0) {
		ZCRX_LOG(ERR, "%s queue %u: cannot insert the socket into the XDP program's " ZCRX_XSKS_MAP ": %s\n",
			 zd->if_name, qp->xsk_queue, strerror(-ret));
		goto err_socket;
	}
	rxq->fd = xsk_socket__fd(qp->xsk);
	if (txq != NULL)
		txq->fd = rxq->fd;
	rxq->busy_poll = zd->busy_budget > 0 && set_busy_poll(zd, rxq->fd);
	filled = zcrx_fill(rxq, rxq->nb_desc);
	if (filled == 0)
		ZCRX_LOG(WARNING, "%s queue %u: pool %s had no buffer for the fill ring\n",
			 zd->if_name, qp->xsk_queue, rxq->frames.mp->name);
	qp->started = true;
	return 0;
err_socket:
	qp_socket_delete(qp);
	return ret;
}

/* A frame the kernel held goes back to its pool. */
static void
release_frame(struct zcrx_rxq *rxq, uint64_t addr)
{
	struct rte_mbuf *m = zcrx_addr_mbuf(&rxq->frames, addr);

	if (rxq->frames.zp->buf_state != NULL)
		zcpool_buf_reclaim(rxq->frames.zp, zcpool_mbuf_slot(rxq->frames.zp, m));
	rte_mbuf_raw_free(m);
	rxq->in_kernel--;
}

/*
 * Give back to the pool every buffer the kernel still holds for this socket:
 * unread receive descriptors and fill-ring entries not consumed yet. Done before
 * the socket goes away, since its rings go with it.
 */
static void
drain_rx(struct zcrx_rxq *rxq)
{
	struct xsk_ring_prod *fq = &rxq->fq;
	uint32_t idx, n, i;

	while ((n = xsk_ring_cons__peek(&rxq->rx, ZCRX_BURST, &idx)) != 0) {
		for (i = 0; i < n; i++) {
			uint64_t a = xsk_ring_cons__rx_desc(&rxq->rx, idx + i)->addr;

			release_frame(rxq, xsk_umem__extract_addr(a));
		}
		xsk_ring_cons__release(&rxq->rx, n);
	}
	/* Fill entries between the kernel's consumer and our producer are ours. */
	for (i = __atomic_load_n(fq->consumer, __ATOMIC_ACQUIRE); i != fq->cached_prod; i++)
		release_frame(rxq, *xsk_ring_prod__fill_addr(fq, i));
}

void
zcrx_qp_close(struct zcrx_dev *zd, struct zcrx_qp *qp)
{
	if (!qp->started)
		return;
	/*
	 * No frame is steered to the socket from now on. The kernel would drop the
	 * entry only once the socket is released, and libxdp keeps the first socket
	 * over a UMEM open until the UMEM goes.
	 */
	(void)bpf_map_delete_elem(zd->xdp->map_fd, &qp->xsk_queue);
	if (qp->txq != NULL) {
		/* Copy-mode sends complete within the kick; give them a few tries. */
		for (int i = 0; i < 100 && qp->txq->outstanding != 0; i++) {
			(void)sendto(qp->txq->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
			zcrx_tx_complete(qp->txq);
		}
		if (qp->txq->outstanding != 0 && __atomic_load_n(&zd->link_lost, __ATOMIC_RELAXED))
			zcrx_tx_reclaim(qp->txq);
		if (qp->txq->outstanding != 0)
			ZCRX_LOG(WARNING, "%s queue %u: %u sent buffers not completed at stop\n",
				 zd->if_name, qp->xsk_queue, qp->txq->outstanding);
	}
	drain_rx(qp->rxq);
	qp_socket_delete(qp);
	if (qp->rxq->in_kernel != 0)
		ZCRX_LOG(WARNING, "%s queue %u: %u buffers taken by the kernel during the stop are lost\n",
			 zd->if_name, qp->xsk_queue, qp->rxq->in_kernel);
	qp->rxq->in_kernel = 0;
	qp->started = false;
}

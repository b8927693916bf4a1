/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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

#define ZCRX_BIND_TRIES 50
#define ZCRX_BIND_RETRY_US (20 * 1000)
/*
 * The kernel detaches a closed socket's buffer pool from the driver in a work
 * item; until then a zero-copy driver may still write into the buffers of its ring.
 */
#define ZCRX_ZC_RELEASE_US (100 * 1000)
/*
 * A sent frame completes when the kernel frees its skb (copy mode) or the NIC is
 * done with it (zero-copy), on the receiver's or the NIC's CPU, in a softirq that
 * may be held off (a veth peer whose receive RPS steers to a CPU that runs with
 * softirqs off for a while). A stop waits this long for the last ones.
 */
#define ZCRX_TX_DRAIN_US (1000 * 1000)
#define ZCRX_TX_POLL_US 100
#define ZCRX_TX_QUICK_TRIES 100

/*
 * UMEMs by area: every socket over an area shares its UMEM (XDP_SHARED_UMEM).
 * The sockets are made here, with libxdp's ring helpers but not its UMEM and
 * socket objects: libxdp makes the first socket of a UMEM its handle and keeps
 * it bound until the UMEM goes, so the port that owned it could never bind its
 * queue again while another port shares the area. UMEMs and sockets are made
 * and deleted under the mutex, system calls included. No lcore takes it:
 * transmit only appends to a UMEM's pool list, under that UMEM's spinlock.
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

/*
 * The area's UMEM, made on first use (the kernel's with its first socket, see
 * sock_open()). Called with umems_lock held.
 */
static struct zcrx_umem *
umem_get(struct zc_area *area, uint32_t frame)
{
	struct zcrx_umem *u;

	TAILQ_FOREACH(u, &umems, next) {
		if (u->area == area) {
			u->refcnt++;
			return u;
		}
	}
	u = rte_zmalloc("zcrx_umem", sizeof(*u), RTE_CACHE_LINE_SIZE);
	if (u == NULL)
		return NULL;
	umem_span(area, &u->base, &u->len);
	u->area = area;
	u->delta = (char *)area->addr - u->base;
	u->frame_size = frame;
	u->refcnt = 1;
	TAILQ_INIT(&u->socks);
	rte_spinlock_init(&u->pools_lock);
	zc_area_get(area);
	TAILQ_INSERT_TAIL(&umems, u, next);
	return u;
}

/* Register the UMEM with the kernel on an unbound socket: 0 or -errno. */
static int
umem_register(const struct zcrx_umem *u, int fd)
{
	struct xdp_umem_reg reg;
	int ret;

	/* Newer kernels read fields past flags: no stack garbage in the padding. */
	memset(&reg, 0, sizeof(reg));
	reg.addr = (uintptr_t)u->base;
	reg.len = u->len;
	reg.chunk_size = u->frame_size;
	reg.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) == 0)
		return 0;
	ret = -errno;
	ZCRX_LOG(ERR, "cannot register area %s (%zu bytes) as an AF_XDP UMEM: %s%s\n",
		 u->area->name, u->len, strerror(-ret),
		 ret == -EPERM ? " (needs root, or CAP_NET_RAW, CAP_IPC_LOCK and a large enough RLIMIT_MEMLOCK)" : "");
	return ret;
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

/* Called with umems_lock held. The kernel's UMEM went with the last socket. */
static void
umem_put(struct zcrx_umem *u)
{
	if (--u->refcnt > 0)
		return;
	TAILQ_REMOVE(&umems, u, next);
	zc_area_put(u->area);
	rte_free(u);
}

uint32_t
zcrx_umem_frame_size(const struct zc_area *area)
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

/* setsockopt() option, mmap() offset and entry size of each ring of a socket. */
static const struct {
	int opt;
	off_t pgoff;
	size_t esize;
} rings[ZCRX_RING_NB] = {
	[ZCRX_RING_RX] = { XDP_RX_RING, XDP_PGOFF_RX_RING, sizeof(struct xdp_desc) },
	[ZCRX_RING_TX] = { XDP_TX_RING, XDP_PGOFF_TX_RING, sizeof(struct xdp_desc) },
	[ZCRX_RING_FILL] = { XDP_UMEM_FILL_RING, XDP_UMEM_PGOFF_FILL_RING, sizeof(uint64_t) },
	[ZCRX_RING_COMP] = { XDP_UMEM_COMPLETION_RING, XDP_UMEM_PGOFF_COMPLETION_RING,
			     sizeof(uint64_t) },
};

/*
 * Give the unbound socket ring i with n entries (a power of two) and map it,
 * laid out as o says: the mapping, or NULL with errno set.
 */
static void *
ring_map(struct zcrx_qp *qp, enum zcrx_ring i, uint32_t n, const struct xdp_ring_offset *o)
{
	size_t len = o->desc + n * rings[i].esize;
	void *map;

	if (setsockopt(qp->fd, SOL_XDP, rings[i].opt, &n, sizeof(n)) < 0)
		return NULL;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, qp->fd,
		   rings[i].pgoff);
	if (map == MAP_FAILED)
		return NULL;
	qp->maps[i] = (struct zcrx_map){ .addr = map, .len = len };
	return map;
}

/*
 * Point libxdp's view r of a ring (struct xsk_ring_prod or xsk_ring_cons, which
 * share a layout) at its mapping, as libxdp does: a producer's cached_cons runs
 * one ring size ahead of the consumer (see xsk_prod_nb_free()).
 */
#define RING_INIT(r, map, o, n, prod) do { \
	(r)->mask = (n) - 1; \
	(r)->size = (n); \
	(r)->producer = RTE_PTR_ADD(map, (o)->producer); \
	(r)->consumer = RTE_PTR_ADD(map, (o)->consumer); \
	(r)->flags = RTE_PTR_ADD(map, (o)->flags); \
	(r)->ring = RTE_PTR_ADD(map, (o)->desc); \
	(r)->cached_prod = *(r)->producer; \
	(r)->cached_cons = *(r)->consumer + ((prod) ? (n) : 0); \
} while (0)

/* Unmap the socket's rings and close it: the kernel unbinds it. */
static void
sock_close(struct zcrx_qp *qp)
{
	unsigned int i;

	for (i = 0; i < ZCRX_RING_NB; i++) {
		if (qp->maps[i].addr != NULL)
			munmap(qp->maps[i].addr, qp->maps[i].len);
		qp->maps[i].addr = NULL;
	}
	close(qp->fd);
	qp->fd = -1;
}

/*
 * Bind the socket to its netdev queue in mode (XDP_COPY, XDP_ZEROCOPY or 0: the
 * kernel's choice). The socket that registered the UMEM sets the mode; any other shares the UMEM (XDP_SHARED_UMEM) through the bound socket
 * via: a member through its leader, on the same netdev queue, whose pool (fill
 * and completion rings) the kernel then shares; a leader through any socket of
 * the UMEM. One whose interface is gone is unbound (EBADF): the next is tried,
 * and when none is left the socket registers the UMEM anew. The kernel releases
 * a closed socket's hold on its queue from a work item: right after a stop,
 * binding again may see EBUSY for a moment.
 */
static int
sock_bind(struct zcrx_dev *zd, struct zcrx_qp *qp, struct zcrx_qp *via, uint16_t mode)
{
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_ifindex = zd->if_index,
		.sxdp_queue_id = qp->xsk_queue,
	};
	int tries = 0, ret;

	for (;;) {
		/* XDP_ZEROCOPY makes the kernel fail rather than fall back to copying. */
		sxdp.sxdp_flags = via != NULL ? XDP_SHARED_UMEM : XDP_USE_NEED_WAKEUP | mode;
		sxdp.sxdp_shared_umem_fd = via != NULL ? via->fd : 0;
		if (bind(qp->fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) == 0)
			return 0;
		ret = -errno;
		if (ret == -EBUSY && tries++ < ZCRX_BIND_TRIES) {
			rte_delay_us_sleep(ZCRX_BIND_RETRY_US);
		} else if (ret == -EBADF && qp == qp->leader && via != NULL) {
			via = TAILQ_NEXT(via, umem_next);
			if (via == NULL && (ret = umem_register(qp->umem, qp->fd)) < 0)
				return ret;
		} else {
			return ret;
		}
	}
}

/* Whether the bound socket fd is in zero-copy mode (the kernel may have fallen back). */
static bool
sock_zero_copy(int fd)
{
	struct xdp_options opts = { 0 };
	socklen_t len = sizeof(opts);

	return getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0 &&
	       (opts.flags & XDP_OPTIONS_ZEROCOPY) != 0;
}

/*
 * Create qp's socket with its rings (a leader's include its netdev queue's fill
 * and completion rings) over its UMEM, and bind it in mode (see sock_bind()).
 * Called with umems_lock held (sleeping under it is fine: only control paths take it).
 */
static int
sock_open(struct zcrx_dev *zd, struct zcrx_qp *qp, uint16_t mode)
{
	struct zcrx_rxq *rxq = qp->rxq;
	struct zcrx_txq *txq = qp->txq;
	struct xdp_mmap_offsets off;
	socklen_t len = sizeof(off);
	struct zcrx_qp *via;
	void *map;
	int ret;

	qp->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (qp->fd < 0)
		return -errno;
	via = qp != qp->leader ? qp->leader : TAILQ_FIRST(&qp->umem->socks);
	if (via == NULL) {
		ret = umem_register(qp->umem, qp->fd);
		if (ret < 0)
			goto err_close;
	}
	if (getsockopt(qp->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len) < 0)
		goto err_errno;
	if (rxq != NULL) {
		map = ring_map(qp, ZCRX_RING_FILL, ZCRX_UMEM_RING, &off.fr);
		if (map == NULL)
			goto err_errno;
		RING_INIT(&rxq->fq, map, &off.fr, ZCRX_UMEM_RING, true);
		map = ring_map(qp, ZCRX_RING_COMP, ZCRX_UMEM_RING, &off.cr);
		if (map == NULL)
			goto err_errno;
		RING_INIT(&qp->cq, map, &off.cr, ZCRX_UMEM_RING, false);
		map = ring_map(qp, ZCRX_RING_RX, rxq->nb_desc, &off.rx);
		if (map == NULL)
			goto err_errno;
		RING_INIT(&rxq->rx, map, &off.rx, rxq->nb_desc, false);
		rxq->fd = qp->fd;
	}
	if (txq != NULL) {
		map = ring_map(qp, ZCRX_RING_TX, txq->nb_desc, &off.tx);
		if (map == NULL)
			goto err_errno;
		RING_INIT(&txq->tx, map, &off.tx, txq->nb_desc, true);
		txq->fd = qp->fd;
	}
	ret = sock_bind(zd, qp, via, mode);
	if (ret < 0)
		goto err_close;
	/* A socket sharing a UMEM takes the mode of the UMEM's first socket. */
	qp->zero_copy = sock_zero_copy(qp->fd);
	if (qp->zero_copy ? mode == XDP_COPY : mode == XDP_ZEROCOPY) {
		ret = -EOPNOTSUPP;
		goto err_close;
	}
	TAILQ_INSERT_TAIL(&qp->umem->socks, qp, umem_next);
	return 0;
err_errno:
	ret = -errno;
err_close:
	sock_close(qp);
	return ret;
}

/*
 * Whether a frame of the pool crosses a page of the UMEM. A zero-copy driver
 * refuses such a fill entry unless the two pages are DMA-contiguous (behind an
 * IOMMU each pinned page is mapped on its own), and the buffer never comes back.
 * Page offsets repeat after at most a page's worth of buffers.
 */
static bool
frames_cross_pages(const struct zcrx_frames *f, uint32_t frame)
{
	const struct zcpool *zp = f->zp;
	uint64_t pg = sysconf(_SC_PAGESIZE), a = f->delta + zp->base_off;
	uint32_t i, n = RTE_MIN(zp->nb_slots, (uint32_t)pg);

	for (i = 0; i < n; i++, a += zp->stride)
		if ((a & (pg - 1)) + frame > pg)
			return true;
	return false;
}

/*
 * Open qp's socket, over the UMEM of its pool's area for a leader, of its
 * leader's for a member. Called with umems_lock held.
 */
static int
qp_sock_open(struct zcrx_dev *zd, struct zcrx_qp *qp)
{
	struct zcrx_frames *f = qp->rxq != NULL ? &qp->rxq->frames : NULL;
	uint16_t mode = zd->force_copy ? XDP_COPY : zd->zero_copy ? XDP_ZEROCOPY : 0;
	int ret;

	if (f != NULL) {
		qp->umem = umem_get(f->zp->area, frame_size(f->zp));
		if (qp->umem == NULL)
			return -ENOMEM;
		ret = zcrx_umem_add_pool(qp->umem, f->zp);
		if (ret < 0) {
			ZCRX_LOG(ERR, "area %s is used by more than %d pools\n", f->zp->area->name,
				 ZCRX_UMEM_POOLS);
			goto err_put;
		}
		f->delta = qp->umem->delta;
		if (mode != XDP_COPY && frames_cross_pages(f, qp->umem->frame_size)) {
			rte_log(zd->zero_copy ? RTE_LOG_ERR : RTE_LOG_NOTICE, zcrx_logtype,
				"net_zcrx: %s queue %u: pool %s's %u-byte frames, every %u bytes, cross pages, which zero-copy drivers refuse unless the pages are DMA-contiguous (not behind an IOMMU); %s. A data room that divides the page (2048 bytes, testpmd --mbuf-size=2048) can be received without a copy\n",
				zd->if_name, qp->xsk_queue, f->mp->name, qp->umem->frame_size,
				f->zp->stride, zd->zero_copy ? "zero_copy=1 cannot be met" :
				"binding in copy mode");
			if (zd->zero_copy) {
				ret = -EINVAL;
				goto err_put;
			}
			mode = XDP_COPY;
		}
	} else {
		qp->umem = qp->leader->umem;
		qp->umem->refcnt++;
		mode = 0; /* Shares its leader's socket, and so its mode. */
	}
	ret = sock_open(zd, qp, mode);
	if (ret < 0) {
		ZCRX_LOG(ERR, "%s queue %u: cannot create the AF_XDP socket: %s%s\n",
			 zd->if_name, qp->xsk_queue, strerror(-ret),
			 ret == -EBUSY ? " (another program or socket holds the queue)" :
			 ret == -EPERM ? " (needs root, or CAP_NET_RAW and CAP_BPF)" :
			 zd->zero_copy ? " (zero_copy=1, and the kernel cannot bind this queue in zero-copy mode: the NIC driver needs AF_XDP zero-copy support, virtio-net needs iommu_platform=on, and a UMEM shared with a copy-mode socket stays in copy mode)" :
			 ret == -EOPNOTSUPP ? " (the area's UMEM is in zero-copy mode from another socket, and this queue needs copy mode: give its pool an area of its own)" : "");
		goto err_put;
	}
	ZCRX_LOG(INFO, "%s queue %u: AF_XDP socket bound in %s mode, UMEM of area %s (%u sockets)\n",
		 zd->if_name, qp->xsk_queue, qp->zero_copy ? "zero-copy" : "copy",
		 qp->umem->area->name, qp->umem->refcnt);
	qp->started = true;
	return 0;
err_put:
	umem_put(qp->umem);
	qp->umem = NULL;
	return ret;
}

/* Called with umems_lock held. */
static void
qp_sock_close(struct zcrx_qp *qp)
{
	TAILQ_REMOVE(&qp->umem->socks, qp, umem_next);
	sock_close(qp);
	umem_put(qp->umem);
	qp->umem = NULL;
	qp->started = false;
}

/* Close the group's sockets, its members' first. Called with umems_lock held. */
static void
group_close(struct zcrx_qp *qp)
{
	uint16_t i;

	for (i = 0; i < qp->nb_txq; i++)
		if (qp->txqs[i]->qp != qp)
			qp_sock_close(qp->txqs[i]->qp);
	qp_sock_close(qp);
}

int
zcrx_qp_open(struct zcrx_dev *zd, struct zcrx_qp *qp)
{
	const struct rte_eth_dev_data *data = zd->eth_dev->data;
	struct zcrx_rxq *rxq = qp->rxq;
	unsigned int filled;
	uint16_t q;
	int ret;

	qp->leader = qp;
	qp->nb_txq = 0;
	rxq->held = rte_zmalloc_socket("zcrx_held",
				       RTE_ALIGN_CEIL(rxq->frames.zp->nb_slots, 64) / 8, 0,
				       data->numa_node);
	if (rxq->held == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&umems_lock);
	ret = qp_sock_open(zd, qp);
	if (ret < 0)
		goto err_unlock;
	if (qp->txq != NULL)
		qp->txqs[qp->nb_txq++] = qp->txq;
	/* Tx queues beyond the rx queues: transmit-only sockets on this netdev queue. */
	for (q = qp - zd->qp + data->nb_rx_queues; q < data->nb_tx_queues;
	     q += data->nb_rx_queues) {
		struct zcrx_qp *member = &zd->qp[q];

		if (member->txq == NULL)
			continue;
		member->leader = qp;
		member->xsk_queue = qp->xsk_queue;
		ret = qp_sock_open(zd, member);
		if (ret < 0)
			goto err_close;
		qp->txqs[qp->nb_txq++] = member->txq;
	}
	pthread_mutex_unlock(&umems_lock);
	ret = zcrx_tx_group_init(qp);
	if (ret < 0)
		goto err_lock;
	ret = bpf_map_update_elem(zd->xdp->map_fd, &qp->xsk_queue, &qp->fd, 0);
	if (ret != 0) {
		ZCRX_LOG(ERR, "%s queue %u: cannot insert the socket into the XDP program's " ZCRX_XSKS_MAP ": %s\n",
			 zd->if_name, qp->xsk_queue, strerror(-ret));
		goto err_lock;
	}
	rxq->busy_poll = zd->busy_budget > 0 && set_busy_poll(zd, rxq->fd);
	filled = zcrx_fill(rxq, rxq->nb_desc);
	/* A zero-copy driver looks at the fill ring when woken: before the first poll too. */
	if (xsk_ring_prod__needs_wakeup(&rxq->fq))
		(void)recvfrom(rxq->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
	if (filled == 0)
		ZCRX_LOG(WARNING, "%s queue %u: pool %s had no buffer for the fill ring\n",
			 zd->if_name, qp->xsk_queue, rxq->frames.mp->name);
	return 0;
err_lock:
	pthread_mutex_lock(&umems_lock);
err_close:
	group_close(qp);
err_unlock:
	pthread_mutex_unlock(&umems_lock);
	rte_free(rxq->held);
	rxq->held = NULL;
	return ret;
}

/* A frame the kernel held goes back to its pool. */
static void
release_slot(struct zcrx_rxq *rxq, uint32_t slot)
{
	const struct zcpool *zp = rxq->frames.zp;

	if (zp->buf_state != NULL)
		zcpool_buf_reclaim(zp, slot);
	zcrx_held_clear(rxq, slot);
	rte_mbuf_raw_free(zcpool_buf_mbuf(zp, zp->base_off + (uint64_t)slot * zp->stride));
	rxq->in_kernel--;
}

static void
release_frame(struct zcrx_rxq *rxq, uint64_t addr)
{
	release_slot(rxq, zcpool_off_slot(rxq->frames.zp, addr - rxq->frames.delta));
}

/*
 * Once the socket is closed, what the kernel still held for it is ours again: in
 * zero-copy mode the buffers of the driver's ring, after the kernel's work item.
 */
static void
release_held(struct zcrx_qp *qp)
{
	struct zcrx_rxq *rxq = qp->rxq;
	uint32_t w, words = RTE_ALIGN_CEIL(rxq->frames.zp->nb_slots, 64) / 64;

	if (qp->zero_copy)
		rte_delay_us_sleep(ZCRX_ZC_RELEASE_US);
	for (w = 0; w < words; w++)
		while (rxq->held[w] != 0)
			release_slot(rxq, w * 64 + __builtin_ctzll(rxq->held[w]));
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

/* Sent frames not completed yet, in the group. */
static uint32_t
group_outstanding(const struct zcrx_qp *qp)
{
	uint32_t n = 0;
	uint16_t i;

	for (i = 0; i < qp->nb_txq; i++)
		n += qp->txqs[i]->outstanding;
	return n;
}

/*
 * Copy-mode sends mostly complete within the kick: quick tries first, then, for
 * completions that come from another CPU, polls until ZCRX_TX_DRAIN_US. An
 * interface that is gone completes nothing more: its ring is reclaimed instead.
 */
static void
group_tx_drain(struct zcrx_dev *zd, struct zcrx_qp *qp)
{
	bool gone = __atomic_load_n(&zd->link_lost, __ATOMIC_RELAXED);
	uint64_t end = rte_get_timer_cycles() +
		       ZCRX_TX_DRAIN_US * rte_get_timer_hz() / US_PER_S;
	uint16_t i;
	int tries;

	for (tries = 0; group_outstanding(qp) != 0; tries++) {
		for (i = 0; i < qp->nb_txq; i++)
			(void)sendto(qp->txqs[i]->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		zcrx_tx_complete(qp);
		if (tries < ZCRX_TX_QUICK_TRIES)
			continue;
		if (gone || rte_get_timer_cycles() >= end)
			break;
		rte_delay_us_sleep(ZCRX_TX_POLL_US);
	}
	for (i = 0; i < qp->nb_txq; i++) {
		struct zcrx_txq *txq = qp->txqs[i];

		if (txq->outstanding != 0 && gone)
			zcrx_tx_reclaim(txq);
		if (txq->outstanding != 0)
			ZCRX_LOG(WARNING, "%s queue %u: tx queue %u: %u sent buffers not completed at stop\n",
				 zd->if_name, qp->xsk_queue, txq->queue_id, txq->outstanding);
		/* They go with the socket: the next one starts with none out. */
		txq->outstanding = 0;
	}
}

void
zcrx_qp_close(struct zcrx_dev *zd, struct zcrx_qp *qp)
{
	if (!qp->started)
		return;
	/*
	 * No frame is steered to the socket from now on (the kernel would drop the
	 * entry only once the socket is released), so the drain below is exact.
	 */
	(void)bpf_map_delete_elem(zd->xdp->map_fd, &qp->xsk_queue);
	group_tx_drain(zd, qp);
	drain_rx(qp->rxq);
	pthread_mutex_lock(&umems_lock);
	group_close(qp);
	pthread_mutex_unlock(&umems_lock);
	if (qp->rxq->in_kernel != 0) {
		ZCRX_LOG(DEBUG, "%s queue %u: %u buffers the kernel held come back with the socket\n",
			 zd->if_name, qp->xsk_queue, qp->rxq->in_kernel);
		release_held(qp);
	}
	rte_free(qp->rxq->held);
	qp->rxq->held = NULL;
}

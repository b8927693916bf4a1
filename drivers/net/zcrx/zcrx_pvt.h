/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCRX_PVT_H
#define ZCRX_PVT_H

/*
 * net_zcrx internals: an AF_XDP port whose UMEM is the zcpool area of its
 * receive pool. One XSK socket per queue; one UMEM per area, shared by every
 * queue and port bound to that area.
 */

#include <limits.h>
#include <net/if.h>
#include <sys/queue.h>

#include <xdp/xsk.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>
#include <rte_version.h>

#include <zc_area_driver.h>
#include "zc_rq.h"
#include "zcpool_pvt.h"

extern int zcrx_logtype;
#define ZCRX_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, zcrx_logtype, "net_zcrx: " __VA_ARGS__)

#define ZCRX_MAX_QUEUES 16
#define ZCRX_DEFAULT_RING 2048
#define ZCRX_BURST 64
#define ZCRX_UMEM_POOLS 8
#define ZCRX_PTYPES (RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK)
#define ZCRX_RQ_DEFAULT 4096
#define ZCRX_RQ_MAX 32768   /* As io_uring zcrx. */

struct zcrx_qp;

/*
 * One UMEM per area; sockets on any netdev and queue share it. The kernel's UMEM
 * lives as long as any socket over it: the first socket registers it, every
 * later one shares it through any socket still bound (so that any port can stop
 * and start again while others use the area), and it goes with the last one.
 */
struct zcrx_umem {
	TAILQ_ENTRY(zcrx_umem) next;
	struct zc_area *area;     /* Holds a reference on the area. */
	char *base;               /* Page-aligned start of the UMEM. */
	size_t len;
	uint64_t delta;           /* UMEM address = area offset + delta. */
	uint32_t frame_size;
	unsigned int refcnt;      /* Sockets using it. */
	TAILQ_HEAD(, zcrx_qp) socks; /* Its bound sockets. */
	/* Pools with buffers in this UMEM, to find a completed frame's mbuf. */
	const struct zcpool *pools[ZCRX_UMEM_POOLS];
	unsigned int nb_pools;
	rte_spinlock_t pools_lock; /* Appends to pools[] (transmit may add one). */
};

/* Where a receive queue's frames come from. */
struct zcrx_frames {
	struct rte_mempool *mp;   /* zcpool pool over the UMEM area. */
	const struct zcpool *zp;
	uint64_t delta;           /* UMEM address = area offset + delta. */
};

struct zcrx_rxq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t fill_from_pool;  /* Fill-ring buffers taken from the pool. */
	uint64_t fill_empty;      /* Fill attempts the pool could not serve. */
	uint64_t rq_refill;       /* Fill-ring buffers taken from the refill ring. */
	uint64_t rq_invalid;      /* Refill entries naming no buffer of the queue. */
	uint64_t rq_not_owned;    /* Refill entries for buffers the app did not hold. */
	uint64_t rq_stale;        /* Refill entries with another delivery's token. */
	uint64_t rq_corrupt;      /* Refills that found the ring's indexes corrupt. */
};

struct zcrx_txq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errs;
	uint64_t zero_copy;       /* Sent in place. */
	uint64_t copy;            /* Copied into a frame. */
	uint64_t linearised;      /* Chains copied into one frame. */
	uint64_t drop_nobuf;      /* No frame to copy into. */
	uint64_t drop_too_long;   /* Longer than a frame. */
	uint64_t not_owned;       /* Sent buffers the kernel already held (refused). */
	uint64_t handed_back;     /* Completions given to the application's callback. */
};

struct zcrx_rxq {
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fq;
	struct zcrx_frames frames;
	struct rte_mempool *mp;   /* The application's pool (== frames.mp unless copying). */
	bool copy;                /* Frames are copied into mp's mbufs. */
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t nb_desc;
	bool csum;                /* Validate checksums in software. */
	uint32_t ptype_mask;      /* Packet types the application wants parsed. */
	bool deferred;            /* Started by rte_eth_dev_rx_queue_start() only. */
	bool busy_poll;           /* Preferred busy polling is on for the socket. */
	uint32_t in_kernel;       /* Buffers in the fill ring or being received. */
	uint64_t *held;           /* Bit per slot of frames.zp: the kernel holds it for us. */
	int fd;
	struct zcrx_rxq_stats stats;
	struct zcrx_rq *rq;       /* Refill ring, when the pool allows one. */
	struct zcrx_qp *qp;
};

struct zcrx_txq {
	struct xsk_ring_prod tx;
	int fd;
	const struct rte_mempool *zc_mp; /* Last pool sent in place... */
	const struct zcpool *zc_zp;
	const struct rte_mempool *copy_mp; /* ...and last pool that needs a copy. */
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t nb_desc;
	uint32_t outstanding;     /* Descriptors sent, not yet completed. */
	bool shared;              /* Its group has other tx queues (zcrx_tx.c). */
	uint8_t tag;              /* Index in its group's txqs[]. */
	struct rte_ring *pending; /* shared: its completions another queue reaped. */
	zc_tx_done_t done_cb;     /* Completions to the application (zc_tx_done_set()). */
	void *done_arg;
	struct zcrx_txq_stats stats;
	struct zcrx_qp *qp;
};

/* The rings of a socket, as mapped. */
enum zcrx_ring { ZCRX_RING_RX, ZCRX_RING_TX, ZCRX_RING_FILL, ZCRX_RING_COMP, ZCRX_RING_NB };
struct zcrx_map {
	void *addr;
	size_t len;
};

/*
 * The XSK socket of rx queue q and tx queue q. There are as many netdev queues
 * (and groups) as rx queues: socket k < nb_rx leads group k, on netdev queue
 * start_queue + k, and owns that queue's buffer pool (its fill and completion
 * rings). Tx queues beyond nb_rx have transmit-only sockets on the netdev queue
 * of group q % nb_rx, sharing its pool, so the group's tx queues share one
 * completion ring (under cq_lock when there are several).
 */
struct zcrx_qp {
	int fd;
	struct zcrx_umem *umem;
	struct zcrx_rxq *rxq;     /* Leaders only. */
	struct zcrx_txq *txq;
	struct zcrx_qp *leader;   /* Its group's leader (itself for a leader). */
	TAILQ_ENTRY(zcrx_qp) umem_next; /* In its UMEM's socks while bound. */
	struct zcrx_map maps[ZCRX_RING_NB];
	uint32_t xsk_queue;       /* Netdev queue index. */
	bool started;             /* Its socket is open. */
	bool zero_copy;           /* Its socket is bound in zero-copy mode (XDP_OPTIONS). */
	/* Leaders: the group's transmit queues, by tag, and its completion ring. */
	uint16_t nb_txq;
	struct zcrx_txq *txqs[ZCRX_MAX_QUEUES];
	rte_spinlock_t cq_lock __rte_cache_aligned; /* Reapers write: a line of its own. */
	struct xsk_ring_cons cq;
};

struct zcrx_xdp;

struct zcrx_dev {
	char if_name[IFNAMSIZ];
	int if_index;
	uint16_t start_queue;
	uint16_t queue_count;
	uint32_t rq_entries;      /* Refill ring size (0: none). */
	int busy_budget;
	uint32_t ptype_mask;      /* Set by rte_eth_dev_set_ptypes(); all by default. */
	bool force_copy;
	bool zero_copy;           /* zero_copy devarg: a socket that cannot be zero-copy fails. */
	char xdp_prog_path[PATH_MAX]; /* xdp_prog devarg ("": the built-in program). */
	struct zcrx_xdp *xdp;     /* The interface's XDP program, from probe to close. */
	bool link_lost;           /* The interface went away under the port. */
	struct rte_ether_addr mac;
	struct rte_eth_dev *eth_dev;
	struct zcrx_qp qp[ZCRX_MAX_QUEUES];
	struct rte_device *dev;
};

static inline struct zcrx_dev *
zcrx_dev(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/*
 * The port's interface went away (zcrx_ethdev.c): logged once, the link reported
 * down. err says how it showed (ENXIO from a socket call, ENODEV from the index).
 */
void zcrx_link_lost(uint16_t port_id, int err);

/* Devargs (zcrx_devargs.c). */
int zcrx_parse_devargs(struct rte_vdev_device *vdev, struct zcrx_dev *zd);

/* The kernel takes frames from 2 KiB to one page in unaligned chunk mode. */
#define ZCRX_FRAME_MIN 2048
#define ZCRX_FRAME_MAX 4096
#define ZCRX_UMEM_RING 4096

/* A receive queue's frames (zcrx_frames.c). */
int zcrx_frames_check(struct zcrx_dev *zd, uint16_t qid, struct rte_mempool *mp,
		      struct zcrx_frames *frames, bool *copy);
void zcrx_frames_release(struct zcrx_rxq *rxq);

/* UMEM and sockets (zcrx_xsk.c). */
/* Open and close the group led by qp: its sockets, the leader's first. */
int zcrx_qp_open(struct zcrx_dev *zd, struct zcrx_qp *qp);
void zcrx_qp_close(struct zcrx_dev *zd, struct zcrx_qp *qp);
int zcrx_umem_add_pool(struct zcrx_umem *u, const struct zcpool *zp);
/* Frame size of the area's UMEM, or 0 when it has none yet. */
uint32_t zcrx_umem_frame_size(const struct zc_area *area);

/* The XDP program steering frames to the sockets (zcrx_xdp.c). */
#define ZCRX_XSKS_MAP "xsks_map"
struct bpf_object;
struct zcrx_xdp {
	TAILQ_ENTRY(zcrx_xdp) next;
	int if_index;
	char path[PATH_MAX];      /* The xdp_prog object, "" for the built-in program. */
	struct bpf_object *obj;   /* The object, NULL for the built-in program. */
	int prog_fd;
	int map_fd;               /* xsks_map: sockets go in at their queue. */
	uint32_t map_entries;
	int owner_fd;             /* The interface's owner record, or -1. */
	unsigned int refcnt;      /* Ports using it. */
};
int zcrx_xdp_prog_attach(struct zcrx_dev *zd);
void zcrx_xdp_prog_detach(struct zcrx_dev *zd);

/* mbuf of the frame at UMEM address addr (a buffer base the kernel returned). */
static inline struct rte_mbuf *
zcrx_umem_addr_mbuf(const struct zcrx_umem *u, uint64_t addr)
{
	uint64_t off = addr - u->delta;
	unsigned int i, n = __atomic_load_n(&u->nb_pools, __ATOMIC_ACQUIRE);

	/* n >= 1: a socket's UMEM always has its receive pool; the last is the default. */
	for (i = 0; i < n - 1; i++)
		if (off - u->pools[i]->base_off <
		    (uint64_t)u->pools[i]->nb_slots * u->pools[i]->stride)
			break;
	return zcpool_buf_mbuf(u->pools[i], off);
}

/* Datapath (zcrx_rx.c, zcrx_tx.c). */
/*
 * A started or stopped queue of a net_zcrx port, or NULL with rte_errno set
 * (ENOTSUP in a secondary process: the queues work in the primary only).
 */
void *zcrx_queue_lookup(uint16_t port_id, uint16_t queue_id, bool tx);
/* The port's private data in the primary process, or NULL: not a net_zcrx port there. */
struct zcrx_dev *zcrx_port(uint16_t port_id);
uint16_t zcrx_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t zcrx_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);
unsigned int zcrx_fill(struct zcrx_rxq *rxq, unsigned int n);
/* Tags and pending rings of a group's tx queues, its sockets open: 0 or -errno. */
int zcrx_tx_group_init(struct zcrx_qp *leader);
/* At a stop: every completion of the group, freed. */
void zcrx_tx_complete(struct zcrx_qp *leader);
void zcrx_tx_reclaim(struct zcrx_txq *txq);

/* Refill ring (zcrx_rq.c). */
struct zc_rx_cpl;
int zcrx_rq_attach(struct zcrx_dev *zd, struct zcrx_rxq *rxq);
void zcrx_rq_detach(struct zcrx_rxq *rxq);
unsigned int zcrx_rq_refill(struct zcrx_rxq *rxq, unsigned int n);
uint16_t zcrx_rx_cpl(struct zcrx_rxq *rxq, struct zc_rx_cpl *cpl, uint16_t n);
uint32_t zcrx_rq_full_count(const struct zcrx_rxq *rxq);

/* Counters (zcrx_stats.c). 25.11 passes the per-queue counters separately. */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
int zcrx_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats,
		   struct eth_queue_stats *qstats);
#else
int zcrx_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats);
#endif
int zcrx_stats_reset(struct rte_eth_dev *dev);
/* Primary: answer secondary processes' requests for the sockets' kernel counters. */
void zcrx_stats_serve_secondaries(void);
int zcrx_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			  unsigned int size);
int zcrx_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int n);

/* Frame address of an mbuf, O(1). */
static inline uint64_t
zcrx_mbuf_addr(const struct zcrx_frames *f, const struct rte_mbuf *m)
{
	return (uint64_t)((const char *)m->buf_addr - (const char *)f->zp->area->addr) + f->delta;
}

/*
 * Which frames the kernel holds for the queue, per queue since queues may share
 * a pool: a zero-copy driver takes fill entries ahead of packets, and in copy
 * mode the kernel keeps the buffer of a frame it dropped for the next one; both
 * come back only with the socket (zcrx_qp_close()).
 */
static inline void
zcrx_held_set(struct zcrx_rxq *rxq, uint32_t slot)
{
	rxq->held[slot / 64] |= RTE_BIT64(slot % 64);
}

static inline void
zcrx_held_clear(struct zcrx_rxq *rxq, uint32_t slot)
{
	rxq->held[slot / 64] &= ~RTE_BIT64(slot % 64);
}

#endif /* ZCRX_PVT_H */

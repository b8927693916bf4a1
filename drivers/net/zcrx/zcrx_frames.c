/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Where a receive queue's frames come from: the application's pool when it is
 * a zcpool pool over one readable area (received in place), else a private
 * zcpool pool whose frames are copied into the application's mbufs.
 */

#include <errno.h>
#include <stdio.h>

#include "zcrx_pvt.h"

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
	frame = zcrx_umem_frame_size(zp->area);
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

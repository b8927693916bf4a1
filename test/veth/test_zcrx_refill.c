/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * The net_zcrx refill ring: valid returns are used, invalid, duplicated and
 * forged entries are refused and counted, a full ring is reported, a buffer
 * returned through the ring cannot also be freed or sent, completions work
 * without mbufs, and the pool's count is exact after every scenario.
 * Run by refill_test.sh:
 *   test_zcrx_refill --no-huge|--huge [EAL args] -- IFACE "SEND COMMAND"
 */

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <zc_pool.h>
#include <zc_rq.h>

#include "veth_test.h"

#define NB_MBUF 2048
#define RQ_SIZE 256
#define BATCH 64

static uint16_t port;
static struct rte_mempool *mp;
static struct zc_rq *rq;

static uint64_t
xstat(const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

static uint64_t
pool_stat_refused(void)
{
	struct zc_pool_stats s;

	zc_pool_stats_get(mp, &s);
	return s.release_refused;
}

/* Send BATCH frames from the namespace and receive them all. */
static unsigned int
traffic(struct rte_mbuf **held)
{
	unsigned int got = 0;
	uint64_t end;

	if (system(send_cmd) != 0)
		return 0;
	end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (got < BATCH && rte_get_timer_cycles() < end)
		got += rte_eth_rx_burst(port, 0, &held[got], BATCH - got);
	return got;
}

/* In use by us = pool size - available; the kernel holds the rest. */
static unsigned int
kernel_held(unsigned int app_held)
{
	return NB_MBUF - rte_mempool_avail_count(mp) - app_held;
}

static int
test_refill(void)
{
	struct rte_mbuf *a[BATCH], *b[BATCH], *m;
	struct rte_eth_conf conf = { 0 };
	uint64_t off, v0, k0;
	struct zc_rx_cpl cpl[BATCH];
	char devargs[96];
	unsigned int got, i, n;
	struct zc_pool_geometry geo;

	snprintf(devargs, sizeof(devargs), "iface=%s,rq_entries=%u", iface, RQ_SIZE);
	ZC_ASSERT(rte_vdev_init("net_zcrx_rq", devargs) == 0, "probe");
	ZC_ASSERT(rte_eth_dev_get_port_by_name("net_zcrx_rq", &port) == 0, "port");
	/* No mempool cache: frees reach the pool, which the refill ring needs. */
	mp = zc_pktmbuf_pool_create("rq_pool", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				    SOCKET_ID_ANY);
	ZC_ASSERT(mp != NULL, "pool");
	ZC_ASSERT(rte_eth_dev_configure(port, 1, 1, &conf) == 0, "configure");
	ZC_ASSERT(rte_eth_rx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL, mp) == 0, "rxq");
	ZC_ASSERT(rte_eth_tx_queue_setup(port, 0, 256, SOCKET_ID_ANY, NULL) == 0, "txq");
	ZC_ASSERT(rte_eth_dev_start(port) == 0, "start");
	rq = zc_rq_get(port, 0);
	ZC_ASSERT(rq != NULL, "refill ring: %s", rte_strerror(rte_errno));
	ZC_ASSERT(rq->size == RQ_SIZE && rq->mask == RQ_SIZE - 1, "size %u", rq->size);
	ZC_ASSERT(((uintptr_t)&rq->head - (uintptr_t)&rq->tail) >= RTE_CACHE_LINE_SIZE,
		  "head and tail share a cache line");
	zc_pool_geometry_get(mp, &geo);
	ZC_ASSERT(rq->area_id == zc_area_id(geo.area), "area id");

	/* Valid returns: the next batch is received into those very buffers. */
	got = traffic(a);
	ZC_ASSERT(got == BATCH, "received %u", got);
	for (i = 0; i < got; i++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, a[i]) == 0, "post %u", i);
	got = traffic(b);
	ZC_ASSERT(got == BATCH, "received %u", got);
	ZC_ASSERT(xstat("rx_q0_rq_refill") == BATCH, "rq_refill %" PRIu64,
		  xstat("rx_q0_rq_refill"));
	ZC_ASSERT(rq->head == rq->tail, "entries left: head %u tail %u", rq->head, rq->tail);
	ZC_ASSERT(kernel_held(BATCH) == 256, "kernel holds %u", kernel_held(BATCH));

	/* Invalid entries: each refused and counted, none used. */
	off = zc_rq_mbuf_off(rq, b[0]);
	v0 = xstat("rx_q0_rq_invalid");
	ZC_ASSERT(zc_rq_post(rq, off + 1) == 0, "post");                 /* not a buffer start */
	ZC_ASSERT(zc_rq_post(rq, off ^ (UINT64_C(0x7) << 48)) == 0, "post"); /* wrong area */
	ZC_ASSERT(zc_rq_post(rq, (off & ~ZC_AREA_OFF_MASK) | (rq->area_len + 4096)) == 0,
		  "post");                                                   /* out of range */
	ZC_ASSERT(zc_rq_post(rq, 0) == 0, "post");                       /* all zero */
	ZC_ASSERT(zc_rq_post(rq, off) == 0, "post");
	rq->entries[(rq->tail - 1) & rq->mask].pad = 1;                  /* pad set */
	/* Not owned: a duplicate, a buffer still in the pool, one freed by the app. */
	ZC_ASSERT(zc_rq_post(rq, zc_rq_mbuf_off(rq, b[1])) == 0, "post");
	ZC_ASSERT(zc_rq_post(rq, zc_rq_mbuf_off(rq, b[1])) == 0, "post");
	m = rte_pktmbuf_alloc(mp);
	ZC_ASSERT(m != NULL, "alloc");
	ZC_ASSERT(zc_rq_post(rq, zc_rq_mbuf_off(rq, m)) == 0, "post");
	rte_pktmbuf_free(b[2]);
	ZC_ASSERT(zc_rq_post(rq, zc_rq_mbuf_off(rq, b[2])) == 0, "post");
	k0 = xstat("rx_q0_rq_not_owned");
	rte_pktmbuf_free_bulk(a, traffic(a));
	ZC_ASSERT(xstat("rx_q0_rq_invalid") - v0 == 5, "invalid %" PRIu64,
		  xstat("rx_q0_rq_invalid") - v0);
	ZC_ASSERT(xstat("rx_q0_rq_not_owned") - k0 == 3, "not owned %" PRIu64,
		  xstat("rx_q0_rq_not_owned") - k0);
	ZC_ASSERT(xstat("rx_q0_rq_refill") == BATCH + 1, "only b[1] used once: %" PRIu64,
		  xstat("rx_q0_rq_refill"));
	rte_pktmbuf_free(m);

	/* A buffer returned through the ring cannot be freed or sent as well. */
	k0 = pool_stat_refused();
	rte_pktmbuf_free(b[1]);
	ZC_ASSERT(pool_stat_refused() == k0 + 1, "double return accepted by the pool");
	v0 = xstat("tx_q0_not_owned");
	ZC_ASSERT(zc_rq_post_mbuf(rq, b[3]) == 0, "post");
	rte_pktmbuf_free_bulk(a, traffic(a));  /* the PMD takes b[3] back */
	rte_eth_tx_burst(port, 0, &b[3], 1);
	ZC_ASSERT(xstat("tx_q0_not_owned") == v0 + 1, "sent a buffer the kernel holds");

	/* A full ring is reported, never a silent loss. */
	for (n = 4; n < BATCH - 1 && zc_rq_free_count(rq) > 0; n++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, b[n]) == 0, "post %u", n);
	for (i = 0; zc_rq_free_count(rq) > 0; i++)
		ZC_ASSERT(zc_rq_post(rq, 0) == 0, "filler");
	ZC_ASSERT(zc_rq_post_mbuf(rq, b[n]) == -ENOSPC, "post into a full ring");
	ZC_ASSERT(xstat("rx_q0_rq_full") == 1, "rq_full %" PRIu64, xstat("rx_q0_rq_full"));
	rte_pktmbuf_free_bulk(&b[n], BATCH - n);

	/* Completions: no mbuf, returned by offset. */
	rte_pktmbuf_free_bulk(a, traffic(a));
	ZC_ASSERT(system(send_cmd) == 0, "send");
	got = 0;
	for (uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	     got < BATCH && rte_get_timer_cycles() < end;)
		got += zc_rx_burst_cpl(port, 0, &cpl[got], BATCH - got);
	ZC_ASSERT(got == BATCH, "completions %u", got);
	for (i = 0; i < got; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)rq->area_base +
				   zc_area_off_bytes(cpl[i].off) + cpl[i].data_off;

		ZC_ASSERT(cpl[i].len >= 18 && p[12] == 0x88 && p[13] == 0xb5, "frame %u", i);
		ZC_ASSERT(zc_pool_area_off_index(mp, cpl[i].off) >= 0, "completion names a buffer");
	}

	/* Stop and close with entries pending and completions held: all come back. */
	ZC_ASSERT(rte_eth_dev_stop(port) == 0, "stop");
	ZC_ASSERT(rte_eth_dev_close(port) == 0, "close");
	ZC_ASSERT(rte_vdev_uninit("net_zcrx_rq") == 0, "detach");
	ZC_ASSERT(zc_rq_post(rq, cpl[0].off) == -EPIPE, "post after close");
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(zc_pool_index_mbuf(mp, zc_pool_area_off_index(mp, cpl[i].off)));
	rte_pktmbuf_free(b[0]);
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF, "pool count %u of %u",
		  rte_mempool_avail_count(mp), NB_MBUF);
	zc_rq_put(rq);
	ZC_ASSERT(zc_pool_destroy(mp, 0) == 0, "destroy");
	return 0;
}

static int
test_no_ring_with_cache(void)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_mempool *cached;
	char devargs[64];
	uint16_t p;

	snprintf(devargs, sizeof(devargs), "iface=%s", iface);
	ZC_ASSERT(rte_vdev_init("net_zcrx_nc", devargs) == 0, "probe");
	ZC_ASSERT(rte_eth_dev_get_port_by_name("net_zcrx_nc", &p) == 0, "port");
	cached = zc_pktmbuf_pool_create("nc_pool", 1024, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
					SOCKET_ID_ANY);
	ZC_ASSERT(cached != NULL, "pool");
	ZC_ASSERT(rte_eth_dev_configure(p, 1, 1, &conf) == 0, "configure");
	ZC_ASSERT(rte_eth_rx_queue_setup(p, 0, 256, SOCKET_ID_ANY, NULL, cached) == 0, "rxq");
	ZC_ASSERT(zc_rq_get(p, 0) == NULL && rte_errno == ENOTSUP,
		  "a pool with a mempool cache got a refill ring");
	ZC_ASSERT(zc_rq_get(p, 5) == NULL && rte_errno == EINVAL, "queue 5");
	ZC_ASSERT(zc_rq_get(RTE_MAX_ETHPORTS - 1, 0) == NULL && rte_errno == ENODEV, "port");
	ZC_ASSERT(rte_eth_dev_close(p) == 0 && rte_vdev_uninit("net_zcrx_nc") == 0, "close");
	ZC_ASSERT(zc_pool_destroy(cached, 0) == 0, "destroy");
	return 0;
}

ZC_VETH_TEST_MAIN(
	{ "refill ring", test_refill },
	{ "no refill ring over a cached pool", test_no_ring_with_cache }
)

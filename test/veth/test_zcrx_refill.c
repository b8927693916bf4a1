/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * The net_zcrx refill ring: valid returns are used, invalid, duplicated and
 * forged entries are refused and counted, a full ring is reported, a buffer
 * returned through the ring cannot also be freed or sent, completions work
 * without mbufs, and the pool's count is exact after every scenario. Transmit
 * completions reach the application's callback (zc_tx_done_set()) and can be
 * returned through the ring, and the pool's census says who holds each buffer.
 * Run by on_veth.sh:
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
pool_stat_refused(void)
{
	struct zc_pool_stats s;

	zc_pool_stats_get(mp, &s);
	return s.release_refused;
}

/* In use by us = pool size - available; the kernel holds the rest. */
static unsigned int
kernel_held(unsigned int app_held)
{
	return NB_MBUF - rte_mempool_avail_count(mp) - app_held;
}

/*
 * A started port named name on the interface, its pool (named after it) and its
 * refill ring: port, mp and rq.
 */
static int
port_up(const char *name)
{
	return veth_port_up(name, NB_MBUF, &port, &mp, &rq, "iface=%s,rq_entries=%u", iface,
			    RQ_SIZE);
}

/* After veth_port_down() and giving back what the test held: every buffer is in the pool. */
static int
pool_done(void)
{
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF, "pool count %u of %u",
		  rte_mempool_avail_count(mp), NB_MBUF);
	zc_rq_put(rq);
	ZC_ASSERT(zc_pool_destroy(mp, 0) == 0, "destroy");
	return 0;
}

static int
test_refill(void)
{
	struct rte_mbuf *a[BATCH], *b[BATCH], *m;
	uint64_t off, v0, k0, s0;
	struct zc_rq_entry e;
	struct zc_rx_cpl cpl[BATCH];
	unsigned int got, i, n;
	struct zc_pool_geometry geo;

	ZC_ASSERT(port_up("net_zcrx_rq") == 0, "port");
	ZC_ASSERT(rq->size == RQ_SIZE && rq->mask == RQ_SIZE - 1, "size %u", rq->size);
	ZC_ASSERT(((uintptr_t)&rq->head - (uintptr_t)&rq->tail) >= RTE_CACHE_LINE_SIZE,
		  "head and tail share a cache line");
	zc_pool_geometry_get(mp, &geo);
	ZC_ASSERT(rq->area_id == zc_area_id(geo.area), "area id");

	/* Valid returns: the next batch is received into those very buffers. */
	got = veth_traffic(port, a, BATCH);
	ZC_ASSERT(got == BATCH, "received %u", got);
	for (i = 0; i < got; i++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, a[i]) == 0, "post %u", i);
	got = veth_traffic(port, b, BATCH);
	ZC_ASSERT(got == BATCH, "received %u", got);
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_refill") == BATCH, "rq_refill %" PRIu64,
		  veth_xstat(port, "rx_q0_rq_refill"));
	ZC_ASSERT(rq->head == rq->tail, "entries left: head %u tail %u", rq->head, rq->tail);
	ZC_ASSERT(kernel_held(BATCH) == 256, "kernel holds %u", kernel_held(BATCH));

	/* Invalid entries: each refused and counted, none used. */
	ZC_ASSERT(zc_rq_mbuf_entry(rq, b[0], &e) == 0, "entry of a received mbuf");
	off = e.off;
	ZC_ASSERT(off == zc_rq_mbuf_off(rq, b[0]) && e.token != 0 && e.pad == 0, "entry");
	v0 = veth_xstat(port, "rx_q0_rq_invalid");
	ZC_ASSERT(zc_rq_post(rq, off + 1, e.token) == 0, "post");        /* not a buffer start */
	ZC_ASSERT(zc_rq_post(rq, off ^ (UINT64_C(0x7) << 48), e.token) == 0, "post"); /* area */
	ZC_ASSERT(zc_rq_post(rq, (off & ~ZC_AREA_OFF_MASK) | (rq->area_len + 4096), e.token) == 0,
		  "post");                                                   /* out of range */
	ZC_ASSERT(zc_rq_post(rq, 0, 0) == 0, "post");                    /* all zero */
	ZC_ASSERT(zc_rq_post(rq, off, e.token) == 0, "post");
	rq->entries[(rq->tail - 1) & rq->mask].pad = 1;                  /* pad set */
	/* Not owned: a duplicate, a buffer still in the pool, one freed by the app. */
	ZC_ASSERT(zc_rq_mbuf_entry(rq, b[1], &e) == 0, "entry");
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token) == 0, "post");
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token) == 0, "post");
	m = rte_pktmbuf_alloc(mp);
	ZC_ASSERT(m != NULL, "alloc");
	ZC_ASSERT(zc_rq_mbuf_entry(rq, m, &e) == -EINVAL, "an allocated mbuf has an entry");
	ZC_ASSERT(zc_rq_post_mbuf(rq, m) == -EINVAL, "an allocated mbuf was posted");
	ZC_ASSERT(zc_rq_post(rq, zc_rq_mbuf_off(rq, m), 1) == 0, "post");
	ZC_ASSERT(zc_rq_mbuf_entry(rq, b[2], &e) == 0, "entry");
	rte_pktmbuf_free(b[2]);
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token) == 0, "post");
	/* Stale: held, but the token is not this delivery's (old, next, forged). */
	ZC_ASSERT(zc_rq_mbuf_entry(rq, b[3], &e) == 0, "entry");
	s0 = veth_xstat(port, "rx_q0_rq_stale");
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token - 1) == 0, "post");
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token + 1) == 0, "post");
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token | UINT32_C(0x80000000)) == 0, "post");
	k0 = veth_xstat(port, "rx_q0_rq_not_owned");
	rte_pktmbuf_free_bulk(a, veth_traffic(port, a, BATCH));
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_invalid") - v0 == 5, "invalid %" PRIu64,
		  veth_xstat(port, "rx_q0_rq_invalid") - v0);
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_not_owned") - k0 == 3, "not owned %" PRIu64,
		  veth_xstat(port, "rx_q0_rq_not_owned") - k0);
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_stale") - s0 == 3, "stale %" PRIu64,
		  veth_xstat(port, "rx_q0_rq_stale") - s0);
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_refill") == BATCH + 1, "only b[1] used once: %" PRIu64,
		  veth_xstat(port, "rx_q0_rq_refill"));
	rte_pktmbuf_free(m);

	/* A buffer returned through the ring cannot be freed or sent as well. */
	k0 = pool_stat_refused();
	rte_pktmbuf_free(b[1]);
	ZC_ASSERT(pool_stat_refused() == k0 + 1, "double return accepted by the pool");
	v0 = veth_xstat(port, "tx_q0_not_owned");
	ZC_ASSERT(zc_rq_post_mbuf(rq, b[3]) == 0, "post");
	rte_pktmbuf_free_bulk(a, veth_traffic(port, a, BATCH));  /* the PMD takes b[3] back */
	rte_eth_tx_burst(port, 0, &b[3], 1);
	ZC_ASSERT(veth_xstat(port, "tx_q0_not_owned") == v0 + 1, "sent a buffer the kernel holds");

	/* A full ring is reported, never a silent loss. */
	for (n = 4; n < BATCH - 1 && zc_rq_free_count(rq) > 0; n++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, b[n]) == 0, "post %u", n);
	for (i = 0; zc_rq_free_count(rq) > 0; i++)
		ZC_ASSERT(zc_rq_post(rq, 0, 0) == 0, "filler");
	ZC_ASSERT(zc_rq_post_mbuf(rq, b[n]) == -ENOSPC, "post into a full ring");
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_full") == 1, "rq_full %" PRIu64,
		  veth_xstat(port, "rx_q0_rq_full"));
	rte_pktmbuf_free_bulk(&b[n], BATCH - n);

	/* Completions: no mbuf, returned by offset. */
	rte_pktmbuf_free_bulk(a, veth_traffic(port, a, BATCH));
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
	ZC_ASSERT(veth_port_down("net_zcrx_rq") == 0, "port down");
	ZC_ASSERT(zc_rq_post_cpl(rq, &cpl[0]) == -EPIPE, "post after close");
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(zc_pool_index_mbuf(mp, zc_pool_area_off_index(mp, cpl[i].off)));
	rte_pktmbuf_free(b[0]);
	return pool_done();
}

/* Transmit completions handed to the application (zc_tx_done_set()). */
struct tx_done {
	unsigned int n;                /* Buffers handed back. */
	struct rte_mbuf *m[BATCH];     /* The first BATCH of them. */
};

static void
tx_done(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct tx_done *d = arg;
	uint16_t i;

	for (i = 0; i < n; i++, d->n++)
		if (d->n < RTE_DIM(d->m))
			d->m[d->n] = pkts[i];
}

static struct zc_pool_census
census(void)
{
	struct zc_pool_census c = { 0 };

	zc_pool_census_get(mp, &c);
	return c;
}

/*
 * Empty bursts kick the kernel and reap completions, until no buffer is being
 * sent (copy mode sends a few dozen per kick) or a second has passed.
 */
static void
tx_reap(void)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz();

	while (census().held_tx != 0 && rte_get_timer_cycles() < end)
		rte_eth_tx_burst(port, 0, NULL, 0);
}

static int
test_tx_done(void)
{
	struct rte_mbuf *a[BATCH];
	struct tx_done d = { 0 };
	uint64_t zc0, refill0;
	unsigned int i, avail;

	ZC_ASSERT(port_up("net_zcrx_td") == 0, "port");
	ZC_ASSERT(zc_tx_done_set(port, 0, tx_done, &d) == 0, "set the callback");

	/* Sent in place, completed into the callback: the application's again. */
	ZC_ASSERT(veth_traffic(port, a, BATCH) == BATCH, "receive");
	zc0 = veth_xstat(port, "tx_q0_zero_copy");
	ZC_ASSERT(rte_eth_tx_burst(port, 0, a, BATCH) == BATCH, "send");
	ZC_ASSERT(veth_xstat(port, "tx_q0_zero_copy") - zc0 == BATCH, "not sent in place");
	tx_reap();
	ZC_ASSERT(d.n == BATCH, "callback got %u of %u", d.n, BATCH);
	ZC_ASSERT(veth_xstat(port, "tx_q0_handed_back") == BATCH, "handed_back %" PRIu64,
		  veth_xstat(port, "tx_q0_handed_back"));
	ZC_ASSERT(census().held_user == BATCH, "held by the application %u",
		  census().held_user);
	/* ... so the refill ring takes them, and the next receive refills from them. */
	for (i = 0; i < BATCH; i++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, d.m[i]) == 0, "post completed buffer %u", i);
	refill0 = veth_xstat(port, "rx_q0_rq_refill");
	rte_pktmbuf_free_bulk(a, veth_traffic(port, a, BATCH));
	ZC_ASSERT(veth_xstat(port, "rx_q0_rq_refill") - refill0 == BATCH,
		  "refilled %" PRIu64 " of %u", veth_xstat(port, "rx_q0_rq_refill") - refill0,
		  BATCH);

	/* Without the callback, completed buffers go back to the pool. */
	ZC_ASSERT(zc_tx_done_set(port, 0, NULL, NULL) == 0, "clear the callback");
	ZC_ASSERT(veth_traffic(port, a, BATCH) == BATCH, "receive");
	avail = rte_mempool_avail_count(mp);
	ZC_ASSERT(rte_eth_tx_burst(port, 0, a, BATCH) == BATCH, "send");
	tx_reap();
	ZC_ASSERT(rte_mempool_avail_count(mp) == avail + BATCH, "pool got %u of %u back",
		  rte_mempool_avail_count(mp) - avail, BATCH);
	ZC_ASSERT(d.n == BATCH && veth_xstat(port, "tx_q0_handed_back") == BATCH,
		  "completions handed back with no callback set");

	ZC_ASSERT(veth_port_down("net_zcrx_td") == 0, "port down");
	return pool_done();
}

static int
test_tx_done_refusals(void)
{
	struct rte_eth_conf conf = { 0 };
	struct tx_done d = { 0 };
	char devargs[64];
	uint16_t p, null_port;

	ZC_ASSERT(rte_vdev_init("net_null_td", NULL) == 0, "net_null probe");
	ZC_ASSERT(rte_eth_dev_get_port_by_name("net_null_td", &null_port) == 0, "port");
	ZC_ASSERT(zc_tx_done_set(null_port, 0, tx_done, &d) == -ENODEV, "a net_null port");
	ZC_ASSERT(zc_tx_done_set(RTE_MAX_ETHPORTS - 1, 0, tx_done, &d) == -ENODEV, "no port");
	snprintf(devargs, sizeof(devargs), "iface=%s", iface);
	ZC_ASSERT(rte_vdev_init("net_zcrx_tr", devargs) == 0, "probe");
	ZC_ASSERT(rte_eth_dev_get_port_by_name("net_zcrx_tr", &p) == 0, "port");
	ZC_ASSERT(zc_tx_done_set(p, 0, tx_done, &d) == -EINVAL, "port not configured");
	ZC_ASSERT(rte_eth_dev_configure(p, 1, 1, &conf) == 0, "configure");
	ZC_ASSERT(zc_tx_done_set(p, 0, tx_done, &d) == -EINVAL, "queue not set up");
	ZC_ASSERT(rte_eth_tx_queue_setup(p, 0, 256, SOCKET_ID_ANY, NULL) == 0, "txq");
	ZC_ASSERT(zc_tx_done_set(p, 0, tx_done, &d) == 0, "queue 0");
	ZC_ASSERT(zc_tx_done_set(p, 1, tx_done, &d) == -EINVAL, "queue 1 of 1");
	ZC_ASSERT(zc_tx_done_set(p, UINT16_MAX, tx_done, &d) == -EINVAL, "queue 65535");
	ZC_ASSERT(zc_tx_done_set(p, 0, NULL, NULL) == 0, "clear");
	ZC_ASSERT(rte_eth_dev_close(p) == 0 && rte_vdev_uninit("net_zcrx_tr") == 0, "close");
	ZC_ASSERT(rte_eth_dev_close(null_port) == 0 && rte_vdev_uninit("net_null_td") == 0,
		  "close net_null");
	return 0;
}

static int
test_census(void)
{
	struct rte_mbuf *a[BATCH], *m;
	struct zc_pool_census c;
	unsigned int i;

	ZC_ASSERT(port_up("net_zcrx_cs") == 0, "port");
	ZC_ASSERT(zc_pool_census_get(NULL, &c) == -EINVAL, "NULL pool");
	ZC_ASSERT(zc_pool_census_get(mp, NULL) == -EINVAL, "NULL census");

	/* Received and held; the fill ring holds one buffer per receive descriptor. */
	ZC_ASSERT(veth_traffic(port, a, BATCH) == BATCH, "receive");
	c = census();
	ZC_ASSERT(c.size == NB_MBUF, "size %u", c.size);
	ZC_ASSERT(c.held_user == BATCH, "held_user %u", c.held_user);
	ZC_ASSERT(c.held_kernel == 256 && c.held_kernel == kernel_held(BATCH),
		  "held_kernel %u, fill ring %u", c.held_kernel, kernel_held(BATCH));
	ZC_ASSERT(c.held_tx == 0 && c.held_other == 0, "tx %u other %u", c.held_tx, c.held_other);
	ZC_ASSERT(c.available == NB_MBUF - BATCH - 256, "available %u", c.available);

	/* Allocated by the application; being sent; posted but not read by the PMD yet. */
	m = rte_pktmbuf_alloc(mp);
	ZC_ASSERT(m != NULL, "alloc");
	ZC_ASSERT(rte_eth_tx_burst(port, 0, a, BATCH / 2) == BATCH / 2, "send");
	for (i = BATCH / 2; i < BATCH; i++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, a[i]) == 0, "post %u", i);
	c = census();
	ZC_ASSERT(c.held_other == 1, "held_other %u", c.held_other);
	ZC_ASSERT(c.held_tx == BATCH / 2, "held_tx %u", c.held_tx);
	ZC_ASSERT(c.held_user == BATCH / 2, "held_user %u", c.held_user);
	ZC_ASSERT(c.available + c.held_kernel + c.held_user + c.held_tx + c.held_other == NB_MBUF,
		  "the census does not add up");
	rte_pktmbuf_free(m);

	/* Closing reaps the sends and drains the fill and refill rings. */
	ZC_ASSERT(veth_port_down("net_zcrx_cs") == 0, "port down");
	c = census();
	ZC_ASSERT(c.available == NB_MBUF && c.held_kernel == 0 && c.held_user == 0 &&
		  c.held_tx == 0 && c.held_other == 0,
		  "after close: available %u kernel %u user %u tx %u other %u", c.available,
		  c.held_kernel, c.held_user, c.held_tx, c.held_other);
	return pool_done();
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
	{ "no refill ring over a cached pool", test_no_ring_with_cache },
	{ "transmit completions to a callback", test_tx_done },
	{ "transmit callback refusals", test_tx_done_refusals },
	{ "pool census", test_census }
)

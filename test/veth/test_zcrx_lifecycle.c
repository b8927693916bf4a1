/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * net_zcrx lifecycle with buffers held by the application: stop/start, queue
 * re-setup with a pool over another area, close and detach. Held mbufs must stay
 * valid, every buffer must come back to its pool, and teardown must unbind the
 * areas; a port restarts while another shares its area. Run by on_veth.sh:
 *   test_zcrx_lifecycle --no-huge|--huge [EAL args] -- IFACE "SEND COMMAND"
 */

#include <net/if.h>

#include <rte_ethdev.h>
#include <rte_bus_vdev.h>
#include <rte_mbuf.h>

#include <zc_pool.h>
#include <zc_rq.h>

#include "veth_test.h"

#define NB_MBUF 4096
#define NB_DESC 512
#define HOLD 64

static uint16_t port;

static bool
frames_intact(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	/* frames.py frames carry ethertype 0x88b5 right after the MACs. */
	for (i = 0; i < n; i++)
		if (rte_pktmbuf_data_len(m[i]) < 18 ||
		    *rte_pktmbuf_mtod_offset(m[i], uint16_t *, 12) != rte_cpu_to_be_16(0x88b5))
			return false;
	return true;
}

static int
test_lifecycle(void)
{
	struct rte_mbuf *held[HOLD], *more[HOLD];
	struct rte_mempool *mp, *mp2;
	struct zc_rq *rq;
	struct zc_area_info info;
	struct zc_area *area, *area2;
	unsigned int got, got2;

	mp = zc_pktmbuf_pool_create("lc_pool", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				    NULL, SOCKET_ID_ANY);
	ZC_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT(veth_port_open("net_zcrx_lc", mp, NB_DESC, &port, "iface=%s", iface) == 0,
		  "setup");
	/* The queue's refill ring outlives stops; it is released with the queue. */
	rq = zc_rq_get(port, 0);
	ZC_ASSERT(rq != NULL, "refill ring: %s", rte_strerror(rte_errno));
	ZC_ASSERT(rte_eth_dev_start(port) == 0, "start");

	/* Hold buffers across a stop: they stay ours, the rest come back. */
	ZC_ASSERT(system(send_cmd) == 0, "send");
	got = veth_receive(port, held, HOLD);
	ZC_ASSERT(got == HOLD, "received %u of %u", got, HOLD);
	ZC_ASSERT(frames_intact(held, got), "frames");
	ZC_ASSERT(rte_eth_dev_stop(port) == 0, "stop");
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF - got,
		  "after stop %u available, %u held: the kernel kept buffers",
		  rte_mempool_avail_count(mp), got);
	ZC_ASSERT(frames_intact(held, got), "held frames changed across stop");
	area = zc_area_get_by_name("mp_lc_pool");
	zc_area_info_get(area, &info);
	zc_area_put(area);
	ZC_ASSERT(info.nb_devices == 0, "area still bound after stop");

	/* Start again and receive more while still holding the first ones. */
	ZC_ASSERT(rte_eth_dev_start(port) == 0, "restart");
	ZC_ASSERT(zc_rq_post_mbuf(rq, held[0]) == 0, "refill ring usable after restart");
	held[0] = held[--got];
	ZC_ASSERT(system(send_cmd) == 0, "send");
	got2 = veth_receive(port, more, HOLD);
	ZC_ASSERT(got2 == HOLD, "received %u after restart", got2);
	rte_pktmbuf_free_bulk(more, got2);

	/*
	 * Stop only the queue, and re-bind it at run time to a pool over another area
	 * (as devmem rebinds a dmabuf to a queue).
	 */
	ZC_ASSERT(rte_eth_dev_rx_queue_stop(port, 0) == 0, "queue stop");
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF - got,
		  "after queue stop %u available, %u held", rte_mempool_avail_count(mp), got);
	ZC_ASSERT(zc_rq_post_mbuf(rq, held[0]) == 0, "post before re-setup");
	held[0] = held[--got];
	area2 = zc_area_create_hugepage("lc_area2", 16 << 20, SOCKET_ID_ANY);
	ZC_ASSERT(area2 != NULL, "area2");
	mp2 = zc_pktmbuf_pool_create("lc_pool2", 2048, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     area2, SOCKET_ID_ANY);
	ZC_ASSERT(mp2 != NULL, "pool2");
	ZC_ASSERT(rte_eth_rx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL, mp2) == 0,
		  "re-setup with another pool");
	ZC_ASSERT(rte_eth_dev_rx_queue_start(port, 0) == 0, "queue start on area2");
	ZC_ASSERT(system(send_cmd) == 0, "send");
	got2 = veth_receive(port, more, HOLD);
	ZC_ASSERT(got2 == HOLD, "received %u on area2", got2);
	ZC_ASSERT(more[0]->pool == mp2, "received into the new pool");
	/* The old queue's ring is detached: pending returns went back to the pool. */
	ZC_ASSERT(zc_rq_post_mbuf(rq, held[0]) == -EPIPE, "post to a released queue");
	zc_rq_put(rq);
	zc_area_info_get(area2, &info);
	ZC_ASSERT(info.nb_devices == 1, "area2 bound to %u devices", info.nb_devices);

	/* Stop, close and detach with buffers of both pools still held. */
	ZC_ASSERT(veth_port_down("net_zcrx_lc") == 0, "stop, close and detach");
	zc_area_info_get(area2, &info);
	ZC_ASSERT(info.nb_devices == 0, "area2 still bound after detach");
	ZC_ASSERT(frames_intact(held, got) && frames_intact(more, got2),
		  "held frames changed across close and detach");
	ZC_ASSERT(rte_mempool_avail_count(mp2) == 2048 - got2, "pool2 count %u",
		  rte_mempool_avail_count(mp2));

	/* Returned afterwards: every buffer is back, the pools go away cleanly. */
	rte_pktmbuf_free_bulk(held, got);
	rte_pktmbuf_free_bulk(more, got2);
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF, "pool1 %u",
		  rte_mempool_avail_count(mp));
	ZC_ASSERT(rte_mempool_avail_count(mp2) == 2048, "pool2 %u", rte_mempool_avail_count(mp2));
	ZC_ASSERT(zc_pool_destroy(mp, 0) == 0 && zc_pool_destroy(mp2, 0) == 0, "destroy");
	zc_area_info_get(area2, &info);
	ZC_ASSERT(info.refcnt == 1, "area2 refcnt %u, only the creator's expected", info.refcnt);
	zc_area_put(area2);
	return 0;
}

/*
 * Ports a and b over one pool (one UMEM): a, whose socket registered the UMEM,
 * stops, gets another receive ring size and starts while b holds the UMEM (as
 * OVS restarts a port to change ring sizes), then b restarts, then a again; a
 * must receive each time, and every buffer come back at the end (issue 10).
 */
static int
restart_sharing(struct rte_mempool *mp, const char *ifb)
{
	static const uint16_t sizes[] = { 1024, 256 };
	struct rte_mbuf *m[HOLD];
	unsigned int i, got;
	uint16_t pb;

	ZC_ASSERT(veth_port_open("net_zcrx_ra", mp, NB_DESC, &port, "iface=%s", iface) == 0,
		  "port a");
	ZC_ASSERT(veth_port_open("net_zcrx_rb", mp, NB_DESC, &pb, "iface=%s", ifb) == 0, "port b");
	ZC_ASSERT(rte_eth_dev_start(port) == 0 && rte_eth_dev_start(pb) == 0, "start");
	for (i = 0; i < RTE_DIM(sizes); i++) {
		ZC_ASSERT(rte_eth_dev_stop(port) == 0, "stop a");
		ZC_ASSERT(rte_eth_rx_queue_setup(port, 0, sizes[i], SOCKET_ID_ANY, NULL, mp) == 0,
			  "a: %u rx descriptors", sizes[i]);
		ZC_ASSERT(rte_eth_dev_start(port) == 0,
			  "a did not start again while b shares its area (round %u)", i);
		got = veth_traffic(port, m, HOLD);
		ZC_ASSERT(got == HOLD && frames_intact(m, got), "a received %u of %u", got, HOLD);
		rte_pktmbuf_free_bulk(m, got);
		ZC_ASSERT(rte_eth_dev_stop(pb) == 0 && rte_eth_dev_start(pb) == 0, "restart b");
	}
	ZC_ASSERT(veth_port_down("net_zcrx_rb") == 0 && veth_port_down("net_zcrx_ra") == 0,
		  "down");
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF, "%u of %u buffers back",
		  rte_mempool_avail_count(mp), NB_MBUF);
	return 0;
}

static int
test_restart_sharing_area(void)
{
	char ifb[IF_NAMESIZE], cmd[96];
	struct rte_mempool *mp;
	int ret = -1;

	snprintf(ifb, sizeof(ifb), "zr%d0", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name zr%d1 && ip link set %s up",
		 ifb, (int)getpid(), ifb);
	ZC_ASSERT(system(cmd) == 0, "%s", cmd);
	mp = zc_pktmbuf_pool_create("lc_share", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				    SOCKET_ID_ANY);
	if (mp != NULL)
		ret = restart_sharing(mp, ifb);
	else
		printf("FAIL: pool: %s\n", rte_strerror(rte_errno));
	/* A failure leaves its ports: close them before the pool. */
	rte_vdev_uninit("net_zcrx_rb");
	rte_vdev_uninit("net_zcrx_ra");
	snprintf(cmd, sizeof(cmd), "ip link del %s", ifb);
	if (system(cmd) != 0)
		ret = -1;
	if (mp != NULL)
		zc_pool_destroy(mp, 0);
	return ret;
}

static int
test_bad_devargs(void)
{
	static const char * const bad[] = {
		"", "iface=zc_no_such_if", "iface=lo,queue_count=0", "iface=lo,bogus=1",
		"iface=lo,start_queue=7", "iface=lo,rq_entries=1000", "iface=zcdown0",
	};
	unsigned int i;
	int ret = 0;

	/* An interface that exists but is down. */
	if (system("ip link add zcdown0 type veth peer name zcdown1") != 0) {
		printf("SKIP: cannot create a veth pair\n");
		return ZC_TEST_SKIP;
	}
	for (i = 0; i < RTE_DIM(bad) && ret == 0; i++)
		if (rte_vdev_init("net_zcrx_bad", bad[i]) == 0) {
			printf("FAIL: devargs '%s' accepted\n", bad[i]);
			ret = -1;
		}
	if (system("ip link del zcdown0") != 0)
		ret = -1;
	return ret;
}

ZC_VETH_TEST_MAIN(
	{ "lifecycle with held buffers", test_lifecycle },
	{ "a port restarts while another shares its area", test_restart_sharing_area },
	{ "bad devargs refused", test_bad_devargs }
)

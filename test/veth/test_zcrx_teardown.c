/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * What net_zcrx leaves behind (issue 8): a port whose pool is not a zcpool pool
 * (the copy path) makes a private frame pool and area, which must go with its
 * queue, however often the port is opened, re-set up and closed; and an
 * interface deleted under a running port must be said once, show as the link
 * going down, and still let the port stop and close with every buffer back,
 * those the application returns through the refill ring meanwhile included;
 * and a stop must wait for transmit completions that come late.
 * Run by on_veth.sh (the last case deletes the interface):
 *   test_zcrx_teardown --no-huge|--huge [EAL args] -- IFACE "SEND COMMAND"
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include <zc_area.h>
#include <zc_pool.h>
#include <zc_rq.h>

#include "veth_test.h"

#define VDEV "net_zcrx_td"
#define NB_MBUF 4096
#define NB_DESC 512
#define BATCH 64
#define CYCLES 3

static uint16_t port;

/* Probed on the interface and configured over mp, not started. */
static int
port_open(struct rte_mempool *mp)
{
	return veth_port_open(VDEV, mp, NB_DESC, &port, "iface=%s", iface);
}

/* After a failed assertion: nothing left open for the next case. */
static void
port_abandon(void)
{
	if (rte_eth_dev_get_port_by_name(VDEV, &port) == 0) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_vdev_uninit(VDEV);
}

static int
receive_and_free(void)
{
	struct rte_mbuf *m[BATCH];
	unsigned int got = veth_traffic(port, m, BATCH);

	rte_pktmbuf_free_bulk(m, got);
	ZC_ASSERT(got == BATCH, "received %u of %u", got, BATCH);
	return 0;
}

/* Not ethdev's port table, which the first port makes for good. */
static void
count_zone(const struct rte_memzone *mz, void *arg)
{
	(*(unsigned int *)arg) += strcmp(mz->name, "rte_eth_dev_data") != 0;
}

static void
count_pool(struct rte_mempool *mp, void *arg)
{
	RTE_SET_USED(mp);
	(*(unsigned int *)arg)++;
}

static int
count_area(const struct zc_area *area, void *arg)
{
	RTE_SET_USED(area);
	(*(unsigned int *)arg)++;
	return 0;
}

struct census {
	unsigned int zones, pools, areas;
};

static struct census
census(void)
{
	struct census c = { 0 };

	rte_memzone_walk(count_zone, &c.zones);
	rte_mempool_walk(count_pool, &c.pools);
	zc_area_walk(count_area, &c.areas);
	return c;
}

/* Open, receive (copying), re-set up the stopped queue, receive, close: CYCLES times. */
static int
copy_cycles(struct rte_mempool *mp)
{
	struct census before = census(), after;
	char own[RTE_MEMPOOL_NAMESIZE];
	int i;

	for (i = 0; i < CYCLES; i++) {
		ZC_ASSERT(port_open(mp) == 0, "open %d", i);
		snprintf(own, sizeof(own), "zcrx%u_0", port);
		ZC_ASSERT(rte_mempool_lookup(own) != NULL, "no private frame pool %s", own);
		ZC_ASSERT(rte_eth_dev_start(port) == 0, "start");
		ZC_ASSERT(receive_and_free() == 0, "receive %d", i);
		ZC_ASSERT(rte_eth_dev_rx_queue_stop(port, 0) == 0, "queue stop");
		ZC_ASSERT(rte_eth_rx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL, mp) == 0,
			  "re-setup");
		ZC_ASSERT(rte_eth_dev_rx_queue_start(port, 0) == 0, "queue start");
		ZC_ASSERT(receive_and_free() == 0, "receive after re-setup %d", i);
		ZC_ASSERT(veth_port_down(VDEV) == 0, "close %d", i);
		after = census();
		ZC_ASSERT(rte_mempool_lookup(own) == NULL, "%s left after close %d", own, i);
		ZC_ASSERT(after.pools == before.pools && after.areas == before.areas &&
			  after.zones == before.zones,
			  "after close %d: %u pools, %u areas, %u memzones; %u, %u, %u before", i,
			  after.pools, after.areas, after.zones, before.pools, before.areas,
			  before.zones);
	}
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF, "%u of %u mbufs back",
		  rte_mempool_avail_count(mp), NB_MBUF);
	return 0;
}

static int
test_copy_pool_freed(void)
{
	struct rte_mempool *mp;
	int ret;

	mp = rte_pktmbuf_pool_create_by_ops("td_ring", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY, "ring_mp_mc");
	ZC_ASSERT(mp != NULL, "ring pool: %s", rte_strerror(rte_errno));
	ret = copy_cycles(mp);
	if (ret != 0)
		port_abandon();
	rte_mempool_free(mp);
	return ret;
}

/* Occurrences of s in what the log stream received so far. */
static unsigned int
log_count(FILE *log, const char *s)
{
	unsigned int n = 0;
	char line[1024];

	fflush(log);
	rewind(log);
	while (fgets(line, sizeof(line), log) != NULL)
		n += strstr(line, s) != NULL;
	fseek(log, 0, SEEK_END);
	return n;
}

static bool
link_up(void)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

/* Poll the port for up to ms milliseconds, or until the log says s. */
static void
poll_until(FILE *log, const char *s, unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + ms * rte_get_timer_hz() / 1000;
	struct rte_mbuf *m[BATCH];

	while (rte_get_timer_cycles() < end && (s == NULL || log_count(log, s) == 0)) {
		rte_pktmbuf_free_bulk(m, rte_eth_rx_burst(port, 0, m, BATCH));
		rte_delay_us_sleep(10 * 1000);
	}
}

static int
link_lost(FILE *log, struct rte_mempool *mp)
{
	char gone[96], del[64];
	struct rte_mbuf *held[BATCH];
	unsigned int got, i, sent, first;
	struct zc_rq *rq;

	ZC_ASSERT(port_open(mp) == 0, "open");
	rq = zc_rq_get(port, 0);
	ZC_ASSERT(rq != NULL, "refill ring: %s", rte_strerror(rte_errno));
	ZC_ASSERT(rte_eth_dev_start(port) == 0, "start");
	ZC_ASSERT(link_up(), "link down before the interface went away");
	got = veth_traffic(port, held, BATCH);
	ZC_ASSERT(got == BATCH, "received %u", got);

	snprintf(del, sizeof(del), "ip link del %s", iface);
	ZC_ASSERT(system(del) == 0, "%s", del);
	/* Found by the port's own check: no rte_eth_link_get() meanwhile. */
	snprintf(gone, sizeof(gone), "port %u: interface %s (index ", port, iface);
	poll_until(log, gone, 3000);
	ZC_ASSERT(log_count(log, gone) == 1, "no '%s...' line in 3 s", gone);
	ZC_ASSERT(!link_up(), "the link is up without its interface");
	/* Said once, however often it is seen again. */
	poll_until(log, NULL, 1500);
	ZC_ASSERT(!link_up(), "the link came back up");
	ZC_ASSERT(log_count(log, gone) == 1, "said %u times", log_count(log, gone));

	/*
	 * A quarter is sent, which the kernel no longer takes (reclaimed at stop), a
	 * quarter goes back through the refill ring, the rest is freed at the end.
	 */
	sent = rte_eth_tx_burst(port, 0, held, got / 4);
	rte_pktmbuf_free_bulk(&held[sent], got / 4 - sent);
	for (i = 0; i < got / 4; i++)
		ZC_ASSERT(zc_rq_post_mbuf(rq, held[got - 1 - i]) == 0, "post %u", i);
	first = got / 4;
	got -= i;
	poll_until(log, NULL, 100);
	ZC_ASSERT(veth_port_down(VDEV) == 0, "stop and close without the interface");
	zc_rq_put(rq);
	ZC_ASSERT(log_count(log, "cannot detach") == 0, "a warning about the program it took");
	rte_pktmbuf_free_bulk(&held[first], got - first);
	ZC_ASSERT(rte_mempool_avail_count(mp) == NB_MBUF, "%u of %u buffers back",
		  rte_mempool_avail_count(mp), NB_MBUF);
	return 0;
}

/* Send n 64-byte broadcast frames from mp's buffers: how many went. */
static unsigned int
send_frames(struct rte_mempool *mp, unsigned int n)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz();
	struct rte_mbuf *m[BATCH];
	unsigned int sent = 0, k, i;

	while (sent < n && rte_get_timer_cycles() < end) {
		k = RTE_MIN(n - sent, (unsigned int)BATCH);
		if (rte_pktmbuf_alloc_bulk(mp, m, k) != 0)
			break;
		for (i = 0; i < k; i++) {
			struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);

			m[i]->data_len = m[i]->pkt_len = 60;
			memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
			memset(&eh->src_addr, 0x02, RTE_ETHER_ADDR_LEN);
			/* frames.py's ethertype: the far end ignores it. */
			eh->ether_type = rte_cpu_to_be_16(0x88b5);
		}
		i = rte_eth_tx_burst(port, 0, m, k);
		rte_pktmbuf_free_bulk(&m[i], k - i);
		sent += i;
	}
	return sent;
}

/*
 * A sent frame completes when its skb is freed where it is received: here the
 * far end receives in a NAPI thread (GRO on, threaded NAPI) on CPU 1, which a real-time
 * spinner holds off for 300 ms while this lcore (CPU 0) sends and stops the
 * port. The stop must wait for the completions and have every buffer back (it
 * used to give up after a hundred quick tries and lose what was still out).
 */
static int
test_late_tx_completions(void)
{
	const char *ns = getenv("ZC_VETH_PEER_NS"), *peer = getenv("ZC_VETH_PEER");
	struct rte_mempool *mp;
	struct zc_pool_census c;
	unsigned int sent;
	struct zc_rq *rq;
	char cmd[512], napi[16];
	uint64_t t0, stop_us;
	int rc = -1;

	if (ns == NULL || peer == NULL) {
		printf("SKIP: ZC_VETH_PEER_NS and ZC_VETH_PEER unset (on_veth.sh sets them)\n");
		return ZC_TEST_SKIP;
	}
	snprintf(napi, sizeof(napi), "napi/%s", peer); /* A kthread's name: 15 characters. */
	/* A veth hands a frame to its peer's NAPI only without TSO (GRO eligibility). */
	snprintf(cmd, sizeof(cmd), "ethtool -K %s tso off >/dev/null && "
		 "ip netns exec %s ethtool -K %s gro on >/dev/null && "
		 "ip netns exec %s sh -c 'echo 1 >/sys/class/net/%s/threaded' && "
		 "taskset -p 2 $(pgrep '^%s') >/dev/null", iface, ns, peer, ns, peer, napi);
	ZC_ASSERT(system(cmd) == 0, "threaded NAPI for %s, on CPU 1: %s", peer, cmd);
	ZC_ASSERT_GOTO(veth_port_up(VDEV, NB_MBUF, &port, &mp, &rq, "iface=%s", iface) == 0,
		       restore, "port");
	zc_rq_put(rq);
	ZC_ASSERT_GOTO(system("taskset -c 1 chrt -f 10 python3 -c 'import time\n"
			      "t = time.time() + 0.3\nwhile time.time() < t: pass' &") == 0,
		       down, "a real-time spinner on CPU 1");
	rte_delay_us_sleep(100 * 1000); /* Until it spins. */
	sent = send_frames(mp, VETH_NB_DESC);
	t0 = rte_get_timer_cycles();
	ZC_ASSERT_GOTO(rte_eth_dev_stop(port) == 0, down, "stop");
	stop_us = (rte_get_timer_cycles() - t0) * US_PER_S / rte_get_timer_hz();
	printf("sent %u frames, the stop took %" PRIu64 " us\n", sent, stop_us);
	ZC_ASSERT_GOTO(sent > 0, down, "nothing sent");
	ZC_ASSERT_GOTO(zc_pool_census_get(mp, &c) == 0 && c.available == NB_MBUF, down,
		       "after the stop %u of %u back (tx %u, kernel %u, other %u)", c.available,
		       NB_MBUF, c.held_tx, c.held_kernel, c.held_other);
	if (stop_us < 20 * 1000) {
		printf("SKIP: the completions were not late (the far end's NAPI thread ran)\n");
		rc = ZC_TEST_SKIP;
	} else {
		rc = 0;
	}
down:
	rte_delay_us_sleep(300 * 1000); /* The spinner is gone. */
	if (veth_port_down(VDEV) != 0)
		rc = -1;
	rte_mempool_free(mp);
restore:
	snprintf(cmd, sizeof(cmd), "ip netns exec %s sh -c 'echo 0 >/sys/class/net/%s/threaded' && "
		 "ip netns exec %s ethtool -K %s gro off >/dev/null && ethtool -K %s tso on >/dev/null",
		 ns, peer, ns, peer, iface);
	if (system(cmd) != 0 && rc == 0) {
		ZC_TEST_FAIL("restore", "%s", cmd);
		rc = -1;
	}
	return rc;
}

static int
test_interface_deleted(void)
{
	struct rte_mempool *mp;
	FILE *log, *out;
	char line[1024];
	int ret;

	mp = zc_pktmbuf_pool_create("td_zc", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				    SOCKET_ID_ANY);
	ZC_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	log = tmpfile();
	ZC_ASSERT(log != NULL, "tmpfile");
	out = rte_log_get_stream();
	rte_openlog_stream(log);
	ret = link_lost(log, mp);
	if (ret != 0)
		port_abandon();
	rte_openlog_stream(out);
	/* What the driver said, for the test's log. */
	rewind(log);
	while (fgets(line, sizeof(line), log) != NULL)
		fputs(line, stdout);
	fclose(log);
	if (ret == 0 && zc_pool_destroy(mp, 0) != 0)
		ret = -1;
	return ret;
}

ZC_VETH_TEST_MAIN(
	{ "copy path leaves no pool or area behind", test_copy_pool_freed },
	{ "sends completed late are waited for at stop", test_late_tx_completions },
	{ "interface deleted under a running port", test_interface_deleted }
)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * More tx queues than the interface has queues (issue 10): one rx and four tx
 * queues on a single-queue veth. The sockets on one netdev queue share its
 * completion ring, yet every completion must be handled once, by the queue
 * that sent the frame, inside that queue's own rte_eth_tx_burst(): its
 * zc_tx_done_set() callback, on the lcore that sends on it.
 * Run by on_veth.sh:
 *   test_zcrx_txqs --no-huge|--huge [EAL args] -- IFACE "SEND COMMAND"
 */

#include <inttypes.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <zc_pool.h>

#include "veth_test.h"

#define NB_TXQ 4
#define NB_MBUF 4096
#define BURST 32
#define ROUNDS 300

static struct rte_mempool *mp;
static uint16_t port;
/* The tx queue each buffer (by index) is in flight on, -1 when it is not. */
static int8_t owner[2 * NB_MBUF];

struct txq_check {
	uint16_t queue;
	unsigned int lcore;        /* The lcore that sends on the queue. */
	unsigned int sent;
	unsigned int done;         /* Handed to the callback. */
	unsigned int wrong_queue;  /* ... that another queue had sent. */
	unsigned int wrong_lcore;  /* ... on another lcore than the sender's. */
};
static struct txq_check chk[NB_TXQ];

static void
tx_done(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct txq_check *c = arg;
	uint16_t i;

	for (i = 0; i < n; i++) {
		int8_t q = __atomic_exchange_n(&owner[zc_pool_mbuf_index(pkts[i])], -1,
					       __ATOMIC_RELAXED);

		c->wrong_queue += q != c->queue;
	}
	c->done += n;
	c->wrong_lcore += rte_lcore_id() != c->lcore ? n : 0;
	rte_pktmbuf_free_bulk(pkts, n);
}

/* A burst of up to BURST 60-byte frames on queue q (fewer when the pool runs low). */
static void
send_burst(uint16_t q)
{
	struct rte_mbuf *b[BURST];
	unsigned int n, k, i;

	for (n = 0; n < BURST; n++) {
		b[n] = rte_pktmbuf_alloc(mp);
		if (b[n] == NULL)
			break;
		memset(rte_pktmbuf_append(b[n], 60), 0xff, 60);
		__atomic_store_n(&owner[zc_pool_mbuf_index(b[n])], q, __ATOMIC_RELAXED);
	}
	k = rte_eth_tx_burst(port, q, b, n);
	chk[q].sent += k;
	for (i = k; i < n; i++) {
		__atomic_store_n(&owner[zc_pool_mbuf_index(b[i])], -1, __ATOMIC_RELAXED);
		rte_pktmbuf_free(b[i]);
	}
}

/*
 * Send ROUNDS bursts on each of the queues first, first + step, ..., then reap
 * with empty bursts until all their frames came back, or 2 s have passed.
 */
static void
send_on(uint16_t first, uint16_t step)
{
	uint64_t end;
	bool left = true;
	unsigned int r;
	uint16_t q;

	for (r = 0; r < ROUNDS; r++)
		for (q = first; q < NB_TXQ; q += step)
			send_burst(q);
	end = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (left && rte_get_timer_cycles() < end) {
		left = false;
		for (q = first; q < NB_TXQ; q += step) {
			rte_eth_tx_burst(port, q, NULL, 0);
			left |= chk[q].done < chk[q].sent;
		}
	}
}

static int
send_odd_queues(void *arg)
{
	RTE_SET_USED(arg);
	send_on(1, 2);
	return 0;
}

/* The port: one rx queue over mp, NB_TXQ tx queues, started. */
static int
port_up(const char *name)
{
	struct rte_eth_conf conf = { 0 };
	struct zc_pool_geometry geo;
	char devargs[64];
	uint16_t q;

	mp = zc_pktmbuf_pool_create(name, NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				    SOCKET_ID_ANY);
	ZC_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_pool_geometry_get(mp, &geo) == 0 && geo.nb_slots <= RTE_DIM(owner),
		  "pool geometry");
	snprintf(devargs, sizeof(devargs), "iface=%s", iface);
	ZC_ASSERT(rte_vdev_init(name, devargs) == 0, "probe");
	ZC_ASSERT(rte_eth_dev_get_port_by_name(name, &port) == 0, "port");
	ZC_ASSERT(rte_eth_dev_configure(port, 1, NB_TXQ, &conf) == 0,
		  "configure 1 rx and %u tx queues", NB_TXQ);
	ZC_ASSERT(rte_eth_rx_queue_setup(port, 0, VETH_NB_DESC, SOCKET_ID_ANY, NULL, mp) == 0,
		  "rxq");
	for (q = 0; q < NB_TXQ; q++)
		ZC_ASSERT(rte_eth_tx_queue_setup(port, q, VETH_NB_DESC, SOCKET_ID_ANY, NULL) == 0,
			  "txq %u", q);
	ZC_ASSERT(rte_eth_dev_start(port) == 0, "start");
	return 0;
}

/*
 * Close the port (what port_up() made of it) and destroy the pool: rc, or -1
 * if a buffer did not come back.
 */
static int
port_down(const char *name, int rc)
{
	uint16_t p;

	if (rte_eth_dev_get_port_by_name(name, &p) == 0) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_vdev_uninit(name);
	if (mp == NULL)
		return -1;
	if (rte_mempool_avail_count(mp) != NB_MBUF) {
		printf("FAIL %s: %u of %u buffers back\n", name, rte_mempool_avail_count(mp),
		       NB_MBUF);
		rc = -1;
	}
	zc_pool_destroy(mp, 0);
	mp = NULL;
	return rc;
}

/* Every queue sent, and got each of its completions once, on its own lcore. */
static int
check_queues(void)
{
	char name[RTE_ETH_XSTATS_NAME_SIZE];
	uint16_t q;

	for (q = 0; q < NB_TXQ; q++) {
		struct txq_check *c = &chk[q];

		snprintf(name, sizeof(name), "tx_q%u_handed_back", q);
		ZC_ASSERT(c->sent > 0, "tx queue %u sent nothing", q);
		ZC_ASSERT(c->done == c->sent, "tx queue %u: %u completions of %u", q, c->done,
			  c->sent);
		ZC_ASSERT(c->wrong_queue == 0, "tx queue %u: %u completions of other queues", q,
			  c->wrong_queue);
		ZC_ASSERT(c->wrong_lcore == 0, "tx queue %u: %u completions on lcore %u's behalf",
			  q, c->wrong_lcore, c->lcore);
		ZC_ASSERT(veth_xstat(port, name) == c->sent, "%s %" PRIu64 ", sent %u", name,
			  veth_xstat(port, name), c->sent);
	}
	return 0;
}

/* Callbacks on every queue, each queue's lcore as given. */
static int
callbacks_set(unsigned int odd_lcore)
{
	uint16_t q;

	memset(owner, -1, sizeof(owner));
	for (q = 0; q < NB_TXQ; q++) {
		chk[q] = (struct txq_check){ .queue = q,
			.lcore = q % 2 ? odd_lcore : rte_get_main_lcore() };
		ZC_ASSERT(zc_tx_done_set(port, q, tx_done, &chk[q]) == 0, "callback %u", q);
	}
	return 0;
}

static int
test_one_lcore(void)
{
	int rc = -1;

	ZC_ASSERT_GOTO(port_up("net_zcrx_t1") == 0, out, "port");
	ZC_ASSERT_GOTO(callbacks_set(rte_get_main_lcore()) == 0, out, "callbacks");
	send_on(0, 1);
	ZC_ASSERT_GOTO(check_queues() == 0, out, "completions");
	rc = 0;
out:
	return port_down("net_zcrx_t1", rc);
}

static int
test_two_lcores(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	int rc = -1;

	if (worker >= RTE_MAX_LCORE) {
		printf("SKIP: needs two lcores\n");
		return ZC_TEST_SKIP;
	}
	ZC_ASSERT_GOTO(port_up("net_zcrx_t2") == 0, out, "port");
	ZC_ASSERT_GOTO(callbacks_set(worker) == 0, out, "callbacks");
	/* Queues 0 and 2 here, 1 and 3 on the worker, all at once. */
	ZC_ASSERT_GOTO(rte_eal_remote_launch(send_odd_queues, NULL, worker) == 0, out, "launch");
	send_on(0, 2);
	rte_eal_mp_wait_lcore();
	ZC_ASSERT_GOTO(check_queues() == 0, out, "completions");
	rc = 0;
out:
	return port_down("net_zcrx_t2", rc);
}

/*
 * An mbuf with another reference is copied on a queue that shares its
 * completion ring (its tag lives in the mbuf), so the reference stays the
 * application's. Stopping an extra tx queue stops its socket group (and so
 * reaps every completion), starting it starts the group again, whose queues
 * then all send and complete as before.
 */
static int
test_references_and_group_restart(void)
{
	struct rte_mbuf *m;
	uint64_t copy0;
	uint16_t refs;
	int rc = -1;

	ZC_ASSERT_GOTO(port_up("net_zcrx_t3") == 0, out, "port");
	m = rte_pktmbuf_alloc(mp);
	ZC_ASSERT_GOTO(m != NULL, out, "alloc");
	memset(rte_pktmbuf_append(m, 60), 0xff, 60);
	rte_mbuf_refcnt_update(m, 1);
	copy0 = veth_xstat(port, "tx_q1_copy");
	if (rte_eth_tx_burst(port, 1, &m, 1) != 1)
		rte_pktmbuf_free(m); /* The reference the port did not take. */
	refs = rte_mbuf_refcnt_read(m);
	rte_pktmbuf_free(m);
	ZC_ASSERT_GOTO(veth_xstat(port, "tx_q1_copy") == copy0 + 1, out, "not copied");
	ZC_ASSERT_GOTO(refs == 1, out, "reference count %u after the send", refs);

	ZC_ASSERT_GOTO(rte_eth_dev_tx_queue_stop(port, 3) == 0, out, "stop tx queue 3");
	ZC_ASSERT_GOTO(rte_eth_dev_tx_queue_start(port, 3) == 0, out, "start tx queue 3");
	ZC_ASSERT_GOTO(callbacks_set(rte_get_main_lcore()) == 0, out, "callbacks");
	send_on(0, 1);
	ZC_ASSERT_GOTO(check_queues() == 0, out, "completions after the restart");
	rc = 0;
out:
	return port_down("net_zcrx_t3", rc);
}

ZC_VETH_TEST_MAIN(
	{ "four tx queues on one netdev queue, one lcore", test_one_lcore },
	{ "four tx queues on one netdev queue, two lcores at once", test_two_lcores },
	{ "shared mbufs are copied; a tx queue restarts its group",
	  test_references_and_group_restart }
)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * net_zcrx's control paths must not hold a lock the datapath takes across a
 * system call (issue 8): while one port's start is inside the system call that
 * registers its UMEM, transmitting on another port must not wait. The test
 * holds that call (setsockopt(XDP_UMEM_REG) on the area's first socket) with its
 * own setsockopt() in front of libc's, and sends, from another lcore, an mbuf
 * whose pool the transmit path looks up (and adds to its UMEM's list); the
 * frame must then complete.
 * Run by on_veth.sh; the second port is on a veth pair of its own:
 *   test_zcrx_locks --no-huge|--huge [EAL args] -- IFACE "SEND COMMAND"
 */

#include <dlfcn.h>
#include <net/if.h>
#include <pthread.h>
#include <sys/socket.h>

#include <linux/if_xdp.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <zc_pool.h>
#include <zc_rq.h>

#include "veth_test.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define NB_MBUF 1024

static bool gate_closed;
static bool in_gate;

/* Every setsockopt() of the process, net_zcrx's included, comes here first. */
int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);

	if (real == NULL)
		real = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT,
									     "setsockopt");
	if (level == SOL_XDP && name == XDP_UMEM_REG &&
	    __atomic_load_n(&gate_closed, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&in_gate, true, __ATOMIC_RELEASE);
		while (__atomic_load_n(&gate_closed, __ATOMIC_ACQUIRE))
			rte_delay_us_sleep(1000);
	}
	return real(fd, level, name, val, len);
}

struct send_job {
	uint16_t port;
	struct rte_mbuf *m;
	bool done;
	unsigned int completed;
};

static void
tx_done(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	struct send_job *job = arg;

	job->completed += n;
	rte_pktmbuf_free_bulk(pkts, n);
}

static int
send_one(void *arg)
{
	struct send_job *job = arg;

	if (rte_eth_tx_burst(job->port, 0, &job->m, 1) != 1)
		rte_pktmbuf_free(job->m);
	__atomic_store_n(&job->done, true, __ATOMIC_RELEASE);
	return 0;
}

static void *
start_port(void *arg)
{
	return (void *)(intptr_t)rte_eth_dev_start(*(uint16_t *)arg);
}

/* Wait up to ms for *flag; whether it came. */
static bool
wait_for(bool *flag, unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + ms * rte_get_timer_hz() / 1000;

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE) && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(1000);
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

static int
transmit_during_umem_registration(struct rte_mempool *mpa, struct rte_mempool *mpb,
				  const char *ifb)
{
	struct send_job job = { 0 };
	uint64_t end;
	uint16_t pa, pb;
	pthread_t ctl;
	void *started;
	bool sent;

	ZC_ASSERT(veth_port_open("net_zcrx_la", mpa, 256, &pa, "iface=%s", iface) == 0, "port a");
	ZC_ASSERT(rte_eth_dev_start(pa) == 0, "start port a");
	ZC_ASSERT(veth_port_open("net_zcrx_lb", mpb, 256, &pb, "iface=%s", ifb) == 0, "port b");
	job.port = pa;
	ZC_ASSERT(zc_tx_done_set(pa, 0, tx_done, &job) == 0, "completion callback");
	job.m = rte_pktmbuf_alloc(mpa);
	ZC_ASSERT(job.m != NULL, "alloc");
	memset(rte_pktmbuf_mtod(job.m, void *), 0, 60);
	job.m->data_len = job.m->pkt_len = 60;

	/* Port b's start stops inside the UMEM registration, whatever it holds. */
	__atomic_store_n(&gate_closed, true, __ATOMIC_RELEASE);
	ZC_ASSERT(pthread_create(&ctl, NULL, start_port, &pb) == 0, "control thread");
	if (!wait_for(&in_gate, 5000)) {
		__atomic_store_n(&gate_closed, false, __ATOMIC_RELEASE);
		pthread_join(ctl, NULL);
		ZC_ASSERT(false, "port b's start never registered a UMEM");
	}
	rte_eal_remote_launch(send_one, &job, rte_get_next_lcore(-1, 1, 0));
	sent = wait_for(&job.done, 1000);
	__atomic_store_n(&gate_closed, false, __ATOMIC_RELEASE);
	pthread_join(ctl, &started);
	rte_eal_mp_wait_lcore();
	end = rte_get_timer_cycles() + rte_get_timer_hz();
	while (job.completed == 0 && rte_get_timer_cycles() < end)
		rte_eth_tx_burst(pa, 0, NULL, 0);
	/* Closed before judging, so that a failure leaves nothing behind. */
	ZC_ASSERT(rte_vdev_uninit("net_zcrx_lb") == 0 && rte_vdev_uninit("net_zcrx_la") == 0,
		  "detach");
	ZC_ASSERT((intptr_t)started == 0, "port b did not start");
	ZC_ASSERT(sent, "transmit on port a waited for port b's UMEM registration");
	ZC_ASSERT(job.completed == 1, "%u frames completed of 1", job.completed);
	return 0;
}

static int
test_transmit_not_behind_control(void)
{
	struct rte_mempool *mpa = NULL, *mpb = NULL;
	char ifb[IF_NAMESIZE], cmd[96];
	int ret = -1;

	if (rte_lcore_count() < 2) {
		printf("SKIP: needs two lcores\n");
		return ZC_TEST_SKIP;
	}
	snprintf(ifb, sizeof(ifb), "zl%d0", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name zl%d1 && ip link set %s up",
		 ifb, (int)getpid(), ifb);
	ZC_ASSERT(system(cmd) == 0, "%s", cmd);
	mpa = zc_pktmbuf_pool_create("lk_a", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				     SOCKET_ID_ANY);
	mpb = zc_pktmbuf_pool_create("lk_b", NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				     SOCKET_ID_ANY);
	if (mpa != NULL && mpb != NULL)
		ret = transmit_during_umem_registration(mpa, mpb, ifb);
	else
		printf("FAIL: pools: %s\n", rte_strerror(rte_errno));
	snprintf(cmd, sizeof(cmd), "ip link del %s", ifb);
	if (system(cmd) != 0)
		ret = -1;
	/* Deferred if a failed case left buffers out. */
	if (mpa != NULL)
		zc_pool_destroy(mpa, 0);
	if (mpb != NULL)
		zc_pool_destroy(mpb, 0);
	return ret;
}

ZC_VETH_TEST_MAIN(
	{ "transmit does not wait behind a control path's system call",
	  test_transmit_not_behind_control }
)

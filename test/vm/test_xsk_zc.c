/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * net_zcrx in true AF_XDP zero-copy mode, in the emulated machine
 * (test/vm/guest.sh): a virtio-net NIC with iommu_platform, so that its driver
 * DMA-maps the UMEM (the pool's area) through the guest's IOMMU. Arguments after
 * "--": IFACE, SEND_COMMAND (makes the kernel-driven peer send frames.py's
 * COUNT raw frames to IFACE), COUNT, and NO_ZC_IFACE, a virtio-net NIC without
 * iommu_platform, where the kernel cannot bind zero-copy. The frames received
 * are sent back with their MACs swapped; guest.sh checks them at the peer.
 */

#include <stdlib.h>

#include "../veth/veth_test.h"
#include "vm_frames.h"

#define NB_MBUF 4096
#define NB_DESC 512
#define ZC_ROOM 2048 /* Two frames a page: no frame crosses a page. */

static unsigned int count;
static const char *no_zc_iface;
static struct rte_mbuf *frames[VM_FRAMES_MAX];

static struct rte_mempool *
pool(const char *name, uint16_t room)
{
	return zc_pktmbuf_pool_create(name, NB_MBUF, 0, 0, room, NULL, SOCKET_ID_ANY);
}

/* Give frames[0..n) back through the refill ring (freed when it is full): how many went. */
static unsigned int
post_back(struct zc_rq *rq, unsigned int n)
{
	unsigned int i, posted = 0;

	for (i = 0; i < n; i++) {
		if (zc_rq_post_mbuf(rq, frames[i]) == 0)
			posted++;
		else
			rte_pktmbuf_free(frames[i]);
	}
	return posted;
}

/*
 * Zero-copy both ways with zero_copy=1: the socket reports zero-copy, received
 * frames are byte-exact and go back out in place; frames returned through the
 * refill ring are received into again; frames held across a queue stop and
 * start, a port stop and start, a close and a detach stay intact; and every
 * buffer comes back.
 */
static int
test_zero_copy(void)
{
	struct zc_pool_census c;
	struct rte_mempool *mp;
	unsigned int got = 0, ok, sent, posted;
	struct zc_rq *rq = NULL;
	uint16_t port;
	int rc = -1;

	mp = pool("xzc", ZC_ROOM);
	ZC_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(veth_port_open("net_zcrx_zc", mp, NB_DESC, &port, "iface=%s,zero_copy=1",
				      iface) == 0, close, "setup");
	ZC_ASSERT_GOTO(rte_eth_dev_start(port) == 0, close, "start with zero_copy=1");
	ZC_ASSERT_GOTO(veth_xstat(port, "xdp_q0_zero_copy") == 1, close,
		       "xdp_q0_zero_copy %" PRIu64 ", expected 1", veth_xstat(port, "xdp_q0_zero_copy"));
	rq = zc_rq_get(port, 0);
	ZC_ASSERT_GOTO(rq != NULL, close, "refill ring: %s", rte_strerror(rte_errno));

	got = vm_receive_frames(port, send_cmd, frames, count);
	ok = vm_nb_exact(frames, got);
	printf("received %u of %u frames, %u byte-exact\n", got, count, ok);
	if (got != count)
		vm_dump_xstats(port);
	ZC_ASSERT_GOTO(got == count && ok == count, free_frames, "received %u, %u exact, of %u",
		       got, ok, count);
	sent = vm_send_back(port, frames, got);
	got = 0;
	printf("sent %u back in place (tx_q0_zero_copy %" PRIu64 ")\n", sent,
	       veth_xstat(port, "tx_q0_zero_copy"));
	ZC_ASSERT_GOTO(sent == count, close, "sent %u of %u", sent, count);

	/* Round two goes back through the refill ring, which round three's fills drain. */
	got = vm_receive_frames(port, send_cmd, frames, count);
	ZC_ASSERT_GOTO(got == count && vm_nb_exact(frames, got) == count, free_frames,
		       "round two: %u of %u", got, count);
	posted = post_back(rq, got);
	got = 0;
	ZC_ASSERT_GOTO(posted == count, close, "posted %u of %u", posted, count);
	got = vm_receive_frames(port, send_cmd, frames, count);
	printf("round three: %u received, %" PRIu64 " fills from the refill ring, %" PRIu64 " refused\n",
	       got, veth_xstat(port, "rx_q0_rq_refill"), veth_xstat(port, "rx_q0_rq_invalid") +
	       veth_xstat(port, "rx_q0_rq_not_owned") + veth_xstat(port, "rx_q0_rq_stale"));
	ZC_ASSERT_GOTO(got == count && vm_nb_exact(frames, got) == count, free_frames,
		       "round three: %u of %u", got, count);
	ZC_ASSERT_GOTO(veth_xstat(port, "rx_q0_rq_refill") > 0, free_frames, "no refill");

	/*
	 * Hold round three across a queue stop and start (the socket closes and
	 * reopens: what the zero-copy driver's ring held comes back), a port stop and
	 * start, then a close and a detach.
	 */
	ZC_ASSERT_GOTO(rte_eth_dev_rx_queue_stop(port, 0) == 0, free_frames, "queue stop");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == NB_MBUF - got, free_frames,
		       "after queue stop %u available, %u held: the kernel kept %u buffers",
		       rte_mempool_avail_count(mp), got,
		       NB_MBUF - got - rte_mempool_avail_count(mp));
	ZC_ASSERT_GOTO(rte_eth_dev_rx_queue_start(port, 0) == 0, free_frames, "queue start");
	ZC_ASSERT_GOTO(veth_xstat(port, "xdp_q0_zero_copy") == 1, free_frames,
		       "queue restarted in copy mode");
	ZC_ASSERT_GOTO(vm_nb_exact(frames, got) == count, free_frames,
		       "held frames changed across the queue restart");
	ZC_ASSERT_GOTO(rte_eth_dev_stop(port) == 0, free_frames, "stop");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == NB_MBUF - got, free_frames,
		       "after stop %u available, %u held: the kernel kept %u buffers",
		       rte_mempool_avail_count(mp), got,
		       NB_MBUF - got - rte_mempool_avail_count(mp));
	ZC_ASSERT_GOTO(rte_eth_dev_start(port) == 0, free_frames, "restart");
	ZC_ASSERT_GOTO(veth_xstat(port, "xdp_q0_zero_copy") == 1, free_frames,
		       "restarted in copy mode");
	zc_rq_put(rq);
	rq = NULL;
	ZC_ASSERT_GOTO(veth_port_down("net_zcrx_zc") == 0, free_frames, "down");
	ZC_ASSERT_GOTO(vm_nb_exact(frames, got) == count, free_frames, "held frames changed");
	rte_pktmbuf_free_bulk(frames, got);
	got = 0;
	ZC_ASSERT_GOTO(zc_pool_census_get(mp, &c) == 0 && c.available == NB_MBUF, free_pool,
		       "audit: %u of %u back (kernel %u, user %u, tx %u, other %u)", c.available,
		       NB_MBUF, c.held_kernel, c.held_user, c.held_tx, c.held_other);
	rc = 0;
	goto free_pool;
free_frames:
	rte_pktmbuf_free_bulk(frames, got);
close:
	if (rq != NULL)
		zc_rq_put(rq);
	veth_port_down("net_zcrx_zc");
free_pool:
	rte_mempool_free(mp);
	return rc;
}

/*
 * Where zero-copy cannot be had, zero_copy=1 fails the start (the driver says
 * why) and without it the socket binds in copy mode, and says so; nothing is lost.
 */
static int
refused_then_copy(uint16_t room, const char *ifname)
{
	struct rte_mempool *mp = pool("xrefuse", room);
	const char *name = "net_zcrx_rf";
	uint16_t port;
	int rc = -1;

	ZC_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(veth_port_open(name, mp, NB_DESC, &port, "iface=%s,zero_copy=1",
				      ifname) == 0, close, "setup");
	ZC_ASSERT_GOTO(rte_eth_dev_start(port) != 0, close, "zero_copy=1 started on %s with %u-byte buffers",
		       ifname, room);
	ZC_ASSERT_GOTO(veth_port_down(name) == 0, free_pool, "down");
	ZC_ASSERT_GOTO(veth_port_open(name, mp, NB_DESC, &port, "iface=%s", ifname) == 0, close,
		       "setup");
	ZC_ASSERT_GOTO(rte_eth_dev_start(port) == 0, close, "start");
	ZC_ASSERT_GOTO(veth_xstat(port, "xdp_q0_zero_copy") == 0, close, "zero-copy on %s", ifname);
	ZC_ASSERT_GOTO(veth_port_down(name) == 0, free_pool, "down");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == NB_MBUF, free_pool, "%u of %u back",
		       rte_mempool_avail_count(mp), NB_MBUF);
	rc = 0;
	goto free_pool;
close:
	veth_port_down(name);
free_pool:
	rte_mempool_free(mp);
	return rc;
}

/* 2176-byte buffers: frames cross pages. */
static int
test_crossing_frames(void)
{
	return refused_then_copy(RTE_MBUF_DEFAULT_BUF_SIZE, iface);
}

/* virtio-net without iommu_platform: the kernel cannot bind zero-copy. */
static int
test_no_zero_copy_nic(void)
{
	return refused_then_copy(ZC_ROOM, no_zc_iface);
}

bool zc_test_huge;

int
main(int argc, char **argv)
{
	static const struct zc_test_case cases[] = {
		{ "zero_copy", test_zero_copy },
		{ "crossing_frames", test_crossing_frames },
		{ "no_zero_copy_nic", test_no_zero_copy_nic },
	};
	const char *args[4];

	/* Progress reaches the log as it happens, for a guest that is killed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (zc_test_own_args(&argc, argv, args, 4, "IFACE SEND_COMMAND COUNT NO_ZC_IFACE") < 0)
		return 1;
	iface = args[0];
	send_cmd = args[1];
	count = atoi(args[2]);
	no_zc_iface = args[3];
	if (count == 0 || count > VM_FRAMES_MAX) {
		fprintf(stderr, "COUNT: 1 to %d\n", VM_FRAMES_MAX);
		return 1;
	}
	return zc_test_main(argc, argv, cases, RTE_DIM(cases));
}

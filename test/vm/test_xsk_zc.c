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

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "../veth/veth_test.h"

#define NB_MBUF 4096
#define NB_DESC 512
#define MAX_FRAMES 2048
#define ZC_ROOM 2048 /* Two frames a page: no frame crosses a page. */

static unsigned int count;
static const char *no_zc_iface;
static struct rte_mbuf *frames[MAX_FRAMES];

/* Whether m is frames.py's frame seq, byte for byte (its MACs aside); seq is set. */
static bool
frame_exact(const struct rte_mbuf *m, uint32_t *seq)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), i;

	if (len < 18 || p[12] != 0x88 || p[13] != 0xb5)
		return false;
	*seq = rte_be_to_cpu_32(*(const uint32_t *)(p + 14));
	if (len != 60 + (*seq * 97) % (1514 - 60 + 1))
		return false;
	for (i = 0; i < len - 18; i++)
		if (p[18 + i] != (uint8_t)(*seq * 31 + i * 7))
			return false;
	return true;
}

/*
 * Have the peer send, and receive frames.py's count frames into frames[] (others
 * are freed): how many, 0 if the send failed. The port is polled while the peer
 * sends: once the NIC's ring is full, QEMU holds the peer's transmit queue.
 */
static unsigned int
receive_frames(uint16_t port)
{
	uint64_t hz = rte_get_timer_hz(), end = rte_get_timer_cycles() + 120 * hz, idle = 0;
	FILE *sender = popen(send_cmd, "r");
	struct rte_mbuf *b[32];
	unsigned int got = 0, n, i;
	char c;

	if (sender == NULL)
		return 0;
	fcntl(fileno(sender), F_SETFL, O_NONBLOCK);
	/* Until every frame is in, or the sender is done and 2 s pass without one. */
	while (got < count && rte_get_timer_cycles() < end &&
	       (idle == 0 || rte_get_timer_cycles() < idle + 2 * hz)) {
		if (idle == 0 && read(fileno(sender), &c, 1) == 0)
			idle = rte_get_timer_cycles();
		n = rte_eth_rx_burst(port, 0, b, RTE_DIM(b));
		if (n != 0 && idle != 0)
			idle = rte_get_timer_cycles();
		for (i = 0; i < n; i++) {
			const uint16_t *type = rte_pktmbuf_mtod_offset(b[i], uint16_t *, 12);

			if (got < count && *type == rte_cpu_to_be_16(0x88b5))
				frames[got++] = b[i];
			else
				rte_pktmbuf_free(b[i]);
		}
	}
	if (pclose(sender) != 0) {
		printf("the peer's send failed: %s\n", send_cmd);
		rte_pktmbuf_free_bulk(frames, got);
		return 0;
	}
	return got;
}

/* The port's non-zero xstats, for a failure's story. */
static void
dump_xstats(uint16_t port)
{
	struct rte_eth_xstat_name names[128];
	struct rte_eth_xstat xs[128];
	int i, n = rte_eth_xstats_get(port, xs, RTE_DIM(xs));

	if (n <= 0 || n > (int)RTE_DIM(xs) || rte_eth_xstats_get_names(port, names, n) != n)
		return;
	for (i = 0; i < n; i++)
		if (xs[i].value != 0)
			printf("  %s: %" PRIu64 "\n", names[xs[i].id].name, xs[i].value);
}

/* Count unique intact frames among frames[0..n). */
static unsigned int
nb_exact(unsigned int n)
{
	static bool seen[MAX_FRAMES];
	unsigned int i, ok = 0;
	uint32_t seq;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++)
		if (frame_exact(frames[i], &seq) && seq < MAX_FRAMES && !seen[seq]) {
			seen[seq] = true;
			ok++;
		}
	return ok;
}

/* Send frames[0..n) back to where they came from; all are consumed. */
static unsigned int
send_back(uint16_t port, unsigned int n)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	unsigned int i, sent = 0;

	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(frames[i], struct rte_ether_hdr *);
		struct rte_ether_addr a = eh->dst_addr;

		eh->dst_addr = eh->src_addr;
		eh->src_addr = a;
	}
	while (sent < n && rte_get_timer_cycles() < end)
		sent += rte_eth_tx_burst(port, 0, &frames[sent], n - sent);
	rte_pktmbuf_free_bulk(&frames[sent], n - sent);
	return sent;
}

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
 * refill ring are received into again; frames held across a stop and a start, a
 * close and a detach stay intact; and every buffer comes back.
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

	got = receive_frames(port);
	ok = nb_exact(got);
	printf("received %u of %u frames, %u byte-exact\n", got, count, ok);
	if (got != count)
		dump_xstats(port);
	ZC_ASSERT_GOTO(got == count && ok == count, free_frames, "received %u, %u exact, of %u",
		       got, ok, count);
	sent = send_back(port, got);
	got = 0;
	printf("sent %u back in place (tx_q0_zero_copy %" PRIu64 ")\n", sent,
	       veth_xstat(port, "tx_q0_zero_copy"));
	ZC_ASSERT_GOTO(sent == count, close, "sent %u of %u", sent, count);

	/* Round two goes back through the refill ring, which round three's fills drain. */
	got = receive_frames(port);
	ZC_ASSERT_GOTO(got == count && nb_exact(got) == count, free_frames, "round two: %u of %u",
		       got, count);
	posted = post_back(rq, got);
	got = 0;
	ZC_ASSERT_GOTO(posted == count, close, "posted %u of %u", posted, count);
	got = receive_frames(port);
	printf("round three: %u received, %" PRIu64 " fills from the refill ring, %" PRIu64 " refused\n",
	       got, veth_xstat(port, "rx_q0_rq_refill"), veth_xstat(port, "rx_q0_rq_invalid") +
	       veth_xstat(port, "rx_q0_rq_not_owned") + veth_xstat(port, "rx_q0_rq_stale"));
	ZC_ASSERT_GOTO(got == count && nb_exact(got) == count, free_frames, "round three: %u of %u",
		       got, count);
	ZC_ASSERT_GOTO(veth_xstat(port, "rx_q0_rq_refill") > 0, free_frames, "no refill");

	/* Hold round three across a stop and a start, then a close and a detach. */
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
	ZC_ASSERT_GOTO(nb_exact(got) == count, free_frames, "held frames changed");
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
	if (count == 0 || count > MAX_FRAMES) {
		fprintf(stderr, "COUNT: 1 to %d\n", MAX_FRAMES);
		return 1;
	}
	return zc_test_main(argc, argv, cases, RTE_DIM(cases));
}

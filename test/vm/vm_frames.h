/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_VM_FRAMES_H
#define ZC_VM_FRAMES_H

/*
 * test/veth/frames.py's raw frames (ethertype 0x88b5, a sequence number, a payload
 * derived from it) on the emulated machine's ports: checked byte for byte,
 * received on a DPDK port while the kernel-driven peer sends them, sent back with
 * their MACs swapped, and counted at the peer on a packet socket.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define VM_FRAMES_TYPE 0x88b5
/* Sequence numbers a check tells apart; COUNT arguments stay below. */
#define VM_FRAMES_MAX 2048

/* Whether p[0..len) is frames.py's frame seq, byte for byte (its MACs aside); seq is set. */
static inline bool
vm_frame_exact(const uint8_t *p, uint32_t len, uint32_t *seq)
{
	uint32_t i;

	if (len < 18 || p[12] != 0x88 || p[13] != 0xb5)
		return false;
	memcpy(seq, p + 14, sizeof(*seq)); /* Not aligned: 14 bytes into the frame. */
	*seq = rte_be_to_cpu_32(*seq);
	if (len != 60 + (*seq * 97) % (1514 - 60 + 1))
		return false;
	for (i = 0; i < len - 18; i++)
		if (p[18 + i] != (uint8_t)(*seq * 31 + i * 7))
			return false;
	return true;
}

static inline bool
vm_mbuf_exact(const struct rte_mbuf *m, uint32_t *seq)
{
	return vm_frame_exact(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), seq);
}

/*
 * Run send_cmd (makes the peer send count frames) and receive them on queue 0 of
 * port into frames[] (other frames are freed): how many, 0 if the send failed.
 * The port is polled while the peer sends: once the NIC's ring is full, QEMU
 * holds the peer's transmit queue.
 */
static inline unsigned int
vm_receive_frames(uint16_t port, const char *send_cmd, struct rte_mbuf **frames,
		  unsigned int count)
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

			if (got < count && *type == rte_cpu_to_be_16(VM_FRAMES_TYPE))
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

/* Unique intact frames among frames[0..n). */
static inline unsigned int
vm_nb_exact(struct rte_mbuf *const *frames, unsigned int n)
{
	static bool seen[VM_FRAMES_MAX];
	unsigned int i, ok = 0;
	uint32_t seq;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++)
		if (vm_mbuf_exact(frames[i], &seq) && seq < VM_FRAMES_MAX && !seen[seq]) {
			seen[seq] = true;
			ok++;
		}
	return ok;
}

/* Send frames[0..n) back to where they came from on queue 0; all are consumed. */
static inline unsigned int
vm_send_back(uint16_t port, struct rte_mbuf **frames, unsigned int n)
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

/* The port's non-zero xstats, for a failure's story. */
static inline void
vm_dump_xstats(uint16_t port)
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

/* The peer's side: a packet socket on a kernel netdev, and what it has seen. */
struct vm_peer {
	int fd;
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	bool seen[VM_FRAMES_MAX];
	unsigned int nb_seen;   /* Unique intact frames addressed to the peer. */
	unsigned int nb_bad;    /* Frames of ours that were corrupt or misaddressed. */
	unsigned int nb_dup;
};

/*
 * Open the peer's socket on ifname (frames.py's ethertype only). 0, or -errno.
 * Frames sent to the peer from then on are queued for vm_peer_collect().
 */
static inline int
vm_peer_open(struct vm_peer *p, const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(VM_FRAMES_TYPE),
		.sll_ifindex = (int)if_nametoindex(ifname),
	};
	socklen_t len = sizeof(sll);
	/* Room for every frame of a round: more than rmem_max allows, as root. */
	int rcvbuf = 64 << 20, err;

	memset(p, 0, sizeof(*p));
	if (sll.sll_ifindex == 0)
		return -ENODEV;
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(VM_FRAMES_TYPE));
	if (p->fd < 0)
		return -errno;
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 ||
	    bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&sll, &len) < 0) {
		err = -errno;
		close(p->fd);
		p->fd = -1;
		return err;
	}
	memcpy(p->mac, sll.sll_addr, sizeof(p->mac));
	return 0;
}

/*
 * Read the peer's socket until it has seen want unique intact frames sent to it
 * from src, or timeout_s pass: the number seen.
 */
static inline unsigned int
vm_peer_collect(struct vm_peer *p, const struct rte_ether_addr *src, unsigned int want,
		unsigned int timeout_s)
{
	uint64_t hz = rte_get_timer_hz(), end = rte_get_timer_cycles() + timeout_s * hz;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	static uint8_t f[2048];

	while (p->nb_seen < want && rte_get_timer_cycles() < end) {
		struct sockaddr_ll from;
		socklen_t len = sizeof(from);
		uint32_t seq;
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvfrom(p->fd, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&from, &len);
		/* A packet socket also sees what the peer itself sends. */
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (n < 2 * RTE_ETHER_ADDR_LEN || memcmp(f, p->mac, RTE_ETHER_ADDR_LEN) != 0 ||
		    memcmp(f + RTE_ETHER_ADDR_LEN, src, RTE_ETHER_ADDR_LEN) != 0 ||
		    !vm_frame_exact(f, n, &seq) || seq >= VM_FRAMES_MAX)
			p->nb_bad++;
		else if (p->seen[seq])
			p->nb_dup++;
		else {
			p->seen[seq] = true;
			p->nb_seen++;
		}
	}
	return p->nb_seen;
}

static inline void
vm_peer_close(struct vm_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

#endif /* ZC_VM_FRAMES_H */

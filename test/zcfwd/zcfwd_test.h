/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCFWD_TEST_H
#define ZCFWD_TEST_H

/*
 * What zcfwd's tests share: synthetic frames and what a forwarded one must look
 * like, stderr capture, and route files.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ethdev_driver.h>
#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>

#include <zc_pool.h>

#include "zc_test.h"
#include "zcfwd.h"

#define DROP(reason) (-1 - (reason))
#define TMP_TEMPLATE "/tmp/zcfwd_test_XXXXXX"
#define PAYLOAD_LEN 48
#define FRAME_MAX 256
#define ROUTE_PORTS 0x7

/* Next hop and own MAC of port p, as the tests configure them. */
#define NH(p) ((struct rte_ether_addr){ { 0x02, 0, 0, 0, 0x01, (p) } })
#define PORT_MAC(p) ((struct rte_ether_addr){ { 0x02, 0, 0, 0, 0x02, (p) } })

static const struct rte_ether_addr in_src = { { 0x02, 0xaa, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr in_dst = { { 0x02, 0xbb, 0, 0, 0, 0x02 } };

/* Nested prefixes, host routes, and the syntax the file allows. */
static const char routes_text[] =
	"# zcfwd test routes\n"
	"10.0.0.0/8\t0\n"
	"  10.1.0.0/16   1   # indented, with a comment\n"
	"\n"
	"10.1.2.0/24 2\r\n"
	"10.1.2.99/32 0\n"
	"2001:db8::/32 0\n"
	"2001:DB8:1::/48 1\n"
	"   \t\n"
	"2001:db8:1:2::/64 2\n"
	"2001:db8:1:2::99/128 0\n";

/* ---- Frames ---- */

/* Made at first use; EAL cleanup frees it. */
static inline struct rte_mempool *
test_pool(void)
{
	static struct rte_mempool *mp;

	if (mp == NULL)
		mp = rte_pktmbuf_pool_create("zt_route_pkts", 1023, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	return mp;
}

/*
 * An Ethernet frame to dst (IPv4 or IPv6 text; NULL: an ARP frame) with TTL or
 * hop limit ttl, an IPv4 header of ihl words (options are NOPs) and a payload
 * of PAYLOAD_LEN bytes that starts with id.
 */
static inline struct rte_mbuf *
build(struct rte_mempool *mp, const char *dst, uint8_t ttl, uint8_t ihl, uint32_t id)
{
	struct rte_mbuf *m = mp != NULL ? rte_pktmbuf_alloc(mp) : NULL;
	struct rte_ether_hdr *eth;
	uint8_t addr[16], *payload;
	unsigned int i;

	if (m == NULL)
		return NULL;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eth->dst_addr = in_dst;
	eth->src_addr = in_src;
	if (dst == NULL) {
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
		payload = (uint8_t *)(eth + 1);
	} else if (inet_pton(AF_INET, dst, addr) == 1) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		unsigned int hlen = ihl * RTE_IPV4_IHL_MULTIPLIER;

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		memset(ip, 0, sizeof(*ip));
		memset(ip + 1, 1, hlen - sizeof(*ip));
		ip->version_ihl = 0x40 | ihl;
		ip->total_length = rte_cpu_to_be_16(hlen + PAYLOAD_LEN);
		ip->packet_id = rte_cpu_to_be_16(id);
		ip->time_to_live = ttl;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = RTE_BE32(0xc0000201); /* 192.0.2.1 (RTE_IPV4() overflows int in 22.11) */
		memcpy(&ip->dst_addr, addr, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		payload = (uint8_t *)ip + hlen;
	} else if (inet_pton(AF_INET6, dst, addr) == 1) {
		static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 1 };
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = RTE_BE32(6u << 28);
		ip->payload_len = RTE_BE16(PAYLOAD_LEN);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = ttl;
		/* &: uint8_t[16] before DPDK 24.11, struct rte_ipv6_addr after. */
		memcpy(&ip->src_addr, src, 16);
		memcpy(&ip->dst_addr, addr, 16);
		payload = (uint8_t *)(ip + 1);
	} else {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(payload, &id, sizeof(id));
	for (i = sizeof(id); i < PAYLOAD_LEN; i++)
		payload[i] = (uint8_t)(id * 31 + i);
	if (rte_pktmbuf_append(m, payload + PAYLOAD_LEN - (uint8_t *)eth) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

static inline struct rte_mbuf *
pkt(const char *dst, uint8_t ttl)
{
	return build(test_pool(), dst, ttl, 5, 0);
}

static inline struct rte_ipv4_hdr *
ip4(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static inline struct rte_ipv6_hdr *
ip6(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
}

/* After changing an IPv4 header on purpose: a correct checksum again. */
static inline void
ip4_recksum(struct rte_mbuf *m)
{
	ip4(m)->hdr_checksum = 0;
	ip4(m)->hdr_checksum = rte_ipv4_cksum(ip4(m));
}

/* The first keep bytes of the frame. */
static inline struct rte_mbuf *
truncated(struct rte_mbuf *m, uint32_t keep)
{
	if (m != NULL)
		rte_pktmbuf_trim(m, m->pkt_len - keep);
	return m;
}

/* n bytes of Ethernet padding after the IP packet. */
static inline struct rte_mbuf *
padded(struct rte_mbuf *m, uint16_t n)
{
	char *pad = m != NULL ? rte_pktmbuf_append(m, n) : NULL;

	if (pad == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(pad, 0x5a, n);
	return m;
}

/*
 * What a forwarded frame must be, from the frame before: the MACs of the output
 * port, TTL or hop limit one less and, for IPv4, the header checksum computed
 * anew over the whole header; every other byte as it was.
 */
static inline void
forwarded_frame(uint8_t *f, uint16_t port)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;

	eth->dst_addr = NH(port);
	eth->src_addr = PORT_MAC(port);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		ip->time_to_live--;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		((struct rte_ipv6_hdr *)(eth + 1))->hop_limits--;
	}
}

static inline int
check_forwarded(const uint8_t *before, const struct rte_mbuf *m, uint16_t port)
{
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)got;
	uint8_t want[FRAME_MAX];
	uint32_t i;

	memcpy(want, before, m->data_len);
	forwarded_frame(want, port);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
		uint16_t sum = rte_raw_cksum(ip, rte_ipv4_hdr_len(ip));

		ZC_ASSERT(sum == 0xffff, "header sum %#x after the TTL update (checksum %#x)", sum,
			  ip->hdr_checksum);
	}
	for (i = 0; i < m->data_len && got[i] == want[i]; i++)
		;
	ZC_ASSERT(i == m->data_len, "frame byte %u is %#x, expected %#x", i, got[i], want[i]);
	return 0;
}

/* Routes m (then freed) and checks the verdict and the frame it leaves. */
static inline int
expect_route(const struct zcfwd_routes *r, struct rte_mbuf *m, int want)
{
	uint8_t before[FRAME_MAX];
	int got;

	ZC_ASSERT(m != NULL, "cannot build the frame");
	ZC_ASSERT(m->data_len <= FRAME_MAX, "frame of %u bytes", m->data_len);
	memcpy(before, rte_pktmbuf_mtod(m, void *), m->data_len);
	got = zcfwd_route(r, m);
	ZC_ASSERT(got == want, "verdict %d, expected %d", got, want);
	if (want < 0)
		ZC_ASSERT(memcmp(before, rte_pktmbuf_mtod(m, void *), m->data_len) == 0,
			  "a dropped frame was changed");
	else if (check_forwarded(before, m, want) != 0)
		return -1;
	rte_pktmbuf_free(m);
	return 0;
}

/* ---- stderr capture and route files ---- */

struct capture {
	FILE *f;
	int saved;
};

static inline int
capture_begin(struct capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	c->saved = dup(STDERR_FILENO);
	if (c->f == NULL || c->saved < 0 || dup2(fileno(c->f), STDERR_FILENO) < 0) {
		if (c->f != NULL)
			fclose(c->f);
		if (c->saved >= 0)
			close(c->saved);
		return -1;
	}
	return 0;
}

/* Restores stderr; what was written goes to buf, and to stdout for the log. */
static inline void
capture_end(struct capture *c, char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->f);
	n = fread(buf, 1, len - 1, c->f);
	buf[n] = '\0';
	fclose(c->f);
	if (n != 0)
		printf("    stderr: %s", buf);
}

/* Exactly one line of text starts with "zcfwd:", and it contains want1 and want2. */
static inline int
one_error_line(const char *text, const char *want1, const char *want2)
{
	char one[512] = "";
	unsigned int n = 0;
	const char *s;
	size_t len;

	for (s = text; *s != '\0'; s += len + (s[len] == '\n')) {
		len = strcspn(s, "\n");
		if (strncmp(s, "zcfwd:", 6) == 0 && n++ == 0)
			snprintf(one, sizeof(one), "%.*s", (int)len, s);
	}
	ZC_ASSERT(n == 1, "%u lines start with \"zcfwd:\"", n);
	ZC_ASSERT(strstr(one, want1) != NULL, "\"%s\" does not say \"%s\"", one, want1);
	ZC_ASSERT(strstr(one, want2) != NULL, "\"%s\" does not say \"%s\"", one, want2);
	return 0;
}

/* text into a new temporary file, named in path (sizeof(TMP_TEMPLATE) bytes). */
static inline int
write_file(char *path, const char *text)
{
	int fd;
	ssize_t len = strlen(text);

	strcpy(path, TMP_TEMPLATE);
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != len) {
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd);
}

/* zcfwd_routes_load() with what it prints on stderr in err. */
static inline int
load_path(const char *path, uint32_t portmask, struct zcfwd_routes *r, char *err, size_t errlen)
{
	struct capture cap;
	int ret;

	if (capture_begin(&cap) != 0) {
		snprintf(err, errlen, "cannot capture stderr\n");
		return -2;
	}
	ret = zcfwd_routes_load(path, portmask, r, rte_socket_id());
	capture_end(&cap, err, errlen);
	return ret;
}

/* The same for a file of text, named in path. */
static inline int
load_text(const char *text, uint32_t portmask, struct zcfwd_routes *r, char *path, char *err,
	  size_t errlen)
{
	int ret;

	if (write_file(path, text) != 0) {
		snprintf(err, errlen, "cannot write a route file\n");
		return -2;
	}
	ret = load_path(path, portmask, r, err, errlen);
	unlink(path);
	return ret;
}

/* Runs body with the routes of text loaded, every port's rewrite set up. */
static inline int
with_routes(const char *text, int (*body)(const struct zcfwd_routes *r))
{
	static struct zcfwd_routes routes;
	char path[sizeof(TMP_TEMPLATE)], err[1024];
	unsigned int p;
	int ret;

	memset(&routes, 0, sizeof(routes));
	ZC_ASSERT(load_text(text, ROUTE_PORTS, &routes, path, err, sizeof(err)) == 0,
		  "the route file was refused: %s", err);
	for (p = 0; p < ZCFWD_MAX_PORTS; p++) {
		routes.out_hdr[p].dst_addr = NH(p);
		routes.out_hdr[p].src_addr = PORT_MAC(p);
	}
	ret = body(&routes);
	zcfwd_routes_free(&routes);
	return ret;
}

#endif /* ZCFWD_TEST_H */

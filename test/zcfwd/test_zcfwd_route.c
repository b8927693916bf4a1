/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zcfwd's routing: the per-packet decision on synthetic frames, the route file
 * and what it refuses, and the whole forwarder over net_ring ports (no root):
 * every packet sent comes out on the right port or is counted as the right
 * drop, and the teardown finds every buffer back.
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
static struct rte_mempool *
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
static struct rte_mbuf *
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
		memcpy(ip->src_addr, src, 16);
		memcpy(ip->dst_addr, addr, 16);
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

static struct rte_mbuf *
pkt(const char *dst, uint8_t ttl)
{
	return build(test_pool(), dst, ttl, 5, 0);
}

static struct rte_ipv4_hdr *
ip4(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static struct rte_ipv6_hdr *
ip6(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
}

/* After changing an IPv4 header on purpose: a correct checksum again. */
static void
ip4_recksum(struct rte_mbuf *m)
{
	ip4(m)->hdr_checksum = 0;
	ip4(m)->hdr_checksum = rte_ipv4_cksum(ip4(m));
}

/* The first keep bytes of the frame. */
static struct rte_mbuf *
truncated(struct rte_mbuf *m, uint32_t keep)
{
	if (m != NULL)
		rte_pktmbuf_trim(m, m->pkt_len - keep);
	return m;
}

/* n bytes of Ethernet padding after the IP packet. */
static struct rte_mbuf *
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
static void
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

static int
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
static int
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

static int
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
static void
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
static int
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
static int
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
static int
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
static int
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
static int
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

/* ---- The routing decision ---- */

struct verdict {
	const char *dst;
	int want;
};

static int
expect_verdicts(const struct zcfwd_routes *r, const struct verdict *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ZC_ASSERT(expect_route(r, pkt(v[i].dst, 64), v[i].want) == 0, "to %s", v[i].dst);
	return 0;
}

static int
lpm_body(const struct zcfwd_routes *r)
{
	static const struct verdict v[] = {
		{ "10.200.0.1", 0 }, { "10.0.255.255", 0 }, { "10.255.255.255", 0 },
		{ "10.1.200.1", 1 }, { "10.1.3.0", 1 }, { "10.1.255.255", 1 },
		{ "10.1.2.0", 2 }, { "10.1.2.1", 2 }, { "10.1.2.98", 2 }, { "10.1.2.255", 2 },
		{ "10.1.2.99", 0 },
		{ "2001:db8::1", 0 }, { "2001:db8:2::1", 0 },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "2001:db8:1::1", 1 }, { "2001:db8:1:3::1", 1 }, { "2001:db8:1:ffff::", 1 },
		{ "2001:db8:1:2::1", 2 }, { "2001:db8:1:2:ffff:ffff:ffff:ffff", 2 },
		{ "2001:db8:1:2::99", 0 },
		{ "11.0.0.1", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "9.255.255.255", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "0.0.0.0", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "255.255.255.255", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "2001:db9::1", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "::1", DROP(ZCFWD_DROP_NO_ROUTE) },
		{ "fe80::1", DROP(ZCFWD_DROP_NO_ROUTE) },
	};

	return expect_verdicts(r, v, RTE_DIM(v));
}

static int
test_longest_prefix(void)
{
	return with_routes(routes_text, lpm_body);
}

static int
default_body(const struct zcfwd_routes *r)
{
	static const struct verdict v[] = {
		{ "11.0.0.1", 2 }, { "0.0.0.0", 2 }, { "255.255.255.255", 2 },
		{ "10.1.1.1", 0 },
		{ "::1", 1 }, { "2001:db9::1", 1 }, { "ffff::1", 1 },
		{ "2001:db8::5", 0 },
	};

	return expect_verdicts(r, v, RTE_DIM(v));
}

static int
test_default_routes(void)
{
	return with_routes("0.0.0.0/0 2\n10.0.0.0/8 0\n::/0 1\n2001:db8::/32 0\n", default_body);
}

static int
ttl_body(const struct zcfwd_routes *r)
{
	static const struct {
		const char *dst;
		uint8_t ttl;
		int want;
	} v[] = {
		{ "10.1.2.1", 0, DROP(ZCFWD_DROP_TTL) },
		{ "10.1.2.1", 1, DROP(ZCFWD_DROP_TTL) },
		{ "10.1.2.1", 2, 2 },
		{ "10.1.2.1", 255, 2 },
		{ "2001:db8:1::1", 0, DROP(ZCFWD_DROP_TTL) },
		{ "2001:db8:1::1", 1, DROP(ZCFWD_DROP_TTL) },
		{ "2001:db8:1::1", 2, 1 },
		{ "2001:db8:1::1", 255, 1 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++)
		ZC_ASSERT(expect_route(r, pkt(v[i].dst, v[i].ttl), v[i].want) == 0, "to %s, TTL %u",
			  v[i].dst, v[i].ttl);
	return 0;
}

static int
test_ttl(void)
{
	return with_routes(routes_text, ttl_body);
}

/*
 * Chooses packet_id so that the correct header checksum is t, and stores t;
 * 0xffff, one's complement's other zero, stands in for a computed 0x0000.
 */
static void
ip4_set_cksum(struct rte_ipv4_hdr *ip, uint16_t t)
{
	uint32_t sum;

	ip->packet_id = 0;
	ip->hdr_checksum = 0;
	/* The header must sum to ~t: packet_id adds the difference. */
	sum = (uint16_t)~(t == 0xffff ? 0 : t) +
	      (uint32_t)(uint16_t)~rte_raw_cksum(ip, rte_ipv4_hdr_len(ip));
	ip->packet_id = (uint16_t)((sum & 0xffff) + (sum >> 16));
	ip->hdr_checksum = t;
}

/*
 * The TTL update keeps the checksum right for every value the checksum field
 * can hold before it, under random headers of every length.
 */
static int
cksum_body(const struct zcfwd_routes *r)
{
	uint32_t t;

	for (t = 0; t <= UINT16_MAX; t++) {
		uint8_t ihl = 5 + rte_rand_max(11);
		struct rte_mbuf *m = build(test_pool(), "10.2.0.1", 64, ihl, 0);
		struct rte_ipv4_hdr *ip;
		uint8_t *opt;
		unsigned int i;

		ZC_ASSERT(m != NULL, "cannot build the frame");
		ip = ip4(m);
		ip->type_of_service = rte_rand();
		ip->fragment_offset = rte_rand();
		ip->time_to_live = 2 + rte_rand_max(254);
		ip->next_proto_id = rte_rand();
		ip->src_addr = rte_rand();
		/* 10.2.0.0 to 10.255.255.255: only 10.0.0.0/8 matches. */
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 2 + rte_rand_max(254), 0, 0) |
						rte_rand_max(1 << 16));
		opt = (uint8_t *)(ip + 1);
		for (i = 0; i < (ihl - 5u) * RTE_IPV4_IHL_MULTIPLIER; i++)
			opt[i] = rte_rand();
		ip4_set_cksum(ip, t);
		ZC_ASSERT(rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) == 0xffff,
			  "test bug: checksum %#x is not right", t);
		ZC_ASSERT(expect_route(r, m, 0) == 0, "checksum %#x, TTL %u, IHL %u", t,
			  ip->time_to_live, ihl);
	}
	return 0;
}

static int
test_cksum_update(void)
{
	const char *env = getenv("ZCFWD_TEST_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : rte_rdtsc();

	printf("    random headers from seed %" PRIu64 " (ZCFWD_TEST_SEED)\n", seed);
	rte_srand(seed);
	return with_routes(routes_text, cksum_body);
}

static int
bad_hdr_body(const struct zcfwd_routes *r)
{
	const int bad = DROP(ZCFWD_DROP_BAD_HDR);
	const uint32_t eth = sizeof(struct rte_ether_hdr);
	struct rte_mbuf *m;

	m = pkt("10.1.2.1", 64);
	if (m != NULL)
		ip4(m)->hdr_checksum ^= RTE_BE16(1);
	ZC_ASSERT(expect_route(r, m, bad) == 0, "checksum off by one");
	m = pkt("10.1.2.1", 64);
	if (m != NULL)
		ip4(m)->src_addr ^= RTE_BE32(0x100);
	ZC_ASSERT(expect_route(r, m, bad) == 0, "address changed after the checksum");
	ZC_ASSERT(expect_route(r, truncated(pkt("10.1.2.1", 64), eth - 1), bad) == 0,
		  "IPv4 frame shorter than Ethernet");
	ZC_ASSERT(expect_route(r, truncated(pkt("10.1.2.1", 64), eth), bad) == 0,
		  "IPv4 frame of only an Ethernet header");
	ZC_ASSERT(expect_route(r, truncated(pkt("10.1.2.1", 64), eth + 19), bad) == 0,
		  "19 bytes of IPv4 header");
	ZC_ASSERT(expect_route(r, truncated(build(test_pool(), "10.1.2.1", 64, 6, 0), eth + 22),
			       bad) == 0, "22 of 24 bytes of IPv4 header");
	m = pkt("10.1.2.1", 64);
	if (m != NULL) {
		ip4(m)->total_length = rte_cpu_to_be_16(20 + PAYLOAD_LEN + 1);
		ip4_recksum(m);
	}
	ZC_ASSERT(expect_route(r, m, bad) == 0, "total_length one past the frame");
	m = pkt("10.1.2.1", 64);
	if (m != NULL) {
		ip4(m)->total_length = RTE_BE16(19);
		ip4_recksum(m);
	}
	ZC_ASSERT(expect_route(r, m, bad) == 0, "total_length shorter than the header");
	m = pkt("10.1.2.1", 64);
	if (m != NULL) {
		ip4(m)->version_ihl = 0x44;
		ip4_recksum(m);
	}
	ZC_ASSERT(expect_route(r, m, bad) == 0, "IHL 4");
	m = pkt("10.1.2.1", 64);
	if (m != NULL) {
		ip4(m)->version_ihl = 0x65;
		ip4_recksum(m);
	}
	ZC_ASSERT(expect_route(r, m, bad) == 0, "version 6 in an IPv4 frame");
	ZC_ASSERT(expect_route(r, truncated(pkt("2001:db8:1::1", 64), eth - 1), bad) == 0,
		  "IPv6 frame shorter than Ethernet");
	ZC_ASSERT(expect_route(r, truncated(pkt("2001:db8:1::1", 64), eth + 39), bad) == 0,
		  "39 bytes of IPv6 header");
	m = pkt("2001:db8:1::1", 64);
	if (m != NULL)
		ip6(m)->payload_len = RTE_BE16(PAYLOAD_LEN + 1);
	ZC_ASSERT(expect_route(r, m, bad) == 0, "payload_len one past the frame");
	m = pkt("2001:db8:1::1", 64);
	if (m != NULL)
		ip6(m)->vtc_flow = RTE_BE32(4u << 28);
	ZC_ASSERT(expect_route(r, m, bad) == 0, "version 4 in an IPv6 frame");
	/* Ethernet padding past the IP packet is no error, and stays as it is. */
	ZC_ASSERT(expect_route(r, padded(pkt("10.1.2.1", 64), 10), 2) == 0, "IPv4, padded");
	ZC_ASSERT(expect_route(r, padded(pkt("2001:db8:1::1", 64), 10), 1) == 0, "IPv6, padded");
	return 0;
}

static int
test_bad_headers(void)
{
	return with_routes(routes_text, bad_hdr_body);
}

/* What the port says of the IPv4 checksum is believed; no word means a check. */
static int
offload_body(const struct zcfwd_routes *r)
{
	struct rte_mbuf *m;
	int got;

	m = pkt("10.1.2.1", 64);
	ZC_ASSERT(m != NULL, "cannot build the frame");
	ip4(m)->hdr_checksum ^= RTE_BE16(1);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	got = zcfwd_route(r, m);
	ZC_ASSERT(got == 2, "bad checksum the port calls good: verdict %d", got);
	ZC_ASSERT(ip4(m)->time_to_live == 63, "TTL %u", ip4(m)->time_to_live);
	rte_pktmbuf_free(m);
	m = pkt("10.1.2.1", 64);
	if (m != NULL)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	ZC_ASSERT(expect_route(r, m, DROP(ZCFWD_DROP_BAD_HDR)) == 0,
		  "right checksum the port calls bad");
	m = pkt("10.1.2.1", 64);
	if (m != NULL)
		ip4(m)->hdr_checksum ^= RTE_BE16(1);
	ZC_ASSERT(expect_route(r, m, DROP(ZCFWD_DROP_BAD_HDR)) == 0,
		  "bad checksum, the port did not check");
	return 0;
}

static int
test_cksum_offload(void)
{
	return with_routes(routes_text, offload_body);
}

static int
options_body(const struct zcfwd_routes *r)
{
	struct rte_mbuf *m;

	ZC_ASSERT(expect_route(r, build(test_pool(), "10.1.2.1", 64, 6, 0), 2) == 0, "IHL 6");
	ZC_ASSERT(expect_route(r, build(test_pool(), "10.1.0.1", 9, 15, 0), 1) == 0, "IHL 15");
	/* The checksum covers the options. */
	m = build(test_pool(), "10.1.2.1", 64, 6, 0);
	if (m != NULL)
		((uint8_t *)(ip4(m) + 1))[2] ^= 0x40;
	ZC_ASSERT(expect_route(r, m, DROP(ZCFWD_DROP_BAD_HDR)) == 0, "option byte changed");
	return 0;
}

static int
test_ipv4_options(void)
{
	return with_routes(routes_text, options_body);
}

static int
not_ip_body(const struct zcfwd_routes *r)
{
	static const uint16_t types[] = {
		RTE_ETHER_TYPE_VLAN, RTE_ETHER_TYPE_LLDP, 0x0000, 0xffff,
	};
	const int not_ip = DROP(ZCFWD_DROP_NOT_IP);
	unsigned int i;

	ZC_ASSERT(expect_route(r, pkt(NULL, 0), not_ip) == 0, "ARP");
	for (i = 0; i < RTE_DIM(types); i++) {
		struct rte_mbuf *m = pkt("10.1.2.1", 64);

		if (m != NULL)
			rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
				rte_cpu_to_be_16(types[i]);
		ZC_ASSERT(expect_route(r, m, not_ip) == 0, "IPv4 behind EtherType %#x", types[i]);
	}
	return 0;
}

static int
test_not_ip(void)
{
	return with_routes(routes_text, not_ip_body);
}

/* ---- The route file ---- */

static int
test_routes_file(void)
{
	struct zcfwd_routes r;
	char path[sizeof(TMP_TEMPLATE)], err[1024];

	memset(&r, 0, sizeof(r));
	ZC_ASSERT(load_text(routes_text, ROUTE_PORTS, &r, path, err, sizeof(err)) == 0,
		  "refused: %s", err);
	ZC_ASSERT(r.nb_routes4 == 4 && r.nb_routes6 == 4, "%u IPv4 and %u IPv6 routes",
		  r.nb_routes4, r.nb_routes6);
	zcfwd_routes_free(&r);
	ZC_ASSERT(err[0] == '\0', "a good file printed something");
	return 0;
}

static int
test_routes_refused(void)
{
	static const struct {
		const char *text;
		unsigned int line;   /* 0: the file as a whole */
		const char *what;
	} v[] = {
		{ "10.0.0.0/8\n", 1, "expected 'PREFIX/LEN PORT'" },
		{ "10.0.0.0 0\n", 1, "expected 'PREFIX/LEN PORT'" },
		{ "# fine\n\n10.0.0/8 0\n", 3, "not an IPv4 or IPv6 address" },
		{ "10.0.0.0/8 0\n10.0.0.256/32 0\n", 2, "not an IPv4 or IPv6 address" },
		{ "2001:db8::/32 0\n2001:db8:::1/128 0\n", 2, "not an IPv4 or IPv6 address" },
		{ "10.0.0.0/33 0\n", 1, "IPv4 prefix length is 0 to 32" },
		{ "2001:db8::/129 0\n", 1, "IPv6 prefix length is 0 to 128" },
		{ "10.0.0.1/8 0\n", 1, "bits set past the prefix length" },
		{ "10.1.3.0/23 0\n", 1, "bits set past the prefix length" },
		{ "2001:db8::1/64 0\n", 1, "bits set past the prefix length" },
		{ "2001:db8:1:4000::/49 0\n", 1, "bits set past the prefix length" },
		{ "10.0.0.0/8 3\n", 1, "the port is not enabled by -p" },
		{ "10.0.0.0/8 40\n", 1, "the port is not enabled by -p" },
		{ "10.0.0.0/8 0\n# again\n10.0.0.0/8 1\n", 3, "prefix given twice" },
		{ "2001:db8::/32 0\n2001:DB8::/32 0\n", 2, "prefix given twice" },
		{ "10.0.0.0/8 0 1\n", 1, "expected 'PREFIX/LEN PORT'" },
		{ "10.0.0.0/8 0x\n", 1, "expected 'PREFIX/LEN PORT'" },
		{ "", 0, "no route" },
		{ "# nothing but comments\n\n", 0, "no route" },
	};
	char path[sizeof(TMP_TEMPLATE)], err[1024], where[64], line[600];
	struct zcfwd_routes r;
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(v); i++) {
		memset(&r, 0, sizeof(r));
		/* -p 0x3: ports 0 and 1. */
		ret = load_text(v[i].text, 0x3, &r, path, err, sizeof(err));
		if (ret == 0)
			zcfwd_routes_free(&r);
		ZC_ASSERT(ret == -1, "file %u (\"%s\") loaded: %d", i, v[i].text, ret);
		ZC_ASSERT(r.lpm4 == NULL && r.lpm6 == NULL &&
			  rte_lpm_find_existing("zcfwd_lpm4") == NULL,
			  "file %u: the tables were not freed", i);
		if (v[i].line != 0)
			snprintf(where, sizeof(where), "%s:%u: ", path, v[i].line);
		else
			snprintf(where, sizeof(where), "%s: ", path);
		ZC_ASSERT(one_error_line(err, where, v[i].what) == 0, "file %u (\"%s\")", i,
			  v[i].text);
	}
	/* A line longer than the reader takes. */
	memset(line, ' ', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line + sizeof(line) - 14, "10.0.0.0/8 0\n", 13);
	memset(&r, 0, sizeof(r));
	ret = load_text(line, 0x3, &r, path, err, sizeof(err));
	if (ret == 0)
		zcfwd_routes_free(&r);
	ZC_ASSERT(ret == -1, "a long line loaded");
	snprintf(where, sizeof(where), "%s:1: ", path);
	ZC_ASSERT(one_error_line(err, where, "line too long") == 0, "long line");
	/* A file that is not there (any more). */
	memset(&r, 0, sizeof(r));
	ZC_ASSERT(write_file(path, "") == 0 && unlink(path) == 0, "temporary file");
	ret = load_path(path, 0x3, &r, err, sizeof(err));
	if (ret == 0)
		zcfwd_routes_free(&r);
	ZC_ASSERT(ret == -1, "a missing file loaded");
	snprintf(where, sizeof(where), "--routes %s: ", path);
	return one_error_line(err, where, strerror(ENOENT));
}

/* ---- End to end over net_ring ---- */

#define E2E_PORTS 3
#define E2E_TXQ 2       /* rtc: two forwarding lcores, a transmit queue each */
#define E2E_PKTS 600
#define E2E_RING 1024

/* What the forwarder is sent: out is an index into e2e.port[], or a drop. */
static const struct {
	const char *dst;
	uint8_t ttl;
	int out;
} e2e_tpl[] = {
	{ "10.9.0.1", 64, 0 },
	{ "10.1.9.1", 64, 1 },
	{ "10.1.2.1", 2, 2 },
	{ "2001:db8:5::1", 64, 1 },
	{ "2001:db8:1::9", 2, 2 },
	{ "10.1.2.3", 1, DROP(ZCFWD_DROP_TTL) },
	{ "2001:db8::1", 1, DROP(ZCFWD_DROP_TTL) },
	{ "192.168.0.1", 64, DROP(ZCFWD_DROP_NO_ROUTE) },
	{ "2001:db9::1", 64, DROP(ZCFWD_DROP_NO_ROUTE) },
	{ NULL, 0, DROP(ZCFWD_DROP_NOT_IP) },
};

struct ring_port {
	char name[24];
	uint16_t id;
	bool created;
	struct rte_ring *rx;
	struct rte_ring *tx[E2E_TXQ];
};

static struct {
	struct zcfwd fwd;
	struct ring_port port[E2E_PORTS];
	uint8_t sent[E2E_PKTS][FRAME_MAX];
	uint16_t sent_len[E2E_PKTS];
	struct rte_mbuf *out[E2E_PKTS];    /* Dequeued from the transmit rings. */
	unsigned int nb_out;
	bool seen[E2E_PKTS];               /* Among them. */
} e2e;

static struct rte_ring *
ring_new(const char *what, const char *port, unsigned int q)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%s%u_%s", what, q, port);
	return rte_ring_create(name, E2E_RING, rte_socket_id(), 0);
}

static int
ring_port_create(struct ring_port *rp, unsigned int serial, unsigned int i)
{
	unsigned int q;
	int id;

	snprintf(rp->name, sizeof(rp->name), "zt%u_%u", serial, i);
	rp->rx = ring_new("rx", rp->name, 0);
	ZC_ASSERT(rp->rx != NULL, "rings of %s: %s", rp->name, rte_strerror(rte_errno));
	for (q = 0; q < E2E_TXQ; q++) {
		rp->tx[q] = ring_new("tx", rp->name, q);
		ZC_ASSERT(rp->tx[q] != NULL, "rings of %s: %s", rp->name, rte_strerror(rte_errno));
	}
	id = rte_eth_from_rings(rp->name, &rp->rx, 1, rp->tx, E2E_TXQ, rte_socket_id());
	ZC_ASSERT(id >= 0, "rte_eth_from_rings(%s): %s", rp->name, rte_strerror(rte_errno));
	rp->id = id;
	rp->created = true;
	/* net_ring ports all have MAC 0 and cannot change it: make each one distinct. */
	rte_eth_devices[id].data->mac_addrs[0] = PORT_MAC(id);
	return 0;
}

static void
ring_drain(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* Whatever is still in the rings goes back to its pool, before the audit. */
static void
ring_port_drain(struct ring_port *rp)
{
	unsigned int q;

	ring_drain(rp->rx);
	for (q = 0; q < E2E_TXQ; q++)
		ring_drain(rp->tx[q]);
}

/* After the teardown: the vdev (its port is closed by then) and the rings. */
static void
ring_port_free(struct ring_port *rp)
{
	char dev[RTE_DEV_NAME_MAX_LEN];
	unsigned int q;

	if (rp->created) {
		snprintf(dev, sizeof(dev), "net_ring_%s", rp->name);
		rte_vdev_uninit(dev);
	}
	rte_ring_free(rp->rx);
	for (q = 0; q < E2E_TXQ; q++)
		rte_ring_free(rp->tx[q]);
}


/* Packets counted as transmitted or dropped, on every port. */
static uint64_t
accounted(const struct zcfwd *fwd)
{
	struct zcfwd_counters t;
	unsigned int s, d;
	uint64_t n = 0;

	for (s = 0; s <= ZCFWD_MAX_PORTS; s++) {
		zcfwd_port_totals(fwd, s, &t);
		n += t.tx;
		for (d = 0; d < ZCFWD_DROP_MAX; d++)
			n += t.drop[d];
	}
	return n;
}

/* Stops the forwarder once every packet sent is accounted for, or after 10 s. */
static void *
watch(void *arg)
{
	struct zcfwd *fwd = arg;
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (accounted(fwd) < E2E_PKTS && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(1000);
	fwd->quit = true;
	return NULL;
}

static int
check_totals(const struct zcfwd *fwd, unsigned int slot, const struct zcfwd_counters *want)
{
	struct zcfwd_counters got;
	unsigned int d;

	zcfwd_port_totals(fwd, slot, &got);
	ZC_ASSERT(got.rx == want->rx && got.tx == want->tx,
		  "port %u: rx %" PRIu64 " tx %" PRIu64 ", expected %" PRIu64 " and %" PRIu64, slot,
		  got.rx, got.tx, want->rx, want->tx);
	for (d = 0; d < ZCFWD_DROP_MAX; d++)
		ZC_ASSERT(got.drop[d] == want->drop[d],
			  "port %u: %s %" PRIu64 ", expected %" PRIu64, slot, zcfwd_drop_names[d],
			  got.drop[d], want->drop[d]);
	ZC_ASSERT(got.ret_free == want->ret_free && got.ret_refill == 0,
		  "port %u: freed %" PRIu64 " (expected %" PRIu64 "), refilled %" PRIu64, slot,
		  got.ret_free, want->ret_free, got.ret_refill);
	return 0;
}

/* A route file for the ring ports, the e2e_tpl[] way. */
static int
e2e_routes(char *path)
{
	const struct ring_port *p = e2e.port;
	char text[256];

	snprintf(text, sizeof(text),
		 "10.0.0.0/8 %u\n10.1.0.0/16 %u\n10.1.2.0/24 %u\n"
		 "2001:db8::/32 %u\n2001:db8:1::/48 %u\n",
		 p[0].id, p[1].id, p[2].id, p[1].id, p[2].id);
	return write_file(path, text);
}

/*
 * rtc: port 0 on the main lcore, ports 1 and 2 on the next one (two transmit
 * queues per port); pipeline: every port received on the main lcore and routed
 * on the next one.
 */
static void
e2e_options(struct zcfwd_options *o, enum zcfwd_model model, const char *routes)
{
	unsigned int main_lc = rte_get_main_lcore(), next = rte_get_next_lcore(main_lc, 1, 0);
	unsigned int i;

	o->model = model;
	o->routes = routes;
	for (i = 0; i < E2E_PORTS; i++) {
		uint16_t p = e2e.port[i].id;

		o->portmask |= 1u << p;
		o->eth_dest[p] = NH(p);
		o->config[i] = (struct zcfwd_config_entry){ p, 0,
			model == ZCFWD_RTC && i != 0 ? next : main_lc };
	}
	o->nb_config = E2E_PORTS;
	if (model == ZCFWD_PIPELINE) {
		o->workers[0] = next;
		o->nb_workers = 1;
	}
}

/* Every packet into the receive ring of a port, and what that must count. */
static int
e2e_inject(struct zcfwd_counters *want)
{
	unsigned int i;

	for (i = 0; i < E2E_PKTS; i++) {
		unsigned int in = i % E2E_PORTS, k = i % RTE_DIM(e2e_tpl);
		struct rte_mbuf *m = build(e2e.fwd.pool, e2e_tpl[k].dst, e2e_tpl[k].ttl, 5, i);
		int out = e2e_tpl[k].out;

		ZC_ASSERT(m != NULL, "cannot build packet %u from zcfwd_pool", i);
		m->port = e2e.port[in].id;   /* As a receiving PMD would. */
		memcpy(e2e.sent[i], rte_pktmbuf_mtod(m, void *), m->data_len);
		e2e.sent_len[i] = m->data_len;
		if (rte_ring_enqueue(e2e.port[in].rx, m) != 0) {
			rte_pktmbuf_free(m);
			ZC_ASSERT(false, "receive ring of port %u full", e2e.port[in].id);
		}
		want[in].rx++;
		if (out >= 0) {
			want[out].tx++;
		} else {
			want[in].drop[-1 - out]++;
			want[in].ret_free++;
		}
	}
	return 0;
}

/* What came out of port index idx: each packet once, where its route says, rewritten. */
static int
e2e_collect(unsigned int idx)
{
	const struct ring_port *rp = &e2e.port[idx];
	unsigned int q, n, k;
	uint32_t id;

	for (q = 0; q < E2E_TXQ; q++) {
		n = rte_ring_dequeue_burst(rp->tx[q], (void **)&e2e.out[e2e.nb_out],
					   E2E_PKTS - e2e.nb_out, NULL);
		e2e.nb_out += n;
		for (k = e2e.nb_out - n; k < e2e.nb_out; k++) {
			const struct rte_mbuf *m = e2e.out[k];

			/* The id leads the payload, which ends the frame. */
			memcpy(&id, rte_pktmbuf_mtod_offset(m, void *, m->data_len - PAYLOAD_LEN),
			       sizeof(id));
			ZC_ASSERT(id < E2E_PKTS && !e2e.seen[id], "port %u sent packet %u (again?)",
				  rp->id, id);
			e2e.seen[id] = true;
			ZC_ASSERT(e2e_tpl[id % RTE_DIM(e2e_tpl)].out == (int)idx,
				  "packet %u to %s went out on port %u", id,
				  e2e_tpl[id % RTE_DIM(e2e_tpl)].dst, rp->id);
			ZC_ASSERT(m->data_len == e2e.sent_len[id], "packet %u: %u bytes, sent %u",
				  id, m->data_len, e2e.sent_len[id]);
			ZC_ASSERT(check_forwarded(e2e.sent[id], m, rp->id) == 0, "packet %u", id);
		}
		ZC_ASSERT(rte_ring_count(rp->tx[q]) == 0, "port %u queue %u: more than was sent",
			  rp->id, q);
	}
	return 0;
}

static int
e2e_forward(enum zcfwd_model model)
{
	struct zcfwd_counters want[E2E_PORTS], none;
	char routes[sizeof(TMP_TEMPLATE)];
	uint64_t forwarded = 0;
	pthread_t watcher;
	unsigned int i;
	int ret;

	memset(want, 0, sizeof(want));
	memset(&none, 0, sizeof(none));
	ZC_ASSERT(e2e_routes(routes) == 0, "cannot write the route file");
	e2e_options(&e2e.fwd.opt, model, routes);
	ret = zcfwd_setup(&e2e.fwd);
	unlink(routes);
	ZC_ASSERT(ret == 0, "zcfwd_setup failed (see above)");
	if (e2e_inject(want) != 0)
		return -1;
	ZC_ASSERT(pthread_create(&watcher, NULL, watch, &e2e.fwd) == 0, "watcher thread");
	rte_eal_mp_remote_launch(zcfwd_lcore_main, &e2e.fwd, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	pthread_join(watcher, NULL);
	for (i = 0; i < E2E_PORTS; i++) {
		ZC_ASSERT(rte_ring_count(e2e.port[i].rx) == 0, "port %u: %u packets not received",
			  e2e.port[i].id, rte_ring_count(e2e.port[i].rx));
		if (check_totals(&e2e.fwd, e2e.port[i].id, &want[i]) != 0)
			return -1;
		forwarded += want[i].tx;
	}
	if (check_totals(&e2e.fwd, ZCFWD_MAX_PORTS, &none) != 0)
		return -1;
	for (i = 0; i < E2E_PORTS; i++)
		if (e2e_collect(i) != 0)
			return -1;
	ZC_ASSERT(e2e.nb_out == forwarded, "%u packets sent out, expected %" PRIu64, e2e.nb_out,
		  forwarded);
	return 0;
}

/* --return refill needs net_zcrx refill rings: net_ring ports are refused, in one line. */
static int
e2e_refill_refused(enum zcfwd_model model)
{
	char routes[sizeof(TMP_TEMPLATE)], err[2048];
	struct capture cap;
	int ret;

	ZC_ASSERT(e2e_routes(routes) == 0, "cannot write the route file");
	e2e_options(&e2e.fwd.opt, model, routes);
	e2e.fwd.opt.ret = ZCFWD_RETURN_REFILL;
	ZC_ASSERT(capture_begin(&cap) == 0, "cannot capture stderr");
	ret = zcfwd_setup(&e2e.fwd);
	capture_end(&cap, err, sizeof(err));
	unlink(routes);
	ZC_ASSERT(ret != 0, "--return refill accepted over net_ring");
	return one_error_line(err, "--return refill", "not a net_zcrx port; use --return free");
}

/*
 * Fresh ring ports, body, then the teardown: it must find every buffer back and
 * leave no pool, table, ring or port behind for the next case.
 */
static int
e2e_case(int (*body)(enum zcfwd_model), enum zcfwd_model model)
{
	static unsigned int serial;
	char name[RTE_RING_NAMESIZE];
	bool closed = true;
	unsigned int i;
	int ret = 0, audit;

	if (rte_lcore_count() < 2) {
		printf("SKIP: needs two lcores (-l 0,1)\n");
		return ZC_TEST_SKIP;
	}
	memset(&e2e, 0, sizeof(e2e));
	serial++;
	for (i = 0; i < E2E_PORTS && ret == 0; i++)
		ret = ring_port_create(&e2e.port[i], serial, i);
	if (ret == 0)
		ret = body(model);
	rte_pktmbuf_free_bulk(e2e.out, e2e.nb_out);
	for (i = 0; i < E2E_PORTS; i++)
		ring_port_drain(&e2e.port[i]);
	audit = zcfwd_teardown(&e2e.fwd);
	for (i = 0; i < E2E_PORTS; i++) {
		closed &= !e2e.port[i].created || !rte_eth_dev_is_valid_port(e2e.port[i].id);
		ring_port_free(&e2e.port[i]);
	}
	if (ret != 0)
		return ret;
	ZC_ASSERT(audit == 0, "zcfwd_teardown: buffers missing (audit above)");
	ZC_ASSERT(closed, "zcfwd_teardown left a port open");
	ZC_ASSERT(rte_mempool_lookup("zcfwd_pool") == NULL && zc_pool_pending_destroys() == 0,
		  "pool zcfwd_pool left behind");
	ZC_ASSERT(rte_lpm_find_existing("zcfwd_lpm4") == NULL &&
		  rte_lpm6_find_existing("zcfwd_lpm6") == NULL, "LPM tables left behind");
	for (i = 0; i < E2E_PORTS; i++) {
		snprintf(name, sizeof(name), "zcfwd_p%u_q0", e2e.port[i].id);
		ZC_ASSERT(rte_ring_lookup(name) == NULL, "ring %s left behind", name);
	}
	return 0;
}

static int
test_e2e_rtc(void)
{
	return e2e_case(e2e_forward, ZCFWD_RTC);
}

static int
test_e2e_pipeline(void)
{
	return e2e_case(e2e_forward, ZCFWD_PIPELINE);
}

static int
test_refill_refused(void)
{
	return e2e_case(e2e_refill_refused, ZCFWD_PIPELINE);
}

ZC_TEST_MAIN(
	{ "longest prefix (IPv4, IPv6, host routes) and no route", test_longest_prefix },
	{ "default routes 0.0.0.0/0 and ::/0", test_default_routes },
	{ "TTL and hop limit", test_ttl },
	{ "IPv4 checksum after the TTL update, every checksum value", test_cksum_update },
	{ "bad and truncated headers", test_bad_headers },
	{ "IPv4 checksum offload flags", test_cksum_offload },
	{ "IPv4 options", test_ipv4_options },
	{ "not IP", test_not_ip },
	{ "route file: comments, blanks, spacing", test_routes_file },
	{ "route file: refusals name FILE:LINE", test_routes_refused },
	{ "end to end, run to completion, over net_ring", test_e2e_rtc },
	{ "end to end, pipeline, over net_ring", test_e2e_pipeline },
	{ "--return refill refused over net_ring, nothing left", test_refill_refused },
)

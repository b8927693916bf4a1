/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zcfwd's routing decision on synthetic frames, and the route file and what it
 * refuses (no port, no root).
 */

#include "zcfwd_test.h"

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
)

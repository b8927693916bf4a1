/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "zcfwd.h"

/* Prefixes besides the default routes; doc/guides/sample_app_ug/zcfwd.rst has them. */
#define ROUTES4_MAX 4096
#define ROUTES6_MAX 4096
/* Second-level tables: IPv4 one per /24 block of longer prefixes, IPv6 one per 8 bits past /24. */
#define TBL8S4 256
#define TBL8S6 4096
#define LINE_MAX_LEN 512 /* Bytes, the newline included. */

/*
 * The route file: "PREFIX/LEN PORT" per line, IPv4 or IPv6, '#' comments.
 * Anything else stops the load with the file, line and what is wrong: a router
 * that silently skips a route forwards somewhere unexpected.
 */

/* Whether any bit past the first len bits of addr (n bytes) is set. */
static bool
host_bits_set(const uint8_t *addr, unsigned int n, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int keep = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;
		uint8_t mask = keep == 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (addr[i] & ~mask)
			return true;
	}
	return false;
}

static int
set_default(int *hop, unsigned int port, unsigned int *nb, const char **err)
{
	if (*hop >= 0)
		return *err = "prefix given twice", -1;
	*hop = port;
	(*nb)++;
	return 0;
}

static int
add_route(struct zcfwd_routes *r, const char *prefix, unsigned int len, unsigned int port,
	  const char **err)
{
	const char *full; /* What -ENOSPC means: the prefix limit, or no second-level table left. */
	uint8_t a[16];
	uint32_t nh;
	int ret;

	if (inet_pton(AF_INET, prefix, a) == 1) {
		uint32_t ip;

		memcpy(&ip, a, sizeof(ip)); /* a is a byte array: no alignment promised. */
		ip = rte_be_to_cpu_32(ip);

		if (len > 32)
			return *err = "IPv4 prefix length is 0 to 32", -1;
		if (host_bits_set(a, 4, len))
			return *err = "address has bits set past the prefix length", -1;
		if (len == 0)
			return set_default(&r->default4, port, &r->nb_routes4, err);
		if (rte_lpm_is_rule_present(r->lpm4, ip, len, &nh) == 1)
			return *err = "prefix given twice", -1;
		full = r->nb_routes4 - (r->default4 >= 0) == ROUTES4_MAX ?
		       "more than " RTE_STR(ROUTES4_MAX) " IPv4 prefixes" :
		       "no room for another IPv4 prefix longer than /24: "
		       RTE_STR(TBL8S4) " /24 blocks may hold them";
		ret = rte_lpm_add(r->lpm4, ip, len, port);
		r->nb_routes4 += ret == 0;
	} else if (inet_pton(AF_INET6, prefix, a) == 1) {
		if (len > 128)
			return *err = "IPv6 prefix length is 0 to 128", -1;
		if (host_bits_set(a, 16, len))
			return *err = "address has bits set past the prefix length", -1;
		if (len == 0)
			return set_default(&r->default6, port, &r->nb_routes6, err);
		/* (const void *): uint8_t[16] before DPDK 24.11, struct rte_ipv6_addr after. */
		if (rte_lpm6_is_rule_present(r->lpm6, (const void *)a, len, &nh) == 1)
			return *err = "prefix given twice", -1;
		full = r->nb_routes6 - (r->default6 >= 0) == ROUTES6_MAX ?
		       "more than " RTE_STR(ROUTES6_MAX) " IPv6 prefixes" :
		       "no room for another IPv6 prefix longer than /24: its "
		       RTE_STR(TBL8S6) " second-level tables are in use";
		ret = rte_lpm6_add(r->lpm6, (const void *)a, len, port);
		r->nb_routes6 += ret == 0;
	} else {
		return *err = "not an IPv4 or IPv6 address", -1;
	}
	if (ret == -ENOSPC)
		return *err = full, -1;
	if (ret != 0)
		return *err = strerror(-ret), -1;
	return 0;
}

static int
parse_line(struct zcfwd_routes *r, char *line, uint32_t portmask, const char **err)
{
	char prefix[INET6_ADDRSTRLEN + 1], extra[2];
	unsigned int len, port;
	char *p = line, *hash = strchr(line, '#');
	int n;

	if (hash != NULL)
		*hash = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	n = sscanf(p, "%46[0-9a-fA-F.:]/%u %u %1s", prefix, &len, &port, extra);
	if (n != 3)
		return *err = "expected 'PREFIX/LEN PORT'", -1;
	if (port >= ZCFWD_MAX_PORTS || !(portmask & (1u << port)))
		return *err = "the port is not enabled by -p", -1;
	return add_route(r, prefix, len, port, err);
}

int
zcfwd_routes_load(const char *path, uint32_t portmask, struct zcfwd_routes *r, int socket_id)
{
	const struct rte_lpm_config c4 = { .max_rules = ROUTES4_MAX, .number_tbl8s = TBL8S4 };
	const struct rte_lpm6_config c6 = { .max_rules = ROUTES6_MAX, .number_tbl8s = TBL8S6 };
	const char *err = NULL;
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	unsigned int lineno = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "zcfwd: --routes %s: %s\n", path, strerror(errno));
		return -1;
	}
	r->default4 = -1;
	r->default6 = -1;
	r->lpm4 = rte_lpm_create("zcfwd_lpm4", socket_id, &c4);
	r->lpm6 = rte_lpm6_create("zcfwd_lpm6", socket_id, &c6);
	if (r->lpm4 == NULL || r->lpm6 == NULL) {
		fprintf(stderr, "zcfwd: cannot create the LPM tables: %s%s\n",
			rte_strerror(rte_errno), rte_errno == ENOMEM ? " (reserve hugepages)" : "");
		goto fail;
	}
	/* getline's length, unlike fgets, tells a NUL byte from the end of the line. */
	while ((n = getline(&line, &size, f)) >= 0) {
		lineno++;
		if (n > LINE_MAX_LEN)
			err = "line too long";
		else if (strlen(line) != (size_t)n)
			err = "NUL byte in the line: not a text file";
		if (err != NULL || parse_line(r, line, portmask, &err) != 0)
			break;
	}
	/* A directory opens, then fails the first read (EISDIR). */
	if (err == NULL && ferror(f)) {
		fprintf(stderr, "zcfwd: --routes %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (err != NULL) {
		fprintf(stderr, "zcfwd: %s:%u: %s\n", path, lineno, err);
		goto fail;
	}
	if (r->nb_routes4 + r->nb_routes6 == 0) {
		fprintf(stderr, "zcfwd: %s: no route\n", path);
		goto fail;
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	zcfwd_routes_free(r);
	return -1;
}

void
zcfwd_routes_free(struct zcfwd_routes *r)
{
	rte_lpm_free(r->lpm4);
	rte_lpm6_free(r->lpm6);
	r->lpm4 = NULL;
	r->lpm6 = NULL;
	r->nb_routes4 = 0;
	r->nb_routes6 = 0;
	r->default4 = -1;
	r->default6 = -1;
}

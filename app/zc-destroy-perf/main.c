/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zc-destroy-perf: what tearing down costs, over the public API only, against
 * the number of buffers the application still holds and the size of the area:
 *
 *   deferred  zc_pool_destroy(mp, 0) with HELD buffers out (the pool is parked;
 *             the buffers are then returned and the background check frees it);
 *   forced    zc_pool_destroy(mp, ZC_POOL_DESTROY_FORCE) with HELD buffers out;
 *   unbind    zc_area_unbind() of the area from a device (the first ethdev, e.g.
 *             --vdev net_null0; skipped without one), after the pool is gone;
 *   release   the last zc_area_put() of the area;
 *   zeroing   for reference, what DPDK's heap takes to free memzones of the same
 *             sizes as the forced pool's memory chunks (the mbuf headers) and
 *             as the area: rte_memzone_free() zeroes what it frees, so that is
 *             the part of "forced" and "release" that grows with memory, not
 *             ours.
 *
 * Each case makes a hugepage area for a pool of POOL mbufs of 2176 bytes, the
 * pool over it, takes HELD mbufs, and times one call (wall clock, microseconds).
 * The median [min-max] of --runs is printed, one line per case, and with --csv
 * also written as
 *   held,pool,area_mb,deferred_us,forced_us,unbind_us,release_us,
 *   zero_pool_us,zero_area_us (medians).
 *
 *   zc-destroy-perf [EAL args] -- [--runs R] [--held N,N,...] [--pool N,N,...]
 *                   [--csv FILE]
 * The default curve is held 1000..250000 in a pool of 251024 (in flight), then
 * held 1000 in pools of 16384..262144 (the area's size). Exit status 0, 1 on
 * error.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <zc_area.h>
#include <zc_pool.h>

#define PROG "zc-destroy-perf"
#define BUF_SIZE RTE_MBUF_DEFAULT_BUF_SIZE
#define SPARE 1024          /* mbufs the largest pool has beyond the most held */
#define MAX_POINTS 16
#define RUNS_MAX 31
#define MAX_CHUNKS 64       /* memory chunks of a pool the zeroing reference mirrors */

enum { T_DEFERRED, T_FORCED, T_UNBIND, T_RELEASE, T_ZERO_POOL, T_ZERO_AREA, NB_T };
static const char *const t_name[NB_T] = {
	"deferred", "forced", "unbind", "release", "zeroing(pool)", "zeroing(area)",
};

struct point {
	unsigned int held;
	unsigned int pool;
};

/* Area bytes for a pool of n: its buffers, a hole per page boundary, a page. */
static size_t
area_len(unsigned int n)
{
	size_t need = (size_t)n * RTE_ALIGN_CEIL(BUF_SIZE, RTE_CACHE_LINE_SIZE);

	return need + need / 32 + (4u << 20);
}

static double
now_us(void)
{
	return (double)rte_get_timer_cycles() * 1e6 / rte_get_timer_hz();
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Takes n mbufs of mp into objs: 0, or -ENOBUFS. */
static int
take(struct rte_mempool *mp, struct rte_mbuf **objs, unsigned int n)
{
	unsigned int i, k;

	for (i = 0; i < n; i += k) {
		k = RTE_MIN(n - i, 512u);
		if (rte_pktmbuf_alloc_bulk(mp, &objs[i], k) != 0)
			return -ENOBUFS;
	}
	return 0;
}

/*
 * The time rte_memzone_free() takes for memzones of these sizes, freshly
 * reserved (microseconds), or -1 if they cannot be reserved.
 */
static double
zeroing_us(const size_t *len, unsigned int n)
{
	const struct rte_memzone *mz[MAX_CHUNKS];
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int i, k;
	double t0;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "destroy-perf-zero-%u", i);
		mz[i] = rte_memzone_reserve(name, len[i], SOCKET_ID_ANY, 0);
		if (mz[i] == NULL) {
			for (k = 0; k < i; k++)
				rte_memzone_free(mz[k]);
			return -1;
		}
	}
	t0 = now_us();
	for (i = 0; i < n; i++)
		rte_memzone_free(mz[i]);
	return now_us() - t0;
}

/*
 * One run of a point: t[] gets each call's time in microseconds. Returns 0, or
 * -1 (the reason printed).
 */
static int
run_point(const struct point *p, struct rte_device *dev, struct rte_mbuf **objs, double *t)
{
	size_t len = area_len(p->pool), chunk[MAX_CHUNKS];
	struct rte_mempool_memhdr *hdr;
	unsigned int nb_chunks;
	static unsigned int seq;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct zc_area_info info;
	struct rte_mempool *mp;
	struct zc_area *area;
	double t0;
	int mode, ret;

	area = zc_area_create_hugepage("destroy-perf", len, SOCKET_ID_ANY);
	if (area == NULL) {
		fprintf(stderr, PROG ": cannot make a %zu MiB area: %s\n", len >> 20,
			rte_strerror(rte_errno));
		return -1;
	}
	if (dev != NULL && zc_area_bind(area, dev) < 0)
		dev = NULL;
	for (mode = T_DEFERRED; mode <= T_FORCED; mode++) {
		snprintf(name, sizeof(name), "destroy-perf-%u", seq++);
		mp = zc_pktmbuf_pool_create(name, p->pool, 0, 0, BUF_SIZE, area, SOCKET_ID_ANY);
		if (mp == NULL || take(mp, objs, p->held) < 0) {
			fprintf(stderr, PROG ": cannot make a pool of %u mbufs: %s\n",
				p->pool, rte_strerror(rte_errno));
			return -1;
		}
		nb_chunks = 0;
		STAILQ_FOREACH(hdr, &mp->mem_list, next)
			if (nb_chunks < MAX_CHUNKS)
				chunk[nb_chunks++] = hdr->len;
		t0 = now_us();
		ret = zc_pool_destroy(mp, mode == T_FORCED ? ZC_POOL_DESTROY_FORCE : 0);
		t[mode] = now_us() - t0;
		if (ret != (int)p->held) {
			fprintf(stderr, PROG ": zc_pool_destroy() returned %d, not %u\n", ret, p->held);
			return -1;
		}
		if (mode == T_FORCED)
			break; /* The held mbufs went with the pool: never touched again. */
		rte_pktmbuf_free_bulk(objs, p->held);
		/*
		 * The background check frees the pool (in the alarm thread, after it
		 * leaves the pending list); the next one needs its span back.
		 */
		do {
			rte_delay_us_sleep(10 * 1000);
			zc_area_info_get(area, &info);
		} while (info.carved != 0);
	}
	t[T_UNBIND] = -1;
	if (dev != NULL) {
		t0 = now_us();
		zc_area_unbind(area, dev);
		t[T_UNBIND] = now_us() - t0;
	}
	t0 = now_us();
	zc_area_put(area);
	t[T_RELEASE] = now_us() - t0;
	/* (The forced pool's chunks: the deferred pool's were alike.) */
	t[T_ZERO_POOL] = zeroing_us(chunk, nb_chunks);
	t[T_ZERO_AREA] = zeroing_us(&len, 1);
	return 0;
}

static int
parse_list(const char *s, unsigned int *v, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	while (*s != '\0' && n < max) {
		v[n++] = strtoul(s, &end, 10);
		if (end == s || (*end != ',' && *end != '\0'))
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return *s == '\0' ? (int)n : -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"runs", required_argument, NULL, 'r'},
		{"held", required_argument, NULL, 'n'},
		{"pool", required_argument, NULL, 'p'},
		{"csv", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	unsigned int held[MAX_POINTS] = {1000, 10000, 50000, 100000, 250000};
	unsigned int pools[MAX_POINTS] = {16384, 65536, 262144};
	int nb_held = 5, nb_pools = 3, runs = 5, c, i, r, k, ret;
	double t[NB_T][RUNS_MAX], one[NB_T];
	struct point pts[2 * MAX_POINTS];
	struct rte_device *dev = NULL;
	unsigned int nb_pts = 0, max_held = 0;
	struct rte_mbuf **objs;
	FILE *csv = NULL;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, PROG ": EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': runs = atoi(optarg); break;
		case 'n': nb_held = parse_list(optarg, held, MAX_POINTS); break;
		case 'p': nb_pools = parse_list(optarg, pools, MAX_POINTS); break;
		case 'c':
			csv = fopen(optarg, "w");
			if (csv == NULL) {
				fprintf(stderr, PROG ": cannot write %s\n", optarg);
				return 1;
			}
			break;
		default:
			fprintf(stderr, "usage: " PROG " [EAL args] -- [--runs R] [--held N,...] [--pool N,...] [--csv FILE]\n");
			return 1;
		}
	}
	if (runs < 1 || runs > RUNS_MAX || nb_held < 1 || nb_pools < 0) {
		fprintf(stderr, PROG ": --runs is 1 to %d, lists are numbers separated by commas\n",
			RUNS_MAX);
		return 1;
	}
	for (i = 0; i < nb_held; i++)
		max_held = RTE_MAX(max_held, held[i]);
	for (i = 0; i < nb_held; i++)
		pts[nb_pts++] = (struct point){.held = held[i], .pool = max_held + SPARE};
	for (i = 0; i < nb_pools; i++)
		if (pools[i] > held[0])
			pts[nb_pts++] = (struct point){.held = held[0], .pool = pools[i]};
	if (rte_eth_dev_count_avail() > 0) {
		struct rte_eth_dev_info info;

		if (rte_eth_dev_info_get(0, &info) == 0)
			dev = info.device;
	}
	objs = malloc(sizeof(*objs) * (max_held + 1));
	if (objs == NULL)
		return 1;
	if (csv != NULL)
		fprintf(csv, "held,pool,area_mb,deferred_us,forced_us,unbind_us,release_us,"
			"zero_pool_us,zero_area_us\n");
	printf("%7s %7s %8s  %s (us, median [min-max] of %d)\n", "held", "pool", "area MiB",
	       "deferred / forced destroy, unbind, release; DPDK's heap zeroing", runs);
	for (i = 0; i < (int)nb_pts; i++) {
		unsigned int mb = area_len(pts[i].pool) >> 20;

		for (r = 0; r < runs; r++) {
			if (run_point(&pts[i], dev, objs, one) < 0)
				return 1;
			for (k = 0; k < NB_T; k++)
				t[k][r] = one[k];
		}
		printf("%7u %7u %8u ", pts[i].held, pts[i].pool, mb);
		if (csv != NULL)
			fprintf(csv, "%u,%u,%u", pts[i].held, pts[i].pool, mb);
		for (k = 0; k < NB_T; k++) {
			qsort(t[k], runs, sizeof(double), cmp_double);
			if (t[k][0] < 0) {
				printf("  %s -", t_name[k]);
				if (csv != NULL)
					fprintf(csv, ",");
				continue;
			}
			printf("  %s %.1f [%.1f-%.1f]", t_name[k], t[k][runs / 2], t[k][0],
			       t[k][runs - 1]);
			if (csv != NULL)
				fprintf(csv, ",%.1f", t[k][runs / 2]);
		}
		printf("\n");
		fflush(stdout);
		if (csv != NULL)
			fprintf(csv, "\n");
	}
	if (csv != NULL)
		fclose(csv);
	free(objs);
	rte_eal_cleanup();
	return 0;
}

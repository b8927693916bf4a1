/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zc-pool-perf: cycles per object of the zcpool mempool ops next to DPDK's
 * ring_mp_mc and stack ops, on three paths:
 *
 *   cache   per-lcore mempool cache (cache_size 256), one lcore get+put;
 *   driver  no mempool cache: every get and put reaches the ops, one lcore;
 *   cross   no mempool cache: the main lcore gets, a worker lcore puts back,
 *           objects passed over an SPSC ring (a receive/free split).
 *
 * Pools differ only in their ops. The three ops are measured in turn inside
 * each repetition (in a rotating order) so that noise on this shared machine
 * lands on all of them alike, and the median of the repetitions is reported.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <zc_pool.h>

#include "perf.h"

#define PROG "zc-pool-perf"

/* Pool shape: the same for every ops and every case. */
#define POOL_SIZE 16383             /* 2^14 - 1: a ring_mp_mc pool's best fit. */
#define POOL_DATA_ROOM 2176         /* RTE_MBUF_DEFAULT_BUF_SIZE */
#define POOL_CACHE 256

#define RUNS_DEFAULT 5
#define RUNS_QUICK 3
#define RUNS_MAX 1000
#define QUICK_DIV 8                 /* --quick moves this many times fewer objects. */
#define MAX_BULKS 8

enum perf_case { CASE_CACHE, CASE_DRIVER, CASE_CROSS, NB_CASES };

struct case_info {
	const char *name;
	unsigned int cache_size;
	/*
	 * Objects per measurement at bulk 1, multiplied by the bulk: the cost per
	 * object falls about as fast as the bulk grows, so a fixed number of calls
	 * keeps every measurement near 0.1-0.3 s instead of a few milliseconds at 32.
	 */
	uint64_t objs;
};

static const struct case_info cases[NB_CASES] = {
	[CASE_CACHE] = { "cache", POOL_CACHE, UINT64_C(32) << 20 },
	[CASE_DRIVER] = { "driver", 0, UINT64_C(8) << 20 },
	[CASE_CROSS] = { "cross", 0, UINT64_C(4) << 20 },
};

/* Column order of the report; the ratios are taken against the others. */
enum { OPS_ZC, OPS_RING, OPS_STACK, NB_OPS };
static const char * const ops_names[NB_OPS] = { ZC_POOL_OPS_NAME, "ring_mp_mc", "stack" };

struct options {
	unsigned int runs;
	bool quick;
	const char *csv;
	bool cases[NB_CASES];
	unsigned int bulks[MAX_BULKS];
	unsigned int nb_bulks;
	uint64_t objs; /* 0: each case's default. */
};

struct stats {
	double median, min, max;
	uint64_t retries;
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL args] -- [--runs R] [--quick] [--csv FILE] [--cases LIST]\n"
		"       [--bulks LIST] [--objects N]\n"
		"  --runs R        repetitions per point, median reported (default %u, --quick %u)\n"
		"  --quick         fewer objects per measurement and %u runs (CI smoke run)\n"
		"  --csv FILE      also write case,bulk,ops,median,min,max to FILE\n"
		"  --cases LIST    comma-separated subset of cache,driver,cross (default all)\n"
		"  --bulks LIST    comma-separated bulk sizes, 1..%u (default 1,4,32)\n"
		"  --objects N     objects per measurement, any bulk (default per case, times the bulk)\n"
		"The cross case needs two lcores (e.g. -l 0,1).\n",
		prog, RUNS_DEFAULT, RUNS_QUICK, RUNS_QUICK, PERF_MAX_BULK);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_cases(char *list, bool sel[NB_CASES])
{
	char *tok, *save = NULL;
	int i;

	memset(sel, 0, sizeof(bool) * NB_CASES);
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NB_CASES; i++)
			if (strcmp(tok, cases[i].name) == 0)
				break;
		if (i == NB_CASES)
			return -EINVAL;
		sel[i] = true;
	}
	/* An empty list (",") selects nothing: treat it as a mistake. */
	for (i = 0; i < NB_CASES; i++)
		if (sel[i])
			return 0;
	return -EINVAL;
}

static int
parse_bulks(char *list, struct options *o)
{
	char *tok, *save = NULL;
	uint64_t v;

	o->nb_bulks = 0;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (o->nb_bulks == MAX_BULKS || parse_u64(tok, 1, PERF_MAX_BULK, &v) < 0)
			return -EINVAL;
		o->bulks[o->nb_bulks++] = v;
	}
	return o->nb_bulks == 0 ? -EINVAL : 0;
}

static int
bad_value(const char *name, const char *value)
{
	fprintf(stderr, PROG ": bad value '%s' for option %s\n", value, name);
	return -EINVAL;
}

/* Apply one option that takes a value. */
static int
set_option(const char *name, const char *value, struct options *o)
{
	char buf[256];
	uint64_t u = 0;
	int ret = 0;

	if (strcmp(name, "--runs") == 0) {
		ret = parse_u64(value, 1, RUNS_MAX, &u);
		o->runs = u;
	} else if (strcmp(name, "--csv") == 0) {
		ret = *value == '\0' ? -EINVAL : 0;
		o->csv = value;
	} else if (strcmp(name, "--cases") == 0) {
		snprintf(buf, sizeof(buf), "%s", value);
		ret = parse_cases(buf, o->cases);
	} else if (strcmp(name, "--bulks") == 0) {
		snprintf(buf, sizeof(buf), "%s", value);
		ret = parse_bulks(buf, o);
	} else {
		ret = parse_u64(value, 1024, UINT64_C(1) << 40, &o->objs);
	}
	return ret < 0 ? bad_value(name, value) : 0;
}

static bool
takes_value(const char *name)
{
	static const char * const names[] = {
		"--runs", "--csv", "--cases", "--bulks", "--objects",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/*
 * Application options (after EAL's), as "--name value" or "--name=value".
 * Returns 0, 1 for --help, or -EINVAL with a one-line message printed.
 */
static int
parse_options(int argc, char **argv, struct options *o)
{
	char name[32];
	const char *value;
	bool runs_set = false;
	int i, ret;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < NB_CASES; i++)
		o->cases[i] = true;
	o->bulks[0] = 1;
	o->bulks[1] = 4;
	o->bulks[2] = 32;
	o->nb_bulks = 3;
	for (i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		snprintf(name, sizeof(name), "%.*s",
			 eq != NULL ? (int)(eq - argv[i]) : (int)strlen(argv[i]), argv[i]);
		if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
			return 1;
		if (strcmp(name, "--quick") == 0) {
			if (eq != NULL) {
				fprintf(stderr, PROG ": option --quick takes no value\n");
				return -EINVAL;
			}
			o->quick = true;
			continue;
		}
		if (!takes_value(name)) {
			fprintf(stderr, PROG ": unknown option '%s'\n", argv[i]);
			return -EINVAL;
		}
		if (eq != NULL) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fprintf(stderr, PROG ": option %s needs a value\n", name);
			return -EINVAL;
		}
		ret = set_option(name, value, o);
		if (ret < 0)
			return ret;
		runs_set |= strcmp(name, "--runs") == 0;
	}
	/* An explicit --runs wins over --quick, in whichever order they come. */
	if (!runs_set)
		o->runs = o->quick ? RUNS_QUICK : RUNS_DEFAULT;
	return 0;
}

static uint64_t
case_objs(const struct options *o, enum perf_case c, unsigned int bulk)
{
	if (o->objs != 0)
		return o->objs;
	return (o->quick ? cases[c].objs / QUICK_DIV : cases[c].objs) * bulk;
}

static void
print_setup(const struct options *o)
{
	unsigned int lcore;
	int c;

	printf("TSC frequency: %" PRIu64 " Hz (%.3f GHz)\n", rte_get_tsc_hz(),
	       rte_get_tsc_hz() / 1e9);
	printf("EAL lcores: main %u", rte_get_main_lcore());
	RTE_LCORE_FOREACH_WORKER(lcore)
		printf(", worker %u", lcore);
	printf(" (%u in all)\n", rte_lcore_count());
	printf("Pools: n=%u, data room %u, socket %d, cache_size %u (cache) / 0 (driver, cross)\n",
	       POOL_SIZE, POOL_DATA_ROOM, (int)rte_socket_id(), POOL_CACHE);
	printf("Runs per point: %u (median [min-max] of cycles/object, get+put of one object)\n",
	       o->runs);
	printf("Objects per measurement%s:", o->objs != 0 ? "" : " (times the bulk)");
	for (c = 0; c < NB_CASES; c++)
		if (o->cases[c])
			printf(" %s %" PRIu64, cases[c].name, case_objs(o, c, 1));
	printf(", after a warm-up of 1/16 of that\n\n");
}

static void
print_header(void)
{
	printf("%-6s %4s  %-24s %-24s %-24s %8s %8s\n", "case", "bulk",
	       ops_names[OPS_ZC], ops_names[OPS_RING], ops_names[OPS_STACK],
	       "zc/ring", "zc/stack");
}

static void
print_row(const char *name, unsigned int bulk, const struct stats st[NB_OPS])
{
	char cell[NB_OPS][32];
	int k;

	for (k = 0; k < NB_OPS; k++)
		snprintf(cell[k], sizeof(cell[k]), "%7.2f [%.2f-%.2f]",
			 st[k].median, st[k].min, st[k].max);
	printf("%-6s %4u  %-24s %-24s %-24s %8.2f %8.2f\n", name, bulk,
	       cell[OPS_ZC], cell[OPS_RING], cell[OPS_STACK],
	       st[OPS_ZC].median / st[OPS_RING].median,
	       st[OPS_ZC].median / st[OPS_STACK].median);
	fflush(stdout);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
summarize(double *v, unsigned int n, struct stats *st)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	st->min = v[0];
	st->max = v[n - 1];
	st->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
free_pools(struct rte_mempool *mp[NB_OPS])
{
	int k;

	for (k = 0; k < NB_OPS; k++) {
		rte_mempool_free(mp[k]);
		mp[k] = NULL;
	}
}

/* Three pools identical but for their ops. */
static int
create_pools(enum perf_case c, struct rte_mempool *mp[NB_OPS])
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int k;

	for (k = 0; k < NB_OPS; k++) {
		snprintf(name, sizeof(name), "perf_%s_%d", cases[c].name, k);
		mp[k] = rte_pktmbuf_pool_create_by_ops(name, POOL_SIZE, cases[c].cache_size, 0,
						       POOL_DATA_ROOM, rte_socket_id(),
						       ops_names[k]);
		if (mp[k] == NULL) {
			fprintf(stderr, PROG ": error: cannot create a %s pool with ops %s: %s\n",
				cases[c].name, ops_names[k], rte_strerror(rte_errno));
			free_pools(mp);
			return -1;
		}
	}
	return 0;
}

/* Every object must be back: a benchmark of a leaking pool measures nothing. */
static int
check_full(struct rte_mempool *mp, const char *ops, enum perf_case c, unsigned int bulk)
{
	unsigned int avail = rte_mempool_avail_count(mp);

	if (avail == mp->size)
		return 0;
	fprintf(stderr, PROG ": error: %s pool has %u of %u objects after %s bulk %u\n",
		ops, avail, mp->size, cases[c].name, bulk);
	return -1;
}

struct case_env {
	enum perf_case c;
	struct rte_mempool *mp[NB_OPS];
	struct rte_ring *xfer; /* cross only */
	unsigned int worker;   /* cross only */
};

static int
measure(const struct case_env *env, int k, unsigned int bulk, uint64_t objs,
	struct perf_sample *s)
{
	int ret;

	if (env->c == CASE_CROSS)
		/* At most half the pool out: the rest is what a get can find. */
		ret = perf_cross(env->mp[k], env->xfer, env->worker, bulk, objs,
				 POOL_SIZE / 2, s);
	else
		ret = perf_local(env->mp[k], bulk, objs, s);
	if (ret < 0) {
		fprintf(stderr, PROG ": error: %s bulk %u with ops %s failed: %s\n",
			cases[env->c].name, bulk, ops_names[k], strerror(-ret));
		return ret;
	}
	return check_full(env->mp[k], ops_names[k], env->c, bulk);
}

static void
write_csv(FILE *csv, enum perf_case c, unsigned int bulk, const struct stats st[NB_OPS])
{
	int k;

	if (csv == NULL)
		return;
	for (k = 0; k < NB_OPS; k++)
		fprintf(csv, "%s,%u,%s,%.3f,%.3f,%.3f\n", cases[c].name, bulk, ops_names[k],
			st[k].median, st[k].min, st[k].max);
	fflush(csv);
}

/* One (case, bulk) row: R repetitions, each measuring all ops in a rotating order. */
static int
run_point(const struct case_env *env, unsigned int bulk, const struct options *o,
	  struct stats st[NB_OPS])
{
	unsigned int runs = o->runs;
	uint64_t objs = case_objs(o, env->c, bulk);
	double *v = calloc((size_t)NB_OPS * runs, sizeof(*v));
	struct perf_sample s;
	unsigned int r;
	int i, k, ret = 0;

	if (v == NULL)
		return -ENOMEM;
	memset(st, 0, sizeof(*st) * NB_OPS);
	for (r = 0; r < runs && ret == 0; r++) {
		for (i = 0; i < NB_OPS && ret == 0; i++) {
			k = (i + r) % NB_OPS;
			ret = measure(env, k, bulk, objs, &s);
			v[k * runs + r] = s.cycles_per_obj;
			st[k].retries += s.retries;
		}
	}
	if (ret == 0)
		for (k = 0; k < NB_OPS; k++)
			summarize(&v[k * runs], runs, &st[k]);
	free(v);
	return ret;
}

static int
prepare_case(enum perf_case c, const struct options *o, struct case_env *env)
{
	int k;

	memset(env, 0, sizeof(*env));
	env->c = c;
	if (c == CASE_CROSS) {
		env->worker = rte_get_next_lcore(-1, 1, 0);
		/* Room for every object of a pool: the hand-over never waits on the ring. */
		env->xfer = rte_ring_create("perf_xfer", rte_align32pow2(POOL_SIZE + 1),
					    rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (env->xfer == NULL) {
			fprintf(stderr, PROG ": error: cannot create the hand-over ring: %s\n",
				rte_strerror(rte_errno));
			return -1;
		}
	}
	if (create_pools(c, env->mp) < 0)
		goto err_ring;
	for (k = 0; k < NB_OPS; k++)
		if (check_full(env->mp[k], ops_names[k], c, 0) < 0)
			goto err_pools;
	/* Also keeps the zcpool library linked: it registers the ops it provides. */
	if (!zc_pool_is_zcpool(env->mp[OPS_ZC])) {
		fprintf(stderr, PROG ": error: the %s pool does not use the zcpool driver\n",
			cases[c].name);
		goto err_pools;
	}
	return 0;

err_pools:
	free_pools(env->mp);
err_ring:
	rte_ring_free(env->xfer);
	return -1;
}

static int
run_case(enum perf_case c, const struct options *o, FILE *csv, uint64_t retries[][NB_OPS])
{
	struct stats st[NB_OPS];
	struct case_env env;
	unsigned int b;
	int k, ret = 0;

	if (c == CASE_CROSS && rte_lcore_count() < 2) {
		printf("%-6s       skipped: needs 2 lcores, EAL has %u (use -l 0,1)\n",
		       cases[c].name, rte_lcore_count());
		return 0;
	}
	if (prepare_case(c, o, &env) < 0)
		return -1;
	for (b = 0; b < o->nb_bulks && ret == 0; b++) {
		ret = run_point(&env, o->bulks[b], o, st);
		if (ret < 0)
			break;
		print_row(cases[c].name, o->bulks[b], st);
		write_csv(csv, c, o->bulks[b], st);
		for (k = 0; k < NB_OPS && c == CASE_CROSS; k++)
			retries[b][k] = st[k].retries;
	}
	free_pools(env.mp);
	rte_ring_free(env.xfer);
	return ret;
}

static void
print_retries(const struct options *o, uint64_t retries[][NB_OPS])
{
	unsigned int b;

	if (!o->cases[CASE_CROSS] || rte_lcore_count() < 2)
		return;
	printf("\ncross: failed gets retried (pool momentarily empty), summed over runs:\n");
	for (b = 0; b < o->nb_bulks; b++)
		printf("  bulk %2u: %s %" PRIu64 ", %s %" PRIu64 ", %s %" PRIu64 "\n",
		       o->bulks[b], ops_names[OPS_ZC], retries[b][OPS_ZC],
		       ops_names[OPS_RING], retries[b][OPS_RING],
		       ops_names[OPS_STACK], retries[b][OPS_STACK]);
}

int
main(int argc, char **argv)
{
	uint64_t retries[MAX_BULKS][NB_OPS] = { { 0 } };
	struct options o;
	FILE *csv = NULL;
	int c, ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, PROG ": EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		usage(stderr, argv[0]);
		return 2;
	}
	argc -= ret;
	argv += ret;
	ret = parse_options(argc, argv, &o);
	if (ret != 0) {
		usage(ret > 0 ? stdout : stderr, PROG);
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	if (o.csv != NULL) {
		csv = fopen(o.csv, "w");
		if (csv == NULL) {
			fprintf(stderr, PROG ": error: cannot open %s: %s\n", o.csv, strerror(errno));
			rte_eal_cleanup();
			return 1;
		}
		fprintf(csv, "case,bulk,ops,median,min,max\n");
	}
	print_setup(&o);
	print_header();
	for (c = 0, ret = 0; c < NB_CASES && ret == 0; c++)
		if (o.cases[c])
			ret = run_case(c, &o, csv, retries);
	if (ret == 0)
		print_retries(&o, retries);
	if (csv != NULL && fclose(csv) != 0 && ret == 0) {
		fprintf(stderr, PROG ": error: writing %s: %s\n", o.csv, strerror(errno));
		ret = -1;
	}
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_TEST_H
#define ZC_TEST_H

/*
 * A tiny harness for the unit tests: each test program is a list of cases run
 * after EAL init, and exits 0 (all passed), 1 (a case failed) or 77 (skipped,
 * after printing "SKIP: <reason>"), the convention meson and automake share.
 *
 * Every program takes EAL arguments; the first argument "--huge" or "--no-huge"
 * selects the memory mode (meson runs each program in both):
 *   test_x --huge       -> EAL with hugepages (skips if none are free)
 *   test_x --no-huge    -> EAL with --no-huge
 *   test_x --secondary  -> EAL as a secondary process, in the memory of the
 *                          primary its arguments name (--file-prefix)
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memzone.h>
#include <rte_errno.h>

#define ZC_TEST_SKIP 77

/* The failure line: where, the condition's text, the message. */
#define ZC_TEST_FAIL(cond_text, ...) do { \
	printf("FAIL %s:%d: %s: ", __func__, __LINE__, cond_text); \
	printf(__VA_ARGS__); \
	printf("\n"); \
} while (0)

/* Fails the case at once: for checks made while it holds nothing. */
#define ZC_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		ZC_TEST_FAIL(#cond, __VA_ARGS__); \
		return -1; \
	} \
} while (0)

/*
 * Fails the case through label, which releases what it holds (pools, ports,
 * areas) so that one failure does not leave them to the cases after it. The
 * case's result stays -1 until its last check passes:
 *
 *	int rc = -1;
 *	...
 *	ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == n, free_pool, "avail");
 *	rc = 0;
 * free_pool:
 *	rte_mempool_free(mp);
 *	return rc;
 */
#define ZC_ASSERT_GOTO(cond, label, ...) do { \
	if (!(cond)) { \
		ZC_TEST_FAIL(#cond, __VA_ARGS__); \
		goto label; \
	} \
} while (0)

struct zc_test_case {
	const char *name;
	int (*fn)(void);   /* 0 pass, -1 fail, ZC_TEST_SKIP skip (after printing SKIP:) */
};

/* Whether EAL runs with hugepages (set by zc_test_main). */
extern bool zc_test_huge;

static inline unsigned long
zc_test_free_hugepages(void)
{
	unsigned long n = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %lu", &n) == 1)
			break;
	fclose(f);
	return n;
}

static inline void
zc_test_count_mz(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

/* Memzones in the process, to see what a case reserved and gave back. */
static inline unsigned int
zc_test_nb_memzones(void)
{
	unsigned int n = 0;

	rte_memzone_walk(zc_test_count_mz, &n);
	return n;
}

/*
 * Run the cases once EAL is up, print their lines and the summary, and clean EAL
 * up. Returns the process exit code.
 */
static inline int
zc_test_run_cases(const struct zc_test_case *cases, unsigned int nb_cases)
{
	unsigned int c, failed = 0, skipped = 0;

	for (c = 0; c < nb_cases; c++) {
		int ret = cases[c].fn();

		printf("%s %s\n", ret == 0 ? "ok  " : ret == ZC_TEST_SKIP ? "skip" : "FAIL",
		       cases[c].name);
		fflush(stdout);
		failed += ret != 0 && ret != ZC_TEST_SKIP;
		skipped += ret == ZC_TEST_SKIP;
	}
	rte_eal_cleanup();
	printf("%u cases: %u passed, %u failed, %u skipped\n", nb_cases,
	       nb_cases - failed - skipped, failed, skipped);
	if (failed != 0)
		return 1;
	return skipped == nb_cases ? ZC_TEST_SKIP : 0;
}

/*
 * Run the cases. Needs at least 64 free hugepages in --huge mode. Returns the
 * process exit code.
 */
static inline int
zc_test_main(int argc, char **argv, const struct zc_test_case *cases, unsigned int nb_cases)
{
	char *eal_argv[32];
	int eal_argc = 0, i;
	bool secondary;
	char prefix[64];

	if (argc < 2 || (strcmp(argv[1], "--huge") != 0 && strcmp(argv[1], "--no-huge") != 0 &&
			 strcmp(argv[1], "--secondary") != 0)) {
		fprintf(stderr, "usage: %s --huge|--no-huge|--secondary [EAL args]\n", argv[0]);
		return 1;
	}
	secondary = strcmp(argv[1], "--secondary") == 0;
	zc_test_huge = strcmp(argv[1], "--no-huge") != 0;
	if (zc_test_huge && !secondary && zc_test_free_hugepages() < 64) {
		printf("SKIP: fewer than 64 free 2 MiB hugepages (run devtools/setup.sh as root)\n");
		return ZC_TEST_SKIP;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=zct%d", (int)getpid());
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = (char *)"--no-pci";
	eal_argv[eal_argc++] = (char *)"--log-level=lib.eal:warning";
	if (secondary) {
		eal_argv[eal_argc++] = (char *)"--proc-type=secondary";
	} else {
		eal_argv[eal_argc++] = prefix;
		/* --in-memory keeps hugepage files private; --no-huge rules it out. */
		if (zc_test_huge) {
			eal_argv[eal_argc++] = (char *)"--in-memory";
		} else {
			eal_argv[eal_argc++] = (char *)"--no-huge";
			eal_argv[eal_argc++] = (char *)"-m";
			eal_argv[eal_argc++] = (char *)"512";
		}
	}
	for (i = 2; i < argc && eal_argc < 31; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		printf("FAIL: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	return zc_test_run_cases(cases, nb_cases);
}

/*
 * For programs that take arguments of their own after "--": moves nb of them to
 * args[] and ends argv there. -1 (after printing usage) when there are fewer.
 */
static inline int
zc_test_own_args(int *argc, char **argv, const char **args, int nb, const char *usage)
{
	int i, k;

	for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i + nb >= *argc) {
		fprintf(stderr, "usage: %s --huge|--no-huge [EAL args] -- %s\n", argv[0], usage);
		return -1;
	}
	for (k = 0; k < nb; k++)
		args[k] = argv[i + 1 + k];
	*argc = i;
	return 0;
}

#define ZC_TEST_MAIN(...) \
	bool zc_test_huge; \
	int main(int argc, char **argv) \
	{ \
		static const struct zc_test_case cases[] = { __VA_ARGS__ }; \
		return zc_test_main(argc, argv, cases, RTE_DIM(cases)); \
	}

#endif /* ZC_TEST_H */

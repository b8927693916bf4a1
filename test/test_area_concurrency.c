/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * The area registry from two lcores at once: overlapping user areas created
 * together (one must win), lookups racing with the last release (a lookup's
 * reference keeps the area), and a slow DMA mapping (other callers sleep or go
 * on; nobody spins while a device maps).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pause.h>

#include <zc_area.h>

#include "zc_test.h"
#include "zc_test_pool.h"
#include "zc_test_vdev.h"

#define OVERLAP_ROUNDS 2000
#define RELEASE_ROUNDS 20000
#define RACE_SECONDS 3        /* bound on each race, for a loaded machine */
#define SLOW_MAP_US 300000
#define FAKE_IOVA UINT64_C(0x4000000000)

static size_t pg;
static unsigned int worker;

/* Every case needs a second lcore. */
static bool
no_worker(void)
{
	if (worker < RTE_MAX_LCORE)
		return false;
	printf("SKIP: needs two lcores (-l 0,1)\n");
	return true;
}

static double
now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The races' losers log their EEXIST: quiet zcmem meanwhile. */
static int zcmem_logtype, zcmem_level;

static void
quiet_zcmem(bool quiet)
{
	if (quiet) {
		zcmem_logtype = rte_log_register("lib.zcmem");
		zcmem_level = rte_log_get_level(zcmem_logtype);
	}
	rte_log_set_level(zcmem_logtype, quiet ? RTE_LOG_CRIT : (uint32_t)zcmem_level);
}

static struct zc_area_user_params
params(void *addr, size_t len)
{
	return (struct zc_area_user_params){
		.addr = addr, .len = len, .page_sz = pg, .socket_id = SOCKET_ID_ANY,
	};
}

/*
 * Overlapping ranges, created from both lcores in the same instant, round after
 * round: zc_area.h promises EEXIST for an overlap, so exactly one may succeed.
 */
#define OVERLAP_STOP UINT32_MAX

static struct {
	char *mem;
	uint32_t round;             /* main starts a round (OVERLAP_STOP: no more) */
	uint32_t done;              /* the worker finished it */
	struct zc_area *area[2];
	int err[2];
} ovl;

static void
overlap_create(unsigned int me)
{
	static const char *const names[] = { "c_ovl0", "c_ovl1" };
	struct zc_area_user_params p = params(ovl.mem + me * 4 * pg, 8 * pg);

	ovl.area[me] = zc_area_create_user(names[me], &p);
	ovl.err[me] = ovl.area[me] == NULL ? rte_errno : 0;
}

static int
overlap_worker(void *arg)
{
	uint32_t r, seen;

	RTE_SET_USED(arg);
	for (r = 1;; r++) {
		while ((seen = __atomic_load_n(&ovl.round, __ATOMIC_ACQUIRE)) != r &&
		       seen != OVERLAP_STOP)
			rte_pause();
		if (seen == OVERLAP_STOP)
			return 0;
		overlap_create(1);
		__atomic_store_n(&ovl.done, r, __ATOMIC_RELEASE);
	}
}

static int
test_overlap_race(void)
{
	double end = now_ms(CLOCK_MONOTONIC) + RACE_SECONDS * 1e3;
	unsigned int r, both = 0, neither = 0, bad_errno = 0;

	if (no_worker())
		return ZC_TEST_SKIP;
	ovl.mem = mmap(NULL, 12 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ZC_ASSERT(ovl.mem != MAP_FAILED, "mmap");
	ovl.round = 0;
	ovl.done = 0;
	ZC_ASSERT(rte_eal_remote_launch(overlap_worker, NULL, worker) == 0, "launch");
	quiet_zcmem(true);
	for (r = 1; r <= OVERLAP_ROUNDS && now_ms(CLOCK_MONOTONIC) < end; r++) {
		__atomic_store_n(&ovl.round, r, __ATOMIC_RELEASE);
		overlap_create(0);
		while (__atomic_load_n(&ovl.done, __ATOMIC_ACQUIRE) != r)
			rte_pause();
		both += ovl.area[0] != NULL && ovl.area[1] != NULL;
		neither += ovl.area[0] == NULL && ovl.area[1] == NULL;
		bad_errno += (ovl.area[0] == NULL && ovl.err[0] != EEXIST) ||
			     (ovl.area[1] == NULL && ovl.err[1] != EEXIST);
		zc_area_put(ovl.area[0]);
		zc_area_put(ovl.area[1]);
	}
	__atomic_store_n(&ovl.round, OVERLAP_STOP, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(worker);
	quiet_zcmem(false);
	munmap(ovl.mem, 12 * pg);
	printf("  %u rounds: both created %u, neither %u, other errors %u\n", r - 1, both,
	       neither, bad_errno);
	ZC_ASSERT(both == 0, "overlapping areas both created in %u of %u rounds", both, r - 1);
	ZC_ASSERT(neither == 0 && bad_errno == 0, "%u rounds without a winner, %u not EEXIST",
		  neither, bad_errno);
	ZC_ASSERT(nb_areas() == 0, "%u areas left", nb_areas());
	return 0;
}

/*
 * The worker creates an area and drops its only reference, over and over; main
 * looks it up by id and by name meanwhile. A reference from a lookup must keep
 * the area published until it is dropped; a lookup that returned a dying area
 * would be caught by the second lookup below (and by ASan as a use after free).
 */
static struct {
	uint16_t id;                /* the victim's latest id */
	unsigned int stop;
	unsigned int rounds;
	unsigned int busy;          /* creations refused: main held the last one */
	unsigned int errors;
} rel;

static int
release_worker(void *arg)
{
	double end = now_ms(CLOCK_MONOTONIC) + RACE_SECONDS * 1e3;
	struct zc_area *a;

	RTE_SET_USED(arg);
	for (; rel.rounds < RELEASE_ROUNDS && now_ms(CLOCK_MONOTONIC) < end; rel.rounds++) {
		a = zc_area_create_hugepage("c_victim", 4096, SOCKET_ID_ANY);
		if (a == NULL) {
			if (rte_errno == EEXIST)
				rel.busy++;
			else
				rel.errors++;
			continue;
		}
		__atomic_store_n(&rel.id, zc_area_id(a), __ATOMIC_RELAXED);
		zc_area_put(a);
	}
	__atomic_store_n(&rel.stop, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
test_lookup_vs_release(void)
{
	unsigned int found = 0, kept = 0, lookups = 0;
	struct zc_area_info info;
	struct zc_area *a, *b;

	if (no_worker())
		return ZC_TEST_SKIP;
	memset(&rel, 0, sizeof(rel));
	quiet_zcmem(true);
	ZC_ASSERT(rte_eal_remote_launch(release_worker, NULL, worker) == 0, "launch");
	while (!__atomic_load_n(&rel.stop, __ATOMIC_ACQUIRE)) {
		if (lookups++ & 1)
			a = zc_area_get_by_id(__atomic_load_n(&rel.id, __ATOMIC_RELAXED));
		else
			a = zc_area_get_by_name("c_victim");
		if (a == NULL)
			continue;
		found++;
		/* Our reference holds it: still published, still itself. */
		b = zc_area_get_by_id(zc_area_id(a));
		kept += b == a && zc_area_info_get(a, &info) == 0 && info.refcnt >= 2 &&
			strcmp(info.name, "c_victim") == 0;
		zc_area_put(b);
		zc_area_put(a);
	}
	rte_eal_wait_lcore(worker);
	quiet_zcmem(false);
	printf("  %u releases, %u lookups, %u found the area, %u creations refused while held\n",
	       rel.rounds - rel.busy, lookups, found, rel.busy);
	ZC_ASSERT(rel.errors == 0, "%u creations failed", rel.errors);
	ZC_ASSERT(kept == found, "%u of %u references did not hold the area", found - kept,
		  found);
	ZC_ASSERT(nb_areas() == 0, "%u areas left", nb_areas());
	return 0;
}

/*
 * A device that takes SLOW_MAP_US to map (a large VFIO mapping pins every page)
 * must neither stall lookups of other areas nor make a caller that waits for the
 * same area burn its CPU: control paths sleep on a mutex, they do not spin.
 */
static unsigned int in_map, bind_done;

/* Wall and CPU time of this thread over a call, in ms. */
struct timing {
	double wall;
	double cpu;
};

static void
timing_start(struct timing *t)
{
	t->wall = -now_ms(CLOCK_MONOTONIC);
	t->cpu = -now_ms(CLOCK_THREAD_CPUTIME_ID);
}

static void
timing_end(struct timing *t)
{
	t->wall += now_ms(CLOCK_MONOTONIC);
	t->cpu += now_ms(CLOCK_THREAD_CPUTIME_ID);
}

/* Waiting sleeps: 1 ms for the call itself, had it not waited at all. */
static bool
timing_slept(const struct timing *t)
{
	return t->cpu < 1 + t->wall / 4;
}

static void
slow_map(void)
{
	__atomic_store_n(&in_map, 1, __ATOMIC_RELEASE);
	usleep(SLOW_MAP_US);
}

static int
bind_worker(void *arg)
{
	int ret = zc_area_bind(arg, zc_vdev.dev);

	__atomic_store_n(&bind_done, 1, __ATOMIC_RELEASE);
	return ret;
}

static int
test_slow_map(void)
{
	struct rte_device *dev = zc_test_vdev_get();
	struct timing lookup, wait;
	rte_iova_t iova[16];
	const size_t len = RTE_DIM(iova) * pg;
	struct zc_area_info info;
	struct zc_area_user_params p;
	struct zc_area *a, *other, *b;
	int bind_ret, unbind_ret;
	unsigned int i;
	char *mem;

	if (no_worker())
		return ZC_TEST_SKIP;
	ZC_ASSERT(dev != NULL, "vdev %s: %s", ZC_TEST_VDEV_NAME, rte_strerror(rte_errno));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ZC_ASSERT(mem != MAP_FAILED, "mmap");
	/* An IOVA table, so that the bind maps (one run) in either IOVA mode. */
	for (i = 0; i < RTE_DIM(iova); i++)
		iova[i] = FAKE_IOVA + i * pg;
	p = params(mem, len);
	p.iova = iova;
	a = zc_area_create_user("c_slow", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	other = zc_area_create_hugepage("c_other", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(other != NULL, "create: %s", rte_strerror(rte_errno));

	zc_test_vdev_reset_counts();
	zc_vdev.map_hook = slow_map;
	in_map = 0;
	bind_done = 0;
	ZC_ASSERT(rte_eal_remote_launch(bind_worker, a, worker) == 0, "launch");
	while (!__atomic_load_n(&in_map, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&bind_done, __ATOMIC_ACQUIRE))
		rte_pause();
	timing_start(&lookup);
	b = zc_area_get_by_name("c_other");
	timing_end(&lookup);
	zc_area_put(b);
	timing_start(&wait);
	zc_area_info_get(a, &info);
	timing_end(&wait);
	bind_ret = rte_eal_wait_lcore(worker);
	zc_vdev.map_hook = NULL;
	printf("  during a %d ms map: other area's lookup %.1f ms (%.1f ms CPU), info_get %.1f ms (%.1f ms CPU)\n",
	       SLOW_MAP_US / 1000, lookup.wall, lookup.cpu, wait.wall, wait.cpu);
	unbind_ret = zc_area_unbind(a, dev);
	zc_area_put(other);
	zc_area_put(a);
	munmap(mem, len);
	ZC_ASSERT(bind_ret == 0 && unbind_ret == 0 && zc_vdev.map_calls == 1,
		  "bind %d, unbind %d, %u map calls", bind_ret, unbind_ret, zc_vdev.map_calls);
	ZC_ASSERT(b == other, "lookup of the other area: %p", (void *)b);
	ZC_ASSERT(info.nb_devices == 1, "info_get did not wait for the binding to complete");
	ZC_ASSERT(timing_slept(&lookup) && timing_slept(&wait),
		  "waiting for the map spun: lookup %.1f of %.1f ms, info_get %.1f of %.1f ms on CPU",
		  lookup.cpu, lookup.wall, wait.cpu, wait.wall);
	ZC_ASSERT(lookup.wall < SLOW_MAP_US / 3000.0,
		  "another area's lookup waited %.1f ms for the map", lookup.wall);
	return 0;
}

static int
test_init(void)
{
	pg = sysconf(_SC_PAGESIZE);
	worker = rte_get_next_lcore(-1, 1, 0);
	return 0;
}

ZC_TEST_MAIN(
	{ "init", test_init },
	{ "overlap_race", test_overlap_race },
	{ "lookup_vs_release", test_lookup_vs_release },
	{ "slow_map", test_slow_map },
)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Two lcores (and a non-EAL thread) hammer a pool with random bulk gets and
 * puts. No object may be handed out twice (each get claims the object's slot
 * in an ownership table), every object comes back, the count is exact at the
 * end, and all objects can then be taken in one bulk from ONE lcore even when
 * another lcore freed last (objects parked in its cache must be reachable).
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <zc_area.h>
#include <zc_pool.h>

#include "zc_test.h"
#include "zc_test_pool.h"

#define N 1024
#define MAX_BULK 64
#define MAX_HELD 640           /* two lcores can exhaust the pool of N */
#define PHASE_ITERS 3000000u   /* per lcore, bound by PHASE_SECONDS */
#define PHASE_SECONDS 1.0

struct shared {
	struct rte_mempool *mp;
	uint32_t nb_slots;
	uint8_t *owner;             /* slot -> 0 free, 1 held (atomic) */
	struct rte_ring *xfer;      /* cross pattern: worker gets, main puts */
	volatile int stop;
	volatile int worker_done;
	int errors;
	uint64_t get_fails;         /* gets refused for want of objects (expected under load) */
	bool use_mbuf_api;
};

static struct shared S;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
error(const char *fmt, int64_t v)
{
	if (__atomic_fetch_add(&S.errors, 1, __ATOMIC_RELAXED) < 10) {
		printf("  error: ");
		printf(fmt, v);
		printf("\n");
	}
}

/* Claim the objects just obtained: none may be held by anybody else. */
static void
claim(void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int64_t idx = zc_pool_mbuf_index(objs[i]);

		if (idx < 0 || idx >= S.nb_slots) {
			error("bad object, index %" PRId64, idx);
			continue;
		}
		if (__atomic_exchange_n(&S.owner[idx], 1, __ATOMIC_ACQ_REL) != 0)
			error("object %" PRId64 " handed out while held", idx);
	}
}

static void
release(void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int64_t idx = zc_pool_mbuf_index(objs[i]);

		if (idx < 0 || idx >= S.nb_slots)
			continue;
		if (__atomic_exchange_n(&S.owner[idx], 0, __ATOMIC_ACQ_REL) != 1)
			error("object %" PRId64 " returned but not held", idx);
	}
}

static int
get_objs(void **objs, unsigned int n)
{
	if (S.use_mbuf_api)
		return rte_pktmbuf_alloc_bulk(S.mp, (struct rte_mbuf **)objs, n);
	return rte_mempool_get_bulk(S.mp, objs, n);
}

static void
put_objs(void **objs, unsigned int n)
{
	if (S.use_mbuf_api)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
	else
		rte_mempool_put_bulk(S.mp, objs, n);
}

/* Random bulk gets and puts, holding up to MAX_HELD objects. */
static int
random_loop(void *arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uintptr_t)arg ^ ((uint64_t)rte_lcore_id() << 32);
	void *held[MAX_HELD];
	unsigned int nb = 0, it, k;
	uint64_t fails = 0;
	double end = now_s() + PHASE_SECONDS;

	for (it = 0; it < PHASE_ITERS && !S.stop; it++) {
		uint64_t r = xorshift(&seed);

		k = 1 + r % MAX_BULK;
		if ((r >> 8) & 1) {
			if (nb + k <= MAX_HELD) {
				if (get_objs(&held[nb], k) == 0) {
					claim(&held[nb], k);
					nb += k;
				} else {
					fails++;
				}
			}
		} else {
			k = RTE_MIN(k, nb);
			if (k > 0) {
				/* Return a random window, not always the latest. */
				unsigned int at = (r >> 16) % (nb - k + 1);
				void *tmp[MAX_BULK];

				memcpy(tmp, &held[at], k * sizeof(void *));
				memmove(&held[at], &held[at + k], (nb - at - k) * sizeof(void *));
				nb -= k;
				release(tmp, k);
				put_objs(tmp, k);
			}
		}
		if ((it & 1023) == 0 && now_s() > end)
			break;
	}
	release(held, nb);
	put_objs(held, nb);
	if (arg != NULL)
		*(uint64_t *)arg = it;
	__atomic_fetch_add(&S.get_fails, fails, __ATOMIC_RELAXED);
	return 0;
}

/* Cross pattern, worker side: only gets, hands the objects to main. */
static int
cross_producer(void *arg)
{
	uint64_t seed = 12345, *count = arg;
	void *objs[MAX_BULK];
	unsigned int k, sent;
	double end = now_s() + PHASE_SECONDS;
	unsigned int it;

	for (it = 0; it < PHASE_ITERS && !S.stop; it++) {
		k = 1 + xorshift(&seed) % MAX_BULK;
		if (get_objs(objs, k) != 0) {
			rte_pause();
			continue;
		}
		claim(objs, k);
		*count += k;
		for (sent = 0; sent < k;) {
			sent += rte_ring_enqueue_burst(S.xfer, &objs[sent], k - sent, NULL);
			if (sent < k)
				rte_pause();
		}
		if ((it & 1023) == 0 && now_s() > end)
			break;
	}
	__atomic_store_n(&S.worker_done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Cross pattern, main side: only puts what the worker sends. */
static uint64_t
cross_consumer(void)
{
	uint64_t seed = 777, count = 0;
	void *objs[MAX_BULK];
	unsigned int k, got;

	for (;;) {
		k = 1 + xorshift(&seed) % MAX_BULK;
		got = rte_ring_dequeue_burst(S.xfer, objs, k, NULL);
		if (got == 0) {
			if (__atomic_load_n(&S.worker_done, __ATOMIC_ACQUIRE) &&
			    rte_ring_count(S.xfer) == 0)
				break;
			rte_pause();
			continue;
		}
		release(objs, got);
		put_objs(objs, got);
		count += got;
	}
	return count;
}

/* Worker: a few gets and puts, so that it is the last to free. */
static int
free_last(void *arg)
{
	void *objs[MAX_BULK];
	unsigned int i;

	RTE_SET_USED(arg);
	for (i = 0; i < 16; i++) {
		if (get_objs(objs, 1 + i) != 0)
			return -1;
		claim(objs, 1 + i);
		release(objs, 1 + i);
		put_objs(objs, 1 + i);
	}
	return 0;
}

static int
flush_mempool_cache(void *arg)
{
	struct rte_mempool_cache *c = rte_mempool_default_cache(S.mp, rte_lcore_id());

	RTE_SET_USED(arg);
	if (c != NULL)
		rte_mempool_cache_flush(c, S.mp);
	return 0;
}

static int
all_from_one_lcore(const char *when)
{
	static void *objs[N];
	unsigned int avail = rte_mempool_avail_count(S.mp);
	int ret;

	ZC_ASSERT(avail == N, "%s: avail %u of %u", when, avail, N);
	/* DPDK's own per-lcore cache is out of zcpool's reach: empty the worker's. */
	rte_eal_remote_launch(flush_mempool_cache, NULL, rte_get_next_lcore(-1, 1, 0));
	rte_eal_mp_wait_lcore();
	ret = rte_mempool_get_bulk(S.mp, objs, N);
	ZC_ASSERT(ret == 0, "%s: one bulk of all %u objects from lcore %u: %d", when, N,
		  rte_lcore_id(), ret);
	claim(objs, N);
	ZC_ASSERT(S.errors == 0, "%s: %d ownership errors", when, S.errors);
	ZC_ASSERT(rte_mempool_avail_count(S.mp) == 0, "avail %u", rte_mempool_avail_count(S.mp));
	release(objs, N);
	rte_mempool_put_bulk(S.mp, objs, N);
	ZC_ASSERT(rte_mempool_avail_count(S.mp) == N, "avail %u", rte_mempool_avail_count(S.mp));
	return 0;
}

static int
setup(struct test_pool *tp, enum tp_kind kind, unsigned int cache, bool mbuf_api)
{
	struct zc_pool_geometry geo;
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "cc%d_%u_%d", kind, cache, mbuf_api);
	memset(&S, 0, sizeof(S));
	ZC_ASSERT(rte_lcore_count() >= 2, "need two lcores (-l 0,1)");
	ZC_ASSERT(tp_create(tp, kind, name, N, cache, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0, "pool");
	ZC_ASSERT(zc_pool_geometry_get(tp->mp, &geo) == 0, "geometry");
	S.mp = tp->mp;
	S.nb_slots = geo.nb_slots;
	S.owner = calloc(geo.nb_slots, 1);
	S.use_mbuf_api = mbuf_api;
	snprintf(name, sizeof(name), "ccx%d_%u_%d", kind, cache, mbuf_api);
	S.xfer = rte_ring_create(name, 2 * N, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	ZC_ASSERT(S.owner != NULL && S.xfer != NULL, "setup");
	return 0;
}

static void
teardown(struct test_pool *tp)
{
	rte_ring_free(S.xfer);
	free(S.owner);
	tp_free(tp);
}

static int
run(enum tp_kind kind, unsigned int cache, bool mbuf_api)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	uint64_t it_main = 0, it_worker = 0, produced = 0, consumed;
	struct test_pool tp;
	int ret = -1;

	if (setup(&tp, kind, cache, mbuf_api) != 0)
		return -1;

	/* Phase 1: both lcores get and put at random. */
	ZC_ASSERT(rte_eal_remote_launch(random_loop, &it_worker, worker) == 0, "launch");
	random_loop(&it_main);
	rte_eal_mp_wait_lcore();
	printf("  %s cache %u%s: random: %" PRIu64 " + %" PRIu64 " iterations, %" PRIu64
	       " refused gets\n", tp_kind_names[kind], cache, mbuf_api ? " (mbuf API)" : "",
	       it_main, it_worker, S.get_fails);
	if (S.errors != 0 || all_from_one_lcore("after random phase") != 0)
		goto out;

	/* Worker frees last, main takes everything. */
	ZC_ASSERT(rte_eal_remote_launch(free_last, NULL, worker) == 0, "launch");
	ZC_ASSERT(rte_eal_wait_lcore(worker) == 0, "free_last failed");
	if (all_from_one_lcore("after the worker freed last") != 0)
		goto out;

	/* Phase 2: the worker only gets, main only puts. */
	S.worker_done = 0;
	ZC_ASSERT(rte_eal_remote_launch(cross_producer, &produced, worker) == 0, "launch");
	consumed = cross_consumer();
	rte_eal_mp_wait_lcore();
	printf("  %s cache %u%s: cross: %" PRIu64 " objects moved\n", tp_kind_names[kind], cache,
	       mbuf_api ? " (mbuf API)" : "", consumed);
	ZC_ASSERT(produced == consumed, "produced %" PRIu64 " consumed %" PRIu64, produced,
		  consumed);
	ZC_ASSERT(consumed > N, "the cross pattern moved only %" PRIu64 " objects", consumed);
	if (S.errors != 0 || all_from_one_lcore("after cross phase") != 0)
		goto out;
	ret = 0;
out:
	if (S.errors != 0)
		printf("FAIL: %d ownership errors\n", S.errors);
	if (ret == 0)
		teardown(&tp);
	return ret;
}

static int test_zero_c0(void) { return run(TP_ZERO, 0, false); }
static int test_zero_c32(void) { return run(TP_ZERO, 32, false); }
static int test_own_c0_mbuf(void) { return run(TP_OWN, 0, true); }
static int test_user_c32_mbuf(void) { return run(TP_USER, 32, true); }

/* A non-EAL thread next to both lcores. */
struct thr {
	uint64_t iters;
	unsigned int lcore;
};

static void *
non_eal_main(void *p)
{
	struct thr *t = p;

	t->lcore = rte_lcore_id();
	random_loop(&t->iters);
	return NULL;
}

static int
test_non_eal_thread(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	uint64_t it_main = 0, it_worker = 0;
	struct zc_pool_stats st;
	struct test_pool tp;
	struct thr t = { 0 };
	pthread_t th;
	void *objs[10];

	if (setup(&tp, TP_ZERO, 0, false) != 0)
		return -1;
	/* Alone first: get and put work and are counted. */
	ZC_ASSERT(zc_pool_stats_reset(S.mp) == 0, "reset");
	ZC_ASSERT(pthread_create(&th, NULL, non_eal_main, &t) == 0, "pthread_create");
	pthread_join(th, NULL);
	ZC_ASSERT(t.lcore == LCORE_ID_ANY, "lcore %u", t.lcore);
	ZC_ASSERT(S.errors == 0, "%d ownership errors", S.errors);
	ZC_ASSERT(zc_pool_stats_get(S.mp, &st) == 0, "stats");
	ZC_ASSERT(st.alloc_slow > 0 && st.alloc_fast == 0 && st.recycle_ring > 0 &&
		  st.recycle_cached == 0, "non-EAL counters: slow %" PRIu64 " fast %" PRIu64
		  " ring %" PRIu64 " cached %" PRIu64, st.alloc_slow, st.alloc_fast,
		  st.recycle_ring, st.recycle_cached);
	ZC_ASSERT(st.alloc_slow == st.recycle_ring, "got %" PRIu64 " put %" PRIu64,
		  st.alloc_slow, st.recycle_ring);
	ZC_ASSERT(st.inflight == 0 && rte_mempool_avail_count(S.mp) == N, "avail %u",
		  rte_mempool_avail_count(S.mp));
	printf("  non-EAL thread alone: %" PRIu64 " iterations, %" PRIu64 " objects\n", t.iters,
	       st.alloc_slow);

	/* Then with both lcores. */
	ZC_ASSERT(pthread_create(&th, NULL, non_eal_main, &t) == 0, "pthread_create");
	ZC_ASSERT(rte_eal_remote_launch(random_loop, &it_worker, worker) == 0, "launch");
	random_loop(&it_main);
	rte_eal_mp_wait_lcore();
	pthread_join(th, NULL);
	printf("  three threads: %" PRIu64 " + %" PRIu64 " + %" PRIu64 " iterations, %" PRIu64
	       " refused gets\n", it_main, it_worker, t.iters, S.get_fails);
	ZC_ASSERT(S.errors == 0, "%d ownership errors", S.errors);
	if (all_from_one_lcore("after three threads") != 0)
		return -1;
	/* A non-EAL thread took the last objects: main still gets everything. */
	ZC_ASSERT(rte_mempool_get_bulk(S.mp, objs, 10) == 0, "get 10");
	rte_mempool_put_bulk(S.mp, objs, 10);
	teardown(&tp);
	return 0;
}

ZC_TEST_MAIN(
	{ "zero_config_cache0", test_zero_c0 },
	{ "zero_config_cache32", test_zero_c32 },
	{ "own_area_cache0_mbuf_api", test_own_c0_mbuf },
	{ "user_area_cache32_mbuf_api", test_user_c32_mbuf },
	{ "non_eal_thread", test_non_eal_thread },
)

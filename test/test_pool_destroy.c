/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zc_pool_destroy(): immediate when everything is back, deferred until the last
 * buffer returns otherwise (a background check frees the pool), forced on
 * request; and what rte_mempool_free() keeps when buffers are still held.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <zc_area.h>
#include <zc_pool.h>

#include "zc_test.h"
#include "zc_test_pool.h"

#define N 256
#define WAIT_S 10.0

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait (up to WAIT_S) until the pool is gone and, if given, the area is back to
 * refcnt/carved (or gone when area_name is given). Seconds waited, or -1. */
static double
wait_freed(const char *pool, struct zc_area *area, unsigned int refcnt, const char *area_name)
{
	double t0 = now_s(), t;

	do {
		bool done = rte_mempool_lookup(pool) == NULL;

		if (done && area != NULL) {
			struct zc_area_info info;

			done = zc_area_info_get(area, &info) == 0 && info.refcnt == refcnt &&
			       info.carved == 0;
		}
		if (done && area_name != NULL)
			done = area_named(area_name) == NULL;
		t = now_s() - t0;
		if (done)
			return t;
		sleep_ms(10);
	} while (t < WAIT_S);
	return -1;
}

static int
test_bad_args(void)
{
	struct rte_mempool *mp;

	ZC_ASSERT(zc_pool_destroy(NULL, 0) == -EINVAL, "NULL");
	ZC_ASSERT(zc_pool_destroy(NULL, ZC_POOL_DESTROY_FORCE) == -EINVAL, "NULL, force");
	mp = rte_pktmbuf_pool_create_by_ops("ds_ring", 63, 0, 0, 2048, SOCKET_ID_ANY, "ring_mp_mc");
	ZC_ASSERT(mp != NULL, "ring pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_pool_destroy(mp, 0) == -EINVAL, "ring_mp_mc pool");
	ZC_ASSERT(zc_pool_destroy(mp, ZC_POOL_DESTROY_FORCE) == -EINVAL, "ring_mp_mc, force");
	ZC_ASSERT(rte_mempool_lookup("ds_ring") == mp, "the ring pool must survive");
	ZC_ASSERT(rte_mempool_avail_count(mp) == 63, "avail");
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());
	rte_mempool_free(mp);
	return 0;
}

static int
test_idle(void)
{
	struct test_pool tp;
	struct zc_area_info info;
	struct rte_mbuf *m[8];

	/* Zero-config: pool and its area go at once. */
	ZC_ASSERT(tp_create(&tp, TP_ZERO, "ds_idle0", N, 32, 2048, 0) == 0, "create");
	ZC_ASSERT(area_named("mp_ds_idle0") != NULL, "the pool's area");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 8) == 0, "alloc");
	rte_pktmbuf_free_bulk(m, 8); /* some now sit in caches: still "back" */
	ZC_ASSERT(zc_pool_destroy(tp.mp, 0) == 0, "destroy");
	ZC_ASSERT(rte_mempool_lookup("ds_idle0") == NULL, "pool still there");
	ZC_ASSERT(area_named("mp_ds_idle0") == NULL, "area still there");
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());

	/* Own area. */
	ZC_ASSERT(tp_create(&tp, TP_OWN, "ds_idle1", N, 0, 2048, 0) == 0, "create");
	ZC_ASSERT(area_named("mp_ds_idle1") != NULL, "the pool's area");
	ZC_ASSERT(zc_pool_destroy(tp.mp, 0) == 0, "destroy");
	ZC_ASSERT(rte_mempool_lookup("ds_idle1") == NULL, "pool still there");
	ZC_ASSERT(area_named("mp_ds_idle1") == NULL, "area still there");

	/* Explicit area: the span returns, the creator's reference stays. */
	ZC_ASSERT(tp_create(&tp, TP_HUGEPAGE, "ds_idle2", N, 0, 2048, 0) == 0, "create");
	ZC_ASSERT(zc_area_info_get(tp.area, &info) == 0 && info.refcnt == 2 && info.carved > 0,
		  "refcnt %u carved %zu", info.refcnt, info.carved);
	ZC_ASSERT(zc_pool_destroy(tp.mp, 0) == 0, "destroy");
	ZC_ASSERT(rte_mempool_lookup("ds_idle2") == NULL, "pool still there");
	ZC_ASSERT(zc_area_info_get(tp.area, &info) == 0 && info.refcnt == 1 && info.carved == 0,
		  "refcnt %u carved %zu", info.refcnt, info.carved);
	/* Forced with nothing held is the same. */
	tp.mp = zc_pktmbuf_pool_create("ds_idle3", N, 0, 0, 2048, tp.area, SOCKET_ID_ANY);
	ZC_ASSERT(tp.mp != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_pool_destroy(tp.mp, ZC_POOL_DESTROY_FORCE) == 0, "forced destroy");
	ZC_ASSERT(rte_mempool_lookup("ds_idle3") == NULL, "pool still there");
	ZC_ASSERT(zc_area_info_get(tp.area, &info) == 0 && info.refcnt == 1 && info.carved == 0,
		  "refcnt %u carved %zu", info.refcnt, info.carved);
	tp.mp = NULL;
	tp_free(&tp);
	return 0;
}

static int
test_deferred_configured(void)
{
	const unsigned int k = 5;
	struct rte_mbuf *m[k];
	struct zc_area_info info;
	struct test_pool tp;
	unsigned int i, pending0 = zc_pool_pending_destroys();
	double waited;
	int ret;

	ZC_ASSERT(tp_create(&tp, TP_HUGEPAGE, "ds_def", N, 32, 2048, 0) == 0, "create");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, k) == 0, "alloc");
	ret = zc_pool_destroy(tp.mp, 0);
	ZC_ASSERT(ret == (int)k, "destroy with %u held: %d", k, ret);
	ZC_ASSERT(zc_pool_pending_destroys() == pending0 + 1, "pending %u",
		  zc_pool_pending_destroys());
	ZC_ASSERT(rte_mempool_lookup("ds_def") == tp.mp, "pool freed under held buffers");
	ZC_ASSERT(zc_pool_destroy(tp.mp, 0) == -EALREADY, "second destroy");
	ZC_ASSERT(zc_pool_destroy(tp.mp, ZC_POOL_DESTROY_FORCE) == -EALREADY, "forced, pending");
	/* Held mbufs stay usable. */
	for (i = 0; i < k; i++) {
		char *d = rte_pktmbuf_append(m[i], 1000);

		ZC_ASSERT(d != NULL, "append");
		memset(d, 0x60 + i, 1000);
	}
	/* Several checks pass: nothing is freed while buffers are held. */
	sleep_ms(500);
	for (i = 0; i < k; i++)
		ZC_ASSERT(rte_pktmbuf_mtod(m[i], uint8_t *)[999] == 0x60 + i, "data of %u", i);
	ZC_ASSERT(rte_mempool_lookup("ds_def") == tp.mp, "pool freed under held buffers");
	for (i = 0; i < k - 1; i++)
		rte_pktmbuf_free(m[i]);
	sleep_ms(500);
	ZC_ASSERT(rte_mempool_lookup("ds_def") == tp.mp, "pool freed with one buffer held");
	ZC_ASSERT(zc_pool_pending_destroys() == pending0 + 1, "pending %u",
		  zc_pool_pending_destroys());
	ZC_ASSERT(zc_area_info_get(tp.area, &info) == 0 && info.refcnt == 2 && info.carved > 0,
		  "the span went early: refcnt %u carved %zu", info.refcnt, info.carved);
	ZC_ASSERT(rte_pktmbuf_mtod(m[k - 1], uint8_t *)[0] == 0x60 + k - 1, "last buffer data");
	rte_pktmbuf_free(m[k - 1]);
	tp.mp = NULL; /* from now on the pool may be gone at any time */
	waited = wait_freed("ds_def", tp.area, 1, NULL);
	ZC_ASSERT(waited >= 0, "pool not freed %.0f s after the last buffer returned", WAIT_S);
	printf("  freed %.2f s after the last buffer returned\n", waited);
	ZC_ASSERT(zc_pool_pending_destroys() == pending0, "pending %u", zc_pool_pending_destroys());
	tp_free(&tp);
	return 0;
}

static int
deferred_own(enum tp_kind kind, const char *name, unsigned int cache)
{
	char area_name[ZC_AREA_NAMESIZE];
	struct rte_mbuf *m[3];
	struct test_pool tp;
	double waited;

	snprintf(area_name, sizeof(area_name), "mp_%s", name);
	ZC_ASSERT(tp_create(&tp, kind, name, N, cache, 2048, 0) == 0, "create");
	ZC_ASSERT(area_named(area_name) != NULL, "area %s", area_name);
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 3) == 0, "alloc");
	ZC_ASSERT(zc_pool_destroy(tp.mp, 0) == 3, "destroy");
	ZC_ASSERT(zc_pool_pending_destroys() == 1, "pending %u", zc_pool_pending_destroys());
	sleep_ms(300);
	ZC_ASSERT(rte_mempool_lookup(name) == tp.mp && area_named(area_name) != NULL,
		  "freed while held");
	memset(m[2]->buf_addr, 0x11, m[2]->buf_len);
	rte_pktmbuf_free_bulk(m, 3);
	waited = wait_freed(name, NULL, 0, area_name);
	ZC_ASSERT(waited >= 0, "pool or area not freed %.0f s after the last buffer returned",
		  WAIT_S);
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());
	return 0;
}

static int test_deferred_zero(void) { return deferred_own(TP_ZERO, "ds_dz", 0); }
static int test_deferred_own(void) { return deferred_own(TP_OWN, "ds_do", 32); }

/* Two pools pending at once; each goes when its own buffers are back. */
static int
test_deferred_two(void)
{
	struct rte_mbuf *a, *b;
	struct test_pool ta, tb;

	ZC_ASSERT(tp_create(&ta, TP_ZERO, "ds_two_a", N, 0, 2048, 0) == 0, "create a");
	ZC_ASSERT(tp_create(&tb, TP_USER, "ds_two_b", N, 0, 2048, 0) == 0, "create b");
	a = rte_pktmbuf_alloc(ta.mp);
	b = rte_pktmbuf_alloc(tb.mp);
	ZC_ASSERT(a != NULL && b != NULL, "alloc");
	ZC_ASSERT(zc_pool_destroy(ta.mp, 0) == 1 && zc_pool_destroy(tb.mp, 0) == 1, "destroy");
	ZC_ASSERT(zc_pool_pending_destroys() == 2, "pending %u", zc_pool_pending_destroys());
	rte_pktmbuf_free(b);
	ZC_ASSERT(wait_freed("ds_two_b", tb.area, 1, NULL) >= 0, "b not freed");
	ZC_ASSERT(zc_pool_pending_destroys() == 1, "pending %u", zc_pool_pending_destroys());
	ZC_ASSERT(rte_mempool_lookup("ds_two_a") == ta.mp, "a freed with a buffer held");
	rte_pktmbuf_free(a);
	ZC_ASSERT(wait_freed("ds_two_a", NULL, 0, "mp_ds_two_a") >= 0, "a not freed");
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());
	tb.mp = NULL;
	tp_free(&tb);
	return 0;
}

/* More pools pending than the background check frees at once. */
static int
test_deferred_many(void)
{
	enum { NB = 12 };
	struct rte_mempool *mp[NB];
	struct rte_mbuf *m[NB];
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i;

	for (i = 0; i < NB; i++) {
		snprintf(name, sizeof(name), "ds_many%u", i);
		mp[i] = rte_pktmbuf_pool_create_by_ops(name, 64, 0, 0, 2048, SOCKET_ID_ANY,
						       ZC_POOL_OPS_NAME);
		ZC_ASSERT(mp[i] != NULL, "create %s: %s", name, rte_strerror(rte_errno));
		m[i] = rte_pktmbuf_alloc(mp[i]);
		ZC_ASSERT(m[i] != NULL, "alloc");
		ZC_ASSERT(zc_pool_destroy(mp[i], 0) == 1, "destroy %s", name);
	}
	ZC_ASSERT(zc_pool_pending_destroys() == NB, "pending %u", zc_pool_pending_destroys());
	for (i = 0; i < NB; i++)
		rte_pktmbuf_free(m[i]);
	for (i = 0; i < NB; i++) {
		snprintf(name, sizeof(name), "ds_many%u", i);
		ZC_ASSERT(wait_freed(name, NULL, 0, NULL) >= 0, "%s not freed", name);
	}
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());
	return 0;
}

/* The last buffer comes back on another lcore, into its cache. */
static struct rte_mbuf *remote_m[4];

static int
free_remote(void *arg)
{
	RTE_SET_USED(arg);
	rte_pktmbuf_free_bulk(remote_m, RTE_DIM(remote_m));
	return 0;
}

static int
test_deferred_remote_free(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	struct test_pool tp;

	ZC_ASSERT(worker < RTE_MAX_LCORE, "need a worker lcore");
	ZC_ASSERT(tp_create(&tp, TP_USER, "ds_remote", N, 32, 2048, 0) == 0, "create");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, remote_m, RTE_DIM(remote_m)) == 0, "alloc");
	ZC_ASSERT(zc_pool_destroy(tp.mp, 0) == (int)RTE_DIM(remote_m), "destroy");
	ZC_ASSERT(rte_eal_remote_launch(free_remote, NULL, worker) == 0, "launch");
	rte_eal_wait_lcore(worker);
	ZC_ASSERT(wait_freed("ds_remote", tp.area, 1, NULL) >= 0,
		  "not freed after the worker returned the last buffers");
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());
	tp.mp = NULL;
	tp_free(&tp);
	return 0;
}

static int
test_force(void)
{
	struct rte_mbuf *m[3];
	struct zc_area_info info;
	struct test_pool tp;
	int ret;

	ZC_ASSERT(tp_create(&tp, TP_HUGEPAGE, "ds_force", N, 0, 2048, 0) == 0, "create");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 3) == 0, "alloc");
	ret = zc_pool_destroy(tp.mp, ZC_POOL_DESTROY_FORCE);
	ZC_ASSERT(ret == 3, "forced destroy with 3 held: %d", ret);
	ZC_ASSERT(rte_mempool_lookup("ds_force") == NULL, "pool not freed now");
	ZC_ASSERT(zc_pool_pending_destroys() == 0, "pending %u", zc_pool_pending_destroys());
	/* The caller gave the buffers up: the span is returned. */
	ZC_ASSERT(zc_area_info_get(tp.area, &info) == 0 && info.refcnt == 1 && info.carved == 0,
		  "refcnt %u carved %zu", info.refcnt, info.carved);
	tp.mp = NULL;
	tp_free(&tp);

	/* Zero-config: pool and area gone now. */
	ZC_ASSERT(tp_create(&tp, TP_ZERO, "ds_force0", N, 0, 2048, 0) == 0, "create");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 2) == 0, "alloc");
	ZC_ASSERT(zc_pool_destroy(tp.mp, ZC_POOL_DESTROY_FORCE) == 2, "forced destroy");
	ZC_ASSERT(rte_mempool_lookup("ds_force0") == NULL, "pool not freed now");
	ZC_ASSERT(area_named("mp_ds_force0") == NULL, "area not freed now");
	return 0;
}

/* rte_mempool_free() with buffers held: the data buffers (the span, hence the
 * area) must stay, since the application may still be using them. */
static int
test_mempool_free_with_held(void)
{
	struct rte_mbuf *m[4];
	void *bufs[4];
	struct zc_area_info before, after;
	struct test_pool tp;
	unsigned int i;
	uint16_t id;

	ZC_ASSERT(tp_create(&tp, TP_HUGEPAGE, "ds_free", N, 0, 2048, 0) == 0, "create");
	id = zc_area_id(tp.area);
	ZC_ASSERT(zc_area_info_get(tp.area, &before) == 0 && before.refcnt == 2, "refcnt %u",
		  before.refcnt);
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 4) == 0, "alloc");
	for (i = 0; i < 4; i++)
		bufs[i] = m[i]->buf_addr;
	rte_mempool_free(tp.mp);
	tp.mp = NULL;
	ZC_ASSERT(rte_mempool_lookup("ds_free") == NULL, "pool freed");
	ZC_ASSERT(zc_area_info_get(tp.area, &after) == 0, "info");
	ZC_ASSERT(after.carved == before.carved && after.carved > 0,
		  "span released under held buffers: carved %zu -> %zu", before.carved,
		  after.carved);
	ZC_ASSERT(after.refcnt > 1, "area reference dropped: refcnt %u", after.refcnt);
	/* The creator lets go: the span keeps the area and its memory. */
	zc_area_put(tp.area);
	tp.area = NULL;
	ZC_ASSERT(area_with_id(id) != NULL, "area released under held buffers");
	for (i = 0; i < 4; i++)
		memset(bufs[i], 0x22, 2048);

	/* Nothing held: everything returns. */
	ZC_ASSERT(tp_create(&tp, TP_HUGEPAGE, "ds_free2", N, 0, 2048, 0) == 0, "create");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 4) == 0, "alloc");
	rte_pktmbuf_free_bulk(m, 4);
	rte_mempool_free(tp.mp);
	tp.mp = NULL;
	ZC_ASSERT(zc_area_info_get(tp.area, &after) == 0 && after.refcnt == 1 && after.carved == 0,
		  "refcnt %u carved %zu", after.refcnt, after.carved);
	tp_free(&tp);

	/* Own area, held buffers: the area stays. */
	ZC_ASSERT(tp_create(&tp, TP_OWN, "ds_free3", N, 0, 2048, 0) == 0, "create");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(tp.mp, m, 2) == 0, "alloc");
	bufs[0] = m[0]->buf_addr;
	rte_mempool_free(tp.mp);
	ZC_ASSERT(area_named("mp_ds_free3") != NULL, "own area released under held buffers");
	memset(bufs[0], 0x33, 2048);
	return 0;
}

ZC_TEST_MAIN(
	{ "bad_args", test_bad_args },
	{ "idle", test_idle },
	{ "deferred_configured", test_deferred_configured },
	{ "deferred_zero_config", test_deferred_zero },
	{ "deferred_own_area", test_deferred_own },
	{ "deferred_two_pools", test_deferred_two },
	{ "deferred_many", test_deferred_many },
	{ "deferred_remote_free", test_deferred_remote_free },
	{ "force", test_force },
	{ "mempool_free_with_held", test_mempool_free_with_held },
)

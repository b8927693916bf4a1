/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * The mempool contract zcpool must honour (exact counts, all-or-nothing gets,
 * every object obtainable), the mbufs of configured pools (pinned external
 * buffers inside the area), clones, non-zcpool pools, and the counters.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <zc_area.h>
#include <zc_pool.h>

#include "zc_test.h"
#include "zc_test_pool.h"

#define N 512
#define PRIV 32

/* --- Mempool contract, for every flavour, cache 0 and 32. --- */

static int
contract(enum tp_kind kind, unsigned int cache)
{
	static void *objs[N + 1], *more[N + 1];
	struct test_pool tp;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int k1 = N / 3;
	int ret, rc = -1;

	snprintf(name, sizeof(name), "ct%d_%u", kind, cache);
	ZC_ASSERT_GOTO(tp_create(&tp, kind, name, N, cache, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pool, "create");
	ZC_ASSERT_GOTO(zc_pool_is_zcpool(tp.mp), free_pool, "is_zcpool");
	ZC_ASSERT_GOTO(rte_mempool_lookup(name) == tp.mp, free_pool, "lookup");
	ZC_ASSERT_GOTO(tp.mp->size == N, free_pool, "size %u", tp.mp->size);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u after creation",
		       rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_in_use_count(tp.mp) == 0, free_pool, "in use %u",
		       rte_mempool_in_use_count(tp.mp));

	/* Everything in one bulk, then nothing more. */
	ret = rte_mempool_get_bulk(tp.mp, objs, N);
	ZC_ASSERT_GOTO(ret == 0, free_pool, "get all %u: %d", N, ret);
	ZC_ASSERT_GOTO(tp_distinct(objs, N), free_pool, "an object was handed out twice");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == 0, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	ret = rte_mempool_get(tp.mp, &objs[N]);
	ZC_ASSERT_GOTO(ret < 0, free_pool, "get from an empty pool succeeded");
	ret = rte_mempool_get_bulk(tp.mp, more, 8);
	ZC_ASSERT_GOTO(ret < 0, free_pool, "bulk get from an empty pool succeeded");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == 0, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	rte_mempool_put_bulk(tp.mp, objs, N);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u after put",
		       rte_mempool_avail_count(tp.mp));

	/* All or nothing: a bulk larger than what is left fails and changes nothing. */
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, objs, k1) == 0, free_pool, "get %u", k1);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - k1, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, more, N - k1 + 1) < 0, free_pool,
		       "get one more than left");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - k1, free_pool,
		       "failed get changed the count: %u", rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, more, N) < 0, free_pool,
		       "get all while some are held");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - k1, free_pool,
		       "failed get changed the count: %u", rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, more, N - k1) == 0, free_pool,
		       "get exactly what is left");
	memcpy(&objs[k1], more, (N - k1) * sizeof(void *));
	ZC_ASSERT_GOTO(tp_distinct(objs, N), free_pool, "an object was handed out twice");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == 0, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	/* Put back in odd batches. */
	for (unsigned int i = 0, b = 1; i < N; i += b, b = b % 37 + 1)
		rte_mempool_put_bulk(tp.mp, &objs[i], RTE_MIN(b, N - i));
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_full(tp.mp), free_pool, "full");

	/* Single gets and puts, interleaved. */
	for (unsigned int i = 0; i < N; i++)
		ZC_ASSERT_GOTO(rte_mempool_get(tp.mp, &objs[i]) == 0, free_pool,
			       "single get %u", i);
	ZC_ASSERT_GOTO(tp_distinct(objs, N), free_pool, "an object was handed out twice");
	ZC_ASSERT_GOTO(rte_mempool_get(tp.mp, &objs[N]) < 0, free_pool, "get past the end");
	for (unsigned int i = 0; i < N; i++)
		rte_mempool_put(tp.mp, objs[i]);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	rc = 0;
free_pool:
	tp_free(&tp);
	ZC_ASSERT(rte_mempool_lookup(name) == NULL, "pool freed");
	return rc;
}

#define CONTRACT(k) \
	static int test_contract_##k##_c0(void) { return contract(k, 0); } \
	static int test_contract_##k##_c32(void) { return contract(k, 32); }
CONTRACT(TP_ZERO)
CONTRACT(TP_OWN)
CONTRACT(TP_HUGEPAGE)
CONTRACT(TP_USER)

/*
 * A dequeue that fails must leave the destination untouched: DPDK 22.11's
 * rte_mempool_do_generic_get() refills its cache by dequeuing straight into
 * cache->objs and, when that fails, keeps the cache's first entries as they were.
 */
static int
failed_dequeue_untouched(enum tp_kind kind)
{
	static void *held[N], *dst[N + 64];
	struct test_pool tp;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i, k;
	int rc = -1;

	snprintf(name, sizeof(name), "fd%d", kind);
	ZC_ASSERT_GOTO(tp_create(&tp, kind, name, N, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pool, "create");
	/* Leave objects both in the ring and in this lcore's cache. */
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, held, N / 2) == 0, free_pool, "get");
	for (i = 0; i < 40; i++)
		rte_mempool_put(tp.mp, held[i]);
	k = rte_mempool_avail_count(tp.mp);
	for (i = 0; i < RTE_DIM(dst); i++)
		dst[i] = (void *)(uintptr_t)(0xdead0000 + i);
	ZC_ASSERT_GOTO(rte_mempool_ops_dequeue_bulk(tp.mp, dst, k + 1) < 0, free_pool,
		       "dequeue %u of %u", k + 1, k);
	for (i = 0; i < RTE_DIM(dst); i++)
		ZC_ASSERT_GOTO(dst[i] == (void *)(uintptr_t)(0xdead0000 + i), free_pool,
			       "failed dequeue of %u wrote entry %u (%p)", k + 1, i, dst[i]);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == k, free_pool, "avail %u, was %u",
		       rte_mempool_avail_count(tp.mp), k);
	/* Small requests too (through the lcore cache). */
	ZC_ASSERT_GOTO(rte_mempool_ops_dequeue_bulk(tp.mp, dst, k) == 0, free_pool,
		       "dequeue the rest");
	ZC_ASSERT_GOTO(rte_mempool_ops_dequeue_bulk(tp.mp, &dst[k], 3) < 0, free_pool,
		       "dequeue 3 from empty");
	for (i = k; i < RTE_DIM(dst); i++)
		ZC_ASSERT_GOTO(dst[i] == (void *)(uintptr_t)(0xdead0000 + i), free_pool,
			       "failed dequeue of 3 wrote entry %u", i);
	rte_mempool_ops_enqueue_bulk(tp.mp, dst, k);
	rte_mempool_put_bulk(tp.mp, &held[40], N / 2 - 40);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	rc = 0;
free_pool:
	tp_free(&tp);
	return rc;
}

static int test_failed_dequeue_zero(void) { return failed_dequeue_untouched(TP_ZERO); }
static int test_failed_dequeue_user(void) { return failed_dequeue_untouched(TP_USER); }

/* --- mbufs. --- */

struct rec {
	struct rte_mbuf *m;
	void *buf;
};

static int
rec_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct rec *)a)->m;
	uintptr_t y = (uintptr_t)((const struct rec *)b)->m;

	return x < y ? -1 : x > y;
}

static int
buf_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct rec *)a)->buf;
	uintptr_t y = (uintptr_t)((const struct rec *)b)->buf;

	return x < y ? -1 : x > y;
}

static int
check_mbuf(const struct test_pool *tp, struct rte_mbuf *m, const struct zc_area_info *ai)
{
	const char *reason = NULL;

	ZC_ASSERT(m->pool == tp->mp, "pool");
	ZC_ASSERT(rte_mbuf_refcnt_read(m) == 1, "refcnt %u", rte_mbuf_refcnt_read(m));
	ZC_ASSERT(m->nb_segs == 1 && m->next == NULL, "segments");
	ZC_ASSERT(m->pkt_len == 0 && m->data_len == 0, "lengths %u/%u", m->pkt_len, m->data_len);
	ZC_ASSERT(m->buf_len == tp->data_room, "buf_len %u", m->buf_len);
	ZC_ASSERT(m->data_off == RTE_MIN(RTE_PKTMBUF_HEADROOM, m->buf_len), "data_off %u",
		  m->data_off);
	ZC_ASSERT(rte_pktmbuf_priv_size(tp->mp) == tp->priv_size, "priv size");
	ZC_ASSERT(rte_pktmbuf_data_room_size(tp->mp) == tp->data_room, "data room");
	ZC_ASSERT(rte_mbuf_check(m, 1, &reason) == 0, "rte_mbuf_check: %s", reason);
	if (tp_configured(tp)) {
		char *lo = ai->addr, *buf = m->buf_addr;

		ZC_ASSERT(m->ol_flags & RTE_MBUF_F_EXTERNAL, "ol_flags %#" PRIx64, m->ol_flags);
		ZC_ASSERT(RTE_MBUF_HAS_PINNED_EXTBUF(m), "not a pinned external buffer");
		ZC_ASSERT(m->shinfo != NULL && rte_mbuf_ext_refcnt_read(m->shinfo) == 1,
			  "shinfo refcnt");
		ZC_ASSERT(buf >= lo && buf + m->buf_len <= lo + ai->len,
			  "buffer %p+%u outside the area %p+%zu", m->buf_addr, m->buf_len, ai->addr,
			  ai->len);
		if (ai->nb_iova_runs != 0) {
			struct zc_area *area = zc_area_get_by_id(ai->id);
			rte_iova_t iova = zc_area_iova(area, buf - lo, m->buf_len);

			zc_area_put(area);
			ZC_ASSERT(rte_mbuf_iova_get(m) == iova, "buffer IOVA %#" PRIx64 ", area's %#"
				  PRIx64, rte_mbuf_iova_get(m), iova);
		}
	} else {
		ZC_ASSERT(RTE_MBUF_DIRECT(m), "zero-config mbufs are direct");
		ZC_ASSERT(m->buf_addr == (char *)m + sizeof(*m) + tp->priv_size, "embedded buffer");
		ZC_ASSERT(ai->addr <= m->buf_addr &&
			  (char *)m->buf_addr + m->buf_len <= (char *)ai->addr + ai->len,
			  "buffer outside the pool's area");
	}
	return 0;
}

static int
mbufs(enum tp_kind kind)
{
	static struct rte_mbuf *m[N + 1];
	static struct rec r[N];
	struct zc_pool_geometry geo;
	struct zc_area_info ai;
	struct test_pool tp;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i, round;
	int rc = -1;

	snprintf(name, sizeof(name), "mb%d", kind);
	ZC_ASSERT_GOTO(tp_create(&tp, kind, name, N, 32, RTE_MBUF_DEFAULT_BUF_SIZE, PRIV) == 0,
		       free_pool, "create");
	ZC_ASSERT_GOTO(zc_pool_geometry_get(tp.mp, &geo) == 0, free_pool, "geometry");
	ZC_ASSERT_GOTO(geo.pinned == tp_configured(&tp), free_pool, "pinned %d", geo.pinned);
	ZC_ASSERT_GOTO(zc_area_info_get(geo.area, &ai) == 0, free_pool, "area info");
	if (tp.area != NULL)
		ZC_ASSERT_GOTO(geo.area == tp.area, free_pool, "geometry names another area");
	ZC_ASSERT_GOTO(strcmp(ai.provider, kind == TP_ZERO ? "mempool" :
			      kind == TP_USER ? "user" : "hugepage") == 0, free_pool,
		       "provider %s", ai.provider);
	ZC_ASSERT_GOTO(ai.readable, free_pool, "readable");

	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(tp.mp, m, N) == 0, free_pool, "alloc all");
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc(tp.mp) == NULL, free_pool, "alloc past the end");
	for (i = 0; i < N; i++) {
		ZC_ASSERT_GOTO(check_mbuf(&tp, m[i], &ai) == 0, free_pool, "mbuf %u", i);
		r[i].m = m[i];
		r[i].buf = m[i]->buf_addr;
		/* Data room and private area are ours to write. */
		memset(m[i]->buf_addr, (int)(i & 0xff), m[i]->buf_len);
		memset(rte_mbuf_to_priv(m[i]), 0xee, PRIV);
	}
	for (i = 0; i < N; i++) {
		const uint8_t *b = m[i]->buf_addr;

		ZC_ASSERT_GOTO(b[0] == (i & 0xff) && b[m[i]->buf_len - 1] == (i & 0xff), free_pool,
			       "buffer %u overwritten by another mbuf's writes", i);
	}
	/* Distinct buffers that do not overlap. */
	qsort(r, N, sizeof(r[0]), buf_cmp);
	for (i = 1; i < N; i++)
		ZC_ASSERT_GOTO((char *)r[i].buf >= (char *)r[i - 1].buf + tp.data_room, free_pool,
			       "buffers %p and %p overlap", r[i - 1].buf, r[i].buf);
	qsort(r, N, sizeof(r[0]), rec_cmp);
	for (i = 0; i < N; i++)
		rte_pktmbuf_free(m[i]);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u after free",
		       rte_mempool_avail_count(tp.mp));

	/* Free and alloc cycles keep every mbuf on its own buffer. */
	for (round = 0; round < 4; round++) {
		ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(tp.mp, m, N) == 0, free_pool,
			       "round %u alloc", round);
		for (i = 0; i < N; i++) {
			struct rec key = { .m = m[i] };
			struct rec *e = bsearch(&key, r, N, sizeof(r[0]), rec_cmp);
			char *d;

			ZC_ASSERT_GOTO(e != NULL, free_pool, "round %u: unknown mbuf %p", round,
				       (void *)m[i]);
			ZC_ASSERT_GOTO(m[i]->buf_addr == e->buf, free_pool,
				       "round %u: mbuf %p moved from buffer %p to %p", round,
				       (void *)m[i], e->buf, m[i]->buf_addr);
			ZC_ASSERT_GOTO(check_mbuf(&tp, m[i], &ai) == 0, free_pool,
				       "round %u mbuf %u", round, i);
			d = rte_pktmbuf_append(m[i], 100 + round);
			ZC_ASSERT_GOTO(d != NULL, free_pool, "append");
			memset(d, 0x5a, 100 + round);
			m[i]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_VLAN;
			m[i]->packet_type = RTE_PTYPE_L2_ETHER;
		}
		if (round & 1) {
			rte_pktmbuf_free_bulk(m, N);
		} else {
			/* As chains of 4. */
			for (i = 0; i < N; i += 4) {
				ZC_ASSERT_GOTO(rte_pktmbuf_chain(m[i], m[i + 1]) == 0, free_pool,
					       "chain");
				ZC_ASSERT_GOTO(rte_pktmbuf_chain(m[i], m[i + 2]) == 0, free_pool,
					       "chain");
				ZC_ASSERT_GOTO(rte_pktmbuf_chain(m[i], m[i + 3]) == 0, free_pool,
					       "chain");
				rte_pktmbuf_free(m[i]);
			}
		}
		ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "round %u: avail %u",
			       round, rte_mempool_avail_count(tp.mp));
	}
	rc = 0;
free_pool:
	tp_free(&tp);
	return rc;
}

static int test_mbufs_zero(void) { return mbufs(TP_ZERO); }
static int test_mbufs_own(void) { return mbufs(TP_OWN); }
static int test_mbufs_hugepage(void) { return mbufs(TP_HUGEPAGE); }
static int test_mbufs_user(void) { return mbufs(TP_USER); }

/* --- Clones and attach. --- */

static int
clones(enum tp_kind kind)
{
	struct rte_mempool *cp = NULL;
	struct test_pool tp;
	static struct rte_mbuf *all[N];
	static void *bufs[N];
	struct rte_mbuf *m, *c, *c2, *cl[3], *first;
	char name[RTE_MEMPOOL_NAMESIZE], cname[RTE_MEMPOOL_NAMESIZE];
	char *d;
	void *buf;
	unsigned int i;
	int rc = -1;

	snprintf(name, sizeof(name), "cl%d", kind);
	snprintf(cname, sizeof(cname), "clx%d", kind);
	ZC_ASSERT_GOTO(tp_create(&tp, kind, name, N, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pools, "create");
	/* Indirect mbufs come from an ordinary pool. */
	cp = rte_pktmbuf_pool_create_by_ops(cname, 63, 0, 0, 0, SOCKET_ID_ANY, "ring_mp_mc");
	ZC_ASSERT_GOTO(cp != NULL, free_pools, "clone pool: %s", rte_strerror(rte_errno));

	/* Free the original first, then the clone. */
	m = rte_pktmbuf_alloc(tp.mp);
	ZC_ASSERT_GOTO(m != NULL, free_pools, "alloc");
	buf = m->buf_addr;
	first = m;
	d = rte_pktmbuf_append(m, 64);
	ZC_ASSERT_GOTO(d != NULL, free_pools, "append");
	memset(d, 0xab, 64);
	c = rte_pktmbuf_clone(m, cp);
	ZC_ASSERT_GOTO(c != NULL, free_pools, "clone: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(rte_pktmbuf_mtod(c, char *) == d && c->pkt_len == 64, free_pools,
		       "clone data");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - 1, free_pools, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	if (tp_configured(&tp)) {
		ZC_ASSERT_GOTO(RTE_MBUF_HAS_EXTBUF(c) && c->shinfo == m->shinfo, free_pools,
			       "clone shares shinfo");
		ZC_ASSERT_GOTO(rte_mbuf_ext_refcnt_read(m->shinfo) == 2, free_pools,
			       "ext refcnt %u", rte_mbuf_ext_refcnt_read(m->shinfo));
	} else {
		ZC_ASSERT_GOTO(RTE_MBUF_CLONED(c) && rte_mbuf_from_indirect(c) == m, free_pools,
			       "indirect clone");
	}
	rte_pktmbuf_free(m);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - 1, free_pools,
		       "buffer returned while a clone uses it: avail %u",
		       rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_pktmbuf_mtod(c, uint8_t *)[63] == 0xab, free_pools,
		       "clone data after the free");
	rte_pktmbuf_free(c);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pools,
		       "avail %u after freeing both", rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_avail_count(cp) == 63, free_pools, "clone pool avail %u",
		       rte_mempool_avail_count(cp));

	/* The clone first, then the original. */
	m = rte_pktmbuf_alloc(tp.mp);
	ZC_ASSERT_GOTO(m != NULL && rte_pktmbuf_append(m, 10) != NULL, free_pools, "alloc");
	c = rte_pktmbuf_clone(m, cp);
	ZC_ASSERT_GOTO(c != NULL, free_pools, "clone");
	rte_pktmbuf_free(c);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - 1, free_pools, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	if (tp_configured(&tp))
		ZC_ASSERT_GOTO(rte_mbuf_ext_refcnt_read(m->shinfo) == 1, free_pools,
			       "ext refcnt %u", rte_mbuf_ext_refcnt_read(m->shinfo));
	rte_pktmbuf_free(m);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pools, "avail %u",
		       rte_mempool_avail_count(tp.mp));

	/* rte_pktmbuf_attach, and several clones freed in a mixed order. */
	m = rte_pktmbuf_alloc(tp.mp);
	ZC_ASSERT_GOTO(m != NULL, free_pools, "alloc");
	c2 = rte_pktmbuf_alloc(cp);
	ZC_ASSERT_GOTO(c2 != NULL, free_pools, "alloc from the clone pool");
	rte_pktmbuf_attach(c2, m);
	ZC_ASSERT_GOTO(c2->buf_addr == m->buf_addr, free_pools, "attached");
	for (i = 0; i < RTE_DIM(cl); i++) {
		cl[i] = rte_pktmbuf_clone(m, cp);
		ZC_ASSERT_GOTO(cl[i] != NULL, free_pools, "clone %u", i);
	}
	rte_pktmbuf_free(cl[1]);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(cl[0]);
	rte_pktmbuf_free(c2);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - 1, free_pools,
		       "avail %u with a clone left", rte_mempool_avail_count(tp.mp));
	rte_pktmbuf_free(cl[2]);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pools, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(rte_mempool_avail_count(cp) == 63, free_pools, "clone pool avail %u",
		       rte_mempool_avail_count(cp));

	/* Zero-config mbufs are direct: clones may come from the pool itself. */
	if (!tp_configured(&tp)) {
		m = rte_pktmbuf_alloc(tp.mp);
		ZC_ASSERT_GOTO(m != NULL, free_pools, "alloc");
		c = rte_pktmbuf_clone(m, tp.mp);
		ZC_ASSERT_GOTO(c != NULL, free_pools, "clone into the same pool");
		ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - 2, free_pools, "avail %u",
			       rte_mempool_avail_count(tp.mp));
		/* The clone holds a reference on m: nothing returns yet. */
		rte_pktmbuf_free(m);
		ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - 2, free_pools, "avail %u",
			       rte_mempool_avail_count(tp.mp));
		rte_pktmbuf_free(c);
		ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pools, "avail %u",
			       rte_mempool_avail_count(tp.mp));
	}

	/* Every mbuf still sits on its own buffer, the first cloned one included. */
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(tp.mp, all, N) == 0, free_pools, "alloc all");
	for (i = 0; i < N; i++) {
		bufs[i] = all[i]->buf_addr;
		ZC_ASSERT_GOTO(!!RTE_MBUF_HAS_EXTBUF(all[i]) == tp_configured(&tp), free_pools,
			       "flags of %u", i);
		if (tp_configured(&tp)) {
			ZC_ASSERT_GOTO(rte_mbuf_ext_refcnt_read(all[i]->shinfo) == 1, free_pools,
				       "ext refcnt of %u", i);
			ZC_ASSERT_GOTO(all[i]->buf_addr != buf || all[i] == first, free_pools,
				       "the first clone's buffer moved to another mbuf");
		} else {
			ZC_ASSERT_GOTO(all[i]->buf_addr == (char *)all[i] + sizeof(struct rte_mbuf),
				       free_pools, "buffer of %u", i);
		}
	}
	ZC_ASSERT_GOTO(first->buf_addr == buf, free_pools, "the first cloned mbuf lost its buffer");
	ZC_ASSERT_GOTO(tp_distinct(bufs, N), free_pools,
		       "two mbufs share a buffer after the clones");
	rte_pktmbuf_free_bulk(all, N);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pools, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	rc = 0;
free_pools:
	rte_mempool_free(cp);
	tp_free(&tp);
	return rc;
}

static int test_clones_zero(void) { return clones(TP_ZERO); }
static int test_clones_own(void) { return clones(TP_OWN); }
static int test_clones_user(void) { return clones(TP_USER); }

/* --- A pool that is not zcpool. --- */

static int
test_non_zcpool(void)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m = NULL;
	struct zc_pool_stats st;
	struct zc_pool_geometry geo;
	int rc = -1;

	ZC_ASSERT(!zc_pool_is_zcpool(NULL), "NULL is no zcpool");
	mp = rte_pktmbuf_pool_create_by_ops("nz_ring", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY, "ring_mp_mc");
	ZC_ASSERT_GOTO(mp != NULL, free_pool, "ring pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(!zc_pool_is_zcpool(mp), free_pool, "a ring_mp_mc pool is no zcpool");
	m = rte_pktmbuf_alloc(mp);
	ZC_ASSERT_GOTO(m != NULL, free_pool, "alloc");
	ZC_ASSERT_GOTO(zc_pool_mbuf_index(m) == -EINVAL, free_pool, "mbuf_index");
	ZC_ASSERT_GOTO(zc_pool_mbuf_area_off(m) == UINT64_MAX, free_pool, "mbuf_area_off");
	ZC_ASSERT_GOTO(zc_pool_index_mbuf(mp, 0) == NULL, free_pool, "index_mbuf");
	ZC_ASSERT_GOTO(zc_pool_area_off_index(mp, 0) == -EINVAL, free_pool, "area_off_index");
	ZC_ASSERT_GOTO(zc_pool_area_off_index(mp, zc_area_off_make(1, 0)) == -EINVAL, free_pool,
		       "area_off_index");
	ZC_ASSERT_GOTO(zc_pool_index_area_off(mp, 0) == UINT64_MAX, free_pool, "index_area_off");
	ZC_ASSERT_GOTO(zc_pool_geometry_get(mp, &geo) == -EINVAL, free_pool, "geometry_get");
	ZC_ASSERT_GOTO(zc_pool_stats_get(mp, &st) == -EINVAL, free_pool, "stats_get");
	ZC_ASSERT_GOTO(zc_pool_stats_reset(mp) == -EINVAL, free_pool, "stats_reset");
	ZC_ASSERT_GOTO(zc_pool_destroy(mp, 0) == -EINVAL, free_pool, "destroy");
	ZC_ASSERT_GOTO(rte_mempool_lookup("nz_ring") == mp, free_pool,
		       "the pool survived zc_pool_destroy");
	/* NULL arguments. */
	ZC_ASSERT_GOTO(zc_pool_mbuf_index(NULL) == -EINVAL, free_pool, "mbuf_index(NULL)");
	ZC_ASSERT_GOTO(zc_pool_mbuf_area_off(NULL) == UINT64_MAX, free_pool, "mbuf_area_off(NULL)");
	ZC_ASSERT_GOTO(zc_pool_index_mbuf(NULL, 0) == NULL, free_pool, "index_mbuf(NULL)");
	ZC_ASSERT_GOTO(zc_pool_area_off_index(NULL, 0) == -EINVAL, free_pool,
		       "area_off_index(NULL)");
	ZC_ASSERT_GOTO(zc_pool_index_area_off(NULL, 0) == UINT64_MAX, free_pool,
		       "index_area_off(NULL)");
	ZC_ASSERT_GOTO(zc_pool_geometry_get(NULL, &geo) == -EINVAL, free_pool,
		       "geometry_get(NULL)");
	ZC_ASSERT_GOTO(zc_pool_stats_get(NULL, &st) == -EINVAL, free_pool, "stats_get(NULL)");
	ZC_ASSERT_GOTO(zc_pool_stats_reset(NULL) == -EINVAL, free_pool, "stats_reset(NULL)");
	rc = 0;
free_pool:
	rte_pktmbuf_free(m);
	rte_mempool_free(mp);
	return rc;
}

/* --- Creation errors. --- */

static int
test_create_errors(void)
{
	struct zc_area *a = zc_area_create_hugepage("ce_area", 256 * 1024, SOCKET_ID_ANY);
	struct zc_pool_config cfg = { .area = NULL, .buf_size = 2048 };
	unsigned int areas;
	struct zc_area_info info;
	struct rte_mempool *mp = NULL, *mp2 = NULL;
	int rc = -1;

	ZC_ASSERT(a != NULL, "area: %s", rte_strerror(rte_errno));
	areas = nb_areas();
#define EXPECT_ERR(call, err) do { \
		rte_errno = 0; \
		mp = (call); \
		ZC_ASSERT_GOTO(mp == NULL && rte_errno == (err), free_pools, \
			       #call ": %p errno %d (%s)", (void *)mp, rte_errno, \
			       rte_strerror(rte_errno)); \
	} while (0)
	EXPECT_ERR(zc_pktmbuf_pool_create(NULL, 64, 0, 0, 2048, a, SOCKET_ID_ANY), EINVAL);
	EXPECT_ERR(zc_pktmbuf_pool_create("ce", 0, 0, 0, 2048, a, SOCKET_ID_ANY), EINVAL);
	EXPECT_ERR(zc_pktmbuf_pool_create("ce", 64, 0, 0, 0, a, SOCKET_ID_ANY), EINVAL);
	EXPECT_ERR(zc_pktmbuf_pool_create("ce", 64, 0, 3, 2048, a, SOCKET_ID_ANY), EINVAL);
	EXPECT_ERR(zc_pktmbuf_pool_create("ce", 64, 0, 12, 2048, a, SOCKET_ID_ANY), EINVAL);
	/* One buffer more than the area can hold. */
	ZC_ASSERT_GOTO(zc_area_info_get(a, &info) == 0, free_pools, "info");
	EXPECT_ERR(zc_pktmbuf_pool_create("ce", info.len / 2048 + 1, 0, 0, 2048, a,
					  SOCKET_ID_ANY), ENOSPC);
	ZC_ASSERT_GOTO(rte_mempool_lookup("ce") == NULL, free_pools, "failed pool left behind");
	ZC_ASSERT_GOTO(zc_area_info_get(a, &info) == 0 && info.refcnt == 1 && info.carved == 0,
		       free_pools, "failed creations changed the area: refcnt %u carved %zu",
		       info.refcnt, info.carved);
	ZC_ASSERT_GOTO(nb_areas() == areas, free_pools, "failed creations leaked areas: %u -> %u",
		       areas, nb_areas());

	/* Duplicate names, with an explicit area and with an own area. */
	mp = zc_pktmbuf_pool_create("ce_dup", 64, 0, 0, 2048, a, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp != NULL, free_pools, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(zc_area_info_get(a, &info) == 0 && info.refcnt == 2 &&
		       info.carved >= 64 * 2048, free_pools, "pool's span: refcnt %u carved %zu",
		       info.refcnt, info.carved);
	rte_errno = 0;
	mp2 = zc_pktmbuf_pool_create("ce_dup", 16, 0, 0, 2048, a, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp2 == NULL && rte_errno == EEXIST, free_pools,
		       "duplicate (explicit area): %d", rte_errno);
	rte_errno = 0;
	mp2 = zc_pktmbuf_pool_create("ce_dup", 16, 0, 0, 2048, NULL, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp2 == NULL && rte_errno == EEXIST, free_pools, "duplicate (own area): %d",
		       rte_errno);
	rte_errno = 0;
	mp2 = rte_pktmbuf_pool_create_by_ops("ce_dup", 16, 0, 0, 2048, SOCKET_ID_ANY, "zcpool");
	ZC_ASSERT_GOTO(mp2 == NULL && rte_errno == EEXIST, free_pools,
		       "duplicate (zero-config): %d", rte_errno);
	ZC_ASSERT_GOTO(rte_mempool_lookup("ce_dup") == mp, free_pools,
		       "the first pool keeps the name");
	ZC_ASSERT_GOTO(zc_area_info_get(a, &info) == 0 && info.refcnt == 2, free_pools, "refcnt %u",
		       info.refcnt);
	ZC_ASSERT_GOTO(nb_areas() == areas, free_pools, "failed creations leaked areas: %u -> %u",
		       areas, nb_areas());
	rte_mempool_free(mp);
	mp = NULL;
	ZC_ASSERT_GOTO(zc_area_info_get(a, &info) == 0 && info.refcnt == 1 && info.carved == 0,
		       free_pools, "freeing the pool returned its span: refcnt %u carved %zu",
		       info.refcnt, info.carved);

	/* A configuration without an area is refused at populate time. */
	mp = rte_mempool_create_empty("ce_cfg", 64, sizeof(struct rte_mbuf) + 2048, 0,
				      sizeof(struct rte_pktmbuf_pool_private), SOCKET_ID_ANY, 0);
	ZC_ASSERT_GOTO(mp != NULL, free_pools, "create_empty");
	ZC_ASSERT_GOTO(rte_mempool_set_ops_byname(mp, ZC_POOL_OPS_NAME, &cfg) == 0, free_pools,
		       "set_ops");
	ZC_ASSERT_GOTO(rte_mempool_populate_default(mp) == -EINVAL, free_pools,
		       "populate without an area");
	cfg.area = a;
	cfg.buf_size = 0;
	ZC_ASSERT_GOTO(rte_mempool_populate_default(mp) == -EINVAL, free_pools,
		       "populate with buf_size 0");
	ZC_ASSERT_GOTO(!zc_pool_is_zcpool(mp), free_pools, "unpopulated pool reported as zcpool");
	rte_mempool_free(mp);
	mp = NULL;
	ZC_ASSERT_GOTO(zc_area_info_get(a, &info) == 0 && info.refcnt == 1 && info.carved == 0,
		       free_pools, "refcnt %u carved %zu", info.refcnt, info.carved);
	rc = 0;
free_pools:
	rte_mempool_free(mp2);
	rte_mempool_free(mp);
	zc_area_put(a);
	return rc;
}

/* A mempool name may have RTE_MEMPOOL_NAMESIZE - 1 characters, whatever the flavour. */
static int
test_max_pool_name(void)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp = NULL;
	enum tp_kind kinds[] = { TP_ZERO, TP_OWN };
	unsigned int i;
	int rc = -1;

	for (i = 0; i < RTE_DIM(kinds); i++) {
		memset(name, 'a' + i, sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		if (kinds[i] == TP_ZERO)
			mp = rte_pktmbuf_pool_create_by_ops(name, 64, 0, 0, 2048, SOCKET_ID_ANY,
							    ZC_POOL_OPS_NAME);
		else
			mp = zc_pktmbuf_pool_create(name, 64, 0, 0, 2048, NULL, SOCKET_ID_ANY);
		ZC_ASSERT_GOTO(mp != NULL, free_pool, "%s pool named with %zu characters: %s",
			       tp_kind_names[kinds[i]], strlen(name), rte_strerror(rte_errno));
		ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == 64, free_pool, "avail");
		rte_mempool_free(mp);
		mp = NULL;
	}
	rc = 0;
free_pool:
	rte_mempool_free(mp);
	return rc;
}

/*
 * The area of a zero-config pool is all in use by that pool's objects: another
 * pool carved from it must not get buffers on top of them (refusing with ENOSPC
 * is fine).
 */
static int
test_configured_over_zero_config_area(void)
{
	static struct rte_mbuf *zm[N], *pm[16];
	struct zc_pool_geometry geo;
	struct rte_mempool *p = NULL;
	struct test_pool tz;
	size_t obj_len;
	unsigned int i, j;
	int rc = -1;

	ZC_ASSERT_GOTO(tp_create(&tz, TP_ZERO, "oz_zero", N, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pools, "create");
	ZC_ASSERT_GOTO(zc_pool_geometry_get(tz.mp, &geo) == 0, free_pools, "geometry");
	obj_len = tz.mp->header_size + tz.mp->elt_size + tz.mp->trailer_size;
	rte_errno = 0;
	p = zc_pktmbuf_pool_create("oz_pinned", 16, 0, 0, 2048, geo.area, SOCKET_ID_ANY);
	if (p == NULL) {
		ZC_ASSERT_GOTO(rte_errno == ENOSPC, free_pools, "refused with errno %d", rte_errno);
		rc = 0;
		goto free_pools;
	}
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(tz.mp, zm, N) == 0, free_pools,
		       "alloc zero-config mbufs");
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(p, pm, 16) == 0, free_pools, "alloc pinned mbufs");
	for (i = 0; i < 16; i++) {
		char *b = pm[i]->buf_addr, *e = b + pm[i]->buf_len;

		for (j = 0; j < N; j++) {
			char *o = (char *)zm[j] - tz.mp->header_size;

			ZC_ASSERT_GOTO(e <= o || o + obj_len <= b, free_pools,
				       "pinned buffer %p+%u lies on zero-config mbuf %p", (void *)b,
				       pm[i]->buf_len, (void *)zm[j]);
		}
	}
	rte_pktmbuf_free_bulk(pm, 16);
	rte_pktmbuf_free_bulk(zm, N);
	rc = 0;
free_pools:
	rte_mempool_free(p);
	tp_free(&tz);
	return rc;
}

/* --- Counters. --- */

static int
stats_delta(struct rte_mempool *mp, struct zc_pool_stats *prev, struct zc_pool_stats *d)
{
	struct zc_pool_stats now;

	if (zc_pool_stats_get(mp, &now) != 0)
		return -1;
	d->alloc_fast = now.alloc_fast - prev->alloc_fast;
	d->alloc_slow = now.alloc_slow - prev->alloc_slow;
	d->alloc_refill = now.alloc_refill - prev->alloc_refill;
	d->alloc_empty = now.alloc_empty - prev->alloc_empty;
	d->recycle_cached = now.recycle_cached - prev->recycle_cached;
	d->recycle_cache_full = now.recycle_cache_full - prev->recycle_cache_full;
	d->recycle_ring = now.recycle_ring - prev->recycle_ring;
	d->inflight = now.inflight;
	*prev = now;
	return 0;
}

static int
stats_script(enum tp_kind kind)
{
	static void *objs[N];
	struct zc_pool_stats s, d;
	struct test_pool tp;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i;
	int rc = -1;

	snprintf(name, sizeof(name), "st%d", kind);
	/* No mempool cache: every get and put reaches zcpool. */
	ZC_ASSERT_GOTO(tp_create(&tp, kind, name, N, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pool, "create");
	ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, NULL) == -EINVAL, free_pool, "stats_get(mp, NULL)");
	ZC_ASSERT_GOTO(zc_pool_stats_reset(tp.mp) == 0, free_pool, "reset");
	ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0, free_pool, "get");
	ZC_ASSERT_GOTO(s.alloc_fast == 0 && s.alloc_slow == 0 && s.alloc_refill == 0 &&
		       s.alloc_empty == 0 && s.recycle_cached == 0 && s.recycle_cache_full == 0 &&
		       s.recycle_ring == 0 && s.inflight == 0, free_pool, "not zero after reset");

	/* One get: one object served, from the lcore cache (filled from the ring). */
	ZC_ASSERT_GOTO(rte_mempool_get(tp.mp, &objs[0]) == 0, free_pool, "get 1");
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_fast + d.alloc_slow == 1, free_pool,
		       "fast %" PRIu64 " slow %" PRIu64, d.alloc_fast, d.alloc_slow);
	ZC_ASSERT_GOTO(d.alloc_fast == 1, free_pool,
		       "a single get from an EAL lcore is served by its cache");
	ZC_ASSERT_GOTO(d.alloc_refill >= 1, free_pool, "the cache was refilled: %" PRIu64,
		       d.alloc_refill);
	ZC_ASSERT_GOTO(d.alloc_empty == 0 && d.inflight == 1, free_pool,
		       "empty %" PRIu64 " inflight %" PRIu64, d.alloc_empty, d.inflight);
	/* One put: into the cache, nothing flushed. */
	rte_mempool_put(tp.mp, objs[0]);
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.recycle_cached == 1 && d.recycle_ring == 0 && d.recycle_cache_full == 0,
		       free_pool, "cached %" PRIu64 " ring %" PRIu64 " full %" PRIu64,
		       d.recycle_cached, d.recycle_ring, d.recycle_cache_full);
	ZC_ASSERT_GOTO(d.alloc_fast + d.alloc_slow + d.alloc_refill + d.alloc_empty == 0, free_pool,
		       "a put counted as an alloc");
	ZC_ASSERT_GOTO(d.inflight == 0, free_pool, "inflight %" PRIu64, d.inflight);

	/* Everything at once: more than any lcore cache holds, so from the ring (and
	 * the caches); then failed gets count once per call. */
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, objs, N) == 0, free_pool, "get all");
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_slow == N && d.alloc_fast == 0, free_pool,
		       "fast %" PRIu64 " slow %" PRIu64, d.alloc_fast, d.alloc_slow);
	ZC_ASSERT_GOTO(d.alloc_empty == 0 && d.inflight == N, free_pool,
		       "empty %" PRIu64 " inflight %" PRIu64, d.alloc_empty, d.inflight);
	ZC_ASSERT_GOTO(rte_mempool_get(tp.mp, &objs[0]) < 0, free_pool, "get from empty");
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_empty == 1, free_pool, "alloc_empty +%" PRIu64 " on one failed get",
		       d.alloc_empty);
	ZC_ASSERT_GOTO(d.alloc_fast + d.alloc_slow == 0, free_pool, "failed get served objects");
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, &objs[0], 7) < 0, free_pool,
		       "bulk get from empty");
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_empty == 1, free_pool,
		       "alloc_empty +%" PRIu64 " on a failed bulk of 7", d.alloc_empty);
	ZC_ASSERT_GOTO(d.inflight == N, free_pool, "inflight %" PRIu64, d.inflight);

	/* Hold some, and check the failed get of more than what is left. */
	rte_mempool_put_bulk(tp.mp, objs, 10);
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.inflight == N - 10, free_pool, "inflight %" PRIu64, d.inflight);
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, objs, 11) < 0, free_pool, "get 11 of 10");
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_empty == 1 && d.alloc_fast + d.alloc_slow == 0 &&
		       d.inflight == N - 10, free_pool,
		       "empty %" PRIu64 " served %" PRIu64 " inflight %" PRIu64, d.alloc_empty,
		       d.alloc_fast + d.alloc_slow, d.inflight);
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, objs, 10) == 0, free_pool, "get 10 of 10");
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_fast + d.alloc_slow == 10 && d.alloc_empty == 0 && d.inflight == N,
		       free_pool, "served %" PRIu64 " inflight %" PRIu64,
		       d.alloc_fast + d.alloc_slow, d.inflight);

	/* Everything back in one bulk: too many for a cache, straight to the ring. */
	rte_mempool_put_bulk(tp.mp, objs, N);
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.recycle_ring == N && d.recycle_cached == 0 && d.recycle_cache_full == 0,
		       free_pool, "cached %" PRIu64 " ring %" PRIu64 " full %" PRIu64,
		       d.recycle_cached, d.recycle_ring, d.recycle_cache_full);
	ZC_ASSERT_GOTO(d.inflight == 0, free_pool, "inflight %" PRIu64, d.inflight);

	/* 300 single gets: all from the cache, which refills from the ring. */
	for (i = 0; i < 300; i++)
		ZC_ASSERT_GOTO(rte_mempool_get(tp.mp, &objs[i]) == 0, free_pool, "get %u", i);
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.alloc_fast == 300 && d.alloc_slow == 0, free_pool,
		       "fast %" PRIu64 " slow %" PRIu64, d.alloc_fast, d.alloc_slow);
	ZC_ASSERT_GOTO(d.alloc_refill >= 300 - 128 && d.alloc_refill <= N, free_pool,
		       "refill %" PRIu64, d.alloc_refill);
	ZC_ASSERT_GOTO(d.inflight == 300, free_pool, "inflight %" PRIu64, d.inflight);
	/* 300 single puts: all into the cache, which overflows (at most 128) at least twice. */
	for (i = 0; i < 300; i++)
		rte_mempool_put(tp.mp, objs[i]);
	ZC_ASSERT_GOTO(stats_delta(tp.mp, &s, &d) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(d.recycle_cached == 300, free_pool, "cached %" PRIu64, d.recycle_cached);
	ZC_ASSERT_GOTO(d.recycle_cache_full >= 2, free_pool, "cache_full %" PRIu64,
		       d.recycle_cache_full);
	ZC_ASSERT_GOTO(d.recycle_ring >= d.recycle_cache_full && d.recycle_ring <= 300 + 128,
		       free_pool, "flushed %" PRIu64 " objects in %" PRIu64 " flushes",
		       d.recycle_ring, d.recycle_cache_full);
	ZC_ASSERT_GOTO(d.inflight == 0 && rte_mempool_avail_count(tp.mp) == N, free_pool,
		       "inflight %" PRIu64, d.inflight);

	/* Reset zeroes the counters; inflight stays what it is. */
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(tp.mp, objs, 5) == 0, free_pool, "hold 5");
	ZC_ASSERT_GOTO(zc_pool_stats_reset(tp.mp) == 0, free_pool, "reset");
	ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0, free_pool, "get");
	ZC_ASSERT_GOTO(s.alloc_fast == 0 && s.alloc_slow == 0 && s.alloc_refill == 0 &&
		       s.alloc_empty == 0 && s.recycle_cached == 0 && s.recycle_cache_full == 0 &&
		       s.recycle_ring == 0, free_pool, "not zero after reset");
	ZC_ASSERT_GOTO(s.inflight == 5, free_pool, "inflight %" PRIu64 " after reset", s.inflight);
	rte_mempool_put_bulk(tp.mp, objs, 5);
	rc = 0;
free_pool:
	tp_free(&tp);
	return rc;
}

static int test_stats_zero(void) { return stats_script(TP_ZERO); }
static int test_stats_user(void) { return stats_script(TP_USER); }

/* With a mempool cache in front, inflight still counts exactly what is held. */
static int
test_stats_with_mempool_cache(void)
{
	static struct rte_mbuf *m[N];
	struct zc_pool_stats s;
	struct test_pool tp;
	unsigned int held;
	int rc = -1;

	ZC_ASSERT_GOTO(tp_create(&tp, TP_OWN, "stc", N, 32, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pool, "create");
	for (held = 0; held < N; held += 37) {
		ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(tp.mp, m, held) == 0, free_pool, "alloc %u",
			       held);
		ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0, free_pool, "stats");
		ZC_ASSERT_GOTO(s.inflight == held, free_pool, "inflight %" PRIu64 " with %u held",
			       s.inflight, held);
		rte_pktmbuf_free_bulk(m, held);
		ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0 && s.inflight == 0, free_pool,
			       "inflight %" PRIu64 " with nothing held", s.inflight);
	}
	ZC_ASSERT_GOTO(zc_pool_stats_reset(tp.mp) == 0 && zc_pool_stats_get(tp.mp, &s) == 0,
		       free_pool, "reset");
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(tp.mp, m, N) == 0, free_pool, "alloc all");
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc(tp.mp) == NULL, free_pool, "alloc past the end");
	ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0, free_pool, "stats");
	ZC_ASSERT_GOTO(s.alloc_empty >= 1, free_pool, "failed alloc not counted");
	ZC_ASSERT_GOTO(s.inflight == N, free_pool, "inflight %" PRIu64, s.inflight);
	rte_pktmbuf_free_bulk(m, N);
	rc = 0;
free_pool:
	tp_free(&tp);
	return rc;
}

struct thread_arg {
	struct rte_mempool *mp;
	unsigned int lcore;
	uint64_t got, put;
	int failed_get;
	int ret;
	void *held[16];
};

static void *
non_eal_thread(void *p)
{
	static void *objs[N + 1];
	struct thread_arg *t = p;
	unsigned int i, k;

	t->lcore = rte_lcore_id();
	for (i = 0; i < 2000; i++) {
		k = 1 + i % 64;
		if (rte_mempool_get_bulk(t->mp, objs, k) != 0) {
			t->ret = -1;
			return NULL;
		}
		t->got += k;
		rte_mempool_put_bulk(t->mp, objs, k);
		t->put += k;
	}
	t->failed_get = rte_mempool_get_bulk(t->mp, objs, N + 1) != 0 ? 0 : -1;
	if (rte_mempool_get_bulk(t->mp, t->held, RTE_DIM(t->held)) != 0)
		t->ret = -1;
	else
		t->got += RTE_DIM(t->held);
	return NULL;
}

static int
test_stats_non_eal(void)
{
	struct zc_pool_stats s;
	struct thread_arg t;
	struct test_pool tp;
	pthread_t th;
	int rc = -1;

	ZC_ASSERT_GOTO(tp_create(&tp, TP_ZERO, "stne", N, 32, RTE_MBUF_DEFAULT_BUF_SIZE, 0) == 0,
		       free_pool, "create");
	memset(&t, 0, sizeof(t));
	t.mp = tp.mp;
	ZC_ASSERT_GOTO(zc_pool_stats_reset(tp.mp) == 0, free_pool, "reset");
	ZC_ASSERT_GOTO(pthread_create(&th, NULL, non_eal_thread, &t) == 0, free_pool,
		       "pthread_create");
	pthread_join(th, NULL);
	ZC_ASSERT_GOTO(t.lcore == LCORE_ID_ANY, free_pool, "thread lcore %u", t.lcore);
	ZC_ASSERT_GOTO(t.ret == 0, free_pool, "a get failed in the non-EAL thread");
	ZC_ASSERT_GOTO(t.failed_get == 0, free_pool, "a get of more than the pool succeeded");
	ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0, free_pool, "stats");
	/* No cache for non-EAL threads: everything through the ring. */
	ZC_ASSERT_GOTO(s.alloc_slow == t.got && s.alloc_fast == 0 && s.alloc_refill == 0, free_pool,
		       "slow %" PRIu64 " fast %" PRIu64 " refill %" PRIu64 ", got %" PRIu64,
		       s.alloc_slow, s.alloc_fast, s.alloc_refill, t.got);
	ZC_ASSERT_GOTO(s.recycle_ring == t.put && s.recycle_cached == 0 &&
		       s.recycle_cache_full == 0, free_pool,
		       "ring %" PRIu64 " cached %" PRIu64 ", put %" PRIu64, s.recycle_ring,
		       s.recycle_cached, t.put);
	ZC_ASSERT_GOTO(s.alloc_empty == 1, free_pool, "alloc_empty %" PRIu64, s.alloc_empty);
	ZC_ASSERT_GOTO(s.inflight == RTE_DIM(t.held), free_pool, "inflight %" PRIu64, s.inflight);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N - RTE_DIM(t.held), free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	rte_mempool_put_bulk(tp.mp, t.held, RTE_DIM(t.held));
	ZC_ASSERT_GOTO(rte_mempool_avail_count(tp.mp) == N, free_pool, "avail %u",
		       rte_mempool_avail_count(tp.mp));
	ZC_ASSERT_GOTO(zc_pool_stats_get(tp.mp, &s) == 0 && s.inflight == 0, free_pool, "inflight");
	rc = 0;
free_pool:
	tp_free(&tp);
	return rc;
}

ZC_TEST_MAIN(
	{ "contract_zero_c0", test_contract_TP_ZERO_c0 },
	{ "contract_zero_c32", test_contract_TP_ZERO_c32 },
	{ "contract_own_c0", test_contract_TP_OWN_c0 },
	{ "contract_own_c32", test_contract_TP_OWN_c32 },
	{ "contract_hugepage_c0", test_contract_TP_HUGEPAGE_c0 },
	{ "contract_hugepage_c32", test_contract_TP_HUGEPAGE_c32 },
	{ "contract_user_c0", test_contract_TP_USER_c0 },
	{ "contract_user_c32", test_contract_TP_USER_c32 },
	{ "failed_dequeue_zero", test_failed_dequeue_zero },
	{ "failed_dequeue_user", test_failed_dequeue_user },
	{ "mbufs_zero", test_mbufs_zero },
	{ "mbufs_own", test_mbufs_own },
	{ "mbufs_hugepage", test_mbufs_hugepage },
	{ "mbufs_user", test_mbufs_user },
	{ "clones_zero", test_clones_zero },
	{ "clones_own", test_clones_own },
	{ "clones_user", test_clones_user },
	{ "non_zcpool", test_non_zcpool },
	{ "create_errors", test_create_errors },
	{ "max_pool_name", test_max_pool_name },
	{ "configured_over_zero_config_area", test_configured_over_zero_config_area },
	{ "stats_zero", test_stats_zero },
	{ "stats_user", test_stats_user },
	{ "stats_with_mempool_cache", test_stats_with_mempool_cache },
	{ "stats_non_eal", test_stats_non_eal },
)

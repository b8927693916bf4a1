/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Buffer naming: index <-> mbuf <-> 64-bit area offset, for every buffer of
 * pools of every flavour, size and data room; bijective, and anything that does
 * not name a buffer start of the pool is refused.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <zc_area.h>
#include <zc_pool.h>

#include "zc_test.h"
#include "zc_test_pool.h"

static int
check_pool(struct test_pool *tp)
{
	struct rte_mempool *mp = tp->mp;
	struct zc_pool_geometry geo;
	struct zc_area_info ai;
	struct rte_mbuf **m = NULL;
	uint8_t *seen = NULL;
	uint16_t id;
	unsigned int i, used = 0, holes = 0;
	int64_t idx;
	uint64_t off, bytes;
	int ret = -1;

	ZC_ASSERT(zc_pool_geometry_get(mp, &geo) == 0, "geometry");
	ZC_ASSERT(zc_pool_geometry_get(mp, NULL) == -EINVAL, "geometry NULL");
	ZC_ASSERT(geo.area != NULL && zc_area_info_get(geo.area, &ai) == 0, "area");
	id = zc_area_id(geo.area);
	ZC_ASSERT(id != 0 && area_with_id(id) == geo.area, "area id %u", id);
	if (tp->area != NULL)
		ZC_ASSERT(geo.area == tp->area, "pool names another area");
	ZC_ASSERT(geo.nb_bufs == tp->n && geo.nb_bufs == mp->size, "nb_bufs %u", geo.nb_bufs);
	ZC_ASSERT(geo.nb_slots >= geo.nb_bufs, "nb_slots %u < nb_bufs %u", geo.nb_slots,
		  geo.nb_bufs);
	ZC_ASSERT(geo.stride >= geo.buf_len, "stride %u < buf_len %u", geo.stride, geo.buf_len);
	ZC_ASSERT(geo.buf_len == tp->data_room, "buf_len %u, data room %u", geo.buf_len,
		  tp->data_room);
	ZC_ASSERT(geo.pinned == tp_configured(tp), "pinned %d", geo.pinned);
	ZC_ASSERT(geo.base_off + (uint64_t)(geo.nb_slots - 1) * geo.stride + geo.buf_len <= ai.len,
		  "slots run past the area: base %" PRIu64 " %u x %u, area %zu", geo.base_off,
		  geo.nb_slots, geo.stride, ai.len);
	if (tp->kind == TP_USER_HOLES)
		ZC_ASSERT(geo.nb_slots > geo.nb_bufs, "IOVA breaks but no holes: %u slots",
			  geo.nb_slots);

	m = calloc(tp->n, sizeof(*m));
	seen = calloc(geo.nb_slots, 1);
	if (m == NULL || seen == NULL)
		goto out;
	/* Hold every mbuf, so that each is seen exactly once. */
	if (rte_mempool_get_bulk(mp, (void **)m, tp->n) != 0) {
		printf("FAIL: cannot get all %u mbufs\n", tp->n);
		goto out;
	}
	for (i = 0; i < tp->n; i++) {
		idx = zc_pool_mbuf_index(m[i]);
		if (idx < 0 || idx >= geo.nb_slots) {
			printf("FAIL: mbuf %u: index %" PRId64 " of %u slots\n", i, idx, geo.nb_slots);
			goto put;
		}
		if (seen[idx]++) {
			printf("FAIL: index %" PRId64 " names two mbufs\n", idx);
			goto put;
		}
		off = zc_pool_mbuf_area_off(m[i]);
		bytes = zc_area_off_bytes(off);
		if (zc_area_off_id(off) != id || bytes != geo.base_off + (uint64_t)idx * geo.stride ||
		    (char *)ai.addr + bytes != (char *)m[i]->buf_addr ||
		    zc_pool_index_mbuf(mp, idx) != m[i] || zc_pool_area_off_index(mp, off) != idx ||
		    zc_pool_index_area_off(mp, idx) != off) {
			printf("FAIL: mbuf %u (%p): index %" PRId64 ", area offset %#" PRIx64
			       " (buf %p, area %p): index_mbuf %p area_off_index %" PRId64
			       " index_area_off %#" PRIx64 "\n", i, (void *)m[i], idx, off,
			       m[i]->buf_addr, ai.addr, (void *)zc_pool_index_mbuf(mp, idx),
			       zc_pool_area_off_index(mp, off), zc_pool_index_area_off(mp, idx));
			goto put;
		}
		/* Neighbouring offsets are no buffer start. */
		if (zc_pool_area_off_index(mp, off + 1) != -EINVAL ||
		    zc_pool_area_off_index(mp, off - 1) != -EINVAL ||
		    zc_pool_area_off_index(mp, off + geo.stride / 2) != -EINVAL ||
		    zc_pool_area_off_index(mp, off + geo.buf_len - 1) != -EINVAL) {
			printf("FAIL: an offset next to buffer %" PRId64 " was accepted\n", idx);
			goto put;
		}
		/* The same byte offset with another area id. */
		if (zc_pool_area_off_index(mp, zc_area_off_make(id + 1, bytes)) != -EINVAL ||
		    zc_pool_area_off_index(mp, zc_area_off_make(id - 1, bytes)) != -EINVAL ||
		    zc_pool_area_off_index(mp, zc_area_off_make(0, bytes)) != -EINVAL ||
		    zc_pool_area_off_index(mp, zc_area_off_make(UINT16_MAX, bytes)) != -EINVAL) {
			printf("FAIL: buffer %" PRId64 " found under a wrong area id\n", idx);
			goto put;
		}
		/* The IOVA of the buffer is the area's. */
		if (ai.nb_iova_runs != 0 &&
		    rte_mbuf_iova_get(m[i]) != zc_area_iova(geo.area, bytes, geo.buf_len)) {
			printf("FAIL: mbuf %u IOVA %#" PRIx64 ", area says %#" PRIx64 "\n", i,
			       rte_mbuf_iova_get(m[i]), zc_area_iova(geo.area, bytes, geo.buf_len));
			goto put;
		}
		if (ai.nb_iova_runs != 0 && zc_area_iova(geo.area, bytes, geo.buf_len) == RTE_BAD_IOVA) {
			printf("FAIL: buffer %" PRId64 " crosses an IOVA break\n", idx);
			goto put;
		}
	}
	/* Every slot is either one of the n buffers or a hole. */
	for (i = 0; i < geo.nb_slots; i++) {
		uint64_t ao = zc_area_off_make(id, geo.base_off + (uint64_t)i * geo.stride);

		if (seen[i]) {
			used++;
			continue;
		}
		holes++;
		if (zc_pool_index_mbuf(mp, i) != NULL || zc_pool_index_area_off(mp, i) != UINT64_MAX ||
		    zc_pool_area_off_index(mp, ao) != -EINVAL) {
			printf("FAIL: hole %u is named: mbuf %p area_off %#" PRIx64 " index %" PRId64 "\n",
			       i, (void *)zc_pool_index_mbuf(mp, i), zc_pool_index_area_off(mp, i),
			       zc_pool_area_off_index(mp, ao));
			goto put;
		}
	}
	if (used != tp->n) {
		printf("FAIL: %u slots used for %u buffers\n", used, tp->n);
		goto put;
	}
	/* Past the end, before the start, absurd values. */
	if (zc_pool_index_mbuf(mp, geo.nb_slots) != NULL ||
	    zc_pool_index_mbuf(mp, UINT32_MAX) != NULL ||
	    zc_pool_index_area_off(mp, geo.nb_slots) != UINT64_MAX ||
	    zc_pool_index_area_off(mp, UINT32_MAX) != UINT64_MAX ||
	    zc_pool_area_off_index(mp, zc_area_off_make(id, geo.base_off +
					(uint64_t)geo.nb_slots * geo.stride)) != -EINVAL ||
	    zc_pool_area_off_index(mp, zc_area_off_make(id, ai.len)) != -EINVAL ||
	    zc_pool_area_off_index(mp, zc_area_off_make(id, ZC_AREA_OFF_MASK)) != -EINVAL ||
	    zc_pool_area_off_index(mp, UINT64_MAX) != -EINVAL ||
	    (geo.base_off >= geo.stride &&
	     zc_pool_area_off_index(mp, zc_area_off_make(id, geo.base_off - geo.stride)) != -EINVAL) ||
	    (geo.base_off > 0 &&
	     zc_pool_area_off_index(mp, zc_area_off_make(id, geo.base_off - 1)) != -EINVAL) ||
	    (geo.base_off > 0 && zc_pool_area_off_index(mp, zc_area_off_make(id, 0)) != -EINVAL)) {
		printf("FAIL: an out-of-range index or offset was accepted\n");
		goto put;
	}
	printf("  %-16s n %-5u room %-5u: %u slots (%u holes), stride %u, base %" PRIu64
	       ", area %s id %u\n", tp_kind_names[tp->kind], tp->n, tp->data_room, geo.nb_slots,
	       holes, geo.stride, geo.base_off, ai.name, id);
	ret = 0;
put:
	rte_mempool_put_bulk(mp, (void **)m, tp->n);
	if (ret == 0 && rte_mempool_avail_count(mp) != tp->n) {
		printf("FAIL: avail %u after put\n", rte_mempool_avail_count(mp));
		ret = -1;
	}
out:
	free(m);
	free(seen);
	return ret;
}

static int
offsets(enum tp_kind kind)
{
	static const unsigned int sizes[] = { 1000, 4096 };
	static const uint16_t rooms[] = { RTE_MBUF_DEFAULT_BUF_SIZE, 9000 };
	struct test_pool tp;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int s, r;
	int ret;

	for (s = 0; s < RTE_DIM(sizes); s++) {
		for (r = 0; r < RTE_DIM(rooms); r++) {
			snprintf(name, sizeof(name), "off%d_%u_%u", kind, sizes[s], rooms[r]);
			ZC_ASSERT(tp_create(&tp, kind, name, sizes[s], 0, rooms[r], 0) == 0,
				  "create %s", name);
			ret = check_pool(&tp);
			tp_free(&tp);
			ZC_ASSERT(ret == 0, "pool %s", name);
		}
	}
	return 0;
}

static int test_offsets_zero(void) { return offsets(TP_ZERO); }
static int test_offsets_own(void) { return offsets(TP_OWN); }
static int test_offsets_hugepage(void) { return offsets(TP_HUGEPAGE); }
static int test_offsets_user(void) { return offsets(TP_USER); }
static int test_offsets_user_holes(void) { return offsets(TP_USER_HOLES); }

/* Two pools carved from one area: same area id, disjoint offsets, no cross-talk. */
static int
test_two_pools_one_area(void)
{
	const unsigned int n = 500;
	struct zc_pool_geometry g1, g2;
	struct rte_mempool *p1, *p2;
	struct rte_mbuf *m1, *m2;
	struct zc_area *a;
	struct zc_area_info ai;
	uint64_t o1, o2;
	uint16_t id;

	a = zc_area_create_hugepage("off_shared", 2 * n * 2048 + (4u << 20), SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "area: %s", rte_strerror(rte_errno));
	id = zc_area_id(a);
	p1 = zc_pktmbuf_pool_create("off_sh1", n, 0, 0, 2048, a, SOCKET_ID_ANY);
	p2 = zc_pktmbuf_pool_create("off_sh2", n, 0, 0, 2048, a, SOCKET_ID_ANY);
	ZC_ASSERT(p1 != NULL && p2 != NULL, "pools: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_pool_geometry_get(p1, &g1) == 0 && zc_pool_geometry_get(p2, &g2) == 0, "geo");
	ZC_ASSERT(g1.area == a && g2.area == a, "area");
	ZC_ASSERT(g1.base_off + (uint64_t)g1.nb_slots * g1.stride <= g2.base_off ||
		  g2.base_off + (uint64_t)g2.nb_slots * g2.stride <= g1.base_off,
		  "pools overlap in the area");
	ZC_ASSERT(zc_area_info_get(a, &ai) == 0 && ai.refcnt == 3, "refcnt %u", ai.refcnt);
	m1 = rte_pktmbuf_alloc(p1);
	m2 = rte_pktmbuf_alloc(p2);
	ZC_ASSERT(m1 != NULL && m2 != NULL, "alloc");
	o1 = zc_pool_mbuf_area_off(m1);
	o2 = zc_pool_mbuf_area_off(m2);
	ZC_ASSERT(zc_area_off_id(o1) == id && zc_area_off_id(o2) == id, "ids");
	ZC_ASSERT(o1 != o2, "same offset in two pools");
	ZC_ASSERT(zc_pool_area_off_index(p1, o1) >= 0 && zc_pool_area_off_index(p2, o2) >= 0,
		  "own offsets");
	ZC_ASSERT(zc_pool_area_off_index(p1, o2) == -EINVAL, "p1 accepted p2's buffer");
	ZC_ASSERT(zc_pool_area_off_index(p2, o1) == -EINVAL, "p2 accepted p1's buffer");
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
	rte_mempool_free(p1);
	rte_mempool_free(p2);
	ZC_ASSERT(zc_area_info_get(a, &ai) == 0 && ai.refcnt == 1 && ai.carved == 0,
		  "refcnt %u carved %zu", ai.refcnt, ai.carved);
	zc_area_put(a);
	return 0;
}

/* A plain mempool (objects, not mbufs) on zcpool: each whole object is a buffer. */
static int
test_raw_objects(void)
{
	const unsigned int n = 777, elt = 300;
	struct zc_pool_geometry geo;
	struct zc_area_info ai;
	struct rte_mempool *mp;
	static void *objs[777];
	unsigned int i;

	mp = rte_mempool_create_empty("off_raw", n, elt, 0, 0, SOCKET_ID_ANY, 0);
	ZC_ASSERT(mp != NULL, "create_empty: %s", rte_strerror(rte_errno));
	ZC_ASSERT(rte_mempool_set_ops_byname(mp, ZC_POOL_OPS_NAME, NULL) == 0, "set_ops");
	ZC_ASSERT(rte_mempool_populate_default(mp) == (int)n, "populate");
	ZC_ASSERT(zc_pool_is_zcpool(mp), "is_zcpool");
	ZC_ASSERT(rte_mempool_avail_count(mp) == n, "avail %u", rte_mempool_avail_count(mp));
	ZC_ASSERT(zc_pool_geometry_get(mp, &geo) == 0, "geometry");
	ZC_ASSERT(zc_area_info_get(geo.area, &ai) == 0, "area");
	ZC_ASSERT(!geo.pinned && geo.nb_bufs == n && geo.nb_slots >= n, "geometry");
	ZC_ASSERT(geo.buf_len == mp->elt_size && geo.stride >= geo.buf_len, "buf_len %u stride %u",
		  geo.buf_len, geo.stride);
	ZC_ASSERT(rte_mempool_get_bulk(mp, objs, n) == 0, "get all");
	ZC_ASSERT(tp_distinct(objs, n), "an object was handed out twice");
	for (i = 0; i < n; i++) {
		uint64_t bytes = (uint64_t)((char *)objs[i] - (char *)ai.addr);
		uint64_t ao = zc_area_off_make(zc_area_id(geo.area), bytes);
		int64_t idx = zc_pool_area_off_index(mp, ao);

		ZC_ASSERT(idx >= 0 && idx < geo.nb_slots, "object %u: offset %" PRIu64 " index %" PRId64,
			  i, bytes, idx);
		ZC_ASSERT((void *)zc_pool_index_mbuf(mp, idx) == objs[i], "index_mbuf %" PRId64, idx);
		ZC_ASSERT(zc_pool_index_area_off(mp, idx) == ao, "index_area_off %" PRId64, idx);
		ZC_ASSERT(zc_pool_area_off_index(mp, ao + 1) == -EINVAL, "offset + 1");
		memset(objs[i], 0x44, elt);
	}
	rte_mempool_put_bulk(mp, objs, n);
	ZC_ASSERT(rte_mempool_avail_count(mp) == n, "avail %u", rte_mempool_avail_count(mp));
	rte_mempool_free(mp);
	return 0;
}

ZC_TEST_MAIN(
	{ "offsets_zero_config", test_offsets_zero },
	{ "offsets_own_area", test_offsets_own },
	{ "offsets_hugepage_area", test_offsets_hugepage },
	{ "offsets_user_area", test_offsets_user },
	{ "offsets_user_area_holes", test_offsets_user_holes },
	{ "two_pools_one_area", test_two_pools_one_area },
	{ "raw_objects", test_raw_objects },
)

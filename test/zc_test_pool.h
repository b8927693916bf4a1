/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_TEST_POOL_H
#define ZC_TEST_POOL_H

/*
 * Pools of every flavour for the pool tests:
 * - ZERO: rte_pktmbuf_pool_create_by_ops(..., "zcpool"), no configuration;
 * - OWN: zc_pktmbuf_pool_create() with area NULL (the pool creates its area);
 * - HUGEPAGE: zc_pktmbuf_pool_create() over an explicit hugepage area;
 * - USER: zc_pktmbuf_pool_create() over a user area (anonymous memory);
 * - USER_HOLES: as USER, with an IOVA table that breaks every 64 KiB, so that
 *   buffers that would straddle a break become holes.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <zc_area.h>
#include <zc_pool.h>

enum tp_kind { TP_ZERO, TP_OWN, TP_HUGEPAGE, TP_USER, TP_USER_HOLES, TP_NB_KINDS };

static const char *const tp_kind_names[TP_NB_KINDS] = {
	"zero-config", "own-area", "hugepage-area", "user-area", "user-area-holes",
};

#define TP_HOLE_RUN (64 * 1024) /* USER_HOLES: IOVA breaks every 64 KiB */

struct test_pool {
	enum tp_kind kind;
	struct rte_mempool *mp;
	struct zc_area *area;   /* explicit area (HUGEPAGE, USER*), creator's reference */
	void *mem;              /* USER*: the mapping */
	size_t mem_len;
	unsigned int n;
	uint16_t data_room;
	uint16_t priv_size;
};

static inline bool
tp_configured(const struct test_pool *tp)
{
	return tp->kind != TP_ZERO;
}

static inline struct zc_area *
tp_user_area(const char *name, size_t len, bool holes, void **mem_out)
{
	size_t pg = sysconf(_SC_PAGESIZE), i, nb;
	struct zc_area_user_params p;
	struct zc_area *a;
	rte_iova_t *t = NULL;
	void *mem;

	len = RTE_ALIGN_CEIL(len, TP_HOLE_RUN);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	nb = len / pg;
	if (holes) {
		t = malloc(nb * sizeof(*t));
		if (t == NULL) {
			munmap(mem, len);
			return NULL;
		}
		/* Contiguous within each 64 KiB run, a 1 GiB jump between runs. */
		for (i = 0; i < nb; i++)
			t[i] = UINT64_C(0x10000000000) + (i * pg / TP_HOLE_RUN) * (UINT64_C(1) << 30) +
			       (i * pg) % TP_HOLE_RUN;
	}
	p = (struct zc_area_user_params){
		.addr = mem, .len = len, .page_sz = pg, .iova = t, .socket_id = SOCKET_ID_ANY,
	};
	a = zc_area_create_user(name, &p);
	free(t);
	if (a == NULL) {
		int err = rte_errno;

		munmap(mem, len);
		rte_errno = err;
		return NULL;
	}
	*mem_out = mem;
	return a;
}

/* 0, or -1 with a message printed. */
static inline int
tp_create(struct test_pool *tp, enum tp_kind kind, const char *name, unsigned int n,
	  unsigned int cache, uint16_t data_room, uint16_t priv_size)
{
	char area_name[ZC_AREA_NAMESIZE];
	size_t stride = RTE_ALIGN_CEIL(data_room, RTE_CACHE_LINE_SIZE);

	memset(tp, 0, sizeof(*tp));
	tp->kind = kind;
	tp->n = n;
	tp->data_room = data_room;
	tp->priv_size = priv_size;
	snprintf(area_name, sizeof(area_name), "a_%s", name);
	switch (kind) {
	case TP_ZERO:
		tp->mp = rte_pktmbuf_pool_create_by_ops(name, n, cache, priv_size, data_room,
							SOCKET_ID_ANY, ZC_POOL_OPS_NAME);
		break;
	case TP_OWN:
		tp->mp = zc_pktmbuf_pool_create(name, n, cache, priv_size, data_room, NULL,
						SOCKET_ID_ANY);
		break;
	case TP_HUGEPAGE:
		/* Room for a hole per 2 MiB page should the memory not be IOVA-contiguous. */
		tp->area = zc_area_create_hugepage(area_name, (size_t)n * stride +
						   ((size_t)n * stride / (2u << 20) + 2) * stride,
						   SOCKET_ID_ANY);
		break;
	case TP_USER:
		tp->mem_len = RTE_ALIGN_CEIL((size_t)n * stride + 4096, TP_HOLE_RUN);
		tp->area = tp_user_area(area_name, tp->mem_len, false, &tp->mem);
		break;
	case TP_USER_HOLES:
		tp->mem_len = RTE_ALIGN_CEIL((size_t)n * stride * 3 / 2 + 2 * TP_HOLE_RUN,
					     TP_HOLE_RUN);
		tp->area = tp_user_area(area_name, tp->mem_len, true, &tp->mem);
		break;
	default:
		return -1;
	}
	if (kind >= TP_HUGEPAGE) {
		if (tp->area == NULL) {
			printf("  %s: cannot create area %s: %s\n", tp_kind_names[kind], area_name,
			       rte_strerror(rte_errno));
			return -1;
		}
		tp->mp = zc_pktmbuf_pool_create(name, n, cache, priv_size, data_room, tp->area,
						SOCKET_ID_ANY);
	}
	if (tp->mp == NULL) {
		printf("  %s: cannot create pool %s: %s\n", tp_kind_names[kind], name,
		       rte_strerror(rte_errno));
		zc_area_put(tp->area);
		if (tp->mem != NULL)
			munmap(tp->mem, tp->mem_len);
		tp->area = NULL;
		tp->mem = NULL;
		return -1;
	}
	return 0;
}

/*
 * The area an id (a name) names now, or NULL. The lookup's reference is dropped
 * at once: compare the answer with NULL or with an area the caller holds, never
 * use it.
 */
static inline const struct zc_area *
area_with_id(uint16_t id)
{
	struct zc_area *a = zc_area_get_by_id(id);

	zc_area_put(a);
	return a;
}

static inline const struct zc_area *
area_named(const char *name)
{
	struct zc_area *a = zc_area_get_by_name(name);

	zc_area_put(a);
	return a;
}

/* Free the pool (everything must be back), then the area and the memory. */
static inline void
tp_free(struct test_pool *tp)
{
	rte_mempool_free(tp->mp);
	tp->mp = NULL;
	if (tp->area != NULL) {
		uint16_t id = zc_area_id(tp->area);

		zc_area_put(tp->area);
		tp->area = NULL;
		/* The mapping may go only once nothing holds the area. */
		if (tp->mem != NULL && area_with_id(id) == NULL)
			munmap(tp->mem, tp->mem_len);
		else if (tp->mem != NULL)
			printf("  area still referenced after the pool was freed: mapping kept\n");
	}
	tp->mem = NULL;
}

static int
tp_cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether n pointers are pairwise distinct (sorts a copy). */
static inline bool
tp_distinct(void *const *objs, unsigned int n)
{
	void **s = malloc(n * sizeof(*s));
	bool ok = true;
	unsigned int i;

	if (s == NULL)
		return false;
	memcpy(s, objs, n * sizeof(*s));
	qsort(s, n, sizeof(*s), tp_cmp_ptr);
	for (i = 1; i < n; i++)
		ok &= s[i] != s[i - 1];
	free(s);
	return ok;
}

static int
tp_count_area(const struct zc_area *area, void *arg)
{
	RTE_SET_USED(area);
	(*(unsigned int *)arg)++;
	return 0;
}

/* Number of areas that exist. */
static inline unsigned int
nb_areas(void)
{
	unsigned int n = 0;

	zc_area_walk(tp_count_area, &n);
	return n;
}

#endif /* ZC_TEST_POOL_H */

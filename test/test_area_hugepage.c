/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Hugepage areas and the provider-independent area machinery: registry (ids,
 * names, lookups, walk), references, IOVA queries, carving, offset helpers.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include <zc_area.h>

#include "zc_test.h"
#include "zc_test_pool.h"

#define MB (UINT64_C(1) << 20)

static size_t
expected_page_sz(void)
{
	return zc_test_huge ? RTE_PGSIZE_2M : (size_t)sysconf(_SC_PAGESIZE);
}

/* Must run first: no area exists yet, so the first id handed out is 1. */
static int
test_first_id_is_one(void)
{
	struct zc_area *a, *b;

	ZC_ASSERT(nb_areas() == 0, "areas exist before the first test: %u", nb_areas());
	a = zc_area_create_hugepage("first", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_id(a) == 1, "first id %u", zc_area_id(a));
	b = zc_area_create_hugepage("second", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(b != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_id(b) != 0 && zc_area_id(b) != zc_area_id(a), "second id %u",
		  zc_area_id(b));
	rte_errno = 0;
	ZC_ASSERT(zc_area_get_by_id(0) == NULL && rte_errno == ENOENT,
		  "id 0 must never name an area");
	zc_area_put(a);
	zc_area_put(b);
	ZC_ASSERT(nb_areas() == 0, "%u areas left", nb_areas());
	return 0;
}

static int
test_create_info_lookup(void)
{
	const size_t req = 3 * MB + 5;
	unsigned int mz_before = zc_test_nb_memzones();
	struct zc_area_info info;
	struct zc_area *a, *b;
	size_t pg;

	a = zc_area_create_hugepage("hp_info", req, (int)rte_socket_id());
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_test_nb_memzones() == mz_before + 1, "memzones %u -> %u", mz_before, zc_test_nb_memzones());
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info_get");
	ZC_ASSERT(strcmp(info.name, "hp_info") == 0, "name %s", info.name);
	ZC_ASSERT(info.provider != NULL && strcmp(info.provider, "hugepage") == 0,
		  "provider %s", info.provider ? info.provider : "(null)");
	ZC_ASSERT(info.readable, "hugepage area must be readable");
	ZC_ASSERT(zc_area_readable(a), "zc_area_readable");
	pg = expected_page_sz();
	ZC_ASSERT(info.page_sz == pg, "page_sz %zu, expected %zu", info.page_sz, pg);
	ZC_ASSERT(info.len == RTE_ALIGN_CEIL(req, pg), "len %zu for %zu bytes (page %zu)",
		  info.len, req, pg);
	ZC_ASSERT(info.socket_id == (int)rte_socket_id(), "socket %d, asked %u", info.socket_id,
		  rte_socket_id());
	ZC_ASSERT(info.addr != NULL && info.addr == zc_area_addr(a), "addr %p / %p", info.addr,
		  zc_area_addr(a));
	ZC_ASSERT(((uintptr_t)info.addr & (pg - 1)) == 0, "addr %p not page aligned", info.addr);
	ZC_ASSERT(info.id == zc_area_id(a) && info.id != 0, "id %u / %u", info.id, zc_area_id(a));
	ZC_ASSERT(info.refcnt == 1, "refcnt %u", info.refcnt);
	ZC_ASSERT(info.nb_devices == 0, "nb_devices %u", info.nb_devices);
	ZC_ASSERT(info.carved == 0, "carved %zu", info.carved);
	ZC_ASSERT(info.nb_iova_runs >= 1, "hugepage memory has an IOVA: %u runs",
		  info.nb_iova_runs);
	/* The memory is usable. */
	memset(info.addr, 0xa5, info.len);
	ZC_ASSERT(((volatile uint8_t *)info.addr)[info.len - 1] == 0xa5, "memory readback");

	/* Lookups return the area with a reference of their own. */
	b = zc_area_get_by_id(info.id);
	ZC_ASSERT(b == a, "lookup by id: %p", (void *)b);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 2, "refcnt %u", info.refcnt);
	zc_area_put(b);
	b = zc_area_get_by_name("hp_info");
	ZC_ASSERT(b == a, "lookup by name: %p", (void *)b);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 2, "refcnt %u", info.refcnt);
	zc_area_put(b);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 1, "refcnt %u", info.refcnt);
	rte_errno = 0;
	ZC_ASSERT(zc_area_get_by_name("hp_nope") == NULL && rte_errno == ENOENT,
		  "unknown name: %d", rte_errno);
	rte_errno = 0;
	ZC_ASSERT(zc_area_get_by_name(NULL) == NULL && rte_errno == ENOENT, "NULL name: %d",
		  rte_errno);
	rte_errno = 0;
	ZC_ASSERT(zc_area_get_by_id(ZC_AREA_MAX + 1) == NULL && rte_errno == ENOENT,
		  "id past ZC_AREA_MAX: %d", rte_errno);
	rte_errno = 0;
	ZC_ASSERT(zc_area_get_by_id(UINT16_MAX) == NULL && rte_errno == ENOENT, "id 65535: %d",
		  rte_errno);
	ZC_ASSERT(zc_area_info_get(NULL, &info) == -EINVAL, "info_get(NULL)");
	ZC_ASSERT(zc_area_info_get(a, NULL) == -EINVAL, "info_get(area, NULL)");

	zc_area_put(a);
	ZC_ASSERT(area_with_id(info.id) == NULL, "released area still found by id");
	ZC_ASSERT(area_named("hp_info") == NULL, "released area still found by name");
	ZC_ASSERT(zc_test_nb_memzones() == mz_before, "memzone not freed: %u -> %u", mz_before,
		  zc_test_nb_memzones());
	zc_area_put(NULL); /* accepted and ignored */
	return 0;
}

static int
test_socket_any(void)
{
	struct zc_area_info info;
	struct zc_area *a = zc_area_create_hugepage("hp_any", 1, SOCKET_ID_ANY);

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	ZC_ASSERT(info.len == expected_page_sz(), "1 byte rounds up to one page: %zu", info.len);
	ZC_ASSERT(info.socket_id >= 0 && (unsigned int)info.socket_id < RTE_MAX_NUMA_NODES,
		  "memory has a real socket: %d", info.socket_id);
	zc_area_put(a);
	return 0;
}

static int
test_iova(void)
{
	struct zc_area_info info;
	struct zc_area *a = zc_area_create_hugepage("hp_iova", 2 * MB, SOCKET_ID_ANY);
	rte_iova_t base, iova;
	uint64_t off;

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	printf("  IOVA mode %s, %u IOVA run(s) over %zu bytes\n",
	       rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA", info.nb_iova_runs, info.len);
	/* 2 MiB is one hugepage or reserved IOVA-contiguous: one run. */
	ZC_ASSERT(info.nb_iova_runs == 1, "%u runs", info.nb_iova_runs);
	base = zc_area_iova(a, 0, info.len);
	ZC_ASSERT(base != RTE_BAD_IOVA, "whole area has an IOVA");
	ZC_ASSERT(base == rte_mem_virt2iova(info.addr), "iova %#" PRIx64 " vs EAL %#" PRIx64,
		  base, rte_mem_virt2iova(info.addr));
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		ZC_ASSERT(base == (uintptr_t)info.addr, "IOVA-as-VA: iova %#" PRIx64 " va %p",
			  base, info.addr);
	for (off = 0; off < info.len; off += 4099) {
		iova = zc_area_iova(a, off, 1);
		ZC_ASSERT(iova == base + off, "off %" PRIu64 ": %#" PRIx64, off, iova);
	}
	ZC_ASSERT(zc_area_iova(a, info.len - 1, 1) == base + info.len - 1, "last byte");
	/* Out of range, straddling the end, zero length, absurd offsets. */
	ZC_ASSERT(zc_area_iova(a, info.len, 1) == RTE_BAD_IOVA, "off == len");
	ZC_ASSERT(zc_area_iova(a, info.len - 1, 2) == RTE_BAD_IOVA, "straddles the end");
	ZC_ASSERT(zc_area_iova(a, 0, info.len + 1) == RTE_BAD_IOVA, "len > area");
	ZC_ASSERT(zc_area_iova(a, 0, 0) == RTE_BAD_IOVA, "zero length at 0");
	ZC_ASSERT(zc_area_iova(a, 100, 0) == RTE_BAD_IOVA, "zero length at 100");
	ZC_ASSERT(zc_area_iova(a, UINT64_MAX, 1) == RTE_BAD_IOVA, "off UINT64_MAX");
	ZC_ASSERT(zc_area_iova(a, 8, SIZE_MAX) == RTE_BAD_IOVA, "len SIZE_MAX (wraps)");
	ZC_ASSERT(zc_area_iova(NULL, 0, 1) == RTE_BAD_IOVA, "NULL area");
	zc_area_put(a);
	return 0;
}

static int
test_refcount(void)
{
	unsigned int mz_before = zc_test_nb_memzones();
	struct zc_area_info info;
	struct zc_area *a = zc_area_create_hugepage("hp_ref", 64 * 1024, SOCKET_ID_ANY), *b;
	uint16_t id;

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	id = zc_area_id(a);
	zc_area_get(a);
	zc_area_get(a);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 3, "refcnt %u", info.refcnt);
	zc_area_put(a);
	zc_area_put(a);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 1, "refcnt %u", info.refcnt);
	ZC_ASSERT(area_with_id(id) == a, "alive with one reference");
	ZC_ASSERT(zc_test_nb_memzones() == mz_before + 1, "memory held");
	/* A lookup's reference holds the area like any other, and can be the last. */
	b = zc_area_get_by_name("hp_ref");
	ZC_ASSERT(b == a, "lookup: %p", (void *)b);
	zc_area_put(a);
	ZC_ASSERT(area_with_id(id) == b && zc_test_nb_memzones() == mz_before + 1,
		  "released under a lookup's reference");
	zc_area_put(b);
	ZC_ASSERT(area_with_id(id) == NULL, "last put releases");
	ZC_ASSERT(area_named("hp_ref") == NULL, "last put unpublishes the name");
	ZC_ASSERT(zc_test_nb_memzones() == mz_before, "last put frees the memory");
	/* The name is free again. */
	a = zc_area_create_hugepage("hp_ref", 64 * 1024, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "re-create after release: %s", rte_strerror(rte_errno));
	zc_area_put(a);
	return 0;
}

static int
test_ids_unique(void)
{
	struct zc_area *a[16];
	char name[ZC_AREA_NAMESIZE];
	unsigned int i, j, before = nb_areas();

	for (i = 0; i < RTE_DIM(a); i++) {
		snprintf(name, sizeof(name), "hp_id%u", i);
		a[i] = zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY);
		ZC_ASSERT(a[i] != NULL, "create %s: %s", name, rte_strerror(rte_errno));
	}
	ZC_ASSERT(nb_areas() == before + RTE_DIM(a), "walk sees %u areas", nb_areas());
	for (i = 0; i < RTE_DIM(a); i++) {
		ZC_ASSERT(zc_area_id(a[i]) >= 1 && zc_area_id(a[i]) <= ZC_AREA_MAX, "id %u",
			  zc_area_id(a[i]));
		ZC_ASSERT(area_with_id(zc_area_id(a[i])) == a[i], "lookup %u", i);
		snprintf(name, sizeof(name), "hp_id%u", i);
		ZC_ASSERT(area_named(name) == a[i], "find %s", name);
		for (j = 0; j < i; j++)
			ZC_ASSERT(zc_area_id(a[i]) != zc_area_id(a[j]), "areas %u and %u share id %u",
				  i, j, zc_area_id(a[i]));
	}
	/* Release every other area; the survivors keep their ids and addresses. */
	for (i = 0; i < RTE_DIM(a); i += 2)
		zc_area_put(a[i]);
	for (i = 1; i < RTE_DIM(a); i += 2)
		ZC_ASSERT(area_with_id(zc_area_id(a[i])) == a[i], "survivor %u", i);
	/* New areas never take a live id. */
	for (i = 0; i < RTE_DIM(a); i += 2) {
		snprintf(name, sizeof(name), "hp_idb%u", i);
		a[i] = zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY);
		ZC_ASSERT(a[i] != NULL, "create %s: %s", name, rte_strerror(rte_errno));
	}
	for (i = 0; i < RTE_DIM(a); i++)
		for (j = 0; j < i; j++)
			ZC_ASSERT(zc_area_id(a[i]) != zc_area_id(a[j]), "areas %u and %u share id %u",
				  i, j, zc_area_id(a[i]));
	for (i = 0; i < RTE_DIM(a); i++)
		zc_area_put(a[i]);
	ZC_ASSERT(nb_areas() == before, "%u areas left, %u before", nb_areas(), before);
	return 0;
}

static int
test_bad_names(void)
{
	char name[ZC_AREA_NAMESIZE + 8];
	unsigned int mz_before = zc_test_nb_memzones(), areas_before = nb_areas();

	rte_errno = 0;
	ZC_ASSERT(zc_area_create_hugepage(NULL, 4096, SOCKET_ID_ANY) == NULL &&
		  rte_errno == EINVAL, "NULL name: errno %d", rte_errno);
	memset(name, 'n', ZC_AREA_NAMESIZE);
	name[ZC_AREA_NAMESIZE] = '\0'; /* ZC_AREA_NAMESIZE characters: one too many */
	rte_errno = 0;
	ZC_ASSERT(zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY) == NULL &&
		  rte_errno == EINVAL, "name too long: errno %d", rte_errno);
	rte_errno = 0;
	ZC_ASSERT(zc_area_create_hugepage("", 4096, SOCKET_ID_ANY) == NULL && rte_errno == EINVAL,
		  "empty name: errno %d (%s)", rte_errno, rte_strerror(rte_errno));
	ZC_ASSERT(zc_test_nb_memzones() == mz_before, "failed creations leaked memzones: %u -> %u",
		  mz_before, zc_test_nb_memzones());
	ZC_ASSERT(nb_areas() == areas_before, "failed creations leaked areas");
	return 0;
}

static int
test_bad_lengths(void)
{
	static const size_t absurd[] = { SIZE_MAX, SIZE_MAX - 100, SIZE_MAX - (1 << 20) };
	unsigned int mz_before = zc_test_nb_memzones(), areas_before = nb_areas(), i;
	struct zc_area *a;

	rte_errno = 0;
	ZC_ASSERT(zc_area_create_hugepage("hp_zero", 0, SOCKET_ID_ANY) == NULL &&
		  rte_errno == EINVAL, "zero length: errno %d", rte_errno);
	/* More memory than exists. */
	rte_errno = 0;
	a = zc_area_create_hugepage("hp_toobig", (size_t)64 << 30, SOCKET_ID_ANY);
	ZC_ASSERT(a == NULL && rte_errno == ENOMEM, "64 GiB: %p errno %d", (void *)a, rte_errno);
	/* Lengths whose rounding up to the page size overflows. */
	for (i = 0; i < RTE_DIM(absurd); i++) {
		struct zc_area_info info = { .len = 0 };

		rte_errno = 0;
		a = zc_area_create_hugepage("hp_absurd", absurd[i], SOCKET_ID_ANY);
		if (a != NULL) {
			zc_area_info_get(a, &info);
			zc_area_put(a);
		}
		ZC_ASSERT(a == NULL && (rte_errno == ENOMEM || rte_errno == EINVAL),
			  "length %#zx accepted (area of %zu bytes), errno %d", absurd[i], info.len,
			  rte_errno);
	}
	ZC_ASSERT(zc_test_nb_memzones() == mz_before, "failed creations leaked memzones: %u -> %u",
		  mz_before, zc_test_nb_memzones());
	ZC_ASSERT(nb_areas() == areas_before, "failed creations leaked areas");
	return 0;
}

static int
test_duplicate_name(void)
{
	unsigned int mz_before = zc_test_nb_memzones(), areas_before = nb_areas();
	struct zc_area *a, *b;

	a = zc_area_create_hugepage("hp_dup", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	rte_errno = 0;
	b = zc_area_create_hugepage("hp_dup", 8192, SOCKET_ID_ANY);
	ZC_ASSERT(b == NULL && rte_errno == EEXIST, "duplicate name: %p errno %d", (void *)b,
		  rte_errno);
	ZC_ASSERT(area_named("hp_dup") == a, "the first area keeps the name");
	ZC_ASSERT(zc_test_nb_memzones() == mz_before + 1, "memzones %u -> %u", mz_before, zc_test_nb_memzones());
	zc_area_put(a);
	ZC_ASSERT(zc_test_nb_memzones() == mz_before, "failed creations leaked memzones: %u -> %u",
		  mz_before, zc_test_nb_memzones());
	ZC_ASSERT(nb_areas() == areas_before, "failed creations leaked areas");
	return 0;
}

/* zc_area.h: names are "at most ZC_AREA_NAMESIZE - 1 characters". */
static int
test_name_max_length(void)
{
	char name[ZC_AREA_NAMESIZE];
	struct zc_area_info info;
	struct zc_area *a;

	memset(name, 'm', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	a = zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "a %zu-character name must be accepted: %s", strlen(name),
		  rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && strcmp(info.name, name) == 0,
		  "name kept whole: %s", info.name);
	ZC_ASSERT(area_named(name) == a, "find by the long name");
	zc_area_put(a);
	return 0;
}

struct span {
	uint64_t off;
	size_t len;
};

static int
spans_disjoint(const struct span *s, unsigned int n, size_t area_len)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (s[i].off + s[i].len > area_len)
			return -1;
		for (j = 0; j < i; j++)
			if (s[i].off < s[j].off + s[j].len && s[j].off < s[i].off + s[i].len)
				return -1;
	}
	return 0;
}

static int
test_carve(void)
{
	struct span s[64];
	unsigned int n = 0, i;
	struct zc_area_info info;
	struct zc_area *a = zc_area_create_hugepage("hp_carve", 4 * MB, SOCKET_ID_ANY);
	size_t total = 0;
	uint64_t off;
	int ret;

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.len == 4 * MB, "len %zu", info.len);

	/* Bad arguments. */
	ZC_ASSERT(zc_area_carve(a, 0, 0, &off) == -EINVAL, "zero length");
	ZC_ASSERT(zc_area_carve(a, 100, 3, &off) == -EINVAL, "alignment 3");
	ZC_ASSERT(zc_area_carve(a, 100, 96, &off) == -EINVAL, "alignment 96");
	ZC_ASSERT(zc_area_carve(a, 100, 0, NULL) == -EINVAL, "NULL off");
	ZC_ASSERT(zc_area_carve(NULL, 100, 0, &off) == -EINVAL, "NULL area");
	ZC_ASSERT(zc_area_carve(a, info.len + 1, 0, &off) == -ENOSPC, "larger than the area");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.carved == 0 && info.refcnt == 1,
		  "failed carves changed the area: carved %zu refcnt %u", info.carved, info.refcnt);

	/* Spans of various sizes and alignments. */
	static const struct { size_t len, align; } req[] = {
		{ 1000, 0 }, { 100, 4096 }, { 3 * 4096, 0 }, { 1, 1 }, { 777, 2 },
		{ 64 * 1024, 1 << 20 }, { 5000, 64 }, { 1, 1 << 16 },
	};
	for (i = 0; i < RTE_DIM(req); i++) {
		size_t align = req[i].align ? req[i].align : RTE_CACHE_LINE_SIZE;

		ret = zc_area_carve(a, req[i].len, req[i].align, &off);
		ZC_ASSERT(ret == 0, "carve %zu/%zu: %d", req[i].len, req[i].align, ret);
		ZC_ASSERT(off % align == 0, "span at %" PRIu64 " ignores alignment %zu", off, align);
		s[n++] = (struct span){ off, req[i].len };
		total += req[i].len;
		ZC_ASSERT(spans_disjoint(s, n, info.len) == 0, "span %u at %" PRIu64 "+%zu overlaps",
			  i, off, req[i].len);
	}
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	ZC_ASSERT(info.carved == total, "carved %zu, expected %zu", info.carved, total);
	ZC_ASSERT(info.refcnt == 1 + n, "each span holds a reference: refcnt %u, %u spans",
		  info.refcnt, n);

	/* Fill the area with 256 KiB spans until it is full. */
	while ((ret = zc_area_carve(a, 256 * 1024, 0, &off)) == 0) {
		ZC_ASSERT(n < RTE_DIM(s), "more spans than fit");
		s[n++] = (struct span){ off, 256 * 1024 };
		total += 256 * 1024;
		ZC_ASSERT(spans_disjoint(s, n, info.len) == 0, "span at %" PRIu64 " overlaps", off);
	}
	ZC_ASSERT(ret == -ENOSPC, "full area: %d", ret);
	ZC_ASSERT(total > 3 * MB, "the area was not filled: %zu carved", total);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.carved == total, "carved %zu / %zu",
		  info.carved, total);

	/* Uncarve: unknown offsets are refused and change nothing. */
	ZC_ASSERT(zc_area_uncarve(a, s[0].off + 1) == -ENOENT, "inside a span");
	ZC_ASSERT(zc_area_uncarve(a, info.len) == -ENOENT, "past the end");
	ZC_ASSERT(zc_area_uncarve(a, UINT64_MAX) == -ENOENT, "UINT64_MAX");
	ZC_ASSERT(zc_area_uncarve(NULL, 0) < 0, "NULL area");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 1 + n && info.carved == total,
		  "refused uncarves changed the area");

	/* Return a middle span: its room can be carved again. */
	ZC_ASSERT(zc_area_uncarve(a, s[n - 3].off) == 0, "uncarve");
	ZC_ASSERT(zc_area_uncarve(a, s[n - 3].off) == -ENOENT, "double uncarve");
	ZC_ASSERT(zc_area_carve(a, s[n - 3].len, 0, &off) == 0, "carve into the freed room");
	s[n - 3].off = off;
	ZC_ASSERT(spans_disjoint(s, n, info.len) == 0, "re-carved span overlaps");
	ZC_ASSERT(zc_area_carve(a, 256 * 1024, 0, &off) == -ENOSPC, "still full");

	for (i = 0; i < n; i++)
		ZC_ASSERT(zc_area_uncarve(a, s[i].off) == 0, "uncarve span %u", i);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.carved == 0 && info.refcnt == 1,
		  "after uncarving all: carved %zu refcnt %u", info.carved, info.refcnt);
	ZC_ASSERT(zc_area_carve(a, info.len, 0, &off) == 0 && off == 0, "whole area again");
	ZC_ASSERT(zc_area_uncarve(a, 0) == 0, "uncarve whole");
	zc_area_put(a);
	return 0;
}

static int
test_carve_holds_reference(void)
{
	unsigned int mz_before = zc_test_nb_memzones();
	struct zc_area_info info;
	struct zc_area *a = zc_area_create_hugepage("hp_cref", 1 * MB, SOCKET_ID_ANY);
	uint64_t off1, off2;
	uint16_t id;
	char *p;

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	id = zc_area_id(a);
	ZC_ASSERT(zc_area_carve(a, 4096, 0, &off1) == 0, "carve 1");
	ZC_ASSERT(zc_area_carve(a, 4096, 0, &off2) == 0, "carve 2");
	zc_area_put(a); /* the creator goes away */
	ZC_ASSERT(area_with_id(id) == a, "spans keep the area alive");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 2, "refcnt %u", info.refcnt);
	p = (char *)zc_area_addr(a) + off1;
	memset(p, 0x5a, 4096); /* memory still valid */
	ZC_ASSERT(zc_test_nb_memzones() == mz_before + 1, "memory kept");
	ZC_ASSERT(zc_area_uncarve(a, off1) == 0, "uncarve 1");
	ZC_ASSERT(area_with_id(id) == a, "one span left keeps the area");
	ZC_ASSERT(zc_area_uncarve(a, off2) == 0, "uncarve 2");
	ZC_ASSERT(area_with_id(id) == NULL, "last uncarve releases the area");
	ZC_ASSERT(zc_test_nb_memzones() == mz_before, "memory freed at the last uncarve");
	return 0;
}

/* zc_area_carve(): "align: a power of two" is a size_t, not 32 bits. */
static int
test_carve_alignment_64bit(void)
{
	struct zc_area *a = zc_area_create_hugepage("hp_c64", 64 * 1024, SOCKET_ID_ANY);
	uint64_t off = 12345;
	int ret;

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	/* Offset 0 is aligned to 4 GiB: a valid request. */
	ret = zc_area_carve(a, 100, (size_t)1 << 32, &off);
	if (ret == 0)
		zc_area_uncarve(a, off);
	ZC_ASSERT(ret == 0 && off == 0, "4 GiB alignment (a power of two) refused: %d", ret);
	/* Not a power of two, whatever its low 32 bits say. */
	ret = zc_area_carve(a, 100, ((size_t)1 << 32) | 64, &off);
	if (ret == 0)
		zc_area_uncarve(a, off);
	ZC_ASSERT(ret == -EINVAL, "alignment 2^32 + 64 accepted: %d", ret);
	zc_area_put(a);
	return 0;
}

/* At most ZC_AREA_MAX areas; the next creation fails with ENOSPC and leaks nothing. */
static int
test_area_limit(void)
{
	static struct zc_area *a[ZC_AREA_MAX + 1];
	char name[ZC_AREA_NAMESIZE];
	unsigned int i, n, before = nb_areas(), mz;
	struct zc_area *extra;
	uint16_t freed_id;

	if (zc_test_huge) {
		printf("SKIP: %d areas of one 2 MiB page each need 2 GiB; run in --no-huge\n",
		       ZC_AREA_MAX);
		return ZC_TEST_SKIP;
	}
	for (n = 0; n < ZC_AREA_MAX - before; n++) {
		snprintf(name, sizeof(name), "hp_lim%u", n);
		a[n] = zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY);
		if (a[n] == NULL) {
			printf("FAIL: area %u of %d: %s\n", n + before, ZC_AREA_MAX,
			       rte_strerror(rte_errno));
			break;
		}
	}
	ZC_ASSERT(nb_areas() == ZC_AREA_MAX, "%u areas exist", nb_areas());
	mz = zc_test_nb_memzones();
	rte_errno = 0;
	extra = zc_area_create_hugepage("hp_lim_extra", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(extra == NULL && rte_errno == ENOSPC, "area %d: %p errno %d", ZC_AREA_MAX + 1,
		  (void *)extra, rte_errno);
	ZC_ASSERT(zc_test_nb_memzones() == mz, "the refused area kept its memory");
	for (i = 0; i < n; i++)
		ZC_ASSERT(zc_area_id(a[i]) >= 1 && zc_area_id(a[i]) <= ZC_AREA_MAX, "id %u",
			  zc_area_id(a[i]));
	/* One goes, one more fits, under the freed id. */
	freed_id = zc_area_id(a[n / 2]);
	zc_area_put(a[n / 2]);
	a[n / 2] = zc_area_create_hugepage("hp_lim_extra", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(a[n / 2] != NULL, "create after a release: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_id(a[n / 2]) == freed_id, "id %u, the only free one is %u",
		  zc_area_id(a[n / 2]), freed_id);
	for (i = 0; i < n; i++)
		zc_area_put(a[i]);
	ZC_ASSERT(nb_areas() == before, "%u areas left", nb_areas());
	return 0;
}

struct walk_arg {
	uint16_t ids[64];
	unsigned int n;
	unsigned int stop_after;
};

static int
walk_collect(const struct zc_area *area, void *arg)
{
	struct walk_arg *w = arg;
	struct zc_area_info info;

	/* Getters and lookups work from inside the walk (it holds no lock). */
	if (zc_area_info_get(area, &info) != 0 || info.id != zc_area_id(area) ||
	    area_named(info.name) != area)
		return -1000;
	if (w->n < RTE_DIM(w->ids))
		w->ids[w->n] = zc_area_id(area);
	w->n++;
	return w->stop_after != 0 && w->n == w->stop_after ? 42 : 0;
}

static int
test_walk(void)
{
	struct zc_area *a[5];
	struct walk_arg w;
	char name[ZC_AREA_NAMESIZE];
	unsigned int i, j, seen, n0;

	/* Areas left over by failed cases, if any, are visited too. */
	memset(&w, 0, sizeof(w));
	ZC_ASSERT(zc_area_walk(walk_collect, &w) == 0, "walk");
	n0 = w.n;
	ZC_ASSERT(n0 == nb_areas(), "walks disagree");
	for (i = 0; i < RTE_DIM(a); i++) {
		snprintf(name, sizeof(name), "hp_walk%u", i);
		a[i] = zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY);
		ZC_ASSERT(a[i] != NULL, "create %s: %s", name, rte_strerror(rte_errno));
	}
	memset(&w, 0, sizeof(w));
	ZC_ASSERT(zc_area_walk(walk_collect, &w) == 0, "full walk");
	ZC_ASSERT(w.n == n0 + RTE_DIM(a), "visited %u areas, expected %u", w.n,
		  n0 + (unsigned int)RTE_DIM(a));
	for (i = 0; i < RTE_DIM(a); i++) {
		for (seen = 0, j = 0; j < w.n && j < RTE_DIM(w.ids); j++)
			seen += w.ids[j] == zc_area_id(a[i]);
		ZC_ASSERT(seen == 1, "area %u visited %u times", i, seen);
	}
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	ZC_ASSERT(zc_area_walk(walk_collect, &w) == 42, "walk returns the callback's value");
	ZC_ASSERT(w.n == 2, "walk went on after a non-zero return: %u visits", w.n);
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	ZC_ASSERT(zc_area_walk(walk_collect, &w) == 42 && w.n == 1, "stop at first: %u", w.n);
	for (i = 0; i < RTE_DIM(a); i++)
		zc_area_put(a[i]);
	memset(&w, 0, sizeof(w));
	ZC_ASSERT(zc_area_walk(walk_collect, &w) == 0 && w.n == n0, "%u visited after release",
		  w.n);
	return 0;
}

/* Registry, references and carving from two lcores at once. */
static struct zc_area *shared_area;
static int conc_errors;

static int
concurrent_worker(void *arg)
{
	unsigned int me = rte_lcore_id(), i;
	char name[ZC_AREA_NAMESIZE];
	uint64_t off[3];

	RTE_SET_USED(arg);
	for (i = 0; i < 300; i++) {
		struct zc_area *a;
		uint16_t id;

		snprintf(name, sizeof(name), "hp_c%u_%u", me, i);
		a = zc_area_create_hugepage(name, 4096, SOCKET_ID_ANY);
		if (a == NULL) {
			__atomic_fetch_add(&conc_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		id = zc_area_id(a);
		if (area_with_id(id) != a || area_named(name) != a)
			__atomic_fetch_add(&conc_errors, 1, __ATOMIC_RELAXED);
		zc_area_get(shared_area);
		for (unsigned int k = 0; k < RTE_DIM(off); k++)
			if (zc_area_carve(shared_area, 4096 + 64 * k, 0, &off[k]) != 0)
				__atomic_fetch_add(&conc_errors, 1, __ATOMIC_RELAXED);
		for (unsigned int k = 0; k < RTE_DIM(off); k++)
			if (zc_area_uncarve(shared_area, off[k]) != 0)
				__atomic_fetch_add(&conc_errors, 1, __ATOMIC_RELAXED);
		zc_area_put(shared_area);
		/*
		 * Not checked here that it is gone after this put: the other lcore's
		 * lookup may hold it for a moment (test_refcount checks that alone).
		 */
		zc_area_put(a);
	}
	return 0;
}

static int
test_concurrent(void)
{
	unsigned int before = nb_areas(), mz = zc_test_nb_memzones();
	struct zc_area_info info;

	ZC_ASSERT(rte_lcore_count() >= 2, "need two lcores");
	shared_area = zc_area_create_hugepage("hp_shared", 1 << 20, SOCKET_ID_ANY);
	ZC_ASSERT(shared_area != NULL, "create: %s", rte_strerror(rte_errno));
	conc_errors = 0;
	ZC_ASSERT(rte_eal_mp_remote_launch(concurrent_worker, NULL, CALL_MAIN) == 0, "launch");
	rte_eal_mp_wait_lcore();
	ZC_ASSERT(conc_errors == 0, "%d errors", conc_errors);
	ZC_ASSERT(zc_area_info_get(shared_area, &info) == 0 && info.refcnt == 1 &&
		  info.carved == 0, "shared area: refcnt %u carved %zu", info.refcnt, info.carved);
	zc_area_put(shared_area);
	ZC_ASSERT(nb_areas() == before, "%u areas, %u before", nb_areas(), before);
	ZC_ASSERT(zc_test_nb_memzones() == mz, "%u memzones, %u before", zc_test_nb_memzones(), mz);
	return 0;
}

static int
test_offset_helpers(void)
{
	static const uint16_t ids[] = { 0, 1, 2, 1023, 1024, 0x8000, UINT16_MAX };
	static const uint64_t offs[] = {
		0, 1, 63, 4096, (UINT64_C(1) << 32) + 7, ZC_AREA_OFF_MASK - 1, ZC_AREA_OFF_MASK,
	};
	unsigned int i, j;

	ZC_ASSERT(ZC_AREA_ID_SHIFT == 48, "shift %d", ZC_AREA_ID_SHIFT);
	ZC_ASSERT(ZC_AREA_OFF_MASK == UINT64_C(0xffffffffffff), "mask %#" PRIx64,
		  (uint64_t)ZC_AREA_OFF_MASK);
	for (i = 0; i < RTE_DIM(ids); i++) {
		for (j = 0; j < RTE_DIM(offs); j++) {
			uint64_t ao = zc_area_off_make(ids[i], offs[j]);

			ZC_ASSERT(zc_area_off_id(ao) == ids[i], "id %u -> %u", ids[i],
				  zc_area_off_id(ao));
			ZC_ASSERT(zc_area_off_bytes(ao) == offs[j], "off %#" PRIx64 " -> %#" PRIx64,
				  offs[j], zc_area_off_bytes(ao));
			ZC_ASSERT(ao == (((uint64_t)ids[i] << 48) | offs[j]), "layout %#" PRIx64, ao);
		}
	}
	/* An offset too large for 48 bits never leaks into the id. */
	ZC_ASSERT(zc_area_off_id(zc_area_off_make(5, UINT64_MAX)) == 5, "overflow into the id");
	ZC_ASSERT(zc_area_off_bytes(zc_area_off_make(5, UINT64_MAX)) == ZC_AREA_OFF_MASK,
		  "overflowing offset masked");
	return 0;
}

ZC_TEST_MAIN(
	{ "first_id_is_one", test_first_id_is_one },
	{ "create_info_lookup", test_create_info_lookup },
	{ "socket_any", test_socket_any },
	{ "iova", test_iova },
	{ "refcount", test_refcount },
	{ "ids_unique", test_ids_unique },
	{ "bad_names", test_bad_names },
	{ "bad_lengths", test_bad_lengths },
	{ "duplicate_name", test_duplicate_name },
	{ "name_max_length", test_name_max_length },
	{ "carve", test_carve },
	{ "carve_holds_reference", test_carve_holds_reference },
	{ "carve_alignment_64bit", test_carve_alignment_64bit },
	{ "area_limit", test_area_limit },
	{ "walk", test_walk },
	{ "concurrent", test_concurrent },
	{ "offset_helpers", test_offset_helpers },
)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * User areas: memory the application maps itself, registered as EAL external
 * memory and mapped for DMA on the devices the area is bound to (one mapping per
 * IOVA-contiguous run, whatever the size of the area).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include <zc_area.h>

#include "zc_test.h"
#include "zc_test_pool.h"
#include "zc_test_vdev.h"

#define MB (UINT64_C(1) << 20)
#define FAKE_IOVA UINT64_C(0x4000000000)

static size_t pg;

static void *
map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static struct zc_area_user_params
params(void *addr, size_t len)
{
	return (struct zc_area_user_params){
		.addr = addr, .len = len, .page_sz = pg, .iova = NULL, .socket_id = SOCKET_ID_ANY,
	};
}

static rte_iova_t *
contig_table(size_t nb_pages, rte_iova_t base)
{
	rte_iova_t *t = malloc(nb_pages * sizeof(*t));
	size_t i;

	for (i = 0; t != NULL && i < nb_pages; i++)
		t[i] = base + i * pg;
	return t;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
test_create_basic(void)
{
	const size_t len = 1 * MB;
	struct zc_area_user_params p;
	struct zc_area_info info;
	struct zc_area *a;
	char *mem = map_anon(len);
	uint64_t off;

	ZC_ASSERT(mem != NULL, "mmap");
	p = params(mem, len);
	a = zc_area_create_user("u_basic", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	ZC_ASSERT(strcmp(info.name, "u_basic") == 0, "name %s", info.name);
	ZC_ASSERT(info.provider != NULL && strcmp(info.provider, "user") == 0, "provider %s",
		  info.provider ? info.provider : "(null)");
	ZC_ASSERT(info.readable && zc_area_readable(a), "readable");
	ZC_ASSERT(info.addr == mem && zc_area_addr(a) == mem, "addr %p, mapped %p", info.addr,
		  (void *)mem);
	ZC_ASSERT(info.len == len, "len %zu", info.len);
	ZC_ASSERT(info.page_sz == pg, "page_sz %zu", info.page_sz);
	ZC_ASSERT(info.socket_id == SOCKET_ID_ANY, "socket %d", info.socket_id);
	ZC_ASSERT(info.refcnt == 1 && info.nb_devices == 0 && info.carved == 0,
		  "refcnt %u devices %u carved %zu", info.refcnt, info.nb_devices, info.carved);
	ZC_ASSERT(area_with_id(info.id) == a && area_named("u_basic") == a, "lookups");
	/* The memory is now EAL external memory. */
	ZC_ASSERT(rte_mem_virt2memseg_list(mem) != NULL, "not registered with EAL");
	ZC_ASSERT(rte_mem_virt2memseg_list(mem + len - 1) != NULL, "end not registered");

	printf("  IOVA mode %s: %u run(s)\n", rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA",
	       info.nb_iova_runs);
	if (rte_eal_iova_mode() == RTE_IOVA_VA) {
		/* No table in IOVA-as-VA mode: IOVA = VA, one run for contiguous VA. */
		ZC_ASSERT(info.nb_iova_runs == 1, "%u runs", info.nb_iova_runs);
		for (off = 0; off < len; off += 12345)
			ZC_ASSERT(zc_area_iova(a, off, 100) == (uintptr_t)mem + off,
				  "iova at %" PRIu64 ": %#" PRIx64, off, zc_area_iova(a, off, 100));
		ZC_ASSERT(zc_area_iova(a, 0, len) == (uintptr_t)mem, "whole-area iova");
	} else {
		/* No table, IOVA-as-PA: no IOVA known. */
		ZC_ASSERT(info.nb_iova_runs == 0, "%u runs without a table", info.nb_iova_runs);
		ZC_ASSERT(zc_area_iova(a, 0, 1) == RTE_BAD_IOVA, "iova without a table");
	}
	ZC_ASSERT(zc_area_iova(a, len, 1) == RTE_BAD_IOVA, "out of range");
	ZC_ASSERT(zc_area_iova(a, 0, 0) == RTE_BAD_IOVA, "zero length");
	memset(mem, 0x11, len);
	zc_area_put(a);
	ZC_ASSERT(area_named("u_basic") == NULL, "released");
	munmap(mem, len);
	if (zc_test_huge == false)
		ZC_ASSERT(rte_eal_iova_mode() == RTE_IOVA_VA, "--no-huge runs IOVA-as-VA");
	return 0;
}

static int
test_iova_table(void)
{
	const size_t nb = 64, len = nb * 4096;
	const size_t k = 24; /* pages before the discontinuity */
	struct zc_area_user_params p;
	struct zc_area_info info;
	struct zc_area *a;
	rte_iova_t *t;
	char *mem;

	if (pg != 4096) {
		printf("SKIP: system page size %zu, the table test assumes 4 KiB\n", pg);
		return ZC_TEST_SKIP;
	}
	mem = map_anon(len);
	ZC_ASSERT(mem != NULL, "mmap");
	t = contig_table(nb, FAKE_IOVA);
	ZC_ASSERT(t != NULL, "malloc");

	/* A contiguous table merges into one run. */
	p = params(mem, len);
	p.iova = t;
	a = zc_area_create_user("u_tab1", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_iova_runs == 1, "%u runs",
		  info.nb_iova_runs);
	ZC_ASSERT(zc_area_iova(a, 0, len) == FAKE_IOVA, "whole area");
	ZC_ASSERT(zc_area_iova(a, 5 * pg + 3, 2 * pg) == FAKE_IOVA + 5 * pg + 3, "inside");
	ZC_ASSERT(zc_area_iova(a, len - 1, 1) == FAKE_IOVA + len - 1, "last byte");
	ZC_ASSERT(zc_area_iova(a, len - 1, 2) == RTE_BAD_IOVA, "past the end");
	zc_area_put(a);

	/* A discontinuity after page k: two runs, no IOVA across the gap. */
	for (size_t i = k; i < nb; i++)
		t[i] = FAKE_IOVA + (UINT64_C(1) << 30) + i * pg;
	a = zc_area_create_user("u_tab2", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_iova_runs == 2, "%u runs",
		  info.nb_iova_runs);
	ZC_ASSERT(zc_area_iova(a, 0, k * pg) == FAKE_IOVA, "first run whole");
	ZC_ASSERT(zc_area_iova(a, (k - 1) * pg, pg) == t[k - 1], "last page of run 1");
	ZC_ASSERT(zc_area_iova(a, k * pg, pg) == t[k], "first page of run 2");
	ZC_ASSERT(zc_area_iova(a, k * pg + 100, (nb - k) * pg - 100) == t[k] + 100,
		  "rest of run 2");
	ZC_ASSERT(zc_area_iova(a, k * pg - 8, 16) == RTE_BAD_IOVA, "range across the gap");
	ZC_ASSERT(zc_area_iova(a, 0, len) == RTE_BAD_IOVA, "whole area crosses the gap");
	ZC_ASSERT(zc_area_iova(a, k * pg - 1, 1) == t[k - 1] + pg - 1, "byte before the gap");
	zc_area_put(a);

	/* Pages in reverse IOVA order: every page is its own run. */
	for (size_t i = 0; i < nb; i++)
		t[i] = FAKE_IOVA + (nb - 1 - i) * pg;
	a = zc_area_create_user("u_tab3", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_iova_runs == nb, "%u runs",
		  info.nb_iova_runs);
	for (size_t i = 0; i < nb; i++) {
		ZC_ASSERT(zc_area_iova(a, i * pg + 7, 9) == t[i] + 7, "page %zu", i);
		if (i + 1 < nb)
			ZC_ASSERT(zc_area_iova(a, i * pg, pg + 1) == RTE_BAD_IOVA, "across %zu", i);
	}
	zc_area_put(a);
	free(t);
	munmap(mem, len);
	return 0;
}

static int
expect_einval(const char *what, const char *name, const struct zc_area_user_params *p)
{
	struct zc_area *a;

	rte_errno = 0;
	a = zc_area_create_user(name, p);
	ZC_ASSERT(a == NULL && rte_errno == EINVAL, "%s: area %p errno %d (%s)", what, (void *)a,
		  rte_errno, rte_strerror(rte_errno));
	return 0;
}

static int
test_bad_args(void)
{
	const size_t len = 16 * 4096;
	struct zc_area_user_params p;
	char name[ZC_AREA_NAMESIZE + 1];
	char *mem = map_anon(len);
	struct zc_area *a;

	ZC_ASSERT(mem != NULL, "mmap");
	ZC_ASSERT(expect_einval("NULL params", "u_bad", NULL) == 0, "-");
	p = params(NULL, len);
	ZC_ASSERT(expect_einval("NULL addr", "u_bad", &p) == 0, "-");
	p = params(mem, 0);
	ZC_ASSERT(expect_einval("zero length", "u_bad", &p) == 0, "-");
	p = params(mem + 64, len - pg);
	ZC_ASSERT(expect_einval("unaligned address", "u_bad", &p) == 0, "-");
	p = params(mem + pg / 2, len - pg);
	ZC_ASSERT(expect_einval("half-page address", "u_bad", &p) == 0, "-");
	p = params(mem, len - 100);
	ZC_ASSERT(expect_einval("length not a page multiple", "u_bad", &p) == 0, "-");
	p = params(mem, len);
	p.page_sz = 3 * 4096;
	ZC_ASSERT(expect_einval("page size not a power of two", "u_bad", &p) == 0, "-");
	p.page_sz = pg / 2;
	ZC_ASSERT(expect_einval("page size below the system page", "u_bad", &p) == 0, "-");
	p.page_sz = 0;
	ZC_ASSERT(expect_einval("page size 0", "u_bad", &p) == 0, "-");
	p.page_sz = 1;
	ZC_ASSERT(expect_einval("page size 1", "u_bad", &p) == 0, "-");
	p.page_sz = 2 * MB; /* the anonymous mapping need not be 2 MiB aligned */
	if (((uintptr_t)mem & (2 * MB - 1)) != 0)
		ZC_ASSERT(expect_einval("address not aligned to page_sz", "u_bad", &p) == 0, "-");

	/* Names. */
	p = params(mem, len);
	ZC_ASSERT(expect_einval("NULL name", NULL, &p) == 0, "-");
	ZC_ASSERT(expect_einval("empty name", "", &p) == 0, "-");
	memset(name, 'u', ZC_AREA_NAMESIZE);
	name[ZC_AREA_NAMESIZE] = '\0';
	ZC_ASSERT(expect_einval("name too long", name, &p) == 0, "-");

	/* None of the failures left the range registered: it can be created now. */
	a = zc_area_create_user("u_after_bad", &p);
	ZC_ASSERT(a != NULL, "create after failures: %s", rte_strerror(rte_errno));
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

/* zc_area.h: user page sizes are "a power of two". A size_t that is not one must
 * be refused even when its low 32 bits are a power of two. */
static int
test_bad_page_size_64bit(void)
{
	const size_t resv_len = (UINT64_C(8) << 30) + 2 * 4096;
	const size_t bad_pg = (UINT64_C(1) << 32) | 4096;
	struct zc_area_user_params p;
	struct zc_area *a;
	uintptr_t addr;
	char *resv;

	/* Find a 4 KiB-aligned address with bit 32 clear inside an 8 GiB reservation. */
	resv = mmap(NULL, resv_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED) {
		printf("SKIP: cannot reserve 8 GiB of address space\n");
		return ZC_TEST_SKIP;
	}
	addr = RTE_ALIGN_CEIL((uintptr_t)resv, 4096);
	if (addr & (UINT64_C(1) << 32))
		addr = (addr | UINT64_C(0xffffffff)) + 1;
	p = params((void *)addr, 4096);
	p.page_sz = bad_pg;
	rte_errno = 0;
	a = zc_area_create_user("u_pg64", &p);
	if (a != NULL) {
		struct zc_area_info info;

		zc_area_info_get(a, &info);
		printf("  accepted page size %#zx (info.page_sz %#zx)\n", bad_pg, info.page_sz);
		zc_area_put(a);
	}
	munmap(resv, resv_len);
	ZC_ASSERT(a == NULL && rte_errno == EINVAL,
		  "page size %#zx (not a power of two) accepted: area %p errno %d", bad_pg,
		  (void *)a, rte_errno);
	return 0;
}

static int
test_unmapped(void)
{
	const size_t len = 3 * 4096;
	struct zc_area_user_params p;
	struct zc_area *a;
	int tries;

	for (tries = 0; tries < 10; tries++) {
		char *mem = map_anon(len);

		ZC_ASSERT(mem != NULL, "mmap");
		/* Unmap the middle page; retry if something else got mapped there. */
		munmap(mem + pg, pg);
		if (msync(mem + pg, pg, MS_ASYNC) == 0) {
			munmap(mem, len);
			continue;
		}
		p = params(mem, 3 * pg);
		rte_errno = 0;
		a = zc_area_create_user("u_hole", &p);
		ZC_ASSERT(a == NULL && rte_errno == EFAULT, "hole in the range: area %p errno %d",
			  (void *)a, rte_errno);
		p = params(mem + pg, pg);
		rte_errno = 0;
		a = zc_area_create_user("u_hole", &p);
		ZC_ASSERT(a == NULL && rte_errno == EFAULT, "unmapped page: area %p errno %d",
			  (void *)a, rte_errno);
		munmap(mem, len);
		/* All of it unmapped now. */
		if (msync(mem, len, MS_ASYNC) == 0)
			continue;
		p = params(mem, len);
		rte_errno = 0;
		a = zc_area_create_user("u_hole", &p);
		ZC_ASSERT(a == NULL && rte_errno == EFAULT, "unmapped range: area %p errno %d",
			  (void *)a, rte_errno);
		return 0;
	}
	printf("SKIP: could not keep an unmapped hole\n");
	return ZC_TEST_SKIP;
}

static int
test_overlap(void)
{
	const size_t len = 16 * pg;
	struct zc_area_user_params p;
	struct zc_area *a, *b;
	char *mem = map_anon(len);

	ZC_ASSERT(mem != NULL, "mmap");
	p = params(mem, 8 * pg);
	a = zc_area_create_user("u_ovl_a", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));

	/* Same range, tail overlap, head overlap, inside, around. */
	static const struct { size_t start, pages; } r[] = {
		{ 0, 8 }, { 4, 8 }, { 0, 1 }, { 7, 1 }, { 2, 3 }, { 0, 16 },
	};
	for (unsigned int i = 0; i < RTE_DIM(r); i++) {
		p = params(mem + r[i].start * pg, r[i].pages * pg);
		rte_errno = 0;
		b = zc_area_create_user("u_ovl_b", &p);
		ZC_ASSERT(b == NULL && rte_errno == EEXIST,
			  "pages %zu+%zu overlap the area: %p errno %d", r[i].start, r[i].pages,
			  (void *)b, rte_errno);
	}
	/* Adjacent is fine. */
	p = params(mem + 8 * pg, 8 * pg);
	b = zc_area_create_user("u_ovl_b", &p);
	ZC_ASSERT(b != NULL, "adjacent range: %s", rte_strerror(rte_errno));
	/* Same name, other memory: EEXIST, and the memory is not left registered. */
	zc_area_put(b);
	p = params(mem + 8 * pg, 8 * pg);
	rte_errno = 0;
	b = zc_area_create_user("u_ovl_a", &p);
	ZC_ASSERT(b == NULL && rte_errno == EEXIST, "duplicate name: %p errno %d", (void *)b,
		  rte_errno);
	b = zc_area_create_user("u_ovl_b", &p);
	ZC_ASSERT(b != NULL, "range free after the duplicate-name failure: %s",
		  rte_strerror(rte_errno));
	zc_area_put(b);
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

/* A name used by an area of another provider is taken too; nothing leaks. */
static int
test_name_across_providers(void)
{
	const size_t len = 4 * pg;
	struct zc_area_user_params p;
	struct zc_area *a, *h;
	char *mem = map_anon(len);

	ZC_ASSERT(mem != NULL, "mmap");
	p = params(mem, len);
	a = zc_area_create_user("u_shared_name", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	rte_errno = 0;
	h = zc_area_create_hugepage("u_shared_name", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(h == NULL && rte_errno == EEXIST, "hugepage area with a user area's name: %p %d",
		  (void *)h, rte_errno);
	zc_area_put(a);
	h = zc_area_create_hugepage("u_shared_name", 4096, SOCKET_ID_ANY);
	ZC_ASSERT(h != NULL, "the failed hugepage create kept its memzone: %s",
		  rte_strerror(rte_errno));
	rte_errno = 0;
	a = zc_area_create_user("u_shared_name", &p);
	ZC_ASSERT(a == NULL && rte_errno == EEXIST, "user area with a hugepage area's name: %d",
		  rte_errno);
	zc_area_put(h);
	a = zc_area_create_user("u_shared_name", &p);
	ZC_ASSERT(a != NULL, "range left registered by the failure: %s", rte_strerror(rte_errno));
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

/* zc_area.h: EEXIST when "the range overlaps an area or other registered external
 * memory": memory registered with rte_extmem_register() directly counts. */
static int
test_overlap_extmem(void)
{
	const size_t len = 8 * pg;
	struct zc_area_user_params p;
	struct zc_area *a;
	char *mem = map_anon(len);

	ZC_ASSERT(mem != NULL, "mmap");
	ZC_ASSERT(rte_extmem_register(mem, 4 * pg, NULL, 0, pg) == 0, "extmem_register: %s",
		  rte_strerror(rte_errno));
	/* The exact range: EAL itself refuses it. */
	p = params(mem, 4 * pg);
	rte_errno = 0;
	a = zc_area_create_user("u_ext_same", &p);
	if (a != NULL)
		zc_area_put(a);
	ZC_ASSERT(a == NULL && rte_errno == EEXIST, "same range as external memory: %d",
		  rte_errno);
	/* A partial overlap. */
	p = params(mem + 2 * pg, 4 * pg);
	rte_errno = 0;
	a = zc_area_create_user("u_ext_part", &p);
	if (a != NULL)
		zc_area_put(a);
	rte_extmem_unregister(mem, 4 * pg);
	munmap(mem, len);
	ZC_ASSERT(a == NULL && rte_errno == EEXIST,
		  "range overlapping other external memory accepted: area %p errno %d", (void *)a,
		  rte_errno);
	return 0;
}

static int
test_release_unregisters(void)
{
	const size_t len = 32 * pg;
	struct zc_area_user_params p;
	struct zc_area *a;
	char *mem = map_anon(len);
	int i;

	ZC_ASSERT(mem != NULL, "mmap");
	p = params(mem, len);
	for (i = 0; i < 3; i++) {
		a = zc_area_create_user("u_rel", &p);
		ZC_ASSERT(a != NULL, "round %d: %s", i, rte_strerror(rte_errno));
		zc_area_get(a);
		zc_area_put(a);
		ZC_ASSERT(rte_mem_virt2memseg_list(mem) != NULL, "registered while alive");
		zc_area_put(a);
		ZC_ASSERT(area_named("u_rel") == NULL, "released");
		ZC_ASSERT(rte_mem_virt2memseg_list(mem) == NULL, "still EAL external memory");
	}
	/* EAL takes the range directly too: nothing is left registered. */
	ZC_ASSERT(rte_extmem_register(mem, len, NULL, 0, pg) == 0, "extmem_register: %s",
		  rte_strerror(rte_errno));
	ZC_ASSERT(rte_extmem_unregister(mem, len) == 0, "extmem_unregister");
	munmap(mem, len);
	return 0;
}

static int
test_hugetlb_mapping(void)
{
	const size_t len = 4 * MB;
	struct zc_area_user_params p;
	struct zc_area_info info;
	struct zc_area *a;
	struct rte_device *dev;
	char *mem;

	if (!zc_test_huge) {
		printf("SKIP: MAP_HUGETLB mapping tested in --huge mode only\n");
		return ZC_TEST_SKIP;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
	if (mem == MAP_FAILED) {
		printf("SKIP: no 2 MiB MAP_HUGETLB mapping: %s\n", strerror(errno));
		return ZC_TEST_SKIP;
	}
	p = params(mem, len);
	p.page_sz = 2 * MB;
	a = zc_area_create_user("u_huge", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	ZC_ASSERT(info.page_sz == 2 * MB && info.len == len, "page %zu len %zu", info.page_sz,
		  info.len);
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		ZC_ASSERT(info.nb_iova_runs == 1 && zc_area_iova(a, 0, len) == (uintptr_t)mem,
			  "%u runs", info.nb_iova_runs);
	else
		ZC_ASSERT(info.nb_iova_runs == 0, "%u runs without a table", info.nb_iova_runs);
	memset(mem, 0x3c, len);

	dev = zc_test_vdev_get();
	ZC_ASSERT(dev != NULL, "vdev");
	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(a, dev) == 0, "bind");
	ZC_ASSERT(zc_vdev.map_calls == info.nb_iova_runs, "%u maps for %u runs",
		  zc_vdev.map_calls, info.nb_iova_runs);
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind");
	ZC_ASSERT(zc_vdev.unmap_calls == info.nb_iova_runs, "%u unmaps", zc_vdev.unmap_calls);
	zc_area_put(a);

	/* 2 MiB pages need 2 MiB alignment. */
	p = params(mem + pg, 2 * MB);
	p.page_sz = 2 * MB;
	rte_errno = 0;
	a = zc_area_create_user("u_huge2", &p);
	ZC_ASSERT(a == NULL && rte_errno == EINVAL, "unaligned for 2 MiB pages: %d", rte_errno);
	/* 4 KiB granularity over hugetlb memory is allowed. */
	p = params(mem + pg, 2 * MB);
	a = zc_area_create_user("u_huge3", &p);
	ZC_ASSERT(a != NULL, "4 KiB pages over hugetlb memory: %s", rte_strerror(rte_errno));
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

/* Create a user area over fresh memory, with a contiguous IOVA table. */
static struct zc_area *
area_with_table(const char *name, size_t len, char **mem_out, rte_iova_t base)
{
	struct zc_area_user_params p;
	struct zc_area *a;
	rte_iova_t *t;
	char *mem = map_anon(len);

	if (mem == NULL)
		return NULL;
	t = contig_table(len / pg, base);
	if (t == NULL) {
		munmap(mem, len);
		return NULL;
	}
	p = params(mem, len);
	p.iova = t;
	a = zc_area_create_user(name, &p);
	free(t);
	if (a == NULL) {
		printf("  create %s: %s\n", name, rte_strerror(rte_errno));
		munmap(mem, len);
		return NULL;
	}
	*mem_out = mem;
	return a;
}

static int
test_bind(void)
{
	const size_t len = 4 * MB;
	struct rte_device *dev = zc_test_vdev_get();
	struct zc_area_info info;
	struct zc_area *a;
	char *mem;

	ZC_ASSERT(dev != NULL, "vdev %s: %s", ZC_TEST_VDEV_NAME, rte_strerror(rte_errno));
	a = area_with_table("u_bind", len, &mem, FAKE_IOVA);
	ZC_ASSERT(a != NULL, "area");
	zc_test_vdev_reset_counts();

	ZC_ASSERT(zc_area_bind(NULL, dev) == -EINVAL, "bind NULL area");
	ZC_ASSERT(zc_area_bind(a, NULL) == -EINVAL, "bind NULL dev");
	ZC_ASSERT(zc_area_unbind(NULL, dev) == -EINVAL, "unbind NULL area");
	ZC_ASSERT(zc_area_unbind(a, NULL) == -EINVAL, "unbind NULL dev");
	ZC_ASSERT(zc_area_unbind(a, dev) == -ENOENT, "unbind of an unbound device");
	ZC_ASSERT(zc_vdev.map_calls == 0 && zc_vdev.unmap_calls == 0, "calls on bad args");

	ZC_ASSERT(zc_area_bind(a, dev) == 0, "bind");
	ZC_ASSERT(zc_vdev.map_calls == 1, "%u map calls for one run", zc_vdev.map_calls);
	ZC_ASSERT(zc_vdev.maps[0].addr == mem && zc_vdev.maps[0].len == len &&
		  zc_vdev.maps[0].iova == FAKE_IOVA, "mapped %p+%zu at %#" PRIx64,
		  zc_vdev.maps[0].addr, zc_vdev.maps[0].len, zc_vdev.maps[0].iova);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_devices == 1 && info.refcnt == 2,
		  "devices %u refcnt %u", info.nb_devices, info.refcnt);

	ZC_ASSERT(zc_area_bind(a, dev) == 0, "second bind");
	ZC_ASSERT(zc_vdev.map_calls == 1, "second bind mapped again: %u", zc_vdev.map_calls);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_devices == 1, "devices %u",
		  info.nb_devices);

	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "first unbind");
	ZC_ASSERT(zc_vdev.unmap_calls == 0, "unmapped while still bound once");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_devices == 1, "devices %u",
		  info.nb_devices);
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "second unbind");
	ZC_ASSERT(zc_vdev.unmap_calls == 1, "%u unmap calls", zc_vdev.unmap_calls);
	ZC_ASSERT(zc_vdev.unmaps[0].addr == mem && zc_vdev.unmaps[0].len == len &&
		  zc_vdev.unmaps[0].iova == FAKE_IOVA, "unmapped %p+%zu", zc_vdev.unmaps[0].addr,
		  zc_vdev.unmaps[0].len);
	ZC_ASSERT(zc_vdev.mapped_bytes == 0, "%" PRIu64 " bytes left mapped", zc_vdev.mapped_bytes);
	ZC_ASSERT(zc_area_unbind(a, dev) == -ENOENT, "third unbind");
	ZC_ASSERT(zc_vdev.unmap_calls == 1, "unmapped twice");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_devices == 0 && info.refcnt == 1,
		  "devices %u refcnt %u", info.nb_devices, info.refcnt);
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

/* Without a table: as many mappings as runs (one in IOVA-as-VA mode, none when no
 * IOVA is known: a vdev does not DMA). */
static int
test_bind_no_table(void)
{
	const size_t len = 2 * MB;
	struct rte_device *dev = zc_test_vdev_get();
	struct zc_area_user_params p;
	struct zc_area_info info;
	struct zc_area *a;
	char *mem = map_anon(len);

	ZC_ASSERT(dev != NULL && mem != NULL, "setup");
	p = params(mem, len);
	a = zc_area_create_user("u_bind_nt", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(a, dev) == 0, "bind");
	ZC_ASSERT(zc_vdev.map_calls == info.nb_iova_runs, "%u maps, %u runs", zc_vdev.map_calls,
		  info.nb_iova_runs);
	if (info.nb_iova_runs == 1)
		ZC_ASSERT(zc_vdev.maps[0].addr == mem && zc_vdev.maps[0].len == len &&
			  zc_vdev.maps[0].iova == zc_area_iova(a, 0, len), "mapping");
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind");
	ZC_ASSERT(zc_vdev.unmap_calls == info.nb_iova_runs, "%u unmaps", zc_vdev.unmap_calls);
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

static int
test_bind_discontiguous(void)
{
	const size_t nb = 64, len = nb * 4096, k = 40;
	struct rte_device *dev = zc_test_vdev_get();
	struct zc_area_user_params p;
	struct zc_area_info info;
	struct zc_area *a;
	rte_iova_t *t;
	char *mem;

	if (pg != 4096) {
		printf("SKIP: system page size %zu\n", pg);
		return ZC_TEST_SKIP;
	}
	mem = map_anon(len);
	t = contig_table(nb, FAKE_IOVA);
	ZC_ASSERT(dev != NULL && mem != NULL && t != NULL, "setup");
	for (size_t i = k; i < nb; i++)
		t[i] += UINT64_C(1) << 30;
	p = params(mem, len);
	p.iova = t;
	a = zc_area_create_user("u_bind_2", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_iova_runs == 2, "runs %u",
		  info.nb_iova_runs);
	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(a, dev) == 0, "bind");
	ZC_ASSERT(zc_vdev.map_calls == 2, "%u maps for 2 runs", zc_vdev.map_calls);
	ZC_ASSERT(zc_vdev.maps[0].addr == mem && zc_vdev.maps[0].len == k * pg &&
		  zc_vdev.maps[0].iova == t[0], "run 1 mapping %p+%zu", zc_vdev.maps[0].addr,
		  zc_vdev.maps[0].len);
	ZC_ASSERT(zc_vdev.maps[1].addr == mem + k * pg && zc_vdev.maps[1].len == (nb - k) * pg &&
		  zc_vdev.maps[1].iova == t[k], "run 2 mapping %p+%zu", zc_vdev.maps[1].addr,
		  zc_vdev.maps[1].len);
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind");
	ZC_ASSERT(zc_vdev.unmap_calls == 2 && zc_vdev.mapped_bytes == 0, "%u unmaps, %" PRIu64
		  " bytes left", zc_vdev.unmap_calls, zc_vdev.mapped_bytes);

	/* The device refuses the second run: bind fails, the first run is unmapped, and
	 * the area holds no binding and no extra reference. */
	zc_test_vdev_reset_counts();
	zc_vdev.fail_map_call = 2;
	ZC_ASSERT(zc_area_bind(a, dev) == -EIO, "failing bind");
	ZC_ASSERT(zc_vdev.map_calls == 2 && zc_vdev.unmap_calls == 1, "maps %u unmaps %u",
		  zc_vdev.map_calls, zc_vdev.unmap_calls);
	ZC_ASSERT(zc_vdev.mapped_bytes == 0, "failed bind left %" PRIu64 " bytes mapped",
		  zc_vdev.mapped_bytes);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_devices == 0 && info.refcnt == 1,
		  "after a failed bind: devices %u refcnt %u", info.nb_devices, info.refcnt);
	ZC_ASSERT(zc_area_unbind(a, dev) == -ENOENT, "unbind after a failed bind");
	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(a, dev) == 0 && zc_area_unbind(a, dev) == 0, "bind after failure");
	ZC_ASSERT(zc_vdev.map_calls == 2 && zc_vdev.unmap_calls == 2, "maps %u unmaps %u",
		  zc_vdev.map_calls, zc_vdev.unmap_calls);
	zc_area_put(a);
	free(t);
	munmap(mem, len);
	return 0;
}

static int
test_bind_cost_independent_of_size(void)
{
	const size_t small = 4 * MB, big = 256 * MB;
	struct rte_device *dev = zc_test_vdev_get();
	struct zc_area *a, *b;
	unsigned int maps_small, maps_big, unmaps_small, unmaps_big;
	double t0, t_small, t_big;
	char *mem_a, *mem_b;

	ZC_ASSERT(dev != NULL, "vdev");
	a = area_with_table("u_small", small, &mem_a, FAKE_IOVA);
	ZC_ASSERT(a != NULL, "4 MiB area");
	b = area_with_table("u_big", big, &mem_b, FAKE_IOVA + (UINT64_C(1) << 32));
	ZC_ASSERT(b != NULL, "256 MiB area");

	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(a, dev) == 0, "bind small");
	maps_small = zc_vdev.map_calls;
	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(b, dev) == 0, "bind big");
	maps_big = zc_vdev.map_calls;
	ZC_ASSERT(zc_vdev.maps[0].len == big, "big mapping length %zu", zc_vdev.maps[0].len);

	zc_test_vdev_reset_counts();
	t0 = now_us();
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind small");
	t_small = now_us() - t0;
	unmaps_small = zc_vdev.unmap_calls;
	zc_test_vdev_reset_counts();
	t0 = now_us();
	ZC_ASSERT(zc_area_unbind(b, dev) == 0, "unbind big");
	t_big = now_us() - t0;
	unmaps_big = zc_vdev.unmap_calls;
	printf("  unbind: 4 MiB area %.1f us (%u unmap calls), 256 MiB area %.1f us (%u unmap calls)\n",
	       t_small, unmaps_small, t_big, unmaps_big);
	ZC_ASSERT(maps_small == 1 && maps_big == 1, "map calls %u / %u", maps_small, maps_big);
	ZC_ASSERT(unmaps_small == unmaps_big && unmaps_big == 1, "unmap calls %u / %u",
		  unmaps_small, unmaps_big);
	zc_area_put(a);
	zc_area_put(b);
	munmap(mem_a, small);
	munmap(mem_b, big);
	return 0;
}

static int
test_binding_holds_reference(void)
{
	const size_t len = 1 * MB;
	struct rte_device *dev = zc_test_vdev_get();
	struct zc_area_info info;
	struct zc_area *a;
	struct zc_area_user_params p;
	uint16_t id;
	char *mem;

	ZC_ASSERT(dev != NULL, "vdev");
	a = area_with_table("u_bref", len, &mem, FAKE_IOVA);
	ZC_ASSERT(a != NULL, "area");
	id = zc_area_id(a);
	zc_test_vdev_reset_counts();
	ZC_ASSERT(zc_area_bind(a, dev) == 0 && zc_area_bind(a, dev) == 0, "bind twice");
	zc_area_put(a); /* the creator is done */
	ZC_ASSERT(area_with_id(id) == a, "the binding keeps the area");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.refcnt == 1 && info.nb_devices == 1,
		  "refcnt %u devices %u", info.refcnt, info.nb_devices);
	ZC_ASSERT(rte_mem_virt2memseg_list(mem) != NULL, "memory still registered");
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind 1");
	ZC_ASSERT(area_with_id(id) == a && zc_vdev.unmap_calls == 0, "still bound once");
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind 2");
	ZC_ASSERT(zc_vdev.unmap_calls == 1, "%u unmaps", zc_vdev.unmap_calls);
	ZC_ASSERT(area_with_id(id) == NULL, "the last unbind releases the area");
	ZC_ASSERT(rte_mem_virt2memseg_list(mem) == NULL, "memory still registered after release");
	/* The range can be registered again. */
	p = params(mem, len);
	a = zc_area_create_user("u_bref", &p);
	ZC_ASSERT(a != NULL, "re-create: %s", rte_strerror(rte_errno));
	zc_area_put(a);
	munmap(mem, len);
	return 0;
}

/* Hugepage areas bind too (EAL maps its own memory for devices). */
static int
test_bind_hugepage_area(void)
{
	struct rte_device *dev = zc_test_vdev_get();
	struct zc_area_info info;
	struct zc_area *h = zc_area_create_hugepage("u_hp_bind", 1 * MB, SOCKET_ID_ANY);
	uint16_t id;

	ZC_ASSERT(dev != NULL && h != NULL, "setup: %s", rte_strerror(rte_errno));
	id = zc_area_id(h);
	ZC_ASSERT(zc_area_bind(h, dev) == 0, "bind");
	ZC_ASSERT(zc_area_info_get(h, &info) == 0 && info.nb_devices == 1 && info.refcnt == 2,
		  "devices %u refcnt %u", info.nb_devices, info.refcnt);
	zc_area_put(h);
	ZC_ASSERT(area_with_id(id) == h, "binding keeps the area");
	ZC_ASSERT(zc_area_unbind(h, dev) == 0, "unbind");
	ZC_ASSERT(area_with_id(id) == NULL, "released at unbind");
	return 0;
}

static int
test_vdev_teardown(void)
{
	ZC_ASSERT(zc_vdev.probes == 1, "probes %u", zc_vdev.probes);
	ZC_ASSERT(rte_vdev_uninit(ZC_TEST_VDEV_NAME) == 0, "uninit");
	ZC_ASSERT(zc_vdev.removes == 1, "removes %u", zc_vdev.removes);
	return 0;
}

static int
test_init(void)
{
	pg = sysconf(_SC_PAGESIZE);
	ZC_ASSERT(pg >= 4096 && rte_is_power_of_2(pg), "page size %zu", pg);
	return 0;
}

ZC_TEST_MAIN(
	{ "init", test_init },
	{ "create_basic", test_create_basic },
	{ "iova_table", test_iova_table },
	{ "bad_args", test_bad_args },
	{ "bad_page_size_64bit", test_bad_page_size_64bit },
	{ "unmapped", test_unmapped },
	{ "overlap", test_overlap },
	{ "name_across_providers", test_name_across_providers },
	{ "overlap_extmem", test_overlap_extmem },
	{ "release_unregisters", test_release_unregisters },
	{ "hugetlb_mapping", test_hugetlb_mapping },
	{ "bind", test_bind },
	{ "bind_no_table", test_bind_no_table },
	{ "bind_discontiguous", test_bind_discontiguous },
	{ "bind_cost_independent_of_size", test_bind_cost_independent_of_size },
	{ "binding_holds_reference", test_binding_holds_reference },
	{ "bind_hugepage_area", test_bind_hugepage_area },
	{ "vdev_teardown", test_vdev_teardown },
)

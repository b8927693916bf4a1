/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "zc_area_driver.h"

/*
 * Hugepage memory is DPDK's own heap: EAL maps it for every DMA-capable device
 * already, so binding needs no mapping of its own.
 */

static void
hugepage_destroy(struct zc_area *area)
{
	rte_memzone_free(area->mz);
}

static const struct zc_provider_ops hugepage_ops = {
	.name = "hugepage",
	.destroy = hugepage_destroy,
};

/*
 * Record the IOVA of each page piece of the zone (a zone need not start on a page
 * boundary); contiguous pieces merge, so an IOVA-contiguous zone is one run.
 */
static int
hugepage_probe_iovas(struct zc_area *area)
{
	uint64_t off = 0, len;

	if (area->mz->iova == RTE_BAD_IOVA)
		return 0;
	while (off < area->len) {
		const void *va = RTE_PTR_ADD(area->addr, off);
		rte_iova_t iova = rte_mem_virt2iova(va);

		len = area->page_sz - ((uintptr_t)va & (area->page_sz - 1));
		len = RTE_MIN(len, area->len - off);
		if (iova == RTE_BAD_IOVA) {
			zc_area_clear_iova(area);
			return 0;
		}
		if (zc_area_add_iova_run(area, off, len, iova) < 0)
			return -ENOMEM;
		off += len;
	}
	return 0;
}

static struct zc_area *
wrap_memzone(const char *name, const struct rte_memzone *mz)
{
	struct zc_area *area;

	area = zc_area_alloc(name, &hugepage_ops);
	if (area == NULL) {
		rte_memzone_free(mz);
		return NULL;
	}
	area->mz = mz;
	area->addr = mz->addr;
	area->len = mz->len;
	area->page_sz = mz->hugepage_sz;
	area->readable = true;
	area->socket_id = mz->socket_id;
	if (hugepage_probe_iovas(area) < 0) {
		rte_errno = ENOMEM;
		hugepage_destroy(area);
		zc_area_free_unpublished(area);
		return NULL;
	}
	return zc_area_publish(area);
}

struct zc_area *
zc_area_create_hugepage(const char *name, size_t len, int socket_id)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	size_t align = RTE_PGSIZE_2M;

	if (name == NULL || len == 0) {
		ZC_MEM_LOG(ERR, "hugepage area needs a name and a non-zero length\n");
		rte_errno = EINVAL;
		return NULL;
	}
	if (snprintf(mz_name, sizeof(mz_name), "zca_%s", name) >= (int)sizeof(mz_name)) {
		ZC_MEM_LOG(ERR, "area name %s is too long\n", name);
		rte_errno = EINVAL;
		return NULL;
	}
	if (!rte_eal_has_hugepages())
		align = sysconf(_SC_PAGESIZE);
	len = RTE_ALIGN_CEIL(len, align);
	/* IOVA-contiguous first (one DMA run), then any pages. */
	mz = rte_memzone_reserve_aligned(mz_name, len, socket_id,
					 RTE_MEMZONE_IOVA_CONTIG, align);
	if (mz == NULL && rte_errno == ENOMEM)
		mz = rte_memzone_reserve_aligned(mz_name, len, socket_id, 0, align);
	if (mz == NULL) {
		int err = rte_errno;

		ZC_MEM_LOG(ERR, "area %s: cannot reserve %zu bytes of hugepage memory on socket %d: %s; reserve more hugepages (devtools/setup.sh)\n",
			   name, len, socket_id, rte_strerror(err));
		rte_errno = err == EEXIST ? EEXIST : ENOMEM;
		return NULL;
	}
	return wrap_memzone(name, mz);
}

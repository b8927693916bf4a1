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

struct zc_area *
zc_area_create_hugepage(const char *name, size_t len, int socket_id)
{
	static uint32_t zone_seq;
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	size_t align = RTE_PGSIZE_2M;
	struct zc_area *area;
	int err;

	if (!rte_eal_has_hugepages())
		align = sysconf(_SC_PAGESIZE);
	if (len == 0 || len > SIZE_MAX - align) {
		ZC_MEM_LOG(ERR, "hugepage area %s: length must be 1 to %zu bytes\n",
			   name ? name : "(null)", SIZE_MAX - align);
		rte_errno = EINVAL;
		return NULL;
	}
	area = zc_area_alloc(name, &hugepage_ops);
	if (area == NULL)
		return NULL;
	len = RTE_ALIGN_CEIL(len, align);
	/* Area names may be longer than memzone names allow: number the zones. */
	snprintf(mz_name, sizeof(mz_name), "zc_area_%u",
		 __atomic_fetch_add(&zone_seq, 1, __ATOMIC_RELAXED));
	/* IOVA-contiguous first (one DMA run), then any pages. */
	mz = rte_memzone_reserve_aligned(mz_name, len, socket_id,
					 RTE_MEMZONE_IOVA_CONTIG, align);
	if (mz == NULL && rte_errno == ENOMEM)
		mz = rte_memzone_reserve_aligned(mz_name, len, socket_id, 0, align);
	if (mz == NULL) {
		ZC_MEM_LOG(ERR, "area %s: cannot reserve %zu bytes of hugepage memory on socket %d: %s; reserve more hugepages (devtools/setup.sh)\n",
			   name, len, socket_id, rte_strerror(rte_errno));
		err = ENOMEM;
		goto err_free;
	}
	area->mz = mz;
	area->addr = mz->addr;
	area->len = mz->len;
	area->page_sz = mz->hugepage_sz;
	area->readable = true;
	area->socket_id = mz->socket_id;
	if (hugepage_probe_iovas(area) < 0) {
		err = ENOMEM;
		goto err_mz;
	}
	err = -zc_area_publish(area);
	if (err != 0)
		goto err_mz;
	return area;

err_mz:
	rte_memzone_free(mz);
err_free:
	zc_area_free_unpublished(area);
	rte_errno = err;
	return NULL;
}

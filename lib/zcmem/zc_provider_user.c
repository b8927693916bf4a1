/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "zc_area_driver.h"

/*
 * Application memory: registered with EAL as external memory (so that
 * rte_dev_dma_map() accepts it) and mapped per device, one call per
 * IOVA-contiguous run.
 */

struct overlap_arg {
	const char *lo;
	const char *hi;
};

/* rte_extmem_register() only refuses an exact duplicate: check for any overlap. */
static int
overlaps_extmem(const struct rte_memseg_list *msl, void *arg)
{
	const struct overlap_arg *o = arg;
	const char *lo = msl->base_va;

	return msl->external && o->lo < lo + msl->len && lo < o->hi;
}

/*
 * Under the registry lock, after zc_area_publish() checked the other areas: no
 * other user area can register overlapping memory between the check and the
 * registration. Memory registered directly with EAL is checked, not locked out.
 */
static int
user_claim(struct zc_area *area)
{
	struct overlap_arg o = { area->addr, RTE_PTR_ADD(area->addr, area->len) };
	size_t nb_pages = area->nb_runs != 0 ? area->len / area->page_sz : 0, i;
	rte_iova_t *iova = NULL;
	int ret = 0;

	if (rte_memseg_list_walk(overlaps_extmem, &o) != 0) {
		ZC_MEM_LOG(ERR, "user area %s overlaps external memory registered with rte_extmem_register()\n",
			   area->name);
		return -EEXIST;
	}
	/* EAL takes the IOVA of every page; the runs know all of them or none. */
	if (nb_pages != 0) {
		iova = malloc(nb_pages * sizeof(*iova));
		if (iova == NULL)
			return -ENOMEM;
		for (i = 0; i < nb_pages; i++)
			iova[i] = zc_area_iova(area, i * area->page_sz, area->page_sz);
	}
	if (rte_extmem_register(area->addr, area->len, iova, nb_pages, area->page_sz) < 0) {
		ret = -rte_errno;
		ZC_MEM_LOG(ERR, "user area %s: rte_extmem_register failed: %s\n", area->name,
			   rte_strerror(-ret));
	}
	free(iova);
	return ret;
}

static void
user_destroy(struct zc_area *area)
{
	if (rte_extmem_unregister(area->addr, area->len) < 0)
		ZC_MEM_LOG(WARNING, "area %s: rte_extmem_unregister failed: %s\n", area->name,
			   rte_strerror(rte_errno));
}

static int
user_dma_unmap_runs(struct zc_area *area, struct rte_device *dev, unsigned int nb_runs)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < nb_runs; i++) {
		const struct zc_iova_run *r = &area->runs[i];

		if (rte_dev_dma_unmap(dev, RTE_PTR_ADD(area->addr, r->off), r->iova, r->len) < 0)
			ret = -rte_errno;
	}
	return ret;
}

static int
user_dma_map(struct zc_area *area, struct rte_device *dev)
{
	unsigned int i;

	if (area->nb_runs == 0) {
		/* Virtual devices do not DMA; anything else needs an address. */
		if (zc_dev_is_vdev(dev))
			return 0;
		ZC_MEM_LOG(ERR, "area %s has no IOVA, so %s cannot DMA to it: pass an IOVA table or run EAL with --iova-mode=va\n",
			   area->name, rte_dev_name(dev));
		return -ENOTSUP;
	}
	for (i = 0; i < area->nb_runs; i++) {
		const struct zc_iova_run *r = &area->runs[i];

		if (rte_dev_dma_map(dev, RTE_PTR_ADD(area->addr, r->off), r->iova, r->len) < 0) {
			int err = rte_errno;

			/* VFIO's EINVAL for a valid range: an IOVA the IOMMU cannot address. */
			ZC_MEM_LOG(ERR, "area %s: DMA map for %s failed: %s%s\n", area->name,
				   rte_dev_name(dev), rte_strerror(err),
				   err == EINVAL ? " (is the IOVA beyond the IOMMU's address width, 39 bits on some machines? map the memory lower or pass an IOVA table)" : "");
			user_dma_unmap_runs(area, dev, i);
			return -err;
		}
	}
	return 0;
}

static int
user_dma_unmap(struct zc_area *area, struct rte_device *dev)
{
	if (area->nb_runs == 0)
		return 0;
	return user_dma_unmap_runs(area, dev, area->nb_runs);
}

static const struct zc_provider_ops user_ops = {
	.name = "user",
	.claim = user_claim,
	.destroy = user_destroy,
	.dma_map = user_dma_map,
	.dma_unmap = user_dma_unmap,
};

/* Overlaps are checked when the area is published (user_claim()). */
static int
check_params(const char *name, const struct zc_area_user_params *p)
{
	long sys_pg = sysconf(_SC_PAGESIZE);

	if (p == NULL || p->addr == NULL || p->len == 0) {
		ZC_MEM_LOG(ERR, "user area %s: address and length must be non-zero\n",
			   name ? name : "(null)");
		return -EINVAL;
	}
	if ((p->page_sz & (p->page_sz - 1)) != 0 || p->page_sz < (size_t)sys_pg) {
		ZC_MEM_LOG(ERR, "user area %s: page size %zu is not a power of two >= %ld\n",
			   name, p->page_sz, sys_pg);
		return -EINVAL;
	}
	if (((uintptr_t)p->addr & (p->page_sz - 1)) != 0 || (p->len & (p->page_sz - 1)) != 0) {
		ZC_MEM_LOG(ERR, "user area %s: address %p and length %zu must be multiples of the page size %zu\n",
			   name, p->addr, p->len, p->page_sz);
		return -EINVAL;
	}
	/* msync() fails with ENOMEM on any unmapped page of the range. */
	if (msync(p->addr, p->len, MS_ASYNC) < 0) {
		ZC_MEM_LOG(ERR, "user area %s: %p + %zu is not mapped memory\n", name,
			   p->addr, p->len);
		return -EFAULT;
	}
	return 0;
}

struct zc_area *
zc_area_create_user(const char *name, const struct zc_area_user_params *p)
{
	struct zc_area *area;
	int ret;

	ret = check_params(name, p);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	area = zc_area_alloc(name, &user_ops);
	if (area == NULL)
		return NULL;
	area->addr = p->addr;
	area->len = p->len;
	area->page_sz = p->page_sz;
	area->socket_id = p->socket_id;
	area->readable = true;
	if (p->iova != NULL)
		ret = zc_area_set_page_iovas(area, p->iova, p->len / p->page_sz);
	else if (rte_eal_iova_mode() == RTE_IOVA_VA)
		ret = zc_area_add_iova_run(area, 0, p->len, (uintptr_t)p->addr);
	if (ret < 0)
		goto err_free;
	ret = zc_area_publish(area);
	if (ret < 0)
		goto err_free;
	return area;

err_free:
	zc_area_free_unpublished(area);
	rte_errno = -ret;
	return NULL;
}

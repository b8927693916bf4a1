/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include "zc_area_driver.h"

/*
 * Memory a mempool owns (its memzones, or anonymous memory it mapped): the area
 * only describes it. The mempool frees the memory itself, after the area is gone.
 * The area grows chunk by chunk as the mempool is populated; each chunk is
 * IOVA-contiguous, so each is one IOVA run at most.
 */

static void
mempool_mem_destroy(struct zc_area *area)
{
	RTE_SET_USED(area);
}

static const struct zc_provider_ops mempool_mem_ops = {
	.name = "mempool",
	.destroy = mempool_mem_destroy,
};

int
zc_area_grow(struct zc_area *area, size_t len, rte_iova_t iova)
{
	int ret = 0;

	/* Published already: other threads may be reading the layout. */
	zc_area_layout_lock(area);
	if (area->iova_unknown || iova == RTE_BAD_IOVA) {
		/* One chunk without an IOVA: DMA cannot reach the whole area. */
		area->iova_unknown = true;
		zc_area_clear_iova(area);
	} else {
		ret = zc_area_add_iova_run(area, area->len, len, iova);
	}
	if (ret == 0)
		area->len += len;
	zc_area_layout_unlock(area);
	return ret;
}

struct zc_area *
zc_area_adopt(const char *name, void *addr, size_t len, rte_iova_t iova, int socket_id)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	struct zc_area *area;
	int ret;

	area = zc_area_alloc(name, &mempool_mem_ops);
	if (area == NULL)
		return NULL;
	area->addr = addr;
	area->page_sz = msl != NULL ? msl->page_sz : (size_t)sysconf(_SC_PAGESIZE);
	area->socket_id = msl != NULL ? msl->socket_id : socket_id;
	area->readable = true;
	area->whole = true;
	ret = zc_area_grow(area, len, iova);
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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>

#include "zc_area_driver.h"

RTE_LOG_REGISTER(zc_mem_logtype, lib.zcmem, NOTICE);

/*
 * Registry: ids index a flat table. Id 0 is never used, so an all-zero entry is
 * always invalid. The lock covers the table and the drop of a last reference:
 * lookups take their reference under it, so they never return an area whose
 * release has begun. Areas' own locks are in zc_area_driver.h.
 */
static struct zc_area *zc_areas[ZC_AREA_MAX + 1];
static pthread_mutex_t zc_area_lock = PTHREAD_MUTEX_INITIALIZER;

static struct zc_area *
find_by_name_locked(const char *name)
{
	unsigned int i;

	for (i = 1; i <= ZC_AREA_MAX; i++)
		if (zc_areas[i] != NULL && strcmp(zc_areas[i]->name, name) == 0)
			return zc_areas[i];
	return NULL;
}

static const struct zc_area *
find_overlap_locked(const struct zc_area *area)
{
	uintptr_t lo = (uintptr_t)area->addr, hi = lo + area->len;
	unsigned int i;

	for (i = 1; i <= ZC_AREA_MAX; i++) {
		const struct zc_area *a = zc_areas[i];

		if (a != NULL && lo < (uintptr_t)a->addr + a->len && (uintptr_t)a->addr < hi)
			return a;
	}
	return NULL;
}

struct zc_area *
zc_area_alloc(const char *name, const struct zc_provider_ops *ops)
{
	struct zc_area *area;

	if (name == NULL || name[0] == '\0' || strlen(name) >= ZC_AREA_NAMESIZE) {
		ZC_MEM_LOG(ERR, "area name must be 1 to %d characters\n", ZC_AREA_NAMESIZE - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	area = calloc(1, sizeof(*area));
	if (area == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	strcpy(area->name, name);
	area->ops = ops;
	area->socket_id = SOCKET_ID_ANY;
	area->fd = -1;
	pthread_mutex_init(&area->lock, NULL);
	TAILQ_INIT(&area->bindings);
	return area;
}

void
zc_area_free_unpublished(struct zc_area *area)
{
	if (area == NULL)
		return;
	pthread_mutex_destroy(&area->lock);
	free(area->runs);
	free(area->spans);
	free(area);
}

int
zc_area_publish(struct zc_area *area)
{
	const struct zc_area *other;
	unsigned int id;
	int ret = 0;

	pthread_mutex_lock(&zc_area_lock);
	if (find_by_name_locked(area->name) != NULL) {
		ZC_MEM_LOG(ERR, "area name %s is already in use\n", area->name);
		ret = -EEXIST;
		goto out;
	}
	other = find_overlap_locked(area);
	if (other != NULL) {
		ZC_MEM_LOG(ERR, "area %s overlaps area %s\n", area->name, other->name);
		ret = -EEXIST;
		goto out;
	}
	for (id = 1; id <= ZC_AREA_MAX && zc_areas[id] != NULL; id++)
		;
	if (id > ZC_AREA_MAX) {
		ZC_MEM_LOG(ERR, "cannot create area %s: %d areas exist already\n", area->name,
			   ZC_AREA_MAX);
		ret = -ENOSPC;
		goto out;
	}
	if (area->ops->claim != NULL) {
		ret = area->ops->claim(area);
		if (ret < 0)
			goto out;
	}
	area->id = id;
	area->refcnt = 1;
	zc_areas[id] = area;
	ZC_MEM_LOG(DEBUG, "area %s: id %u, %s, %zu bytes, %s\n", area->name, id,
		   area->ops->name, area->len, area->readable ? "readable" : "unreadable");
out:
	pthread_mutex_unlock(&zc_area_lock);
	return ret;
}

int
zc_area_add_iova_run(struct zc_area *area, uint64_t off, uint64_t len, rte_iova_t iova)
{
	struct zc_iova_run *r = area->nb_runs ? &area->runs[area->nb_runs - 1] : NULL;

	if (r != NULL && r->off + r->len == off && r->iova + r->len == iova) {
		r->len += len;
		return 0;
	}
	/* Runs arrive in order; grow geometrically. */
	if ((area->nb_runs & (area->nb_runs - 1)) == 0) {
		size_t max = area->nb_runs ? area->nb_runs * 2 : 1;

		r = realloc(area->runs, max * sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		area->runs = r;
	}
	r = &area->runs[area->nb_runs++];
	r->off = off;
	r->len = len;
	r->iova = iova;
	return 0;
}

void
zc_area_layout_lock(struct zc_area *area)
{
	pthread_mutex_lock(&zc_area_lock);
	pthread_mutex_lock(&area->lock);
}

void
zc_area_layout_unlock(struct zc_area *area)
{
	pthread_mutex_unlock(&area->lock);
	pthread_mutex_unlock(&zc_area_lock);
}

void
zc_area_clear_iova(struct zc_area *area)
{
	free(area->runs);
	area->runs = NULL;
	area->nb_runs = 0;
}

int
zc_area_set_page_iovas(struct zc_area *area, const rte_iova_t *iova, size_t nb_pages)
{
	size_t i;

	zc_area_clear_iova(area);
	for (i = 0; iova != NULL && i < nb_pages; i++) {
		if (iova[i] == RTE_BAD_IOVA) {
			/* Partial knowledge is no knowledge: DMA needs every page. */
			zc_area_clear_iova(area);
			return 0;
		}
		if (zc_area_add_iova_run(area, i * area->page_sz, area->page_sz, iova[i]) < 0) {
			zc_area_clear_iova(area);
			return -ENOMEM;
		}
	}
	return 0;
}

void
zc_area_get(struct zc_area *area)
{
	/* The caller holds a reference: the count cannot be 0 here. */
	__atomic_fetch_add(&area->refcnt, 1, __ATOMIC_RELAXED);
}

void
zc_area_put(struct zc_area *area)
{
	if (area == NULL)
		return;
	/*
	 * Under the registry lock, so that no lookup takes a reference between the
	 * last drop and the unpublishing. Release ordering so that the releaser sees
	 * every user's last writes.
	 */
	pthread_mutex_lock(&zc_area_lock);
	if (__atomic_sub_fetch(&area->refcnt, 1, __ATOMIC_ACQ_REL) != 0) {
		pthread_mutex_unlock(&zc_area_lock);
		return;
	}
	zc_areas[area->id] = NULL;
	pthread_mutex_unlock(&zc_area_lock);
	ZC_MEM_LOG(DEBUG, "area %s (id %u) released\n", area->name, area->id);
	area->ops->destroy(area);
	zc_area_free_unpublished(area);
}

/* The area with a valid @p id, else the one named @p name, with a reference; or NULL. */
static struct zc_area *
get_area(uint16_t id, const char *name)
{
	struct zc_area *area = NULL;

	pthread_mutex_lock(&zc_area_lock);
	if (id != 0 && id <= ZC_AREA_MAX)
		area = zc_areas[id];
	else if (name != NULL)
		area = find_by_name_locked(name);
	if (area != NULL)
		zc_area_get(area);
	pthread_mutex_unlock(&zc_area_lock);
	return area;
}

struct zc_area *
zc_area_get_by_id(uint16_t id)
{
	struct zc_area *area = get_area(id, NULL);

	if (area == NULL)
		rte_errno = ENOENT;
	return area;
}

struct zc_area *
zc_area_get_by_name(const char *name)
{
	struct zc_area *area = get_area(0, name);

	if (area == NULL)
		rte_errno = ENOENT;
	return area;
}

uint16_t
zc_area_id(const struct zc_area *area)
{
	return area->id;
}

void *
zc_area_addr(const struct zc_area *area)
{
	return area->addr;
}

bool
zc_area_readable(const struct zc_area *area)
{
	return area->readable;
}

int
zc_area_info_get(const struct zc_area *area, struct zc_area_info *info)
{
	const struct zc_area_binding *b;
	unsigned int i;

	if (area == NULL || info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	strcpy(info->name, area->name);
	info->provider = area->ops->name;
	info->id = area->id;
	info->readable = area->readable;
	info->socket_id = area->socket_id;
	info->addr = area->addr;
	info->page_sz = area->page_sz;
	info->refcnt = __atomic_load_n(&area->refcnt, __ATOMIC_RELAXED);
	/* The lock guards the area's state, not the handle: cast away const. */
	pthread_mutex_lock((pthread_mutex_t *)(uintptr_t)&area->lock);
	info->len = area->len;
	info->nb_iova_runs = area->nb_runs;
	TAILQ_FOREACH(b, &area->bindings, next)
		info->nb_devices++;
	info->nb_dma_maps = area->nb_dma_maps;
	info->nb_dma_unmaps = area->nb_dma_unmaps;
	for (i = 0; i < area->nb_spans; i++)
		info->carved += area->spans[i].len;
	if (area->whole)
		info->carved = area->len;
	pthread_mutex_unlock((pthread_mutex_t *)(uintptr_t)&area->lock);
	return 0;
}

static const struct zc_iova_run *
find_run(const struct zc_area *area, uint64_t off)
{
	unsigned int lo = 0, hi = area->nb_runs;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct zc_iova_run *r = &area->runs[mid];

		if (off < r->off)
			hi = mid;
		else if (off >= r->off + r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

rte_iova_t
zc_area_iova(const struct zc_area *area, uint64_t off, size_t len)
{
	const struct zc_iova_run *r;

	if (area == NULL || len == 0 || off >= area->len || len > area->len - off)
		return RTE_BAD_IOVA;
	r = find_run(area, off);
	if (r == NULL || off + len > r->off + r->len)
		return RTE_BAD_IOVA;
	return r->iova + (off - r->off);
}

bool
zc_area_range_dma_ok(const struct zc_area *area, uint64_t off, size_t len)
{
	if (off >= area->len || len > area->len - off)
		return false;
	return area->nb_runs == 0 || zc_area_iova(area, off, len) != RTE_BAD_IOVA;
}

int
zc_area_carve(struct zc_area *area, size_t len, size_t align, uint64_t *off)
{
	struct zc_span *spans;
	uint64_t start = 0;
	unsigned int i;
	int ret = -ENOSPC;

	if (align == 0)
		align = RTE_CACHE_LINE_SIZE;
	if (area == NULL || off == NULL || len == 0 || (align & (align - 1)) != 0)
		return -EINVAL;
	/* A mempool's own memory is all in use by its objects. */
	if (area->whole)
		return -ENOSPC;
	pthread_mutex_lock(&area->lock);
	/* First fit between sorted spans: an area has a handful of spans. */
	for (i = 0; i <= area->nb_spans; i++) {
		uint64_t end = i < area->nb_spans ? area->spans[i].off : area->len;

		start = RTE_ALIGN_CEIL(start, align);
		if (start <= end && end - start >= len)
			break;
		if (i < area->nb_spans)
			start = area->spans[i].off + area->spans[i].len;
	}
	if (i > area->nb_spans)
		goto out;
	if (area->nb_spans == area->max_spans) {
		unsigned int max = area->max_spans ? area->max_spans * 2 : 4;

		spans = realloc(area->spans, max * sizeof(*spans));
		if (spans == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		area->spans = spans;
		area->max_spans = max;
	}
	memmove(&area->spans[i + 1], &area->spans[i],
		(area->nb_spans - i) * sizeof(area->spans[0]));
	area->spans[i].off = start;
	area->spans[i].len = len;
	area->nb_spans++;
	zc_area_get(area);
	*off = start;
	ret = 0;
out:
	pthread_mutex_unlock(&area->lock);
	return ret;
}

int
zc_area_uncarve(struct zc_area *area, uint64_t off)
{
	unsigned int i;

	if (area == NULL)
		return -EINVAL;
	pthread_mutex_lock(&area->lock);
	for (i = 0; i < area->nb_spans; i++)
		if (area->spans[i].off == off)
			break;
	if (i == area->nb_spans) {
		pthread_mutex_unlock(&area->lock);
		return -ENOENT;
	}
	area->nb_spans--;
	memmove(&area->spans[i], &area->spans[i + 1],
		(area->nb_spans - i) * sizeof(area->spans[0]));
	pthread_mutex_unlock(&area->lock);
	zc_area_put(area);
	return 0;
}

bool
zc_dev_is_vdev(const struct rte_device *dev)
{
	const struct rte_bus *bus = rte_dev_bus(dev);

	return bus != NULL && strcmp(rte_bus_name(bus), "vdev") == 0;
}

static struct zc_area_binding *
find_binding(struct zc_area *area, const struct zc_binder_ops *ops, const void *dev)
{
	struct zc_area_binding *b;

	TAILQ_FOREACH(b, &area->bindings, next)
		if (b->ops == ops && b->dev == dev)
			return b;
	return NULL;
}

int
zc_area_bind_dev(struct zc_area *area, const struct zc_binder_ops *ops, void *dev,
		 const void *arg, struct zc_area_binding **out)
{
	struct zc_area_binding *b;
	int ret = 0;

	if (area == NULL || dev == NULL)
		return -EINVAL;
	/* Held across the mapping: a second bind or an unbind waits for it. */
	pthread_mutex_lock(&area->lock);
	b = find_binding(area, ops, dev);
	if (b != NULL) {
		if (ops->exclusive) {
			ZC_MEM_LOG(ERR, "area %s is already bound to this %s\n", area->name,
				   ops->name);
			ret = -EEXIST;
		} else {
			b->refs++;
		}
		goto out;
	}
	b = calloc(1, ops->size);
	if (b == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	b->ops = ops;
	b->dev = dev;
	b->refs = 1;
	ret = ops->map(area, b, arg);
	if (ret < 0) {
		free(b);
		goto out;
	}
	TAILQ_INSERT_TAIL(&area->bindings, b, next);
	zc_area_get(area);
out:
	pthread_mutex_unlock(&area->lock);
	if (out != NULL)
		*out = ret == 0 ? b : NULL;
	return ret;
}

int
zc_area_unbind_dev(struct zc_area *area, const struct zc_binder_ops *ops, void *dev)
{
	struct zc_area_binding *b;

	if (area == NULL || dev == NULL)
		return -EINVAL;
	pthread_mutex_lock(&area->lock);
	b = find_binding(area, ops, dev);
	if (b == NULL) {
		pthread_mutex_unlock(&area->lock);
		return -ENOENT;
	}
	if (--b->refs > 0) {
		pthread_mutex_unlock(&area->lock);
		return 0;
	}
	TAILQ_REMOVE(&area->bindings, b, next);
	ops->unmap(area, b);
	pthread_mutex_unlock(&area->lock);
	free(b);
	zc_area_put(area);
	return 0;
}

struct zc_area_binding *
zc_area_binding_find(struct zc_area *area, const struct zc_binder_ops *ops, const void *dev)
{
	struct zc_area_binding *b;

	pthread_mutex_lock(&area->lock);
	b = find_binding(area, ops, dev);
	pthread_mutex_unlock(&area->lock);
	return b;
}

unsigned int
zc_area_unbind_all(const struct zc_binder_ops *ops, void *dev)
{
	struct zc_area *area;
	unsigned int id, n = 0;

	for (id = 1; id <= ZC_AREA_MAX; id++) {
		area = get_area(id, NULL);
		if (area == NULL)
			continue;
		/* A counted binding needs an unbind per bind. */
		if (zc_area_unbind_dev(area, ops, dev) == 0) {
			n++;
			while (zc_area_unbind_dev(area, ops, dev) == 0)
				;
		}
		zc_area_put(area);
	}
	return n;
}

/*
 * DPDK devices: the provider maps the area for the device's DMA. Under the area's
 * lock, which also guards the counts: they show a device mapped once, however
 * many binds.
 */
static int
rte_dev_map(struct zc_area *area, struct zc_area_binding *b, const void *arg)
{
	int ret;

	if (area->ops->dma_map == NULL)
		return 0;
	ret = area->ops->dma_map(area, b->dev);
	if (ret == 0)
		area->nb_dma_maps++;
	return ret;
}

static void
rte_dev_unmap(struct zc_area *area, struct zc_area_binding *b)
{
	/* An unmap failure cannot be undone: the device is going away. Log it. */
	if (area->ops->dma_unmap != NULL && area->ops->dma_unmap(area, b->dev) < 0) {
		ZC_MEM_LOG(WARNING, "area %s: unmapping from %s failed\n", area->name,
			   rte_dev_name(b->dev));
		return;
	}
	/* What rte_dev_map() counted, even for a provider with nothing to undo. */
	if (area->ops->dma_map != NULL)
		area->nb_dma_unmaps++;
}

static const struct zc_binder_ops rte_dev_binder = {
	.name = "device",
	.size = sizeof(struct zc_area_binding),
	.map = rte_dev_map,
	.unmap = rte_dev_unmap,
};

int
zc_area_bind(struct zc_area *area, struct rte_device *dev)
{
	return zc_area_bind_dev(area, &rte_dev_binder, dev, NULL, NULL);
}

int
zc_area_unbind(struct zc_area *area, struct rte_device *dev)
{
	return zc_area_unbind_dev(area, &rte_dev_binder, dev);
}

static int
cpu_sync(struct zc_area *area, uint32_t flags, bool end)
{
	if (area == NULL || flags == 0 ||
	    (flags & ~(ZC_AREA_CPU_READ | ZC_AREA_CPU_WRITE)) != 0)
		return -EINVAL;
	if (!area->readable)
		return -EPERM;
	return area->ops->cpu_sync != NULL ? area->ops->cpu_sync(area, flags, end) : 0;
}

int
zc_area_cpu_access_begin(struct zc_area *area, uint32_t flags)
{
	return cpu_sync(area, flags, false);
}

int
zc_area_cpu_access_end(struct zc_area *area, uint32_t flags)
{
	return cpu_sync(area, flags, true);
}

int
zc_area_walk(int (*fn)(const struct zc_area *area, void *arg), void *arg)
{
	struct zc_area *area;
	unsigned int id;
	int ret = 0;

	if (fn == NULL)
		return -EINVAL;
	/* A reference, not the lock, across fn: fn may call anything, even release. */
	for (id = 1; id <= ZC_AREA_MAX && ret == 0; id++) {
		area = get_area(id, NULL);
		if (area == NULL)
			continue;
		ret = fn(area, arg);
		zc_area_put(area);
	}
	return ret;
}

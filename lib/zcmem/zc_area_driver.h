/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_AREA_DRIVER_H
#define ZC_AREA_DRIVER_H

/**
 * @file
 * Area internals shared by the providers and the project's drivers.
 * Not a public API: not installed, not for applications.
 */

#include <pthread.h>
#include <sys/queue.h>

#include <rte_log.h>
#include <rte_memzone.h>

#include "zc_area.h"

extern int zc_mem_logtype;
#define ZC_MEM_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, zc_mem_logtype, "zcmem: " __VA_ARGS__)

/** A range of the area whose IOVA is contiguous. */
struct zc_iova_run {
	uint64_t off;
	uint64_t len;
	rte_iova_t iova;
};

/** A span carved out for one consumer. */
struct zc_span {
	uint64_t off;
	uint64_t len;
};

/**
 * What a provider implements. Providers only create and release memory and map
 * it for devices; everything else (ids, references, carving, bindings) is common.
 */
struct zc_provider_ops {
	const char *name;
	/**
	 * Claim the memory (NULL: nothing to claim). Called by zc_area_publish()
	 * under the registry lock once no area overlaps, so that the provider's own
	 * checks and its claim are one step for every other creation. The last step
	 * of publishing: only destroy undoes it. 0 or a negative errno (reason logged).
	 */
	int (*claim)(struct zc_area *area);
	/** Release the memory (last reference dropped). */
	void (*destroy)(struct zc_area *area);
	/** Map the whole area for @p dev (NULL: nothing to do). */
	int (*dma_map)(struct zc_area *area, struct rte_device *dev);
	/** Undo dma_map (NULL: nothing to do). */
	int (*dma_unmap)(struct zc_area *area, struct rte_device *dev);
	/** Bracket CPU access (NULL: nothing to do). */
	int (*cpu_sync)(struct zc_area *area, uint32_t flags, bool end);
};

struct zc_area_binding;

/**
 * A kind of device areas bind to: DPDK devices (zc_area_bind(), through the
 * provider's dma_map) or verbs protection domains (zc_area_verbs.c). The common
 * code keeps the bindings, their counts, the area references and the lock; a
 * binder only maps and unmaps.
 */
struct zc_binder_ops {
	const char *name;  /**< For logs. */
	size_t size;       /**< Bytes per binding, from struct zc_area_binding on. */
	bool exclusive;    /**< A second bind fails with -EEXIST instead of counting. */
	/**
	 * Map the area for b->dev, under the area's lock, with the binder's
	 * argument to zc_area_bind_dev(). 0 or a negative errno.
	 */
	int (*map)(struct zc_area *area, struct zc_area_binding *b, const void *arg);
	/** Undo map, under the area's lock; failures are the binder's to log. */
	void (*unmap)(struct zc_area *area, struct zc_area_binding *b);
};

/** One device an area is bound to; a binder's state follows it (ops->size). */
struct zc_area_binding {
	TAILQ_ENTRY(zc_area_binding) next;
	const struct zc_binder_ops *ops;
	void *dev;         /**< The binder's device: struct rte_device, struct ibv_pd. */
	unsigned int refs;
};

/*
 * Locks, both mutexes, taken in this order when both are needed:
 * - the registry lock (zc_area.c): the id table, names and last references;
 * - the area's lock: its spans and bindings. It is held across DMA mapping,
 *   which may sleep, and stalls only this area's control calls.
 * The length and runs of a published area change only under both
 * (zc_area_layout_lock()), so that either lock gives a consistent view of them.
 */
struct zc_area {
	char name[ZC_AREA_NAMESIZE];
	uint16_t id;
	bool readable;
	int socket_id;
	const struct zc_provider_ops *ops;
	void *addr;
	size_t len;
	size_t page_sz;
	uint32_t refcnt;
	unsigned int nb_runs;
	struct zc_iova_run *runs;
	pthread_mutex_t lock;
	unsigned int nb_spans;
	unsigned int max_spans;
	struct zc_span *spans;    /**< Sorted by offset. */
	TAILQ_HEAD(, zc_area_binding) bindings;
	/* zc_area_info::nb_dma_maps and nb_dma_unmaps, under the area's lock. */
	unsigned int nb_dma_maps;
	unsigned int nb_dma_unmaps;
	/* Provider state. */
	const struct rte_memzone *mz; /**< hugepage: the memzone. */
	bool iova_unknown;        /**< mempool: a chunk had no IOVA. */
	bool whole;               /**< mempool: all in use, nothing to carve. */
	int fd;                   /**< dmabuf: our duplicate of the fd. */
};

/**
 * Allocate an unregistered area for a provider (name checked, no id yet).
 * NULL with rte_errno set on error.
 */
struct zc_area *zc_area_alloc(const char *name, const struct zc_provider_ops *ops);

/**
 * Check the name and the memory against every area, claim the memory
 * (zc_provider_ops::claim), give the area an id and make it visible (refcnt 1),
 * all under the registry lock.
 *
 * @return
 *   0, or -EEXIST (name in use, or the memory overlaps an area), -ENOSPC
 *   (ZC_AREA_MAX areas exist) or the claim's error; then nothing was claimed
 *   and the caller releases what it holds.
 */
int zc_area_publish(struct zc_area *area);

/** Free an area that was never published (provider memory not held). */
void zc_area_free_unpublished(struct zc_area *area);

/** Append an IOVA run (in offset order), merging it with the last when contiguous. */
int zc_area_add_iova_run(struct zc_area *area, uint64_t off, uint64_t len, rte_iova_t iova);

/**
 * Lock (unlock) both locks, registry first, around a change of a published
 * area's length or runs.
 */
void zc_area_layout_lock(struct zc_area *area);
void zc_area_layout_unlock(struct zc_area *area);

/** Forget all IOVA runs (the area has no known IOVA). */
void zc_area_clear_iova(struct zc_area *area);

/**
 * Record the IOVA of every page (NULL, or RTE_BAD_IOVA entries: unknown),
 * merging contiguous pages into runs. 0 or -ENOMEM.
 */
int zc_area_set_page_iovas(struct zc_area *area, const rte_iova_t *iova, size_t nb_pages);

/**
 * Describe memory a mempool owns as an area (provider "mempool"), starting with
 * one IOVA-contiguous chunk. The memory must outlive the area.
 * NULL with rte_errno set on error.
 */
__rte_internal
struct zc_area *zc_area_adopt(const char *name, void *addr, size_t len, rte_iova_t iova,
			      int socket_id);

/**
 * Extend an adopted area by the chunk that follows it (IOVA-contiguous, or
 * RTE_BAD_IOVA). 0 or -ENOMEM.
 */
__rte_internal
int zc_area_grow(struct zc_area *area, size_t len, rte_iova_t iova);

/**
 * Bind an area to @p dev of a binder: map it (ops->map) on the first bind, and
 * take a reference on the area. A later bind counts, or fails with -EEXIST for an
 * exclusive binder.
 *
 * @param arg
 *   Passed to ops->map.
 * @param[out] b
 *   The binding (NULL: not wanted), valid until its last unbind.
 * @return
 *   0, -EINVAL (NULL argument), -EEXIST, -ENOMEM, or the map's error.
 */
int zc_area_bind_dev(struct zc_area *area, const struct zc_binder_ops *ops, void *dev,
		     const void *arg, struct zc_area_binding **b);

/**
 * Undo one zc_area_bind_dev(); the last one unmaps and drops the reference.
 *
 * @return
 *   0, -EINVAL (NULL argument), or -ENOENT if the area is not bound to @p dev.
 */
int zc_area_unbind_dev(struct zc_area *area, const struct zc_binder_ops *ops, void *dev);

/**
 * The binding of an area to @p dev of a binder, or NULL. It stays valid until its
 * last unbind, which only its owner may call.
 */
struct zc_area_binding *zc_area_binding_find(struct zc_area *area,
					     const struct zc_binder_ops *ops, const void *dev);

/**
 * Undo every binding of every area to @p dev of a binder (a device going away).
 *
 * @return
 *   The number of areas unbound.
 */
unsigned int zc_area_unbind_all(const struct zc_binder_ops *ops, void *dev);

/** Whether a device is virtual (no DMA of its own). */
bool zc_dev_is_vdev(const struct rte_device *dev);

/** Whether [off, off + len) lies in the area and has a contiguous IOVA or none. */
bool zc_area_range_dma_ok(const struct zc_area *area, uint64_t off, size_t len);

#endif /* ZC_AREA_DRIVER_H */

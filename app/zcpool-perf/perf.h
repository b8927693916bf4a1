/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCPOOL_PERF_H
#define ZCPOOL_PERF_H

/*
 * zc-pool-perf internals: the measurement loops (perf_loops.c) as seen by the
 * driver program (main.c).
 */

#include <stdint.h>

#include <rte_mempool.h>

/* Largest bulk a loop handles; the object arrays live on the stack. */
#define PERF_MAX_BULK 64

/* What one measurement produced. */
struct perf_sample {
	double cycles_per_obj; /* TSC cycles divided by objects moved. */
	uint64_t retries;      /* Gets that failed and were retried (cross only). */
};

/*
 * One lcore: get_bulk(bulk) then put_bulk(bulk), repeated until @p objs
 * objects have gone round. Covers both the cache and the driver paths: which one
 * is taken depends only on the pool's cache_size.
 *
 * @return 0, or -ENOBUFS if a get failed (the pool is smaller than a bulk).
 */
int perf_local(struct rte_mempool *mp, unsigned int bulk, uint64_t objs,
	       struct perf_sample *out);

/*
 * Two lcores: the calling lcore gets bulks and hands them to @p worker over an
 * SPSC ring; the worker puts them back. At most @p max_inflight objects are out
 * of the pool at a time.
 *
 * @return 0, or a negative errno (the worker could not be launched).
 */
int perf_cross(struct rte_mempool *mp, struct rte_ring *xfer, unsigned int worker,
	       unsigned int bulk, uint64_t objs, unsigned int max_inflight,
	       struct perf_sample *out);

#endif /* ZCPOOL_PERF_H */

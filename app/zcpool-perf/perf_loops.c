/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * The measurement loops. Every loop is the same code for every mempool ops, so
 * a difference in cycles is a difference in the ops (and in what the mempool
 * library does around them, which is also the same for all).
 */

#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "perf.h"

/* Warm-up before each timed loop: caches, branch predictors, lcore caches. */
#define WARMUP_DIV 16

static __rte_always_inline int
local_loop(struct rte_mempool *mp, unsigned int bulk, uint64_t iters)
{
	void *objs[PERF_MAX_BULK];
	uint64_t i;

	for (i = 0; i < iters; i++) {
		if (unlikely(rte_mempool_get_bulk(mp, objs, bulk) != 0))
			return -ENOBUFS;
		rte_mempool_put_bulk(mp, objs, bulk);
	}
	return 0;
}

/*
 * The measured bulk sizes get a loop with the size known at compile time, as
 * an application calling with a constant burst would: the mempool cache copy
 * then unrolls the same way for every ops.
 */
static __rte_noinline int
local_loop_1(struct rte_mempool *mp, uint64_t iters)
{
	return local_loop(mp, 1, iters);
}

static __rte_noinline int
local_loop_4(struct rte_mempool *mp, uint64_t iters)
{
	return local_loop(mp, 4, iters);
}

static __rte_noinline int
local_loop_32(struct rte_mempool *mp, uint64_t iters)
{
	return local_loop(mp, 32, iters);
}

static __rte_noinline int
local_loop_any(struct rte_mempool *mp, unsigned int bulk, uint64_t iters)
{
	return local_loop(mp, bulk, iters);
}

static int
run_local(struct rte_mempool *mp, unsigned int bulk, uint64_t iters)
{
	switch (bulk) {
	case 1:
		return local_loop_1(mp, iters);
	case 4:
		return local_loop_4(mp, iters);
	case 32:
		return local_loop_32(mp, iters);
	default:
		return local_loop_any(mp, bulk, iters);
	}
}

int
perf_local(struct rte_mempool *mp, unsigned int bulk, uint64_t objs,
	   struct perf_sample *out)
{
	uint64_t iters = RTE_MAX(objs / bulk, (uint64_t)1);
	uint64_t start, end;
	int ret;

	ret = run_local(mp, bulk, iters / WARMUP_DIV + 1);
	if (ret < 0)
		return ret;
	start = rte_rdtsc_precise();
	ret = run_local(mp, bulk, iters);
	end = rte_rdtsc_precise();
	if (ret < 0)
		return ret;
	out->cycles_per_obj = (double)(end - start) / (double)(iters * bulk);
	out->retries = 0;
	return 0;
}

/* State of one cross-lcore round, shared by the two lcores. */
struct cross_round {
	struct rte_mempool *mp;
	struct rte_ring *xfer;
	unsigned int bulk;
	uint64_t total;         /* Objects to pass, a multiple of bulk. */

	/*
	 * Written by the worker only, on its own cache line: the main lcore reads it
	 * now and then and must not pull the line away by writing next to it.
	 */
	uint64_t returned __rte_cache_aligned; /* Objects put back so far. */
	uint32_t ready;
} __rte_cache_aligned;

static int
cross_worker(void *arg)
{
	struct cross_round *r = arg;
	void *objs[PERF_MAX_BULK];
	uint64_t done = 0;

	__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
	while (done < r->total) {
		/* The main lcore enqueues whole bulks, so a bulk dequeue always matches. */
		if (rte_ring_sc_dequeue_bulk(r->xfer, objs, r->bulk, NULL) == 0) {
			rte_pause();
			continue;
		}
		rte_mempool_put_bulk(r->mp, objs, r->bulk);
		done += r->bulk;
		/* Release: the put is complete before the main lcore may count it. */
		__atomic_store_n(&r->returned, done, __ATOMIC_RELEASE);
	}
	return 0;
}

/*
 * Main lcore side: get, hand over, never more than @p limit objects out. The
 * worker's progress is read only when the bound is near, so that the line it
 * writes on every put does not bounce on every get.
 */
static uint64_t
cross_feed(struct cross_round *r, uint64_t limit)
{
	unsigned int bulk = r->bulk;
	uint64_t sent = 0, seen = 0, retries = 0;
	void *objs[PERF_MAX_BULK];

	while (sent < r->total) {
		if (sent + bulk - seen > limit) {
			seen = __atomic_load_n(&r->returned, __ATOMIC_ACQUIRE);
			if (sent + bulk - seen > limit) {
				rte_pause();
				continue;
			}
		}
		/* Empty for a moment when the objects are in flight or in a remote cache. */
		if (unlikely(rte_mempool_get_bulk(r->mp, objs, bulk) != 0)) {
			retries++;
			rte_pause();
			continue;
		}
		/* Cannot fail (the ring holds more than the bound) but stay correct. */
		while (rte_ring_sp_enqueue_bulk(r->xfer, objs, bulk, NULL) == 0)
			rte_pause();
		sent += bulk;
	}
	while (__atomic_load_n(&r->returned, __ATOMIC_ACQUIRE) < r->total)
		rte_pause();
	return retries;
}

static int
cross_round(struct cross_round *r, unsigned int worker, uint64_t limit,
	    uint64_t *cycles, uint64_t *retries)
{
	uint64_t start;
	int ret;

	r->returned = 0;
	r->ready = 0;
	ret = rte_eal_remote_launch(cross_worker, r, worker);
	if (ret < 0)
		return ret;
	/* Start the clock with both sides running, not while the worker wakes up. */
	while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) == 0)
		rte_pause();
	start = rte_rdtsc_precise();
	*retries = cross_feed(r, limit);
	*cycles = rte_rdtsc_precise() - start;
	return rte_eal_wait_lcore(worker);
}

int
perf_cross(struct rte_mempool *mp, struct rte_ring *xfer, unsigned int worker,
	   unsigned int bulk, uint64_t objs, unsigned int max_inflight,
	   struct perf_sample *out)
{
	struct cross_round r = { .mp = mp, .xfer = xfer, .bulk = bulk };
	uint64_t limit = RTE_MAX(max_inflight - max_inflight % bulk, bulk);
	uint64_t cycles, retries;
	int ret;

	r.total = RTE_MAX(objs / WARMUP_DIV / bulk, (uint64_t)1) * bulk;
	ret = cross_round(&r, worker, limit, &cycles, &retries);
	if (ret < 0)
		return ret;
	r.total = RTE_MAX(objs / bulk, (uint64_t)1) * bulk;
	ret = cross_round(&r, worker, limit, &cycles, &retries);
	if (ret < 0)
		return ret;
	out->cycles_per_obj = (double)cycles / (double)r.total;
	out->retries = retries;
	return 0;
}

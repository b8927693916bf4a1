/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zcpool in a few calls: register memory the application owns as an area, build
 * an mbuf pool over it, name buffers by area offset, and tear down while a buffer
 * is still held.
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include <zc_area.h>
#include <zc_pool.h>

#define NB_MBUF 1024
#define AREA_LEN (4u << 20)

int
main(int argc, char **argv)
{
	struct zc_area_user_params p = { .len = AREA_LEN, .socket_id = SOCKET_ID_ANY };
	struct zc_pool_geometry geo;
	struct rte_mempool *mp;
	struct zc_area *area;
	struct rte_mbuf *m;
	uint64_t off;
	int held;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	/* The application's own memory: any page-aligned mapping will do. */
	p.page_sz = sysconf(_SC_PAGESIZE);
	p.addr = mmap(NULL, AREA_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p.addr == MAP_FAILED)
		return 1;
	area = zc_area_create_user("hello", &p);
	if (area == NULL) {
		fprintf(stderr, "area: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	mp = zc_pktmbuf_pool_create("hello_pool", NB_MBUF, 32, 0,
				    RTE_MBUF_DEFAULT_BUF_SIZE, area, SOCKET_ID_ANY);
	/* The pool holds its own reference on the area from now on. */
	zc_area_put(area);
	if (mp == NULL) {
		fprintf(stderr, "pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	zc_pool_geometry_get(mp, &geo);
	printf("pool %s: %u buffers of %u bytes in area %u at offset %#" PRIx64 "\n",
	       mp->name, geo.nb_bufs, geo.buf_len, zc_area_id(geo.area), geo.base_off);

	/* A buffer's name is its 64-bit area offset; it converts back in O(1). */
	m = rte_pktmbuf_alloc(mp);
	off = zc_pool_mbuf_area_off(m);
	printf("mbuf %p: area offset %#" PRIx64 " -> index %" PRId64 " -> mbuf %p\n",
	       (void *)m, off, zc_pool_area_off_index(mp, off),
	       (void *)zc_pool_index_mbuf(mp, zc_pool_area_off_index(mp, off)));

	/* Destroying with a buffer out defers until it comes back. */
	held = zc_pool_destroy(mp, 0);
	printf("destroy: %d buffer(s) still held, pending destroys: %u\n", held,
	       zc_pool_pending_destroys());
	rte_pktmbuf_free(m);
	while (zc_pool_pending_destroys() != 0)
		usleep(10 * 1000);
	printf("pool freed after the last buffer returned\n");
	rte_eal_cleanup();
	munmap(p.addr, AREA_LEN);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * DPDK's e1000e PMD (net_e1000_em) on vfio-pci behind the emulated Intel IOMMU,
 * receiving into and sending from zcpool pools over explicit areas: a hugepage
 * area (EAL maps its heap for the device: the provider maps nothing) and a user
 * area (rte_extmem_register(), then a real VFIO_IOMMU_MAP_DMA made by
 * zc_area_bind()). For each area:
 *  - bound twice to the device, it is mapped once, and unmapped only by the last
 *    unbind (zc_area_info's DMA mapping counts);
 *  - the frames the kernel-driven peer sends arrive byte-exact in the area's
 *    buffers, and the peer receives them back with their MACs swapped;
 *  - a pool destroyed while buffers are held stays, its area bound and alive; the
 *    NIC still sends from those buffers (through a new receive pool), and once
 *    they are freed the destruction completes.
 * Run by test/vm/guest.sh with EAL arguments that allow the device (-a BDF), then
 * "--", PEER_IFACE, SEND_COMMAND (makes the peer send frames.py's COUNT frames to
 * the e1000e) and COUNT. Prints zc_test.h's case and summary lines.
 */

#include <stdlib.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <zc_area.h>
#include <zc_pool.h>

#include "../zc_test.h"
#include "vm_frames.h"

#define NB_MBUF 1024
#define NB_DESC 256
#define HELD 32                  /* Buffers held across the pool's destruction. */
#define AREA_LEN (4u << 20)      /* NB_MBUF 2176-byte buffers, with room. */
#define PORT 0

static const char *peer_iface;
static const char *send_cmd;
static unsigned int count;
static struct rte_mbuf *frames[VM_FRAMES_MAX];

/* What a case holds, for its cleanup. */
struct run {
	const char *kind;
	char name[ZC_AREA_NAMESIZE];
	struct zc_area *area;
	unsigned int expect_maps; /* Provider mappings one device costs. */
	struct rte_device *dev;
	unsigned int binds;
	struct rte_mempool *mp;   /* Over the area. */
	char mp_name[RTE_MEMPOOL_NAMESIZE];
	bool mp_dying;            /* zc_pool_destroy() deferred it. */
	struct rte_mempool *mp2;  /* The receive pool after the destruction. */
	unsigned int nb_frames;   /* frames[0..nb_frames) are ours to free. */
	struct vm_peer peer;
	bool started;
};

static int
area_info(struct run *r, struct zc_area_info *info)
{
	ZC_ASSERT(zc_area_info_get(r->area, info) == 0, "zc_area_info_get");
	printf("  area %s: %u devices, %u references, %zu bytes carved, %u DMA maps, %u unmaps\n",
	       info->name, info->nb_devices, info->refcnt, info->carved, info->nb_dma_maps,
	       info->nb_dma_unmaps);
	return 0;
}

/* The area's binding state: devices, references and the provider's map/unmap counts. */
static int
check_area(struct run *r, unsigned int devices, unsigned int refs, unsigned int maps,
	   unsigned int unmaps)
{
	struct zc_area_info info;

	ZC_ASSERT(area_info(r, &info) == 0, "info");
	ZC_ASSERT(info.nb_devices == devices && info.refcnt == refs,
		  "expected %u devices, %u references", devices, refs);
	ZC_ASSERT(info.nb_dma_maps == maps && info.nb_dma_unmaps == unmaps,
		  "expected %u DMA maps and %u unmaps", maps, unmaps);
	return 0;
}

static int
wait_link(void)
{
	uint64_t end = rte_get_timer_cycles() + 30 * rte_get_timer_hz();
	struct rte_eth_link link;

	do {
		if (rte_eth_link_get_nowait(PORT, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(100);
	} while (rte_get_timer_cycles() < end);
	return -1;
}

static int
port_start(struct run *r, struct rte_mempool *rx_pool, bool configure)
{
	struct rte_eth_conf conf = { 0 };

	if (configure) {
		ZC_ASSERT(rte_eth_dev_configure(PORT, 1, 1, &conf) == 0, "configure port %u", PORT);
		ZC_ASSERT(rte_eth_tx_queue_setup(PORT, 0, NB_DESC, SOCKET_ID_ANY, NULL) == 0,
			  "tx queue");
	}
	ZC_ASSERT(rte_eth_rx_queue_setup(PORT, 0, NB_DESC, SOCKET_ID_ANY, NULL, rx_pool) == 0,
		  "rx queue over %s", rx_pool->name);
	ZC_ASSERT(rte_eth_dev_start(PORT) == 0, "start port %u", PORT);
	r->started = true;
	/* Frames sent before the emulated link is up are lost. */
	ZC_ASSERT(wait_link() == 0, "link down 30 s after the start");
	return 0;
}

static void
port_stop(struct run *r)
{
	if (r->started && rte_eth_dev_stop(PORT) != 0)
		printf("  rte_eth_dev_stop failed\n");
	r->started = false;
}

/* Whether the mbuf's data lies inside the area: where the NIC must have written it. */
static bool
in_area(const struct zc_area_info *info, const struct rte_mbuf *m)
{
	uintptr_t p = rte_pktmbuf_mtod(m, uintptr_t), lo = (uintptr_t)info->addr;

	return p >= lo && p + rte_pktmbuf_data_len(m) <= lo + info->len;
}

/*
 * Round one: the peer's frames arrive byte-exact inside the area; all but the last
 * HELD go back to the peer, which gets them intact with their MACs swapped.
 */
static int
round_one(struct run *r, const struct rte_ether_addr *mac)
{
	struct zc_area_info info;
	unsigned int ok, outside = 0, no_ext = 0, i, back, sent;

	ZC_ASSERT(zc_area_info_get(r->area, &info) == 0, "info");
	r->nb_frames = vm_receive_frames(PORT, send_cmd, frames, count);
	ok = vm_nb_exact(frames, r->nb_frames);
	for (i = 0; i < r->nb_frames; i++) {
		if (!in_area(&info, frames[i]) && outside++ == 0)
			printf("  frame %u at %p, outside the area [%p, +%zu)\n", i,
			       rte_pktmbuf_mtod(frames[i], void *), info.addr, info.len);
		no_ext += !(frames[i]->ol_flags & RTE_MBUF_F_EXTERNAL);
	}
	printf("  received %u of %u frames, %u byte-exact, %u outside the area\n", r->nb_frames,
	       count, ok, outside);
	/* zc_pool.h asks PMDs to keep it; net_e1000_em sets ol_flags wholesale. */
	if (no_ext != 0)
		printf("  note: %u received mbufs lost RTE_MBUF_F_EXTERNAL (ol_flags overwritten)\n",
		       no_ext);
	if (r->nb_frames != count)
		vm_dump_xstats(PORT);
	ZC_ASSERT(r->nb_frames == count && ok == count, "received %u, %u exact, of %u",
		  r->nb_frames, ok, count);
	ZC_ASSERT(outside == 0, "%u frames outside the area: the NIC did not DMA into it", outside);

	ZC_ASSERT(vm_peer_open(&r->peer, peer_iface) == 0, "packet socket on %s", peer_iface);
	back = count - HELD;
	sent = vm_send_back(PORT, frames, back);
	memmove(frames, &frames[back], HELD * sizeof(frames[0]));
	r->nb_frames = HELD;
	ZC_ASSERT(sent == back, "sent %u of %u back", sent, back);
	vm_peer_collect(&r->peer, mac, back, 30);
	printf("  the peer got %u of %u back intact (%u bad, %u duplicates)\n", r->peer.nb_seen,
	       back, r->peer.nb_bad, r->peer.nb_dup);
	ZC_ASSERT(r->peer.nb_seen == back && r->peer.nb_bad == 0, "at the peer: %u of %u, %u bad",
		  r->peer.nb_seen, back, r->peer.nb_bad);
	return 0;
}

/* Give transmitted buffers back: the PMD's cleanup if it has one, else a stop. */
static void
free_transmitted(struct run *r)
{
	int ret = rte_eth_tx_done_cleanup(PORT, 0, 0);

	if (ret < 0) {
		/* net_e1000_em frees a sent mbuf only when its descriptor is reused. */
		printf("  rte_eth_tx_done_cleanup: %s; stopping the port frees them\n",
		       strerror(-ret));
		port_stop(r);
	}
}

/* Wait up to 10 s for the deferred destruction of r->mp to finish. */
static int
wait_destroyed(struct run *r)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (rte_mempool_lookup(r->mp_name) != NULL && rte_get_timer_cycles() < end)
		rte_delay_ms(50);
	ZC_ASSERT(rte_mempool_lookup(r->mp_name) == NULL,
		  "pool %s still there 10 s after its buffers were freed (%u destructions pending)",
		  r->mp_name, zc_pool_pending_destroys());
	r->mp = NULL;
	r->mp_dying = false;
	return 0;
}

/*
 * Round two: hold HELD buffers across a stop and zc_pool_destroy(), which must
 * defer, the area staying bound and alive; restart over another receive pool and
 * send the held buffers (the NIC reads them from the area); once freed, the pool
 * goes and its reference on the area with it.
 */
static int
round_two(struct run *r, const struct rte_ether_addr *mac, unsigned int refs)
{
	char name2[RTE_MEMPOOL_NAMESIZE];
	struct zc_area_info info;
	struct zc_area *found;
	unsigned int sent;
	int held;

	port_stop(r);
	held = zc_pool_destroy(r->mp, 0);
	r->mp_dying = held > 0;
	if (held == 0) {
		/* Freed now, under the buffers we hold: leave them alone. */
		r->mp = NULL;
		r->nb_frames = 0;
	}
	printf("  zc_pool_destroy with %u buffers held: %d, %u destructions pending\n",
	       r->nb_frames, held, zc_pool_pending_destroys());
	ZC_ASSERT(held == HELD, "zc_pool_destroy returned %d, expected %d (deferred)", held, HELD);
	/* Memory is never freed while still mapped: the area stays, with every reference. */
	found = zc_area_get_by_name(r->name);
	ZC_ASSERT(found == r->area, "zc_area_get_by_name: %s", rte_strerror(rte_errno));
	zc_area_put(found);
	ZC_ASSERT(check_area(r, 1, refs, r->expect_maps, 0) == 0, "area after the destroy");
	ZC_ASSERT(vm_nb_exact(frames, HELD) == HELD, "held frames changed");

	snprintf(name2, sizeof(name2), "e1k_%s_2", r->kind);
	r->mp2 = rte_pktmbuf_pool_create_by_ops(name2, NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
						SOCKET_ID_ANY, ZC_POOL_OPS_NAME);
	ZC_ASSERT(r->mp2 != NULL, "zero-config pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT(port_start(r, r->mp2, false) == 0, "restart over %s", name2);
	sent = vm_send_back(PORT, frames, HELD);
	r->nb_frames = 0;
	ZC_ASSERT(sent == HELD, "sent %u of %u held buffers", sent, HELD);
	vm_peer_collect(&r->peer, mac, count, 30);
	printf("  the peer got %u of %u in all (%u bad, %u duplicates)\n", r->peer.nb_seen, count,
	       r->peer.nb_bad, r->peer.nb_dup);
	ZC_ASSERT(r->peer.nb_seen == count && r->peer.nb_bad == 0,
		  "the held buffers did not reach the peer intact: %u of %u, %u bad",
		  r->peer.nb_seen, count, r->peer.nb_bad);
	free_transmitted(r);
	ZC_ASSERT(wait_destroyed(r) == 0, "deferred destroy");
	ZC_ASSERT(area_info(r, &info) == 0 && info.carved == 0 && info.refcnt == refs - 1,
		  "after the pool went: %zu bytes carved, %u references (expected 0, %u)",
		  info.carved, info.refcnt, refs - 1);
	return 0;
}

static void
run_cleanup(struct run *r)
{
	rte_pktmbuf_free_bulk(frames, r->nb_frames);
	r->nb_frames = 0;
	port_stop(r);
	vm_peer_close(&r->peer);
	if (r->mp_dying)
		wait_destroyed(r);
	else
		rte_mempool_free(r->mp);
	rte_mempool_free(r->mp2);
	while (r->binds > 0 && zc_area_unbind(r->area, r->dev) == 0)
		r->binds--;
	zc_area_put(r->area);
}

/*
 * One area kind, r->area created (its creator's reference only): bind twice, the
 * two rounds, unbind twice, release. Everything r holds is released.
 */
static int
run_case(struct run *r)
{
	struct rte_eth_dev_info dev_info;
	struct rte_ether_addr mac;
	struct zc_area *found;
	unsigned int maps = r->expect_maps;
	int rc = -1, ret;

	r->peer.fd = -1;
	ZC_ASSERT_GOTO(rte_eth_dev_count_avail() == 1 &&
		       rte_eth_dev_info_get(PORT, &dev_info) == 0 &&
		       rte_eth_macaddr_get(PORT, &mac) == 0, out, "no port: the e1000e did not probe");
	r->dev = dev_info.device;
	printf("  port %u: %s, IOVA as %s\n", PORT, dev_info.driver_name,
	       rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA");
	ZC_ASSERT_GOTO(check_area(r, 0, 1, 0, 0) == 0, out, "a new area");

	/* Two users of the area on one device (the receive pool, the transmit side). */
	ret = zc_area_bind(r->area, r->dev);
	ZC_ASSERT_GOTO(ret == 0, out, "bind to %s: %s", dev_info.driver_name, strerror(-ret));
	r->binds++;
	ZC_ASSERT_GOTO(check_area(r, 1, 2, maps, 0) == 0, out, "after the first bind");
	ret = zc_area_bind(r->area, r->dev);
	ZC_ASSERT_GOTO(ret == 0, out, "second bind: %s", strerror(-ret));
	r->binds++;
	ZC_ASSERT_GOTO(check_area(r, 1, 2, maps, 0) == 0, out, "a second bind must not map again");

	snprintf(r->mp_name, sizeof(r->mp_name), "e1k_%s", r->kind);
	r->mp = zc_pktmbuf_pool_create(r->mp_name, NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       r->area, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(r->mp != NULL, out, "pool over the area: %s", rte_strerror(rte_errno));
	/* The creator, the binding, the pool's span. */
	ZC_ASSERT_GOTO(check_area(r, 1, 3, maps, 0) == 0, out, "with the pool");
	ZC_ASSERT_GOTO(port_start(r, r->mp, true) == 0, out, "start over %s", r->mp_name);
	ZC_ASSERT_GOTO(round_one(r, &mac) == 0, out, "receive into the area, send back");
	ZC_ASSERT_GOTO(round_two(r, &mac, 3) == 0, out, "destroy with buffers held");
	port_stop(r);
	rte_mempool_free(r->mp2);
	r->mp2 = NULL;

	/* Only the last unbind unmaps. */
	ZC_ASSERT_GOTO(zc_area_unbind(r->area, r->dev) == 0, out, "first unbind");
	r->binds--;
	ZC_ASSERT_GOTO(check_area(r, 1, 2, maps, 0) == 0, out, "the first unbind must not unmap");
	ZC_ASSERT_GOTO(zc_area_unbind(r->area, r->dev) == 0, out, "last unbind");
	r->binds--;
	ZC_ASSERT_GOTO(check_area(r, 0, 1, maps, maps) == 0, out, "the last unbind unmaps, once");
	zc_area_put(r->area);
	r->area = NULL;
	found = zc_area_get_by_name(r->name);
	zc_area_put(found);
	ZC_ASSERT_GOTO(found == NULL, out, "area %s still there after its last reference", r->name);
	rc = 0;
out:
	run_cleanup(r);
	return rc;
}

static int
test_hugepage_area(void)
{
	struct run r = { .kind = "hugepage", .name = "e1k_hugepage", .expect_maps = 0 };

	r.area = zc_area_create_hugepage(r.name, AREA_LEN, SOCKET_ID_ANY);
	ZC_ASSERT(r.area != NULL, "hugepage area: %s", rte_strerror(rte_errno));
	return run_case(&r);
}

static int
memseg_top(const struct rte_memseg_list *msl, void *arg)
{
	uintptr_t *top = arg;

	*top = RTE_MAX(*top, (uintptr_t)msl->base_va + msl->len);
	return 0;
}

/* The IOMMU's address width for dev (Intel VT-d's MGAW), or 0 if unknown. */
static unsigned int
iommu_width(const char *dev)
{
	unsigned long long cap = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu/intel-iommu/cap", dev);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llx", &cap) != 1)
		cap = 0;
	fclose(f);
	return cap != 0 ? ((cap >> 16) & 0x3f) + 1 : 0;
}

/*
 * The application's memory, where the device can reach it. With IOVA as VA the
 * device sees the memory at its virtual address, which must fit the IOMMU's
 * address width (39 bits on QEMU 7.2's VT-d, as on some client CPUs; VFIO
 * refuses a mapping above with EINVAL, and mmap() places memory at 47 bits).
 * EAL keeps its own memory low for that reason; the area goes in the first free
 * gigabyte above it. NULL (reason printed) if none fits.
 */
static void *
user_memory(void)
{
	struct rte_eth_dev_info dev_info;
	unsigned int width = 0;
	uintptr_t top = 0, va;
	void *p;

	if (rte_eth_dev_info_get(PORT, &dev_info) == 0)
		width = iommu_width(rte_dev_name(dev_info.device));
	/* Unknown: the narrowest VT-d width. */
	if (width == 0 || width > 63)
		width = 39;
	rte_memseg_list_walk(memseg_top, &top);
	for (va = RTE_ALIGN_CEIL(top, RTE_PGSIZE_1G); va + AREA_LEN <= UINT64_C(1) << width;
	     va += RTE_PGSIZE_1G) {
		p = mmap((void *)va, AREA_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED) {
			printf("  user memory at %p (+%u), below the IOMMU's %u-bit width\n", p,
			       AREA_LEN, width);
			return p;
		}
	}
	ZC_TEST_FAIL("mmap", "no free %u bytes between EAL's memory (%#" PRIxPTR ") and the IOMMU's %u-bit width",
		     AREA_LEN, top, width);
	return NULL;
}

static int
test_user_area(void)
{
	struct run r = { .kind = "user", .name = "e1k_user", .expect_maps = 1 };
	struct zc_area_user_params p = {
		.len = AREA_LEN,
		.page_sz = sysconf(_SC_PAGESIZE),
		.socket_id = SOCKET_ID_ANY,
	};
	struct zc_area *left;
	int rc = -1;

	/* Without an IOVA table a user area has IOVA = VA, or none (zc_area.h). */
	if (rte_eal_iova_mode() != RTE_IOVA_VA) {
		printf("SKIP: EAL chose IOVA as PA: a user area has no IOVA the device could use\n");
		return ZC_TEST_SKIP;
	}
	p.addr = user_memory();
	ZC_ASSERT(p.addr != NULL, "no memory for the user area");
	r.area = zc_area_create_user(r.name, &p);
	ZC_ASSERT_GOTO(r.area != NULL, unmap, "user area: %s", rte_strerror(rte_errno));
	rc = run_case(&r);
	/* The memory must outlive the area: a pool still dying after a failure holds it. */
	left = zc_area_get_by_name(r.name);
	if (left != NULL) {
		zc_area_put(left);
		printf("  area %s still referenced: its memory stays mapped\n", r.name);
		return rc;
	}
unmap:
	munmap(p.addr, AREA_LEN);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct zc_test_case cases[] = {
		{ "e1000e-hugepage-area", test_hugepage_area },
		{ "e1000e-user-area", test_user_area },
	};
	const char *args[3];

	/* Progress reaches the log as it happens, for a guest that is killed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (zc_test_own_args(&argc, argv, args, 3, "PEER_IFACE SEND_COMMAND COUNT") < 0)
		return 1;
	peer_iface = args[0];
	send_cmd = args[1];
	count = atoi(args[2]);
	if (count <= HELD || count > VM_FRAMES_MAX) {
		fprintf(stderr, "COUNT: %d to %d\n", HELD + 1, VM_FRAMES_MAX);
		return 1;
	}
	/* zc_test_main() would add --no-pci: EAL gets the arguments as they are. */
	if (rte_eal_init(argc, argv) < 0) {
		printf("FAIL: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	return zc_test_run_cases(cases, RTE_DIM(cases));
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Verbs bindings (zc_area_verbs.h): argument errors and the O(1) scatter/gather
 * helpers everywhere; with an RDMA device (soft-RoCE in the emulated machine),
 * one MR per area for hugepage, user and memfd-backed areas, data moved byte-exact
 * into and out of zcpool buffers by two RC queue pairs connected to each other on
 * one port (SEND into receives posted by area offset, RDMA WRITE by rkey), unbind
 * with buffers held, the dmabuf and PFN-mapped refusals, and deregistration at
 * teardown (ibv_dealloc_pd refused while bound; MRs counted with `rdma resource`).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include <zc_area.h>
#include <zc_area_verbs.h>
#include <zc_pool.h>

#include "zc_test.h"
#include "zc_test_dmabuf.h"

#define AREA_LEN (4u << 20)
#define NB_BUFS 64
#define BUF_ROOM 2048
#define NB_XFER 16
#define CQ_WAIT_S 20.0
#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)
#define NO_DEVICE "SKIP: no RDMA device (soft-RoCE runs in the emulated machine: devtools/vm-test.sh)\n"

/* The device, and two RC queue pairs connected to each other on its port. */
static struct {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
	uint8_t port;
	int gid_index;
	union ibv_gid gid;
	enum ibv_mtu mtu;
	int status;         /* of the first rd_open(): 0, ZC_TEST_SKIP or -1 */
	bool opened;
} rd;

/* Memory that the areas of one kind are made of, released after them. */
struct mem {
	struct zc_area *area;
	void *addr;
	size_t len;
	int memfd;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MRs on the device per `rdma resource show` (every process's), or -1 if unknown. */
static int
count_mrs(void)
{
	char line[512], dev[80], *p;
	int n = -1;
	FILE *f;

	/* Summary lines: "0: rxe0: pd 1 cq 1 qp 2 cm_id 0 mr 3 ctx 1 srq 0" */
	snprintf(dev, sizeof(dev), " %s: ", ibv_get_device_name(rd.ctx->device));
	f = popen("rdma resource show 2>/dev/null", "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, dev) != NULL && (p = strstr(line, " mr ")) != NULL)
			n = atoi(p + 4);
	pclose(f);
	return n;
}

/*
 * Index of a RoCE v2 GID of the port (an IP address of its netdev), an IPv4 one
 * first (an IPv6 link-local one needs a scope to route), or -1.
 */
static int
find_roce_v2_gid(const struct ibv_port_attr *pa)
{
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	struct ibv_gid_entry e;
	int i, found = -1;
	bool v4;

	for (i = 0; i < pa->gid_tbl_len; i++) {
		if (ibv_query_gid_ex(rd.ctx, rd.port, i, &e, 0) != 0 ||
		    e.gid_type != IBV_GID_TYPE_ROCE_V2)
			continue;
		v4 = memcmp(e.gid.raw, v4_mapped, sizeof(v4_mapped)) == 0;
		if (found < 0 || v4) {
			memcpy(&rd.gid, &e.gid, sizeof(rd.gid));
			found = i;
		}
		if (v4)
			break;
	}
	return found;
}

static int
qp_connect(struct ibv_qp *qp, uint32_t dest_qpn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = rd.port, .pkey_index = 0,
		.qp_access_flags = ACCESS,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS) != 0)
		return -1;
	a = (struct ibv_qp_attr){
		.qp_state = IBV_QPS_RTR, .path_mtu = rd.mtu, .dest_qp_num = dest_qpn,
		.rq_psn = 0, .max_dest_rd_atomic = 1, .min_rnr_timer = 12,
		.ah_attr = {
			.is_global = 1, .port_num = rd.port,
			.grh = { .dgid = rd.gid, .sgid_index = rd.gid_index, .hop_limit = 1 },
		},
	};
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			  IBV_QP_MIN_RNR_TIMER) != 0)
		return -1;
	a = (struct ibv_qp_attr){
		.qp_state = IBV_QPS_RTS, .timeout = 14, .retry_cnt = 7, .rnr_retry = 7,
		.sq_psn = 0, .max_rd_atomic = 1,
	};
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

/*
 * Open the first RDMA device, its PD, a CQ and the queue pair loop. 0, or
 * ZC_TEST_SKIP after printing why, or -1.
 */
static int
rd_setup(void)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = NB_XFER * 2, .max_recv_wr = NB_XFER * 2,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_device **list;
	struct ibv_port_attr pa;
	int n = 0, i;

	list = ibv_get_device_list(&n);
	if (list == NULL) /* no verbs support in the kernel */
		return ZC_TEST_SKIP;
	if (n == 0) {
		ibv_free_device_list(list);
		return ZC_TEST_SKIP;
	}
	rd.ctx = ibv_open_device(list[0]);
	ibv_free_device_list(list);
	ZC_ASSERT(rd.ctx != NULL, "ibv_open_device: %s", strerror(errno));
	rd.port = 1;
	ZC_ASSERT(ibv_query_port(rd.ctx, rd.port, &pa) == 0, "ibv_query_port");
	ZC_ASSERT(pa.state == IBV_PORT_ACTIVE, "%s port %u is not active (%d)",
		  ibv_get_device_name(rd.ctx->device), rd.port, pa.state);
	rd.mtu = pa.active_mtu;
	rd.gid_index = find_roce_v2_gid(&pa);
	ZC_ASSERT(rd.gid_index >= 0, "%s has no RoCE v2 GID: give its netdev an IP address",
		  ibv_get_device_name(rd.ctx->device));
	rd.pd = ibv_alloc_pd(rd.ctx);
	ZC_ASSERT(rd.pd != NULL, "ibv_alloc_pd: %s", strerror(errno));
	rd.cq = ibv_create_cq(rd.ctx, NB_XFER * 8, NULL, NULL, 0);
	ZC_ASSERT(rd.cq != NULL, "ibv_create_cq: %s", strerror(errno));
	qa.send_cq = rd.cq;
	qa.recv_cq = rd.cq;
	for (i = 0; i < 2; i++) {
		rd.qp[i] = ibv_create_qp(rd.pd, &qa);
		ZC_ASSERT(rd.qp[i] != NULL, "ibv_create_qp: %s", strerror(errno));
	}
	for (i = 0; i < 2; i++)
		ZC_ASSERT(qp_connect(rd.qp[i], rd.qp[!i]->qp_num) == 0, "connecting QP %u: %s",
			  rd.qp[i]->qp_num, strerror(errno));
	printf("  %s port %u, RoCE v2 GID index %d, MTU %d\n",
	       ibv_get_device_name(rd.ctx->device), rd.port, rd.gid_index, 128 << rd.mtu);
	return 0;
}

/* The device set up once for every case; what the first attempt gave, after. */
static int
rd_open(void)
{
	if (!rd.opened) {
		rd.opened = true;
		rd.status = rd_setup();
	}
	if (rd.status == ZC_TEST_SKIP)
		printf(NO_DEVICE);
	else if (rd.status < 0)
		printf("FAIL: the RDMA device could not be set up (see the first case)\n");
	return rd.status;
}

/* Wait for n successful completions; 0, or -1 (after printing why). */
static int
poll_cq(unsigned int n, struct ibv_wc *wc)
{
	double t0 = now_s();
	unsigned int got = 0;
	int k;

	while (got < n) {
		k = ibv_poll_cq(rd.cq, n - got, wc + got);
		if (k < 0 || (k == 0 && now_s() - t0 > CQ_WAIT_S)) {
			printf("  %u of %u completions in %.0f s\n", got, n, CQ_WAIT_S);
			return -1;
		}
		for (; k > 0; k--, got++)
			if (wc[got].status != IBV_WC_SUCCESS) {
				printf("  completion %" PRIu64 ": %s\n", wc[got].wr_id,
				       ibv_wc_status_str(wc[got].status));
				return -1;
			}
	}
	return 0;
}

static int
mem_hugepage(struct mem *m, const char *name)
{
	*m = (struct mem){ .memfd = -1 };
	m->area = zc_area_create_hugepage(name, AREA_LEN, SOCKET_ID_ANY);
	return m->area != NULL ? 0 : -1;
}

/* A user area over anonymous memory, or over a memfd when memfd is true. */
static int
mem_user(struct mem *m, const char *name, bool memfd)
{
	struct zc_area_user_params p = {
		.len = AREA_LEN, .page_sz = sysconf(_SC_PAGESIZE), .socket_id = SOCKET_ID_ANY,
	};

	*m = (struct mem){ .memfd = -1, .len = AREA_LEN };
	if (memfd) {
		m->memfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (m->memfd < 0 || ftruncate(m->memfd, m->len) != 0)
			return -1;
	}
	m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
		       memfd ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, m->memfd, 0);
	if (m->addr == MAP_FAILED) {
		m->addr = NULL;
		return -1;
	}
	p.addr = m->addr;
	m->area = zc_area_create_user(name, &p);
	return m->area != NULL ? 0 : -1;
}

static void
mem_free(struct mem *m)
{
	zc_area_put(m->area);
	if (m->addr != NULL)
		munmap(m->addr, m->len);
	if (m->memfd >= 0)
		close(m->memfd);
}

/* Argument errors, lookups of what is not bound, and the scatter/gather helpers. */
static int
test_api_args(void)
{
	static uint64_t not_a_pd; /* never dereferenced: nothing is bound to it */
	struct ibv_pd *fake = (struct ibv_pd *)&not_a_pd;
	struct rte_mempool *mp = NULL, *other_mp = NULL;
	struct rte_mbuf *mb = NULL, *other = NULL;
	struct zc_area_verbs_mr vmr;
	struct mem m, o;
	struct ibv_sge sge;
	uint64_t off;
	int rc = -1;

	ZC_ASSERT(mem_hugepage(&m, "va_args") == 0, "area: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(mem_hugepage(&o, "va_args_other") == 0, free_m, "area");
	ZC_ASSERT_GOTO(zc_area_verbs_bind(NULL, fake, ACCESS, NULL) == -EINVAL, free_o,
		       "NULL area");
	ZC_ASSERT_GOTO(zc_area_verbs_bind(m.area, NULL, ACCESS, NULL) == -EINVAL, free_o,
		       "NULL pd");
	ZC_ASSERT_GOTO(zc_area_verbs_unbind(NULL, fake) == -EINVAL, free_o, "unbind NULL area");
	ZC_ASSERT_GOTO(zc_area_verbs_unbind(m.area, NULL) == -EINVAL, free_o, "unbind NULL pd");
	ZC_ASSERT_GOTO(zc_area_verbs_unbind(m.area, fake) == -ENOENT, free_o, "unbind unbound");
	ZC_ASSERT_GOTO(zc_area_verbs_mr_get(m.area, fake) == NULL && rte_errno == ENOENT, free_o,
		       "lookup of an unbound area");
	ZC_ASSERT_GOTO(zc_area_verbs_mr_get(NULL, fake) == NULL && rte_errno == EINVAL, free_o,
		       "lookup of NULL");
	ZC_ASSERT_GOTO(zc_area_verbs_unbind_pd(NULL) == -EINVAL, free_o, "unbind_pd NULL");
	ZC_ASSERT_GOTO(zc_area_verbs_unbind_pd(fake) == 0, free_o, "unbind_pd of nothing");

	/* The helpers only read the binding's fields: one made by hand will do. */
	vmr = (struct zc_area_verbs_mr){
		.addr = (uintptr_t)zc_area_addr(m.area), .len = AREA_LEN, .lkey = 0x1234,
		.area_id = zc_area_id(m.area),
	};
	off = zc_area_off_make(vmr.area_id, 4096);
	ZC_ASSERT_GOTO(zc_area_verbs_sge(&vmr, off, 100, &sge) == 0 &&
		       sge.addr == vmr.addr + 4096 && sge.length == 100 && sge.lkey == 0x1234,
		       free_o, "sge at 4096: %#" PRIx64 " %u %#x", sge.addr, sge.length, sge.lkey);
	ZC_ASSERT_GOTO(zc_area_verbs_sge(&vmr, zc_area_off_make(vmr.area_id, AREA_LEN - 100),
					 100, &sge) == 0, free_o, "sge at the end");
	ZC_ASSERT_GOTO(zc_area_verbs_sge(&vmr, zc_area_off_make(vmr.area_id, AREA_LEN - 100),
					 101, &sge) == -ERANGE, free_o, "sge past the end");
	ZC_ASSERT_GOTO(zc_area_verbs_sge(&vmr, zc_area_off_make(zc_area_id(o.area), 4096),
					 100, &sge) == -ERANGE, free_o, "another area's offset");
	ZC_ASSERT_GOTO(zc_area_verbs_sge(&vmr, zc_area_off_make(vmr.area_id, UINT64_C(1) << 40),
					 1, &sge) == -ERANGE, free_o, "offset far out");

	mp = zc_pktmbuf_pool_create("va_args", NB_BUFS, 0, 0, BUF_ROOM, m.area, SOCKET_ID_ANY);
	other_mp = zc_pktmbuf_pool_create("va_args_o", NB_BUFS, 0, 0, BUF_ROOM, o.area,
					  SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp != NULL && other_mp != NULL, free_pools, "pools: %s",
		       rte_strerror(rte_errno));
	mb = rte_pktmbuf_alloc(mp);
	other = rte_pktmbuf_alloc(other_mp);
	ZC_ASSERT_GOTO(mb != NULL && other != NULL && rte_pktmbuf_append(mb, 300) != NULL &&
		       rte_pktmbuf_append(other, 300) != NULL, free_pools, "mbufs");
	ZC_ASSERT_GOTO(zc_area_verbs_sge_mbuf(&vmr, mb, &sge) == 0 &&
		       sge.addr == rte_pktmbuf_mtod(mb, uintptr_t) && sge.length == 300,
		       free_pools, "sge of an mbuf");
	/* The offset and the mbuf name the same bytes. */
	ZC_ASSERT_GOTO(zc_area_verbs_sge(&vmr, zc_pool_mbuf_area_off(mb) + mb->data_off, 300,
					 &sge) == 0 && sge.addr == rte_pktmbuf_mtod(mb, uintptr_t),
		       free_pools, "sge by offset of an mbuf");
	ZC_ASSERT_GOTO(zc_area_verbs_sge_mbuf(&vmr, other, &sge) == -ERANGE, free_pools,
		       "mbuf of another area");
	rc = 0;
free_pools:
	rte_pktmbuf_free(mb);
	rte_pktmbuf_free(other);
	rte_mempool_free(mp);
	rte_mempool_free(other_mp);
free_o:
	mem_free(&o);
free_m:
	mem_free(&m);
	return rc;
}

/*
 * Run fn (0 or -1) on an area of each kind: hugepage, user over anonymous memory,
 * user over a memfd, named prefix_kind.
 */
static int
on_each_area(int (*fn)(struct mem *m, const char *name), const char *prefix)
{
	static const char *const kinds[] = { "huge", "anon", "memfd" };
	char name[ZC_AREA_NAMESIZE];
	unsigned int k;
	struct mem m;
	int ret;

	ret = rd_open();
	if (ret != 0)
		return ret;
	for (k = 0; k < RTE_DIM(kinds); k++) {
		snprintf(name, sizeof(name), "%s_%s", prefix, kinds[k]);
		ret = k == 0 ? mem_hugepage(&m, name) : mem_user(&m, name, k == 2);
		if (ret == 0)
			ret = fn(&m, name);
		else
			printf("  %s: cannot create the area: %s\n", name, rte_strerror(rte_errno));
		mem_free(&m);
		ZC_ASSERT(ret == 0, "%s", name);
	}
	return 0;
}

/* Bind, keys, bind twice, unbind: for the area of m. */
static int
check_bind(struct mem *m, const char *name)
{
	const struct zc_area_verbs_mr *vmr, *again;
	struct zc_area_info info;

	ZC_ASSERT(zc_area_verbs_bind(m->area, rd.pd, ACCESS, &vmr) == 0, "bind");
	ZC_ASSERT(zc_area_info_get(m->area, &info) == 0 && info.nb_devices == 1 &&
		  info.refcnt == 2, "bound: %u devices, refcnt %u", info.nb_devices, info.refcnt);
	ZC_ASSERT(vmr != NULL && vmr->mr != NULL && vmr->addr == (uintptr_t)info.addr &&
		  vmr->len == info.len && vmr->area_id == info.id && vmr->lkey == vmr->mr->lkey &&
		  vmr->rkey == vmr->mr->rkey && vmr->mr->length == info.len, "keys of %s",
		  info.name);
	ZC_ASSERT(zc_area_verbs_mr_get(m->area, rd.pd) == vmr, "lookup");
	printf("  %s: lkey %#x rkey %#x\n", name, vmr->lkey, vmr->rkey);
	ZC_ASSERT(zc_area_verbs_bind(m->area, rd.pd, ACCESS, &again) == -EEXIST && again == NULL,
		  "bind twice");
	ZC_ASSERT(zc_area_verbs_unbind(m->area, rd.pd) == 0, "unbind");
	ZC_ASSERT(zc_area_verbs_unbind(m->area, rd.pd) == -ENOENT, "unbind twice");
	ZC_ASSERT(zc_area_info_get(m->area, &info) == 0 && info.nb_devices == 0 &&
		  info.refcnt == 1, "unbound: %u devices, refcnt %u", info.nb_devices, info.refcnt);
	return 0;
}

static void
fill(uint8_t *p, unsigned int len, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/*
 * NB_XFER buffers of a zcpool pool over the area go out with SEND (their mbuf
 * data) into NB_XFER receives posted by area offset on the other queue pair, then
 * with RDMA WRITE onto the same receive buffers; both byte-exact.
 */
static int
move_data(struct mem *m, const char *pool_name)
{
	struct rte_mbuf *rx[NB_XFER] = { NULL }, *tx[NB_XFER] = { NULL };
	const struct zc_area_verbs_mr *vmr;
	struct ibv_wc wc[NB_XFER * 2];
	struct ibv_recv_wr rwr, *bad_r;
	struct ibv_send_wr swr, *bad_s;
	struct rte_mempool *mp;
	struct ibv_sge sge;
	unsigned int i, len, bytes = 0;
	uint64_t off;
	int rc = -1;

	mp = zc_pktmbuf_pool_create(pool_name, NB_BUFS, 0, 0, RTE_PKTMBUF_HEADROOM + BUF_ROOM,
				    m->area, SOCKET_ID_ANY);
	ZC_ASSERT(mp != NULL, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(zc_area_verbs_bind(m->area, rd.pd, ACCESS, &vmr) == 0, free_pool, "bind");
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(mp, rx, NB_XFER) == 0 &&
		       rte_pktmbuf_alloc_bulk(mp, tx, NB_XFER) == 0, unbind, "alloc");
	for (i = 0; i < NB_XFER; i++) {
		off = zc_pool_mbuf_area_off(rx[i]) + rx[i]->data_off;
		ZC_ASSERT_GOTO(zc_area_verbs_sge(vmr, off, BUF_ROOM, &sge) == 0 &&
			       sge.addr == rte_pktmbuf_mtod(rx[i], uintptr_t), unbind,
			       "receive sge %u", i);
		memset(rte_pktmbuf_mtod(rx[i], void *), 0, BUF_ROOM);
		rwr = (struct ibv_recv_wr){ .wr_id = i, .sg_list = &sge, .num_sge = 1 };
		ZC_ASSERT_GOTO(ibv_post_recv(rd.qp[1], &rwr, &bad_r) == 0, unbind, "post_recv");
	}
	for (i = 0; i < NB_XFER; i++) {
		len = 1 + i * (BUF_ROOM - 1) / (NB_XFER - 1); /* 1 to BUF_ROOM bytes */
		fill((uint8_t *)rte_pktmbuf_append(tx[i], len), len, i);
		ZC_ASSERT_GOTO(zc_area_verbs_sge_mbuf(vmr, tx[i], &sge) == 0, unbind, "send sge");
		swr = (struct ibv_send_wr){
			.wr_id = 100 + i, .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
		};
		ZC_ASSERT_GOTO(ibv_post_send(rd.qp[0], &swr, &bad_s) == 0, unbind, "post_send");
	}
	ZC_ASSERT_GOTO(poll_cq(NB_XFER * 2, wc) == 0, unbind, "send/receive completions");
	for (i = 0; i < NB_XFER * 2; i++) {
		if (wc[i].opcode != IBV_WC_RECV)
			continue;
		ZC_ASSERT_GOTO(wc[i].wr_id < NB_XFER, unbind, "wr_id %" PRIu64, wc[i].wr_id);
		len = tx[wc[i].wr_id]->data_len;
		ZC_ASSERT_GOTO(wc[i].byte_len == len, unbind, "received %u of %u bytes",
			       wc[i].byte_len, len);
		ZC_ASSERT_GOTO(memcmp(rte_pktmbuf_mtod(rx[wc[i].wr_id], void *),
				      rte_pktmbuf_mtod(tx[wc[i].wr_id], void *), len) == 0,
			       unbind, "bytes of receive %" PRIu64, wc[i].wr_id);
		bytes += len;
	}
	/* RDMA WRITE: the peer names the target by the area's address and rkey. */
	for (i = 0; i < NB_XFER; i++) {
		fill(rte_pktmbuf_mtod(tx[i], uint8_t *), tx[i]->data_len, 1000 + i);
		ZC_ASSERT_GOTO(zc_area_verbs_sge_mbuf(vmr, tx[i], &sge) == 0, unbind, "write sge");
		swr = (struct ibv_send_wr){
			.wr_id = 200 + i, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_WRITE, .send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = {
				.remote_addr = vmr->addr +
					zc_area_off_bytes(zc_pool_mbuf_area_off(rx[i])) +
					rx[i]->data_off,
				.rkey = vmr->rkey,
			},
		};
		ZC_ASSERT_GOTO(ibv_post_send(rd.qp[0], &swr, &bad_s) == 0, unbind, "post write");
	}
	ZC_ASSERT_GOTO(poll_cq(NB_XFER, wc) == 0, unbind, "write completions");
	for (i = 0; i < NB_XFER; i++)
		ZC_ASSERT_GOTO(memcmp(rte_pktmbuf_mtod(rx[i], void *),
				      rte_pktmbuf_mtod(tx[i], void *), tx[i]->data_len) == 0,
			       unbind, "bytes of write %u", i);
	printf("  %s: %u receives (%u bytes) and %u writes byte-exact\n", pool_name, NB_XFER,
	       bytes, NB_XFER);
	rc = 0;
unbind:
	rte_pktmbuf_free_bulk(rx, NB_XFER);
	rte_pktmbuf_free_bulk(tx, NB_XFER);
	if (zc_area_verbs_unbind(m->area, rd.pd) != 0) {
		ZC_TEST_FAIL("unbind", "%s", pool_name);
		rc = -1;
	}
free_pool:
	rte_mempool_free(mp);
	return rc;
}

static int
test_bind_providers(void)
{
	return on_each_area(check_bind, "vb");
}

static int
test_data(void)
{
	return on_each_area(move_data, "vd");
}

/*
 * Unbind while the application holds buffers of a pool already destroyed: the
 * MR goes, the memory stays (through the pool's span) until the last buffer.
 */
static int
test_unbind_held(void)
{
	struct rte_mbuf *held[4] = { NULL };
	struct zc_area *found;
	struct mem m;
	struct rte_mempool *mp;
	unsigned int i;
	uint16_t id;
	double t0;
	int rc;

	rc = rd_open();
	if (rc != 0)
		return rc;
	ZC_ASSERT(mem_user(&m, "vh_memfd", true) == 0, "area");
	id = zc_area_id(m.area);
	mp = zc_pktmbuf_pool_create("vh_pool", NB_BUFS, 0, 0, BUF_ROOM, m.area, SOCKET_ID_ANY);
	ZC_ASSERT(mp != NULL, "pool");
	ZC_ASSERT(zc_area_verbs_bind(m.area, rd.pd, ACCESS, NULL) == 0, "bind");
	ZC_ASSERT(rte_pktmbuf_alloc_bulk(mp, held, RTE_DIM(held)) == 0, "alloc");
	for (i = 0; i < RTE_DIM(held); i++)
		fill((uint8_t *)rte_pktmbuf_append(held[i], 512), 512, i);
	ZC_ASSERT(zc_pool_destroy(mp, 0) == (int)RTE_DIM(held), "destroy deferred");
	ZC_ASSERT(zc_area_verbs_unbind(m.area, rd.pd) == 0, "unbind with buffers held");
	ZC_ASSERT(zc_area_verbs_mr_get(m.area, rd.pd) == NULL && rte_errno == ENOENT,
		  "MR still found");
	/* The creator's reference goes too: the held buffers keep the memory alive. */
	zc_area_put(m.area);
	m.area = NULL;
	found = zc_area_get_by_id(id);
	ZC_ASSERT(found != NULL, "area released under held buffers");
	zc_area_put(found);
	for (i = 0; i < RTE_DIM(held); i++) {
		uint8_t want[512];

		fill(want, sizeof(want), i);
		ZC_ASSERT(memcmp(rte_pktmbuf_mtod(held[i], void *), want, sizeof(want)) == 0,
			  "held buffer %u", i);
	}
	rte_pktmbuf_free_bulk(held, RTE_DIM(held));
	for (t0 = now_s(); now_s() - t0 < 10; usleep(10000)) {
		found = zc_area_get_by_id(id);
		if (found == NULL)
			break;
		zc_area_put(found);
	}
	ZC_ASSERT(found == NULL, "area not released 10 s after the last buffer");
	mem_free(&m);
	return 0;
}

/*
 * dmabuf areas go through ibv_reg_dmabuf_mr(); rxe has no dmabuf MRs and must
 * refuse up front. The CPU mapping of a dmabuf (PFN-mapped) given as a user area
 * cannot be pinned: EFAULT.
 */
static int
test_dmabuf_refused(void)
{
	struct zc_area_user_params p = {
		.len = AREA_LEN, .page_sz = sysconf(_SC_PAGESIZE), .socket_id = SOCKET_ID_ANY,
	};
	struct zc_area *a, *u;
	void *map;
	int rc, fd, ret;

	rc = rd_open();
	if (rc != 0)
		return rc;
	rc = -1;
	fd = zc_test_udmabuf(AREA_LEN);
	if (fd < 0) {
		printf("SKIP: no /dev/udmabuf to make a dmabuf with\n");
		return ZC_TEST_SKIP;
	}
	a = zc_area_create_dmabuf("vx_dmabuf", fd, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(a != NULL, close_fd, "dmabuf area: %s", rte_strerror(rte_errno));
	ret = zc_area_verbs_bind(a, rd.pd, ACCESS, NULL);
	if (ret == 0) {
		zc_area_verbs_unbind(a, rd.pd);
		zc_area_put(a);
		close(fd);
		printf("SKIP: %s registers dmabuf MRs: nothing to refuse\n",
		       ibv_get_device_name(rd.ctx->device));
		return ZC_TEST_SKIP;
	}
	ZC_ASSERT_GOTO(ret == -EOPNOTSUPP, put_a, "dmabuf bind: %s", strerror(-ret));
	map = mmap(NULL, AREA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ZC_ASSERT_GOTO(map != MAP_FAILED, put_a, "mmap of the udmabuf");
	p.addr = map;
	/* A second name for the dmabuf's memory: the areas' ranges differ, so both exist. */
	u = zc_area_create_user("vx_pfn", &p);
	ZC_ASSERT_GOTO(u != NULL, unmap, "user area over the udmabuf mapping: %s",
		       rte_strerror(rte_errno));
	ret = zc_area_verbs_bind(u, rd.pd, ACCESS, NULL);
	ZC_ASSERT_GOTO(ret == -EFAULT, put_u, "PFN-mapped bind: %d (%s)", ret, strerror(-ret));
	rc = 0;
put_u:
	zc_area_put(u);
unmap:
	munmap(map, AREA_LEN);
put_a:
	zc_area_put(a);
close_fd:
	close(fd);
	return rc;
}

/* The positive dmabuf case needs a provider with dmabuf MRs. */
static int
test_dmabuf_mr(void)
{
	const struct zc_area_verbs_mr *vmr;
	struct zc_area *a;
	int rc, fd, ret;

	rc = rd_open();
	if (rc != 0)
		return rc;
	fd = zc_test_udmabuf(AREA_LEN);
	if (fd < 0) {
		printf("SKIP: no /dev/udmabuf to make a dmabuf with\n");
		return ZC_TEST_SKIP;
	}
	a = zc_area_create_dmabuf("vm_dmabuf", fd, SOCKET_ID_ANY);
	close(fd);
	ZC_ASSERT(a != NULL, "dmabuf area: %s", rte_strerror(rte_errno));
	ret = zc_area_verbs_bind(a, rd.pd, ACCESS, &vmr);
	if (ret == -EOPNOTSUPP) {
		zc_area_put(a);
		printf("SKIP: %s has no dmabuf MRs (ibv_reg_dmabuf_mr: EOPNOTSUPP); rdma-core has them for mlx5, efa, bnxt_re, mana\n",
		       ibv_get_device_name(rd.ctx->device));
		return ZC_TEST_SKIP;
	}
	rc = ret == 0 && vmr->addr == (uintptr_t)zc_area_addr(a) && vmr->len == AREA_LEN ? 0 : -1;
	if (ret == 0)
		zc_area_verbs_unbind(a, rd.pd);
	zc_area_put(a);
	ZC_ASSERT(rc == 0, "dmabuf bind: %d", ret);
	return 0;
}

/*
 * Teardown: the PD cannot go while an area is bound (EBUSY); one call unbinds
 * every area from it, which deregisters their MRs; then the PD and the device go.
 */
static int
test_teardown(void)
{
	struct mem m[2] = { { .memfd = -1 }, { .memfd = -1 } };
	int rc, mrs0, mrs, i, ret;

	rc = rd_open();
	if (rc != 0)
		return rc;
	rc = -1;
	for (i = 0; i < 2; i++)
		ibv_destroy_qp(rd.qp[i]);
	ibv_destroy_cq(rd.cq);
	mrs0 = count_mrs();
	ZC_ASSERT_GOTO(mem_hugepage(&m[0], "vt_huge") == 0 &&
		       mem_user(&m[1], "vt_memfd", true) == 0, free_mem, "areas");
	for (i = 0; i < 2; i++)
		ZC_ASSERT_GOTO(zc_area_verbs_bind(m[i].area, rd.pd, ACCESS, NULL) == 0, unbind,
			       "bind %d", i);
	mrs = count_mrs();
	ZC_ASSERT_GOTO(mrs0 < 0 || mrs == mrs0 + 2, unbind, "MRs %d, were %d", mrs, mrs0);
	ret = ibv_dealloc_pd(rd.pd);
	ZC_ASSERT_GOTO(ret == EBUSY, unbind, "ibv_dealloc_pd with areas bound: %d", ret);
	ZC_ASSERT_GOTO(zc_area_verbs_unbind_pd(rd.pd) == 2, unbind, "unbind_pd");
	mrs = count_mrs();
	ZC_ASSERT_GOTO(mrs == mrs0, unbind, "MRs left: %d, were %d", mrs, mrs0);
	if (mrs0 < 0)
		printf("  MRs not counted: no `rdma resource` here\n");
	else
		printf("  MRs: %d bound, %d after unbind\n", mrs0 + 2, mrs);
	rc = 0;
unbind:
	zc_area_verbs_unbind_pd(rd.pd);
free_mem:
	for (i = 0; i < 2; i++)
		mem_free(&m[i]);
	ret = ibv_dealloc_pd(rd.pd);
	ibv_close_device(rd.ctx);
	rd.status = -1; /* closed: no case may use it after this one */
	ZC_ASSERT(ret == 0, "ibv_dealloc_pd after unbinding: %d", ret);
	return rc;
}

ZC_TEST_MAIN(
	{ "api_args", test_api_args },
	{ "bind_providers", test_bind_providers },
	{ "data_send_write", test_data },
	{ "unbind_held", test_unbind_held },
	{ "dmabuf_refused", test_dmabuf_refused },
	{ "dmabuf_mr", test_dmabuf_mr },
	{ "teardown", test_teardown },
)

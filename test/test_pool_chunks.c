/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Zero-config pools whose memory comes in several chunks (issue 10): when
 * rte_mempool_populate_default() cannot reserve one memzone for the whole pool it
 * halves the request until memzones fit, as Open vSwitch's 262,144-mbuf pools
 * meet on a busy heap. Such a pool must be created at the first attempt, every
 * object must be obtainable and named right whatever chunk it is in, and the
 * error path must free each chunk exactly once.
 *
 * The heap is fixed (huge: --socket-mem and --socket-limit; no-huge: -m), so that
 * filling it with memzones and freeing every other one leaves holes no big
 * memzone fits in. test_ovs_size needs a larger heap (800 MB with hugepages;
 * 1300 MB without, where ring_mp_mc, the baseline, spends a 4 KiB page per mbuf)
 * and skips otherwise; run it by hand with:
 *   test_pool_chunks --huge -l 0,1 --socket-mem=900 --socket-limit=900
 *   test_pool_chunks --no-huge -l 0,1 -m 1300
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include <zc_area.h>
#include <zc_pool.h>

#include "zc_test.h"
#include "zc_test_pool.h"
/* zcpool_track(), which net_zcrx's refill ring calls. */
#include "zcpool_pvt.h"

#define HEAP_MB 256          /* --huge: the fixed heap */
#define PIN_LEN 4096         /* what keeps two holes apart */
#define MAX_FRAG 2048
#define ROOM RTE_MBUF_DEFAULT_BUF_SIZE
#define PRIV 16
/* zcpool's limit on the pieces of a pool (ZCPOOL_SEGS_MAX). */
#define SEGS_MAX 64

/* --- A fragmented heap. --- */

struct frag {
	const struct rte_memzone *blocks[MAX_FRAG];
	const struct rte_memzone *pins[MAX_FRAG];
	unsigned int nb_blocks;
	unsigned int nb_pins;
};

static struct frag frag;

/*
 * Fill the heap: blocks of block_len while they fit (all kept but the last, which
 * makes room for the holes), then holes of hole_len each followed by a pin, until
 * nothing fits; then free the holes. What is left free is holes of hole_len with
 * pins between them, scraps, and room_len set aside first for the pool's own
 * structures (a zcpool is 150 KB, its ring and the mempool more).
 */
static int
frag_heap(struct frag *f, size_t room_len, size_t block_len, size_t hole_len,
	  unsigned int max_holes)
{
	const struct rte_memzone *holes[MAX_FRAG], *room;
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int nb_holes = 0, i;

	memset(f, 0, sizeof(*f));
	room = rte_memzone_reserve("froom", room_len, SOCKET_ID_ANY, 0);
	if (room == NULL)
		return -1;
	while (block_len != 0 && f->nb_blocks < MAX_FRAG) {
		snprintf(name, sizeof(name), "fb%u", f->nb_blocks);
		f->blocks[f->nb_blocks] = rte_memzone_reserve(name, block_len, SOCKET_ID_ANY, 0);
		if (f->blocks[f->nb_blocks] == NULL)
			break;
		f->nb_blocks++;
	}
	if (f->nb_blocks != 0)
		rte_memzone_free(f->blocks[--f->nb_blocks]);
	while (nb_holes < max_holes && nb_holes < MAX_FRAG) {
		snprintf(name, sizeof(name), "fh%u", nb_holes);
		holes[nb_holes] = rte_memzone_reserve(name, hole_len, SOCKET_ID_ANY, 0);
		if (holes[nb_holes] == NULL)
			break;
		snprintf(name, sizeof(name), "fp%u", nb_holes);
		f->pins[f->nb_pins] = rte_memzone_reserve(name, PIN_LEN, SOCKET_ID_ANY, 0);
		nb_holes++;
		if (f->pins[f->nb_pins] == NULL)
			break;
		f->nb_pins++;
	}
	for (i = 0; i < nb_holes; i++)
		rte_memzone_free(holes[i]);
	rte_memzone_free(room);
	printf("  heap: %u blocks of %zu KiB kept, %u holes of %zu KiB, %zu KiB of room\n",
	       f->nb_blocks, block_len >> 10, nb_holes, hole_len >> 10, room_len >> 10);
	return nb_holes >= 2 ? 0 : -1;
}

static void
frag_undo(struct frag *f)
{
	unsigned int i;

	for (i = 0; i < f->nb_pins; i++)
		rte_memzone_free(f->pins[i]);
	for (i = 0; i < f->nb_blocks; i++)
		rte_memzone_free(f->blocks[i]);
	memset(f, 0, sizeof(*f));
}

static size_t
heap_size(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			total += st.heap_totalsz_bytes;
	return total;
}

/* --- The log, to catch "Memzone is not allocated" (a second free). --- */

static FILE *log_f;
static char *log_buf;
static size_t log_len;

static void
log_capture(void)
{
	free(log_buf);
	log_buf = NULL;
	log_f = open_memstream(&log_buf, &log_len);
	if (log_f != NULL)
		rte_openlog_stream(log_f);
}

/* Stop capturing and echo what was logged. */
static void
log_release(void)
{
	if (log_f == NULL)
		return;
	rte_openlog_stream(stderr);
	fclose(log_f);
	log_f = NULL;
	if (log_len != 0)
		printf("  log: %s", log_buf);
}

/* Whether the last capture holds @p s. */
static bool
log_has(const char *s)
{
	return log_buf != NULL && strstr(log_buf, s) != NULL;
}

/* --- Chunks as the mempool sees them. --- */

struct run {
	char *lo;
	char *hi;
};

struct chunks {
	unsigned int nb;      /* memory chunks (mp->nb_mem_chunks) */
	unsigned int nb_runs; /* virtually contiguous runs of them */
	struct run run[MAX_FRAG];
};

static void
add_chunk(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *memhdr, unsigned int i)
{
	struct chunks *c = arg;

	RTE_SET_USED(mp);
	RTE_SET_USED(i);
	if (c->nb < MAX_FRAG) {
		c->run[c->nb].lo = memhdr->addr;
		c->run[c->nb].hi = (char *)memhdr->addr + memhdr->len;
	}
	c->nb++;
}

static int
run_cmp(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void
chunks_get(struct rte_mempool *mp, struct chunks *c)
{
	unsigned int i, k = 0;

	memset(c, 0, sizeof(*c));
	rte_mempool_mem_iter(mp, add_chunk, c);
	c->nb = RTE_MIN(c->nb, (unsigned int)MAX_FRAG);
	qsort(c->run, c->nb, sizeof(c->run[0]), run_cmp);
	for (i = 0; i < c->nb; i++) {
		if (k != 0 && c->run[k - 1].hi == c->run[i].lo)
			c->run[k - 1].hi = c->run[i].hi;
		else
			c->run[k++] = c->run[i];
	}
	c->nb_runs = k;
}

static int
run_of(const struct chunks *c, const void *p)
{
	unsigned int i;

	for (i = 0; i < c->nb_runs; i++)
		if ((const char *)p >= c->run[i].lo && (const char *)p < c->run[i].hi)
			return i;
	return -1;
}

/* --- What a pool in chunks must do. --- */

struct rec {
	struct rte_mbuf *m;
	int64_t idx;
	uint64_t off;
	int run;
};

static int
rec_idx_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Names of every buffer: index and area offset, both ways, in the area of the
 * buffer's own chunk; one area per virtually contiguous run of chunks.
 */
static int
check_names(struct rte_mempool *mp, const struct chunks *c, struct rec *r, unsigned int n,
	    uint16_t *ids, unsigned int *nb_ids)
{
	uint16_t run_id[MAX_FRAG] = { 0 };
	struct zc_area_info ai;
	struct zc_area *a;
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = r[i].m;
		uint64_t bytes;
		uint16_t id;

		r[i].idx = zc_pool_mbuf_index(m);
		r[i].off = zc_pool_mbuf_area_off(m);
		r[i].run = run_of(c, m);
		ZC_ASSERT(r[i].run >= 0, "mbuf %p in no chunk", (void *)m);
		ZC_ASSERT(r[i].idx >= 0, "mbuf %u (%p): index %" PRId64, i, (void *)m, r[i].idx);
		ZC_ASSERT(r[i].off != UINT64_MAX, "mbuf %u: no area offset", i);
		id = zc_area_off_id(r[i].off);
		bytes = zc_area_off_bytes(r[i].off);
		/* One area per run: the same for every buffer of a run, another for the next. */
		if (run_id[r[i].run] == 0) {
			for (k = 0; k < *nb_ids; k++)
				ZC_ASSERT(ids[k] != id, "runs %d and another share area %u", r[i].run, id);
			run_id[r[i].run] = id;
			ids[(*nb_ids)++] = id;
		}
		ZC_ASSERT(run_id[r[i].run] == id, "mbuf %u: area %u, its run's is %u", i, id,
			  run_id[r[i].run]);
		a = zc_area_get_by_id(id);
		ZC_ASSERT(a != NULL, "mbuf %u: area id %u names no area", i, id);
		zc_area_info_get(a, &ai);
		if ((char *)ai.addr + bytes != (char *)m->buf_addr ||
		    bytes + m->buf_len > ai.len ||
		    (ai.nb_iova_runs != 0 &&
		     zc_area_iova(a, bytes, m->buf_len) != rte_mbuf_iova_get(m)) ||
		    strcmp(ai.provider, "mempool") != 0) {
			printf("FAIL: mbuf %u (%p, buf %p): offset %#" PRIx64 " in area %s (%p + %zu, %s, %u IOVA runs)\n",
			       i, (void *)m, m->buf_addr, r[i].off, ai.name, ai.addr, ai.len,
			       ai.provider, ai.nb_iova_runs);
			zc_area_put(a);
			return -1;
		}
		zc_area_put(a);
		ZC_ASSERT(zc_pool_index_mbuf(mp, r[i].idx) == m, "index %" PRId64 " -> %p, not %p",
			  r[i].idx, (void *)zc_pool_index_mbuf(mp, r[i].idx), (void *)m);
		ZC_ASSERT(zc_pool_area_off_index(mp, r[i].off) == r[i].idx,
			  "offset %#" PRIx64 " -> index %" PRId64 ", not %" PRId64, r[i].off,
			  zc_pool_area_off_index(mp, r[i].off), r[i].idx);
		ZC_ASSERT(zc_pool_index_area_off(mp, r[i].idx) == r[i].off,
			  "index %" PRId64 " -> offset %#" PRIx64 ", not %#" PRIx64, r[i].idx,
			  zc_pool_index_area_off(mp, r[i].idx), r[i].off);
		ZC_ASSERT(zc_pool_area_off_index(mp, r[i].off + 1) == -EINVAL &&
			  zc_pool_area_off_index(mp, r[i].off - 1) == -EINVAL &&
			  zc_pool_area_off_index(mp, zc_area_off_make(0, bytes)) == -EINVAL,
			  "an offset next to buffer %" PRId64 " was accepted", r[i].idx);
	}
	/* Every run holds buffers, each index names one buffer. */
	for (k = 0; k < c->nb_runs; k++)
		ZC_ASSERT(run_id[k] != 0, "run %u (%p-%p) holds no buffer", k, (void *)c->run[k].lo,
			  (void *)c->run[k].hi);
	qsort(r, n, sizeof(r[0]), rec_idx_cmp);
	for (i = 1; i < n; i++)
		ZC_ASSERT(r[i].idx != r[i - 1].idx, "index %" PRId64 " names two mbufs", r[i].idx);
	return 0;
}

/* mbuf_autotest-style: alloc everything, write every data room, free, in rounds. */
static int
mbuf_rounds(struct rte_mempool *mp, struct rte_mbuf **m, unsigned int n)
{
	unsigned int i, round;
	const char *reason;

	for (round = 0; round < 3; round++) {
		ZC_ASSERT(rte_pktmbuf_alloc_bulk(mp, m, n) == 0, "round %u: alloc %u", round, n);
		ZC_ASSERT(rte_pktmbuf_alloc(mp) == NULL, "round %u: alloc past the end", round);
		for (i = 0; i < n; i++) {
			reason = NULL;
			ZC_ASSERT(rte_mbuf_check(m[i], 1, &reason) == 0, "mbuf %u: %s", i, reason);
			ZC_ASSERT(m[i]->buf_addr == (char *)m[i] + sizeof(*m[i]) + PRIV &&
				  m[i]->buf_len == ROOM, "mbuf %u: buffer %p+%u", i, m[i]->buf_addr,
				  m[i]->buf_len);
			memset(m[i]->buf_addr, (int)((i + round) & 0xff), m[i]->buf_len);
			memset(rte_mbuf_to_priv(m[i]), 0xee, PRIV);
		}
		for (i = 0; i < n; i++) {
			const uint8_t *b = m[i]->buf_addr;

			ZC_ASSERT(b[0] == ((i + round) & 0xff) &&
				  b[ROOM - 1] == ((i + round) & 0xff),
				  "round %u: buffer %u overwritten", round, i);
			ZC_ASSERT(rte_pktmbuf_append(m[i], 64 + round) != NULL, "append");
		}
		if (round == 1) {
			for (i = 0; i + 1 < n; i += 2) {
				ZC_ASSERT(rte_pktmbuf_chain(m[i], m[i + 1]) == 0, "chain");
				rte_pktmbuf_free(m[i]);
			}
			if (i < n)
				rte_pktmbuf_free(m[i]);
		} else {
			rte_pktmbuf_free_bulk(m, n);
		}
		ZC_ASSERT(rte_mempool_avail_count(mp) == n, "round %u: avail %u of %u", round,
			  rte_mempool_avail_count(mp), n);
	}
	return 0;
}

/*
 * Everything a zero-config pool of n mbufs in chunks must do. The area ids its
 * buffers are named in go to ids[] (at most MAX_FRAG).
 */
static int
check_pool(struct rte_mempool *mp, unsigned int n, uint16_t *ids, unsigned int *nb_ids)
{
	static struct chunks c;
	struct zc_pool_geometry geo;
	struct zc_pool_census cen;
	struct rte_mbuf **m = NULL;
	struct rec *r = NULL;
	void *extra;
	unsigned int i;
	int ret, rc = -1;

	*nb_ids = 0;
	chunks_get(mp, &c);
	printf("  pool %s: %u mbufs in %u chunks, %u virtually contiguous runs\n", mp->name, n,
	       c.nb, c.nb_runs);
	ZC_ASSERT(zc_pool_is_zcpool(mp), "not a zcpool pool");
	ZC_ASSERT(mp->size == n && mp->populated_size == n, "size %u populated %u", mp->size,
		  mp->populated_size);
	ZC_ASSERT(rte_mempool_avail_count(mp) == n, "avail %u of %u", rte_mempool_avail_count(mp),
		  n);
	ZC_ASSERT(rte_mempool_in_use_count(mp) == 0, "in use %u", rte_mempool_in_use_count(mp));
	ret = zc_pool_geometry_get(mp, &geo);
	/* The geometry is that of one area: refused, and said so, for several. */
	if (c.nb_runs > 1)
		ZC_ASSERT(ret == -ENOTSUP, "geometry of a pool in %u areas: %d", c.nb_runs, ret);
	else
		ZC_ASSERT(ret == 0 && geo.nb_bufs == n, "geometry %d", ret);
	ZC_ASSERT(zc_pool_census_get(mp, &cen) == 0 && cen.size == n && cen.available == n &&
		  cen.held_other == 0, "census");
	/* Buffer states are kept through the one area: refused for several. */
	if (c.nb_runs > 1 && mp->cache_size == 0)
		ZC_ASSERT(zcpool_track(mp) == -ENOTSUP, "tracking a pool in %u areas", c.nb_runs);

	m = calloc(n, sizeof(*m));
	r = calloc(n, sizeof(*r));
	ZC_ASSERT_GOTO(m != NULL && r != NULL, out, "memory");
	ZC_ASSERT_GOTO(rte_mempool_get_bulk(mp, (void **)m, n) == 0, out, "get all %u", n);
	ZC_ASSERT_GOTO(rte_mempool_get(mp, &extra) < 0, put, "get past the end");
	ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == 0, put, "avail %u",
		       rte_mempool_avail_count(mp));
	ZC_ASSERT_GOTO(zc_pool_census_get(mp, &cen) == 0 && cen.held_other == n, put, "census");
	for (i = 0; i < n; i++)
		r[i].m = m[i];
	ZC_ASSERT_GOTO(check_names(mp, &c, r, n, ids, nb_ids) == 0, put, "names");
	ZC_ASSERT_GOTO(*nb_ids == c.nb_runs, put, "%u areas for %u runs", *nb_ids, c.nb_runs);
	rc = 0;
put:
	rte_mempool_put_bulk(mp, (void **)m, n);
	if (rc == 0 && rte_mempool_avail_count(mp) != n) {
		printf("FAIL: avail %u after put\n", rte_mempool_avail_count(mp));
		rc = -1;
	}
	if (rc == 0)
		rc = mbuf_rounds(mp, m, n);
out:
	free(m);
	free(r);
	return rc;
}

/* Whether every area in ids[] is gone. */
static bool
areas_gone(const uint16_t *ids, unsigned int nb_ids)
{
	unsigned int i;

	for (i = 0; i < nb_ids; i++)
		if (area_with_id(ids[i]) != NULL)
			return false;
	return true;
}

/* --- Pools assembled by hand, chunk by chunk, as an application may. --- */

struct mz_rec {
	const struct rte_memzone *mz;
	unsigned int frees;
};

/* Memory chunk free callback: counts, frees the memzone the first time only. */
static void
mz_rec_free(struct rte_mempool_memhdr *memhdr, void *opaque)
{
	struct mz_rec *r = opaque;

	RTE_SET_USED(memhdr);
	if (r->frees++ == 0)
		rte_memzone_free(r->mz);
}

static struct rte_mempool *
empty_pool(const char *name, unsigned int n)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = ROOM,
		.mbuf_priv_size = PRIV,
	};
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + PRIV + ROOM, 0,
				      sizeof(priv), SOCKET_ID_ANY, 0);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, ZC_POOL_OPS_NAME, NULL) != 0) {
		rte_mempool_free(mp);
		return NULL;
	}
	rte_pktmbuf_pool_init(mp, &priv);
	return mp;
}

/*
 * Reserve a memzone per chunk (objs[k] objects each) and populate the pool with
 * them in reverse order, so that the chunks come in falling addresses; virt
 * populates through rte_mempool_populate_virt() (split at IOVA breaks, where an
 * object that would straddle one is lost), else rte_mempool_populate_iova(). A
 * chunk the pool refuses is freed here, as rte_mempool_populate_default() does.
 * Returns how many chunks were taken.
 */
static unsigned int
populate_chunks(struct rte_mempool *mp, const unsigned int *objs, unsigned int nb,
		struct mz_rec *recs, bool virt)
{
	size_t obj_sz = mp->header_size + mp->elt_size + mp->trailer_size;
	static unsigned int nb_names;
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int k, taken = 0;
	int ret;

	for (k = 0; k < nb; k++) {
		snprintf(name, sizeof(name), "%s_c%u", mp->name, nb_names++);
		recs[k].frees = 0;
		recs[k].mz = rte_memzone_reserve_aligned(name, objs[k] * obj_sz, SOCKET_ID_ANY, 0,
							 RTE_CACHE_LINE_SIZE);
		if (recs[k].mz == NULL)
			recs[k].frees = 1;
	}
	for (k = nb; k-- > 0;) {
		const struct rte_memzone *mz = recs[k].mz;

		if (mz == NULL)
			continue;
		if (virt)
			ret = rte_mempool_populate_virt(mp, mz->addr, mz->len, mz->hugepage_sz,
							mz_rec_free, &recs[k]);
		else
			ret = rte_mempool_populate_iova(mp, mz->addr, mz->iova, mz->len,
							mz_rec_free, &recs[k]);
		if (ret <= 0) {
			printf("  chunk %u (%u objects at %p): populate returned %d (%s)\n", k,
			       objs[k], mz->addr, ret, ret < 0 ? rte_strerror(-ret) : "refused");
			mz_rec_free(NULL, &recs[k]);
			continue;
		}
		if ((unsigned int)ret != objs[k])
			printf("  chunk %u: %d objects of %u\n", k, ret, objs[k]);
		taken++;
	}
	return taken;
}

/* Free the pool: every chunk must be freed exactly once. */
static int
free_chunks_pool(struct rte_mempool *mp, struct mz_rec *recs, unsigned int nb)
{
	unsigned int k;
	int rc = 0;

	rte_mempool_free(mp);
	for (k = 0; k < nb; k++) {
		if (recs[k].frees == 1)
			continue;
		printf("FAIL: chunk %u freed %u times\n", k, recs[k].frees);
		rc = -1;
	}
	return rc;
}

static int
assembled(bool virt)
{
	/* The last one tops the pool up with what IOVA breaks cost (virt). */
	static unsigned int objs[] = { 1000, 37, 1, 2500, 300, 64, 0 };
	static struct mz_rec recs[RTE_DIM(objs)];
	static uint16_t ids[MAX_FRAG];
	const unsigned int nb = RTE_DIM(objs) - 1;
	struct rte_mempool *mp;
	unsigned int n = 0, k, taken, nb_ids = 0, mz0 = zc_test_nb_memzones();
	int rc = -1;

	for (k = 0; k < nb; k++)
		n += objs[k];
	mp = empty_pool(virt ? "chv" : "chi", n);
	ZC_ASSERT(mp != NULL, "create: %s", rte_strerror(rte_errno));
	taken = populate_chunks(mp, objs, nb, recs, virt);
	ZC_ASSERT_GOTO(taken == nb, free_pool, "%u of %u chunks taken", taken, nb);
	objs[nb] = n - mp->populated_size;
	if (objs[nb] != 0) {
		printf("  %u objects lost at IOVA breaks: one more chunk\n", objs[nb]);
		ZC_ASSERT_GOTO(populate_chunks(mp, &objs[nb], 1, &recs[nb], false) == 1, free_pool,
			       "top-up chunk");
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	ZC_ASSERT_GOTO(check_pool(mp, n, ids, &nb_ids) == 0, free_pool, "pool");
	ZC_ASSERT_GOTO(nb_ids == nb + (objs[nb] != 0), free_pool,
		       "%u areas for %u separate chunks", nb_ids, nb + (objs[nb] != 0));
	rc = 0;
free_pool:
	if (free_chunks_pool(mp, recs, nb + (objs[nb] != 0)) < 0)
		rc = -1;
	ZC_ASSERT(areas_gone(ids, nb_ids), "an area of the freed pool is still there");
	ZC_ASSERT(zc_test_nb_memzones() == mz0, "%u memzones, %u before", zc_test_nb_memzones(), mz0);
	return rc;
}

static int test_assembled_iova(void) { return assembled(false); }
static int test_assembled_virt(void) { return assembled(true); }

/*
 * More pieces than a pool takes: the chunk past the limit is refused (populate
 * returns 0, never an error DPDK 22.11 would free twice), the others are freed
 * once each with the pool.
 */
static int
test_assembled_too_many(void)
{
	static unsigned int objs[SEGS_MAX + 4];
	static struct mz_rec recs[RTE_DIM(objs)];
	struct rte_mempool *mp;
	unsigned int k, taken, mz0 = zc_test_nb_memzones(), areas0 = nb_areas();
	int rc = -1;

	for (k = 0; k < RTE_DIM(objs); k++)
		objs[k] = 2;
	mp = empty_pool("chmany", 2 * RTE_DIM(objs));
	ZC_ASSERT(mp != NULL, "create: %s", rte_strerror(rte_errno));
	taken = populate_chunks(mp, objs, RTE_DIM(objs), recs, false);
	ZC_ASSERT_GOTO(taken == SEGS_MAX, free_pool, "%u chunks taken, the limit is %u", taken,
		       SEGS_MAX);
	rc = 0;
free_pool:
	if (free_chunks_pool(mp, recs, RTE_DIM(objs)) < 0)
		rc = -1;
	ZC_ASSERT(nb_areas() == areas0, "%u areas left, %u before", nb_areas(), areas0);
	ZC_ASSERT(zc_test_nb_memzones() == mz0, "%u memzones, %u before", zc_test_nb_memzones(), mz0);
	return rc;
}

/* --- rte_pktmbuf_pool_create() on a fragmented heap, as OVS calls it. --- */

/*
 * A pool of n mbufs over a heap whose free memory is in holes of hole_len:
 * ring_mp_mc takes it in several memzones, so must zcpool, at the first try and
 * without a second free of any memzone. A buffer still held defers the destroy.
 */
static int
default_populate(unsigned int n, size_t hole_len)
{
	static uint16_t ids[MAX_FRAG];
	static struct chunks c;
	struct rte_mempool *mp = NULL;
	struct rte_mbuf *held;
	unsigned int mz0 = zc_test_nb_memzones(), nb_ids = 0, ring_chunks;
	int rc = -1, i;

	if (frag_heap(&frag, 1u << 20, 0, hole_len, MAX_FRAG) < 0) {
		frag_undo(&frag);
		printf("SKIP: cannot fragment the heap (%zu MB)\n", heap_size() >> 20);
		return ZC_TEST_SKIP;
	}
	/* The same request through ring_mp_mc: the heap makes it several memzones. */
	mp = rte_pktmbuf_pool_create_by_ops("chring", n, 256, PRIV, ROOM, SOCKET_ID_ANY,
					    "ring_mp_mc");
	ZC_ASSERT_GOTO(mp != NULL, undo, "ring_mp_mc pool of %u: %s", n, rte_strerror(rte_errno));
	chunks_get(mp, &c);
	ring_chunks = c.nb;
	rte_mempool_free(mp);
	mp = NULL;
	printf("  ring_mp_mc: %u mbufs in %u chunks\n", n, ring_chunks);
	ZC_ASSERT_GOTO(ring_chunks > 1, undo, "the heap gave ring_mp_mc one chunk");

	log_capture();
	mp = rte_pktmbuf_pool_create_by_ops("chzc", n, 256, PRIV, ROOM, SOCKET_ID_ANY,
					    ZC_POOL_OPS_NAME);
	i = rte_errno;
	log_release();
	ZC_ASSERT_GOTO(!log_has("Memzone is not allocated"), free_pool,
		       "a memzone was freed twice");
	ZC_ASSERT_GOTO(mp != NULL, undo, "zcpool pool of %u: %s", n, rte_strerror(i));
	ZC_ASSERT_GOTO(check_pool(mp, n, ids, &nb_ids) == 0, free_pool, "pool");
	chunks_get(mp, &c);
	ZC_ASSERT_GOTO(c.nb > 1, free_pool, "one chunk only");
	/* Deferred destroy with one mbuf out, freed when it returns. */
	held = rte_pktmbuf_alloc(mp);
	ZC_ASSERT_GOTO(held != NULL, free_pool, "alloc");
	ZC_ASSERT_GOTO(zc_pool_destroy(mp, 0) == 1, free_pool, "destroy with one held");
	rte_pktmbuf_free(held);
	mp = NULL;
	/* The reaper frees the pool after taking it off the pending list: wait for both. */
	for (i = 0; i < 500 && (zc_pool_pending_destroys() != 0 || !areas_gone(ids, nb_ids)); i++)
		rte_delay_ms(10);
	ZC_ASSERT_GOTO(zc_pool_pending_destroys() == 0, undo, "destroy still pending");
	ZC_ASSERT_GOTO(rte_mempool_lookup("chzc") == NULL, undo, "pool still there");
	ZC_ASSERT_GOTO(areas_gone(ids, nb_ids), undo, "an area of the destroyed pool is left");
	rc = 0;
free_pool:
	rte_mempool_free(mp);
undo:
	frag_undo(&frag);
	ZC_ASSERT(zc_test_nb_memzones() == mz0, "%u memzones, %u before", zc_test_nb_memzones(), mz0);
	return rc;
}

/* About 57 MB of mbufs over 8 MB holes: 8 or so memzones. */
static int
test_default_populate(void)
{
	return default_populate(24000, 8u << 20);
}

/*
 * The error path of rte_mempool_populate_default(): more pieces than a pool
 * takes (a 2 MB room, then 64 KiB holes, the rest of the heap held), so zcpool
 * refuses; the pool creation fails with each memzone freed once, and nothing is
 * left behind.
 */
static int
test_default_populate_refused(void)
{
	unsigned int mz0 = zc_test_nb_memzones(), areas0 = nb_areas();
	struct rte_mempool *mp;
	int err, rc = -1;

	if (frag_heap(&frag, 2u << 20, 8u << 20, 64u << 10, 4 * SEGS_MAX) < 0) {
		frag_undo(&frag);
		printf("SKIP: cannot fragment the heap\n");
		return ZC_TEST_SKIP;
	}
	log_capture();
	/* 27 mbufs to a 64 KiB hole: 1.5 * SEGS_MAX holes' worth, of about 120. */
	mp = rte_pktmbuf_pool_create_by_ops("chref", 27 * SEGS_MAX * 3 / 2, 0, PRIV, ROOM,
					    SOCKET_ID_ANY, ZC_POOL_OPS_NAME);
	err = rte_errno;
	log_release();
	ZC_ASSERT_GOTO(!log_has("Memzone is not allocated"), undo, "a memzone was freed twice");
	if (mp != NULL) {
		struct chunks *c = malloc(sizeof(*c));

		if (c != NULL)
			chunks_get(mp, c);
		printf("FAIL: pool created in %u chunks, over the limit of %u\n",
		       c != NULL ? c->nb : 0, SEGS_MAX);
		free(c);
		rte_mempool_free(mp);
		goto undo;
	}
	printf("  refused: %s\n", rte_strerror(err));
	ZC_ASSERT_GOTO(err == ENOBUFS && log_has("separate pieces"), undo,
		       "refused for another reason than its pieces: %s", rte_strerror(err));
	rc = 0;
undo:
	frag_undo(&frag);
	ZC_ASSERT(nb_areas() == areas0, "%u areas left, %u before", nb_areas(), areas0);
	ZC_ASSERT(zc_test_nb_memzones() == mz0, "%u memzones, %u before", zc_test_nb_memzones(), mz0);
	return rc;
}

/* Open vSwitch's request: 262,144 mbufs (about 620 MB) on a heap of 64 MB holes. */
static int
test_ovs_size(void)
{
	size_t heap = heap_size(), need = zc_test_huge ? 800 : 1300;

	if (heap < (need << 20)) {
		printf("SKIP: a heap of %zu MB; this case needs %zu (see the file's header)\n",
		       heap >> 20, need);
		return ZC_TEST_SKIP;
	}
	return default_populate(262144, 64u << 20);
}

static const struct zc_test_case cases[] = {
	{ "assembled_iova", test_assembled_iova },
	{ "assembled_virt", test_assembled_virt },
	{ "assembled_too_many", test_assembled_too_many },
	{ "default_populate", test_default_populate },
	{ "default_populate_refused", test_default_populate_refused },
	{ "ovs_size", test_ovs_size },
};

bool zc_test_huge;

int
main(int argc, char **argv)
{
	char *args[40];
	int nb = 0, i;

	/* A heap that cannot grow, so that it can be fragmented (--no-huge has -m 512). */
	for (i = 0; i < argc && nb < (int)RTE_DIM(args) - 3; i++) {
		args[nb++] = argv[i];
		if (i == 1 && strcmp(argv[1], "--huge") == 0) {
			if (zc_test_free_hugepages() < HEAP_MB / 2 + 16) {
				printf("SKIP: fewer than %d free 2 MiB hugepages\n", HEAP_MB / 2 + 16);
				return ZC_TEST_SKIP;
			}
			args[nb++] = (char *)"--socket-mem=" RTE_STR(HEAP_MB);
			args[nb++] = (char *)"--socket-limit=" RTE_STR(HEAP_MB);
		}
	}
	args[nb] = NULL;
	return zc_test_main(nb, args, cases, RTE_DIM(cases));
}

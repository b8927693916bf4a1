/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "zcpool_pvt.h"

bool
zc_pool_is_zcpool(const struct rte_mempool *mp)
{
	return mp != NULL && mp->pool_data != NULL &&
	       strcmp(rte_mempool_get_ops(mp->ops_index)->name, ZC_POOL_OPS_NAME) == 0;
}

/*
 * A pinned buffer's external refcount dropped to zero (its clones are gone):
 * give the mbuf back to the pool still attached to its buffer.
 */
static void
pinned_buf_free(void *addr, void *opaque)
{
	struct rte_mbuf *m = opaque;

	RTE_SET_USED(addr);
	rte_mbuf_ext_refcnt_set(m->shinfo, 1);
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	m->next = NULL;
	m->nb_segs = 1;
	rte_mbuf_raw_free(m);
}

/* mempool obj_iter callback: attach mbuf number i to the next usable slot. */
static void
pinned_mbuf_init(struct rte_mempool *mp, void *arg, void *obj, unsigned int i)
{
	struct zcpool *zp = arg;
	struct rte_mbuf *m = obj;
	uint32_t priv_size = rte_pktmbuf_priv_size(mp);
	uint32_t mbuf_size = sizeof(*m) + priv_size;
	struct rte_mbuf_ext_shared_info *shinfo;
	uint64_t off;

	RTE_SET_USED(i);
	while (!zc_area_range_dma_ok(zp->area, zp->base_off +
				     (uint64_t)zp->next_slot * zp->stride, zp->buf_len))
		zp->next_slot++;
	off = zp->base_off + (uint64_t)zp->next_slot * zp->stride;
	zp->slot_obj[zp->next_slot++] = m;

	memset(m, 0, mbuf_size);
	m->priv_size = priv_size;
	m->buf_len = zp->buf_len;
	m->buf_addr = RTE_PTR_ADD(zp->area->addr, off);
	rte_mbuf_iova_set(m, zc_area_iova(zp->area, off, zp->buf_len));
	m->data_off = RTE_MIN(RTE_PKTMBUF_HEADROOM, m->buf_len);
	m->pool = mp;
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	rte_mbuf_refcnt_set(m, 1);

	shinfo = RTE_PTR_ADD(m, mbuf_size);
	m->shinfo = shinfo;
	shinfo->free_cb = pinned_buf_free;
	shinfo->fcb_opaque = m;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
}

/* Room for n buffers plus one hole per page boundary, should the zone be split. */
static size_t
own_area_len(unsigned int n, size_t stride)
{
	size_t base = (size_t)n * stride;

	return base + (base / RTE_PGSIZE_2M + 2) * stride;
}

struct rte_mempool *
zc_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		       uint16_t priv_size, uint16_t data_room_size,
		       struct zc_area *area, int socket_id)
{
	struct rte_pktmbuf_pool_private mbp = {
		.mbuf_data_room_size = data_room_size,
		.mbuf_priv_size = priv_size,
		.flags = RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF,
	};
	struct zc_pool_config cfg = { .buf_size = data_room_size };
	char area_name[ZC_AREA_NAMESIZE];
	struct zc_area *own = NULL;
	struct rte_mempool *mp;
	int ret;

	if (name == NULL || n == 0 || data_room_size == 0 ||
	    RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size) {
		ZCPOOL_LOG(ERR, "pool %s: need a name, n > 0, data_room_size > 0 and priv_size a multiple of %d\n",
			   name ? name : "(null)", RTE_MBUF_PRIV_ALIGN);
		rte_errno = EINVAL;
		return NULL;
	}
	if (area == NULL) {
		snprintf(area_name, sizeof(area_name), "mp_%s", name);
		own = zc_area_create_hugepage(area_name,
			own_area_len(n, RTE_ALIGN_CEIL(data_room_size, RTE_CACHE_LINE_SIZE)),
			socket_id);
		if (own == NULL)
			return NULL;
		area = own;
	}
	cfg.area = area;
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + priv_size +
				      sizeof(struct rte_mbuf_ext_shared_info),
				      cache_size, sizeof(mbp), socket_id, 0);
	if (mp == NULL)
		goto err_area;
	ret = rte_mempool_set_ops_byname(mp, ZC_POOL_OPS_NAME, &cfg);
	if (ret == 0) {
		rte_pktmbuf_pool_init(mp, &mbp);
		/* Runs our alloc (carving the span) before laying out the headers. */
		ret = rte_mempool_populate_default(mp);
	}
	if (ret < 0) {
		rte_mempool_free(mp);
		rte_errno = -ret;
		goto err_area;
	}
	rte_mempool_obj_iter(mp, pinned_mbuf_init, zcpool_of(mp));
	/* The pool's span holds its own reference on the area. */
	zc_area_put(own);
	return mp;

err_area:
	ret = rte_errno;
	zc_area_put(own);
	rte_errno = ret;
	return NULL;
}

/*
 * The pool of a geometry or buffer-name call: a zcpool pool over areas, which
 * live in the primary process (zc_area.h), or NULL.
 */
static const struct zcpool *
pool_with_area(const struct rte_mempool *mp)
{
	static bool logged;

	if (!zc_pool_is_zcpool(mp) || zcpool_of(mp)->area == NULL)
		return NULL;
	if (unlikely(rte_eal_process_type() != RTE_PROC_PRIMARY)) {
		if (!__atomic_exchange_n(&logged, true, __ATOMIC_RELAXED))
			ZCPOOL_LOG(ERR, "pool %s: geometry and buffer names need its areas, which live in the primary process: ask there\n",
				   mp->name);
		return NULL;
	}
	return zcpool_of(mp);
}

int
zc_pool_geometry_get(struct rte_mempool *mp, struct zc_pool_geometry *geo)
{
	const struct zcpool *zp = pool_with_area(mp);

	if (zp == NULL || geo == NULL)
		return -EINVAL;
	/* One area, one base: a pool in several has no such description. */
	if (zp->nb_segs > 1)
		return -ENOTSUP;
	geo->area = zp->area;
	geo->base_off = zp->base_off;
	geo->stride = zp->stride;
	geo->buf_len = zp->buf_len;
	geo->nb_slots = zp->nb_slots;
	geo->nb_bufs = mp->size;
	geo->pinned = zp->pinned;
	return 0;
}

/*
 * The slots of a pool that lie in one area: [first, first + nb), slot first + j
 * at area offset base_off + j * stride. A pool in one area (every pinned pool, a
 * zero-config pool in one piece) is one part, found in O(1); a zero-config pool
 * whose memory came in pieces has a part per segment, found by a binary search
 * (address, slot) or a scan (area id) among at most ZCPOOL_SEGS_MAX.
 */
struct part {
	const struct zc_area *area;
	uint32_t first;
	uint32_t nb;
};

static inline void
seg_part(const struct zcpool_seg *s, struct part *p)
{
	p->area = s->area;
	p->first = s->first_slot;
	p->nb = s->nb_slots;
}

static inline bool
one_part(const struct zcpool *zp, struct part *p)
{
	if (likely(zp->nb_segs <= 1)) {
		p->area = zp->area;
		p->first = 0;
		p->nb = zp->nb_slots;
		return true;
	}
	return false;
}

/* The part whose area holds address a. */
static bool
part_of_addr(const struct zcpool *zp, const char *a, struct part *p)
{
	uint32_t lo = 0, hi = zp->nb_segs;

	if (one_part(zp, p))
		return true;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct zcpool_seg *s = &zp->segs[zp->seg_by_addr[mid]];
		const char *base = s->area->addr;

		if (a < base) {
			hi = mid;
		} else if ((size_t)(a - base) >= s->area->len) {
			lo = mid + 1;
		} else {
			seg_part(s, p);
			return true;
		}
	}
	return false;
}

/* The part holding slot (< nb_slots): segments are in slot order. */
static void
part_of_slot(const struct zcpool *zp, uint32_t slot, struct part *p)
{
	uint32_t lo = 0, hi = zp->nb_segs;

	if (one_part(zp, p))
		return;
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;

		if (slot < zp->segs[mid].first_slot)
			hi = mid;
		else
			lo = mid;
	}
	seg_part(&zp->segs[lo], p);
}

/* The part in the area with id @p id. */
static bool
part_of_area_id(const struct zcpool *zp, uint16_t id, struct part *p)
{
	uint32_t i;

	if (one_part(zp, p))
		return zp->area->id == id;
	for (i = 0; i < zp->nb_segs; i++) {
		if (zp->segs[i].area->id == id) {
			seg_part(&zp->segs[i], p);
			return true;
		}
	}
	return false;
}

/* Slot at in-area offset off of a part, or -1 when it is not exactly a buffer start. */
static int64_t
off_slot(const struct zcpool *zp, const struct part *p, uint64_t off)
{
	uint64_t rel, slot;

	if (off < zp->base_off)
		return -1;
	rel = off - zp->base_off;
	slot = rte_reciprocal_divide_u64(rel, &zp->stride_recip);
	if (slot >= p->nb || rel != slot * zp->stride || zp->slot_obj[p->first + slot] == NULL)
		return -1;
	return p->first + slot;
}

/* Address a buffer is named by: the mbuf's data room, or the object. */
static inline const char *
buf_of(const struct zcpool *zp, const struct rte_mbuf *m)
{
	return zp->pktmbuf ? (const char *)m->buf_addr : (const char *)m;
}

int64_t
zc_pool_mbuf_index(const struct rte_mbuf *m)
{
	const struct zcpool *zp;
	const char *b;
	struct part p;
	int64_t slot;

	zp = m != NULL ? pool_with_area(m->pool) : NULL;
	if (zp == NULL)
		return -EINVAL;
	b = buf_of(zp, m);
	if (!part_of_addr(zp, b, &p))
		return -EINVAL;
	slot = off_slot(zp, &p, (uint64_t)(b - (const char *)p.area->addr));
	return slot < 0 ? -EINVAL : slot;
}

uint64_t
zc_pool_mbuf_area_off(const struct rte_mbuf *m)
{
	const struct zcpool *zp;
	const char *b;
	struct part p;

	zp = m != NULL ? pool_with_area(m->pool) : NULL;
	if (zp == NULL)
		return UINT64_MAX;
	b = buf_of(zp, m);
	if (!part_of_addr(zp, b, &p))
		return UINT64_MAX;
	return zc_area_off_make(p.area->id, (uint64_t)(b - (const char *)p.area->addr));
}

struct rte_mbuf *
zc_pool_index_mbuf(struct rte_mempool *mp, uint32_t index)
{
	const struct zcpool *zp = pool_with_area(mp);

	if (zp == NULL)
		return NULL;
	return index < zp->nb_slots ? zp->slot_obj[index] : NULL;
}

int64_t
zc_pool_area_off_index(struct rte_mempool *mp, uint64_t area_off)
{
	const struct zcpool *zp = pool_with_area(mp);
	struct part p;
	int64_t slot;

	if (zp == NULL)
		return -EINVAL;
	if (!part_of_area_id(zp, zc_area_off_id(area_off), &p))
		return -EINVAL;
	slot = off_slot(zp, &p, zc_area_off_bytes(area_off));
	return slot < 0 ? -EINVAL : slot;
}

uint64_t
zc_pool_index_area_off(struct rte_mempool *mp, uint32_t index)
{
	const struct zcpool *zp = pool_with_area(mp);
	struct part p;

	if (zp == NULL)
		return UINT64_MAX;
	if (index >= zp->nb_slots || zp->slot_obj[index] == NULL)
		return UINT64_MAX;
	part_of_slot(zp, index, &p);
	return zc_area_off_make(p.area->id,
				zp->base_off + (uint64_t)(index - p.first) * zp->stride);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_AREA_VERBS_H
#define ZC_AREA_VERBS_H

/**
 * @file
 * Binding areas to RDMA devices (libibverbs).
 *
 * An area binds to a verbs protection domain as it binds to a DPDK device: with
 * one memory region (MR) for the whole area, never one per buffer. CPU-mapped
 * areas (hugepage, user, mempool) are registered with ibv_reg_mr(), dmabuf areas
 * with ibv_reg_dmabuf_mr() on the area's dmabuf, whether the CPU may map it or
 * not. The binding yields the MR's local and remote keys, and a scatter/gather
 * entry for any buffer of the area in O(1), from its area offset or from an mbuf
 * of a zcpool pool over the area.
 *
 * Work requests name area memory by `addr + offset`, where addr is the area's
 * address (zc_area_info::addr) for every provider: a dmabuf MR is registered at
 * that I/O virtual address, so the same arithmetic serves all areas.
 *
 * Lifetimes:
 * - a binding holds a reference on the area, so the memory outlives the MR;
 *   unbinding deregisters the MR and drops the reference, while buffers still
 *   held (through their pool) keep the memory, not the MR, alive;
 * - the MR must not outlive the protection domain or its device context: unbind
 *   (zc_area_verbs_unbind(), or zc_area_verbs_unbind_pd() for all areas at once)
 *   before ibv_dealloc_pd() and ibv_close_device(). ibv_dealloc_pd() refuses
 *   with EBUSY while an area is bound; ibv_close_device() cannot refuse, and
 *   closing a device with areas bound is undefined behaviour;
 * - work requests posted with the keys must have completed (or their queue pairs
 *   be destroyed) before the unbind: afterwards the keys are invalid and such
 *   requests complete in error.
 *
 * @warning Bind, unbind and lookup take the area's mutex and may sleep
 * (registration pins every page): control-path calls. The scatter/gather helpers
 * take no lock and may be used on the datapath while the binding lasts.
 */

#include <errno.h>
#include <stdint.h>

#include <infiniband/verbs.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include <zc_area.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An area's memory region in one protection domain. Read-only for the
 * application; valid from zc_area_verbs_bind() to the matching unbind.
 */
struct zc_area_verbs_mr {
	struct ibv_mr *mr;  /**< The memory region. */
	uint64_t addr;      /**< Address of area offset 0 in work requests (local
			     *   scatter/gather entries and peers' RDMA remote_addr). */
	uint64_t len;       /**< Bytes registered: the whole area. */
	uint32_t lkey;      /**< Local key, for scatter/gather entries. */
	uint32_t rkey;      /**< Remote key, for peers' RDMA READ and WRITE. */
	uint16_t area_id;   /**< Id of the area (zc_area_off_id() of its offsets). */
};

/**
 * Register an area in a protection domain.
 *
 * @param area
 *   The area.
 * @param pd
 *   The protection domain; it must stay allocated until the unbind.
 * @param access
 *   Access flags of the MR (IBV_ACCESS_*), passed to ibv_reg_mr() or
 *   ibv_reg_dmabuf_mr() as they are: receives into the area need
 *   IBV_ACCESS_LOCAL_WRITE, peers' RDMA WRITE IBV_ACCESS_REMOTE_WRITE (with
 *   LOCAL_WRITE), their RDMA READ IBV_ACCESS_REMOTE_READ.
 * @param[out] vmr
 *   The binding's keys (NULL: not wanted; see zc_area_verbs_mr_get()).
 * @return
 *   0, or a negative errno with the reason logged in one line:
 *   - -EINVAL: @p area or @p pd is NULL;
 *   - -EEXIST: the area is already bound to @p pd (one MR per area and domain);
 *   - -EOPNOTSUPP: a dmabuf area, and the device's provider has no dmabuf MRs
 *     (rdma-core implements them for mlx5, efa, bnxt_re and mana, not rxe);
 *   - -EFAULT: the memory cannot be pinned (PFN-mapped memory, such as the CPU
 *     mapping of a dmabuf given as a user area: make a dmabuf area instead);
 *   - -ENOMEM, or the registration's other errno.
 */
int zc_area_verbs_bind(struct zc_area *area, struct ibv_pd *pd, unsigned int access,
		       const struct zc_area_verbs_mr **vmr);

/**
 * Deregister an area's MR in a protection domain and drop the binding's
 * reference on the area.
 *
 * @return
 *   0, -EINVAL (NULL argument), or -ENOENT if the area is not bound to @p pd.
 */
int zc_area_verbs_unbind(struct zc_area *area, struct ibv_pd *pd);

/**
 * Unbind every area bound to a protection domain, before deallocating it.
 *
 * @return
 *   The number of areas unbound, or -EINVAL if @p pd is NULL.
 */
int zc_area_verbs_unbind_pd(struct ibv_pd *pd);

/**
 * Find the binding of an area to a protection domain.
 *
 * @return
 *   The binding's keys, valid until the unbind, or NULL with rte_errno set:
 *   EINVAL (NULL argument), ENOENT (the area is not bound to @p pd).
 */
const struct zc_area_verbs_mr *zc_area_verbs_mr_get(struct zc_area *area,
						    const struct ibv_pd *pd);

/**
 * Scatter/gather entry for @p len bytes at a 64-bit area offset, in O(1).
 *
 * @return
 *   0, or -ERANGE if the offset names another area or the range leaves the area.
 */
static inline int
zc_area_verbs_sge(const struct zc_area_verbs_mr *vmr, uint64_t area_off, uint32_t len,
		  struct ibv_sge *sge)
{
	uint64_t off = zc_area_off_bytes(area_off);

	if (unlikely(zc_area_off_id(area_off) != vmr->area_id || off > vmr->len ||
		     len > vmr->len - off))
		return -ERANGE;
	sge->addr = vmr->addr + off;
	sge->length = len;
	sge->lkey = vmr->lkey;
	return 0;
}

/**
 * Scatter/gather entry for the data of one mbuf segment (rte_pktmbuf_mtod(),
 * data_len), in O(1): for sends out of a zcpool pool over the bound area. Chained
 * mbufs take one entry per segment.
 *
 * @return
 *   0, or -ERANGE if the data is not in the bound area.
 */
static inline int
zc_area_verbs_sge_mbuf(const struct zc_area_verbs_mr *vmr, const struct rte_mbuf *m,
		       struct ibv_sge *sge)
{
	uint64_t off = rte_pktmbuf_mtod(m, uintptr_t) - vmr->addr;

	/* Below the area, off wraps to a huge value: one comparison covers both ends. */
	if (unlikely(off > vmr->len || m->data_len > vmr->len - off))
		return -ERANGE;
	sge->addr = vmr->addr + off;
	sge->length = m->data_len;
	sge->lkey = vmr->lkey;
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* ZC_AREA_VERBS_H */

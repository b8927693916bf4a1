/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>

#include "zc_area_driver.h"
#include "zc_area_verbs.h"

/*
 * A verbs protection domain is one more kind of device for the common binding
 * code (zc_area.c): it keeps the list, the reference on the area and the lock;
 * this file only registers and deregisters the one MR of a binding.
 */

struct verbs_binding {
	struct zc_area_binding base;
	struct zc_area_verbs_mr vmr;
};

static const char *
pd_dev_name(const struct ibv_pd *pd)
{
	return ibv_get_device_name(pd->context->device);
}

/* The reason a registration failed, in the words that tell the user what to do. */
static void
log_reg_error(const struct zc_area *area, const struct ibv_pd *pd, bool dmabuf, int err)
{
	const char *dev = pd_dev_name(pd);

	if (dmabuf && err == EOPNOTSUPP)
		ZC_MEM_LOG(ERR, "area %s: %s cannot register dmabuf memory: its provider has no dmabuf MRs (ibv_reg_dmabuf_mr: %s; rdma-core has them for mlx5, efa, bnxt_re, mana)\n",
			   area->name, dev, strerror(err));
	else if (!dmabuf && err == EFAULT)
		ZC_MEM_LOG(ERR, "area %s: %s cannot pin its memory (ibv_reg_mr: %s): PFN-mapped memory, such as a dmabuf's CPU mapping, must be a dmabuf area\n",
			   area->name, dev, strerror(err));
	else
		ZC_MEM_LOG(ERR, "area %s: %s on %s failed: %s\n", area->name,
			   dmabuf ? "ibv_reg_dmabuf_mr" : "ibv_reg_mr", dev, strerror(err));
}

static int
verbs_map(struct zc_area *area, struct zc_area_binding *b, const void *arg)
{
	struct verbs_binding *vb = container_of(b, struct verbs_binding, base);
	unsigned int access = *(const unsigned int *)arg;
	/* Only dmabuf areas have a descriptor; their CPU mapping, if any, cannot be pinned. */
	bool dmabuf = area->fd >= 0;
	struct ibv_pd *pd = b->dev;
	struct ibv_mr *mr;

	/* A dmabuf MR at the area's address: work requests name every area alike. */
	if (dmabuf)
		mr = ibv_reg_dmabuf_mr(pd, 0, area->len, (uintptr_t)area->addr, area->fd, access);
	else
		mr = ibv_reg_mr(pd, area->addr, area->len, access);
	if (mr == NULL) {
		int err = errno;

		log_reg_error(area, pd, dmabuf, err);
		return -err;
	}
	vb->vmr = (struct zc_area_verbs_mr){
		.mr = mr,
		.addr = (uintptr_t)area->addr,
		.len = area->len,
		.lkey = mr->lkey,
		.rkey = mr->rkey,
		.area_id = area->id,
	};
	ZC_MEM_LOG(DEBUG, "area %s: MR on %s, lkey %#x, rkey %#x\n", area->name,
		   pd_dev_name(pd), mr->lkey, mr->rkey);
	return 0;
}

static void
verbs_unmap(struct zc_area *area, struct zc_area_binding *b)
{
	struct verbs_binding *vb = container_of(b, struct verbs_binding, base);
	int err = ibv_dereg_mr(vb->vmr.mr);

	if (err != 0)
		ZC_MEM_LOG(WARNING, "area %s: ibv_dereg_mr on %s failed: %s\n", area->name,
			   pd_dev_name(b->dev), strerror(err));
}

static const struct zc_binder_ops verbs_binder = {
	.name = "verbs protection domain",
	.size = sizeof(struct verbs_binding),
	.exclusive = true,
	.map = verbs_map,
	.unmap = verbs_unmap,
};

int
zc_area_verbs_bind(struct zc_area *area, struct ibv_pd *pd, unsigned int access,
		   const struct zc_area_verbs_mr **vmr)
{
	struct zc_area_binding *b;
	int ret;

	ret = zc_area_bind_dev(area, &verbs_binder, pd, &access, &b);
	if (vmr != NULL)
		*vmr = ret == 0 ? &container_of(b, struct verbs_binding, base)->vmr : NULL;
	return ret;
}

int
zc_area_verbs_unbind(struct zc_area *area, struct ibv_pd *pd)
{
	return zc_area_unbind_dev(area, &verbs_binder, pd);
}

int
zc_area_verbs_unbind_pd(struct ibv_pd *pd)
{
	if (pd == NULL)
		return -EINVAL;
	return zc_area_unbind_all(&verbs_binder, pd);
}

const struct zc_area_verbs_mr *
zc_area_verbs_mr_get(struct zc_area *area, const struct ibv_pd *pd)
{
	struct zc_area_binding *b;

	if (area == NULL || pd == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	b = zc_area_binding_find(area, &verbs_binder, pd);
	if (b == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	return &container_of(b, struct verbs_binding, base)->vmr;
}

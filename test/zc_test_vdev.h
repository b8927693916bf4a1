/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_TEST_VDEV_H
#define ZC_TEST_VDEV_H

/*
 * A virtual device driver for the tests: it counts the DMA map and unmap calls
 * the vdev bus forwards to it (rte_dev_dma_map() on a vdev lands in
 * rte_vdev_driver::dma_map) and records what was mapped. Include it in exactly
 * one file of a test program.
 */

#include <errno.h>
#include <stdint.h>

#include <bus_vdev_driver.h>
#include <rte_bus_vdev.h>
#include <rte_errno.h>

#define ZC_TEST_VDEV_DRV "net_zctest"
#define ZC_TEST_VDEV_NAME "net_zctest0"
#define ZC_TEST_VDEV_MAX_RECORDS 16

struct zc_test_vdev_call {
	void *addr;
	uint64_t iova;
	size_t len;
};

struct zc_test_vdev_state {
	struct rte_device *dev;         /* Set at probe. */
	unsigned int probes;
	unsigned int removes;
	unsigned int map_calls;
	unsigned int unmap_calls;
	uint64_t mapped_bytes;          /* Sum of map lengths minus unmap lengths. */
	/* Fail the map call with this 1-based number (0: never), with rte_errno EIO. */
	unsigned int fail_map_call;
	void (*map_hook)(void);         /* Called at each map call (NULL: none). */
	struct zc_test_vdev_call maps[ZC_TEST_VDEV_MAX_RECORDS];
	struct zc_test_vdev_call unmaps[ZC_TEST_VDEV_MAX_RECORDS];
};

static struct zc_test_vdev_state zc_vdev;

static int
zc_test_vdev_probe(struct rte_vdev_device *vdev)
{
	zc_vdev.dev = &vdev->device;
	zc_vdev.probes++;
	return 0;
}

static int
zc_test_vdev_remove(struct rte_vdev_device *vdev)
{
	RTE_SET_USED(vdev);
	zc_vdev.removes++;
	zc_vdev.dev = NULL;
	return 0;
}

static int
zc_test_vdev_dma_map(struct rte_vdev_device *vdev, void *addr, uint64_t iova, size_t len)
{
	unsigned int i = zc_vdev.map_calls++;

	RTE_SET_USED(vdev);
	if (zc_vdev.map_hook != NULL)
		zc_vdev.map_hook();
	if (zc_vdev.fail_map_call != 0 && zc_vdev.map_calls == zc_vdev.fail_map_call) {
		rte_errno = EIO;
		return -1;
	}
	if (i < ZC_TEST_VDEV_MAX_RECORDS)
		zc_vdev.maps[i] = (struct zc_test_vdev_call){ addr, iova, len };
	zc_vdev.mapped_bytes += len;
	return 0;
}

static int
zc_test_vdev_dma_unmap(struct rte_vdev_device *vdev, void *addr, uint64_t iova, size_t len)
{
	unsigned int i = zc_vdev.unmap_calls++;

	RTE_SET_USED(vdev);
	if (i < ZC_TEST_VDEV_MAX_RECORDS)
		zc_vdev.unmaps[i] = (struct zc_test_vdev_call){ addr, iova, len };
	zc_vdev.mapped_bytes -= len;
	return 0;
}

static struct rte_vdev_driver zc_test_vdev_drv = {
	.probe = zc_test_vdev_probe,
	.remove = zc_test_vdev_remove,
	.dma_map = zc_test_vdev_dma_map,
	.dma_unmap = zc_test_vdev_dma_unmap,
};

RTE_PMD_REGISTER_VDEV(net_zctest, zc_test_vdev_drv);

/* Create the test device once; its rte_device, or NULL. */
static inline struct rte_device *
zc_test_vdev_get(void)
{
	if (zc_vdev.dev == NULL && rte_vdev_init(ZC_TEST_VDEV_NAME, "") < 0)
		return NULL;
	return zc_vdev.dev;
}

/* Forget the counters (not the device). */
static inline void
zc_test_vdev_reset_counts(void)
{
	zc_vdev.map_calls = 0;
	zc_vdev.unmap_calls = 0;
	zc_vdev.mapped_bytes = 0;
	zc_vdev.fail_map_call = 0;
	zc_vdev.map_hook = NULL;
}

#endif /* ZC_TEST_VDEV_H */

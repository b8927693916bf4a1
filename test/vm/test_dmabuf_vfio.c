/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * A dmabuf area cannot be DMA-mapped for a VFIO device here (type1 refuses the
 * exporter's PFN-mapped CPU mapping, no kernel has iommufd): binding one to the
 * emulated machine's e1000e, probed by net_e1000_em on vfio-pci, must fail with
 * -ENOTSUP before anything changes, and leave the area and the port as they were.
 * Run by test/vm/guest.sh with EAL arguments that allow the device (-a BDF);
 * prints zc_test.h's summary line.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <zc_area.h>

#include "../zc_test.h"
#include "../zc_test_dmabuf.h"

#define LEN (1u << 20)

static int
check(void)
{
	struct rte_eth_dev_info dev_info;
	struct zc_area_info info;
	struct rte_eth_link link;
	struct zc_area *a;
	int fd, ret;

	if (rte_eth_dev_count_avail() != 1 || rte_eth_dev_info_get(0, &dev_info) != 0) {
		printf("FAIL: no port: the device did not probe\n");
		return -1;
	}
	printf("port 0: %s\n", dev_info.driver_name);
	fd = zc_test_udmabuf(LEN);
	if (fd < 0) {
		printf("FAIL: no udmabuf\n");
		return -1;
	}
	a = zc_area_create_dmabuf("vfio_db", fd, SOCKET_ID_ANY);
	close(fd);
	if (a == NULL) {
		printf("FAIL: dmabuf area: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	ret = zc_area_bind(a, dev_info.device);
	zc_area_info_get(a, &info);
	printf("bind to %s: %d (%s), area bound to %u devices, %u references\n",
	       dev_info.driver_name, ret, strerror(-ret), info.nb_devices, info.refcnt);
	if (ret == 0)
		zc_area_unbind(a, dev_info.device);
	zc_area_put(a);
	if (ret != -ENOTSUP || info.nb_devices != 0 || info.refcnt != 1) {
		printf("FAIL: expected -ENOTSUP with the area untouched\n");
		return -1;
	}
	/* The port is as it was. */
	if (rte_eth_link_get(0, &link) != 0) {
		printf("FAIL: the port does not answer after the refused bind\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct zc_test_case cases[] = {
		{ "dmabuf_vfio_refused", check },
	};

	/* zc_test_main() would add --no-pci: EAL gets the arguments as they are. */
	if (rte_eal_init(argc, argv) < 0) {
		printf("FAIL: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	return zc_test_run_cases(cases, RTE_DIM(cases));
}

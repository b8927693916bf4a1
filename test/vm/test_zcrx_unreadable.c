/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * A receive queue declares at rte_eth_rx_queue_setup() whether it accepts
 * unreadable memory, before anything is reconfigured. net_zcrx does not (AF_XDP
 * addresses the UMEM through the CPU mapping): a pool over a dmabuf area made
 * unreadable on purpose is refused there, loses no buffer, and leaves the port
 * as it was, so that the same queue then takes a readable pool and starts. Run by
 * test/vm/guest.sh (the guest has udmabuf); after "--": IFACE, a NIC of the guest.
 */

#define _GNU_SOURCE /* memfd_create() in zc_test_dmabuf.h */
#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <zc_area.h>
#include <zc_pool.h>
#include <zc_rq.h>

#include "../zc_test.h"
#include "../zc_test_dmabuf.h"

#define LEN (4u << 20)
#define NB_MBUF 1024
#define NB_DESC 256
#define PORT_NAME "net_zcrx_ur"

static const char *iface;

static int
test_unreadable_refused(void)
{
	struct rte_mempool *mp = NULL, *good = NULL;
	struct rte_eth_conf conf = { 0 };
	struct zc_pool_census c;
	struct zc_rq *rq;
	struct zc_area *a;
	char devargs[64];
	uint16_t port = RTE_MAX_ETHPORTS;
	int fd, ret, rc = -1;

	fd = zc_test_udmabuf(LEN);
	ZC_ASSERT(fd >= 0, "no udmabuf in this kernel");
	a = zc_area_create_dmabuf_flags("ur_area", fd, SOCKET_ID_ANY, ZC_AREA_DMABUF_F_UNREADABLE);
	close(fd);
	ZC_ASSERT(a != NULL, "area: %s", rte_strerror(rte_errno));
	mp = zc_pktmbuf_pool_create("ur_pool", NB_MBUF, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, a,
				    SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp != NULL, out, "pool: %s", rte_strerror(rte_errno));
	good = zc_pktmbuf_pool_create("ur_good", NB_MBUF, 0, 0, RTE_PKTMBUF_HEADROOM + 2048, NULL,
				      SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(good != NULL, out, "readable pool: %s", rte_strerror(rte_errno));

	snprintf(devargs, sizeof(devargs), "iface=%s", iface);
	ZC_ASSERT_GOTO(rte_vdev_init(PORT_NAME, devargs) == 0, out, "probe with %s", devargs);
	ZC_ASSERT_GOTO(rte_eth_dev_get_port_by_name(PORT_NAME, &port) == 0, detach, "port");
	ZC_ASSERT_GOTO(rte_eth_dev_configure(port, 1, 1, &conf) == 0, detach, "configure");
	ret = rte_eth_rx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL, mp);
	ZC_ASSERT_GOTO(ret == -EINVAL, detach, "rx queue over an unreadable area: %d, expected -EINVAL",
		       ret);
	ZC_ASSERT_GOTO(zc_pool_census_get(mp, &c) == 0 && c.available == NB_MBUF, detach,
		       "the refusal kept %u buffers", NB_MBUF - c.available);
	/* Nothing was reconfigured: the queue takes a readable pool and runs. */
	ZC_ASSERT_GOTO(rte_eth_rx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL, good) == 0,
		       detach, "rx queue over a readable pool after the refusal");
	ZC_ASSERT_GOTO(rte_eth_tx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL) == 0, detach,
		       "tx queue");
	ZC_ASSERT_GOTO(rte_eth_dev_start(port) == 0, detach, "start after the refusal");
	rq = zc_rq_get(port, 0);
	ZC_ASSERT_GOTO(rq != NULL, detach, "refill ring: %s", rte_strerror(rte_errno));
	zc_rq_put(rq);
	ZC_ASSERT_GOTO(rte_eth_dev_stop(port) == 0, detach, "stop");
	rc = 0;
detach:
	rte_eth_dev_close(port);
	if (rte_vdev_uninit(PORT_NAME) != 0 && rc == 0) {
		ZC_TEST_FAIL("detach", "rte_vdev_uninit failed");
		rc = -1;
	}
out:
	rte_mempool_free(good);
	rte_mempool_free(mp);
	zc_area_put(a);
	return rc;
}

bool zc_test_huge;

int
main(int argc, char **argv)
{
	static const struct zc_test_case cases[] = {
		{ "unreadable_refused", test_unreadable_refused },
	};
	const char *args[1];

	if (zc_test_own_args(&argc, argv, args, 1, "IFACE") < 0)
		return 1;
	iface = args[0];
	return zc_test_main(argc, argv, cases, RTE_DIM(cases));
}

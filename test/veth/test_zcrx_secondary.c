/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * A secondary process of a testpmd that runs net_zcrx ports 0 and 1 over the
 * zcpool pool POOL, its forwarding stopped while frames wait on port 0
 * (testpmd_mp.sh): the secondary sees both ports, its bursts are refused without
 * taking a frame or a buffer, it allocates from and frees to the primary's pool,
 * and it detaches the ports, leaving them to the primary. Links DPDK only: the
 * drivers come from EAL's plugin directory, in the primary's order.
 *   test_zcrx_secondary --secondary --file-prefix PRIMARY [EAL args] -- POOL
 */

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "../zc_test.h"

static const char *pool_name;

static int
ports_visible(void)
{
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	uint16_t port;

	ZC_ASSERT(rte_eth_dev_count_avail() == 2, "%u ports", rte_eth_dev_count_avail());
	for (port = 0; port < 2; port++) {
		ZC_ASSERT(rte_eth_dev_info_get(port, &info) == 0, "port %u info", port);
		ZC_ASSERT(strcmp(info.driver_name, "net_zcrx") == 0, "driver %s", info.driver_name);
		ZC_ASSERT(info.if_index != 0 && info.nb_rx_queues == 1, "port %u queues", port);
		ZC_ASSERT(rte_eth_link_get_nowait(port, &link) == 0 &&
			  link.link_status == RTE_ETH_LINK_UP, "port %u link", port);
	}
	return 0;
}

/* The frames waiting on port 0 stay there, and so does every buffer. */
static int
rx_refused(void)
{
	struct rte_mempool *mp = rte_mempool_lookup(pool_name);
	struct rte_mbuf *pkts[32];
	struct rte_eth_stats before, after;
	unsigned int avail, i;

	ZC_ASSERT(mp != NULL, "no pool %s", pool_name);
	avail = rte_mempool_avail_count(mp);
	ZC_ASSERT(rte_eth_stats_get(0, &before) == 0, "stats");
	for (i = 0; i < 3; i++)
		ZC_ASSERT(rte_eth_rx_burst(0, 0, pkts, RTE_DIM(pkts)) == 0, "burst %u took frames", i);
	ZC_ASSERT(rte_eth_stats_get(0, &after) == 0, "stats");
	ZC_ASSERT(after.ipackets == before.ipackets, "ipackets %" PRIu64 " -> %" PRIu64,
		  before.ipackets, after.ipackets);
	ZC_ASSERT(rte_mempool_avail_count(mp) == avail, "pool %u -> %u", avail,
		  rte_mempool_avail_count(mp));
	return 0;
}

/* An mbuf of the primary's pool: allocated here, not sent, back in the pool. */
static int
tx_refused(void)
{
	struct rte_mempool *mp = rte_mempool_lookup(pool_name);
	unsigned int avail;
	struct rte_mbuf *m;
	int rc = -1;

	ZC_ASSERT(mp != NULL, "no pool %s", pool_name);
	avail = rte_mempool_avail_count(mp);
	m = rte_pktmbuf_alloc(mp);
	ZC_ASSERT(m != NULL, "alloc from %s", pool_name);
	ZC_ASSERT_GOTO(rte_mempool_avail_count(mp) == avail - 1, free_m, "pool %u -> %u", avail,
		       rte_mempool_avail_count(mp));
	ZC_ASSERT_GOTO(rte_pktmbuf_append(m, 60) != NULL, free_m, "append");
	ZC_ASSERT_GOTO(rte_eth_tx_burst(1, 0, &m, 1) == 0, free_m, "sent");
	rc = 0;
free_m:
	rte_pktmbuf_free(m);
	ZC_ASSERT(rte_mempool_avail_count(mp) == avail, "pool %u -> %u after the free", avail,
		  rte_mempool_avail_count(mp));
	return rc;
}

/* The secondary's own view of the ports goes; the primary's ports stay (testpmd_mp.sh). */
static int
ports_detach(void)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t port;

	for (port = 0; port < 2; port++) {
		ZC_ASSERT(rte_eth_dev_get_name_by_port(port, name) == 0, "port %u name", port);
		ZC_ASSERT(rte_vdev_uninit(name) == 0, "detach %s", name);
	}
	ZC_ASSERT(rte_eth_dev_count_avail() == 0, "%u ports left", rte_eth_dev_count_avail());
	return 0;
}

bool zc_test_huge;

int
main(int argc, char **argv)
{
	static const struct zc_test_case cases[] = {
		{ "ports_visible", ports_visible },
		{ "rx_refused", rx_refused },
		{ "tx_refused", tx_refused },
		{ "ports_detach", ports_detach },
	};

	if (zc_test_own_args(&argc, argv, &pool_name, 1, "POOL") < 0)
		return 1;
	return zc_test_main(argc, argv, cases, RTE_DIM(cases));
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_VETH_TEST_H
#define ZC_VETH_TEST_H

/*
 * Test programs run by on_veth.sh: after EAL's arguments and "--" they get the
 * interface to attach net_zcrx to and a shell command that sends 64 test frames
 * (test/veth/frames.py) to it from the far namespace. Below, what they share:
 * opening a port on the interface, receiving the frames, reading an xstat.
 */

#include <stdarg.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <zc_pool.h>
#include <zc_rq.h>

#include "../zc_test.h"

/* Descriptors of each queue veth_port_up() sets up. */
#define VETH_NB_DESC 256

static const char *iface;
static const char *send_cmd;

/* Receive on queue 0 of port until held[] has n mbufs or 5 s have passed: how many. */
static inline unsigned int
veth_receive(uint16_t port, struct rte_mbuf **held, unsigned int n)
{
	uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	unsigned int got = 0;

	while (got < n && rte_get_timer_cycles() < end)
		got += rte_eth_rx_burst(port, 0, &held[got], n - got);
	return got;
}

/* Send the 64 frames from the namespace, receive up to n: how many (0: the send failed). */
static inline unsigned int
veth_traffic(uint16_t port, struct rte_mbuf **held, unsigned int n)
{
	if (system(send_cmd) != 0)
		return 0;
	return veth_receive(port, held, n);
}

/* The port's xstat called name; UINT64_MAX when it has none. */
static inline uint64_t
veth_xstat(uint16_t port, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

static inline int
veth_port_vopen(const char *name, struct rte_mempool *mp, uint16_t nb_desc, uint16_t *port,
		const char *fmt, va_list ap)
{
	struct rte_eth_conf conf = { 0 };
	char devargs[128];

	vsnprintf(devargs, sizeof(devargs), fmt, ap);
	ZC_ASSERT(rte_vdev_init(name, devargs) == 0, "probe %s with %s", name, devargs);
	ZC_ASSERT(rte_eth_dev_get_port_by_name(name, port) == 0, "port");
	ZC_ASSERT(rte_eth_dev_configure(*port, 1, 1, &conf) == 0, "configure");
	ZC_ASSERT(rte_eth_rx_queue_setup(*port, 0, nb_desc, SOCKET_ID_ANY, NULL, mp) == 0, "rxq");
	ZC_ASSERT(rte_eth_tx_queue_setup(*port, 0, nb_desc, SOCKET_ID_ANY, NULL) == 0, "txq");
	return 0;
}

/*
 * Probe the net_zcrx port name with the devargs fmt makes ("iface=%s", ...) and
 * configure it, not started: one receive queue over mp and one transmit queue,
 * nb_desc descriptors each. 0 with *port set, or -1 after saying which step
 * failed (what it made is left for the caller's clean-up).
 */
static inline int __rte_format_printf(5, 6)
veth_port_open(const char *name, struct rte_mempool *mp, uint16_t nb_desc, uint16_t *port,
	       const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = veth_port_vopen(name, mp, nb_desc, port, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * A started port: a zcpool pool of nb_mbuf mbufs named name, with no mempool
 * cache (frees must reach the pool, which the refill ring needs), and
 * veth_port_open() over it with VETH_NB_DESC descriptors; *rq is queue 0's
 * refill ring. 0, or -1 after saying which step failed.
 */
static inline int __rte_format_printf(6, 7)
veth_port_up(const char *name, unsigned int nb_mbuf, uint16_t *port, struct rte_mempool **mp,
	     struct zc_rq **rq, const char *fmt, ...)
{
	va_list ap;
	int ret;

	*mp = zc_pktmbuf_pool_create(name, nb_mbuf, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, NULL,
				     SOCKET_ID_ANY);
	ZC_ASSERT(*mp != NULL, "pool: %s", rte_strerror(rte_errno));
	va_start(ap, fmt);
	ret = veth_port_vopen(name, *mp, VETH_NB_DESC, port, fmt, ap);
	va_end(ap);
	if (ret != 0)
		return ret;
	ZC_ASSERT(rte_eth_dev_start(*port) == 0, "start");
	*rq = zc_rq_get(*port, 0);
	ZC_ASSERT(*rq != NULL, "refill ring: %s", rte_strerror(rte_errno));
	return 0;
}

/* Stop, close and detach the port name. 0, or -1 after saying which step failed. */
static inline int
veth_port_down(const char *name)
{
	uint16_t port;

	ZC_ASSERT(rte_eth_dev_get_port_by_name(name, &port) == 0, "no port %s", name);
	ZC_ASSERT(rte_eth_dev_stop(port) == 0, "stop");
	ZC_ASSERT(rte_eth_dev_close(port) == 0, "close");
	ZC_ASSERT(rte_vdev_uninit(name) == 0, "detach");
	return 0;
}

#define ZC_VETH_TEST_MAIN(...) \
	bool zc_test_huge; \
	int main(int argc, char **argv) \
	{ \
		static const struct zc_test_case cases[] = { __VA_ARGS__ }; \
		const char *args[2]; \
		if (zc_test_own_args(&argc, argv, args, 2, "IFACE SEND_COMMAND") < 0) \
			return 1; \
		iface = args[0]; \
		send_cmd = args[1]; \
		return zc_test_main(argc, argv, cases, RTE_DIM(cases)); \
	}

#endif /* ZC_VETH_TEST_H */

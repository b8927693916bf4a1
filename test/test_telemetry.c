/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zcpool's telemetry commands, queried the way dpdk-telemetry.py does: over the
 * process's own telemetry socket.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <rte_mbuf.h>

#include <zc_pool.h>

#include "zc_test.h"

static int sock = -1;

static int
tel_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		printf("SKIP: no telemetry socket at %s\n", addr.sun_path);
		return ZC_TEST_SKIP;
	}
	/* The server greets with its version and limits. */
	return read(sock, buf, sizeof(buf)) > 0 ? 0 : -1;
}

static int
tel_query(const char *cmd, char *reply, size_t len)
{
	ssize_t n;

	if (write(sock, cmd, strlen(cmd)) < 0)
		return -1;
	n = read(sock, reply, len - 1);
	if (n <= 0)
		return -1;
	reply[n] = '\0';
	return 0;
}

static int
test_list_and_info(void)
{
	struct rte_mempool *a, *b;
	struct rte_mbuf *m;
	char reply[16384];
	int ret;

	ret = tel_connect();
	if (ret != 0)
		return ret;
	a = rte_pktmbuf_pool_create_by_ops("tel_a", 511, 0, 0, 2048, SOCKET_ID_ANY,
					   ZC_POOL_OPS_NAME);
	b = zc_pktmbuf_pool_create("tel_b", 255, 0, 0, 2048, NULL, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL && b != NULL, "pool creation: %s", rte_strerror(rte_errno));
	m = rte_pktmbuf_alloc(b);
	ZC_ASSERT(m != NULL, "alloc");

	ZC_ASSERT(tel_query("/zcpool/list", reply, sizeof(reply)) == 0, "list query");
	ZC_ASSERT(strstr(reply, "\"tel_a\"") != NULL && strstr(reply, "\"tel_b\"") != NULL,
		  "list reply %s", reply);

	ZC_ASSERT(tel_query("/zcpool/info,tel_b", reply, sizeof(reply)) == 0, "info query");
	ZC_ASSERT(strstr(reply, "\"layout\":\"pinned\"") != NULL, "info reply %s", reply);
	ZC_ASSERT(strstr(reply, "\"inflight\":1") != NULL, "info reply %s", reply);
	ZC_ASSERT(strstr(reply, "\"provider\":\"hugepage\"") != NULL, "info reply %s", reply);
	ZC_ASSERT(strstr(reply, "\"alloc_fast\"") != NULL &&
		  strstr(reply, "\"recycle_ring\"") != NULL, "info reply %s", reply);

	ZC_ASSERT(tel_query("/zcpool/info,tel_a", reply, sizeof(reply)) == 0, "info query");
	ZC_ASSERT(strstr(reply, "\"layout\":\"embedded\"") != NULL &&
		  strstr(reply, "\"provider\":\"mempool\"") != NULL, "info reply %s", reply);

	/* Unknown pools and missing parameters are errors, answered with null. */
	ZC_ASSERT(tel_query("/zcpool/info,nosuchpool", reply, sizeof(reply)) == 0, "query");
	ZC_ASSERT(strstr(reply, "null") != NULL, "unknown pool reply %s", reply);
	ZC_ASSERT(tel_query("/zcpool/info", reply, sizeof(reply)) == 0, "query");
	ZC_ASSERT(strstr(reply, "null") != NULL, "no-parameter reply %s", reply);

	rte_pktmbuf_free(m);
	ZC_ASSERT(zc_pool_destroy(a, 0) == 0 && zc_pool_destroy(b, 0) == 0, "destroy");
	ZC_ASSERT(tel_query("/zcpool/list", reply, sizeof(reply)) == 0, "list query");
	ZC_ASSERT(strstr(reply, "tel_a") == NULL && strstr(reply, "tel_b") == NULL,
		  "destroyed pools still listed: %s", reply);
	close(sock);
	return 0;
}

ZC_TEST_MAIN({ "telemetry list and info", test_list_and_info })

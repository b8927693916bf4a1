/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include "zcfwd.h"

const char * const zcfwd_drop_names[ZCFWD_DROP_MAX] = {
	[ZCFWD_DROP_NOT_IP] = "not_ip",
	[ZCFWD_DROP_BAD_HDR] = "bad_header",
	[ZCFWD_DROP_NO_ROUTE] = "no_route",
	[ZCFWD_DROP_TTL] = "ttl_expired",
	[ZCFWD_DROP_TX_FULL] = "tx_full",
	[ZCFWD_DROP_PIPE_FULL] = "pipe_full",
};

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_VETH_TEST_H
#define ZC_VETH_TEST_H

/*
 * Test programs run by on_veth.sh: after EAL's arguments and "--" they get the
 * interface to attach net_zcrx to and a shell command that sends 64 test frames
 * (test/veth/frames.py) to it from the far namespace.
 */

#include "../zc_test.h"

static const char *iface;
static const char *send_cmd;

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

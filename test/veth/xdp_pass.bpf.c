// SPDX-License-Identifier: BSD-3-Clause
/*
 * An XDP program that is not net_zcrx's and has no XSKMAP: every frame goes to
 * the kernel. Compiled by veth_xdp_objs (topo.sh) for xdp_prog_test.sh (an
 * object net_zcrx cannot use) and xdp_takeover_test.sh (a program someone else
 * attached).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";

// SPDX-License-Identifier: BSD-3-Clause
/*
 * zc-xdpgen's program: every frame BPF_PROG_RUN hands it goes back out of the
 * device it was "received" on (a live-frames XDP_TX is a redirect to that
 * device's ndo_xdp_xmit), so each run of it is one frame offered to the peer.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

char _license[] SEC("license") = "Dual BSD/GPL";

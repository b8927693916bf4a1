# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the veth tests: two namespaces, each with one end of a veth pair
# whose other end stays in the root namespace for net_zcrx.
#   topo_up PREFIX    ->  ${PREFIX}a0 <-> ${PREFIX}a1 (ns ${PREFIX}a)
#                         ${PREFIX}b0 <-> ${PREFIX}b1 (ns ${PREFIX}b)
# topo_down removes everything topo_up made; tests call it from an EXIT trap.

topo_skip_unless_able() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root (network namespaces, veth, AF_XDP)"
		exit 77
	fi
	if ! ip link add zcprobe0 type veth peer name zcprobe1 2>/dev/null; then
		echo "SKIP: cannot create veth pairs here"
		exit 77
	fi
	ip link del zcprobe0
}

topo_up() {
	TOPO=$1
	local s
	for s in a b; do
		ip netns add "${TOPO}$s"
		ip link add "${TOPO}${s}0" type veth peer name "${TOPO}${s}1"
		ip link set "${TOPO}${s}1" netns "${TOPO}$s"
		# Quiet links: no IPv6 neighbour discovery or MLD among the test frames.
		sysctl -qw "net.ipv6.conf.${TOPO}${s}0.disable_ipv6=1"
		ip netns exec "${TOPO}$s" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip link set "${TOPO}${s}0" up
		ip -n "${TOPO}$s" link set "${TOPO}${s}1" up
		ip -n "${TOPO}$s" link set lo up
	done
}

topo_down() {
	[ -n "${TOPO:-}" ] || return 0
	ip link del "${TOPO}a0" 2>/dev/null
	ip link del "${TOPO}b0" 2>/dev/null
	ip netns del "${TOPO}a" 2>/dev/null
	ip netns del "${TOPO}b" 2>/dev/null
	TOPO=
}

# topo_stat NS DEV rx|tx COUNTER: one of DEV's counters (bytes, packets, dropped,
# ...) in namespace NS, or in the root namespace when NS is empty.
topo_stat() {
	ip ${1:+-n "$1"} -s -j link show "$2" | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$3" "$4"
}

# topo_packets NS DEV rx|tx: DEV's packet counter, in namespace NS.
topo_packets() {
	topo_stat "$1" "$2" "$3" packets
}

topo_mac() {
	ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# The start every veth test shares: veth_test_begin PREFIX [PROGRAM...] skips
# unless able (root, veth) or when a PROGRAM is missing, makes a scratch
# directory $tmp and the topology, and sets an EXIT trap that interrupts
# $DUT_PID (the program under test, if still running) and removes both.
veth_test_begin() {
	local prefix=$1 p
	shift
	topo_skip_unless_able
	for p in "$@"; do
		command -v "$p" >/dev/null || { echo "SKIP: $p not found"; exit 77; }
	done
	tmp=$(mktemp -d)
	trap veth_test_end EXIT
	topo_up "$prefix"
}

veth_test_end() {
	[ -n "${DUT_PID:-}" ] && kill -INT "$DUT_PID" 2>/dev/null
	wait 2>/dev/null
	topo_down
	rm -rf "$tmp"
}

# veth_xdp_objs: the XDP programs of the xdp_prog tests, compiled (clang) into
# $tmp: udp_only.o (xdp_udp_only.bpf.c, IPv4 UDP to the XSKMAP, the rest to the
# kernel) and pass.o (xdp_pass.bpf.c, all to the kernel, no XSKMAP); a FAIL
# and exit when one does not compile.
veth_xdp_objs() {
	local dir o
	dir=$(dirname "${BASH_SOURCE[0]}")
	for o in udp_only pass; do
		# The kernel's UAPI headers include <asm/types.h>, which lives in the
		# multiarch directory a BPF target does not search.
		clang -O2 -g -target bpf -I"/usr/include/$(gcc -print-multiarch)" \
			-c "$dir/xdp_$o.bpf.c" -o "$tmp/$o.o" ||
			{ echo "FAIL: cannot compile xdp_$o.bpf.c"; exit 1; }
	done
}

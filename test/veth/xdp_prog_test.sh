#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# net_zcrx's xdp_prog devarg: with xdp_udp_only.bpf.c on the interface, testpmd
# (rxonly) gets the IPv4 UDP frames namespace a sends and the kernel gets the
# rest. Objects that cannot be used fail the probe with their message, and no
# XDP program is left on the interface afterwards.
#   xdp_prog_test.sh BUILD_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
# clang builds the XDP programs.
tp_test_begin "zx$$" "$1" clang
veth_xdp_objs

testpmd() { # testpmd DEVARGS: one net_zcrx port on ${TOPO}a0, commands from stdin
	stdbuf -oL dpdk-testpmd "${tp_args[@]}" --vdev "net_zcrx0,iface=${TOPO}a0$1" -- -i
}
no_xdp_left() {
	if ip link show "${TOPO}a0" | grep -q xdp; then
		ip link show "${TOPO}a0"; echo "FAIL: an XDP program is left on ${TOPO}a0 $1"; exit 1
	fi
}

# Each bad object fails the probe with a message that says what is wrong.
bad() { # bad DEVARGS EXPECTED_MESSAGE
	testpmd "$1" <<<quit >"$tmp/bad" 2>&1
	if ! grep -qF "$2" "$tmp/bad" || ! grep -q "net_zcrx0: probe failed" "$tmp/bad"; then
		cat "$tmp/bad"; echo "FAIL: $1: expected a failed probe saying '$2'"; exit 1
	fi
	no_xdp_left "after $1 failed"
	echo "ok: $1 refused: $(grep -F "$2" "$tmp/bad")"
}
bad ",xdp_prog=/nonexistent" "xdp_prog=/nonexistent: cannot read the XDP object file"
bad ",xdp_prog=$here/xdp_pass.bpf.c" "not a loadable BPF object"
bad ",xdp_prog=$tmp/pass.o" "no BPF_MAP_TYPE_XSKMAP map named xsks_map"
ip link set dev "${TOPO}a0" xdp obj "$tmp/pass.o" sec xdp
testpmd ",xdp_prog=$tmp/udp_only.o" <<<quit >"$tmp/bad" 2>&1
ip link set dev "${TOPO}a0" xdp off
grep -q "another XDP program is attached" "$tmp/bad" ||
	{ cat "$tmp/bad"; echo "FAIL: attaching over another program: no clear message"; exit 1; }
echo "ok: attaching over another program refused"

tp_launch tp 3 -- "${tp_args[@]}" --vdev "net_zcrx0,iface=${TOPO}a0,xdp_prog=$tmp/udp_only.o" -- -i ||
	{ cat "$tmp/tp.out"; echo "FAIL: testpmd did not start with xdp_prog"; exit 1; }
DUT_PID=$tp_pid
cmd() { tp_do tp 3 "$1"; }
ip link show "${TOPO}a0" | grep -q xdp || { echo "FAIL: no XDP program on ${TOPO}a0"; exit 1; }

cmd "set fwd rxonly"
cmd "start"
count=500
amac=$(ip -o link show "${TOPO}a0" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
# The raw frames must reach the kernel: a packet socket on ${TOPO}a0 checks them.
python3 "$here/frames.py" recv "${TOPO}a0" $count 30 >"$tmp/kernel" &
rx=$!
sleep 0.5
ip netns exec "${TOPO}a" python3 "$here/frames.py" send-udp "${TOPO}a1" "$amac" 10.99.0.1 $count
ip netns exec "${TOPO}a" python3 "$here/frames.py" send "${TOPO}a1" "$amac" $count
wait $rx
rc=$?
sleep 0.5
cmd "stop"
got=$(tp_fwd_rx tp)
tp_quit 3
echo "kernel: $(cat "$tmp/kernel")"
[ $rc -eq 0 ] || { echo "FAIL: the kernel did not get every raw frame"; exit 1; }
[ "${got:-0}" -ge $count ] || { cat "$tmp/tp.out"; echo "FAIL: testpmd received ${got:-0} of $count UDP frames"; exit 1; }
[ "$got" -lt $((2 * count)) ] || { echo "FAIL: testpmd received $got frames: the raw ones too"; exit 1; }
echo "ok: testpmd received $got frames (the $count UDP ones), the kernel the $count raw ones"
no_xdp_left "after testpmd quit"
echo "PASS: xdp_prog steers UDP to net_zcrx, the rest to the kernel; bad objects fail the probe; nothing left attached"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dpdk-testpmd's forwarding modes over two net_zcrx ports, one session:
# rxonly, io, mac and csum must forward the frames namespace a sends, txonly must
# reach namespace b, and show port info / stats / xstats must describe the ports.
#   testpmd_modes.sh BUILD_DIR
set -u
build=$1
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
veth_test_begin "zm$$" dpdk-testpmd
plugins_stage "$build"
read -ra mem <<<"$(eal_mem "zm$$")"
tp_launch tp 3 -- -l 0,1 --no-pci "${mem[@]}" --mbuf-pool-ops-name zcpool \
	-d "$ZCPOOL_SO" -d "$ZCRX_SO" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" -- -i ||
	{ cat "$tmp/tp.out"; echo "FAIL: testpmd did not start"; exit 1; }
DUT_PID=$tp_pid
cmd() { tp_do tp 3 "$1"; }
bmac=$(topo_mac "${TOPO}b" "${TOPO}b1")
rx_b() { topo_packets "${TOPO}b" "${TOPO}b1" rx; }

for mode in rxonly io mac csum; do
	cmd "set fwd $mode"
	cmd "start"
	ip netns exec "${TOPO}a" python3 "$here/frames.py" send "${TOPO}a1" "$bmac" 500 >/dev/null
	sleep 0.5
	cmd "stop"
	got=$(tp_fwd_rx tp)
	[ "${got:-0}" -ge 500 ] || { cat "$tmp/tp.out"; echo "FAIL: $mode received ${got:-0} of 500"; exit 1; }
	echo "ok: $mode forwarded ${got} packets"
done

# txonly for a second; got = packets namespace b received.
txonly_to_b() {
	local before
	before=$(rx_b)
	cmd "start"
	sleep 1
	cmd "stop"
	got=$(($(rx_b) - before))
}

cmd "set fwd txonly"
txonly_to_b
[ "$got" -ge 100 ] || { echo "FAIL: txonly: namespace b saw $got packets"; exit 1; }
echo "ok: txonly reached namespace b ($got packets)"

# Two-segment packets are linearised into one frame, not mis-sent.
cmd "set txpkts 32,32"
txonly_to_b
[ "$got" -ge 100 ] || { echo "FAIL: chained txonly: namespace b saw $got packets"; exit 1; }

cmd "show port info 0"
cmd "show port stats 0"
cmd "show port xstats 1"
grep -q "Driver name: net_zcrx" "$tmp/tp.out" || { echo "FAIL: port info"; exit 1; }
grep -q "xdp_q0_rx_ring_full" "$tmp/tp.out" || { echo "FAIL: xstats"; exit 1; }
grep -qE "tx_q0_zero_copy: [1-9]" "$tmp/tp.out" || { echo "FAIL: no zero-copy sends counted"; exit 1; }
grep -qE "tx_q0_linearised: [1-9]" "$tmp/tp.out" || { echo "FAIL: chained packets not linearised"; exit 1; }
echo "ok: chained packets linearised ($got reached namespace b)"

# Detach a port the way a testpmd user does.
cmd "port stop 0"
cmd "port detach 0"
grep -q "Device is detached" "$tmp/tp.out" || { tail -20 "$tmp/tp.out"; echo "FAIL: port detach"; exit 1; }
echo "ok: port 0 stopped and detached"
echo "quit" >&3
exec 3>&-
wait "$DUT_PID"; DUT_PID=
echo "PASS: testpmd rxonly, io, mac, csum, txonly (also chained) and port detach over net_zcrx"

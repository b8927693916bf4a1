#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dpdk-testpmd's forwarding modes over two net_zcrx ports, one session:
# rxonly, io, mac and csum must forward the frames namespace a sends, txonly must
# reach namespace b, show port info / xstats must describe the ports, and port
# 0's statistics must count what namespace a sent it and what it sent there.
#   testpmd_modes.sh BUILD_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
tp_test_begin "zm$$" "$1"
tp_launch tp 3 -- "${tp_args[@]}" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" -- -i ||
	{ cat "$tmp/tp.out"; echo "FAIL: testpmd did not start"; exit 1; }
DUT_PID=$tp_pid
cmd() { tp_do tp 3 "$1"; }
bmac=$(topo_mac "${TOPO}b" "${TOPO}b1")
rx_b() { topo_packets "${TOPO}b" "${TOPO}b1" rx; }
# What port 0's statistics must show at the end: the frames namespace a sends it,
# and what reaches namespace a (or the veth drops on the way) of what it sends.
sent=0 sent_bytes=0
a_got=$(topo_packets "${TOPO}a" "${TOPO}a1" rx) veth_drops=$(topo_stat "" "${TOPO}a0" tx dropped)

for mode in rxonly io mac csum; do
	cmd "set fwd $mode"
	cmd "start"
	out=$(ip netns exec "${TOPO}a" python3 "$here/frames.py" send "${TOPO}a1" "$bmac" 500)
	sent=$((sent + 500))
	sent_bytes=$((sent_bytes + $(sed -n 's/.*, \([0-9]*\) bytes$/\1/p' <<<"$out")))
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
# Port 0 received every frame namespace a sent, and sent only txonly's 64-byte
# packets, each of which reached namespace a or was dropped by the veth.
tp_do tp 3 "show port stats 0" stats
port0() { sed -n "s/.*$1: *\([0-9]*\).*/\1/p" "$tmp/tp.stats"; }
a_got=$(($(topo_packets "${TOPO}a" "${TOPO}a1" rx) - a_got))
veth_drops=$(($(topo_stat "" "${TOPO}a0" tx dropped) - veth_drops))
[ "$a_got" -gt 0 ] || { echo "FAIL: txonly: namespace a saw no packets"; exit 1; }
while read -r name want; do
	[ "$(port0 "$name")" = "$want" ] && continue
	cat "$tmp/tp.stats"
	echo "FAIL: port 0 $name: '$(port0 "$name")', expected $want"
	exit 1
done <<EOF
RX-packets $sent
RX-bytes $sent_bytes
RX-missed 0
RX-errors 0
RX-nombuf 0
TX-packets $((a_got + veth_drops))
TX-bytes $((64 * (a_got + veth_drops)))
TX-errors 0
EOF
echo "ok: port 0 stats: rx $sent frames, $sent_bytes bytes as sent; tx $a_got reached namespace a," \
	"$veth_drops dropped by the veth"
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
tp_quit 3
echo "PASS: testpmd rxonly, io, mac, csum, txonly (also chained) and port detach over net_zcrx"

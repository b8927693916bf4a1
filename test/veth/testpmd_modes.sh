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
veth_test_begin "zm$$" dpdk-testpmd
plugins_stage "$build"
read -ra mem <<<"$(eal_mem "zm$$")"
mkfifo "$tmp/cmd"
stdbuf -oL dpdk-testpmd -l 0,1 --no-pci "${mem[@]}" --mbuf-pool-ops-name zcpool \
	-d "$ZCPOOL_SO" \
	-d "$ZCRX_SO" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -i <"$tmp/cmd" >"$tmp/out" 2>&1 &
DUT_PID=$!
exec 3>"$tmp/cmd"
prompt() { # wait until testpmd has printed its prompt N times
	for _ in $(seq 150); do [ "$(grep -o "testpmd>" "$tmp/out" | wc -l)" -ge "$1" ] && return 0; sleep 0.2; done
	cat "$tmp/out"; echo "FAIL: testpmd stopped answering"; exit 1
}
n=1; prompt $n
cmd() { echo "$1" >&3; n=$((n + 1)); prompt $n; }
bmac=$(topo_mac "${TOPO}b" "${TOPO}b1")
rx_b() { ip -n "${TOPO}b" -s -j link show "${TOPO}b1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }

for mode in rxonly io mac csum; do
	cmd "set fwd $mode"
	cmd "start"
	ip netns exec "${TOPO}a" python3 "$here/frames.py" send "${TOPO}a1" "$bmac" 500 >/dev/null
	sleep 0.5
	cmd "stop"
	# RX-packets of the last "Accumulated forward statistics" block.
	got=$(awk '/Accumulated forward statistics/ {blk = 1; v = ""}
		blk && /RX-packets:/ && v == "" {v = $2} END {print v}' "$tmp/out")
	[ "${got:-0}" -ge 500 ] || { cat "$tmp/out"; echo "FAIL: $mode received ${got:-0} of 500"; exit 1; }
	echo "ok: $mode forwarded ${got} packets"
done

# txonly for a second; got = packets namespace b received. (Not run in $(...):
# cmd counts prompts in a variable.)
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
grep -q "Driver name: net_zcrx" "$tmp/out" || { echo "FAIL: port info"; exit 1; }
grep -q "xdp_q0_rx_ring_full" "$tmp/out" || { echo "FAIL: xstats"; exit 1; }
grep -qE "tx_q0_zero_copy: [1-9]" "$tmp/out" || { echo "FAIL: no zero-copy sends counted"; exit 1; }
grep -qE "tx_q0_linearised: [1-9]" "$tmp/out" || { echo "FAIL: chained packets not linearised"; exit 1; }
echo "ok: chained packets linearised ($got reached namespace b)"

# Detach a port the way a testpmd user does.
cmd "port stop 0"
cmd "port detach 0"
grep -q "Device is detached" "$tmp/out" || { tail -20 "$tmp/out"; echo "FAIL: port detach"; exit 1; }
echo "ok: port 0 stopped and detached"
echo "quit" >&3
exec 3>&-
wait "$DUT_PID"; DUT_PID=
echo "PASS: testpmd rxonly, io, mac, csum, txonly (also chained) and port detach over net_zcrx"

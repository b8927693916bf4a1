#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# DPDK's stock dpdk-l3fwd, unmodified, routing over two net_zcrx ports: IPv4 UDP
# from namespace a to 198.18.1.9 (l3fwd's default LPM table sends 198.18.1.0/24
# to port 1) must reach namespace b with the TTL decremented and checksums right.
#   l3fwd_test.sh BUILD_DIR zcpool|ring
set -u
build=$1 mode=$2
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
veth_test_begin "zr$$" dpdk-l3fwd
plugins_stage "$build"

ops=()
[ "$mode" = zcpool ] && ops=(--mbuf-pool-ops-name zcpool)
read -ra mem <<<"$(eal_mem "zr$$")"
bmac=$(topo_mac "${TOPO}b" "${TOPO}b1")
dpdk-l3fwd -l 1 --no-pci "${mem[@]}" "${ops[@]}" \
	-d "$ZCPOOL_SO" \
	-d "$ZCRX_SO" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -p 0x3 --config "(0,0,1),(1,0,1)" --eth-dest "1,$bmac" >"$tmp/out" 2>&1 &
DUT_PID=$!
for _ in $(seq 100); do grep -q "L3FWD: entering main loop" "$tmp/out" && break; sleep 0.2; done
if ! grep -q "entering main loop" "$tmp/out"; then
	cat "$tmp/out"; echo "FAIL: dpdk-l3fwd did not start over net_zcrx"; exit 1
fi
n=2000
ip netns exec "${TOPO}b" python3 "$here/frames.py" recv-udp "${TOPO}b1" $n 30 63 >"$tmp/recv" &
rx=$!
sleep 0.5
ip netns exec "${TOPO}a" python3 "$here/frames.py" send-udp "${TOPO}a1" \
	"$(cat /sys/class/net/${TOPO}a0/address)" 198.18.1.9 $n
wait $rx
rc=$?
cat "$tmp/recv"
kill -INT "$DUT_PID"; wait "$DUT_PID"; DUT_PID=
[ $rc -eq 0 ] || { tail -20 "$tmp/out"; echo "FAIL: routed packets lost or wrong"; exit 1; }
echo "PASS: stock dpdk-l3fwd routed $n packets over net_zcrx ($mode)"

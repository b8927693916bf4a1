#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# DPDK's stock dpdk-l3fwd, unmodified, routing over two net_zcrx ports: IPv4 UDP
# to 198.18.N.9 (l3fwd's default LPM table sends 198.18.N.0/24 to port N) from
# both namespaces to both (a to b and back to a, b to a and back to b) must
# arrive with the TTL decremented and checksums right.
#   l3fwd_test.sh BUILD_DIR zcpool|ring [LCORES]
# LCORES (default 1): with 2, lcore 0 polls port 0 and lcore 1 port 1, both on
# CPU 1; l3fwd gives each lcore a transmit queue on every port, so each port has
# two transmit queues on its one veth queue, both sending at once (issue 10).
set -u
build=$1 mode=$2 lcores=${3:-1}
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
veth_test_begin "zr$$" dpdk-l3fwd
plugins_stage "$build"

ops=()
[ "$mode" = zcpool ] && ops=(--mbuf-pool-ops-name zcpool)
if [ "$lcores" = 2 ]; then
	# shellcheck disable=SC2054 # "0@1,1@1" is one argument
	eal=(--lcores 0@1,1@1) config="(0,0,0),(1,0,1)"
else
	eal=(-l 1) config="(0,0,1),(1,0,1)"
fi
read -ra mem <<<"$(eal_mem "zr$$")"
amac=$(topo_mac "${TOPO}a" "${TOPO}a1")
bmac=$(topo_mac "${TOPO}b" "${TOPO}b1")
dpdk-l3fwd "${eal[@]}" --no-pci "${mem[@]}" "${ops[@]}" \
	-d "$ZCPOOL_SO" \
	-d "$ZCRX_SO" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -p 0x3 --config "$config" --eth-dest "0,$amac" --eth-dest "1,$bmac" \
	>"$tmp/out" 2>&1 &
DUT_PID=$!
for _ in $(seq 100); do grep -q "L3FWD: entering main loop" "$tmp/out" && break; sleep 0.2; done
if ! grep -q "entering main loop" "$tmp/out"; then
	cat "$tmp/out"; echo "FAIL: dpdk-l3fwd did not start over net_zcrx"; exit 1
fi
grep -q "nb_txq=$lcores" "$tmp/out" || { cat "$tmp/out"; echo "FAIL: not $lcores tx queues"; exit 1; }
# Each namespace gets its own frames back and the other's: 2n, numbered apart.
# Each port takes two flows at half frames.py's default rate: as much as one did.
n=2000
declare -A rx
for s in a b; do
	ip netns exec "${TOPO}$s" python3 "$here/frames.py" recv-udp "${TOPO}${s}1" $((2 * n)) 30 63 \
		>"$tmp/recv.$s" &
	rx[$s]=$!
done
sleep 0.5
first=0 senders=()
for s in a b; do
	for dst in 0 1; do
		ip netns exec "${TOPO}$s" python3 "$here/frames.py" send-udp "${TOPO}${s}1" \
			"$(cat "/sys/class/net/${TOPO}${s}0/address")" "198.18.$dst.9" $n \
			--rate 4000 --first $((first * n)) >/dev/null &
		senders+=($!) first=$((first + 1))
	done
done
rc=0
wait "${senders[@]}"
for s in a b; do
	wait "${rx[$s]}" || rc=1
	echo "$s: $(cat "$tmp/recv.$s")"
done
kill -INT "$DUT_PID"; wait "$DUT_PID"; DUT_PID=
[ $rc -eq 0 ] || { tail -20 "$tmp/out"; echo "FAIL: routed packets lost or wrong"; exit 1; }
echo "PASS: stock dpdk-l3fwd with $lcores lcore(s) routed $((4 * n)) packets over net_zcrx ($mode)"

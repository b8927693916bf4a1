#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The project's main job on a fresh machine, as root: provisions and builds, then
# forwards traffic between two network namespaces through two net_zcrx ports.
#
#   namespace gen             root namespace                      namespace sink
#   testpmd txonly  ---veth--->  net_zcrx0 --(testpmd io, one     ---veth--->  counted
#   (net_af_packet)              zcpool area = one shared UMEM)
#                                          net_zcrx1
#
# Live statistics every second; at the end a summary, a check that the packets
# arrived in the sink namespace, and a clean-up of everything made (also on ^C).
#   devtools/demo.sh [SECONDS]      (default 10)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (installs packages, hugepages, namespaces, AF_XDP); rerun with sudo" >&2
	exit 1
fi
case "$secs" in ''|*[!0-9]*) echo "demo: SECONDS must be a number, got '$secs'" >&2; exit 2 ;; esac
"$top/devtools/build.sh" release
eval "$("$top/devtools/setup.sh" --env)"
. "$top/test/veth/topo.sh"
. "$top/test/plugins.sh"
plugins_stage "$top/build"
export LD_LIBRARY_PATH="$top/build/lib/zcmem:$top/build/drivers/mempool/zcpool:$LD_LIBRARY_PATH"

tmp=$(mktemp -d)
cleanup() {
	trap - EXIT INT TERM
	[ -n "${gen:-}" ] && kill "$gen" 2>/dev/null
	[ -n "${dut:-}" ] && kill -INT "$dut" 2>/dev/null
	wait 2>/dev/null || true
	topo_down
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
topo_up "zd$$"
sink_rx() { ip -n "${TOPO}b" -s -j link show "${TOPO}b1" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }

echo "demo: forwarding for $secs s: gen -> net_zcrx0 (${TOPO}a0) -> net_zcrx1 (${TOPO}b0) -> sink"
before=$(sink_rx)
# The DUT forwards on lcore 1; the generator sends from lcore 0.
# shellcheck disable=SC2046
dpdk-testpmd -l 0,1 --no-pci $(eal_mem "zd$$d" 256) --mbuf-pool-ops-name zcpool \
	-d "$ZCPOOL_SO" -d "$ZCRX_SO" --log-level=lib.eal:warning \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- --forward-mode=io --stats-period 1 --record-core-cycles \
	--eth-peer="1,$(topo_mac "${TOPO}b" "${TOPO}b1")" &
dut=$!
sleep 3
# shellcheck disable=SC2046
sleep $((secs + 1)) | ip netns exec "${TOPO}a" dpdk-testpmd -l 0,1 --main-lcore 1 --no-pci \
	$(eal_mem "zd$$g" 256) --log-level=lib.eal:warning --vdev "net_af_packet0,iface=${TOPO}a1" \
	-- --forward-mode=txonly --txpkts=64 --eth-peer="0,$(cat /sys/class/net/${TOPO}a0/address)" \
	>"$tmp/gen" 2>&1 &
gen=$!
sleep "$secs"
kill -INT "$dut"
wait "$dut" || true
dut=
wait "$gen" 2>/dev/null || true
gen=
after=$(sink_rx)
echo
echo "demo: the sink namespace received $((after - before)) packets through net_zcrx"
[ $((after - before)) -gt 0 ] || { tail -20 "$tmp/gen"; echo "demo: nothing arrived" >&2; exit 1; }

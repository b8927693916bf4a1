#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The project's main job on a fresh machine, as root: provisions and builds, then
# routes IPv4 and IPv6 traffic between two network namespaces with zcfwd over two
# net_zcrx ports on one hugepage zcpool area.
#
#   namespace gen                 root namespace                     namespace sink
#   IPv4 + IPv6 flows ---veth--->  net_zcrx0 --zcfwd (LPM, TTL-1,  ---veth--->  counted
#   (frames.py gen-mix)            buffers back through the        (frames.py count-mix)
#                                  refill ring)--> net_zcrx1
#
# zcfwd prints live statistics every second, then its summary and a buffer audit;
# the demo checks that the routed packets arrived in the sink namespace and
# removes everything it made (namespaces, links, processes). A ^C still shows the
# summary and the audit, and removes everything too.
#   devtools/demo.sh [SECONDS] [ZCFWD_OPTIONS...]    (default 10 s, --mode rtc)
# e.g. devtools/demo.sh 10 --mode pipeline --workers 1 --return free
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
[ $# -gt 0 ] && shift
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (installs packages, hugepages, namespaces, AF_XDP); rerun with sudo" >&2
	exit 1
fi
case "$secs" in ''|*[!0-9]*|0) echo "demo: SECONDS must be a positive number, got '$secs'" >&2; exit 2 ;; esac
"$top/devtools/build.sh" release
eval "$("$top/devtools/setup.sh" --env)"
. "$top/test/veth/topo.sh"
export LD_LIBRARY_PATH="$top/build/lib/zcmem:$top/build/drivers/mempool/zcpool:$top/build/drivers/net/zcrx:$LD_LIBRARY_PATH"
frames=$top/test/veth/frames.py

tmp=$(mktemp -d)
pids=()
cleanup() {
	trap - EXIT INT TERM
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	topo_down
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
topo_up "zd$$"
gen_ns=${TOPO}a sink_ns=${TOPO}b
sink_rx() { topo_packets "$sink_ns" "${TOPO}b1" rx; }

cat >"$tmp/routes" <<'EOF'
# PREFIX/LEN        PORT   (the generator's flows go to port 1, the sink side)
198.18.0.0/15       1
2001:db8:1::/48     1
# Back towards the generator.
10.99.0.0/24        0
2001:db8:99::/48    0
EOF

echo "demo: zcfwd routes $secs s of IPv4 and IPv6 from namespace $gen_ns to namespace $sink_ns"
# zcfwd's output reaches the terminal through tee, which ignores SIGINT: a ^C to
# the process group stops zcfwd, and tee still shows its summary and audit. A
# job rather than a process substitution, so that the waits below include it.
mkfifo "$tmp/out"
tee -i "$tmp/zcfwd" <"$tmp/out" &
# One forwarding lcore (1); the generator gets the other core. --in-memory: the
# pool's hugepages are never files, so nothing is left behind.
"$top/build/examples/zcfwd/zcfwd" -l 0,1 --main-lcore 0 --no-pci --in-memory \
	--log-level=lib.eal:error --log-level=lib.telemetry:warning \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" -- \
	-p 0x3 --config "(0,0,1),(1,0,1)" --routes "$tmp/routes" \
	--eth-dest "1,$(topo_mac "$sink_ns" "${TOPO}b1")" --return refill "$@" \
	>"$tmp/out" 2>&1 &
zcfwd=$!
pids+=("$zcfwd")
for _ in $(seq 100); do grep -qs "stops$" "$tmp/zcfwd" && break; sleep 0.1; done
grep -q "stops$" "$tmp/zcfwd" || { echo "demo: zcfwd did not start" >&2; exit 1; }

before=$(sink_rx)
ip netns exec "$sink_ns" python3 "$frames" count-mix "${TOPO}b1" $((secs + 1)) >"$tmp/sink" &
pids+=($!)
# In the background, waited for: a ^C then reaches the trap at once.
ip netns exec "$gen_ns" python3 "$frames" gen-mix "${TOPO}a1" \
	"$(cat "/sys/class/net/${TOPO}a0/address")" 198.18.1.9 2001:db8:1::9 "$secs" >"$tmp/gen" &
gen=$!
pids+=("$gen")
wait "$gen"
sleep 1
# zcfwd may have stopped already: its exit status below says how.
kill -INT "$zcfwd" 2>/dev/null || true
rc=0
wait "$zcfwd" || rc=$?
wait
pids=()
after=$(sink_rx)

echo
echo "demo: generator (namespace $gen_ns): $(cat "$tmp/gen")"
echo "demo: sink (namespace $sink_ns): $((after - before)) frames arrived (kernel counter); a"
echo "      python counter beside it sampled what it could:"
sed 's/^/        /' "$tmp/sink"
# Offered, taken by the port, forwarded, arrived: where each frame went.
offered=$(sed -n 's/^sent \([0-9]*\) frames.*/\1/p' "$tmp/gen")
read -r took lost <<<"$(sed -n 's/^ *lost before zcfwd: \([0-9]*\) .*the port took \([0-9]*\)$/\2 \1/p' \
	"$tmp/zcfwd" | head -n 1)"
fwd=$(sed -n 's/^port 1 (.*tx \([0-9]*\) (.*/\1/p' "$tmp/zcfwd")
echo "demo: offered ${offered:-?}; port 0 took ${took:-?}, of which ${lost:-?} were lost before"
echo "      zcfwd (the socket dropped them: zcfwd, sharing two CPUs with the generator,"
echo "      did not poll fast enough); forwarded ${fwd:-?}; the sink got $((after - before))"
if [ $((after - before)) -eq 0 ]; then
	echo "demo: FAIL: nothing arrived in the sink namespace" >&2
	exit 1
fi
if [ "$rc" -ne 0 ]; then
	echo "demo: FAIL: zcfwd exited with status $rc (see the audit above)" >&2
	exit 1
fi
echo "demo: OK: packets routed through net_zcrx arrived, and every buffer is back in the pool"

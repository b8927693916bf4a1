#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End to end over net_zcrx: frames from namespace a cross two net_zcrx ports
# (dpdk-testpmd io forwarding) into namespace b, where every byte is checked.
#   fwd_test.sh BUILD_DIR zcpool|ring|busy
# zcpool: testpmd's pool is a zcpool pool, both ports share its area as one UMEM
#         and forward without a copy. ring: the default pool, received by copy.
# busy:   as zcpool, with preferred busy polling (busy_budget=64).
set -u
build=$1 mode=$2
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
veth_test_begin "zf$$" dpdk-testpmd
plugins_stage "$build"

ops=(--mbuf-pool-ops-name zcpool)
[ "$mode" = ring ] && ops=()
dev=
[ "$mode" = busy ] && dev=,busy_budget=64
read -ra mem <<<"$(eal_mem "zf$$")"
mkfifo "$tmp/cmd"
dpdk-testpmd -l 0,1 --no-pci "${mem[@]}" "${ops[@]}" \
	-d "$ZCPOOL_SO" \
	-d "$ZCRX_SO" \
	--vdev "net_zcrx0,iface=${TOPO}a0$dev" --vdev "net_zcrx1,iface=${TOPO}b0$dev" \
	-- -i --forward-mode=io --auto-start <"$tmp/cmd" >"$tmp/out" 2>&1 &
DUT_PID=$!
exec 3>"$tmp/cmd"
for _ in $(seq 100); do grep -q "testpmd>" "$tmp/out" && break; sleep 0.2; done
if ! grep -q "testpmd>" "$tmp/out"; then
	cat "$tmp/out"; echo "FAIL: testpmd did not start"; exit 1
fi

n=3000
ip netns exec "${TOPO}b" python3 "$here/frames.py" recv "${TOPO}b1" $n 30 >"$tmp/recv" &
rx=$!
sleep 0.5
ip netns exec "${TOPO}a" python3 "$here/frames.py" send "${TOPO}a1" \
	"$(topo_mac "${TOPO}b" "${TOPO}b1")" $n
wait $rx
rc=$?
cat "$tmp/recv"

echo "show port xstats all" >&3
echo "stop" >&3
echo "quit" >&3
exec 3>&-
wait "$DUT_PID"
DUT_PID=
grep -E "tx_q0_(zero_copy|copy)|rx_q0_fill|Forward statistics|RX-packets|TX-packets" "$tmp/out" | head -20
[ $rc -eq 0 ] || { echo "FAIL: frames lost or corrupted"; exit 1; }
if [ "$mode" != ring ]; then
	grep -qE "tx_q0_zero_copy: [1-9]" "$tmp/out" ||
		{ echo "FAIL: no zero-copy forwarding between ports sharing an area"; exit 1; }
else
	grep -qE "tx_q0_copy: [1-9]" "$tmp/out" || { echo "FAIL: copy path unused"; exit 1; }
fi
if grep -E "PANIC|Segmentation|net_zcrx: .*(cannot|failed|lost)" "$tmp/out"; then
	echo "FAIL: errors logged"
	exit 1
fi
echo "PASS: $n frames crossed two net_zcrx ports intact ($mode)"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# More transmit queues than the interface has queues (issue 10): dpdk-testpmd
# with --rxq 1 --txq 4 over two net_zcrx ports on single-queue veths must
# configure, forward in both directions, show the four transmit queues, and
# survive stopping and starting one of the extra transmit queues (which stops
# and starts the socket group it belongs to).
#   testpmd_txqs.sh BUILD_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
tp_test_begin "zq$$" "$1"
tp_launch tp 3 -- "${tp_args[@]}" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -i --rxq 1 --txq 4 --forward-mode=io ||
	{ cat "$tmp/tp.out"; echo "FAIL: testpmd did not start with --rxq 1 --txq 4"; exit 1; }
DUT_PID=$tp_pid
cmd() { tp_do tp 3 "$1"; }

# forward FROM TO N: N frames from namespace FROM cross both ports into TO, intact.
forward() {
	local rx rc
	cmd "start"
	ip netns exec "${TOPO}$2" python3 "$here/frames.py" recv "${TOPO}${2}1" "$3" 20 \
		>"$tmp/recv" &
	rx=$!
	sleep 0.5
	ip netns exec "${TOPO}$1" python3 "$here/frames.py" send "${TOPO}${1}1" \
		"$(topo_mac "${TOPO}$2" "${TOPO}${2}1")" "$3" >/dev/null
	wait $rx
	rc=$?
	cmd "stop"
	[ $rc -eq 0 ] || { cat "$tmp/recv" "$tmp/tp.out"; echo "FAIL: $1 -> $2: $4"; exit 1; }
	echo "ok: $1 -> $2 $4: $(cat "$tmp/recv")"
}

forward a b 1000 "with 4 tx queues"
forward b a 1000 "with 4 tx queues"
cmd "show port xstats 0"
grep -q "tx_q3_zero_copy" "$tmp/tp.last" || { cat "$tmp/tp.last"; echo "FAIL: no tx queue 3"; exit 1; }

for q in 3 1; do
	cmd "port 0 txq $q stop"
	cmd "port 0 txq $q start"
done
grep -E "net_zcrx: .*(cannot|failed)|Fail" "$tmp/tp.out" &&
	{ echo "FAIL: errors stopping and starting tx queues"; exit 1; }
forward a b 1000 "after tx queues 3 and 1 of port 0 restarted"
forward b a 1000 "after tx queues 3 and 1 of port 0 restarted"
tp_quit 3
if grep -E "PANIC|Segmentation|net_zcrx: .*(cannot|failed|lost)" "$tmp/tp.out"; then
	echo "FAIL: errors logged"
	exit 1
fi
echo "PASS: testpmd with 1 rx and 4 tx queues per port forwards over net_zcrx"

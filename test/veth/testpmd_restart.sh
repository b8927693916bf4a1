#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Restarting one of two ports that share an area (issue 10), as OVS does to
# change ring sizes: over testpmd's one zcpool pool both net_zcrx ports use one
# UMEM. Each port in turn (0, 1, then 0 again) is stopped, given another
# receive ring size and started while the other port forwards on its own; then
# frames must cross both ports in both directions, in place.
#   testpmd_restart.sh BUILD_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
tp_test_begin "zs$$" "$1"
tp_launch tp 3 -- "${tp_args[@]}" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -i --forward-mode=io ||
	{ cat "$tmp/tp.out"; echo "FAIL: testpmd did not start"; exit 1; }
DUT_PID=$tp_pid
cmd() { tp_do tp 3 "$1"; }
ns=(a b)

# forward FROM TO N WHAT: while testpmd forwards, N frames sent from namespace
# FROM arrive intact in namespace TO (the same one when a port forwards to itself).
forward() {
	local rx rc
	ip netns exec "${TOPO}$2" python3 "$here/frames.py" recv "${TOPO}${2}1" "$3" 20 \
		>"$tmp/recv" &
	rx=$!
	sleep 0.5
	ip netns exec "${TOPO}$1" python3 "$here/frames.py" send "${TOPO}${1}1" \
		"$(topo_mac "${TOPO}$2" "${TOPO}${2}1")" "$3" >/dev/null
	wait $rx
	rc=$?
	[ $rc -eq 0 ] || { cat "$tmp/recv" "$tmp/tp.out"; echo "FAIL: $1 -> $2 $4"; exit 1; }
	echo "ok: $1 -> $2 $4: $(cat "$tmp/recv")"
}

both_ways() {
	cmd "set portlist 0,1"
	cmd "start"
	forward a b 1000 "$1"
	forward b a 1000 "$1"
	cmd "stop"
}

both_ways "at start"
size=1024
for p in 0 1 0; do
	other=$((1 - p))
	cmd "set portlist $other"
	cmd "start"
	cmd "port stop $p"
	cmd "port config $p rxq 0 ring_size $size"
	cmd "port start $p"
	if grep -E "net_zcrx: .*(cannot|failed)|Fail to start port" "$tmp/tp.last"; then
		echo "FAIL: port $p did not start again while port $other shares its area"
		exit 1
	fi
	# Port other went on forwarding (to itself) all along.
	forward "${ns[$other]}" "${ns[$other]}" 300 "(port $other alone, port $p restarted)"
	cmd "stop"
	both_ways "after port $p restarted with $size rx descriptors"
	size=$((size / 2))
done
cmd "show port xstats all"
grep -qE "tx_q0_zero_copy: [1-9]" "$tmp/tp.last" ||
	{ echo "FAIL: no zero-copy forwarding: the ports do not share the UMEM"; exit 1; }
tp_quit 3
if grep -E "PANIC|Segmentation|net_zcrx: .*(cannot|failed|lost)" "$tmp/tp.out"; then
	echo "FAIL: errors logged"
	exit 1
fi
echo "PASS: ports sharing an area restart in any order and forward both ways"

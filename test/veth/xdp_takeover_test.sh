#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# net_zcrx after a kill -9: the XDP program the dead process left on its
# interface (the built-in one, or the user's xdp_prog) is removed by the next
# probe there, which comes up and receives, and nothing is left after a clean
# quit. A program net_zcrx did not attach, or one a live net_zcrx process owns,
# is still refused and left alone.
#   xdp_takeover_test.sh BUILD_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
tp_test_begin "zk$$" "$1" clang
veth_xdp_objs

dev=${TOPO}a0
count=200
amac=$(ip -o link show "$dev" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
fail() { echo "FAIL: $*"; exit 1; }
xdp_id() { ip -d link show "$dev" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
# launch NAME DEVARGS: an interactive testpmd with one net_zcrx port on $dev.
launch() {
	tp_launch "$1" 3 -- "${tp_args[@]}" --vdev "net_zcrx0,iface=$dev$2" -- -i ||
		{ cat "$tmp/$1.out"; fail "testpmd did not start with '$2'"; }
	DUT_PID=$tp_pid
}
# receive NAME: rxonly, count UDP frames from namespace a (xdp_udp_only passes them too).
receive() {
	tp_do "$1" 3 "set fwd rxonly"
	tp_do "$1" 3 "start"
	ip netns exec "${TOPO}a" python3 "$here/frames.py" send-udp "${TOPO}a1" "$amac" 10.99.0.1 $count
	sleep 0.5
	tp_do "$1" 3 "stop"
	got=$(tp_fwd_rx "$1")
	[ "${got:-0}" -ge $count ] || { cat "$tmp/$1.out"; fail "received ${got:-0} of $count frames"; }
}
kill9() {
	kill -9 "$DUT_PID"
	wait "$DUT_PID" 2>/dev/null
	exec 3>&-
	DUT_PID=
}
# refused DEVARGS WHAT EXPECTED_MESSAGE: the probe fails, saying so.
refused() {
	stdbuf -oL dpdk-testpmd "${tp_args[@]}" --vdev "net_zcrx1,iface=$dev$1" -- -i <<<quit >"$tmp/refused" 2>&1
	grep -qF "$3" "$tmp/refused" && grep -q "net_zcrx1: probe failed" "$tmp/refused" ||
		{ cat "$tmp/refused"; fail "$2: expected a failed probe saying '$3'"; }
	echo "ok: $2 refused: $(grep -F "$3" "$tmp/refused")"
}

for prog in "" ",xdp_prog=$tmp/udp_only.o"; do
	what="net_zcrx${prog:+ with xdp_prog}"
	launch dead "$prog"
	tp_do dead 3 "start"
	left=$(xdp_id)
	[ -n "$left" ] || fail "$what: no XDP program on $dev"
	kill9
	[ "$(xdp_id)" = "$left" ] || fail "$what: the killed process's program $left is not on $dev"

	launch next "$prog"
	grep -q "removing XDP program $left, left there by net_zcrx process [0-9]*, which is gone" "$tmp/next.out" ||
		{ cat "$tmp/next.out"; fail "$what: the program left by the killed process was not removed"; }
	[ "$(xdp_id)" != "$left" ] || fail "$what: program $left is still attached"
	# Another net_zcrx process does not take a live one's interface.
	refused "$prog" "$what: a second process on $dev" "net_zcrx in process $DUT_PID uses it"
	receive next
	tp_quit 3
	[ -z "$(xdp_id)" ] || { ip link show "$dev"; fail "$what: an XDP program is left on $dev after quit"; }
	echo "ok: $what: came up over the program a killed process left, received $got frames, left nothing"
done

# A program net_zcrx did not attach is refused and kept, with a record or without.
ip link set dev "$dev" xdp obj "$tmp/pass.o" sec xdp
other=$(xdp_id)
for prog in "" ",xdp_prog=$tmp/udp_only.o"; do
	refused "$prog" "program $other attached by ip" "another XDP program is attached"
done
ip link set dev "$dev" xdp off
launch dead ""
kill9
ip link set dev "$dev" xdp off
ip link set dev "$dev" xdp obj "$tmp/pass.o" sec xdp
refused "" "a program that replaced a killed process's" "another XDP program is attached"
[ -n "$(xdp_id)" ] && [ "$(xdp_id)" != "$other" ] || fail "the other program was removed"
ip link set dev "$dev" xdp off
echo "PASS: programs left by killed net_zcrx processes are taken over, others refused"

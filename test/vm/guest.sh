#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The emulated machine's cases (devtools/vm-test.sh boots the guest once per group).
#   guest.sh --groups          the groups, one a line
#   guest.sh --cases GROUP     a group's cases, one a line
#   guest.sh --run             in the guest (test/vm/init): run $ZC_VM_GROUP
# Each case writes one line to /tmp/vm-results/results: PASS name, FAIL name: why
# or SKIP name: reason; its output goes to /tmp/vm-results/<case>.log. "done"
# marks the end of the group.
set -uo pipefail

res=/tmp/vm-results

all_groups="dmabuf xsk vfio verbs"
cases_dmabuf="udmabuf-huge udmabuf-no-huge system-heap-huge system-heap-no-huge zcrx-refuses-unreadable"
cases_xsk="zero-copy-huge tx-at-peer-huge zero-copy-no-huge tx-at-peer-no-huge zcfwd-zero-copy"
cases_vfio="e1000e-zcpool-zero-config e1000e-hugepage-area e1000e-user-area dmabuf-refused no-dmar-fault"
verbs_cases="api_args bind_providers data_send_write unbind_held dmabuf_refused dmabuf_mr teardown"
cases_verbs="rxe-link $(for m in huge no-huge; do for c in $verbs_cases; do echo "$c-$m"; done; done)"

case "${1:-}" in
--groups) printf '%s\n' $all_groups; exit 0 ;;
--cases) v=cases_${2//-/_}; printf '%s\n' ${!v}; exit 0 ;;
--run) ;;
*) echo "usage: $0 --groups | --cases GROUP | --run" >&2; exit 2 ;;
esac

group=$ZC_VM_GROUP build=$ZC_VM_BUILD
# test/vm/init's PATH is busybox's.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
eval "$("$ZC_VM_TOP/devtools/setup.sh" --env)"

# result NAME VERDICT [WHY]: one line in the results, echoed to the console.
result() {
	local line="$2 ${ZC_VM_TAG:-}$group/$1${3:+: $3}"
	echo "$line" >>"$res/results"
	echo "vm: $line"
}

# A zc_test program (test/zc_test.h) as one case: PASS only when every one of its
# cases passed; SKIP with the first reason it printed when it skipped any.
zc_program() {
	local name=$1 log=$res/$group-$1.log rc=0 why
	shift
	"$@" >"$log" 2>&1 || rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		why=$(grep -m 3 '^FAIL' "$log" | tr '\n' ' ')
		result "$name" FAIL "${why:-exit $rc}"
	elif grep -q '^skip ' "$log"; then
		result "$name" SKIP "$(grep -m 1 '^SKIP: ' "$log" | cut -c7-)"
	else
		result "$name" PASS
	fi
}

# A zc_test program with a case here per case of its (named after it, SUFFIX
# appended), for programs whose cases may pass or skip alone; the first reason a
# case printed goes with its result. The log is $group-NAME.log.
#   zc_cases NAME SUFFIX COMMAND...
zc_cases() {
	local name=$1 suffix=$2 log=$res/$group-$1.log rc=0 line why=
	shift 2
	"$@" >"$log" 2>&1 || rc=$?
	while read -r line; do
		case "$line" in
		"SKIP: "*|"FAIL "*:*) why=${why:-${line#* }} ;;
		"ok   "*) result "${line#ok   }$suffix" PASS; why= ;;
		"skip "*) result "${line#skip }$suffix" SKIP "$why"; why= ;;
		"FAIL "*) result "${line#FAIL }$suffix" FAIL "$why"; why= ;;
		esac
	done <"$log"
	grep -q '^[0-9]* cases: ' "$log" || result "$name" FAIL "exit $rc before the end; see $log"
}

# dmabuf provider, positive: each exporter the guest kernel has, in both memory
# modes; and net_zcrx refusing a pool over an area made unreadable on purpose.
group_dmabuf() {
	local exp mode
	for exp in udmabuf system-heap; do
		for mode in huge no-huge; do
			ZC_TEST_DMABUF_EXPORTER=$exp zc_program "$exp-$mode" \
				"$build/test/test_area_dmabuf" "--$mode" -l 0,1
		done
	done
	ip link set "$(netdev 52:54:00:00:00:10)" up
	zc_program zcrx-refuses-unreadable "$build/test/vm/test_zcrx_unreadable" --huge -l 0,1 \
		-- "$(netdev 52:54:00:00:00:10)"
}

# The netdev whose MAC is $1 (devtools/vm-test.sh gives each NIC its MAC).
netdev() {
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && { basename "$d"; return; }
	done
	return 1
}

# net_zcrx in zero-copy mode on the virtio-net NIC of hub 0 (iommu_platform on);
# the kernel-driven NIC on the hub sends frames and checks the ones sent back.
group_xsk() {
	local dut peer nozc mode frames=$ZC_VM_TOP/test/veth/frames.py n=500 rpid
	dut=$(netdev 52:54:00:00:00:10) peer=$(netdev 52:54:00:00:00:11)
	nozc=$(netdev 52:54:00:00:01:11)
	# Every NIC of hubs 0 and 1 up: a hub holds a sender while a port cannot receive.
	ip link set "$dut" up && ip link set "$peer" up && ip link set "$nozc" up &&
		ip link set "$(netdev 52:54:00:00:01:10)" up
	for mode in huge no-huge; do
		python3 "$frames" recv "$peer" $n 120 >"$res/xsk-peer-$mode.log" 2>&1 &
		rpid=$!
		zc_program "zero-copy-$mode" "$build/test/vm/test_xsk_zc" "--$mode" -l 0,1 \
			--log-level=pmd.net.zcrx:info -- "$dut" \
			"python3 $frames send $peer 52:54:00:00:00:10 $n --rate 1000 >/dev/null" $n "$nozc"
		if wait $rpid; then
			result "tx-at-peer-$mode" PASS
		else
			result "tx-at-peer-$mode" FAIL "$(tail -n 1 "$res/xsk-peer-$mode.log")"
		fi
	done
	zcfwd_zero_copy "$dut" "$(netdev 52:54:00:00:01:10)" "$peer" "$nozc"
}

# zcfwd routing from hub 0's zero-copy NIC ($1) to hub 1's ($2), both sockets over
# the one UMEM of zcfwd's one pool, refill return: hub 0's peer ($3) sends the
# IPv4/IPv6 mix, hub 1's kernel NIC ($4) must get every frame once, intact, TTL 63,
# and zcfwd must stop with every buffer back.
zcfwd_zero_copy() {
	local frames=$ZC_VM_TOP/test/veth/frames.py out=$res/xsk-zcfwd.log n=300 pid rpid why=""
	printf '198.18.0.0/15 1\n2001:db8:1::/48 1\n' >/tmp/zcfwd.routes
	"$build/examples/zcfwd/zcfwd" -l 0 --in-memory --no-pci --log-level=pmd.net.zcrx:info \
		--vdev "net_zcrx0,iface=$1,zero_copy=1" --vdev "net_zcrx1,iface=$2,zero_copy=1" \
		-- -p 3 --config "(0,0,0),(1,0,0)" --routes /tmp/zcfwd.routes \
		--eth-dest "1,52:54:00:00:01:11" --mode rtc --return refill >"$out" 2>&1 &
	pid=$!
	if wait_for 'stops$' 120 "$out" $pid; then
		python3 "$frames" recv-mix "$4" $n 120 63 >"$res/xsk-zcfwd-peer.log" 2>&1 &
		rpid=$!
		sleep 1
		python3 "$frames" send-mix "$3" 52:54:00:00:00:10 198.18.1.9 2001:db8:1::9 $n \
			--rate 300 >/dev/null
		wait $rpid || why="at hub 1's peer: $(tail -n 1 "$res/xsk-zcfwd-peer.log")"
	else
		why="zcfwd did not start: $(tail -n 1 "$out")"
	fi
	kill -INT $pid 2>/dev/null
	wait $pid || why+=" zcfwd exited with $?"
	[ "$(grep -c 'socket bound in zero-copy mode, UMEM of area' "$out")" = 2 ] ||
		why+=" not two zero-copy sockets"
	grep -q "$2 queue 0: AF_XDP socket bound in zero-copy mode, UMEM of area .* (2 sockets)" "$out" ||
		why+=" the second port does not share the first one's UMEM"
	grep -qE '^audit: pool [^ ]+: all [0-9]+ buffers are back$' "$out" || why+=" buffers missing"
	if [ -z "$why" ]; then result zcfwd-zero-copy PASS; else result zcfwd-zero-copy FAIL "$why"; fi
}

# RDMA verbs bindings on soft-RoCE: rxe0 over the kernel NIC of hub 1 (an IPv4
# address gives it a RoCE v2 GID), test_area_verbs's queue pairs looped on it.
# Each of the program's cases is a case here (zc_cases): the dmabuf MR case always
# skips on rxe, and must not hide the others.
verbs_program() {
	zc_cases "$1" "-$1" "$build/test/test_area_verbs" "--$1" -l 0,1
}

group_verbs() {
	local nd mode i
	nd=$(netdev 52:54:00:00:01:11)
	{ ip link set "$nd" up && ip addr add 10.99.0.1/24 dev "$nd" &&
		rdma link add rxe0 type rxe netdev "$nd"; } >"$res/verbs-link.log" 2>&1
	# The port turns active and gains its GIDs shortly after.
	for i in $(seq 50); do
		ibv_devinfo -d rxe0 2>/dev/null | grep -q PORT_ACTIVE && break
		sleep 0.2
	done
	ibv_devinfo -d rxe0 >>"$res/verbs-link.log" 2>&1
	if ! grep -q PORT_ACTIVE "$res/verbs-link.log"; then
		result rxe-link FAIL "$(grep -v '^ ' "$res/verbs-link.log" | tail -n 1)"
		return
	fi
	result rxe-link PASS
	for mode in huge no-huge; do
		verbs_program $mode
	done
}

# Wait up to $2 s for the extended regular expression $1 in file $3 (written by
# process $4, if given).
wait_for() {
	local _
	for _ in $(seq $(($2 * 2))); do
		grep -Eq "$1" "$3" && return 0
		# The program that writes the file ($4) died: it never will.
		[ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# DPDK's own e1000e PMD (net_e1000_em) on vfio-pci behind the IOMMU, receiving
# into and sending from a zero-configuration zcpool pool (EAL maps its hugepages
# for the device): the frames hub 2's peer sends come back intact. Then pools over
# a hugepage and a user area (test_e1000e_areas: the user area's VFIO mapping made
# once by zc_area_bind(), a pool destroyed with buffers held), a dmabuf area's
# refused bind, and no DMA remapping fault in the kernel's log after all of them.
group_vfio() {
	local d bdf="" peer frames=$ZC_VM_TOP/test/veth/frames.py n=300 out=$res/vfio-testpmd.log
	local name=e1000e-zcpool-zero-config rpid why=""
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] && bdf=$(basename "$d")
	done
	peer=$(netdev 52:54:00:00:02:11)
	ip link set "$peer" up
	echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
	echo "$bdf" >/sys/bus/pci/drivers_probe
	[ -e "/sys/bus/pci/drivers/vfio-pci/$bdf" ] || { result $name FAIL "vfio-pci did not take $bdf"; return; }
	rm -f /tmp/tp.cmd
	mkfifo /tmp/tp.cmd
	stdbuf -oL dpdk-testpmd -l 0,1 -a "$bdf" --in-memory \
		-d "$build/drivers/mempool/zcpool/libzc_mempool_zcpool.so" --mbuf-pool-ops-name zcpool \
		-- -i --total-num-mbufs=4096 --forward-mode=macswap </tmp/tp.cmd >"$out" 2>&1 &
	exec 3>/tmp/tp.cmd
	if ! wait_for 'testpmd>' 120 "$out"; then
		why="testpmd did not start"
	else
		echo start >&3
		# Frames sent before the emulated link is up are lost.
		wait_for 'link state change|Link status: up' 30 "$out" || true
		python3 "$frames" recv "$peer" $n 120 >"$res/vfio-peer.log" 2>&1 &
		rpid=$!
		sleep 1
		python3 "$frames" send "$peer" 52:54:00:00:02:10 $n --rate 300 >/dev/null
		wait $rpid || why="at the peer: $(tail -n 1 "$res/vfio-peer.log")"
		echo stop >&3
		sleep 2
	fi
	echo quit >&3
	exec 3>&-
	wait
	grep -q 'Probe PCI driver: net_e1000_em' "$out" || why+=" net_e1000_em did not probe"
	grep -q 'Using IOMMU type 1' "$out" || why+=" not VFIO type 1"
	grep -q 'preferred mempool ops selected: zcpool' "$out" || why+=" the pool is not zcpool's"
	if [ -z "$why" ]; then result $name PASS; else result $name FAIL "$why"; fi
	zc_cases e1000e-areas "" "$build/test/vm/test_e1000e_areas" -l 0,1 --in-memory -a "$bdf" \
		-- "$peer" "python3 $frames send $peer 52:54:00:00:02:10 $n --rate 300 >/dev/null" $n
	# A dmabuf area cannot be mapped for the device: the bind fails, nothing changes.
	zc_program dmabuf-refused "$build/test/vm/test_dmabuf_vfio" -l 0,1 --in-memory -a "$bdf"
	if dmesg | grep -q 'DMAR: \[DMA'; then
		result no-dmar-fault FAIL "$(dmesg | grep -m 1 'DMAR: \[DMA')"
	else
		result no-dmar-fault PASS
	fi
}

: >"$res/results"
echo "vm: group $group on $(uname -r), build $build"
"group_${group//-/_}"
touch "$res/done"

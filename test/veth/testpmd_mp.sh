#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# DPDK's multi-process tools against a running net_zcrx application (issue 10).
# testpmd forwards between two net_zcrx ports over one zcpool pool; attached to it
# as secondary processes:
#  - dpdk-proc-info --stats, --xstats: port 0 received and port 1 sent as many
#    frames as were offered, port 1 in place (tx_q0_zero_copy), and every xstat,
#    the kernel's socket counters included, reads as testpmd itself shows it;
#    --show-mempool walks the zcpool pool;
#  - dpdk-dumpcap -i 0 -c N writes the next N frames of port 0 to a pcapng file,
#    which capinfos reads back with N packets;
#  - test_zcrx_secondary: both ports visible, rx and tx bursts refused (logged
#    once) without taking a frame or a buffer, the primary's pool usable; the
#    frames that waited on port 0 meanwhile are all forwarded afterwards.
# dpdk-dumpcap takes no -d: every process loads the drivers from EAL's plugin
# directory, as after meson install, here a copy holding ours too, mounted over
# it in a private mount namespace. All then number the mempool ops alike.
#   testpmd_mp.sh BUILD_DIR EAL_PLUGIN_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
if [ -z "${ZC_MP_NS:-}" ]; then
	topo_skip_unless_able
	ZC_MP_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
. "$here/../plugins.sh"
. "$here/testpmd_fifo.sh"
build=$1 pmd_dir=$2
command -v capinfos >/dev/null ||
	{ echo "SKIP: capinfos not found (Debian package wireshark-common)"; exit 77; }
# Secondaries map the primary's hugepage files: neither --in-memory nor --no-huge.
if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt 256 ]; then
	echo "SKIP: fewer than 256 free hugepages (secondary processes share the primary's)"
	exit 77
fi
pfx=zm$$
tp_test_begin "$pfx" "$build" dpdk-proc-info dpdk-dumpcap
plugins=$(mktemp_private pmds)
huge_dirs=$(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
mp_test_end() {
	veth_test_end
	local d
	for d in $huge_dirs; do rm -f "$d/${pfx}map_"*; done
	rm -rf "/var/run/dpdk/$pfx" "$plugins"
}
trap mp_test_end EXIT
cp -a "$pmd_dir/." "$plugins/"
cp "$ZCPOOL_SO" "$ZCRX_SO" "$plugins/"
mount --bind "$plugins" "$pmd_dir" || { echo "SKIP: cannot mount over $pmd_dir"; exit 77; }
# A sanitizer build's drivers need their runtime first in DPDK's own programs, whose
# leaks (DPDK's, not instrumented) are not this test's; and the primary's memory
# where ASan maps nothing (high memory, below its allocator), or a secondary may
# find the primary's addresses taken.
dpdk_env=(env) tp_mem=()
asan_rt=$(ldd "$ZCRX_SO" | awk '$1 ~ /^libasan/ {print $3}')
if [ -n "$asan_rt" ]; then
	dpdk_env+=("LD_PRELOAD=$asan_rt" "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
	tp_mem=(--base-virtaddr 0x300000000000)
fi

tp_launch tp 3 "${dpdk_env[@]}" -- -l 0,1 --no-pci --file-prefix "$pfx" "${tp_mem[@]}" \
	--mbuf-pool-ops-name zcpool \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -i --forward-mode=io --no-flush-rx ||
	{ cat "$tmp/tp.out"; echo "FAIL: testpmd did not start"; exit 1; }
DUT_PID=$tp_pid
cmd() { tp_do tp 3 "$1"; }
pool=$(sed -n 's/.*create a new mbuf pool <\([^>]*\)>.*/\1/p' "$tmp/tp.out" | head -n 1)
if [ -z "$pool" ] || ! grep -q "preferred mempool ops selected: zcpool" "$tmp/tp.out"; then
	cat "$tmp/tp.out"
	echo "FAIL: testpmd made no zcpool pool"
	exit 1
fi
sec_eal=(--file-prefix "$pfx" --no-pci)

# recv_start N: receive N frames in namespace b (20 s at most), in the background.
recv_start() {
	ip netns exec "${TOPO}b" python3 "$here/frames.py" recv "${TOPO}b1" "$1" 20 \
		>"$tmp/recv" &
	rx=$!
	sleep 0.5
}
# recv_check WHAT: the frames recv_start waits for arrived, intact.
recv_check() {
	wait $rx || { cat "$tmp/recv" "$tmp/tp.out"; echo "FAIL: a -> b $1"; exit 1; }
	echo "ok: a -> b $1: $(cat "$tmp/recv")"
}
# send N: N frames from namespace a to namespace b, through port 0 then port 1.
send() {
	ip netns exec "${TOPO}a" python3 "$here/frames.py" send "${TOPO}a1" \
		"$(topo_mac "${TOPO}b" "${TOPO}b1")" "$1" >/dev/null
}
# stat PORT NAME FILE: basic counter NAME (RX-packets, ...) of PORT in proc-info's FILE.
stat() {
	awk -v port="$1" -v name="$2:" '/NIC statistics for port/ {p = ($(NF - 1) == port)}
		p && $1 == name {print $2; exit}' "$3"
}
# xstats PORT FILE: "name: value" lines of PORT's block in FILE (proc-info or testpmd).
xstats() {
	awk -v port="$1" '/NIC extended statistics for port/ {p = ($7 == port); next}
		/statistics for port/ {p = 0}
		p && /^ *[a-z0-9_]+: [0-9]+$/ {print $1, $2}' "$2" | sort
}

cmd "start"
recv_start 1000
send 1000
recv_check "1000 frames forwarded"
cmd "stop"
# proc-info shows one of --stats and --xstats per run, the first it was given.
for what in stats xstats; do
	timeout 60 "${dpdk_env[@]}" dpdk-proc-info "${sec_eal[@]}" -- "--$what" >>"$tmp/info" 2>&1 ||
		{ cat "$tmp/info"; echo "FAIL: dpdk-proc-info --$what"; exit 1; }
done
if grep -q "No Ethernet ports\|not supported\|no kernel socket counters" "$tmp/info"; then
	cat "$tmp/info"
	echo "FAIL: dpdk-proc-info does not see the net_zcrx ports"
	exit 1
fi
for c in "0 RX-packets" "1 TX-packets"; do
	read -r port name <<<"$c"
	v=$(stat "$port" "$name" "$tmp/info")
	[ "$v" = 1000 ] || { cat "$tmp/info"; echo "FAIL: port $port $name is '$v', not 1000"; exit 1; }
done
xstats 1 "$tmp/info" >"$tmp/x1"
for x in rx_q0_fill_from_pool rx_q0_rq_full xdp_q0_rx_dropped xdp_q0_rx_fill_ring_empty_descs; do
	grep -q "^$x: " "$tmp/x1" || { cat "$tmp/info"; echo "FAIL: no xstat $x"; exit 1; }
done
grep -qx "tx_q0_zero_copy: 1000" "$tmp/x1" ||
	{ cat "$tmp/x1"; echo "FAIL: port 1 did not send the 1000 frames in place"; exit 1; }
for port in 0 1; do
	cmd "show port xstats $port"
	xstats "$port" "$tmp/tp.last" >"$tmp/tp.x"
	xstats "$port" "$tmp/info" >"$tmp/info.x"
	diff "$tmp/tp.x" "$tmp/info.x" ||
		{ echo "FAIL: port $port: dpdk-proc-info's xstats (>) differ from testpmd's (<)"; exit 1; }
done
echo "ok: dpdk-proc-info: 1000 frames in on port 0 and out on port 1, xstats as testpmd's"
if ! timeout 60 "${dpdk_env[@]}" dpdk-proc-info "${sec_eal[@]}" -- --show-mempool >"$tmp/pools" 2>&1 ||
   ! grep -q "$pool" "$tmp/pools"; then
	cat "$tmp/pools"
	echo "FAIL: dpdk-proc-info --show-mempool"
	exit 1
fi
echo "ok: dpdk-proc-info --show-mempool lists $pool"

cmd "start"
timeout 60 "${dpdk_env[@]}" dpdk-dumpcap --file-prefix "$pfx" -i 0 -c 200 -w "$tmp/cap.pcapng" \
	>"$tmp/dumpcap" 2>&1 &
cap=$!
# Its counter starts (on stderr) once the primary copies the frames.
for _ in $(seq 200); do
	grep -q "Packets captured:" "$tmp/dumpcap" && break
	kill -0 $cap 2>/dev/null || break
	sleep 0.1
done
recv_start 200
send 200
recv_check "200 frames forwarded while dpdk-dumpcap captures"
if ! wait $cap || ! grep -q "Capturing on 'net_zcrx0'" "$tmp/dumpcap"; then
	cat "$tmp/dumpcap"
	echo "FAIL: dpdk-dumpcap did not capture 200 frames on net_zcrx0"
	exit 1
fi
cmd "stop"
n=$(capinfos -c -M "$tmp/cap.pcapng" | awk -F': *' '/Number of packets/ {print $2}')
[ "$n" = 200 ] ||
	{ capinfos "$tmp/cap.pcapng"; cat "$tmp/dumpcap"; echo "FAIL: the pcapng holds '$n' packets, not 200"; exit 1; }
echo "ok: dpdk-dumpcap wrote the 200 frames port 0 received, capinfos reads them"

# Forwarding stopped: 64 frames wait on port 0 while the secondary bursts (and
# --no-flush-rx keeps testpmd from dropping them at start). The secondary's lcore
# id differs from testpmd's: mempool caches are per lcore id, in shared memory.
recv_start 64
send 64
# DPDK 22.11's vdev bus leaks the devargs of each device a secondary learns from the
# primary (insert_vdev() does not list them, so rte_vdev_uninit() cannot free them).
echo "leak:insert_vdev" >"$tmp/lsan.supp"
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$tmp/lsan.supp \
	"$build/test/test_zcrx_secondary" --secondary "${sec_eal[@]}" --lcores 2@0 -- "$pool" \
	>"$tmp/sec" 2>&1 || { cat "$tmp/sec"; echo "FAIL: test_zcrx_secondary"; exit 1; }
[ "$(grep -c "work in the primary process only" "$tmp/sec")" = 1 ] ||
	{ cat "$tmp/sec"; echo "FAIL: the secondary's bursts were not refused, once, in the log"; exit 1; }
cmd "start"
recv_check "64 frames that waited through the secondary's refused bursts"
cmd "stop"

tp_quit 3
if grep -E "PANIC|Segmentation|Sanitizer|runtime error|net_zcrx: .*(cannot|failed|lost)" \
	"$tmp/tp.out"; then
	echo "FAIL: errors logged"
	exit 1
fi
echo "PASS: dpdk-proc-info, dpdk-dumpcap and a secondary process work against testpmd's net_zcrx ports"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Packet rate and CPU cost of net_zcrx against DPDK's own net_af_xdp, with the
# same topology and the same generator for both, in one run:
#
#   namespace a (generator)      root namespace (DUT)                  namespace b
#   testpmd txonly, 64 B  --veth-->  port 0 (a0)  -- rxonly: counted
#   over net_af_packet (a1)          port 0 (a0)  -- io -->  port 1 (b0) --veth--> b1 (dropped)
#
#   rxonly  one DUT port on a0, testpmd --forward-mode=rxonly;
#   io-fwd  two DUT ports, testpmd --forward-mode=io: in on port 0, out on port 1.
#           net_zcrx: both ports use testpmd's single zcpool pool (one area = one
#           shared UMEM), so forwarding is zero-copy (checked: tx_q0_zero_copy > 0).
#           net_af_xdp: default devargs (its 22.11 build cannot share a UMEM here);
#           each port registers testpmd's pool as a UMEM of its own.
#
# Each repetition runs every configuration once, drivers interleaved (zcrx, af_xdp,
# zcrx, af_xdp), so drifting noise hits both alike. Each run starts a fresh DUT
# testpmd, lets it forward for a warm-up second, then measures a window of
# --seconds: receive rate = port 0 Rx-pps, forwarded rate = port 1 Tx-pps (both
# testpmd's "show port stats" over the window), the generator's Tx-pps over the
# same window, and the DUT's "CPU cycles/packet" printed at "stop" by
# --record-core-cycles (busy cycles of the forwarding lcore, i.e. cycles spent in
# bursts that received something, per received packet, over the whole run).
# Output: median [min-max] per configuration and the ratios net_zcrx/net_af_xdp.
#
# CPU placement (2 cores): the generator forwards on CPU 0 (-l 0,1 --main-lcore 1)
# and the DUT on CPU 1 (-l 0,1, main lcore 0, --nb-cores=1). The main lcores of
# both sit idle at the interactive prompt (blocking read), so each CPU has one
# busy poller. veth runs the receive side's XDP (redirect into the AF_XDP
# socket, copy into the UMEM) in the sender's softirq, i.e. on the generator's CPU:
# CPU 0 = generator + kernel receive, CPU 1 = DUT user space + its transmit
# syscalls (copy-mode AF_XDP transmit and namespace b's receive run inside its
# sendto()). Running the generator on -l 1 or both pollers on one CPU gave
# unstable numbers; this arrangement gave the steadiest. When the DUT keeps up,
# the rate is set by CPU 0 and the drivers differ in cycles per packet.
# Both testpmds use --total-num-mbufs (default pools are 160k mbufs: slow to start
# and a 370 MB UMEM per af_xdp port), the drivers' default ring sizes (2048).
#
# Frames carry the root-side veth's MAC (--eth-peer) and go nowhere else: the
# root-side veths have IPv4 forwarding off and no addresses, namespace b has no
# routes. Everything made here (namespaces, veths, files, processes, staged
# plugin copies it created) goes at exit, also on Ctrl-C.
#
#   devtools/bench-pmd.sh [--runs R] [--seconds S] [--out FILE.md] [--build DIR]
#     --runs R      repetitions (default 5)
#     --seconds S   measured window per run (default 5); a run takes S + ~2 s,
#                   so the defaults take about 2 minutes (4 configurations x 5)
#     --out FILE    also write the results as a markdown table
#     --build DIR   build directory with the drivers (default: build)
# Exit status: 0 when every run received packets, 1 when a run failed, 2 on usage.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=5 secs=5 out= build=$top/build
warmup=1
mbufs=32768

usage() { sed -n '/^#   devtools\/bench-pmd.sh/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench-pmd: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:-}; shift 2 || die "--runs needs a value" ;;
	--seconds) secs=${2:-}; shift 2 || die "--seconds needs a value" ;;
	--out) out=${2:-}; shift 2 || die "--out needs a file" ;;
	--build) build=${2:-}; shift 2 || die "--build needs a directory" ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs must be a positive integer, got '$runs'" ;; esac
case "$secs" in ''|*[!0-9]*|0) die "--seconds must be a positive integer, got '$secs'" ;; esac
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-pmd: must run as root (network namespaces, veth pairs, AF_XDP, hugepages); rerun with sudo" >&2
	exit 1
fi
build=$(cd "$build" 2>/dev/null && pwd) || die "no build directory '$build'; build with devtools/build.sh"
for so in drivers/mempool/zcpool/libzc_mempool_zcpool.so drivers/net/zcrx/libzc_net_zcrx.so; do
	[ -f "$build/$so" ] || die "$build/$so missing; build with devtools/build.sh"
done
if [ -n "$out" ]; then
	: >"$out" 2>/dev/null || die "cannot write '$out'"
fi

eval "$("$top/devtools/setup.sh" --env)"
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found; run devtools/setup.sh"
. "$top/test/veth/topo.sh"
. "$top/test/plugins.sh"

# --- clean-up of everything made below -------------------------------------
tmp=
gen_pid= dut_pid=
stage_made=
stop_pid() { # stop_pid PID: SIGTERM (testpmd then closes its ports), SIGKILL after 5 s
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	trap - EXIT INT TERM
	exec 3>&- 4>&- 2>/dev/null || true
	[ -n "$dut_pid" ] && stop_pid "$dut_pid"
	[ -n "$gen_pid" ] && stop_pid "$gen_pid"
	topo_down || true
	[ -n "$tmp" ] && rm -rf "$tmp"
	if [ -n "$stage_made" ]; then
		rm -rf "$stage_made"
		rmdir "$(dirname "$stage_made")" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'echo "bench-pmd: interrupted" >&2; exit 130' INT TERM

topo_skip_unless_able >/dev/null || { echo "bench-pmd: cannot create veth pairs here" >&2; exit 1; }

# plugins_stage keeps per-build copies in a directory the test suite shares
# (/run/zcrx-plugins for root): remove ours at exit only if this run made it.
staged_before=$(ls -1 /run/zcrx-plugins 2>/dev/null || true)
plugins_stage "$build"
if ! grep -qxF "$(basename "$(dirname "$ZCPOOL_SO")")" <<<"$staged_before"; then
	stage_made=$(dirname "$ZCPOOL_SO")
fi
# The staged copies find the project's libraries here (as meson's test env does).
export LD_LIBRARY_PATH="$build/lib/zcmem:$build/drivers/mempool/zcpool:$LD_LIBRARY_PATH"
tmp=$(mktemp -d /tmp/bench-pmd.XXXXXX)

# Another busy process on this 2-core machine makes every number meaningless: say so.
cpu_busy_pct() { # share of both CPUs busy over one second
	local a b
	a=($(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat))
	sleep 1
	b=($(awk '/^cpu / {print $2+$3+$4+$7+$8, $5+$6}' /proc/stat))
	awk -v bu=$((b[0] - a[0])) -v id=$((b[1] - a[1])) 'BEGIN {printf "%d", 100 * bu / (bu + id + 1e-9)}'
}
busy=$(cpu_busy_pct)
if [ "$busy" -gt 10 ]; then
	echo "bench-pmd: warning: the machine is already ${busy}% busy before the benchmark; results will be noisy" >&2
fi

mem_args() { # mem_args TAG: hugepages when there are enough, else plain memory
	if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 256 ]; then
		echo "--in-memory"
	else
		echo "--no-huge -m 1024 --file-prefix bench$$$1"
	fi
}

# --- driving an interactive testpmd through a fifo -------------------------
# tp_launch NAME FD NETNS ARGS...: start testpmd -i reading commands from a fifo
# opened on FD; waits for its first prompt. Sets tp_pid.
tp_launch() {
	local name=$1 fd=$2 ns=$3 pre=()
	shift 3
	rm -f "$tmp/$name.cmd"
	mkfifo "$tmp/$name.cmd"
	[ -n "$ns" ] && pre=(ip netns exec "$ns")
	"${pre[@]}" stdbuf -oL dpdk-testpmd "$@" <"$tmp/$name.cmd" >"$tmp/$name.out" 2>&1 &
	tp_pid=$!
	eval "exec $fd>\"$tmp/$name.cmd\""
	tp_wait "$name" 1 30
}
# tp_wait NAME N TIMEOUT_S: until testpmd has printed its prompt N times.
tp_wait() {
	local i
	for i in $(seq $(($3 * 20))); do
		[ "$(grep -o 'testpmd>' "$tmp/$1.out" | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# tp_cmd NAME FD CMD: run a command and wait for the next prompt; its output is
# left in $tmp/NAME.last.
tp_cmd() {
	local name=$1 fd=$2 n off
	n=$(grep -o 'testpmd>' "$tmp/$name.out" | wc -l)
	off=$(stat -c %s "$tmp/$name.out")
	echo "$3" >&"$fd"
	tp_wait "$name" $((n + 1)) 20 || return 1
	tail -c +$((off + 1)) "$tmp/$name.out" >"$tmp/$name.last"
}
# pps FILE PORT Rx|Tx: the rate testpmd printed for PORT in a "show port stats" output.
pps() {
	awk -v port="$2" -v key="$3-pps:" '
		/NIC statistics for port/ {p = $0; sub(/.*port /, "", p); sub(/ .*/, "", p)}
		p == port && $1 == key {print $2; exit}' "$1"
}
# stat_of FILE PORT FIELD: a counter from a "show port stats" output (e.g. RX-missed:).
stat_of() {
	awk -v port="$2" -v key="$3" '
		/NIC statistics for port/ {p = $0; sub(/.*port /, "", p); sub(/ .*/, "", p)}
		p == port {for (i = 1; i < NF; i++) if ($i == key) {print $(i + 1); exit}}' "$1"
}

# --- topology and generator --------------------------------------------------
topo_up "zb$$"
for s in a b; do
	sysctl -qw "net.ipv4.conf.${TOPO}${s}0.forwarding=0"
	ip netns exec "${TOPO}$s" sysctl -qw net.ipv4.conf.all.forwarding=0
done
amac=$(cat "/sys/class/net/${TOPO}a0/address")

# shellcheck disable=SC2046
tp_launch gen 3 "${TOPO}a" -l 0,1 --main-lcore 1 --no-pci $(mem_args g) \
	--log-level=lib.eal:warning --vdev "net_af_packet0,iface=${TOPO}a1" -- -i \
	--forward-mode=txonly --txpkts=64 --eth-peer="0,$amac" --total-num-mbufs=$mbufs ||
	{ tail -n 30 "$tmp/gen.out" >&2; echo "bench-pmd: the generator did not start" >&2; exit 1; }
gen_pid=$tp_pid
tp_cmd gen 3 start || { tail -n 30 "$tmp/gen.out" >&2; echo "bench-pmd: the generator did not start" >&2; exit 1; }

# --- one run ------------------------------------------------------------------
# run_one CONFIG DRIVER REP: appends "config driver rep status rx fwd cycles gen missed"
# to $tmp/results (rates in Mpps; "-" when not applicable).
failed=0
run_one() {
	local cfg=$1 drv=$2 rep=$3 log="$tmp/dut.$cfg.$drv.$rep" dev=() fwd ports=1
	local rx tx cyc gen miss0 miss1 rxpk txpk why=
	case "$drv" in
	net_zcrx) dev=(--mbuf-pool-ops-name zcpool -d "$ZCPOOL_SO" -d "$ZCRX_SO"
		--vdev "net_zcrx0,iface=${TOPO}a0") ;;
	net_af_xdp) dev=(--vdev "net_af_xdp0,iface=${TOPO}a0") ;;
	esac
	if [ "$cfg" = io-fwd ]; then
		fwd=io ports=2
		case "$drv" in
		net_zcrx) dev+=(--vdev "net_zcrx1,iface=${TOPO}b0") ;;
		net_af_xdp) dev+=(--vdev "net_af_xdp1,iface=${TOPO}b0") ;;
		esac
	else
		fwd=rxonly
	fi
	kill -0 "$gen_pid" 2>/dev/null ||
		{ tail -n 30 "$tmp/gen.out" >&2; echo "bench-pmd: the generator died" >&2; exit 1; }
	# shellcheck disable=SC2046
	if ! tp_launch dut 4 "" -l 0,1 --no-pci $(mem_args "d$rep") --log-level=lib.eal:warning \
		"${dev[@]}" -- -i --forward-mode=$fwd --nb-cores=1 --record-core-cycles \
		--total-num-mbufs=$mbufs --auto-start; then
		why="testpmd did not start"
	else
		dut_pid=$tp_pid
		sleep "$warmup"
		tp_cmd dut 4 "show port stats all" && tp_cmd gen 3 "show port stats 0" &&
			sleep "$secs" &&
			tp_cmd dut 4 "show port stats all" && cp "$tmp/dut.last" "$tmp/dut.win" &&
			tp_cmd gen 3 "show port stats 0" && cp "$tmp/gen.last" "$tmp/gen.win" &&
			{ [ "$cfg" != io-fwd ] || tp_cmd dut 4 "show port xstats 1"; } &&
			{ [ "$cfg" != io-fwd ] || cp "$tmp/dut.last" "$tmp/dut.xstats"; } &&
			tp_cmd dut 4 stop || why="testpmd stopped answering"
	fi
	exec 4>&-
	if [ -n "$dut_pid" ]; then
		# quit came from the closed fifo (end of input); give testpmd time to close its ports.
		local i
		for i in $(seq 100); do kill -0 "$dut_pid" 2>/dev/null || break; sleep 0.05; done
		stop_pid "$dut_pid"
		dut_pid=
	fi
	cp "$tmp/dut.out" "$log"
	if [ -z "$why" ]; then
		rx=$(pps "$tmp/dut.win" 0 Rx)
		tx=$(pps "$tmp/dut.win" $((ports - 1)) Tx)
		gen=$(pps "$tmp/gen.win" 0 Tx)
		miss0=$(stat_of "$tmp/dut.win" 0 RX-missed:)
		cyc=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$log" | tail -n 1)
		rxpk=$(awk '/Accumulated forward statistics/ {b = 1} b && $1 == "RX-packets:" {print $2; exit}' "$log")
		txpk=$(awk '/Accumulated forward statistics/ {b = 1} b && $1 == "TX-packets:" {print $4; exit}' "$log")
		if [ "${rxpk:-0}" -le 0 ] || [ "${rx:-0}" -le 0 ]; then
			why="the DUT received no packets"
		elif [ "$cfg" = io-fwd ] && [ "${txpk:-0}" -le 0 ]; then
			why="the DUT forwarded no packets"
		elif [ "$drv" = net_zcrx ] && grep -q "received packets are copied" "$log"; then
			why="net_zcrx fell back to its copy path (pool is not a zcpool pool)"
		elif [ "$drv" = net_zcrx ] && [ "$cfg" = io-fwd ] &&
			! grep -qE "tx_q0_zero_copy: [1-9]" "$tmp/dut.xstats"; then
			why="net_zcrx did not forward in place (no tx_q0_zero_copy)"
		elif [ -z "$cyc" ]; then
			why="no CPU cycles/packet in the testpmd output"
		fi
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		printf '%s %s %s FAIL - - - - -\n' "$cfg" "$drv" "$rep" >>"$tmp/results"
		{
			echo "bench-pmd: FAIL: $cfg $drv run $rep: $why; last lines of its testpmd log:"
			tail -n 25 "$log" | sed 's/^/    /'
		} >&2
		return 0
	fi
	[ "$cfg" = io-fwd ] || tx=-
	printf '%s %s %s ok %s %s %s %s %s\n' "$cfg" "$drv" "$rep" \
		"$(awk -v v="$rx" 'BEGIN {printf "%.4f", v / 1e6}')" \
		"$(if [ "$tx" = - ]; then echo -; else awk -v v="$tx" 'BEGIN {printf "%.4f", v / 1e6}'; fi)" \
		"$cyc" "$(awk -v v="$gen" 'BEGIN {printf "%.4f", v / 1e6}')" "${miss0:-0}" >>"$tmp/results"
	printf '  run %d/%d %-6s %-10s rx %6.3f Mpps%s  %8.1f cycles/pkt  (generator %.3f Mpps)\n' \
		"$rep" "$runs" "$cfg" "$drv" "$(awk -v v="$rx" 'BEGIN {print v / 1e6}')" \
		"$(if [ "$tx" = - ]; then echo; else awk -v v="$tx" 'BEGIN {printf "  fwd %6.3f Mpps", v / 1e6}'; fi)" \
		"$cyc" "$(awk -v v="$gen" 'BEGIN {print v / 1e6}')" >&2
}

# --- the benchmark ------------------------------------------------------------
started=$(date +%s)
echo "bench-pmd: $runs runs x ${secs} s, configurations rxonly and io-fwd, drivers interleaved (about $((runs * 4 * (secs + warmup + 2))) s)" >&2
: >"$tmp/results"
for rep in $(seq "$runs"); do
	for cfg in rxonly io-fwd; do
		for drv in net_zcrx net_af_xdp; do
			run_one "$cfg" "$drv" "$rep"
		done
	done
done
elapsed=$(($(date +%s) - started))

# --- report -------------------------------------------------------------------
# summary CONFIG DRIVER COLUMN: "median min max n" of a results column over ok runs.
summary() {
	awk -v c="$1" -v d="$2" -v k="$3" '$1 == c && $2 == d && $4 == "ok" && $k != "-" {print $k}' \
		"$tmp/results" | sort -g | awk '{v[NR] = $1}
		END {if (NR == 0) {print "- - - 0"; exit}
		     m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		     print m, v[1], v[NR], NR}'
}
fmt() { # fmt "median min max n" DECIMALS -> "m [min-max]"
	awk -v s="$1" -v d="$2" 'BEGIN {split(s, a, " ")
		if (a[4] == 0) {print "-"; exit}
		printf "%.*f [%.*f-%.*f]", d, a[1], d, a[2], d, a[3]}'
}
ratio() { # ratio "median.. of zcrx" "median.. of af_xdp"
	awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " ")
		if (x[4] == 0 || y[4] == 0 || y[1] == 0) {print "-"; exit}
		printf "%.2fx", x[1] / y[1]}'
}
host=$(uname -r)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
title="net_zcrx vs net_af_xdp: $runs runs x $secs s, 64-byte frames, testpmd txonly over net_af_packet on CPU 0, DUT testpmd on CPU 1"
{
	echo "$title"
	echo "kernel $host, $cpu; machine ${busy}% busy before start; $elapsed s"
	echo "median [min-max]; rates in Mpps; cycles = DUT busy cycles per received packet"
	printf '%-7s %-12s %-24s %-24s %-24s %-22s %s\n' config driver "DUT rx Mpps" "fwd (port 1 tx) Mpps" \
		"cycles/packet" "generator tx Mpps" "runs ok"
	for cfg in rxonly io-fwd; do
		for drv in net_zcrx net_af_xdp; do
			rx=$(summary "$cfg" "$drv" 5) tx=$(summary "$cfg" "$drv" 6)
			cy=$(summary "$cfg" "$drv" 7) ge=$(summary "$cfg" "$drv" 8)
			printf '%-7s %-12s %-24s %-24s %-24s %-22s %s/%s\n' "$cfg" "$drv" "$(fmt "$rx" 3)" \
				"$(fmt "$tx" 3)" "$(fmt "$cy" 0)" "$(fmt "$ge" 3)" "${rx##* }" "$runs"
		done
		printf '%-7s %-12s %-24s %-24s %-24s\n' "$cfg" "zcrx/af_xdp" \
			"$(ratio "$(summary "$cfg" net_zcrx 5)" "$(summary "$cfg" net_af_xdp 5)")" \
			"$(ratio "$(summary "$cfg" net_zcrx 6)" "$(summary "$cfg" net_af_xdp 6)")" \
			"$(ratio "$(summary "$cfg" net_zcrx 7)" "$(summary "$cfg" net_af_xdp 7)")"
	done
}
if [ -n "$out" ]; then
	{
		echo "### $title"
		echo
		echo "kernel $host, $cpu; machine ${busy}% busy before start; $elapsed s. Median [min-max];"
		echo "rates in Mpps; cycles = DUT busy cycles per received packet (testpmd --record-core-cycles)."
		echo
		echo "| config | driver | DUT rx Mpps | fwd (port 1 tx) Mpps | cycles/packet | generator tx Mpps | runs ok |"
		echo "|---|---|---|---|---|---|---|"
		for cfg in rxonly io-fwd; do
			for drv in net_zcrx net_af_xdp; do
				rx=$(summary "$cfg" "$drv" 5) tx=$(summary "$cfg" "$drv" 6)
				cy=$(summary "$cfg" "$drv" 7) ge=$(summary "$cfg" "$drv" 8)
				echo "| $cfg | $drv | $(fmt "$rx" 3) | $(fmt "$tx" 3) | $(fmt "$cy" 0) | $(fmt "$ge" 3) | ${rx##* }/$runs |"
			done
			echo "| $cfg | **zcrx/af_xdp** | $(ratio "$(summary "$cfg" net_zcrx 5)" "$(summary "$cfg" net_af_xdp 5)") |" \
				"$(ratio "$(summary "$cfg" net_zcrx 6)" "$(summary "$cfg" net_af_xdp 6)") |" \
				"$(ratio "$(summary "$cfg" net_zcrx 7)" "$(summary "$cfg" net_af_xdp 7)") | | |"
		done
	} >"$out"
fi
if [ "$failed" -gt 0 ]; then
	echo "bench-pmd: $failed run(s) failed (see above)" >&2
	exit 1
fi

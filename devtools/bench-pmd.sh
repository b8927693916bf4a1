#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Packet rate and CPU cost of net_zcrx against DPDK's own net_af_xdp, with the
# same topology and the same generator for both, in one run:
#
#   namespace a (generator)          root namespace (DUT)                 namespace b
#   testpmd txonly, 64 B  --veth-->  port 0 (a0) -- rxonly: counted
#   over net_af_packet (a1)          port 0 (a0) -- io --> port 1 (b0) --veth--> b1 (dropped)
#
#   rxonly  one DUT port on a0, testpmd --forward-mode=rxonly;
#   io-fwd  two DUT ports, testpmd --forward-mode=io: in on port 0, out on port 1.
#           net_zcrx: both ports use testpmd's single zcpool pool (one area = one
#           shared UMEM), so forwarding is zero-copy (checked: tx_q0_zero_copy > 0).
#           net_af_xdp: default devargs (its 22.11 build cannot share a UMEM here):
#           each port registers testpmd's pool as a UMEM of its own.
#
# Each repetition runs every configuration once with the drivers interleaved
# (zcrx, af_xdp, zcrx, af_xdp, ...), so drifting noise hits both alike. A run
# starts a fresh DUT testpmd, lets it forward for half a second, then measures a
# window of --seconds:
#   DUT rx      port 0 Rx-pps of testpmd's "show port stats" over the window;
#   fwd         port 1 Tx-pps over the window (io-fwd);
#   cycles/pkt  the DUT's "CPU cycles/packet" printed at "stop" with
#               --record-core-cycles: TSC cycles the forwarding lcore spent in
#               bursts that received something, per received packet, whole run
#               (idle polls are not counted, for either driver);
#   DUT sys     share of the DUT forwarding thread's time spent in the kernel over
#               the window (tick-sampled from /proc), idle polls included: its
#               syscalls and the softirq work they run, such as copy-mode AF_XDP
#               transmit (one sendto() per burst), or net_af_xdp's recvfrom() on
#               every empty poll (22.11 turns busy polling on by default,
#               busy_budget=64; on veth it finds no NAPI to poll). Empty polls are
#               outside cycles/pkt, but they set how fast the loop comes back;
#   generator   the generator's Tx-pps over the same window: when the DUT's rate
#               equals it, the generator is the limit and the drivers differ in
#               cycles per packet only;
#   other       CPU time used by anything but the two testpmds during the window,
#               in % of the machine: above a few %, that run is disturbed.
# Output: median [min-max] per configuration, and the ratios net_zcrx/net_af_xdp
# taken per repetition (runs seconds apart), median [min-max] over repetitions;
# a run whose DUT received nothing fails, with its testpmd log, and the exit
# status is then 1.
#
# CPU placement (2 cores): the generator forwards on CPU 0 (-l 0,1 --main-lcore 1)
# and the DUT on CPU 1 (-l 0,1 --main-lcore 0, --nb-cores=1). Each testpmd needs
# a main lcore besides its forwarding one; both main lcores sit in a blocking
# read at the interactive prompt, so each CPU has exactly one busy poller. veth
# runs the receiving side's XDP (redirect to the AF_XDP socket, copy into the
# UMEM) in the sender's softirq: CPU 0 carries the generator and the kernel's
# receive path, CPU 1 the DUT and what its syscalls do (copy-mode AF_XDP
# transmit, namespace b's receive, inside sendto()). Both pollers on one CPU
# would be time-sliced by the scheduler, which would then set the numbers;
# swapping the CPUs (--gen-cpu 1) gave the same medians within the noise. The
# DUT keeps up with this generator (about 0.5 Mpps), so the rates are the
# generator's and the drivers differ in cycles per packet.
# The VM's host is shared: for tens of seconds at a time the cycles/packet figures
# rise 1.1x (io-fwd) to 2.5x (rxonly net_zcrx) or 3.5x (rxonly net_af_xdp, whose
# generator rate then also drops ~10%), presumably as the host places the two
# vCPUs differently (these costs are mostly cache lines crossing cores). "other"
# stays near 0 then: the VM cannot see it. Hence the interleaving and the ratios
# paired by repetition; compare medians only from runs of the same spell.
# Both testpmds use --total-num-mbufs=32768 (the default 160k-mbuf pool is slow to
# set up and makes a 370 MB UMEM per af_xdp port) and the drivers' default ring
# sizes (2048 for both).
#
# The frames carry the root-side veth's MAC (--eth-peer) and go nowhere else: the
# root-side veths have no address and IPv4 forwarding off, namespace b has no
# route. Everything made here (namespaces, veths, files, processes, the staged
# plugin copies if this run made them) goes at exit, also on Ctrl-C.
#
#   devtools/bench-pmd.sh [--runs R] [--seconds S] [--out FILE.md] [--build DIR]
#                         [--compare DIR] [--gen-cpu 0|1] [--zcrx-args A] [--af-xdp-args A]
#     --runs R       repetitions (default 5)
#     --seconds S    measured window per run (default 5); a run takes about S + 1 s,
#                    so the defaults take about 2 minutes (4 runs per repetition)
#     --out FILE     also write the results as a markdown table
#     --build DIR    build directory with the drivers (default: build)
#     --compare DIR  also run net_zcrx from another build directory ("zcrx-cmp"),
#                    interleaved with the others: A/B of a driver change
#     --gen-cpu N    CPU of the generator's forwarding lcore (default 0); the DUT
#                    forwards on the other one
#     --zcrx-args A, --af-xdp-args A
#                    extra devargs for every net_zcrx or net_af_xdp port, such as
#                    busy_budget=64 or busy_budget=0 (default: none)
# Exit status: 0 when every run received packets, 1 when a run failed, 2 on usage.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bench_name=bench-pmd
# shellcheck source=devtools/bench-lib.sh
. "$top/devtools/bench-lib.sh"
runs=5 secs=5 out='' build=$top/build cmp='' gen_cpu=0 zargs='' xdpargs=''
warmup=0.5
mbufs=32768

usage() { sed -n '/^#   devtools\/bench-pmd.sh/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:-}; shift 2 || die "--runs needs a value" ;;
	--seconds) secs=${2:-}; shift 2 || die "--seconds needs a value" ;;
	--out) out=${2:-}; shift 2 || die "--out needs a file" ;;
	--build) build=${2:-}; shift 2 || die "--build needs a directory" ;;
	--compare) cmp=${2:-}; shift 2 || die "--compare needs a directory" ;;
	--gen-cpu) gen_cpu=${2:-}; shift 2 || die "--gen-cpu needs 0 or 1" ;;
	--zcrx-args) zargs=,${2:-}; shift 2 || die "--zcrx-args needs devargs" ;;
	--af-xdp-args) xdpargs=,${2:-}; shift 2 || die "--af-xdp-args needs devargs" ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs must be a positive integer, got '$runs'" ;; esac
case "$secs" in ''|*[!0-9]*|0) die "--seconds must be a positive integer, got '$secs'" ;; esac
case "$gen_cpu" in 0|1) dut_cpu=$((1 - gen_cpu)) ;; *) die "--gen-cpu must be 0 or 1, got '$gen_cpu'" ;; esac
require_root
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (one for the generator, one for the DUT)"
build=$(check_build "$build")
[ -z "$cmp" ] || cmp=$(check_build "$cmp")
if [ -n "$out" ]; then
	: >"$out" 2>/dev/null || die "cannot write '$out'"
fi

eval "$("$top/devtools/setup.sh" --env)"
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found; run devtools/setup.sh"

# --- clean-up of everything made below -----------------------------------------
tmp='' gen_pid='' dut_pid='' stage_made=() eal_prefix=zbench$$-
cleanup() {
	trap - EXIT INT TERM
	bench_cleanup
}
trap cleanup EXIT
trap 'echo "bench-pmd: interrupted" >&2; exit 130' INT TERM

topo_skip_unless_able

declare -A so_pool so_pmd ld_path
variants=(net_zcrx)
stage "$build"
so_pool[net_zcrx]=$ZCPOOL_SO so_pmd[net_zcrx]=$ZCRX_SO
# The staged copies find the project's libraries here (as meson's test env does).
ld_path[net_zcrx]="$build/lib/zcmem:$build/drivers/mempool/zcpool:$LD_LIBRARY_PATH"
if [ -n "$cmp" ]; then
	variants+=(zcrx-cmp)
	stage "$cmp"
	so_pool[zcrx-cmp]=$ZCPOOL_SO so_pmd[zcrx-cmp]=$ZCRX_SO
	ld_path[zcrx-cmp]="$cmp/lib/zcmem:$cmp/drivers/mempool/zcpool:$LD_LIBRARY_PATH"
fi
drivers=("${variants[@]}" net_af_xdp)
tmp=$(mktemp -d /tmp/bench-pmd.XXXXXX)
hz=$(getconf CLK_TCK)
warn_if_busy

# ticks: machine busy ticks, both testpmds' ticks, the DUT forwarding thread's
# user and system ticks (/proc, in 1/CLK_TCK s).
ticks() {
	local w
	w=$(grep -lx "rte-worker-$dut_cpu" /proc/"$dut_pid"/task/*/comm 2>/dev/null | head -n 1 || true)
	echo "$(busy_ticks)" \
		"$(cat /proc/"$gen_pid"/stat /proc/"$dut_pid"/stat 2>/dev/null |
			awk '{sub(/^.*\) /, ""); t += $12 + $13} END {print t + 0}')" \
		"$(if [ -n "$w" ]; then awk '{sub(/^.*\) /, ""); print $12, $13}' "${w%comm}stat"; else echo 0 0; fi)"
}

# --- topology and generator ------------------------------------------------------
bench_topo_up "zb$$"
# shellcheck disable=SC2119 # (no extra generator arguments)
gen_start

# --- one run -----------------------------------------------------------------------
# run_one CONFIG DRIVER REP: appends to $tmp/results
#   config driver rep ok|FAIL rx_mpps fwd_mpps cycles gen_mpps dut_sys_pct other_pct
failed=0
run_one() {
	local cfg=$1 drv=$2 rep=$3 dev=() pre=() fwd=rxonly ports=1 why='' _
	local rx tx cyc gen rxpk txpk a b
	local log="$tmp/dut.$cfg.$drv.$rep"
	case "$drv" in
	net_af_xdp)
		dev=(--vdev "net_af_xdp0,iface=${TOPO}a0$xdpargs")
		[ "$cfg" = rxonly ] || dev+=(--vdev "net_af_xdp1,iface=${TOPO}b0$xdpargs") ;;
	*)
		pre=(env LD_LIBRARY_PATH="${ld_path[$drv]}")
		dev=(--mbuf-pool-ops-name zcpool -d "${so_pool[$drv]}" -d "${so_pmd[$drv]}"
			--vdev "net_zcrx0,iface=${TOPO}a0$zargs")
		[ "$cfg" = rxonly ] || dev+=(--vdev "net_zcrx1,iface=${TOPO}b0$zargs") ;;
	esac
	[ "$cfg" = rxonly ] || { fwd=io; ports=2; }
	kill -0 "$gen_pid" 2>/dev/null || gen_fail "died"
	tp_pid=''
	# shellcheck disable=SC2046
	if ! tp_launch dut 4 "${pre[@]}" -- -l 0,1 --main-lcore "$gen_cpu" --no-pci \
		$(mem_args "d$rep") --log-level=lib.eal:warning "${dev[@]}" -- -i \
		--forward-mode=$fwd --nb-cores=1 --record-core-cycles --total-num-mbufs=$mbufs \
		--auto-start; then
		why="testpmd did not start"
		dut_pid=$tp_pid
	else
		dut_pid=$tp_pid
		sleep "$warmup"
		if tp_cmd dut 4 "show port stats all" win0 && tp_cmd gen 3 "show port stats 0"; then
			a=$(ticks)
			sleep "$secs"
			b=$(ticks)
			tp_cmd dut 4 "show port stats all" win && tp_cmd gen 3 "show port stats 0" win &&
				{ [ "$cfg" = rxonly ] || tp_cmd dut 4 "show port xstats 1" xstats; } &&
				tp_cmd dut 4 stop || why="testpmd stopped answering"
		else
			why="testpmd stopped answering"
		fi
	fi
	echo quit >&4 2>/dev/null || true
	exec 4>&-
	if [ -n "$dut_pid" ]; then
		# Let testpmd close its ports (and detach the XDP programs) by itself.
		for _ in $(seq 100); do kill -0 "$dut_pid" 2>/dev/null || break; sleep 0.05; done
		stop_pid "$dut_pid"
		dut_pid=''
	fi
	cp "$tmp/dut.out" "$log"
	if [ -z "$why" ]; then
		rx=$(port_val "$tmp/dut.win" 0 Rx-pps:)
		tx=$(port_val "$tmp/dut.win" $((ports - 1)) Tx-pps:)
		gen=$(port_val "$tmp/gen.win" 0 Tx-pps:)
		cyc=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$log" | tail -n 1)
		rxpk=$(awk '/Accumulated forward statistics/ {b = 1} b && $1 == "RX-packets:" {print $2; exit}' "$log")
		txpk=$(awk '/Accumulated forward statistics/ {b = 1} b && $1 == "TX-packets:" {print $2; exit}' "$log")
		if grep -q "nb forwarding ports=0" "$log"; then
			why="no DUT port: the driver's probe failed"
		elif [ "${rxpk:-0}" -le 0 ] || [ "${rx:-0}" -le 0 ]; then
			why="the DUT received no packets"
		elif [ "$cfg" = io-fwd ] && [ "${txpk:-0}" -le 0 ]; then
			why="the DUT forwarded no packets"
		elif [ "$drv" != net_af_xdp ] && grep -q "received packets are copied" "$log"; then
			why="net_zcrx fell back to its copy path (the pool is not a zcpool pool)"
		elif [ "$drv" != net_af_xdp ] && [ "$cfg" = io-fwd ] &&
			! grep -qE "tx_q0_zero_copy: [1-9]" "$tmp/dut.xstats"; then
			why="net_zcrx did not forward in place (tx_q0_zero_copy is 0)"
		elif [ -z "$cyc" ]; then
			why="no CPU cycles/packet in the testpmd output"
		fi
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "$cfg $drv $rep FAIL - - - - - -" >>"$tmp/results"
		{
			echo "bench-pmd: FAIL: $cfg $drv run $rep: $why; its testpmd log (errors, then the end):"
			grep -iE "error|fail|cannot|invalid|unknown|refus" "$log" | head -n 8 | sed 's/^/    /' || true
			echo "    ..."
			tail -n 15 "$log" | sed 's/^/    /'
		} >&2
		return 0
	fi
	[ "$cfg" = io-fwd ] || tx=-
	awk -v c="$cfg" -v d="$drv" -v r="$rep" -v rx="$rx" -v tx="$tx" -v cyc="$cyc" -v gen="$gen" \
		-v hz="$hz" -v secs="$secs" -v a="$a" -v b="$b" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		w = (y[3] - x[3]) + (y[4] - x[4])
		sys = w > 0 ? (y[4] - x[4]) * 100 / w : 0
		other = ((y[1] - x[1]) - (y[2] - x[2])) * 100 / (2 * hz * secs)
		if (other < 0) other = 0
		printf "%s %s %s ok %.4f %s %s %.4f %.0f %.1f\n", c, d, r, rx / 1e6,
			tx == "-" ? "-" : sprintf("%.4f", tx / 1e6), cyc, gen / 1e6, sys, other}' \
		>>"$tmp/results"
	tail -n 1 "$tmp/results" | awk -v runs="$runs" '{
		printf "  run %d/%d %-6s %-10s rx %.3f Mpps%s  %7.1f cycles/pkt  DUT sys %3d%%  generator %.3f Mpps  other %4.1f%%%s\n",
			$3, runs, $1, $2, $5, $6 == "-" ? "" : sprintf("  fwd %.3f Mpps", $6), $7, $9, $8, $10,
			($10 > 5 ? "  (disturbed)" : "")}' >&2
}

# --- the benchmark -----------------------------------------------------------------
started=$(date +%s)
echo "bench-pmd: $runs runs x $secs s of rxonly and io-fwd for ${drivers[*]}, interleaved" \
	"(about $((runs * 2 * ${#drivers[@]} * (secs + 1) + 5)) s)" >&2
: >"$tmp/results"
for rep in $(seq "$runs"); do
	for cfg in rxonly io-fwd; do
		for drv in "${drivers[@]}"; do
			run_one "$cfg" "$drv" "$rep"
		done
	done
done
elapsed=$(($(date +%s) - started))

# --- report ------------------------------------------------------------------------
# rows SEP: the table's cells, separated by SEP; ratio rows follow each configuration.
rows() {
	local cfg drv v
	for cfg in rxonly io-fwd; do
		for drv in "${drivers[@]}"; do
			printf '%s\n' "$cfg" "$drv" "$(fmt "$(summary "$cfg" "$drv" 5)" 3)" \
				"$(fmt "$(summary "$cfg" "$drv" 6)" 3)" "$(fmt "$(summary "$cfg" "$drv" 7)" 0)" \
				"$(fmt "$(summary "$cfg" "$drv" 9)" 0 %)" "$(fmt "$(summary "$cfg" "$drv" 8)" 3)" \
				"$(summary "$cfg" "$drv" 10 | awk '$4 > 0 {printf "%.1f", $3; exit} {print "-"}')" \
				"$(summary "$cfg" "$drv" 5 | awk '{print $4}')/$runs" | paste -sd "$1"
		done
		for v in "${variants[@]}"; do
			printf '%s\n' "$cfg" "${v#net_}/af_xdp" "$(ratio "$cfg" "$v" 5)" "$(ratio "$cfg" "$v" 6)" \
				"$(ratio "$cfg" "$v" 7)" "" "" "" "" | paste -sd "$1"
		done
		if [ -n "$cmp" ]; then
			printf '%s\n' "$cfg" "cmp/zcrx" "$(ratio "$cfg" zcrx-cmp 5 net_zcrx)" \
				"$(ratio "$cfg" zcrx-cmp 6 net_zcrx)" "$(ratio "$cfg" zcrx-cmp 7 net_zcrx)" \
				"" "" "" "" | paste -sd "$1"
		fi
	done
}
head=(config driver "DUT rx Mpps" "fwd Mpps (port 1 tx)" "cycles/packet" "DUT sys"
	"generator Mpps" "other % (max)" "runs ok")
host=$(host_line)
title="net_zcrx${zargs:+ (${zargs#,})} vs net_af_xdp${xdpargs:+ (${xdpargs#,})}, $runs runs x $secs s, 64-byte frames; generator testpmd txonly/net_af_packet on CPU $gen_cpu, DUT testpmd on CPU $dut_cpu"
note="median [min-max]; cycles = DUT forwarding-lcore cycles per received packet in non-empty bursts; $host; ${busy}% busy before start; $elapsed s"
{
	echo "$title"
	echo "$note"
	{ printf '%s\n' "${head[@]}" | paste -sd '|'; rows '|'; } |
		awk -F'|' 'BEGIN {split("7 15 20 20 17 16 20 13 7", w, " ")}
			{for (i = 1; i <= NF; i++) printf "%-*s%s", w[i], $i, i < NF ? " " : "\n"}' |
		sed 's/ *$//'
}
if [ -n "$out" ]; then
	{
		echo "### $title"
		echo
		echo "$note"
		echo
		printf '| %s |\n' "$(printf '%s\n' "${head[@]}" | paste -sd '|' | sed 's/|/ | /g')"
		printf '|%s\n' "$(printf -- '---|%.0s' "${head[@]}")"
		rows '|' | sed 's/|/ | /g; s/^/| /; s/$/ |/'
	} >"$out"
fi
if [ "$failed" -gt 0 ]; then
	echo "bench-pmd: $failed run(s) failed (see above)" >&2
	exit 1
fi

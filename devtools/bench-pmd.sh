#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Packet rate and CPU cost of net_zcrx against DPDK's own net_af_xdp, with the
# same topology and the same generator for both, in one run:
#
#   namespace a (generator)          root namespace (DUT)                 namespace b
#   zc-xdpgen, 64 B      --veth-->   port 0 (a0) -- rxonly: counted
#   (live-frames XDP_TX on a1)       port 0 (a0) -- io --> port 1 (b0) --veth--> b1 (counted)
#
#   rxonly  one DUT port on a0, testpmd --forward-mode=rxonly;
#   io-fwd  two DUT ports, testpmd --forward-mode=io: in on port 0, out on port 1.
#           net_zcrx: both ports use testpmd's single zcpool pool (one area = one
#           shared UMEM), so forwarding is zero-copy (checked: tx_q0_zero_copy > 0).
#           net_af_xdp: default devargs (its 22.11 build cannot share a UMEM here):
#           each port registers testpmd's pool as a UMEM of its own.
#
# The generator (app/zc-xdpgen: BPF_PROG_RUN of an XDP_TX program with live
# frames, 4 threads on its CPU) offers several times what a DUT forwards, so the
# DUT is what saturates: "DUT busy" below checks that it never waits for frames.
# Each repetition runs every configuration once with the drivers interleaved
# (zcrx, af_xdp, zcrx, af_xdp, ...), so drifting noise hits both alike. A run
# starts a fresh DUT testpmd, lets it forward for half a second, then measures a
# window of --seconds:
#   offered     frames the generator put on its veth over the window (a1's tx
#               packets and tx_dropped: what a0's ring refused is offered too);
#   DUT rx      port 0 Rx-pps of testpmd's "show port stats" over the window;
#   fwd         frames the sink (b1) received over the window (io-fwd);
#   taken       DUT rx (rxonly) or fwd (io-fwd) over offered;
#   DUT busy    the share of the window the forwarding lcore spent in bursts that
#               received something (testpmd's --record-core-cycles cycles over
#               the window's TSC cycles); the rest it polled empty rings, waiting;
#   bound by    "generator" when the DUT took >= 95% of the offer or was busy
#               < 80% of the window (it waited for frames: its ratio says
#               nothing about the drivers), else "DUT";
#   cycles/pkt  the DUT's "CPU cycles/packet" with --record-core-cycles: TSC
#               cycles the forwarding lcore spent in bursts that received
#               something, per received packet, over the window;
#   kernel %    share of the DUT's CPU in the kernel over the window, from
#               perf record -e cpu-clock -C DUT_CPU (software sampling): copy-mode
#               AF_XDP transmit (skb, copy, veth xmit and the sink's receive) and the
#               syscalls; the rest is user space (the DUT);
#   user cycles cycles/pkt times the share outside the kernel: our side's cost;
#   DUT sys     the same split from /proc ticks of the DUT forwarding thread;
#   other       user and system CPU time of anything but the generator and the DUT
#               during the window, in % of the machine (interrupt time, which
#               their own packets cause, is left out): above a few %, that run is
#               disturbed.
# Output: median [min-max] per configuration, and the ratios net_zcrx/net_af_xdp
# taken per repetition (runs seconds apart), median [min-max] over repetitions;
# the hottest symbols on the DUT's CPU of each configuration's first run; a run
# whose DUT received nothing fails, with its testpmd log, and the exit status is 1.
#
# CPU placement (2 cores): the generator on CPU 0, the DUT's forwarding lcore on
# CPU 1 (-l 0,1 --main-lcore 0, --nb-cores=1; the main lcore sits in a blocking
# read at the prompt). veth runs a0's receive (the DUT's XDP program, the copy
# into the UMEM) in the generator's softirq, on CPU 0; CPU 1 carries the DUT and
# what its syscalls do (copy-mode AF_XDP transmit, namespace b's receive, inside
# sendto()).
# The VM's host is shared: cycles/packet figures drift for tens of seconds at a
# time; hence the interleaving and the ratios paired by repetition.
# Both testpmds use --total-num-mbufs=32768 and the drivers' default ring sizes.
#
# The frames carry a0's MAC and go nowhere else: the root-side veths have no
# address and IPv4 forwarding off, namespace b has no route. Everything made here
# (namespaces, veths, files, processes, the staged plugin copies if this run made
# them) goes at exit, also on Ctrl-C.
#
#   devtools/bench-pmd.sh [--runs R] [--seconds S] [--out FILE.md] [--build DIR]
#                         [--compare DIR] [--gen-cpu 0|1] [--zcrx-args A] [--af-xdp-args A]
#                         [--configs "rxonly io-fwd"]
#     --runs R       repetitions (default 5)
#     --seconds S    measured window per run (default 5); a run takes about S + 2 s
#     --out FILE     also write the results as a markdown table
#     --build DIR    build directory with the drivers and zc-xdpgen (default: build)
#     --compare DIR  also run net_zcrx from another build directory ("zcrx-cmp"),
#                    interleaved with the others: A/B of a driver change
#     --gen-cpu N    CPU of the generator (default 0); the DUT forwards on the other
#     --zcrx-args A, --af-xdp-args A
#                    extra devargs for every net_zcrx or net_af_xdp port, such as
#                    busy_budget=64 or busy_budget=0 (default: none)
#     --configs L    which configurations to run (default: rxonly io-fwd)
#     --raw FILE     also copy the raw results (one run a line) to FILE
# Exit status: 0 when every run received packets, 1 when a run failed, 2 on usage.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bench_name=bench-pmd
# shellcheck source=devtools/bench-lib.sh
. "$top/devtools/bench-lib.sh"
runs=5 secs=5 out='' build=$top/build cmp='' gen_cpu=0 zargs='' xdpargs='' configs='rxonly io-fwd' raw=''
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
	--configs) configs=${2:-}; shift 2 || die "--configs needs a list" ;;
	--raw) raw=${2:-}; shift 2 || die "--raw needs a file" ;;
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

# ticks: machine task ticks (user + system, see task_ticks), the generator's and the DUT's ticks, the DUT forwarding thread's
# user and system ticks (/proc, in 1/CLK_TCK s).
ticks() {
	local w
	w=$(grep -lx "rte-worker-$dut_cpu" /proc/"$dut_pid"/task/*/comm 2>/dev/null | head -n 1 || true)
	echo "$(task_ticks)" \
		"$(cat /proc/"$gen_pid"/stat /proc/"$dut_pid"/stat 2>/dev/null |
			awk '{sub(/^.*\) /, ""); t += $12 + $13} END {print t + 0}')" \
		"$(if [ -n "$w" ]; then awk '{sub(/^.*\) /, ""); print $12, $13}' "${w%comm}stat"; else echo 0 0; fi)"
}

# --- topology and generator ------------------------------------------------------
bench_topo_up "zb$$"
gen_start "$build"

# --- one run -----------------------------------------------------------------------
# run_one CONFIG DRIVER REP: appends to $tmp/results
#   config driver rep ok|FAIL rx_mpps fwd_mpps cycles offered_mpps dut_sys_pct
#   other_pct kernel_pct taken_pct busy_pct user_cycles
failed=0
run_one() {
	local cfg=$1 drv=$2 rep=$3 dev=() pre=() fwd=rxonly why='' _
	local rx cyc busyc mhz rxpk txpk a b c0 c1 t0 t1
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
	[ "$cfg" = rxonly ] || fwd=io
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
		# (clear fwd stats: testpmd's cycle counts then cover the window only)
		if tp_cmd dut 4 "show port stats all" win0 && tp_cmd dut 4 "clear fwd stats all"; then
			a=$(ticks) c0=$(counters) t0=$EPOCHREALTIME
			profile_window "$secs" "$tmp/prof" "$dut_pid"
			b=$(ticks) c1=$(counters) t1=$EPOCHREALTIME
			tp_cmd dut 4 "show fwd stats all" fwd && tp_cmd dut 4 "show port stats all" win &&
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
		# "(total cycles=N ..." in 22.11, "(busy cycles=N ..." later
		cyc=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$tmp/dut.fwd" | tail -n 1)
		busyc=$(sed -n 's/.*CPU cycles\/packet=.*[a-z] cycles=\([0-9]*\) .*/\1/p' "$tmp/dut.fwd" | tail -n 1)
		mhz=$(sed -n 's/.* at \([0-9]*\) MHz Clock.*/\1/p' "$tmp/dut.fwd" | tail -n 1)
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
		elif [ -z "$cyc" ] || [ -z "$busyc" ] || [ -z "$mhz" ]; then
			why="no CPU cycles/packet in the testpmd output"
		fi
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "$cfg $drv $rep FAIL - - - - - - - - - -" >>"$tmp/results"
		{
			echo "bench-pmd: FAIL: $cfg $drv run $rep: $why; its testpmd log (errors, then the end):"
			grep -iE "error|fail|cannot|invalid|unknown|refus" "$log" | head -n 8 | sed 's/^/    /' || true
			echo "    ..."
			tail -n 15 "$log" | sed 's/^/    /'
		} >&2
		return 0
	fi
	[ -f "$tmp/top.$cfg.$drv" ] || cp "$tmp/prof.top" "$tmp/top.$cfg.$drv" 2>/dev/null || true
	awk -v c="$cfg" -v d="$drv" -v r="$rep" -v rx="$rx" -v cyc="$cyc" -v hz="$hz" \
		-v a="$a" -v b="$b" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" \
		-v busyc="$busyc" -v mhz="$mhz" \
		-v ks="$(cat "$tmp/prof.split")" 'BEGIN {
		split(a, x, " "); split(b, y, " "); split(c0, p, " "); split(c1, q, " "); split(ks, k, " ")
		w = t1 - t0
		t = (y[3] - x[3]) + (y[4] - x[4])
		sys = t > 0 ? (y[4] - x[4]) * 100 / t : 0
		other = ((y[1] - x[1]) - (y[2] - x[2])) * 100 / (2 * hz * w)
		if (other < 0) other = 0
		off = (q[1] - p[1]) / w / 1e6
		fwd = c == "rxonly" ? "-" : sprintf("%.4f", (q[2] - p[2]) / w / 1e6)
		taken = (c == "rxonly" ? rx / 1e6 : fwd) * 100 / off
		busy = busyc * 100 / (mhz * 1e6 * w)
		printf "%s %s %s ok %.4f %s %s %.4f %.0f %.1f %s %.1f %.1f %s\n", c, d, r, rx / 1e6, fwd, cyc,
			off, sys, other, k[1], taken, (busy > 100 ? 100 : busy),
			(k[1] == "-" ? "-" : sprintf("%.0f", cyc * (100 - k[1]) / 100))}' >>"$tmp/results"
	tail -n 1 "$tmp/results" | awk -v runs="$runs" '{
		printf "  run %d/%d %-6s %-10s offered %.3f  rx %.3f%s Mpps  taken %3.0f%%  busy %3.0f%%  %6.0f cycles/pkt  kernel %s%%  other %4.1f%%%s\n",
			$3, runs, $1, $2, $8, $5, $6 == "-" ? "" : sprintf("  fwd %.3f", $6), $12, $13, $7, $11, $10,
			($10 > 5 ? "  (disturbed)" : "")}' >&2
}

# --- the benchmark -----------------------------------------------------------------
started=$(date +%s)
read -ra cfgs <<<"$configs"
for cfg in "${cfgs[@]}"; do
	case "$cfg" in rxonly|io-fwd) ;; *) die "--configs: unknown configuration '$cfg'" ;; esac
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-pmd: $runs runs x $secs s of ${cfgs[*]} for ${drivers[*]}, interleaved" \
	"(about $((runs * ${#cfgs[@]} * ${#drivers[@]} * (secs + 3) + 5)) s); load $load0" >&2
: >"$tmp/results"
for rep in $(seq "$runs"); do
	for cfg in "${cfgs[@]}"; do
		for drv in "${drivers[@]}"; do
			run_one "$cfg" "$drv" "$rep"
		done
	done
done
elapsed=$(($(date +%s) - started))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
gen_sum=$(gen_stop)
[ -z "$raw" ] || cp "$tmp/results" "$raw"

# --- report ------------------------------------------------------------------------
# bound CONFIG DRIVER: "DUT" when the median run took less than gen_bound_share of
# what was offered and was busy at least dut_busy_share of the window, else
# "generator".
bound() {
	bound_by "$(summary "$1" "$2" 12)" "$(summary "$1" "$2" 13)"
}
# rows SEP: the table's cells, separated by SEP; ratio rows follow each configuration.
rows() {
	local cfg drv v
	for cfg in "${cfgs[@]}"; do
		for drv in "${drivers[@]}"; do
			printf '%s\n' "$cfg" "$drv" "$(fmt "$(summary "$cfg" "$drv" 8)" 3)" \
				"$(fmt "$(summary "$cfg" "$drv" 5)" 3)" "$(fmt "$(summary "$cfg" "$drv" 6)" 3)" \
				"$(fmt "$(summary "$cfg" "$drv" 12)" 0 %)" "$(fmt "$(summary "$cfg" "$drv" 13)" 0 %)" \
				"$(bound "$cfg" "$drv")" \
				"$(fmt "$(summary "$cfg" "$drv" 7)" 0)" "$(fmt "$(summary "$cfg" "$drv" 11)" 0 %)" \
				"$(fmt "$(summary "$cfg" "$drv" 14)" 0)" \
				"$(fmt "$(summary "$cfg" "$drv" 9)" 0 %)" \
				"$(summary "$cfg" "$drv" 10 | awk '$4 > 0 {printf "%.1f", $3; exit} {print "-"}')" \
				"$(summary "$cfg" "$drv" 5 | awk '{print $4}')/$runs" | paste -sd "$1"
		done
		for v in "${variants[@]}"; do
			printf '%s\n' "$cfg" "${v#net_}/af_xdp" "" "$(ratio "$cfg" "$v" 5)" \
				"$(ratio "$cfg" "$v" 6)" "" "" "" "$(ratio "$cfg" "$v" 7)" "" "$(ratio "$cfg" "$v" 14)" \
				"" "" "" | paste -sd "$1"
		done
		if [ -n "$cmp" ]; then
			printf '%s\n' "$cfg" "cmp/zcrx" "" "$(ratio "$cfg" zcrx-cmp 5 net_zcrx)" \
				"$(ratio "$cfg" zcrx-cmp 6 net_zcrx)" "" "" "" "$(ratio "$cfg" zcrx-cmp 7 net_zcrx)" \
				"" "$(ratio "$cfg" zcrx-cmp 14 net_zcrx)" "" "" "" | paste -sd "$1"
		fi
	done
}
# profiles: the hottest symbols on the DUT's CPU, first run of each configuration.
profiles() {
	local cfg drv
	for cfg in "${cfgs[@]}"; do
		for drv in "${drivers[@]}"; do
			[ -s "$tmp/top.$cfg.$drv" ] || continue
			echo "$cfg $drv (perf record -e cpu-clock -C $dut_cpu, share of samples, dso and symbol):"
			sed 's/^/    /' "$tmp/top.$cfg.$drv"
		done
	done
}
head=(config driver "offered Mpps" "DUT rx Mpps" "fwd Mpps (sink)" "taken" "DUT busy" "bound by"
	"cycles/packet" "kernel % (perf)" "user cycles/packet" "DUT sys (ticks)" "other % (max)" "runs ok")
host=$(host_line)
title="net_zcrx${zargs:+ (${zargs#,})} vs net_af_xdp${xdpargs:+ (${xdpargs#,})}, $runs runs x $secs s, 64-byte frames; generator zc-xdpgen (live-frames XDP_TX) on CPU $gen_cpu, DUT testpmd on CPU $dut_cpu"
note="median [min-max]; taken = what reached the DUT (rxonly) or the sink (io-fwd) over what was offered; DUT busy = share of the window the DUT spent on bursts that received something; a row that took >= $(awk -v s=$gen_bound_share 'BEGIN {print s * 100}')% or was busy < $(awk -v s=$dut_busy_share 'BEGIN {print s * 100}')% is bound by the generator; cycles = DUT forwarding-lcore cycles per received packet in non-empty bursts; $host; ${busy}% busy before start, load average $load0 at start, $load1 at the end; generator: ${gen_sum:-no summary}; $elapsed s"
{
	echo "$title"
	echo "$note"
	{ printf '%s\n' "${head[@]}" | paste -sd '|'; rows '|'; } |
		awk -F'|' 'BEGIN {split("7 15 20 20 20 13 13 10 17 15 15 13 8 7", w, " ")}
			{for (i = 1; i <= NF; i++) printf "%-*s%s", w[i], $i, i < NF ? " " : "\n"}' |
		sed 's/ *$//'
	profiles
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
		echo
		echo '<details><summary>Profiles of the DUT CPU</summary>'
		echo
		echo '```'
		profiles
		echo '```'
		echo
		echo '</details>'
	} >"$out"
fi
if [ "$failed" -gt 0 ]; then
	echo "bench-pmd: $failed run(s) failed (see above)" >&2
	exit 1
fi

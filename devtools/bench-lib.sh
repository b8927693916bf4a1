# shellcheck shell=bash disable=SC2154 # (the variables the sourcing script sets)
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Pieces shared by the veth benchmarks (bench-pmd.sh, bench-report.sh): the
# namespace topology with its generator (zc-xdpgen, app/zc-xdpgen), the sink's and
# the generator's counters, a profile of the DUT's CPU, staging the drivers,
# clean-up, and medians of a results file. Sourced; it only defines functions
# (and sources topo.sh, testpmd_fifo.sh and plugins.sh). The script that sources
# it sets:
#   bench_name        prefix of its messages ("bench-pmd")
#   tmp               its scratch directory: fifos, logs, $tmp/results
#   eal_prefix        EAL file prefix of its DPDK processes (removed at exit)
#   gen_cpu dut_cpu   the CPUs of the generator and of the DUT's forwarding lcore
# and keeps the pids of what must be stopped at exit in gen_pid and dut_pid, and
# the plugin copies it made in stage_made (bench_cleanup undoes all of it).
#
# $tmp/results holds one run per line: CONFIG VARIANT REP ok|FAIL VALUE..., "-"
# for a value that does not apply; summary and ratio read it (or $results_file).

bench_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/veth/topo.sh
. "$bench_lib_dir/../test/veth/topo.sh"
# shellcheck source=test/plugins.sh
. "$bench_lib_dir/../test/plugins.sh"
# shellcheck source=test/veth/testpmd_fifo.sh
. "$bench_lib_dir/../test/veth/testpmd_fifo.sh"

die() { echo "$bench_name: $*" >&2; exit 2; }

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$bench_name: must run as root (network namespaces, veth pairs, AF_XDP, hugepages); rerun with sudo" >&2
		exit 1
	fi
}

# check_build DIR: prints DIR's absolute path if it has both drivers.
check_build() {
	local d so
	d=$(cd "$1" 2>/dev/null && pwd) || die "no build directory '$1'; build with devtools/build.sh"
	for so in drivers/mempool/zcpool/libzc_mempool_zcpool.so drivers/net/zcrx/libzc_net_zcrx.so; do
		[ -f "$d/$so" ] || die "$d/$so missing; build with devtools/build.sh"
	done
	echo "$d"
}

# --- clean-up ------------------------------------------------------------------------
stop_pid() { # stop_pid PID [S]: SIGTERM (testpmd then closes its ports), SIGKILL after S (5) s
	local pid=$1 _
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq $((${2:-5} * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
# bench_cleanup: everything the functions below made; for an EXIT trap.
bench_cleanup() {
	local d
	exec 3>&- 4>&- 2>/dev/null || true
	[ -n "${dut_pid:-}" ] && stop_pid "$dut_pid"
	[ -n "${gen_pid:-}" ] && stop_pid "$gen_pid"
	dut_pid='' gen_pid=''
	topo_down || true
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
	rm -rf /var/run/dpdk/"$eal_prefix"*
	for d in ${stage_made[@]+"${stage_made[@]}"}; do
		rm -rf "$d"
		rmdir "$(dirname "$d")" 2>/dev/null || true
	done
	stage_made=()
}

# plugins_stage keeps per-build copies in a directory the test suite shares
# (/run/zcrx-plugins for root): remove a copy at exit only if this run made it.
# stage BUILD: plugins_stage, noting a copy made by this run.
stage() {
	local before
	before=$(ls -1 /run/zcrx-plugins 2>/dev/null || true)
	plugins_stage "$1"
	grep -qxF "$(basename "$(dirname "$ZCPOOL_SO")")" <<<"$before" ||
		stage_made+=("$(dirname "$ZCPOOL_SO")")
}

# --- the machine ---------------------------------------------------------------------
# Another busy process on this 2-core machine distorts every number: say so.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
# task_ticks: the machine's user and system ticks, without interrupts: the
# softirq time the generator's and the DUT's own packets cause (the receive into
# the UMEM, the sink's receive) is charged to no process, so a measure of
# "other" load that counted it blamed the benchmark's own work on others.
task_ticks() { awk '/^cpu / {print $2 + $3 + $4}' /proc/stat; }
# warn_if_busy: sets busy, the machine's load in % over one second.
warn_if_busy() {
	local t0 hz
	hz=$(getconf CLK_TCK)
	t0=$(busy_ticks)
	sleep 1
	busy=$((($(busy_ticks) - t0) * 100 / (2 * hz)))
	if [ "$busy" -gt 10 ]; then
		echo "$bench_name: warning: the machine is already ${busy}% busy before the benchmark; results will be noisy" >&2
	fi
}
host_line() { echo "kernel $(uname -r), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"; }

# mem_args TAG: hugepages when there are enough, else plain memory. EAL makes a
# runtime directory even --in-memory: a prefix of ours lets cleanup remove it.
mem_args() {
	if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 256 ]; then
		echo "--in-memory --file-prefix $eal_prefix$1"
	else
		echo "--no-huge -m 1024 --no-shconf --file-prefix $eal_prefix$1"
	fi
}

# port_val FILE PORT KEY: the value after KEY ("Rx-pps:", "RX-packets:") for PORT
# in a "show port stats" output.
port_val() {
	awk -v port="$2" -v key="$3" '
		/NIC statistics for port/ {p = $0; sub(/.*port /, "", p); sub(/ .*/, "", p)}
		p == port {for (i = 1; i < NF; i++) if ($i == key) {print $(i + 1); exit}}' "$1"
}

# --- topology ----------------------------------------------------------------------
#   namespace a: ${TOPO}a1, the generator's wire     root: ${TOPO}a0, the DUT's port 0
#   namespace b: ${TOPO}b1, the sink (counted)        root: ${TOPO}b0, the DUT's port 1
# bench_topo_up NAME: the veth pairs, with nothing routed by the kernel (the
# root-side veths have no address and IPv4 forwarding off, namespace b has no
# route), so frames go only where the DUT sends them.
# The sink: a veth receives in its sender's transmit, so b1's receive runs inside
# the DUT's sendto(), on the DUT's CPU (the backlog, then IP input). The DUT
# sends to sink_mac, not b1's: the frames are another host's, which IP input
# drops first thing (for b1's own MAC, a route lookup and a dst per frame cost
# 15-25% of the DUT's CPU, measured). What is left costs both drivers alike.
# Steering it to the generator's CPU with RPS cost more than it saved: an IPI per
# burst, a trapped MSR write in this VM (14% of the DUT's CPU, measured), and a
# generator CPU too busy to keep the DUT fed. b1's rx counter is what b0 handed
# over. Sets amac, a0's MAC.
sink_mac=02:00:00:00:5e:01
bench_topo_up() {
	local s
	topo_up "$1"
	for s in a b; do
		sysctl -qw "net.ipv4.conf.${TOPO}${s}0.forwarding=0"
		ip netns exec "${TOPO}$s" sysctl -qw net.ipv4.conf.all.forwarding=0
	done
	amac=$(cat "/sys/class/net/${TOPO}a0/address")
}

gen_fail() { tail -n 30 "$tmp/gen.out" >&2; echo "$bench_name: the generator $1" >&2; exit 1; }
# gen_start BUILD [ZC-XDPGEN ARGS]: zc-xdpgen of BUILD in namespace a, pinned to
# gen_cpu, offering 64-byte IPv4 UDP to a0's MAC out of a1 until stopped; output
# in $tmp/gen.out, pid in gen_pid. Its frames reach the DUT only while the DUT's
# XDP program is on a0 (the veth drops them otherwise, counted in a1's tx_dropped).
# The DUT's receive (its XDP program, the copy into the UMEM) runs in the
# generator's softirq, on gen_cpu: the DUT's CPU does the rest.
gen_start() {
	local exe=$1/app/zc-xdpgen/zc-xdpgen _
	shift
	[ -x "$exe" ] || die "$exe missing: the build makes it when libbpf and clang are found"
	ip netns exec "${TOPO}a" "$exe" --dev "${TOPO}a1" --dst-mac "$amac" --cpu "$gen_cpu" "$@" \
		>"$tmp/gen.out" 2>&1 &
	gen_pid=$!
	for _ in $(seq 50); do
		grep -q "^zc-xdpgen: offering" "$tmp/gen.out" && return 0
		kill -0 "$gen_pid" 2>/dev/null || break
		sleep 0.1
	done
	gen_fail "did not start"
}
# gen_stop: SIGTERM; prints its summary ("offered N frames in T s: R Mpps").
gen_stop() {
	[ -n "${gen_pid:-}" ] || return 0
	stop_pid "$gen_pid"
	gen_pid=''
	grep "offered .* frames in" "$tmp/gen.out" || true
}
# counters: "offered sunk": frames the generator put on a1 (sent to a0 or refused
# by a0's ring: a1's tx packets plus tx_dropped) and frames the sink b1 received.
counters() {
	{ ip -n "${TOPO}a" -s -j link show "${TOPO}a1"; ip -n "${TOPO}b" -s -j link show "${TOPO}b1"; } |
		python3 -c '
import json, sys
a, b = (json.loads(l)[0]["stats64"] for l in sys.stdin if l.strip())
print(a["tx"]["packets"] + a["tx"]["dropped"], b["rx"]["packets"])'
}
# A DUT that takes at least gen_bound_share of what is offered, or that spends
# less than dut_busy_share of the window on packets (it polls empty rings the rest,
# waiting for frames), is not what limits the rate: its row is generator-bound and
# its ratios say nothing about the drivers. "Taken" alone misses the second case:
# a generator that stalls now and then is far above the DUT on average. (A
# saturated DUT is busy 97-100%, or 87-89% for a pipeline whose two lcores share
# one CPU and poll each other's empty ring now and then; with the generator
# stalling a quarter of the time, 25%.)
gen_bound_share=0.95
dut_busy_share=0.80
# bound_by "TAKEN-SUMMARY" "BUSY-SUMMARY": DUT, generator or - (summaries as
# summary prints them; a busy summary of no runs, "- - - 0", is not judged).
bound_by() {
	awk -v t="$1" -v b="$2" -v s="$gen_bound_share" -v u="$dut_busy_share" 'BEGIN {
		split(t, x, " "); split(b, y, " ")
		if (x[4] == 0) {print "-"; exit}
		print (x[1] >= s * 100 || (y[4] > 0 && y[1] < u * 100) ? "generator" : "DUT")}'
}

# --- the DUT's CPU profile ---------------------------------------------------------
# profile_window S OUT [PID]: perf record -e cpu-clock (software sampling: this
# machine has no hardware counters) of dut_cpu for S seconds into OUT.data;
# without perf, a plain sleep. Then, over the samples of process PID (the DUT:
# its own code and the kernel work its system calls do, not the other processes
# that ran on the CPU) or of the whole CPU, OUT.split is "kernel% user%" and
# OUT.top the hottest symbols.
profile_window() {
	local only=()
	[ -n "${3:-}" ] && only=(--pid "$3")
	if ! command -v perf >/dev/null; then
		sleep "$1"
		echo "- -" >"$2.split"
		return 0
	fi
	perf record -q -e cpu-clock -C "$dut_cpu" -o "$2.data" -- sleep "$1" >/dev/null 2>&1 ||
		{ echo "- -" >"$2.split"; return 0; }
	# (perf 6.1 drops kernel samples from a --pid report sorted by dso alone.)
	perf report -i "$2.data" "${only[@]}" --stdio -q --sort dso,sym >"$2.top" 2>/dev/null || true
	awk '$1 ~ /%$/ {sub(/%/, "", $1); if ($2 == "[kernel.kallsyms]") k += $1; else u += $1}
		END {t = k + u; if (t == 0) t = 1; printf "%.0f %.0f\n", k * 100 / t, u * 100 / t}' \
		"$2.top" >"$2.split"
	sed -i '13,$d' "$2.top"
	rm -f "$2.data"
}

# --- medians -------------------------------------------------------------------------
# med: "median min max n" of the numbers on stdin, one per line.
med() {
	sort -g | awk '{v[NR] = $1}
		END {if (NR == 0) {print "- - - 0"; exit}
		     m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		     print m, v[1], v[NR], NR}'
}
# summary CONFIG VARIANT COLUMN: "median min max n" of a results column over ok runs.
summary() {
	awk -v c="$1" -v d="$2" -v k="$3" '$1 == c && $2 == d && $4 == "ok" && $k != "-" {print $k}' \
		"${results_file:-$tmp/results}" | med
}
fmt() { # fmt "median min max n" DECIMALS [UNIT] -> "median [min-max]UNIT"
	awk -v s="$1" -v d="$2" -v u="${3:-}" 'BEGIN {split(s, a, " ")
		if (a[4] == 0) {print "-"; exit}
		printf "%.*f%s [%.*f-%.*f]", d, a[1], u, d, a[2], d, a[3]}'
}
# ratio_stats CONFIG VARIANT COLUMN [BASE]: "median min max n" of VARIANT / BASE
# (default net_af_xdp), paired by repetition. Each repetition's ratio compares
# runs made seconds apart, so a slow spell of the (shared) host hits both sides;
# the median of these ratios is robust to it.
ratio_stats() {
	awk -v c="$1" -v d="$2" -v k="$3" -v base="${4:-net_af_xdp}" '$1 == c && $4 == "ok" && $k != "-" {
			if ($2 == d) x[$3] = $k; else if ($2 == base) y[$3] = $k }
		END {for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r]}' "${results_file:-$tmp/results}" | med
}
ratio() { # ratio CONFIG VARIANT COLUMN [BASE] -> "median [min-max]" with an x
	ratio_stats "$@" | awk '$4 == 0 {print "-"; exit} {printf "%.2fx [%.2f-%.2f]", $1, $2, $3}'
}

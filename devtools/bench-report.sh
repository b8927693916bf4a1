#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# The project's benchmark report, in one session, as root: builds, runs the pool
# benchmark (bench-pool.sh) and the PMD benchmark (bench-pmd.sh: io-fwd, net_zcrx
# against net_af_xdp; its rxonly is generator-bound here), then a forwarding comparison on the same
# topology and generator as bench-pmd.sh, and writes one markdown file with its
# tables, the issue's targets (met or not, computed) and PNG plots (gnuplot).
#
#   namespace a (generator)             root namespace (DUT)                  namespace b (sink)
#   zc-xdpgen (live-frames XDP_TX)      port 0 (a0) -- zcfwd | dpdk-l3fwd --> port 1 (b0) --> b1: counted
#   on a1, 64-byte IPv4 UDP 198.18.0.1 -> 198.18.1.2, to a0's MAC, on CPU 0
#
# Forwarding rows, every one run once per repetition, interleaved:
#   rtc       zcfwd over net_zcrx, --return refill and free; zcfwd over net_af_xdp
#             (--return free; devargs start_queue=0,queue_count=1); stock dpdk-l3fwd
#             over net_zcrx (our drivers loaded with -d from a private copy, its
#             default LPM table sends 198.18.1.0/24 to port 1). One lcore, CPU 1.
#   pipeline  zcfwd --mode pipeline over net_zcrx, refill and free, and over
#             net_af_xdp, free: receive lcore 0 and worker lcore 1 (--workers 1), both
#             on CPU 1, so the DUT has one CPU in every row and the generator the
#             other, as in bench-pmd.sh (--worker-cpu gen moves the worker to CPU 0);
#             --idle-yield, so that the two pollers share the CPU by need.
#   before    with --compare DIR: dpdk-l3fwd over the net_zcrx of another build
#             (the code before a change), interleaved with the rest.
# zcfwd gets a routes file sending 198.18.1.0/24 to port 1 and sends to the
# sink's MAC (--eth-dest; bench-lib.sh's sink_mac), as dpdk-l3fwd does here. A run starts a fresh DUT, waits until it
# forwards, warms up 1 s, then measures a window of --seconds, every row alike:
#   fwd Mpps      packets b1 (the sink namespace's veth) received over the window,
#                 its kernel counter: what the DUT delivered, whatever it reports;
#   offered Mpps  frames the generator put on a1 over the window (a1's tx packets
#                 and tx_dropped);
#   taken         fwd over offered;
#   DUT busy      zcfwd's busy share of its run: the TSC cycles of its loop iterations
#                 that had packets over the run's, summed over its lcores (all on
#                 one CPU); the rest it polled empty rings, waiting for frames.
#                 dpdk-l3fwd does not count it ("-");
#   bound by      "generator" when the median run took >= 95% of the offer or was
#                 busy < 80% (its ratios say nothing about the DUT), else "DUT";
#   CPU ns/pkt    the DUT process's CPU time over the window (utime + stime of all
#                 its threads, /proc/PID/stat) per forwarded packet. Its lcores
#                 busy-poll, so while the DUT keeps up with the generator this is
#                 about (polling CPUs) / rate, idle polls included; only a DUT
#                 that is the bottleneck shows its cost per packet. It includes
#                 copy-mode AF_XDP transmit (done inside sendto()), not the copy
#                 into the UMEM on receive (the generator's softirq does that);
#   kernel %      the share of the DUT's CPU (CPU 1) in the kernel over the window,
#                 perf record -e cpu-clock -C 1 (software sampling);
#   user ns/pkt   CPU ns/pkt times the share outside the kernel: our side's cost;
#   busy cycles/pkt  zcfwd's TSC cycles in loop iterations that had packets (as
#                 testpmd's --record-core-cycles counts), over its lcores, per
#                 forwarded packet: the cost of a packet, idle polls excluded;
#   other %       user and system CPU time of anything but the generator and the
#                 DUT, in % of the machine (interrupt time, which their own packets
#                 cause, is left out): above a few %, that run was disturbed.
# Each figure is the median [min-max] of the runs; ratios against the net_af_xdp
# row of the same model are taken per repetition (runs seconds apart, so a slow
# spell of the shared host hits both sides), median [min-max] over repetitions.
#
#   devtools/bench-report.sh [--runs N] [--seconds S] [--out DIR] [--worker-cpu dut|gen]
#                            [--build DIR] [--compare DIR] [--parts "pool pmd fwd"]
#     --runs N        repetitions of every measurement (default 5)
#     --seconds S     measured window per run (default 5); the defaults take about
#                     12 minutes
#     --build DIR     build directory (default build), made by devtools/build.sh
#     --compare DIR   a build of the code before a change: the "before" rows
#                     (testpmd io in bench-pmd.sh, dpdk-l3fwd here), interleaved
#     --parts L       which benchmarks to run (default all: pool pmd fwd teardown)
#     --teardown-compare DIR
#                     a build whose zcpool and zcmem libraries give the teardown
#                     curve's "before" (default: the --compare build)
#     --out DIR       where latest.md, forwarding.png and pool.png go
#                     (default doc/report)
#     --worker-cpu W  CPU of the pipeline worker: dut (default) or gen, the
#                     generator's CPU (then both time-share CPU 0)
# Needs root, 2 CPUs and gnuplot with the pngcairo terminal (gnuplot-nox). All it
# makes (namespaces, veths, processes, temporary files) goes at exit, also on ^C.
# Exit status: 0 when every run of every benchmark worked; 1 when one failed (the
# report is still written, and says which); 2 on usage or a missing prerequisite.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bench_name=bench-report
# shellcheck source=devtools/bench-lib.sh
. "$top/devtools/bench-lib.sh"
runs=5 secs=5 outdir=$top/doc/report worker=dut build=$top/build cmp='' parts='pool pmd fwd teardown' tcmp=''

warmup=1
gen_cpu=0 dut_cpu=1
src_ip=198.18.0.1 dst_ip=198.18.1.2 route=198.18.1.0/24
baseline=zcfwd/net_af_xdp/free
# MODEL:APP/DRIVER/RETURN, in the order of the runs and of the table.
fwd_rows=(rtc:zcfwd/net_zcrx/refill rtc:zcfwd/net_zcrx/free "rtc:$baseline" rtc:l3fwd/net_zcrx/-
	pipeline:zcfwd/net_zcrx/refill pipeline:zcfwd/net_zcrx/free "pipeline:$baseline")

usage() { sed -n '/^#   devtools\/bench-report.sh/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:-}; shift 2 || die "--runs needs a value" ;;
	--seconds) secs=${2:-}; shift 2 || die "--seconds needs a value" ;;
	--out) outdir=${2:-}; shift 2 || die "--out needs a directory" ;;
	--worker-cpu) worker=${2:-}; shift 2 || die "--worker-cpu needs dut or gen" ;;
	--build) build=${2:-}; shift 2 || die "--build needs a directory" ;;
	--compare) cmp=${2:-}; shift 2 || die "--compare needs a directory" ;;
	--parts) parts=${2:-}; shift 2 || die "--parts needs a list" ;;
	--teardown-compare) tcmp=${2:-}; shift 2 || die "--teardown-compare needs a directory" ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs must be a positive integer, got '$runs'" ;; esac
case "$secs" in ''|*[!0-9]*|0) die "--seconds must be a positive integer, got '$secs'" ;; esac
case "$worker" in dut) worker_cpu=$dut_cpu ;; gen) worker_cpu=$gen_cpu ;;
	*) die "--worker-cpu must be dut or gen, got '$worker'" ;; esac

# --- prerequisites -------------------------------------------------------------------
require_root
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (one for the generator, one for the DUT)"
command -v gnuplot >/dev/null || die "gnuplot not found, needed for the plots: apt-get install gnuplot-nox"
gnuplot -e 'set terminal pngcairo' 2>/dev/null ||
	die "gnuplot has no pngcairo terminal, needed for the plots: apt-get install gnuplot-nox"
{ mkdir -p "$outdir" 2>/dev/null && [ -w "$outdir" ]; } || die "cannot write to '$outdir'"
outdir=$(cd "$outdir" && pwd)

# --- clean-up of everything made below -------------------------------------------------
tmp='' gen_pid='' dut_pid='' child_pid='' stage_made=() eal_prefix=zreport$$-
cleanup() {
	trap - EXIT INT TERM
	# A sub-benchmark removes what it made on SIGTERM: give it the time to.
	[ -n "$child_pid" ] && stop_pid "$child_pid" 60
	bench_cleanup
}
trap cleanup EXIT
trap 'echo "bench-report: interrupted" >&2; exit 130' INT TERM
tmp=$(mktemp -d /tmp/bench-report.XXXXXX)
topo_skip_unless_able

say() { echo "bench-report: $*" >&2; }
started=$(date +%s)
"$top/devtools/build.sh" release "$build"
eval "$("$top/devtools/setup.sh" --env)"
build=$(check_build "$build")
[ -z "$cmp" ] || cmp=$(check_build "$cmp")
tcmp=${tcmp:-$cmp}
[ -z "$tcmp" ] || tcmp=$(check_build "$tcmp")
zcfwd=$build/examples/zcfwd/zcfwd
[ -x "$zcfwd" ] || die "$zcfwd missing after the build"
part() { [[ " $parts " == *" $1 "* ]]; }
if [ -n "$cmp" ]; then
	fwd_rows+=(rtc:l3fwd/net_zcrx@before/-)
fi
for p in dpdk-testpmd dpdk-l3fwd; do
	command -v $p >/dev/null || die "$p not found; run devtools/setup.sh"
done
warn_if_busy
hz=$(getconf CLK_TCK)
failures=()

# sub LOG CMD...: a sub-benchmark, its stdout in LOG. In the background, so that a
# signal runs our trap at once and cleanup can stop it. Returns its status.
sub() {
	local log=$1 rc=0
	shift
	"$@" >"$log" &
	child_pid=$!
	wait "$child_pid" || rc=$?
	child_pid=''
	return "$rc"
}

# --- 1. pool and PMD benchmarks --------------------------------------------------------
load0=$(cut -d' ' -f1-3 /proc/loadavg)
if part pool; then
	say "pool benchmark: devtools/bench-pool.sh --runs $runs"
	if ! sub "$tmp/pool.out" "$top/devtools/bench-pool.sh" --build "$build" --runs "$runs" \
		--csv "$tmp/pool.csv" 2>"$tmp/pool.err"; then
		cat "$tmp/pool.err" >&2
		failures+=("the pool benchmark failed")
	fi
	cat "$tmp/pool.out"
fi
if part pmd; then
	say "PMD benchmark: devtools/bench-pmd.sh --runs $runs --seconds $secs --configs io-fwd"
	sub "$tmp/pmd.out" "$top/devtools/bench-pmd.sh" --runs "$runs" --seconds "$secs" \
		--build "$build" ${cmp:+--compare "$cmp"} --configs io-fwd --out "$tmp/pmd.md" \
		--raw "$tmp/pmd.results" || failures+=("bench-pmd.sh: a run failed (its messages above)")
	cat "$tmp/pmd.out"
fi

# teardown [LIBS_BUILD]: zc-destroy-perf (the zcpool and zcmem of LIBS_BUILD, if
# given: the public API is the same) into $tmp/teardown[.before].csv.
teardown() {
	local csv=$tmp/teardown${1:+.before}.csv
	# shellcheck disable=SC2046
	sub "$csv.out" env ${1:+LD_LIBRARY_PATH="$1/lib/zcmem:$1/drivers/mempool/zcpool:$LD_LIBRARY_PATH"} \
		"$build/app/zc-destroy-perf/zc-destroy-perf" -l 0 $(mem_args t) --vdev net_null0 \
		--log-level=lib.eal:warning --log-level=pmd.mempool.zcpool:error -- \
		--runs "$runs" --csv "$csv" || { cat "$csv.out" >&2; rm -f "$csv"; return 1; }
	cat "$csv.out"
}
if part teardown; then
	say "teardown benchmark: zc-destroy-perf --runs $runs${tcmp:+, and over the libraries of $tcmp}"
	teardown || failures+=("the teardown benchmark failed")
	[ -z "$tcmp" ] || teardown "$tcmp" || failures+=("the teardown benchmark (before) failed")
fi

# --- 2. forwarding: topology, generator, DUTs ------------------------------------------
# Per build (the one measured, and "before"): the staged driver copies and where
# they find the project's libraries (as bench-pmd.sh's do).
declare -A so_pool so_pmd ld_path
for b in "$build" ${cmp:+"$cmp"}; do
	stage "$b"
	so_pool[$b]=$ZCPOOL_SO so_pmd[$b]=$ZCRX_SO
	ld_path[$b]="$b/lib/zcmem:$b/drivers/mempool/zcpool:$LD_LIBRARY_PATH"
done
part fwd || fwd_rows=()
bench_topo_up "zr$$"
[ ${#fwd_rows[@]} -eq 0 ] || gen_start "$build" --src-ip "$src_ip" --dst-ip "$dst_ip"
printf '# PREFIX/LEN PORT: the generator'"'"'s flow, to the sink side\n%s 1\n' "$route" >"$tmp/routes"

# dut_start MODEL APP/DRIVER/RETURN REP: starts the DUT in the background, output
# in $tmp/dut.out; sets dut_pid. EAL lcore 0 receives (and in rtc forwards) on the
# DUT's CPU; in a pipeline, lcore 1 is the worker.
dut_start() {
	local model=$1 app drv ret lcores="0@$dut_cpu" cmd=() opts=() dev=() i b=$build
	IFS=/ read -r app drv ret <<<"$2"
	[ "$drv" = net_zcrx@before ] && drv=net_zcrx b=$cmp
	for i in 0 1; do
		case "$drv" in
		net_zcrx) dev+=(--vdev "net_zcrx$i,iface=${TOPO}$([ $i = 0 ] && echo a || echo b)0") ;;
		net_af_xdp) dev+=(--vdev "net_af_xdp$i,iface=${TOPO}$([ $i = 0 ] && echo a || echo b)0,start_queue=0,queue_count=1") ;;
		esac
	done
	opts=(-p 0x3 --config "(0,0,0),(1,0,0)" --eth-dest "1,$sink_mac")
	if [ "$app" = l3fwd ]; then
		cmd=(env LD_LIBRARY_PATH="${ld_path[$b]}" dpdk-l3fwd --mbuf-pool-ops-name zcpool
			-d "${so_pool[$b]}" -d "${so_pmd[$b]}")
	else
		# zcfwd links net_zcrx. --duration only guards against an orphan: it is
		# stopped with SIGINT after the window.
		cmd=("$b/examples/zcfwd/zcfwd")
		opts+=(-q --routes "$tmp/routes" --return "$ret" --duration $((warmup + secs + 60)))
		if [ "$model" = pipeline ]; then
			lcores+=",1@$worker_cpu"
			opts+=(--mode pipeline --workers 1)
			# Two pollers on one CPU: each gives the CPU up when it has nothing to do.
			opts+=(--idle-yield)
		fi
	fi
	# Emptied here, before dut_ready reads it: the child truncates it only later.
	: >"$tmp/dut.out"
	# shellcheck disable=SC2046
	"${cmd[@]}" --lcores "$lcores" --no-pci $(mem_args "d$3") --log-level=lib.eal:warning \
		"${dev[@]}" -- "${opts[@]}" >"$tmp/dut.out" 2>&1 &
	dut_pid=$!
}
# dut_ready: until the DUT says it forwards (zcfwd, l3fwd), 30 s at most.
dut_ready() {
	local _
	for _ in $(seq 300); do
		grep -qE '\^C stops$|entering main loop' "$tmp/dut.out" && return 0
		kill -0 "$dut_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# dut_stop: SIGINT (both print their summary and close their ports), then waits
# 10 s. Sets dut_rc: the exit status, or "killed".
dut_stop() {
	local _
	kill -INT "$dut_pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$dut_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$dut_pid" 2>/dev/null; then
		stop_pid "$dut_pid"
		dut_rc=killed
		# A killed DUT leaves its XDP program on the ports; the next one needs them bare.
		ip link set dev "${TOPO}a0" xdp off 2>/dev/null || true
		ip link set dev "${TOPO}b0" xdp off 2>/dev/null || true
	else
		dut_rc=0
		wait "$dut_pid" || dut_rc=$?
	fi
	dut_pid=''
}

pid_ticks() { # pid_ticks PID: "utime stime" of the whole process, in 1/CLK_TCK s
	awk '{sub(/^.*\) /, ""); print $12, $13}' "/proc/$1/stat" 2>/dev/null || echo "0 0"
}
# sample: "time sink_rx offered machine_task_ticks gen_utime gen_stime dut_utime dut_stime"
sample() {
	local c
	read -r -a c <<<"$(counters)"
	echo "$EPOCHREALTIME ${c[1]} ${c[0]} $(task_ticks) $(pid_ticks "$gen_pid")" \
		"$(pid_ticks "$dut_pid")"
}

# fwd_why APP RETURN DRIVER: why a run that went to its end is not valid, if it
# is not. 22.11's net_af_xdp keeps its fill ring's buffers at close, so zcfwd's
# audit fails over it (exit 1); that says nothing about the forwarding measured.
fwd_why() {
	if [ "$((b[1] - a[1]))" -le 0 ]; then
		echo "nothing reached the sink namespace"
	elif [ "$dut_rc" = 1 ] && [ "$3" = net_af_xdp ] && grep -q '^audit: .*MISSING' "$tmp/dut.out"; then
		return 0
	elif [ "$dut_rc" != 0 ]; then
		echo "the DUT exited with status $dut_rc$(grep -m 1 '^audit' "$tmp/dut.out" | sed 's/^/ (/; s/$/)/')"
	elif [ "$2" = refill ] && [ "$(refilled)" -le 0 ]; then
		echo "zcfwd returned no buffer through the refill ring"
	fi
}
# refilled: buffers zcfwd's summary says went back through refill rings.
refilled() {
	awk '/buffers returned by zcfwd:/ {gsub(/,/, ""); n += $6} END {print n + 0}' "$tmp/dut.out"
}
label() { # label APP/DRIVER/RETURN: how a row reads in the tables
	local app drv ret
	IFS=/ read -r app drv ret <<<"$1"
	drv=${drv/@before/ (before)}
	if [ "$app" = l3fwd ]; then echo "dpdk-l3fwd, $drv"; else echo "zcfwd, $drv, --return $ret"; fi
}
# fwd_run MODEL APP/DRIVER/RETURN REP: appends to $tmp/results
#   model row rep ok|FAIL fwd_mpps offered_mpps cpu_ns_per_pkt kernel_pct other_pct app_tx_mpps
#   busy_cycles taken_pct busy_pct user_ns_per_pkt
# (kernel_pct: perf's share of the DUT's CPU in the kernel over the window.)
# (app_tx_mpps: zcfwd's own summary, port 1 tx over its whole run, for the raw record;
# busy_cycles: zcfwd's busy-loop TSC cycles per forwarded packet over its whole run.)
fwd_run() {
	local model=$1 row=$2 rep=$3 app drv ret why='' log a=() b=()
	IFS=/ read -r app drv ret <<<"$row"
	log="$tmp/dut.$model.${row//\//_}.$rep"
	kill -0 "$gen_pid" 2>/dev/null || gen_fail "died"
	dut_start "$model" "$row" "$rep"
	if dut_ready; then
		sleep "$warmup"
		read -ra a <<<"$(sample)"
		profile_window "$secs" "$tmp/prof" "$dut_pid"
		read -ra b <<<"$(sample)"
		dut_stop
		why=$(fwd_why "$app" "$ret" "$drv")
	else
		dut_stop
		why="the DUT did not start"
	fi
	cp "$tmp/dut.out" "$log"
	if [ -n "$why" ]; then
		echo "$model $row $rep FAIL - - - - - - - - - -" >>"$tmp/results"
		failures+=("forwarding, $model, $(label "$row"): $why (run $rep)")
		echo "bench-report: FAIL: $model $row run $rep: $why" >&2
		# The DUT's log once per row: later failures of the row are alike.
		if [ "$(grep -c "^$model $row .* FAIL" "$tmp/results")" -eq 1 ]; then
			{ grep -iE "error|fail|cannot|invalid" "$log" || tail -n 12 "$log"; } | head -n 12 |
				sed 's/^/    /' >&2
		fi
		return 0
	fi
	[ -f "$tmp/top.$model.${row//\//_}" ] || cp "$tmp/prof.top" "$tmp/top.$model.${row//\//_}" 2>/dev/null || true
	awk -v m="$model" -v r="$row" -v rep="$rep" -v hz="$hz" -v a="${a[*]}" -v b="${b[*]}" \
		-v kp="$(cut -d' ' -f1 "$tmp/prof.split")" \
		-v tx="$(sed -n 's/^port 1 (.*tx [0-9]* (\([0-9.]*\) Mpps).*/\1/p' "$log")" \
		-v busy="$(sed -n 's/^busy cycles per forwarded packet: \([0-9]*\) .*/\1/p' "$log")" \
		-v share="$(sed -n 's/^busy share of the run: \([0-9.]*\)%.*/\1/p' "$log")" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		w = y[1] - x[1]; pk = y[2] - x[2]
		u = y[7] - x[7]; s = y[8] - x[8]
		other = ((y[4] - x[4]) - (y[5] + y[6] - x[5] - x[6]) - (u + s)) * 100 / (2 * hz * w)
		ns = (u + s) / hz * 1e9 / pk
		printf "%s %s %s ok %.4f %.4f %.0f %s %.1f %s %s %.1f %s %s\n", m, r, rep, pk / w / 1e6,
			(y[3] - x[3]) / w / 1e6, ns, kp,
			(other < 0 ? 0 : other), (tx == "" ? "-" : tx), (busy == "" ? "-" : busy),
			pk * 100 / (y[3] - x[3]), (share == "" ? "-" : share),
			(kp == "-" ? "-" : sprintf("%.0f", ns * (100 - kp) / 100))}' >>"$tmp/results"
	tail -n 1 "$tmp/results" | awk -v runs="$runs" '{
		printf "  run %d/%d %-8s %-26s fwd %.3f Mpps  offered %.3f Mpps  taken %3.0f%%  busy %5s%%  %6d ns/pkt  %5s cycles/pkt  kernel %s%%  other %4.1f%%%s\n",
			$3, runs, $1, $2, $5, $6, $12, $13, $7, $11, $8, $9, ($9 > 5 ? "  (disturbed)" : "")}' >&2
}

say "forwarding: ${#fwd_rows[@]} rows x $runs runs x $secs s, interleaved (about $((${#fwd_rows[@]} * runs * (secs + 4))) s)"
: >"$tmp/results"
for rep in $(seq "$runs"); do
	for r in "${fwd_rows[@]}"; do
		fwd_run "${r%%:*}" "${r#*:}" "$rep"
	done
done
elapsed=$(($(date +%s) - started))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
gen_sum=$(gen_stop)

# --- 3. the report ----------------------------------------------------------------------
# bound MODEL ROW: "DUT" or "generator" (see the header), from the median taken
# and busy shares (columns 12 and 13, as in bench-pmd.sh's raw results).
bound() {
	bound_by "$(summary "$1" "$2" 12)" "$(summary "$1" "$2" 13)"
}
# fwd_table: the forwarding table, markdown.
fwd_table() {
	local r model row vs vsc
	echo "| model | DUT | offered Mpps | fwd Mpps | taken | DUT busy | bound by | vs net_af_xdp | busy cycles/pkt | vs net_af_xdp | CPU ns/pkt | kernel % (perf) | user ns/pkt | other % (max) | runs ok |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for r in "${fwd_rows[@]}"; do
		model=${r%%:*} row=${r#*:}
		vs=$(ratio "$model" "$row" 5 "$baseline")
		vsc=$(ratio "$model" "$row" 11 "$baseline")
		[ "$row" = "$baseline" ] && vs="(baseline)" vsc="(baseline)"
		printf '| %s |\n' "$(printf '%s\n' "$model" "$(label "$row")" \
			"$(fmt "$(summary "$model" "$row" 6)" 3)" "$(fmt "$(summary "$model" "$row" 5)" 3)" \
			"$(fmt "$(summary "$model" "$row" 12)" 0 %)" "$(fmt "$(summary "$model" "$row" 13)" 0 %)" \
			"$(bound "$model" "$row")" "$vs" \
			"$(fmt "$(summary "$model" "$row" 11)" 0)" "$vsc" \
			"$(fmt "$(summary "$model" "$row" 7)" 0)" "$(fmt "$(summary "$model" "$row" 8)" 0 %)" \
			"$(fmt "$(summary "$model" "$row" 14)" 0)" \
			"$(summary "$model" "$row" 9 | awk '$4 > 0 {printf "%.1f", $3; exit} {print "-"}')" \
			"$(summary "$model" "$row" 5 | awk '{print $4}')/$runs" | paste -sd '|' | sed 's/|/ | /g')"
	done
}
# target TEXT MODEL ROW BASE MIN COLUMN: a markdown row; met when the median of the
# paired ratios ROW/BASE of COLUMN (fwd Mpps) is at least MIN and both rows are
# bound by the DUT (a generator-bound ratio says nothing).
target() {
	local s bd
	s=$(ratio_stats "$2" "$3" "$6" "$4")
	bd="$(bound "$2" "$3")/$(bound "$2" "$4")"
	awk -v t="$1" -v s="$s" -v min="$5" -v bd="$bd" 'BEGIN {split(s, a, " ")
		if (a[4] == 0) {printf "| %s | - | - | not measured (no paired runs) |\n", t; exit}
		v = min == "-" ? "(information)" : a[1] >= min ? "**met**" : "not met"
		if (bd != "DUT/DUT") v = v " (not DUT-bound: says nothing)"
		printf "| %s | %.2fx [%.2f-%.2f] | %s | %s |\n", t, a[1], a[2], a[3], bd, v}'
}
targets() {
	echo "| target | measured: paired fwd Mpps ratio, median [min-max] | bound by (row/base) | verdict |"
	echo "|---|---|---|---|"
	if [ -s "$tmp/pmd.results" ]; then
		results_file=$tmp/pmd.results target "testpmd io over two net_zcrx ports >= 1.3x over net_af_xdp" \
			io-fwd net_zcrx net_af_xdp 1.3 6
		[ -z "$cmp" ] || results_file=$tmp/pmd.results target \
			"testpmd io over net_zcrx, this build vs before" io-fwd net_zcrx zcrx-cmp - 6
	fi
	target "rtc: zcfwd over net_zcrx (--return refill) >= 1.3x zcfwd over net_af_xdp" \
		rtc zcfwd/net_zcrx/refill "$baseline" 1.3 5
	target "rtc: zcfwd --return refill >= 1.0x --return free (never slower)" \
		rtc zcfwd/net_zcrx/refill zcfwd/net_zcrx/free 1.0 5
	target "pipeline: zcfwd --return refill >= 1.1x --return free" \
		pipeline zcfwd/net_zcrx/refill zcfwd/net_zcrx/free 1.1 5
	[ -z "$cmp" ] || target "rtc: stock dpdk-l3fwd over net_zcrx >= 1.2x before" \
		rtc l3fwd/net_zcrx/- l3fwd/net_zcrx@before/- 1.2 5
}
# teardown_join: zc-destroy-perf's medians with the "before" build's, one case a
# line, tab-separated: held pool area_mb deferred forced unbind release, forced
# and release before, then DPDK's heap zeroing of the pool's chunks and of the
# area ("-" for what was not measured).
teardown_join() {
	local before=/dev/null
	[ -s "$tmp/teardown.before.csv" ] && before=$tmp/teardown.before.csv
	awk -F, -v OFS='\t' 'FNR == 1 {f++; next} f == 1 {k[++n] = $1 "," $2; row[n] = $0}
		f == 2 {fb[$1 "," $2] = $5; rb[$1 "," $2] = $7}
		END {for (i = 1; i <= n; i++) {split(row[i], a, ",")
			print a[1], a[2], a[3], a[4], a[5], a[6] == "" ? "-" : a[6], a[7],
				(k[i] in fb) ? fb[k[i]] : "-", (k[i] in rb) ? rb[k[i]] : "-",
				a[8] == "" ? "-" : a[8], a[9] == "" ? "-" : a[9]}}' \
		"$tmp/teardown.csv" "$before"
}
teardown_table() {
	echo "| held | pool | area MiB | deferred us | forced us | DPDK zeroing of the pool's chunks us | unbind us | release us | DPDK zeroing of the area us | forced us, before | release us, before |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	teardown_join | awk -F'\t' -v OFS=' | ' '{print "| " $1, $2, $3, $4, $5, $10, $6, $7, $11, $8, $9 " |"}'
}
# teardown_plot_data: teardown.gp's input: the cases of the first case's pool
# against the buffers held, then the others against the area's size.
teardown_plot_data() {
	teardown_join | awk -F'\t' -v OFS='\t' 'NR == 1 {p1 = $2}
		{line[NR] = $0; pool[NR] = $2}
		END {for (b = 0; b < 2; b++) {if (b) printf "\n\n"
			for (i = 1; i <= NR; i++) {if ((b == 0) != (pool[i] == p1)) continue
				split(line[i], a, "\t")
				print b == 0 ? a[1] : a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]}}}'
}
# profiles: the hottest symbols on the DUT's CPU in each row's first run.
profiles() {
	local r f
	for r in "${fwd_rows[@]}"; do
		f=${r#*:}
		f="$tmp/top.${r%%:*}.${f//\//_}"
		[ -s "$f" ] || continue
		echo "${r%%:*}, $(label "${r#*:}"):"
		sed 's/^/    /' "$f"
	done
}
colour() { # colour APP/DRIVER/RETURN: one bar colour per DUT, the same in both models
	case "$1" in
	*/net_zcrx/refill) echo 1 ;; */net_zcrx/free) echo 2 ;; */net_af_xdp/*) echo 3 ;; *) echo 4 ;;
	esac
}
# fwd_plot_data: forwarding.gp's input, one line per row.
fwd_plot_data() {
	local r
	for r in "${fwd_rows[@]}"; do
		# Three lines under a bar: model, application, driver and return.
		printf '%s\\n%s\t%s\n' "${r%%:*}" "$(label "${r#*:}" | sed 's/, /\\n/; s/, --return//')" \
			"$(summary "${r%%:*}" "${r#*:}" 5 | awk -v c="$(colour "${r#*:}")" '$4 == 0 {$1 = $2 = $3 = 0}
				{print $1 "\t" $2 "\t" $3 "\t" c}')"
	done
}
# pool_table, pool_plot_data: from bench-pool.sh's CSV (case,bulk,ops,median,min,max),
# ops in the order zcpool, ring_mp_mc, stack.
pool_table() {
	echo "| case | bulk | zcpool | ring_mp_mc | stack | zcpool/ring_mp_mc | zcpool/stack |"
	echo "|---|---|---|---|---|---|---|"
	awk -F, 'NR > 1 {c = sprintf("%.2f [%.2f-%.2f]", $4, $5, $6)
		if ($3 == "zcpool") {z = $4; line = "| " $1 " | " $2 " | " c}
		else {line = line " | " c; if ($3 == "ring_mp_mc") r = $4}
		if ($3 == "stack") printf "%s | %.2f | %.2f |\n", line, z / r, z / $4}' "$tmp/pool.csv"
}
pool_plot_data() {
	awk -F, 'NR > 1 {if ($1 != last && last != "") printf "\n\n"; last = $1
		line = ($3 == "zcpool" ? $2 : line) "\t" $4 "\t" $5 "\t" $6
		if ($3 == "stack") print line}' "$tmp/pool.csv"
}
plot() { # plot NAME HEADING: $tmp/NAME.dat -> $outdir/NAME.png with doc/report/NAME.gp
	gnuplot -e "data='$tmp/$1.dat'; out='$outdir/$1.png'; heading='$2'" "$top/doc/report/$1.gp" ||
		failures+=("gnuplot failed on $1.png")
}

# problems: the failures, one line each, runs of one row that failed alike merged.
problems() {
	[ ${#failures[@]} -gt 0 ] || { echo "None: every run worked."; return; }
	printf '%s\n' "${failures[@]}" | awk '{key = $0; run = ""
		if (match($0, / \(run [0-9]+\)$/)) {key = substr($0, 1, RSTART - 1); run = substr($0, RSTART + 6, RLENGTH - 7)}
		if (!(key in runs)) order[++n] = key
		runs[key] = runs[key] ((runs[key] != "" && run != "") ? ", " : "") run}
		END {for (i = 1; i <= n; i++) printf "- %s%s\n", order[i], (runs[order[i]] == "" ? "" : (index(runs[order[i]], ",") ? " (runs " : " (run ") runs[order[i]] ")")}'
}
revision() {
	local r
	r=$(git -C "$top" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
	# The report's own files are being rewritten by this run: not local changes.
	git -C "$top" diff --quiet HEAD -- . ':!doc/report' 2>/dev/null || r="$r with local changes"
	echo "$r"
}
pool_method() {
	part pool || return 0
	echo "- **Pool**: \`devtools/bench-pool.sh --runs $runs\` (zc-pool-perf): cycles per"
	echo "  object for one get plus one put, zcpool against \`ring_mp_mc\` and \`stack\`,"
	echo "  median [min-max] of $runs runs per point."
}
# report: the markdown, on stdout.
report() {
	local pool_png='' fwd_png='' teardown_png=''
	# Only plots made by this run.
	part pool && [ -f "$outdir/pool.png" ] && pool_png=1
	part teardown && [ -f "$outdir/teardown.png" ] && teardown_png=1
	part fwd && [ -f "$outdir/forwarding.png" ] && fwd_png=1
	cat <<-EOF
	# zcrx-dpdk benchmark report

	Made by \`devtools/bench-report.sh --runs $runs --seconds $secs --worker-cpu $worker${cmp:+ --compare DIR} --parts "$parts"\` on
	$(date -u '+%Y-%m-%d %H:%M UTC') in $((elapsed / 60)) min $((elapsed % 60)) s.

	## Machine

	- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs$(systemd-detect-virt -q 2>/dev/null && echo " (virtualisation: $(systemd-detect-virt))")
	- kernel: $(uname -r)
	- DPDK: $(pkg-config --modversion libdpdk 2>/dev/null || echo unknown) ($(dirname "$(dirname "$(command -v dpdk-testpmd)")"))
	- zcrx-dpdk: $(revision)
	- load before the benchmarks: ${busy}% of the machine busy; load average $load0 at
	  the start, $load1 at the end (other work on this 2-CPU machine: see *other %*)
	- generator: ${gen_sum:-not run}

	## Method

	$(pool_method)
	- **PMD**: \`devtools/bench-pmd.sh --runs $runs --seconds $secs --configs io-fwd\`:
	  testpmd io forwarding over two net_zcrx ports and two net_af_xdp ports (and the
	  "before" build's net_zcrx with --compare), interleaved; see the header of that
	  script for its columns.
	- **Forwarding**: the topology and generator of bench-pmd.sh: zc-xdpgen
	  (app/zc-xdpgen: BPF_PROG_RUN of an XDP_TX program with live frames, pinned
	  to CPU $gen_cpu) offers 64-byte IPv4 UDP, $src_ip to $dst_ip, to the DUT's
	  port 0 (a veth in the root namespace, the DUT's native XDP program on it);
	  the DUT routes it out of port 1 to namespace b, to a MAC that is not b1's
	  ($sink_mac), so that b1's IP input drops the frames at once. a0's receive
	  (the DUT's XDP program, the copy into the UMEM) runs in the generator's
	  softirq on CPU $gen_cpu; b1's runs inside the DUT's transmit (a veth
	  receives in its sender's \`sendto()\`), on the DUT's CPU, the same for every
	  row (steering it to CPU $gen_cpu with RPS cost the DUT more, an IPI per
	  burst, and starved it of frames); the generator runs 4 threads so that
	  one is always offering (each live-frames run ends in a sleeping
	  \`synchronize_rcu()\`: with one thread the DUT sat idle a quarter of the
	  time); the DUT's lcores run on CPU $dut_cpu (pipeline worker: CPU
	  $worker_cpu). Every row runs once per repetition, interleaved; a run warms up
	  ${warmup} s, then measures ${secs} s.
	  - *fwd Mpps*: packets the sink namespace's veth received over the window
	    (kernel counter), the same measure for zcfwd and dpdk-l3fwd.
	  - *vs net_af_xdp*: fwd Mpps over that of zcfwd over net_af_xdp in the same model
	    and repetition, median [min-max] of the repetitions.
	  - *offered Mpps*: what the generator put on its veth over the window (sent,
	    or refused by a0's ring).
	  - *taken*: fwd over offered.
	  - *DUT busy*: the share of zcfwd's run spent in loop iterations that had
	    packets, summed over its lcores (all on one CPU); the rest it polled empty
	    rings. dpdk-l3fwd does not count it.
	  - *bound by*: a row whose median run took at least
	    $(awk -v s=$gen_bound_share 'BEGIN {print s * 100}')% of the offer, or was busy less than
	    $(awk -v s=$dut_busy_share 'BEGIN {print s * 100}')% of it, is bound by the generator, and its ratios say
	    nothing about the DUT. (A generator far above the DUT on average can
	    still stall: taken alone does not show it.)
	  - *CPU ns/pkt*: the DUT process's CPU time (utime + stime, all threads) over the
	    window per forwarded packet. The DUT busy-polls: while it keeps up with the
	    generator, this is about (polling CPUs) / rate, idle polls included, not the
	    work a packet needs. It includes copy-mode AF_XDP transmit (in \`sendto()\`),
	    not the receive-side copy into the UMEM, which the generator's softirq does.
	  - *user ns/pkt*: CPU ns/pkt times the share perf saw outside the kernel: what
	    is left on our side (the PMD, the pool, the application) per packet.
	  - *kernel % (perf)*: the share of the DUT process's samples on CPU $dut_cpu
	    that are in the kernel, \`perf record -e cpu-clock -C $dut_cpu\` over the
	    window (software sampling; no hardware counters here): copy-mode AF_XDP
	    transmit, veth and the sink's receive, syscalls. The
	    hottest symbols are under "Profiles".
	  - *busy cycles/pkt*: what a packet costs the DUT, as testpmd's
	    \`--record-core-cycles\` counts it: zcfwd's TSC cycles in loop iterations that
	    had packets (idle polls excluded), summed over its lcores, per forwarded
	    packet, over its whole run; *vs net_af_xdp* is its paired ratio (lower is
	    cheaper). dpdk-l3fwd does not report it.
	  - *other %*: user and system CPU time of anything else, in % of the machine
	    (interrupt time, which the benchmark's own packets cause, left out);
	    above a few % the run was disturbed. The machine's host may still slow it unseen.

	## Targets

	$(targets)

	Verdicts compare the median of the paired ratios with the target; a ratio of
	rows not both bound by the DUT says nothing.

	## Forwarding

	$(fwd_table)

	A row's runs that failed are not in its figures; "Problems" below says why.

	${fwd_png:+![Forwarded Mpps per row, median with min-max bars](forwarding.png)}

	## PMD

	$(if [ -s "$tmp/pmd.md" ]; then cat "$tmp/pmd.md"; else echo "bench-pmd.sh wrote no table: it failed."; fi)

	## Teardown

	\`zc-destroy-perf --runs $runs\` (app/zc-destroy-perf, the public API only): the
	wall-clock time of one \`zc_pool_destroy()\` deferred and forced with HELD
	buffers out, then of \`zc_area_unbind()\` (from a net_null vdev) and of the last
	\`zc_area_put()\`, median of $runs runs; a pool of POOL 2176-byte mbufs over a
	hugepage area sized for it. First the buffers in flight at one pool size, then
	the pool (and area) size at 1000 in flight. For reference, in the same run:
	what \`rte_memzone_free()\` takes for memzones of the sizes of the forced
	pool's memory chunks (its mbuf headers) and of the area. DPDK's heap zeroes
	what it frees, so that part of "forced" and "release" grows with the memory;
	the rest of "forced" is zcpool's own teardown (and its smaller heap frees).${tcmp:+ "before": the same program over the zcpool and zcmem libraries of the build before the change.}

	$(if [ -s "$tmp/teardown.csv" ]; then teardown_table; else echo "zc-destroy-perf wrote no results (not run, or it failed)."; fi)

	${teardown_png:+![Teardown cost against buffers in flight and area size](teardown.png)}

	## Pool

	$(if [ -s "$tmp/pool.csv" ]; then pool_table; elif part pool; then echo "bench-pool.sh wrote no results: it failed."; else echo "Not run (--parts)."; fi)

	${pool_png:+![Pool cycles per object, zcpool vs ring_mp_mc vs stack](pool.png)}

	## Profiles

	<details><summary>Hottest symbols on CPU $dut_cpu, first run of each forwarding row</summary>

	\`\`\`
	$(profiles)
	\`\`\`

	</details>

	## Problems

	$(problems)

	<details><summary>Forwarding runs, raw</summary>

	model, row, repetition, ok, fwd Mpps, offered Mpps, CPU ns/pkt, kernel % (perf),
	other %, zcfwd's own port 1 tx Mpps over its whole run (for reference), its busy
	cycles per forwarded packet, taken %:

	\`\`\`
	$(cat "$tmp/results")
	\`\`\`

	</details>
	EOF
}

# The plots of the parts run are made anew; the others stay as they were.
for p in fwd:forwarding pool:pool teardown:teardown; do
	part "${p%%:*}" && rm -f "$outdir/${p#*:}.png"
done
if [ -s "$tmp/teardown.csv" ]; then
	teardown_plot_data >"$tmp/teardown.dat"
	plot teardown "Teardown: microseconds per call, median of $runs runs"
fi
if [ ${#fwd_rows[@]} -gt 0 ]; then
	fwd_plot_data >"$tmp/forwarding.dat"
	plot forwarding "Forwarding, 64-byte IPv4 UDP over veth: median of $runs runs x $secs s, bars min-max"
fi
if [ -s "$tmp/pool.csv" ]; then
	pool_plot_data >"$tmp/pool.dat"
	plot pool "Pool get+put, cycles per object: median of $runs runs, bars min-max"
fi
report >"$outdir/latest.md"
say "report written to $outdir/latest.md ($elapsed s)"
if [ ${#failures[@]} -gt 0 ]; then
	say "problems:"
	problems >&2
	exit 1
fi

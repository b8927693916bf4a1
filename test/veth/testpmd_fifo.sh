# shellcheck shell=bash disable=SC2154,SC2034 # ($tmp comes from, tp_pid goes to, the sourcing script)
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Driving an interactive dpdk-testpmd through a fifo, for the veth tests and the
# benchmarks. Files go in $tmp: NAME.cmd (the fifo), NAME.out (all its output).

# tp_launch NAME FD PREFIX... -- TESTPMD ARGS: start "PREFIX stdbuf -oL dpdk-testpmd
# ARGS" reading commands from a fifo opened on FD; waits for its first prompt.
# Sets tp_pid (PREFIX commands exec, so it is testpmd's).
tp_launch() {
	local name=$1 fd=$2 pre=()
	shift 2
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	rm -f "$tmp/$name.cmd"
	mkfifo "$tmp/$name.cmd"
	"${pre[@]}" stdbuf -oL dpdk-testpmd "$@" <"$tmp/$name.cmd" >"$tmp/$name.out" 2>&1 &
	tp_pid=$!
	eval "exec $fd>\"$tmp/$name.cmd\""
	tp_wait "$name" 1 30
}
prompts() { grep -o 'testpmd>' "$tmp/$1.out" 2>/dev/null | wc -l || true; }
# tp_wait NAME N TIMEOUT_S: until testpmd has printed its prompt N times.
tp_wait() {
	local _
	for _ in $(seq $(($3 * 20))); do
		[ "$(prompts "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# tp_cmd NAME FD CMD [SAVE]: run a command, wait for the next prompt, and save its
# output in $tmp/NAME.SAVE (default NAME.last).
tp_cmd() {
	local name=$1 fd=$2 n off
	n=$(prompts "$name")
	off=$(stat -c %s "$tmp/$name.out")
	echo "$3" >&"$fd"
	tp_wait "$name" $((n + 1)) 20 || return 1
	tail -c +$((off + 1)) "$tmp/$name.out" >"$tmp/$name.${4:-last}"
}
# tp_do NAME FD CMD: tp_cmd, or the output so far and a failure (tests).
tp_do() {
	tp_cmd "$@" && return 0
	cat "$tmp/$1.out"
	echo "FAIL: testpmd stopped answering ($3)"
	exit 1
}
# tp_fwd_rx NAME: RX-packets of the last "Accumulated forward statistics" block.
tp_fwd_rx() {
	awk '/Accumulated forward statistics/ {blk = 1; v = ""}
		blk && /RX-packets:/ && v == "" {v = $2} END {print v}' "$tmp/$1.out"
}
# tp_quit FD: quit the testpmd whose fifo is on FD, close it and wait until
# testpmd ($tp_pid) has ended; clears DUT_PID (the veth tests' EXIT trap).
tp_quit() {
	echo quit >&"$1"
	eval "exec $1>&-"
	wait "$tp_pid"
	DUT_PID=
}
# tp_test_begin PREFIX BUILD_DIR [PROGRAM...]: the start of a veth test that
# drives testpmd (topo.sh and plugins.sh sourced): veth_test_begin PREFIX with
# PROGRAMs and dpdk-testpmd, the drivers staged, and tp_args set to testpmd's
# EAL arguments: lcores 0 and 1, memory as eal_mem says, zcpool pools, both
# drivers loaded.
tp_test_begin() {
	local prefix=$1 build=$2 mem
	shift 2
	veth_test_begin "$prefix" "$@" dpdk-testpmd
	plugins_stage "$build"
	read -ra mem <<<"$(eal_mem "$prefix")"
	# shellcheck disable=SC2054 # "-l 0,1" is one argument
	tp_args=(-l 0,1 --no-pci "${mem[@]}" --mbuf-pool-ops-name zcpool -d "$ZCPOOL_SO" -d "$ZCRX_SO")
}

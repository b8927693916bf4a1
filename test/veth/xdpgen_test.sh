#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# zc-xdpgen, the benchmarks' generator (app/zc-xdpgen): every one of its
# threads offers, what it says it offered left its veth, its summary comes at a
# stop signal within a run's time, and bad arguments get one line and status 1.
# Its frames land on a native XDP program (xdp_pass) on the peer.
#   xdpgen_test.sh BUILD_DIR
set -u
here=$(dirname "$0")
. "$here/topo.sh"
gen=$1/app/zc-xdpgen/zc-xdpgen
[ -x "$gen" ] || { echo "SKIP: $gen not built (needs libbpf and clang)"; exit 77; }
veth_test_begin "zg$$" clang
veth_xdp_objs
fail() { echo "FAIL: $*"; exit 1; }

ip link set "${TOPO}a0" xdp obj "$tmp/pass.o" sec xdp || fail "cannot attach xdp_pass to ${TOPO}a0"
amac=$(cat "/sys/class/net/${TOPO}a0/address")
offered() { # a1's transmitted frames, sent or refused by a0's XDP ring
	echo $(($(topo_stat "${TOPO}a" "${TOPO}a1" tx packets) + $(topo_stat "${TOPO}a" "${TOPO}a1" tx dropped)))
}
run_gen() { ip netns exec "${TOPO}a" "$gen" --dev "${TOPO}a1" --dst-mac "$amac" --cpu 0 "$@"; }

# Bad arguments: one line naming what is wrong, status 1, nothing sent.
for bad in "--threads 0" "--threads 17" "--batch 0" "--len 20"; do
	before=$(offered)
	# shellcheck disable=SC2086 # (the argument pairs split on purpose)
	run_gen $bad >"$tmp/bad" 2>&1
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/bad")" -eq 1 ] && [ "$(offered)" -eq "$before" ] ||
		{ cat "$tmp/bad"; fail "'$bad': expected one line and status 1, got status $rc"; }
	echo "ok: '$bad' refused: $(cat "$tmp/bad")"
done
ip netns exec "${TOPO}a" "$gen" --dev nosuchdev0 --dst-mac "$amac" >"$tmp/bad" 2>&1
[ $? -eq 1 ] && grep -q "no device nosuchdev0" "$tmp/bad" || { cat "$tmp/bad"; fail "a missing device is not named"; }

# Three threads: each is a thread of the process while it runs, each offers.
before=$(offered)
ip netns exec "${TOPO}a" "$gen" --dev "${TOPO}a1" --dst-mac "$amac" --cpu 0 --threads 3 >"$tmp/gen.out" 2>&1 &
pid=$!
DUT_PID=$pid
sleep 1
tasks=$(ls /proc/$pid/task 2>/dev/null | wc -l)
t0=$EPOCHREALTIME
kill -TERM $pid
wait $pid
rc=$?
t1=$EPOCHREALTIME
DUT_PID=
after=$(offered)
cat "$tmp/gen.out"
[ $rc -eq 0 ] || fail "zc-xdpgen exited with status $rc after SIGTERM"
[ "$tasks" -eq 4 ] || fail "expected 4 threads (main and 3 offering), saw $tasks"
awk -v a="$t0" -v b="$t1" 'BEGIN {exit !(b - a < 1.0)}' ||
	fail "the summary took $(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}') s after SIGTERM"
said=$(sed -n "s/^zc-xdpgen: offered \([0-9]*\) frames in.*/\1/p" "$tmp/gen.out")
[ -n "$said" ] || fail "no summary line"
# The offer counts only runs that completed; the veth saw those and the
# interrupted ones.
[ "$((after - before))" -ge "$said" ] ||
	fail "the summary says $said frames, but ${TOPO}a1 sent only $((after - before))"
n=$(grep -c "^zc-xdpgen: thread [0-9]* offered [1-9]" "$tmp/gen.out")
[ "$n" -eq 3 ] || fail "expected 3 threads that offered frames, saw $n"
echo "ok: 3 threads offered $said frames (the veth sent $((after - before))), stopped in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s"

# --seconds: it ends by itself.
run_gen --threads 2 --seconds 1 >"$tmp/gen.out" 2>&1 || { cat "$tmp/gen.out"; fail "--seconds 1 run failed"; }
grep -q "offered [1-9][0-9]* frames in 1\.[0-9]* s" "$tmp/gen.out" || { cat "$tmp/gen.out"; fail "--seconds 1: no summary of about 1 s"; }
echo "ok: $(grep offered "$tmp/gen.out" | tail -n 1)"
echo "PASS"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# net_zcrx's devargs in dpdk-testpmd: every key bare, empty, repeated, numbers
# in octal, hex, with a space or a sign, or out of range, too many pairs, an
# unknown key and iface=lo. Each must fail the probe without a crash and with
# one error line naming the device, the devarg as given and what is accepted.
# The parse comes before any interface work: no root or veth needed.
#   devargs_test.sh BUILD_DIR
set -u
build=$1
here=$(dirname "$0")
. "$here/../plugins.sh"
command -v dpdk-testpmd >/dev/null || { echo "SKIP: dpdk-testpmd not found"; exit 77; }
plugins_stage "$build"
tmp=$(mktemp -d)
# The EAL's runtime directory of the runs goes too (where the EAL puts it).
if [ "$(id -u)" -eq 0 ]; then rundir=/var/run/dpdk; else rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
trap 'rm -rf "$tmp" "$rundir/zda$$"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }

# probe DEVARGS: testpmd with one net_zcrx port; its output in $tmp/out, its
# exit status in $rc.
probe() {
	timeout 60 dpdk-testpmd -l 0,1 --no-pci --no-huge -m 64 --file-prefix "zda$$" \
		--log-level=lib.eal:warning --mbuf-pool-ops-name zcpool \
		-d "$ZCPOOL_SO" -d "$ZCRX_SO" --vdev "net_zcrx0,$1" -- -i --total-num-mbufs=2048 \
		<<<quit >"$tmp/out" 2>&1
	rc=$?
}

# refused DEVARGS WANT...: the probe fails, testpmd exits by itself (not by a
# signal, nor the timeout), and the one net_zcrx0 error line says every WANT.
refused() {
	local args=$1 line n w
	shift
	probe "$args"
	n=$(grep -c '^net_zcrx: net_zcrx0: ' "$tmp/out")
	line=$(grep '^net_zcrx: net_zcrx0: ' "$tmp/out" | grep -v ': probe failed$')
	if [ $rc -gt 128 ] || [ $rc -eq 124 ]; then
		fail "'$args': testpmd ended with status $rc (a signal, or the timeout)"
		return
	fi
	# The error line and "probe failed".
	if ! grep -q '^net_zcrx: net_zcrx0: probe failed$' "$tmp/out" || [ "$n" -ne 2 ]; then
		fail "'$args': expected a failed probe and one error line:" \
			"$(grep net_zcrx "$tmp/out")"
		return
	fi
	for w in "$@"; do
		grep -qF -- "$w" <<<"$line" && continue
		fail "'$args': \"$line\" does not say \"$w\""
		return
	done
	echo "ok   $args -> $line"
}

# KEY MIN MAX: the numeric devargs and their ranges.
nums="start_queue 0 65535
queue_count 1 16
rq_entries 0 32768
busy_budget 0 65535
force_copy 0 1"

for k in iface start_queue queue_count rq_entries busy_budget force_copy xdp_prog; do
	[ $k = iface ] && base= || base=iface=lo,
	refused "$base$k" "$k without a value"
	refused "$base$k=" "$k=:"
done
refused "iface=lo,iface=lo" "iface=lo: iface given again"
refused "iface=zc_a_name_too_long" "iface=zc_a_name_too_long:" "1 to 15 characters"
refused "iface=lo,xdp_prog=/nonexistent" "xdp_prog=/nonexistent: cannot read the XDP object file"
refused "iface=lo,xdp_prog=$0,xdp_prog=$0" "xdp_prog=$0: xdp_prog given again"
while read -r k min max; do
	refused "iface=lo,$k=$min,$k=$min" "$k=$min: $k given again"
	for v in 010 0x1 00 " 1" "1 " +1 -1 1x $((max + 1)) 99999999999999999999999; do
		refused "iface=lo,$k=$v" "$k=$v:" "plain decimal"
	done
	if [ "$min" -gt 0 ]; then
		refused "iface=lo,$k=$((min - 1))" "$k=$((min - 1)):" "from $min to $max"
	fi
done <<<"$nums"
refused "iface=lo,rq_entries=1000" "rq_entries=1000:" "power of two up to 32768"
refused "iface=lo,bogus=1" "bogus=1: unknown key" "iface, start_queue"
refused "iface=lo$(printf ',busy_budget=%d' $(seq 32))" "more than 32 key=value pairs"
# Every number at its bounds gets past the parse to the interface: the loopback,
# which the probe refuses with the reason the start would fail.
for bound in min max; do
	# shellcheck disable=SC2034 # both read, one used
	args=$(while read -r k min max; do printf ',%s=%s' "$k" "${!bound}"; done <<<"$nums")
	refused "iface=lo$args" "iface=lo:" "loopback device"
done
refused "iface=lo" "iface=lo:" "loopback device"
[ $failed -eq 0 ] && echo "PASS: every bad devarg fails the probe with one line naming it"
exit $failed

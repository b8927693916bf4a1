#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# zcfwd's command line, without root or hugepages: every refusal exits 2 with
# exactly one "zcfwd:" line naming the option or FILE:LINE; --help lists every
# option options.c parses; two seconds over net_null ports exit 0 with every
# buffer back.
#   cli_test.sh ZCFWD_BIN OPTIONS_C
set -u
bin=$1 options_c=$2
tmp=$(mktemp -d)
# The EAL's runtime directory of the runs below goes too (where the EAL puts it).
if [ "$(id -u)" -eq 0 ]; then rundir=/var/run/dpdk; else rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
trap 'rm -rf "$tmp" "$rundir/zcli$$"' EXIT
eal=(-l '0,1' --no-pci --no-huge -m 256 --file-prefix "zcli$$" --log-level=lib.eal:warning
	--vdev net_null0 --vdev net_null1)
failed=0

ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failed=1; }

routes=$tmp/routes
printf '# two ports\n10.0.0.0/8 0\n2001:db8::/32 1\n' >"$routes"
printf '10.0.0.0/8 0\n\n10.1.0.0/16 7\n' >"$tmp/bad-port"
printf '10.0.0.0/8 0\n10.1.0.0/16\n' >"$tmp/bad-line"
printf '10.0.0.0/8 0\n10.1.0.0/16 0\0 junk\n' >"$tmp/nul-byte"
mkdir "$tmp/routes.d"
# One IPv4 and one IPv6 prefix more than the 4096 each, after a default route
# that does not count; then 257 /24 blocks with host routes, one past the 256.
{
	echo '0.0.0.0/0 1'
	for ((i = 0; i < 4097; i++)); do echo "10.$((i / 256)).$((i % 256)).0/24 0"; done
} >"$tmp/many-4"
for ((i = 0; i < 4097; i++)); do printf '2001:db8:%x::/48 1\n' $i; done >"$tmp/many-6"
for ((i = 0; i < 257; i++)); do echo "10.$((i / 256)).$((i % 256)).1/32 0"; done >"$tmp/many-blocks"
base=(-p 3 --config '(0,0,1),(1,0,1)' --routes "$routes")

# refuse WANT... -- ARGS: "zcfwd EAL -- ARGS" exits 2, and the one "zcfwd:" line
# on stderr contains every WANT.
refuse() {
	local want=() err rc line w
	while [ "$1" != -- ]; do
		want+=("$1")
		shift
	done
	shift
	err=$("$bin" "${eal[@]}" -- "$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	line=$(grep '^zcfwd:' <<<"$err")
	if [ $rc -ne 2 ]; then
		fail "$*: exit status $rc, expected 2: $err"
		return
	fi
	if [ "$(grep -c '^zcfwd:' <<<"$err")" -ne 1 ]; then
		fail "$*: not one \"zcfwd:\" line: $err"
		return
	fi
	for w in "${want[@]}"; do
		if ! grep -qF -- "$w" <<<"$line"; then
			fail "$*: \"$line\" does not say \"$w\""
			return
		fi
	done
	ok "$* -> $line"
}

refuse ' -p ' 'required' -- --config '(0,0,1)' --routes "$routes"
refuse '-p zz:' 'hexadecimal' -- -p zz --config '(0,0,1)' --routes "$routes"
refuse '-p 0:' 'hexadecimal' -- -p 0 --config '(0,0,1)' --routes "$routes"
refuse '-p 100000000:' 'hexadecimal' -- -p 100000000 --config '(0,0,1)' \
	--routes "$routes"
refuse '--config (0,0):' '(port,queue,lcore)' -- -p 3 --config '(0,0)' \
	--routes "$routes"
refuse '--config (0,0,1)(1,0,1):' 'comma' -- -p 3 --config '(0,0,1)(1,0,1)' \
	--routes "$routes"
refuse '--config' 'required' -- -p 3 --routes "$routes"
refuse '--config' 'port 1' '-p 0x1' -- -p 1 --config '(0,0,1),(1,0,1)' \
	--routes "$routes"
refuse '--config' '(0,0)' 'twice' -- -p 3 --config '(0,0,1),(0,0,1),(1,0,1)' \
	--routes "$routes"
refuse '--config' 'lcore 5' 'not enabled' -- -p 3 --config '(0,0,1),(1,0,5)' --routes "$routes"
refuse '--config' 'port 0' 'queues 0..1' -- -p 3 \
	--config '(0,1,1),(1,0,1)' --routes "$routes"
refuse '--mode bogus:' 'rtc or pipeline' -- "${base[@]}" --mode bogus
refuse '--mode pipeline' '--workers' 'required' -- "${base[@]}" --mode pipeline
refuse '--workers' 'lcore 1' '--config' -- "${base[@]}" --mode pipeline \
	--workers 1
refuse '--workers' '--mode pipeline' -- "${base[@]}" --workers 0
refuse '--workers x:' 'lcore' -- "${base[@]}" --mode pipeline --workers x
refuse '--workers' 'lcore 1' 'twice' -- -p 3 --config '(0,0,0),(1,0,0)' --routes "$routes" \
	--mode pipeline --workers 1,1
refuse '--return bogus:' 'free or refill' -- "${base[@]}" --return bogus
refuse '--return refill' 'not a net_zcrx port' -- "${base[@]}" --return refill
refuse '--eth-dest 0,zz:zz:zz:zz:zz:zz:' 'MAC' -- "${base[@]}" \
	--eth-dest 0,zz:zz:zz:zz:zz:zz
refuse '--eth-dest 0:' 'PORT,MAC' -- "${base[@]}" --eth-dest 0
refuse '--eth-dest 32,02:00:00:00:00:01:' 'port' -- "${base[@]}" \
	--eth-dest 32,02:00:00:00:00:01
refuse '--duration soon:' 'seconds' -- "${base[@]}" --duration soon
refuse '--pool-size 10:' '>= 1024' -- "${base[@]}" --pool-size 10
refuse 'unknown option --bogus' -- "${base[@]}" --bogus
refuse 'unknown option -x' -- "${base[@]}" -x
refuse 'unexpected argument extra' -- "${base[@]}" extra
refuse '--routes' 'required' -- -p 3 --config '(0,0,1),(1,0,1)'
refuse '--routes' 'value' -- -p 3 --config '(0,0,1),(1,0,1)' --routes
refuse "--routes $tmp/missing:" 'No such file or directory' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/missing"
refuse "$tmp/bad-port:3:" 'port' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/bad-port"
refuse "$tmp/bad-line:2:" -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/bad-line"
refuse "$tmp/nul-byte:2:" 'NUL byte' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/nul-byte"
refuse "--routes $tmp/routes.d:" 'Is a directory' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/routes.d"
refuse "$tmp/many-4:4098:" 'more than 4096 IPv4 prefixes' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/many-4"
refuse "$tmp/many-6:4097:" 'more than 4096 IPv6 prefixes' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/many-6"
refuse "$tmp/many-blocks:257:" '256 /24 blocks' -- -p 3 --config '(0,0,1),(1,0,1)' \
	--routes "$tmp/many-blocks"
refuse '-p 0x7:' 'port 2' 'does not exist' -- -p 7 --config '(0,0,1),(1,0,1),(2,0,1)' \
	--routes "$routes"

# --help, after EAL's own options or alone: exit 0 and every option that
# options.c parses (its long options and getopt string) in the text.
mapfile -t longs < <(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' "$options_c")
shorts=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' "$options_c" | tr -d ':')
if [ ${#longs[@]} -lt 8 ] || [ ${#shorts} -lt 3 ]; then
	fail "cannot read the options from $options_c: long '${longs[*]}', short '$shorts'"
fi
for help in "-- --help" "--help"; do
	# shellcheck disable=SC2086 # $help is one or two words
	out=$("$bin" "${eal[@]}" $help 2>/dev/null </dev/null)
	rc=$?
	missing=
	for o in "${longs[@]}"; do
		grep -qE -- "--$o([ ,=]|\$)" <<<"$out" || missing+=" --$o"
	done
	for ((i = 0; i < ${#shorts}; i++)); do
		grep -qE -- "(^|[ ,])-${shorts:i:1}([ ,]|\$)" <<<"$out" || missing+=" -${shorts:i:1}"
	done
	if [ $rc -ne 0 ] || [ -n "$missing" ]; then
		fail "zcfwd $help: exit status $rc, options not described:$missing"
	else
		ok "zcfwd $help: exit 0, describes$(printf -- ' --%s' "${longs[@]}") and -$shorts"
	fi
done

# Two seconds over net_null: its frames are not IP, so every one received is
# dropped as not_ip; then the audit finds every buffer back (pool in --no-huge
# memory: no area, no hugepages).
out=$("$bin" "${eal[@]}" -- "${base[@]}" --duration 2 -q 2>"$tmp/run.err" </dev/null)
rc=$?
echo "$out"
if [ $rc -ne 0 ]; then
	fail "net_null run: exit status $rc: $(cat "$tmp/run.err")"
fi
grep -q '^zcfwd: 2 ports, 1 IPv4 and 1 IPv6 routes, run-to-completion model, --return free' \
	<<<"$out" || fail "net_null run: no start line naming 2 ports and the routes"
grep -qE '^audit: pool zcfwd_pool: all [0-9]+ buffers are back$' <<<"$out" ||
	fail "net_null run: the audit does not find every buffer back"
! grep -qE '^port [0-9]+: rx' <<<"$out" || fail "net_null run: live lines despite -q"
secs=$(sed -n 's/^zcfwd: run-to-completion model, --return free, \([0-9.]*\) s$/\1/p' <<<"$out")
awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 1.9 && s < 5) }' ||
	fail "net_null run: ran '$secs' s for --duration 2"
for p in 0 1; do
	rx=$(sed -n "s/^port $p (net_null$p): rx \([0-9]*\) .*/\1/p" <<<"$out")
	drops=$(grep -A1 "^port $p (net_null$p):" <<<"$out" | sed -n 's/^ *drops: //p')
	if [ "${rx:-0}" -gt 0 ] && [ "$drops" = "not_ip $rx" ]; then
		ok "net_null run: port $p received $rx, all dropped as not_ip"
	else
		fail "net_null run: port $p: rx '$rx', drops '$drops' (expected not_ip $rx)"
	fi
done
[ $failed -eq 0 ] && ok "net_null run: exit 0, every buffer back"
exit $failed

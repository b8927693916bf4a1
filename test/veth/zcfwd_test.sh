#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# zcfwd routing IPv4 and IPv6 over two net_zcrx ports: a mix of flows from
# namespace a must reach namespace b intact, once each, with the TTL or hop limit
# decremented; an unroutable flow and a TTL-1 flow (both families) must be dropped
# and counted exactly. zcfwd must stop on SIGINT with every buffer back in its
# pool, and with --return refill give buffers back through the refill ring.
#   zcfwd_test.sh BUILD_DIR rtc|pipeline free|refill
# rtc: one lcore polls both ports. pipeline: one receive lcore, one worker.
set -u
build=$1 model=$2 ret=$3
here=$(dirname "$0")
. "$here/topo.sh"
. "$here/../plugins.sh"
case $model in
rtc) lcores=1 config="(0,0,1),(1,0,1)" workers=() ;;
pipeline) lcores=0,1 config="(0,0,0),(1,0,0)" workers=(--workers 1) ;;
*) echo "usage: zcfwd_test.sh BUILD_DIR rtc|pipeline free|refill"; exit 2 ;;
esac

veth_test_begin "zw$$"
fail() { cat "$tmp/out"; echo "FAIL: $*"; exit 1; }

cat >"$tmp/routes" <<'EOF'
# Both families to port 1 (namespace b); 203.0.113.0/24 and 2001:db8:ff::/48 have no route.
198.18.0.0/15     1
2001:db8:1::/48   1
EOF
read -ra mem <<<"$(eal_mem "zw$$")"
# A known runtime directory, for the telemetry socket.
[[ " ${mem[*]} " == *" --file-prefix "* ]] || mem+=(--file-prefix "zw$$")
"$build/examples/zcfwd/zcfwd" -l $lcores --no-pci "${mem[@]}" \
	--vdev "net_zcrx0,iface=${TOPO}a0" --vdev "net_zcrx1,iface=${TOPO}b0" \
	-- -p 3 --config "$config" --routes "$tmp/routes" \
	--eth-dest "1,$(topo_mac "${TOPO}b" "${TOPO}b1")" \
	--mode "$model" "${workers[@]}" --return "$ret" >"$tmp/out" 2>&1 &
DUT_PID=$!
for _ in $(seq 100); do grep -qs "stops$" "$tmp/out" && break; sleep 0.2; done
grep -q "stops$" "$tmp/out" || fail "zcfwd did not start"

nmix=4000 ndrop=100
amac=$(cat "/sys/class/net/${TOPO}a0/address")
send() {
	ip netns exec "${TOPO}a" python3 "$here/frames.py" send-mix "${TOPO}a1" "$amac" "$@" \
		>/dev/null || fail "frames.py send-mix $*"
}
ip netns exec "${TOPO}b" python3 "$here/frames.py" recv-mix "${TOPO}b1" $nmix 30 63 >"$tmp/recv" &
rx=$!
sleep 0.5
# What must be dropped goes first: forwarded, it would arrive as duplicates of
# the mix's first sequence numbers, or with TTL 0.
send 203.0.113.9 2001:db8:ff::9 $ndrop
send 198.18.1.9 2001:db8:1::9 $ndrop --ttl 1
send 198.18.1.9 2001:db8:1::9 $nmix
wait $rx
rc=$?
cat "$tmp/recv"

# The counters are on the telemetry socket too (what dpdk-telemetry.py reads).
tel=$(python3 - "/var/run/dpdk/zw$$/dpdk_telemetry.v2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(16384)
s.send(b"/zcfwd/stats,0")
st = json.loads(s.recv(16384))["/zcfwd/stats"]
print(st["rx"], st["no_route"], st["ttl_expired"])
PY
) || fail "no /zcfwd/stats on the telemetry socket"
[ "$tel" = "$((nmix + 2 * ndrop)) $ndrop $ndrop" ] ||
	fail "telemetry /zcfwd/stats,0 says rx, no_route, ttl_expired = $tel"

kill -INT "$DUT_PID"
for _ in $(seq 50); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.2; done
kill -0 "$DUT_PID" 2>/dev/null && fail "zcfwd did not stop on SIGINT"
wait "$DUT_PID"
status=$?
DUT_PID=
rm -rf "/var/run/dpdk/zw$$"
[ $rc -eq 0 ] || fail "namespace b did not get every routable frame once, intact, TTL 63"
[ $status -eq 0 ] || fail "zcfwd exited with status $status"
grep -qE "^audit: pool [^ ]+: all [0-9]+ buffers are back$" "$tmp/out" || fail "buffers missing"

# From port $1's lines in the summary: "rx N tx N drops: ..." (what = counts)
# or "REFILL FREE", the buffers zcfwd returned each way (what = returns).
summary() {
	awk -v p="$1" -v what="$2" '$1 == "port" && $2 == p && $3 ~ /^\(/ {
		counts = "rx " $5 " tx " $9
		getline; sub(/^ *drops: /, ""); counts = counts " drops: " $0
		getline; gsub(/,/, "")
		print what == "counts" ? counts : $6 " " $8
		exit
	}' "$tmp/out"
}
expect() { # expect PORT WHAT VALUE
	[ "$(summary "$1" "$2")" = "$3" ] || fail "port $1: expected '$3', got '$(summary "$1" "$2")'"
}
expect 0 counts "rx $((nmix + 2 * ndrop)) tx 0 drops: no_route $ndrop ttl_expired $ndrop"
# Every frame the port took is accounted for: all reached zcfwd at this rate.
grep -qx "    lost before zcfwd: 0 (missed 0, errors 0, no mbuf 0); the port took $((nmix + 2 * ndrop))" \
	"$tmp/out" || fail "port 0: frames lost before zcfwd, or not accounted for"
expect 1 counts "rx 0 tx $nmix drops: none"
expect 1 returns "0 0"
read -r refill free <<<"$(summary 0 returns)"
if [ "$ret" = refill ]; then
	# The drops, and the sent buffers the transmit completions handed back.
	[ "$refill" -gt $((2 * ndrop)) ] ||
		fail "--return refill: $refill buffers came back by refill, not more than the drops"
else
	# Only the drops: the PMD frees what it sent.
	expect 0 returns "0 $((2 * ndrop))"
fi
echo "PASS: zcfwd ($model, --return $ret): $nmix IPv4 and IPv6 frames routed, $((2 * ndrop)) dropped" \
	"as counted, every buffer back (refill $refill, free $free)"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Runs a net_zcrx test program on a veth pair whose far end is in a namespace.
#   on_veth.sh BUILD_DIR huge|no-huge PROGRAM
# The program (linked with net_zcrx) gets: --huge|--no-huge -l 0,1 -- IFACE "SEND COMMAND",
# where SEND COMMAND makes the namespace send 64 test frames to IFACE.
set -u
build=$1 mode=$2 prog=$3
here=$(dirname "$0")
. "$here/topo.sh"
topo_skip_unless_able
if [ "$mode" = huge ] && [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt 64 ]; then
	echo "SKIP: fewer than 64 free hugepages"
	exit 77
fi
trap topo_down EXIT
topo_up "zv$$"
mac=$(cat "/sys/class/net/${TOPO}a0/address")
send="ip netns exec ${TOPO}a python3 $here/frames.py send ${TOPO}a1 $mac 64 >/dev/null"
# The far end, for programs that configure it.
export ZC_VETH_PEER_NS=${TOPO}a ZC_VETH_PEER=${TOPO}a1
# A flood for soaks: the program appends the seconds.
export ZC_VETH_GEN="ip netns exec ${TOPO}a python3 $here/frames.py gen-mix ${TOPO}a1 $mac 10.99.0.1 2001:db8:99::1"
"$build/test/$prog" "--$mode" -l 0,1 -- "${TOPO}a0" "$send"

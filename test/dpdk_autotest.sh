#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one of DPDK's own autotests with zcpool as the default mbuf pool ops.
#   dpdk_autotest.sh DPDK_TEST_BIN BUILD_DIR huge|no-huge TEST_NAME
# Exit 77 (skip) when hugepages are wanted and none are free.
set -u
bin=$1 build=$2 mode=$3 name=$4
. "$(dirname "$0")/plugins.sh"
plugins_stage "$build"
mem=(--in-memory)
if [ "$mode" = huge ]; then
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "${free:-0}" -lt 64 ]; then
		echo "SKIP: fewer than 64 free hugepages (run devtools/setup.sh as root)"
		exit 77
	fi
else
	# --no-huge implies legacy memory, which --in-memory refuses.
	mem=(--no-huge -m 512 --file-prefix "zcat$$")
fi
# Our driver first (-d) so that it wins over any installed copy in DPDK's plugin dir.
out=$(DPDK_TEST=$name "$bin" -l 0,1 --no-pci "${mem[@]}" -d "$ZCPOOL_SO" \
	--mbuf-pool-ops-name zcpool --log-level=lib.eal:warning </dev/null 2>&1)
rc=$?
echo "$out"
# Trust the verdict only with the test's own word for it.
[ $rc -eq 0 ] && grep -q "^Test OK" <<<"$out"

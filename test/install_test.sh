#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What a DPDK user does with the project: meson install into a prefix, build an
# application with pkg-config (examples/zcpool_hello), run it, and have
# dpdk-testpmd load the installed driver with --mbuf-pool-ops-name zcpool.
#   install_test.sh SOURCE_DIR
set -euo pipefail
src=$1
. "$(dirname "$0")/plugins.sh"
# EAL refuses to load plugins below a world-writable directory: install privately.
tmp=$(mktemp_private install-test)
trap 'rm -rf "$tmp"' EXIT

meson setup "$tmp/build" "$src" --prefix="$tmp/prefix" -Dpmd_dir="$tmp/prefix/pmds" \
	-Dtests=false >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; exit 1; }
meson install -C "$tmp/build" --quiet >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; exit 1; }

pc=$(dirname "$(find "$tmp/prefix" -name libzcrx.pc | head -n 1)")
[ -f "$pc/libzcrx.pc" ] || { echo "FAIL: libzcrx.pc not installed"; exit 1; }
for f in include/zcrx/zc_area.h include/zcrx/zc_pool.h pmds/libzc_mempool_zcpool.so; do
	[ -e "$tmp/prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
find "$tmp/prefix" -name 'libzc_mempool_zcpool.a' | grep -q . ||
	{ echo "FAIL: static archive not installed"; exit 1; }

export PKG_CONFIG_PATH="$pc:$PKG_CONFIG_PATH"
libdir=$(pkg-config --variable=libdir libzcrx)
cp -r "$src/examples/zcpool_hello" "$tmp/app"
make -s -C "$tmp/app" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; exit 1; }
out=$(LD_LIBRARY_PATH="$libdir:$tmp/prefix/pmds:${LD_LIBRARY_PATH:-}" "$tmp/app/zcpool_hello" \
	-l 0 --no-huge -m 256 --no-pci --file-prefix "zct$$" --log-level=lib.eal:error 2>&1) ||
	{ echo "$out"; echo "FAIL: zcpool_hello"; exit 1; }
echo "$out"
grep -q "pool freed after the last buffer returned" <<<"$out" ||
	{ echo "FAIL: zcpool_hello did not finish"; exit 1; }

out=$(printf 'show port info 0\nquit\n' | LD_LIBRARY_PATH="$libdir:${LD_LIBRARY_PATH:-}" \
	dpdk-testpmd -l 0,1 --no-huge -m 512 --no-pci --file-prefix "zct$$" \
	-d "$tmp/prefix/pmds/libzc_mempool_zcpool.so" --mbuf-pool-ops-name zcpool \
	--vdev net_null0 -- -i --total-num-mbufs=2048 2>&1) ||
	{ echo "$out"; echo "FAIL: testpmd"; exit 1; }
grep -q "preferred mempool ops selected: zcpool" <<<"$out" &&
	grep -q "create a new mbuf pool" <<<"$out" ||
	{ echo "$out"; echo "FAIL: testpmd did not create a zcpool pool"; exit 1; }
echo "testpmd created its mbuf pool with zcpool ops"

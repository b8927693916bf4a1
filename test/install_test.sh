#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What a DPDK user does with the project, three ways, with nothing of ours on
# LD_LIBRARY_PATH (only DPDK's libdir, as `devtools/setup.sh --env` gives it):
#  1. The README's "Using it": meson setup with the defaults, meson install (the
#     drivers into the EAL plugin directory of the DPDK found, the rest into the
#     prefix, ldconfig). Then stock dpdk-testpmd, no -d: EAL loads its plugin
#     directory whole, ours beside DPDK's own drivers; it starts, and picks zcpool
#     with --mbuf-pool-ops-name zcpool; examples/zcpool_hello built with
#     `pkg-config --libs libzcrx` runs; after `ninja uninstall` testpmd still
#     starts. This runs in a private mount namespace whose overlays over the
#     prefix, the plugin directory and /etc (the loader's cache) catch every
#     write, so nothing reaches the real ones (root only; skipped otherwise).
#  2. A staged install (--destdir), as a packager does: the libraries in the
#     libdir, one symlink per driver in the plugin directory.
#  3. An install into a prefix the loader does not cache: testpmd loads its
#     plugin directory whole (-d DIR), or net_zcrx alone, which then finds zcpool
#     itself; zcpool_hello links with -Wl,-rpath as the install tells.
#   install_test.sh SOURCE_DIR
set -euo pipefail

# Stock dpdk-testpmd over net_null0, interactive, quitting at once: LOG [EAL ARGS...]
testpmd() {
	local log=$1
	shift
	printf 'quit\n' | LD_LIBRARY_PATH=$dpdk_libdir timeout 120 dpdk-testpmd -l 0,1 \
		--no-huge -m 512 --no-pci --file-prefix "$fp" --log-level=lib.eal:debug "$@" \
		--vdev net_null0 -- -i --total-num-mbufs=2048 >"$log" 2>&1 ||
		{ cat "$log"; echo "FAIL: dpdk-testpmd${*:+ $*} did not start"; exit 1; }
}

# The EAL log LOG shows both our drivers opened from each DIR: LOG DIR...
expect_loaded() {
	local log=$1 dir
	shift
	for dir in "$@"; do
		for drv in libzc_mempool_zcpool.so libzc_net_zcrx.so; do
			grep -qxF "EAL: open shared lib $dir/$drv" "$log" ||
				{ cat "$log"; echo "FAIL: EAL did not load $dir/$drv"; exit 1; }
		done
	done
}

expect_zcpool() {
	grep -q "preferred mempool ops selected: zcpool" "$1" &&
		grep -q "create a new mbuf pool" "$1" ||
		{ cat "$1"; echo "FAIL: testpmd did not create a zcpool pool"; exit 1; }
}

# Build examples/zcpool_hello with pkg-config into DIR and run it: DIR [MAKE ARGS...]
hello() {
	local dir=$1 out
	shift
	cp -r "$src/examples/zcpool_hello" "$dir"
	make -s -C "$dir" "$@" >"$dir/make.log" 2>&1 || { cat "$dir/make.log"; exit 1; }
	out=$(LD_LIBRARY_PATH=$dpdk_libdir "$dir/zcpool_hello" -l 0 --no-huge -m 256 \
		--no-pci --file-prefix "$fp" --log-level=lib.eal:error 2>&1) ||
		{ echo "$out"; echo "FAIL: zcpool_hello"; exit 1; }
	grep -q "pool freed after the last buffer returned" <<<"$out" ||
		{ echo "$out"; echo "FAIL: zcpool_hello did not finish"; exit 1; }
}

# Set prefix and libdir from the options of $tmp/build.
install_dirs() {
	read -r prefix libdir < <(meson introspect "$tmp/build" --buildoptions | python3 -c '
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], os.path.join(o["prefix"], o["libdir"]))')
}

# Overlay DIR in this mount namespace, its writes kept under $tmp/ns.
overlay() {
	local up
	up=$tmp/ns/$(tr / _ <<<"$1")
	mkdir -p "$up.up" "$up.work"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$up.up,workdir=$up.work" "$1" ||
		{ echo "SKIP: cannot mount an overlay over $1"; exit 77; }
}

# Way 1, in the private mount namespace.
readme_install() {
	overlay /etc
	overlay "$prefix"
	case "$pmd_dir/" in "$prefix"/*) ;; *) overlay "$pmd_dir" ;; esac

	meson install -C "$tmp/build" >"$tmp/install.log" 2>&1 ||
		{ cat "$tmp/install.log"; echo "FAIL: meson install"; exit 1; }
	testpmd "$tmp/testpmd.log"
	expect_loaded "$tmp/testpmd.log" "$pmd_dir"
	echo "stock testpmd starts with our drivers installed in $pmd_dir"
	testpmd "$tmp/testpmd.log" --mbuf-pool-ops-name zcpool
	expect_zcpool "$tmp/testpmd.log"
	echo "stock testpmd created its mbuf pool with zcpool ops"
	hello "$tmp/hello-readme"
	echo "zcpool_hello linked with pkg-config --libs libzcrx runs"

	ninja -C "$tmp/build" uninstall >"$tmp/uninstall.log" 2>&1 ||
		{ cat "$tmp/uninstall.log"; echo "FAIL: ninja uninstall"; exit 1; }
	left=$(ls -d "$pmd_dir"/libzc_* "$libdir"/libzc_* 2>/dev/null || true)
	[ -z "$left" ] || { echo "$left"; echo "FAIL: ninja uninstall left files behind"; exit 1; }
	testpmd "$tmp/testpmd.log"
	echo "after ninja uninstall, stock testpmd starts"
}

if [ "${1:-}" = --readme-install ]; then
	readme_install
	exit 0
fi

src=$1
. "$(dirname "$0")/plugins.sh"
command -v dpdk-testpmd >/dev/null || { echo "SKIP: dpdk-testpmd not in PATH"; exit 77; }
dpdk_libdir=$(pkg-config --variable=libdir libdpdk)
pmd_dir=$(sed -n 's/^#define RTE_EAL_PMD_PATH "\(.*\)"$/\1/p' \
	"$(pkg-config --variable=includedir libdpdk)/rte_build_config.h")
[ -d "$pmd_dir" ] || { echo "SKIP: this DPDK has no plugin directory (static build?)"; exit 77; }
# EAL refuses to load plugins below a world-writable directory: stay private.
tmp=$(mktemp_private install-test)
fp=zct$$
trap 'rm -rf "$tmp" "/var/run/dpdk/$fp" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$fp"' EXIT

meson setup "$tmp/build" "$src" -Dtests=false >"$tmp/setup.log" 2>&1 &&
	ninja -C "$tmp/build" >"$tmp/ninja.log" 2>&1 ||
	{ cat "$tmp/setup.log" "$tmp/ninja.log"; echo "FAIL: build"; exit 1; }
install_dirs
export src tmp prefix libdir pmd_dir dpdk_libdir fp

readme="the README's install into $prefix and $pmd_dir not checked (needs root, a mount namespace, overlayfs)"
if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
	rc=0
	unshare --mount --propagation private "$BASH" "$0" --readme-install || rc=$?
	case $rc in 0) readme= ;; 77) ;; *) exit "$rc" ;; esac
fi

# Way 2: staged.
stage=$tmp/stage
meson install -C "$tmp/build" --destdir "$stage" --quiet >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL: meson install --destdir"; exit 1; }
for f in "$libdir"/libzc_{mem,mempool_zcpool,net_zcrx}.so.0 "$libdir"/libzc_mempool_zcpool.a \
		"$libdir/pkgconfig/libzcrx.pc" "$prefix"/include/zcrx/zc_{area,pool,rq}.h; do
	[ -f "$stage$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
for drv in libzc_mempool_zcpool libzc_net_zcrx; do
	[ "$(readlink "$stage$pmd_dir/$drv.so")" = "$libdir/$drv.so.0" ] ||
		{ ls -l "$stage$pmd_dir"; echo "FAIL: $pmd_dir/$drv.so is not a symlink to $libdir"; exit 1; }
done
[ "$(ls "$stage$pmd_dir" | wc -l)" -eq 2 ] ||
	{ ls -l "$stage$pmd_dir"; echo "FAIL: $pmd_dir holds more than the two drivers"; exit 1; }
echo "staged install: libraries in $libdir, driver symlinks in $pmd_dir"

# Way 3: a prefix the loader does not cache.
pmds=$tmp/prefix/lib/dpdk/pmds
meson configure "$tmp/build" -Dprefix="$tmp/prefix" -Dpmd_dir="$pmds" >"$tmp/setup.log" 2>&1 &&
	ninja -C "$tmp/build" >"$tmp/ninja.log" 2>&1 &&
	meson install -C "$tmp/build" --quiet >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/setup.log" "$tmp/ninja.log" "$tmp/install.log"; echo "FAIL: install into $tmp/prefix"; exit 1; }
install_dirs
testpmd "$tmp/testpmd.log" -d "$pmds" --mbuf-pool-ops-name zcpool
expect_loaded "$tmp/testpmd.log" "$pmds"
expect_zcpool "$tmp/testpmd.log"
testpmd "$tmp/testpmd.log" -d "$pmds/libzc_net_zcrx.so" --mbuf-pool-ops-name zcpool
expect_zcpool "$tmp/testpmd.log"
echo "uncached prefix: testpmd loads the plugin directory whole, or net_zcrx alone, and picks zcpool"
export PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
hello "$tmp/hello-prefix" LDFLAGS="-Wl,-rpath,$libdir"
echo "uncached prefix: zcpool_hello linked with pkg-config and -Wl,-rpath runs"

if [ -n "$readme" ]; then
	echo "SKIP: $readme"
	exit 77
fi

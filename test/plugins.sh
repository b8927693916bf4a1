# SPDX-License-Identifier: BSD-3-Clause
# Sourced by tests that load the project's drivers into DPDK programs with -d.
#
# EAL refuses to load a plugin below any world-writable directory (such as /tmp,
# where a clone may well live), so the drivers are copied to a private directory
# first. Their libraries are found through LD_LIBRARY_PATH, which meson sets.
#   plugins_stage BUILD_DIR  ->  sets ZCPOOL_SO and ZCRX_SO
plugins_stage() {
	local build=$1 base dir
	if [ "$(id -u)" -eq 0 ]; then base=/run/zcrx-plugins; else base=${XDG_RUNTIME_DIR:-$HOME/.cache}/zcrx-plugins; fi
	dir=$base/$(realpath "$build" | md5sum | cut -c1-12)
	mkdir -p "$dir"
	chmod 0755 "$base" "$dir"
	cp -fL "$build/drivers/mempool/zcpool/libzc_mempool_zcpool.so" "$dir/"
	cp -fL "$build/drivers/net/zcrx/libzc_net_zcrx.so" "$dir/"
	ZCPOOL_SO=$dir/libzc_mempool_zcpool.so
	ZCRX_SO=$dir/libzc_net_zcrx.so
}

# A private scratch directory EAL will load plugins from: mktemp_private NAME
mktemp_private() {
	local base
	if [ "$(id -u)" -eq 0 ]; then base=/run/zcrx-scratch; else base=${XDG_RUNTIME_DIR:-$HOME/.cache}/zcrx-scratch; fi
	mkdir -p "$base"
	chmod 0755 "$base"
	mktemp -d "$base/$1.XXXXXX"
}

# EAL memory arguments: private hugepages when enough are free, else plain memory.
#   eal_mem PREFIX [MIN_FREE_HUGEPAGES]  ->  prints the arguments
eal_mem() {
	if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge "${2:-128}" ]; then
		echo --in-memory
	else
		echo "--no-huge -m 1024 --file-prefix $1"
	fi
}

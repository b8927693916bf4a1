#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Provision this machine for building and testing the project (idempotent, as root):
#   1. Debian build dependencies;
#   2. DPDK 22.11 with the driver SDK, built as shared libraries from Debian's own
#      source package into a cached prefix (reused in seconds on the next run), or,
#      with ZC_DPDK_PREFIX naming a DPDK installed by hand, that one as it is;
#   3. 2 MiB hugepages, hugetlbfs and bpffs, when the kernel lets us.
# Prints the environment to use on its last line: eval "$(devtools/setup.sh --env)".
set -euo pipefail

ZC_DEFAULT_PREFIX=/opt/zcrx/dpdk-22.11
ZC_DPDK_PREFIX=${ZC_DPDK_PREFIX:-$ZC_DEFAULT_PREFIX}
ZC_CACHE=${ZC_CACHE:-/var/cache/zcrx}
ZC_HUGEPAGES=${ZC_HUGEPAGES:-1024}
# Bump when the DPDK build options below change, so cached prefixes get rebuilt.
ZC_DPDK_RECIPE=4
# bus/pci and net/e1000 for the emulated machine's VFIO device; proc-info, pdump and dumpcap
# are the multi-process tools operators attach to a running port.
DPDK_DRIVERS=bus/pci,bus/vdev,mempool/ring,mempool/stack,net/null,net/ring,net/af_packet,net/af_xdp,net/e1000
DPDK_APPS=test-pmd,test,proc-info,pdump,dumpcap
DEB_PKGS="build-essential pkg-config meson ninja-build python3-pyelftools libnuma-dev \
libxdp-dev libbpf-dev libelf-dev zlib1g-dev libpcap-dev dpkg-dev iproute2 ethtool \
valgrind clang gnuplot-nox wireshark-common libibverbs-dev ibverbs-providers rdma-core ibverbs-utils"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# DPDK's library directory: lib (ours) or a multiarch one (a default meson install).
lib_dir() {
	local d
	for d in "$ZC_DPDK_PREFIX/lib" "$ZC_DPDK_PREFIX"/lib/*-linux-gnu; do
		[ -f "$d/pkgconfig/libdpdk.pc" ] && { echo "$d"; return; }
	done
	echo "$ZC_DPDK_PREFIX/lib"
}
pc_dir() { echo "$(lib_dir)/pkgconfig"; }
print_env() {
	echo "export PKG_CONFIG_PATH=$(pc_dir)\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}"
	echo "export LD_LIBRARY_PATH=$(lib_dir)\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
	echo "export PATH=$ZC_DPDK_PREFIX/bin:\$PATH"
}
if [ "${1:-}" = "--env" ]; then print_env; exit 0; fi

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, builds into $ZC_DPDK_PREFIX, reserves hugepages); rerun with sudo"

install_packages() {
	local missing=()
	for p in $DEB_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && { say "Debian packages present"; return; }
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

dpdk_ok() {
	[ "$(cat "$ZC_DPDK_PREFIX/.zcrx-recipe" 2>/dev/null)" = "$ZC_DPDK_RECIPE" ] &&
		PKG_CONFIG_PATH=$(pc_dir) pkg-config --exists libdpdk &&
		[ -f "$ZC_DPDK_PREFIX/include/ethdev_driver.h" ]
}

add_deb_src() {
	# Debian's own source package is the one DPDK source reachable from here.
	if apt-get source --print-uris dpdk >/dev/null 2>&1; then return; fi
	say "adding a deb-src entry for bookworm"
	cat > /etc/apt/sources.list.d/zcrx-bookworm-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq
}

build_dpdk() {
	local src
	mkdir -p "$ZC_CACHE"
	src=$(find "$ZC_CACHE" -maxdepth 1 -type d -name 'dpdk-*' | sort | tail -n 1)
	if [ -z "$src" ] || [ ! -f "$src/meson.build" ]; then
		add_deb_src
		say "fetching DPDK source (apt-get source dpdk) into $ZC_CACHE"
		(cd "$ZC_CACHE" && apt-get source -qq dpdk >/dev/null 2>&1) ||
			die "apt-get source dpdk failed; check the deb-src entry and network access to Debian"
		src=$(find "$ZC_CACHE" -maxdepth 1 -type d -name 'dpdk-*' | sort | tail -n 1)
	fi
	say "building DPDK from $src into $ZC_DPDK_PREFIX (a few minutes, once)"
	rm -rf "$ZC_CACHE/build"
	meson setup "$ZC_CACHE/build" "$src" --prefix="$ZC_DPDK_PREFIX" --libdir=lib \
		--buildtype=release -Ddefault_library=shared -Denable_driver_sdk=true \
		-Dplatform=generic -Denable_drivers="$DPDK_DRIVERS" -Denable_apps="$DPDK_APPS" \
		-Dexamples=l3fwd -Dtests=true -Denable_docs=false -Dmax_lcores=128 \
		>"$ZC_CACHE/meson.log" 2>&1 || die "DPDK meson setup failed, see $ZC_CACHE/meson.log"
	ninja -C "$ZC_CACHE/build" >"$ZC_CACHE/ninja.log" 2>&1 ||
		die "DPDK build failed, see $ZC_CACHE/ninja.log"
	rm -rf "$ZC_DPDK_PREFIX"
	meson install -C "$ZC_CACHE/build" --quiet >/dev/null
	install -m 0755 "$ZC_CACHE/build/examples/dpdk-l3fwd" "$ZC_DPDK_PREFIX/bin/dpdk-l3fwd"
	echo "$ZC_DPDK_RECIPE" > "$ZC_DPDK_PREFIX/.zcrx-recipe"
}

register_libdir() {
	# Installed DPDK binaries and the project's drivers find the libraries without
	# LD_LIBRARY_PATH. A DPDK of the user's own is the user's to register.
	local conf=/etc/ld.so.conf.d/zcrx-dpdk.conf
	foreign_dpdk && return
	if [ "$(cat "$conf" 2>/dev/null)" != "$(lib_dir)" ]; then
		echo "$(lib_dir)" > "$conf"
		ldconfig
	fi
}

setup_hugepages() {
	local nr_file=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages cur
	if [ ! -w "$nr_file" ]; then
		say "no 2 MiB hugepage support here; DPDK will need --no-huge"
		return
	fi
	cur=$(cat "$nr_file")
	if [ "$cur" -lt "$ZC_HUGEPAGES" ]; then
		echo "$ZC_HUGEPAGES" > "$nr_file" 2>/dev/null || true
		cur=$(cat "$nr_file")
	fi
	if [ "$cur" -lt "$ZC_HUGEPAGES" ]; then
		say "reserved only $cur of $ZC_HUGEPAGES 2 MiB hugepages (memory fragmented?); tests that need more will skip"
	else
		say "$cur 2 MiB hugepages reserved"
	fi
	if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages && say "mounted hugetlbfs on /dev/hugepages" ||
			say "could not mount hugetlbfs on /dev/hugepages"
	fi
	if ! grep -qs ' /sys/fs/bpf bpf ' /proc/mounts; then
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null && say "mounted bpffs on /sys/fs/bpf" ||
			say "could not mount bpffs; libxdp will load a single program per interface"
	fi
}

# Another prefix without our recipe stamp is a DPDK of the user's own (any release
# built with the driver SDK, e.g. 24.11 or 25.11): used as it is, never rebuilt or removed.
foreign_dpdk() {
	[ "$ZC_DPDK_PREFIX" != "$ZC_DEFAULT_PREFIX" ] && [ ! -f "$ZC_DPDK_PREFIX/.zcrx-recipe" ]
}

install_packages
if foreign_dpdk; then
	PKG_CONFIG_PATH=$(pc_dir) pkg-config --exists libdpdk ||
		die "$ZC_DPDK_PREFIX has no libdpdk.pc under lib/ or lib/<multiarch>/; point ZC_DPDK_PREFIX at a DPDK install prefix, or unset it to build 22.11"
	[ -f "$ZC_DPDK_PREFIX/include/ethdev_driver.h" ] ||
		die "DPDK in $ZC_DPDK_PREFIX has no driver SDK (ethdev_driver.h); rebuild it with -Denable_driver_sdk=true"
	say "using DPDK $(PKG_CONFIG_PATH=$(pc_dir) pkg-config --modversion libdpdk) from $ZC_DPDK_PREFIX (not built here)"
elif dpdk_ok; then
	say "DPDK with driver SDK found in $ZC_DPDK_PREFIX (cached)"
else
	build_dpdk
	dpdk_ok || die "DPDK installed into $ZC_DPDK_PREFIX but libdpdk.pc or ethdev_driver.h is missing"
	say "DPDK installed into $ZC_DPDK_PREFIX"
fi
register_libdir
setup_hugepages
print_env

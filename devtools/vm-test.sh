#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The emulated-machine suite (doc/guides/howto/emulated_machine.rst): real dmabuf
# exporters, AF_XDP zero-copy and VFIO behind an IOMMU, in a QEMU guest (TCG) that
# this script provisions, builds and boots itself. As root:
#   devtools/vm-test.sh [BUILD_DIR [GROUP...]]
# BUILD_DIR defaults to build-vm/ (built when missing); GROUPs to every group of
# test/vm/guest.sh. One boot per group. Prints a line per case (PASS name,
# FAIL name: why, SKIP name: reason; names are GROUP/CASE, prefixed with $ZC_VM_TAG
# when set, e.g. asan- for a sanitizer build, whose ASAN_OPTIONS and UBSAN_OPTIONS
# reach the guest) and closes with
#   N passed, N failed, N skipped
# Exit code: 0 when nothing failed. A host that cannot run the guest (no QEMU and
# no way to install it, no Debian mirror) skips every case with the reason.
#
# Provisioned once into $ZC_VM_CACHE (default /var/cache/zcrx/vm): qemu-system-x86,
# kmod and cpio installed on the host from its own apt sources; busybox-static and
# the newest trixie-backports kernel downloaded through a private apt configuration
# and unpacked there (nothing of them is installed, the host's sources stay as they are).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$top/build-vm}") # the guest runs from elsewhere
shift $(($# > 0 ? 1 : 0))
guest=$top/test/vm/guest.sh
groups=("$@")
[ ${#groups[@]} -gt 0 ] || mapfile -t groups < <(bash "$guest" --groups)

ZC_VM_CACHE=${ZC_VM_CACHE:-/var/cache/zcrx/vm}
tag=${ZC_VM_TAG:-}
# A group that runs longer than this is killed (the guest hangs, or TCG crawls).
ZC_VM_TIMEOUT=${ZC_VM_TIMEOUT:-300}
KSUITE=trixie-backports
KFLAVOUR=amd64
# Modules the guest loads (with their dependencies), in this order.
KMODS="9pnet_virtio 9p virtio_net vfio vfio_iommu_type1 vfio_pci ib_uverbs rdma_rxe"

say() { printf 'vm-test: %s\n' "$*" >&2; }
die() { printf 'vm-test: error: %s\n' "$*" >&2; exit 1; }
# Seconds since start, for the phase timings.
now() { date +%s; }
t0=$(now)
phase() { say "$1 ($(($(now) - t0)) s)"; t0=$(now); }

# Every case of the given groups skipped, for a host that cannot run the guest.
skip_all() {
	local g c lines=""
	for g in "${groups[@]}"; do
		for c in $(bash "$guest" --cases "$g"); do
			lines+="SKIP $tag$g/$c: $1"$'\n'
		done
	done
	printf '%s' "$lines"
	printf '%s' "$lines" | summary
	exit 0
}

summary() {
	awk '$1 == "PASS" {p++} $1 == "FAIL" {f++} $1 == "SKIP" {s++}
	     END {printf "%d passed, %d failed, %d skipped\n", p, f, s}'
}

[ "$(id -u)" -eq 0 ] || die "must run as root (installs QEMU, reads the host root for the guest); rerun with sudo"
mkdir -p "$ZC_VM_CACHE"

host_tools() {
	local missing=() p
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	command -v depmod >/dev/null || missing+=(kmod)
	command -v cpio >/dev/null || missing+=(cpio)
	[ ${#missing[@]} -eq 0 ] && return
	say "installing ${missing[*]}"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 ||
		return 1
	for p in qemu-system-x86_64 depmod cpio; do command -v $p >/dev/null || return 1; done
}

# apt through a configuration of our own: its sources list, state and cache.
kapt() {
	local d=$ZC_VM_CACHE/apt
	"$@" -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts="$d/parts" \
		-o Dir::State="$d/state" -o Dir::Cache="$d/cache" \
		-o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1
}

kapt_setup() {
	local d=$ZC_VM_CACHE/apt
	mkdir -p "$d/parts" "$d/state/lists/partial" "$d/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $KSUITE main" \
		>"$d/sources.list"
	kapt apt-get update -qq >/dev/null 2>&1
}

# The newest linux-binary-<version>-amd64 that the private sources offer.
newest_kernel() {
	kapt apt-cache pkgnames linux-binary- |
		sed -n "s/^linux-binary-\([0-9][^-]*\)-$KFLAVOUR\$/\1-$KFLAVOUR/p" | sort -V | tail -n 1
}

# dpkg-deb -x the packages into dir, downloaded into the cache's debs/ if absent.
unpack() {
	local dir=$1 p deb
	shift
	mkdir -p "$ZC_VM_CACHE/debs" "$dir.tmp"
	for p in "$@"; do
		deb=$(ls "$ZC_VM_CACHE/debs/${p%%:*}_"*.deb 2>/dev/null | head -n 1)
		if [ -z "$deb" ]; then
			(cd "$ZC_VM_CACHE/debs" && ${p#*:} download -q "${p%%:*}" >/dev/null 2>&1) ||
				return 1
			deb=$(ls "$ZC_VM_CACHE/debs/${p%%:*}_"*.deb | head -n 1)
		fi
		dpkg-deb -x "$deb" "$dir.tmp"
	done
	mv "$dir.tmp" "$dir"
}

# Sets kver and kroot: the kernel, unpacked, its modules indexed.
provision_kernel() {
	local current
	current=$(cat "$ZC_VM_CACHE/kernel.current" 2>/dev/null || true)
	# Look for a newer kernel at most once a day; offline, the cached one serves.
	if [ -z "$current" ] || [ -n "$(find "$ZC_VM_CACHE/kernel.current" -mmin +1440)" ]; then
		if kapt_setup; then
			kver=$(newest_kernel)
			[ -n "$kver" ] || { say "no linux-binary-*-$KFLAVOUR in $KSUITE"; return 1; }
		else
			[ -n "$current" ] || return 1
			kver=$current
		fi
	else
		kver=$current
	fi
	kroot=$ZC_VM_CACHE/kernel-$kver
	if [ ! -d "$kroot" ]; then
		rm -rf "$kroot.tmp"
		say "downloading and unpacking linux $kver"
		unpack "$kroot" "linux-binary-$kver:kapt apt-get" "linux-modules-$kver:kapt apt-get" \
			"linux-base-$kver:kapt apt-get" || return 1
		depmod -b "$kroot/usr" -a "$kver"
	fi
	echo "$kver" >"$ZC_VM_CACHE/kernel.current"
}

provision_busybox() {
	busybox=$ZC_VM_CACHE/busybox/bin/busybox
	[ -x "$busybox" ] && return
	rm -rf "$ZC_VM_CACHE/busybox.tmp"
	unpack "$ZC_VM_CACHE/busybox" "busybox-static:apt-get"
}

# The initramfs: busybox, the modules (decompressed: busybox's insmod reads plain
# .ko files) in load order, and test/vm/init. Rebuilt when any of them changes.
build_initramfs() {
	local key dir m f
	key=$(cat "$top/test/vm/init" <(echo "$kver $KMODS") | sha1sum | cut -c1-12)
	initrd=$ZC_VM_CACHE/initramfs-$kver-$key.cpio.gz
	[ -f "$initrd" ] && return
	dir=$(mktemp -d)
	mkdir -p "$dir/bin" "$dir/lib/modules" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/host"
	cp "$busybox" "$dir/bin/busybox"
	ln -s busybox "$dir/bin/sh"
	cp "$top/test/vm/init" "$dir/init"
	for m in $KMODS; do
		modprobe -d "$kroot/usr" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++' | while read -r f; do
		m=$(basename "${f%.xz}")
		xz -dc "$f" >"$dir/lib/modules/$m"
		echo "$m" >>"$dir/lib/modules/order"
	done
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
	rm -rf "$dir"
	mv "$initrd.tmp" "$initrd"
}

# Boot the guest for one group; its results land in $run/$group/. A guest whose
# kernel died before the group began (TCG now and then trips the kernel's code
# patching at boot: an int3 oops) is booted once more.
boot_group() {
	local group=$1 res=$run/$1 rc=0 try
	for try in 1 2; do
		rm -rf "$res"
		mkdir -p "$res"
		boot "$group" "$res" && rc=0 || rc=$?
		{ [ ! -f "$res/results" ] && grep -q 'Kernel panic' "$res/console.log"; } || break
		[ $try -eq 2 ] || say "group $group: the guest's kernel died while booting; booting again"
	done
	if [ ! -f "$res/done" ]; then
		# Cases that reported stand; the rest of the group is one failure.
		cat "$res/results" 2>/dev/null || true
		echo "FAIL $tag$group: the guest stopped before the group ended ($([ $rc -eq 124 ] &&
			echo "killed after ${ZC_VM_TIMEOUT} s" || echo "qemu exit $rc"); see $res/console.log)"
	else
		cat "$res/results"
	fi
}

# One boot of the guest for group, its shares in res.
boot() {
	local group=$1 res=$2
	printf 'ZC_VM_GROUP=%s\nZC_VM_TOP=%s\nZC_VM_BUILD=%s\nZC_VM_KERNEL=%s\nZC_VM_TAG=%s\n' \
		"$group" "$top" "$build" "$kver" "$tag" >"$res/vm.env"
	[ -z "${ASAN_OPTIONS:-}" ] || echo "ASAN_OPTIONS=$ASAN_OPTIONS" >>"$res/vm.env"
	[ -z "${UBSAN_OPTIONS:-}" ] || echo "UBSAN_OPTIONS=$UBSAN_OPTIONS" >>"$res/vm.env"
	# q35 with an emulated Intel IOMMU. Every NIC is on a QEMU hub, so nothing leaves
	# the machine: hub 0 and 1 each join a zero-copy virtio-net (iommu_platform: its
	# DMA goes through the IOMMU) to a kernel-driven peer; hub 2 an e1000e for
	# vfio-pci to its peer.
	timeout -k 5 "$ZC_VM_TIMEOUT" qemu-system-x86_64 \
		-machine q35,kernel-irqchip=split -accel tcg -cpu max -smp 2 -m 2048 \
		-device intel-iommu,intremap=on,caching-mode=on \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$kroot/usr/lib/modules/$kver/vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 intel_iommu=on panic=-1 loglevel=4 hugepages=512" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$res",mount_tag=results,security_model=none,multidevs=remap \
		-netdev hubport,id=n0,hubid=0 -netdev hubport,id=p0,hubid=0 \
		-netdev hubport,id=n1,hubid=1 -netdev hubport,id=p1,hubid=1 \
		-netdev hubport,id=n2,hubid=2 -netdev hubport,id=p2,hubid=2 \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:00:00:10,romfile=,iommu_platform=on,disable-legacy=on \
		-device virtio-net-pci,netdev=p0,mac=52:54:00:00:00:11,romfile= \
		-device virtio-net-pci,netdev=n1,mac=52:54:00:00:01:10,romfile=,iommu_platform=on,disable-legacy=on \
		-device virtio-net-pci,netdev=p1,mac=52:54:00:00:01:11,romfile= \
		-device e1000e,netdev=n2,mac=52:54:00:00:02:10,romfile= \
		-device virtio-net-pci,netdev=p2,mac=52:54:00:00:02:11,romfile= \
		</dev/null >"$res/console.log" 2>&1
}

if ! host_tools; then
	skip_all "QEMU, kmod or cpio missing and apt-get cannot install them"
fi
provision_busybox || skip_all "cannot download busybox-static from Debian"
provision_kernel || skip_all "cannot download a $KSUITE kernel from Debian"
phase "provisioned linux $kver"
build_initramfs
phase "initramfs ready"
if [ ! -x "$build/test/vm/test_xsk_zc" ]; then
	"$top/devtools/build.sh" release "$build" || die "build of $build failed"
	phase "built $build"
fi

run=$(mktemp -d /tmp/zcrx-vm.XXXXXX)
for g in "${groups[@]}"; do
	boot_group "$g"
	phase "group $g done"
done | tee "$run/all"
summary <"$run/all"
say "logs in $run"
! grep -q '^FAIL' "$run/all"

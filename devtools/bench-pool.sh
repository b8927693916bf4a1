#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The pool benchmark, as root: provisions, builds, and runs zc-pool-perf, printing
# zcpool, ring_mp_mc and stack side by side.
#   devtools/bench-pool.sh [--build DIR] [benchmark options, e.g. --runs 7 --csv out.csv]
#     --build DIR  build directory (default build), made by devtools/build.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
if [ "${1:-}" = --build ]; then
	build=$(realpath -m "${2:?--build needs a directory}")
	shift 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-pool: must run as root (installs packages, reserves hugepages); rerun with sudo" >&2
	exit 1
fi
"$top/devtools/build.sh" release "$build"
eval "$("$top/devtools/setup.sh" --env)"

mem=(--in-memory)
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free:-0}" -lt 128 ]; then
	echo "bench-pool: fewer than 128 free hugepages, running with --no-huge (slower memory)" >&2
	mem=(--no-huge -m 1024)
fi
lcores=0,1
[ "$(nproc)" -ge 2 ] || lcores=0
exec "$build/app/zcpool-perf/zc-pool-perf" -l "$lcores" --no-pci "${mem[@]}" \
	--log-level=lib.eal:warning -- "$@"

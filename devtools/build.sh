#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the project: provisions the machine (devtools/setup.sh), then configures
# and builds a meson build directory.
#   devtools/build.sh [release|asan] [BUILD_DIR]
# release (default) builds into build/, asan (ASan + UBSan) into build-asan/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-release}
case "$flavour" in
release) dir=${2:-$top/build}; opts=() ;;
asan) dir=${2:-$top/build-asan}
	opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized) ;;
*) echo "build: unknown flavour '$flavour' (release or asan)" >&2; exit 2 ;;
esac

eval "$("$top/devtools/setup.sh" | tail -n 3)"
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$top" "${opts[@]}" >"$dir.setup.log" 2>&1 ||
		{ cat "$dir.setup.log" >&2; echo "build: meson setup failed" >&2; exit 1; }
fi
ninja -C "$dir" >"$dir.ninja.log" 2>&1 ||
	{ tail -n 40 "$dir.ninja.log" >&2; echo "build: compilation failed ($dir.ninja.log)" >&2; exit 1; }
echo "build: $flavour build ready in $dir" >&2

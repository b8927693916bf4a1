#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run every test on a fresh machine, as root: provisions (devtools/setup.sh),
# builds the release and the sanitizer (ASan + UBSan) flavours, runs the unit
# tests and DPDK's own autotests over zcpool in both, then the emulated machine's
# cases (devtools/vm-test.sh) over both, and prints one closing line
#   N passed, N failed, N skipped
# Exit code: 0 when nothing failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "test: must run as root (hugepages, network namespaces, AF_XDP); rerun with sudo" >&2
	exit 1
fi

"$top/devtools/setup.sh" >/dev/null || { echo "test: set-up failed" >&2; exit 1; }
eval "$("$top/devtools/setup.sh" --env)"

passed=0 failed=0 skipped=0
# Add meson's verdicts from a build directory's testlog.json to the totals. A unit
# test program counts its cases (its last line says how many passed, failed and
# were skipped), so a case skipped inside a passing program still shows as skipped.
tally() {
	local counts
	counts=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, re, sys
p = f = s = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t["result"]
    m = re.search(r"^\d+ cases: (\d+) passed, (\d+) failed, (\d+) skipped$",
                  t.get("stdout") or "", re.M)
    if m and r in ("OK", "SKIP", "FAIL"):
        cp, cf, cs = map(int, m.groups())
        # A program that crashed after its summary still failed.
        p, f, s = p + cp, f + cf + (r == "FAIL" and cf == 0), s + cs
    elif r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
	) || counts="0 1 0"
	read -r p f s <<<"$counts"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

run_flavour() {
	local flavour=$1 dir=$2
	shift 2
	if ! "$top/devtools/build.sh" "$flavour" "$dir"; then
		echo "test: $flavour build failed" >&2
		failed=$((failed + 1))
		return
	fi
	echo "test: running the $flavour tests" >&2
	meson test -C "$dir" --no-rebuild --print-errorlogs "$@"
	tally "$dir"
}

# Sanitizers watch our code; DPDK's own libraries are not instrumented, and its
# hugepage mappings need ASan to leave the address space layout alone.
sanitized() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$@"
}

# The emulated machine (devtools/vm-test.sh BUILD_DIR [GROUP...]) adds its counts.
# Its lines go to stderr, prefixed, so that only ours closes the output.
run_vm() {
	local out
	out=$("$top/devtools/vm-test.sh" "$@") || true
	sed 's/^/vm: /' <<<"$out" >&2
	if [[ $(tail -n 1 <<<"$out") =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + BASH_REMATCH[3]))
	else
		echo "test: the emulated-machine suite ended without its closing line" >&2
		failed=$((failed + 1))
	fi
}

run_flavour release "$top/build"
sanitized run_flavour asan "$top/build-asan" --suite unit --suite lifecycle

# Real dmabuf exporters, AF_XDP zero-copy and VFIO behind an IOMMU, in a QEMU
# guest: every group over the release build; the groups whose code is all ours
# (dmabuf, zero-copy AF_XDP and zcfwd) over the sanitizer build too.
echo "test: running the emulated-machine suite" >&2
run_vm "$top/build"
[ -x "$top/build-asan/test/vm/test_xsk_zc" ] && ZC_VM_TAG=asan- sanitized run_vm "$top/build-asan" dmabuf xsk

rm -rf /var/run/dpdk/zct* /var/run/dpdk/zcat* 2>/dev/null
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# meson install script: refresh the loader's cache when the libraries went to a
# directory it caches (/usr/local/lib/..., say), so that applications linked with
# `pkg-config --libs libzcrx` start without LD_LIBRARY_PATH. Nothing to do for a
# directory the loader does not cache: the drivers find the libraries through
# their run path, and the message says what applications need. meson skips this
# script for staged installs (--destdir): a package runs ldconfig itself.
#   install-ldconfig.sh LIBDIR
set -euo pipefail
libdir=$1
say() { [ -n "${MESON_INSTALL_QUIET:-}" ] || echo "ldconfig: $*"; }

# The directories ldconfig scans, one "DIR: (from FILE:LINE)" line each.
real=$(realpath -m "$libdir")
cached=no
while IFS= read -r dir; do
	if [ "$(realpath -e "$dir" 2>/dev/null)" = "$real" ]; then cached=yes; break; fi
done < <(ldconfig -vNX 2>/dev/null | sed -n 's/^\(\/[^:]*\):.*/\1/p')
if [ "$cached" = no ]; then
	say "$libdir is not a directory the loader caches; link applications" \
		"with -Wl,-rpath,$libdir or run them with LD_LIBRARY_PATH=$libdir"
elif [ "$(id -u)" -ne 0 ]; then
	echo "ldconfig: not root; run ldconfig as root before starting applications"
else
	ldconfig
	say "loader cache refreshed for $libdir"
fi

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The debug kernel: Debian's linux-source-6.1, x86_64_defconfig +
# kvm_guest.config + tests/debug/config, built once and cached, keyed by the
# source package's version and the fragment.  Prints the build directory
# (holding arch/x86/boot/bzImage) on stdout.
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || die "debug kernel: $tarball missing (apt-get install linux-source-6.1)"
srcver=$(dpkg-query -W -f '${Version}' linux-source-6.1)

# Into $1 (a function run by cached, where set -e does not hold: every step
# is checked).
build() {
	say "debug kernel: building linux-source $srcver with tests/debug/config (about 15 min on 2 cores)"
	tar -C "$1" -xf "$tarball" || return 1
	cd "$1/linux-source-6.1" || return 1
	make -s x86_64_defconfig kvm_guest.config || return 1
	scripts/kconfig/merge_config.sh -m .config "$TESTS/debug/config" > /dev/null || return 1
	make -s olddefconfig || return 1
	# Every option the fragment asks for must have survived olddefconfig.
	for line in $(grep '^CONFIG_.*=y$' "$TESTS/debug/config"); do
		grep -qx "$line" .config || { say "debug kernel: $line was dropped by Kconfig"; return 1; }
	done
	make -s -j"$(nproc)" bzImage modules modules_prepare
}

key=$( (echo "$srcver"; cat "$TESTS/debug/config") | sha256sum | cut -c1-16)
dir=$(cached debug-kernel "$key" build) || die "the debug kernel did not build"
echo "$dir/linux-source-6.1"

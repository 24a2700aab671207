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

# step WHAT CMD...: CMD, its output to stderr (the build's log); when it
# fails, WHAT and its last error line go to $reason, for the FAIL line.
reason=$(mktemp)
trap 'rm -f "$reason" "$reason.out"' EXIT
step() {
	_what=$1
	shift
	"$@" > "$reason.out" 2>&1
	_rc=$?
	cat "$reason.out" >&2
	if [ "$_rc" != 0 ]; then
		_err=$(grep -E -i 'error|no space|killed|cannot' "$reason.out" | tail -n 1)
		echo "$_what failed (exit $_rc): ${_err:-$(tail -n 1 "$reason.out")}" > "$reason"
	fi
	return "$_rc"
}

# Into $1 (a function run by cached, where set -e does not hold: every step
# is checked).
build() {
	say "debug kernel: building linux-source $srcver with tests/debug/config (about 35 min on 2 cores)"
	step "unpacking $tarball" tar -C "$1" -xf "$tarball" || return 1
	cd "$1/linux-source-6.1" || return 1
	step "make x86_64_defconfig kvm_guest.config" make -s x86_64_defconfig kvm_guest.config || return 1
	step "merging tests/debug/config" scripts/kconfig/merge_config.sh -m .config "$TESTS/debug/config" || return 1
	step "make olddefconfig" make -s olddefconfig || return 1
	# Every option the fragment asks for must have survived olddefconfig.
	for line in $(grep '^CONFIG_.*=y$' "$TESTS/debug/config"); do
		grep -qx "$line" .config || {
			echo "$line was dropped by Kconfig" > "$reason"
			return 1
		}
	done
	step "make bzImage modules" make -s -j"$(nproc)" bzImage modules modules_prepare
}

key=$( (echo "$srcver"; cat "$TESTS/debug/config") | sha256sum | cut -c1-16)
dir=$(cached debug-kernel "$key" build) ||
	die "the debug kernel (linux-source $srcver) did not build: $(if [ -s "$reason" ]; then cat "$reason"; else echo "see $BUILD/debug-kernel.log"; fi)"
echo "$dir/linux-source-6.1"

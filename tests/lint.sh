#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The kernel's own linters on perftop's sources.
#   lint.sh checkpatch   scripts/checkpatch.pl from Debian's linux-source-6.1
#   lint.sh sparse       make C=2 against every kernel in tests/kernels.conf
#   lint.sh all          both
set -eu
. "$(dirname "$0")/lib.sh"

checkpatch() {
	dir=$CACHE/checkpatch
	if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
		[ -r /usr/src/linux-source-6.1.tar.xz ] ||
			die "no /usr/src/linux-source-6.1.tar.xz (apt-get install linux-source-6.1)"
		rm -rf "$dir" && mkdir -p "$dir"
		tar -C "$dir" --strip-components=1 -xf /usr/src/linux-source-6.1.tar.xz \
			linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch
	fi
	cd "$TOP"
	# compat.h exists to compare LINUX_VERSION_CODE, written as the kernel's
	# own compat code does (LINUX_VERSION_CODE < KERNEL_VERSION(...)), which
	# this checkpatch reads as a constant on the left.
	"$dir/scripts/checkpatch.pl" --no-tree --strict --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f $(module_sources | grep "\.[ch]$") $(ls tests/bench/*.c 2>/dev/null)
}

sparse_all() {
	for k in $KERNELS_ALL; do
		out=$BUILD/sparse/$k
		rm -rf "$out" && mkdir -p "$out"
		(cd "$TOP" && cp $(module_sources) "$out/")
		make -s -C "/usr/src/linux-headers-$k" M="$out" C=2 CHECK="sparse -Wno-decl" \
			modules > "$out/log" 2>&1 || { cat "$out/log"; die "sparse build failed on $k"; }
		if grep -E 'warning|error' "$out/log"; then
			die "sparse complains on $k"
		fi
		echo "sparse clean on $k"
	done
}

case ${1:-all} in
checkpatch) checkpatch ;;
sparse) sparse_all ;;
all) checkpatch && sparse_all ;;
*) die "usage: lint.sh checkpatch|sparse|all" ;;
esac

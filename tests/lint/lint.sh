#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Checks that need no VM: the kernel's own linters, and what can be proved
# from the built module.
#   lint.sh checkpatch   scripts/checkpatch.pl --strict, from Debian's
#                        linux-source-6.1
#   lint.sh sparse       make C=2 against every kernel in tests/kernels.conf;
#                        on each build, tests/lint/objcheck.py: no indirect
#                        call (IBT), and the switch path touches no lock and
#                        no shared global
#   lint.sh docs         perftop(4)'s sizes, defaults and memory figures
#                        against the built module (tests/lint/docs.py)
#   lint.sh version      every file that carries the version agrees with
#                        PERFTOP_VERSION in perftop.h, the single source
#   lint.sh all          all of them
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"

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
		-f $(module_sources | grep '\.[ch]$') tests/bench/*.c tests/faults/*.c tests/kthread/*.c
}

# The module built with sparse (C=2) for kernel $1, in $BUILD/lint/$1.
lint_build() {
	out=$BUILD/lint/$1
	rm -rf "$out" && mkdir -p "$out"
	(cd "$TOP" && cp $(module_sources) "$out/")
	kdir=$(kernel_kdir "$1") || die "no headers for $1"
	make -s -C "$kdir" M="$out" C=2 CHECK="sparse -Wno-decl" \
		modules > "$out/log" 2>&1 || { cat "$out/log"; die "the build failed on $1"; }
	if grep -E 'warning|error' "$out/log"; then
		die "sparse complains on $1"
	fi
	echo "sparse clean on $1"
	python3 "$TESTS/lint/objcheck.py" ibt "$out/perftop.ko" || die "objcheck ibt on $1"
	python3 "$TESTS/lint/objcheck.py" handler "$out/perftop.ko" || die "objcheck handler on $1"
}

sparse_all() {
	for k in $KERNELS_ALL; do
		lint_build "$k"
	done
}

docs() {
	[ -f "$BUILD/lint/$KERNEL_DEFAULT/perftop.ko" ] || lint_build "$KERNEL_DEFAULT" > /dev/null
	python3 "$TESTS/lint/docs.py" "$BUILD/lint/$KERNEL_DEFAULT/perftop.ko" "$TOP/perftop.4" \
		"$TOP/README.md"
}

version() {
	cd "$TOP"
	v=$(sed -n 's/^#define PERFTOP_VERSION "\(.*\)"/\1/p' perftop.h)
	[ -n "$v" ] || die "no PERFTOP_VERSION in perftop.h"
	[ "$(make -s version)" = "$v" ] || die "the Makefile reads version $(make -s version)"
	d=$(dpkg-parsechangelog -S Version -l debian/changelog)
	[ "${d%-*}" = "$v" ] || die "debian/changelog is at $d, perftop.h at $v"
	s=$(sed -n 's/^Version:[[:space:]]*//p' perftop.spec)
	[ "$s" = "$v" ] || die "perftop.spec is at $s, perftop.h at $v"
	for m in perftop.4 tools/perftop/perftop.1; do
		grep -q "^\.TH PERFTOP [14] .* \"perftop $v\"" "$m" ||
			die "$m's title line does not say perftop $v"
	done
	grep -q '^PACKAGE_VERSION="#MODULE_VERSION#"' dkms.conf ||
		die "dkms.conf must take its version from the package (#MODULE_VERSION#)"
	echo "version $v everywhere"
}

case ${1:-all} in
checkpatch) checkpatch ;;
sparse) sparse_all ;;
docs) docs ;;
version) version ;;
all) (checkpatch) && sparse_all && docs && version ;;
*) die "usage: lint.sh checkpatch|sparse|docs|version|all" ;;
esac

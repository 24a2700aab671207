#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Checks that need no kernel.
#   static.sh version    every place that carries the version agrees with
#                        PERFTOP_VERSION in perftop.h, the single source
set -eu
. "$(dirname "$0")/lib.sh"
cd "$TOP"

version() {
	v=$(sed -n 's/^#define PERFTOP_VERSION "\(.*\)"/\1/p' perftop.h)
	[ -n "$v" ] || die "no PERFTOP_VERSION in perftop.h"
	[ "$(make -s version)" = "$v" ] || die "the Makefile reads version $(make -s version)"
	if [ -f debian/changelog ]; then
		d=$(dpkg-parsechangelog -S Version -l debian/changelog)
		[ "${d%-*}" = "$v" ] || die "debian/changelog is at $d, perftop.h at $v"
	fi
	if [ -f perftop.spec ]; then
		s=$(sed -n 's/^Version:[[:space:]]*//p' perftop.spec)
		[ "$s" = "$v" ] || die "perftop.spec is at $s, perftop.h at $v"
	fi
	if [ -f perftop.4 ]; then
		grep -q "^\.TH PERFTOP 4 .* \"perftop $v\"" perftop.4 ||
			die "perftop.4's title line does not say perftop $v"
	fi
	if [ -f dkms.conf ]; then
		grep -q '^PACKAGE_VERSION="#MODULE_VERSION#"' dkms.conf ||
			die "dkms.conf must take its version from the package (#MODULE_VERSION#)"
	fi
	echo "version $v everywhere"
}

"$@"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# root.sh: print the path of a Debian 12 root for make bench: the
# package tests' root (tests/packages/root.sh) plus bpftrace, for the
# head-to-head.  Cached in $CACHE/bench-root/KEY/root; never required.
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"

base=$("$TESTS/packages/root.sh")

# The package tests' root, copied, plus bpftrace, into $1/root.
make_root() {
	cp -a "$base" "$1/root" || return 1
	"$TESTS/packages/chroot.sh" "$1/root" apt-get install -y -q --no-install-recommends bpftrace ||
		return 1
	"$TESTS/packages/chroot.sh" "$1/root" apt-get clean
	"$TESTS/packages/chroot.sh" "$1/root" bpftrace --version
}

key=$( (echo "$base"; cat "$0") | sha256sum | cut -c1-16)
dir=$(cached bench-root "$key" make_root) || die "no Debian root with bpftrace"
echo "$dir/root"

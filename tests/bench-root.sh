#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bench-root.sh: print the path of a Debian 12 root for make bench: the
# package tests' root (tests/pkg-root.sh) plus bpftrace, for the
# head-to-head.  Cached in $CACHE/bench-root/KEY/root; never required.
set -eu
. "$(dirname "$0")/lib.sh"

base=$("$TESTS/pkg-root.sh")
key=$( (echo "$base"; cat "$0") | sha256sum | cut -c1-16)
dir=$CACHE/bench-root/$key
if [ -f "$dir/complete" ]; then
	echo "$dir/root"
	exit 0
fi
say "making the benchmark root: the package tests' root plus bpftrace"
rm -rf "$CACHE/bench-root"
mkdir -p "$dir.tmp"
cp -a "$base" "$dir.tmp/root"
in_root() { "$TESTS/pkg-chroot.sh" "$dir.tmp/root" "$@"; }
in_root apt-get install -y -q --no-install-recommends bpftrace >&2
in_root apt-get clean >&2
in_root bpftrace --version >&2
touch "$dir.tmp/complete"
mv "$dir.tmp" "$dir"
echo "$dir/root"

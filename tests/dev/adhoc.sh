#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Developer tool: boot the test VM on kernel $1 and run the guest script $2
# (sh, with tests/guest/lib.sh sourced) instead of a suite; print what it
# wrote to fd 3.   tests/dev/adhoc.sh 6.1.0-56-rt-amd64 /tmp/try.sh [SMP]
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"
k=$1 script=$2 smp=${3:-2}
build_tools
build_module "$k"
build_initramfs "$k"
cp "$script" "$BUILD/$k/root/tests/adhoc.sh"
(cd "$BUILD/$k/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$BUILD/$k/initrd.gz"
boot "$k" adhoc "$smp" 900 ${ADHOC_ARGS:-} || true
tr -d '\r' < "$BOOT_DIR/results.txt"
echo "qemu exit $BOOT_RC; console: $BOOT_DIR/console.log" >&2
grep -E "$SPLATS" "$BOOT_DIR/console.log" >&2 || true

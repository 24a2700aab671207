#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: boot a test VM on KERNEL (default: tests/kernels.conf's
# KERNEL_DEFAULT), run a small mixed workload and print /proc/perftop, then
# the perftop command's report of the same snapshot, its user frames named
# against the VM's files.  Nothing touches the host's kernel.
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"
k=${KERNEL:-$KERNEL_DEFAULT}
build_tools
build_module "$k" || die "module build failed for $k"
build_initramfs "$k"
make -s -C "$TOP/tools/perftop" O="$BUILD/cli" > /dev/null || die "cannot build the perftop command"
say "booting $k in QEMU (TCG); this takes about a minute"
boot "$k" demo "${SMP:-2}" 600 || true
tr -d '\r' < "$BOOT_DIR/results.txt" > "$BOOT_DIR/results.clean"
grep -v '^ALL ' "$BOOT_DIR/results.clean"
sed -n 's/^ALL //p' "$BOOT_DIR/results.clean" > "$BUILD/demo-perftop_all.txt"
echo
echo "\$ perftop report --input perftop_all.txt --sysroot (the VM's root) -n ${TOP_N:-8}"
"$BUILD/cli/perftop" report --input "$BUILD/demo-perftop_all.txt" --sysroot "$BUILD/$k/root" \
	-n "${TOP_N:-8}"
boot_report "[demo]" demo | grep -v '^PASS' || true

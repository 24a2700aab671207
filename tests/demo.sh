#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make demo: boot a test VM on KERNEL (default: tests/kernels.conf's
# KERNEL_DEFAULT), run a small mixed workload and print /proc/perftop.
# Nothing touches the host's kernel.
set -eu
. "$(dirname "$0")/lib.sh"
k=${KERNEL:-$KERNEL_DEFAULT}
build_tools
build_module "$k" || die "module build failed for $k"
build_initramfs "$k"
say "booting $k in QEMU (TCG); this takes about a minute"
boot "$k" demo "${SMP:-2}" 600 || true
# User frames inside the demo's workload get their function added after
# the arrow (from nm): perftop prints user frames as bare addresses.
tr -d '\r' < "$BOOT_DIR/results.txt" | grep -v '^PASS demo-format$' |
	python3 "$TESTS/annotate.py" "$BUILD/tools/ptwork.syms"
boot_report "[demo]" | grep -v '^PASS' || true

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: perftop's cost per context switch, measured in one TCG boot that
# alternates the configurations (see tests/guest/bench.sh), reported as
# medians with min/max and ratios.  Writes build/bench/results.{csv,json}.
#   KERNEL=6.1.0-56-amd64 ROUNDS=5 tests/bench.sh
# Multi-threaded TCG, so that the two vCPUs really run in parallel; the
# modules are loaded and unloaded only between measurements, on an idle
# guest (see tests/lib.sh on MTTCG and code patching).  -icount would make
# the numbers repeatable, but QEMU 7.2 never brought these kernels up with
# it (no console output in 5 minutes with shift=1,sleep=off or shift=auto).
set -eu
. "$(dirname "$0")/lib.sh"
k=${KERNEL:-$KERNEL_DEFAULT}
out=$BUILD/bench
mkdir -p "$out"
build_tools
build_module "$k" || die "module build failed for $k"
build_initramfs "$k"
QEMU_ACCEL=${QEMU_ACCEL:-tcg}
export QEMU_ACCEL
say "benchmark on $k, ${ROUNDS:-5} rounds of configurations a-e (about 5 minutes)"
boot "$k" bench 2 3000 "PT_ROUNDS=${ROUNDS:-5}" "tsc=reliable"
tr -d '\r' < "$BOOT_DIR/results.txt" > "$out/raw.txt"
boot_report "[bench]" > "$out/boot.txt"
if grep -q '^FAIL' "$out/boot.txt"; then
	cat "$out/boot.txt"
	die "the benchmark VM did not finish cleanly"
fi
python3 "$TESTS/bench-report.py" "$out/raw.txt" "$out" "$k" "$QEMU_ACCEL"

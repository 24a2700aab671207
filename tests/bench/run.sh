#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench: perftop's cost per context switch, measured in one TCG boot that
# alternates the configurations (see tests/bench/guest.sh), reported as
# medians with min/max and ratios.  Writes build/bench/results.{csv,json}.
#   KERNEL=6.1.0-56-amd64 ROUNDS=5 CONFIGS=a,d tests/bench/run.sh
# Multi-threaded TCG, so that the two vCPUs really run in parallel; the
# modules are loaded and unloaded only between measurements, on an idle
# guest (see tests/lib.sh on MTTCG and code patching).  -icount would make
# the numbers repeatable, but QEMU 7.2 never brought these kernels up with
# it (no console output in 5 minutes with shift=1,sleep=off or shift=auto).
set -eu
TESTS=$(cd "$(dirname "$0")/.." && pwd)
. "$TESTS/lib.sh"
k=${KERNEL:-$KERNEL_DEFAULT}
out=$BUILD/bench
mkdir -p "$out"
build_tools
build_module "$k" || die "module build failed for $k"
# "before": the module as it was before per-CPU accounting (one global raw
# spinlock on the switch path), built from the repository's history, for
# the scaling rows' before/after.  Left out without that history (a
# tarball): BEFORE_REV= leaves it out too.
before_rev=${BEFORE_REV-008ff05}
if [ -n "$before_rev" ] && git -C "$TOP" cat-file -e "$before_rev^{commit}" 2> /dev/null; then
	before=$BUILD/$k/before
	rm -rf "$before" && mkdir -p "$before"
	for f in Kbuild perftop.c perftop.h compat.h; do
		git -C "$TOP" show "$before_rev:$f" > "$before/$f"
	done
	make -C "$(kernel_kdir "$k")" M="$before" modules > "$before/build.log" 2>&1 ||
		die "the module at $before_rev did not build (see $before/build.log)"
	cp "$before/perftop.ko" "$BUILD/$k/module/perftop_before.ko"
else
	say "no revision ${before_rev:-(none)} in this tree: the scaling rows have no 'before'"
fi
build_initramfs "$k"
QEMU_ACCEL=${QEMU_ACCEL:-tcg}
export QEMU_ACCEL
# The head-to-head with bpftrace needs a distribution root with bpftrace:
# the package tests' Debian root (tests/bench/root.sh), booted with its own
# kernel and initrd and init=/opt/perftop/init, every configuration in it.
# BPFTRACE=0 (or a kernel that root does not have) boots the initramfs and
# leaves bpftrace out.
configs=a,b,c,d,e,g,h
if [ "${BPFTRACE:-1}" = 1 ] && [ "$k" = "$KERNEL_DEFAULT" ]; then
	root=$("$TESTS/bench/root.sh") || die "no Debian root for bpftrace (BPFTRACE=0 skips it)"
	stage=$out/root
	rm -rf "$stage" "$out/disk.img"
	cp -a "$root" "$stage"
	mkdir -p "$stage/opt/perftop" "$stage/tests"
	cp /bin/busybox "$stage/opt/perftop/busybox"
	cp "$TESTS/bench/init" "$stage/opt/perftop/init"
	chmod +x "$stage/opt/perftop/init"
	cp "$TESTS"/guest/* "$TESTS/bench/perftop.bt" "$BUILD"/tools/*.syms "$stage/tests/"
	cp "$TESTS/bench/guest.sh" "$stage/tests/bench.sh"
	cp "$BUILD/tools/ptwork" "$BUILD/tools/ptworknf" "$BUILD/tools/ptuwload" \
		"$BUILD/tools/ptcheck" "$stage/usr/local/bin/"
	cp "$BUILD/$k/module"/*.ko "$stage/"
	cp "$stage/boot/vmlinuz-$k" "$stage/boot/initrd.img-$k" "$out/"
	mb=$(du -sm "$stage" | cut -f1)
	mkfs.ext4 -q -F -d "$stage" "$out/disk.img" "$((mb * 5 / 4 + 256))M" ||
		die "mkfs.ext4 -d failed"
	rm -rf "$stage"
	BOOT_VMLINUZ=$out/vmlinuz-$k BOOT_INITRD=$out/initrd.img-$k
	BOOT_DISK=$out/disk.img
	export BOOT_VMLINUZ BOOT_INITRD BOOT_DISK
	configs=a,b,c,d,e,f,g,h
	set -- root=/dev/vda rw init=/opt/perftop/init
else
	set --
fi
configs=${CONFIGS:-$configs}
say "benchmark on $k, ${ROUNDS:-12} rounds of configurations $configs (about 10 minutes)"
# Watchdog: the guest writes a result line every configuration of every
# round (seconds apart; a minute on a loaded host).  Twice in about a
# hundred bpftrace stops, a bench guest stopped making progress for good
# right after bpftrace was sent SIGINT (no console output; cause not found).
# When neither the console nor the results grow for STALL seconds, the
# watchdog ends the VM and the report uses the rounds completed.
stall=${STALL:-480}
run=$BUILD/$k/run-bench-smp2
rm -f "$out/stalled"
(
	pat="qemu-system-x86_64 .*$(printf '%s' "$run/results.txt" | sed 's/[+.]/\\&/g')"
	last='' idle=0
	while sleep 10; do
		pgrep -f -- "$pat" > /dev/null || { [ -z "$last" ] && continue; exit 0; }
		now=$(cat "$run/console.log" "$run/results.txt" 2>/dev/null | wc -c)
		if [ "$now" = "$last" ]; then idle=$((idle + 10)); else last=$now idle=0; fi
		if [ "$idle" -ge "$stall" ]; then
			: > "$out/stalled"
			pkill -f -- "$pat"
			exit 0
		fi
	done
) &
watchdog=$!
boot "$k" bench 2 3600 "PT_ROUNDS=${ROUNDS:-12}" "PT_CONFIGS=$configs" "$@" || true
kill "$watchdog" 2> /dev/null || true
wait "$watchdog" 2> /dev/null || true
rm -f "$out/disk.img"
tr -d '\r' < "$BOOT_DIR/results.txt" > "$out/raw.txt"
boot_report "[bench]" bench > "$out/boot.txt"
if [ -e "$out/stalled" ]; then
	rounds=$(sed -n 's/^BENCH cfg=a round=\([0-9]*\).*/\1/p' "$out/raw.txt" | tail -n 1)
	say "WARNING: the VM made no progress for $stall s after round ${rounds:-0} of ${ROUNDS:-12}; it was stopped, and the table below has the rounds completed"
	grep -v 'boot-completed' "$out/boot.txt" | grep -q '^FAIL' && { cat "$out/boot.txt"; die "the benchmark VM's console has a splat"; }
	[ "${rounds:-0}" -ge 3 ] || die "fewer than 3 rounds completed; run make bench again"
elif grep -q '^FAIL' "$out/boot.txt"; then
	cat "$out/boot.txt"
	die "the benchmark VM did not finish cleanly"
fi
# The scaling rows: the initramfs, one boot per vCPU count, perftop loaded
# and unloaded only while the guest is idle (MTTCG, as above).
unset BOOT_VMLINUZ BOOT_INITRD BOOT_DISK
for n in ${SCALE_SMP:-1 2 4}; do
	boot "$k" scale "$n" 1800 || true
	tr -d '\r' < "$BOOT_DIR/results.txt" | grep -E '^(SCALE|BENCHERR)' >> "$out/raw.txt"
	boot_report "[scale smp$n]" scale | grep '^FAIL' && die "the scaling boot at -smp $n did not finish cleanly"
done
python3 "$TESTS/bench/report.py" "$out/raw.txt" "$out" "$k" "$QEMU_ACCEL"

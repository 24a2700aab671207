# SPDX-License-Identifier: GPL-2.0-only
# Host-side helpers for perftop's tests: kernels, module builds, initramfs,
# QEMU boots.  Sourced by tests/run, tests/demo.sh and tests/bench.sh.

TESTS=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$TESTS/.." && pwd)
# Downloaded kernels, built debug kernel, bootstrapped roots: reused between
# runs, never required (everything is fetched or built again when missing).
CACHE=${PERFTOP_CACHE:-$TOP/.cache}
BUILD=${PERFTOP_BUILD:-$TOP/build}
. "$TESTS/kernels.conf"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The vmlinuz of a Debian kernel release, from its -unsigned package.
kernel_image() {
	_rel=$1
	_dir=$CACHE/kernels/$_rel
	if [ ! -s "$_dir/vmlinuz" ]; then
		say "fetching linux-image-$_rel-unsigned"
		rm -rf "$_dir.tmp" && mkdir -p "$_dir.tmp"
		(cd "$_dir.tmp" && apt-get download -q "linux-image-$_rel-unsigned" >&2) ||
			die "apt-get download linux-image-$_rel-unsigned failed"
		dpkg -x "$_dir.tmp"/linux-image-*.deb "$_dir.tmp/x"
		mkdir -p "$_dir"
		cp "$_dir.tmp/x/boot/vmlinuz-$_rel" "$_dir/vmlinuz.new"
		mv "$_dir/vmlinuz.new" "$_dir/vmlinuz"
		rm -rf "$_dir.tmp"
	fi
	echo "$_dir/vmlinuz"
}

# The kernel tree to build modules against.
kernel_kdir() {
	case $1 in
	debug) echo "$("$TESTS/debug-kernel.sh")" ;;
	*) echo "/usr/src/linux-headers-$1" ;;
	esac
}

kernel_vmlinuz() {
	case $1 in
	debug) echo "$(kernel_kdir debug)/arch/x86/boot/bzImage" ;;
	*) kernel_image "$1" ;;
	esac
}

# The module's source files, from the Makefile's one list.
module_sources() { make -s -C "$TOP" sources | tr " " "\n"; }

# Build perftop.ko (and the bench modules) for kernel $1 into $BUILD/$1/module.
# Fails on any compiler warning.
build_module() {
	_k=$1
	_kdir=$(kernel_kdir "$_k") || return 1
	[ -d "$_kdir" ] || die "no kernel tree at $_kdir (apt-get install linux-headers-$_k)"
	_out=$BUILD/$_k/module
	rm -rf "$_out" && mkdir -p "$_out"
	(cd "$TOP" && cp $(module_sources) "$_out/")
	if [ -d "$TESTS/bench" ]; then
		cp "$TESTS"/bench/*.c "$_out/"
		printf 'obj-m += perftop_floor.o perftop_capture.o\n' >> "$_out/Kbuild"
	fi
	make -C "$_kdir" M="$_out" modules > "$_out/build.log" 2>&1 || {
		cat "$_out/build.log" >&2
		return 1
	}
	if grep -iE 'warning:|error:' "$_out/build.log" >&2; then
		say "module build for $_k has warnings"
		return 1
	fi
}

# Static test programs (frame pointers, fixed addresses) and their symbols.
build_tools() {
	_out=$BUILD/tools
	mkdir -p "$_out"
	for _p in ptwork ptcheck; do
		if [ ! -x "$_out/$_p" ] || [ "$TESTS/src/$_p.c" -nt "$_out/$_p" ]; then
			gcc -O0 -g0 -fno-omit-frame-pointer -no-pie -static -Wall -Wextra -Werror \
				-o "$_out/$_p" "$TESTS/src/$_p.c" -lpthread || return 1
		fi
	done
	nm -S --defined-only "$_out/ptwork" > "$_out/ptwork.syms"
}

# initramfs for kernel $1: busybox, the module, the tools, the guest scripts.
build_initramfs() {
	_k=$1
	_root=$BUILD/$_k/root
	rm -rf "$_root" && mkdir -p "$_root/bin" "$_root/tests" "$_root/proc" \
		"$_root/sys" "$_root/dev" "$_root/tmp" "$_root/root" "$_root/etc"
	cp /bin/busybox "$_root/bin/busybox"
	cp "$BUILD/tools/ptwork" "$BUILD/tools/ptcheck" "$_root/bin/"
	cp "$BUILD/tools/ptwork.syms" "$_root/tests/"
	cp "$BUILD/$_k/module"/*.ko "$_root/"
	cp "$TESTS"/guest/* "$_root/tests/"
	mv "$_root/tests/init" "$_root/init"
	chmod +x "$_root/init" "$_root"/tests/*.sh
	echo 'root:x:0:0:root:/root:/bin/sh' > "$_root/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$_root/etc/passwd"
	(cd "$_root" && find . | cpio -o -H newc --quiet | gzip -1) > "$BUILD/$_k/initrd.gz"
}

# What a kernel log must never contain.
SPLATS='Oops|BUG:|WARNING:|sleeping function called from invalid context|scheduling while atomic|soft lockup|hard LOCKUP|rcu.*(self-)?detected stall|detected stalls|Kernel panic|general protection fault|KASAN|UBSAN|kmemleak: .*new suspected|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|Call Trace:'

# boot KERNEL SUITE SMP TIMEOUT [extra kernel args]
# Boots the initramfs; the guest runs tests/suite.sh SUITE and writes
# "PASS name" / "FAIL name: why" lines to its second serial port.
# Sets BOOT_RC, BOOT_DIR.  BOOT_VMLINUZ and BOOT_INITRD replace the kernel
# and the initramfs; QEMU_EXTRA adds QEMU options (a disk, say).
# tsc=reliable: under TCG every vCPU reads the host's invariant TSC, but the
# emulated CPU does not advertise it, and the guest's watchdog then demotes
# sched_clock to a jiffies-clamped clock that drifts from rdtsc under host
# load.  Real machines with constant_tsc/nonstop_tsc do not do that.
# thread=single: QEMU 7.2's multi-threaded TCG does not keep x86's promises
# for code that one vCPU patches while another runs it.  Arming and
# disarming any ftrace-based kprobe on finish_task_switch under load (even
# perftop_floor.ko, whose handler returns at once) makes a vCPU return to
# address 0 within a few cycles under MTTCG, on 6.1 and 6.12 alike, and never
# in 100 cycles with one TCG thread.  The guest is still SMP: its vCPUs
# interleave on one host thread.  tests/run boots several VMs in parallel to
# use the other cores.  QEMU_ACCEL=tcg brings MTTCG back (make bench uses it
# with the modules loaded only while nothing runs).
boot() {
	_k=$1 _suite=$2 _smp=$3 _timeout=$4
	shift 4
	_mem=1024
	[ "$_k" = debug ] && _mem=3072
	BOOT_DIR=$BUILD/$_k/run-$_suite-smp$_smp
	rm -rf "$BOOT_DIR" && mkdir -p "$BOOT_DIR"
	: > "$BOOT_DIR/console.log"
	: > "$BOOT_DIR/results.txt"
	# shellcheck disable=SC2086 # QEMU_EXTRA is a list of words
	timeout --foreground -k 10 "$_timeout" qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg,thread=single}" -m $_mem -smp "$_smp" \
		${QEMU_EXTRA:-} \
		-display none -monitor none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-serial "file:$BOOT_DIR/console.log" -serial "file:$BOOT_DIR/results.txt" \
		-kernel "${BOOT_VMLINUZ:-$(kernel_vmlinuz "$_k")}" \
		-initrd "${BOOT_INITRD:-$BUILD/$_k/initrd.gz}" \
		-append "console=ttyS0 loglevel=5 tsc=reliable panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 hung_task_panic=1 PT_SUITE=$_suite PT_KERNEL=$_k $*" \
		< /dev/null > "$BOOT_DIR/qemu.log" 2>&1
	BOOT_RC=$?
}

# Turn a finished boot into PASS/FAIL lines on stdout, prefixed with $1.
# The guest's own lines, then the host's verdict on the boot itself.
boot_report() {
	_tag=$1
	tr -d '\r' < "$BOOT_DIR/results.txt" | grep -E '^(PASS|FAIL) ' | sed "s#^\(PASS\|FAIL\) #\1 $_tag #"
	if [ "$BOOT_RC" = 33 ]; then
		echo "PASS $_tag boot-completed"
	elif [ "$BOOT_RC" = 124 ] || [ "$BOOT_RC" = 137 ]; then
		echo "FAIL $_tag boot-completed: timed out (see $BOOT_DIR/console.log)"
	else
		echo "FAIL $_tag boot-completed: qemu exited $BOOT_RC (see $BOOT_DIR/console.log)"
	fi
	console_verdict "$_tag console-clean" "$BOOT_DIR/console.log"
}

# console_verdict NAME LOG: "PASS NAME", or "FAIL NAME: " and the first line
# of LOG that matches SPLATS.
console_verdict() {
	if grep -Eq "$SPLATS" "$2"; then
		echo "FAIL $1: $(grep -Em1 "$SPLATS" "$2" | tr -d '\r')"
	else
		echo "PASS $1"
	fi
}

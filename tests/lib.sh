# SPDX-License-Identifier: GPL-2.0-only
# Host-side helpers for perftop's tests: kernels, module builds, initramfs,
# QEMU boots.  Sourced by tests/run and the scripts in tests/*/ (which set
# TESTS to the tests folder first).

TESTS=${TESTS:-$(cd "$(dirname "$0")" && pwd)}
TOP=$(cd "$TESTS/.." && pwd)
# Downloaded kernels, built debug kernel, bootstrapped roots: reused between
# runs, never required (everything is fetched or built again when missing).
CACHE=${PERFTOP_CACHE:-$TOP/.cache}
BUILD=${PERFTOP_BUILD:-$TOP/build}
. "$TESTS/kernels.conf"

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# result NAME LOG CMD...: run CMD with its output in LOG, and print one line:
# "PASS NAME", "SKIP NAME: why" (CMD exited 77) or "FAIL NAME: why", the
# reason being LOG's last line.  Returns CMD's status.  The one result
# helper of the host's tests (the guest's is run() in tests/guest/lib.sh).
result() {
	_rn=$1 _rlog=$2
	shift 2
	"$@" > "$_rlog" 2>&1
	_rc=$?
	case $_rc in
	0) echo "PASS $_rn" ;;
	77) echo "SKIP $_rn: $(tail -n 1 "$_rlog")" ;;
	*)
		tail -n 20 "$_rlog" >&2
		echo "FAIL $_rn: $(tail -n 1 "$_rlog") (log: $_rlog)"
		;;
	esac
	return $_rc
}

# cached NAME KEY FUNCTION [ARG...]: the folder $CACHE/NAME/KEY, made by
# "FUNCTION DIR ARG..." unless it is there.  FUNCTION builds into a
# temporary folder, which becomes DIR only when it succeeded (a run stopped
# halfway leaves nothing that looks done); building drops NAME's other keys.
# Builders of one NAME take turns (flock on $CACHE/NAME.lock): parallel
# jobs that need the same thing wait for the first to make it.
# Prints the folder.
cached() {
	_name=$1 _key=$2 _fn=$3
	shift 3
	_dir=$CACHE/$_name/$_key
	if [ ! -e "$_dir/.complete" ]; then
		mkdir -p "$(dirname "$CACHE/$_name")"
		(
			flock 9
			[ -e "$_dir/.complete" ] && exit 0
			rm -rf "${CACHE:?}/$_name"
			mkdir -p "$_dir.tmp"
			"$_fn" "$_dir.tmp" "$@" >&2 || { rm -rf "$_dir.tmp"; exit 1; }
			touch "$_dir.tmp/.complete"
			mv "$_dir.tmp" "$_dir"
		) 9> "$CACHE/$_name.lock" || return 1
	fi
	echo "$_dir"
}

# disk_room SUITE...: room on the disk for the suites' builds and caches,
# or a FAIL line saying how much is missing, and status 1.  A run that
# fills the disk fails late and far from the cause (a copy, an apt-get, a
# kernel build); this says it before anything starts.  The figures (MiB)
# are a cold run's largest sizes on Debian 12, rounded up: a cache counts
# only while it is not complete.  PERFTOP_DISK_RESERVE_MB (512) is left
# free for the rest of the machine.
disk_room() {
	_need=512
	for _s in "$@"; do
		case $_s in
		guest) _need=$((_need + 600)) ;;
		# the kernel tree with its objects
		debug) ls "$CACHE"/debug-kernel/*/.complete > /dev/null 2>&1 ||
			_need=$((_need + 2600)) ;;
		# the root with the suite's build dependencies
		cleanroom) ls "$CACHE/${CLEANROOM_CACHE:-cleanroom}"/*/.complete > /dev/null 2>&1 ||
			_need=$((_need + 3200)) ;;
		# the root, its copy in BUILD, and the copy's disk image
		packages) _need=$((_need + 3200))
			ls "$CACHE"/pkg-root/*/.complete > /dev/null 2>&1 ||
			_need=$((_need + 1500)) ;;
		# a tree and a build for each mutant
		mutations) _need=$((_need + 1400)) ;;
		esac
	done
	_need=$((_need + ${PERFTOP_DISK_RESERVE_MB:-512}))
	mkdir -p "$CACHE" "$BUILD" || return 1
	# CACHE and BUILD may be on two file systems: each needs its share,
	# counted here as the whole, the simpler bound.
	for _d in "$CACHE" "$BUILD"; do
		_free=$(df -Pk "$_d" | awk 'NR == 2 { print int($4 / 1024) }')
		if [ -z "$_free" ] || [ "$_free" -lt "$_need" ]; then
			echo "FAIL disk: ${_free:-?} MiB free in $_d, the suites ($*) need about $_need MiB (PERFTOP_CACHE and PERFTOP_BUILD choose where)"
			return 1
		fi
	done
}

# The modules the guest suite loads, where the kernel has them as modules,
# in the order they load: FUSE (6.1; 6.12 has it built in) for the file
# that never answers, and vhost-net for a vhost worker (hardening.sh).
GUEST_MODULES="fuse vhost_iotlb vhost tun tap vhost_net"

# The vmlinuz of a Debian kernel release, from its -unsigned package, and
# its GUEST_MODULES in $1/modules, uncompressed (busybox insmod reads no xz).
fetch_kernel() {
	(cd "$1" && apt-get download -q "linux-image-$2-unsigned") ||
		{ say "apt-get download linux-image-$2-unsigned failed"; return 1; }
	dpkg -x "$1"/linux-image-*.deb "$1/x" && cp "$1/x/boot/vmlinuz-$2" "$1/vmlinuz" || return 1
	mkdir -p "$1/modules"
	for _m in $GUEST_MODULES; do
		_f=$(find "$1/x/lib/modules/$2/kernel" -name "$_m.ko" -o -name "$_m.ko.xz" | head -n 1)
		case $_f in
		"") ;;
		*.xz) xz -dc "$_f" > "$1/modules/$_m.ko" || return 1 ;;
		*) cp "$_f" "$1/modules/$_m.ko" || return 1 ;;
		esac
	done
	rm -rf "$1/x" "$1"/*.deb
}

kernel_image() {
	_d=$(cached "kernels/$1" image-modules fetch_kernel "$1") || die "cannot fetch the kernel $1"
	echo "$_d/vmlinuz"
}

# The headers of a Debian kernel release, never installed on the host (the
# 6.12 headers Depend on their image): linux-headers-RELEASE and the
# linux-headers-*-common and linux-kbuild-* packages it depends on, fetched
# with apt-get download and unpacked with dpkg -x into $1/usr.  The flavour's
# Makefile includes the common one by its absolute path: made relative (make
# reads it in its own folder), so that the tree works wherever it lies.
fetch_headers() {
	_deps=$(apt-cache show --no-all-versions "linux-headers-$2" | sed -n 's/^Depends: //p' |
		tr ',' '\n' | sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p')
	[ -n "$_deps" ] || { say "apt-cache knows no linux-headers-$2 (apt-get update?)"; return 1; }
	# shellcheck disable=SC2086 # package names: words on purpose
	(cd "$1" && apt-get download -q -o APT::Sandbox::User=root "linux-headers-$2" $_deps) ||
		{ say "apt-get download linux-headers-$2 $_deps failed"; return 1; }
	for _p in "$1"/*.deb; do
		dpkg -x "$_p" "$1" || return 1
	done
	rm -f "$1"/*.deb
	_h=$1/usr/src/linux-headers-$2
	sed -i 's|^include /usr/src/|include ../|' "$_h/Makefile" &&
		grep -qF "\"$2\"" "$_h/include/generated/utsrelease.h" && [ -x "$_h/scripts/mod/modpost" ] ||
		{ say "the unpacked linux-headers-$2 are incomplete"; return 1; }
}

# The kernel tree to build modules against: the debug kernel's, or a
# release's headers from $CACHE/headers (by their package version).
kernel_kdir() {
	case $1 in
	debug) echo "$("$TESTS/debug/kernel.sh")" ;;
	*)
		_v=$(apt-cache show --no-all-versions "linux-headers-$1" 2> /dev/null | sed -n 's/^Version: //p')
		[ -n "$_v" ] || { say "apt-cache knows no linux-headers-$1 (apt-get update?)"; return 1; }
		_d=$(cached "headers/$1" "$_v" fetch_headers "$1") || return 1
		echo "$_d/usr/src/linux-headers-$1"
		;;
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

# Build perftop.ko, the bench modules, the fault-injection module and the
# busy kernel thread (tests/kthread) for
# kernel $1 into $BUILD/$1/module.
# Fails on any compiler warning.
build_module() {
	_k=$1
	_kdir=$(kernel_kdir "$_k") || return 1
	[ -d "$_kdir" ] || { say "no kernel tree at $_kdir"; return 1; }
	_out=$BUILD/$_k/module
	rm -rf "$_out" && mkdir -p "$_out"
	(cd "$TOP" && cp $(module_sources) "$_out/")
	cp "$TESTS"/bench/*.c "$TESTS"/faults/*.c "$TESTS"/kthread/*.c "$_out/"
	printf 'obj-m += perftop_floor.o perftop_capture.o perftop_faults.o ptbusy.o\n' >> "$_out/Kbuild"
	make -C "$_kdir" M="$_out" modules > "$_out/build.log" 2>&1 || {
		cat "$_out/build.log" >&2
		return 1
	}
	if grep -iE 'warning:|error:' "$_out/build.log" >&2; then
		say "module build for $_k has warnings"
		return 1
	fi
}

# The test programs and their symbols (nm -S, one NAME.syms per object):
#  - ptwork and ptcheck, static and not PIE, with frame pointers;
#  - ptpie and libptlib.so: a PIE program with a shared library, as
#    distributions build them, but with frame pointers and symbols;
#  - pt32: a 32-bit static program, for compat tasks.
build_tools() {
	_out=$BUILD/tools
	_src=$TESTS/src
	_cc="gcc -O0 -fno-omit-frame-pointer -Wall -Wextra -Werror"
	mkdir -p "$_out"
	for _p in ptwork ptcheck; do
		stale "$_out/$_p" "$_src/$_p.c" || continue
		$_cc -g0 -no-pie -static -o "$_out/$_p" "$_src/$_p.c" -lpthread || return 1
	done
	if stale "$_out/libptlib.so" "$_src/ptlib.c"; then
		$_cc -g -fPIC -shared -o "$_out/libptlib.so" "$_src/ptlib.c" || return 1
	fi
	if stale "$_out/ptpie" "$_src/ptpie.c" "$_out/libptlib.so"; then
		$_cc -g -fPIE -pie -o "$_out/ptpie" "$_src/ptpie.c" -L"$_out" -lptlib \
			-Wl,-rpath,/lib -lpthread || return 1
	fi
	# ptnofp and libptnofp.so: ptpie and its library as Debian builds
	# programs, without frame pointers (whole stacks by unwind tables,
	# issue 22); symbols for the tests' oracle.
	_nofp="gcc -O0 -fomit-frame-pointer -fasynchronous-unwind-tables -Wall -Wextra -Werror"
	if stale "$_out/libptnofp.so" "$_src/ptlib.c"; then
		$_nofp -g -fPIC -shared -o "$_out/libptnofp.so" "$_src/ptlib.c" || return 1
	fi
	# ptworknf: ptwork without frame pointers (make bench's unwind cost).
	if stale "$_out/ptworknf" "$_src/ptwork.c"; then
		$_nofp -g0 -no-pie -static -o "$_out/ptworknf" "$_src/ptwork.c" -lpthread || return 1
	fi
	if stale "$_out/ptnofp" "$_src/ptpie.c" "$_out/libptnofp.so"; then
		$_nofp -g -fPIE -pie -o "$_out/ptnofp" "$_src/ptpie.c" -L"$_out" -lptnofp \
			-Wl,-rpath,/lib -lpthread || return 1
	fi
	# perftop(1)'s table upload (issue 22), static: the guest has no elfutils.
	_pt=$TOP/tools/perftop
	if stale "$_out/ptuwload" "$_src/ptuwload.c" "$_pt/upload.c" "$_pt/ehtab.c" "$_pt/util.c" \
		"$_pt/perftop.h" "$TOP/unwind.h"; then
		gcc -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -static -I"$_pt" \
			-o "$_out/ptuwload" "$_src/ptuwload.c" "$_pt/upload.c" "$_pt/ehtab.c" \
			"$_pt/util.c" || return 1
	fi
	if stale "$_out/pt32" "$_src/pt32.c"; then
		$_cc -m32 -static -o "$_out/pt32" "$_src/pt32.c" || return 1
	fi
	for _p in ptwork ptpie libptlib.so ptnofp libptnofp.so pt32; do
		nm -S --defined-only "$_out/$_p" > "$_out/$_p.syms"
	done
	# busybox has no symbols, and pt32's static libc has assembly without
	# sizes: their executable segments stand for them (frames outside are
	# junk).
	mkdir -p "$_out/text"
	text_syms /bin/busybox > "$_out/busybox.syms" &&
		text_syms "$_out/pt32" > "$_out/text/pt32.syms"
}

# text_syms ELF: its executable PT_LOAD segments as "nm -S" lines.
text_syms() {
	readelf -lW "$1" | awk '$1 == "LOAD" && $8 == "E" {
		sub("^0x", "", $3); sub("^0x", "", $6); print $3, $6, "T", "text" }' | grep .
}

# stale TARGET SOURCE...: TARGET is missing or older than a SOURCE.
stale() {
	_t=$1
	shift
	[ -e "$_t" ] || return 0
	for _f; do
		[ "$_f" -nt "$_t" ] && return 0
	done
	return 1
}

# initramfs for kernel $1: busybox, the module, the tools, the guest scripts.
build_initramfs() {
	_k=$1
	_root=$BUILD/$_k/root
	rm -rf "$_root" && mkdir -p "$_root/bin" "$_root/tests" "$_root/proc" \
		"$_root/sys" "$_root/dev" "$_root/tmp" "$_root/root" "$_root/etc"
	cp /bin/busybox "$_root/bin/busybox"
	cp "$BUILD/tools/ptwork" "$BUILD/tools/ptcheck" "$BUILD/tools/ptpie" \
		"$BUILD/tools/ptnofp" "$BUILD/tools/ptworknf" "$BUILD/tools/pt32" \
		"$BUILD/tools/ptuwload" "$_root/bin/"
	mkdir -p "$_root/lib"
	cp "$BUILD/tools/libptlib.so" "$BUILD/tools/libptnofp.so" "$_root/lib/"
	# Debian's xz and sha256sum (coreutils), built without frame pointers
	# (issue 22's whole stacks; busybox's own code has no unwind tables).
	mkdir -p "$_root/usr/bin" && cp /usr/bin/xz /usr/bin/sha256sum "$_root/usr/bin/"
	# Their dynamic loader and libraries, and ptpie's, from this (Debian 12) host.
	{ ldd "$BUILD/tools/ptpie"; ldd /usr/bin/xz; ldd /usr/bin/sha256sum; } |
		awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		grep -v libptlib | sort -u | while read -r _l; do
			mkdir -p "$_root$(dirname "$_l")"
			cp -L "$_l" "$_root$_l"
		done
	cp "$BUILD"/tools/*.syms "$_root/tests/"
	# The build-id of every ELF file in the guest, by readelf: the oracle
	# of the unwind tables' test (tests/guest/unwind.sh).
	(cd "$_root" && find . -type f ! -name '*.ko' | sort) | while read -r _f; do
		_id=$(readelf -n "$_root/$_f" 2> /dev/null | sed -n 's/^ *Build ID: //p')
		[ -z "$_id" ] || echo "${_f#.} $_id"
	done > "$_root/tests/buildids"
	cp -r "$BUILD/tools/text" "$_root/tests/"
	cp "$BUILD/$_k/module"/*.ko "$_root/"
	mkdir -p "$_root/modules"
	if [ "$_k" != debug ]; then
		for _f in "$(dirname "$(kernel_image "$_k")")"/modules/*.ko; do
			[ ! -e "$_f" ] || cp "$_f" "$_root/modules/" || return 1
		done
	fi
	cp "$TESTS"/guest/* "$_root/tests/"
	cp "$TESTS/bench/guest.sh" "$_root/tests/bench.sh"
	mv "$_root/tests/init" "$_root/init"
	chmod +x "$_root/init" "$_root"/tests/*.sh
	echo 'root:x:0:0:root:/root:/bin/sh' > "$_root/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$_root/etc/passwd"
	(cd "$_root" && find . | cpio -o -H newc --quiet | gzip -1) > "$BUILD/$_k/initrd.gz"
}

# What a kernel log must never contain.
SPLATS='Oops|BUG:|WARNING:|sleeping function called from invalid context|scheduling while atomic|soft lockup|hard LOCKUP|rcu.*(self-)?detected stall|detected stalls|Kernel panic|general protection fault|KASAN|UBSAN|kmemleak: .*new suspected|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|Call Trace:'

# boot KERNEL SUITE SMP TIMEOUT [extra kernel args]
# The one way the tests boot a VM.  By default it boots the initramfs, whose
# init runs tests/guest/suite.sh SUITE; the guest writes "PASS name" /
# "FAIL name: why" lines to its second serial port and ends by making QEMU
# exit with status 33 (isa-debug-exit).  Sets BOOT_RC, BOOT_DIR.
# BOOT_VMLINUZ and BOOT_INITRD replace the kernel and the initramfs;
# BOOT_CPU is QEMU's -cpu (its default, qemu64, when unset).
# BOOT_DISK adds a raw disk image as /dev/vda (and no network); BOOT_MEM
# (MiB) and BOOT_RUNDIR replace the memory size and the run's folder.
# tsc_early_khz: the host's TSC frequency (tests/src/tsckhz.c), which the
# guest would otherwise calibrate against its emulated PIT, on a starved
# host up to 29 times wrong (a boot of CI-F: 72424 kHz for 2096022; every
# clock of the guest, the kernel's included, ran that much fast: an RCU
# stall "at 8009 s" and six failures).
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
	_tsc=$(host_tsc_khz)
	_mem=${BOOT_MEM:-1024}
	[ "$_k" = debug ] && _mem=3072
	BOOT_DIR=${BOOT_RUNDIR:-$BUILD/$_k/run-$_suite-smp$_smp}
	rm -rf "$BOOT_DIR" && mkdir -p "$BOOT_DIR"
	: > "$BOOT_DIR/console.log"
	: > "$BOOT_DIR/results.txt"
	_disk=
	[ -n "${BOOT_DISK:-}" ] && _disk="-drive file=$BOOT_DISK,format=raw,if=virtio,cache=unsafe -nic none"
	# shellcheck disable=SC2086 # _disk is a list of words
	timeout --foreground -k 10 "$_timeout" qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg,thread=single}" -m $_mem -smp "$_smp" \
		${BOOT_CPU:+-cpu "$BOOT_CPU"} $_disk \
		-display none -monitor none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-serial "file:$BOOT_DIR/console.log" -serial "file:$BOOT_DIR/results.txt" \
		-kernel "${BOOT_VMLINUZ:-$(kernel_vmlinuz "$_k")}" \
		-initrd "${BOOT_INITRD:-$BUILD/$_k/initrd.gz}" \
		-append "console=ttyS0 loglevel=5 tsc=reliable ${_tsc:+tsc_early_khz=$_tsc} panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 hung_task_panic=1 PT_SUITE=$_suite PT_KERNEL=$_k PT_SMP=$_smp ${PT_TESTS:+PT_TESTS=$PT_TESTS} $*" \
		< /dev/null > "$BOOT_DIR/qemu.log" 2>&1
	BOOT_RC=$?
}

# The host's TSC frequency in kHz, measured once per build folder; nothing
# where the host's TSC is not invariant (the guest calibrates its own).
# Boots start side by side, in subshells (one $$): each measures into a
# folder of its own, and the first to finish publishes its figure.
host_tsc_khz() {
	_f=$BUILD/host-tsc-khz
	if [ ! -s "$_f" ]; then
		mkdir -p "$BUILD"
		_d=$(mktemp -d "$BUILD/tsckhz.XXXXXX") &&
			gcc -O2 -Wall -Wextra -Werror -o "$_d/tsckhz" "$TESTS/src/tsckhz.c" &&
			"$_d/tsckhz" > "$_d/khz" && mv -f "$_d/khz" "$_f"
		rm -rf "$_d"
	fi
	cat "$_f" 2>/dev/null
}

# The tests of guest suite $1 as tests/guest/plan lists them, narrowed to
# PT_TESTS (comma-separated) when it is set.
plan_tests() {
	awk -v s="$1" '$1 == s { print $2 }' "$TESTS/guest/plan" | while read -r _t; do
		case $_t in
		@*) plan_tests "${_t#@}" ;;
		*) case ",${PT_TESTS:-$_t}," in *",$_t,"*) echo "$_t" ;; esac ;;
		esac
	done
}

# Turn a finished boot of suite $2 into PASS/FAIL/SKIP lines on stdout,
# prefixed with $1: the guest's own lines, every planned test that did not
# report (a suite that died halfway, or lost a test), the suite's completion
# marker, then the host's verdict on the boot itself.
boot_report() {
	_tag=$1 _suite=$2
	tr -d '\r' < "$BOOT_DIR/results.txt" > "$BOOT_DIR/results.clean"
	grep -E '^(PASS|FAIL|SKIP) ' "$BOOT_DIR/results.clean" | sed "s#^\(PASS\|FAIL\|SKIP\) #\1 $_tag #"
	_planned=$(plan_tests "$_suite" | wc -l)
	for _t in $(plan_tests "$_suite"); do
		grep -Eq "^(PASS|FAIL|SKIP) $_t(\[[^]]*\])?(:|\$)" "$BOOT_DIR/results.clean" ||
			echo "FAIL $_tag $_t: did not run"
	done
	if [ "$_planned" -gt 0 ]; then
		_done=$(sed -n "s/^DONE suite=$_suite tests=\([0-9]*\)\$/\1/p" "$BOOT_DIR/results.clean")
		if [ -z "$_done" ]; then
			echo "FAIL $_tag suite-completed: no completion marker: the suite stopped early"
		elif [ "$_done" != "$_planned" ]; then
			echo "FAIL $_tag suite-completed: ran $_done tests, $_planned planned"
		else
			echo "PASS $_tag suite-completed"
		fi
	fi
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

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# perftop's guest test suite; runs as PID 1's child inside the test VM.
#   suite.sh guest    the module's tests (issue #2), accuracy and torture (#4)
#   suite.sh accuracy accuracy against schedstat only (for other -smp)
#   suite.sh debug    guest, then a kmemleak scan (debug kernel)
#   suite.sh demo     load, run a mixed workload, print /proc/perftop
#   suite.sh bench    the overhead benchmark (tests/bench.sh reads it)
. /tests/lib.sh
. /tests/trust.sh
. /tests/bench.sh

# Load, check the file and its mode, read, unload; three times.
t_load_unload() {
	for i in 1 2 3; do
		insmod $KO || die "insmod failed (round $i)"
		[ -e /proc/perftop ] || die "no /proc/perftop after load"
		m=$(stat -c %a /proc/perftop)
		[ "$m" = 600 ] || die "/proc/perftop has mode $m, not 600"
		grep -q '^perftop ' /proc/modules || die "perftop not in /proc/modules"
		cat /proc/perftop > /tmp/d || die "read failed"
		rmmod perftop || die "rmmod failed (round $i)"
		[ ! -e /proc/perftop ] || die "/proc/perftop left after rmmod"
		grep -q '^perftop ' /proc/modules && die "perftop still in /proc/modules"
	done
	dmesg | grep -q 'perftop: .*probing finish_task_switch' ||
		die "the load message does not name the probed function"
}

mixed_workload() {
	spawn ptwork spin 2 50
	spawn ptwork sleep 500 2000
	spawn ptwork pingpong 3000
	ptwork migrate 50
	ptwork forkexec 20 /bin/true
	wait
	BG=""
}

# The whole format, with the default parameters and with others.
t_format() {
	insmod $KO || die "insmod failed"
	mixed_workload
	dump /tmp/d
	cat /tmp/d
	ptcheck format 20 4 < /tmp/d || die "bad format (top=20 depth=4)"
	n=$(grep -c '^rank ' /tmp/d)
	[ "$n" = 20 ] || die "$n ranks after a mixed workload, expected 20"
	grep -q '^rank .*kind=user' /tmp/d || die "no user stack ranked"
	rmmod perftop
	insmod $KO top=5 depth=2 || die "insmod top=5 depth=2 failed"
	mixed_workload
	dump /tmp/d
	ptcheck format 5 2 < /tmp/d || die "bad format (top=5 depth=2)"
	[ "$(grep -c '^rank ' /tmp/d)" = 5 ] || die "top=5 does not print 5 ranks"
	grep -q '^  #2 ' /tmp/d && die "depth=2 printed a third frame"
	true
}

# A CPU-bound workload spinning in wl_spin, preempted by a sleeper on the
# same CPU, ranks first with user frames inside wl_spin.
t_spinner_ranks_first() {
	insmod $KO || die "insmod failed"
	echo reset > /proc/perftop
	spawn taskset -c 0 ptwork sleep 1500 1000
	taskset -c 0 ptwork spin 3 50
	dump /tmp/d
	ptcheck list < /tmp/d | head -n 5
	best=$(ptcheck list $SYMS wl_spin < /tmp/d | head -n 1 | cut -f 1)
	[ -n "$best" ] || die "no entry with a frame inside wl_spin"
	[ "$best" -le 1 ] || die "the spinner's best rank is $best, expected 1"
	first=$(ptcheck list $SYMS wl_spin < /tmp/d | head -n 1 | cut -f 9-)
	echo "best rank $best, frames: $first"
}

# A kernel thread shows up with symbolised kernel frames: hopping between
# CPUs 200 times wakes the migration/N stopper threads about 200 times, and
# they sleep in smpboot_thread_fn (like every per-CPU "smpboot" thread, so
# the entry's comm may be that of another one, e.g. ksoftirqd/N).
t_kthread_frames() {
	[ "$NCPU" -ge 2 ] || die "needs 2 CPUs"
	insmod $KO top=8192 || die "insmod failed"
	echo reset > /proc/perftop
	ptwork migrate 200
	dump /tmp/d
	grep -A4 'kind=kernel' /tmp/d | head -n 15
	r=$(ptcheck kthread smpboot_thread_fn < /tmp/d) || die "$r"
	echo "$r"
	c=$(echo "$r" | sed -n 's/.*count=\([0-9]*\).*/\1/p')
	[ "$c" -ge 150 ] || die "smpboot threads switched in $c times for 200 CPU hops"
}

# A task switched in a known number of times is counted that many times:
# 300 sleeps, and the kernel's own counters as the oracle (a real-time
# kernel also preempts the sleeper now and then).  The switch out that ends
# the last slice comes after the sleeper's final read of its counters.
t_switch_count() {
	insmod $KO top=8192 || die "insmod failed"
	echo reset > /proc/perftop
	r=$(ptwork sleep 300 2000)
	dump /tmp/d
	c=$(sum_col /tmp/d wl_sleep 6)
	k=$(echo "$r" | sed -n 's/.*switches=\([0-9]*\).*/\1/p')
	p=$(echo "$r" | sed -n 's/.*pcount=\([0-9]*\).*/\1/p')
	echo "$r; perftop counted $c switch-ins inside wl_sleep"
	[ "$k" -ge 300 ] || die "the kernel counts only $k switches for 300 sleeps"
	[ "$c" -ge $((k - 2)) ] && [ "$c" -le $((k + 2)) ] ||
		die "perftop counted $c, the kernel $k switches"
	[ "$c" -ge $((p - 2)) ] || die "perftop counted $c, schedstat $p switch-ins"
}

# Writing "reset" clears every counter.
t_reset_clears() {
	insmod $KO top=8192 || die "insmod failed"
	spawn taskset -c 0 ptwork sleep 500 1000
	taskset -c 0 ptwork spin 1 50
	wait
	BG=""
	dump /tmp/a
	echo reset > /proc/perftop || die "reset refused"
	dump /tmp/b
	sa=$(footer /tmp/a switches) sb=$(footer /tmp/b switches)
	ua=$(footer /tmp/a dropped) ; ea=$(grep -c '^rank ' /tmp/a) ; eb=$(grep -c '^rank ' /tmp/b)
	echo "before: switches=$sa ranks=$ea; after: switches=$sb ranks=$eb"
	[ "$sb" -lt $((sa / 10)) ] || die "switches $sa -> $sb: not cleared"
	[ "$eb" -lt "$ea" ] || die "ranks $ea -> $eb: not cleared"
	[ "$(sum_col /tmp/b wl_spin 4)" = 0 ] || die "the spinner survived the reset"
	[ "$(sum_col /tmp/a wl_spin 4)" -gt 0 ] || die "the spinner was not there before the reset"
}

# Any other write is EINVAL and leaves the table as it was.
t_bad_write_einval() {
	insmod $KO top=8192 || die "insmod failed"
	taskset -c 0 ptwork spin 1 50
	for w in bogus 'reset now' rese RESET ' reset' 'reset

'; do
		r=$(ptwork write /proc/perftop "$w")
		[ "$r" = EINVAL ] || die "writing '$w' gave $r, not EINVAL"
	done
	fuzz_leaves_table 300 11
}

# Only root reads or writes by default; writing always needs CAP_SYS_ADMIN.
t_nonroot_refused() {
	insmod $KO || die "insmod failed"
	r=$(ptwork asuser 65534 /proc/perftop r); [ "$r" = EACCES ] || die "nobody read: $r"
	r=$(ptwork asuser 65534 /proc/perftop w); [ "$r" = EACCES ] || die "nobody write: $r"
	r=$(ptwork asuser 0 /proc/perftop r); [ "$r" = OK ] || die "root read: $r"
	rmmod perftop
	insmod $KO mode=0666 || die "insmod mode=0666 failed"
	r=$(ptwork asuser 65534 /proc/perftop r); [ "$r" = OK ] || die "mode=0666, nobody read: $r"
	r=$(ptwork asuser 65534 /proc/perftop w); [ "$r" = EPERM ] || die "mode=0666, nobody write: $r"
	true
}

# Every bad parameter fails the load with a message and leaves nothing.
t_bad_params() {
	for p in top=0 top=-1 top=9000 top=abc depth=0 depth=9 max_entries=0 \
		max_entries=15 max_entries=4294967295 max_entries=99999999999 \
		mode=0777 mode=0 mode=0200 symbol=no_such_function_perftop \
		symbol=finish_task_switch.cold symbol=; do
		dmesg -c > /dev/null
		insmod $KO "$p" 2>/tmp/err && die "insmod $p succeeded"
		msg=$(dmesg | grep perftop | tail -n 1)
		echo "$p -> $(cat /tmp/err | tr '\n' ' ') | $msg"
		[ -n "$msg" ] || die "insmod $p: no message in the kernel log"
		[ ! -e /proc/perftop ] || die "insmod $p left /proc/perftop"
		grep -q '^perftop ' /proc/modules && die "insmod $p left the module loaded"
	done
	dmesg -c > /dev/null
	insmod $KO symbol=nonexistent_fn_xyz 2>/tmp/err
	grep -q 'No such file or directory\|unknown symbol\|No such' /tmp/err ||
		echo "note: insmod said $(cat /tmp/err)"
	dmesg | grep -q 'no function nonexistent_fn_xyz' || die "no clear message for a missing symbol"
	true
}

# rmmod while a storm runs: no oops, clean reload.
t_rmmod_under_load() {
	insmod $KO || die "insmod failed"
	spawn ptwork spin 20 50
	spawn ptwork spin 20 50
	spawn ptwork pingpong 1000000
	spawn ptwork forkexec 100000 /bin/true
	spawn ptwork threads 8 20
	sleep 2
	rmmod perftop || die "rmmod under load failed"
	[ ! -e /proc/perftop ] || die "/proc/perftop left"
	insmod $KO || die "reload under load failed"
	sleep 1
	dump /tmp/d
	ptcheck format 20 4 < /tmp/d || die "bad format after reload"
	rmmod perftop || die "second rmmod under load failed"
}

suite_guest() {
	run load_unload
	run format
	run spinner_ranks_first
	run kthread_frames
	run switch_count
	run reset_clears
	run bad_write_einval
	run nonroot_refused
	run bad_params
	run rmmod_under_load
	run accuracy
	run cycles_under_storm
	run readers_and_resets
	run pool_overflow
	run fuzzed_writes
	run bad_params_leave_nothing
	run no_kernel_addresses
	run memory_returns
}

suite_accuracy() {
	run accuracy
}

suite_debug() {
	suite_guest
	run kmemleak
}

suite_demo() {
	insmod $KO || { echo "FAIL demo: insmod" >&3; return; }
	echo "perftop demo on $(uname -r), $NCPU CPUs: spinner, sleeper, pipe ping-pong," \
		"CPU hopping, fork+exec, for 3 seconds" >&3
	spawn ptwork spin 3 50
	spawn ptwork sleep 1500 1000
	spawn ptwork pingpong 5000
	spawn ptwork migrate 300
	spawn ptwork forkexec 50 /bin/true
	wait
	BG=""
	echo '$ cat /proc/perftop' >&3
	cat /proc/perftop >&3
	ptcheck format 20 4 < /proc/perftop > /tmp/f && echo "PASS demo-format" >&3 ||
		echo "FAIL demo-format: $(cat /tmp/f)" >&3
	cleanup
}

# tests/adhoc.sh: a developer's script instead of a suite.
suite_adhoc() {
	. /tests/adhoc.sh >&3 2>&1
}

suite_"$1"

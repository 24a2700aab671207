#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# perftop's guest test suite; runs as PID 1's child inside the test VM.
#   suite.sh guest    the module's tests, user frames, hardening, accuracy
#                     and torture
#   suite.sh accuracy accuracy against schedstat and the wall clock only
#                     (-smp 8, a task hopping between CPUs)
#   suite.sh smp      accuracy, then the torture (for -smp 1 and 4)
#   suite.sh debug    guest, then a kmemleak scan (debug kernel)
#   suite.sh demo     load, run a mixed workload, print /proc/perftop
#   suite.sh bench    the overhead benchmark (tests/bench/run.sh reads it)
# PT_TESTS="a b" runs only those tests of the suite.
. /tests/lib.sh
. /tests/accuracy.sh
. /tests/torture.sh
. /tests/frames.sh
. /tests/hardening.sh
. /tests/ticks.sh
. /tests/unwind.sh
. /tests/bench.sh

# Load, check the file and its mode, read, unload; three times.
t_load_unload() {
	for i in 1 2 3; do
		insmod $KO || die "insmod failed (round $i)"
		[ -e /proc/perftop ] || die "no /proc/perftop after load"
		m=$(stat -c %a /proc/perftop)
		[ "$m" = 600 ] || die "/proc/perftop has mode $m, not 600"
		m=$(stat -c %a /proc/perftop_all)
		[ "$m" = 400 ] || die "/proc/perftop_all has mode $m, not 400"
		grep -q '^perftop ' /proc/modules || die "perftop not in /proc/modules"
		cat /proc/perftop > /tmp/d || die "read failed"
		cat /proc/perftop_all > /tmp/d || die "read of perftop_all failed"
		rmmod perftop || die "rmmod failed (round $i)"
		[ ! -e /proc/perftop ] || die "/proc/perftop left after rmmod"
		[ ! -e /proc/perftop_all ] || die "/proc/perftop_all left after rmmod"
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
	dump_all /tmp/all
	ptcheck format 1000000 64 < /tmp/all || die "bad format (/proc/perftop_all)"
	[ "$(grep -c '^rank ' /tmp/all)" = "$(($(footer /tmp/all entries) + 1))" ] ||
		die "/proc/perftop_all does not list every entry and idle"
	grep -q '^  #[4-7] ' /tmp/all || die "/proc/perftop_all has no deep frame"
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

# The kernel's count of the switches of pids $@ (voluntary + involuntary).
ctxsw() {
	for _p in "$@"; do
		sed -n 's/^.*ctxt_switches:[[:space:]]*//p' /proc/$_p/status
	done | awk '{ s += $1 } END { print s + 0 }'
}

# A kernel thread shows up with symbolised kernel frames: hopping between
# CPUs 200 times wakes the migration/N stopper threads about 200 times, and
# they sleep in smpboot_thread_fn.  So do the other per-CPU "smpboot"
# threads (ksoftirqd/N, cpuhp/N, rcuc/N ...), which share the entry.  The
# kernel's own switch counters are the oracle: the entry counts at least
# the stoppers' switches, and no more than all kernel threads made.
t_kthread_frames() {
	[ "$NCPU" -ge 2 ] || die "needs 2 CPUs"
	insmod $KO top=8192 || die "insmod failed"
	# Kernel threads are kthreadd's (pid 2) children.
	mig=$(children 2 'migration/*') all=$(children 2)
	[ -n "$mig" ] || die "no migration/N threads"
	ptwork migrate 0
	# The stoppers' count is taken inside perftop's window (after the
	# reset, and by snap just before its read): the programs run to take
	# it can migrate too.  All threads' count is taken around it.
	a0=$(ctxsw $all)
	echo reset > /proc/perftop
	m0=$(ctxsw $mig)
	ptwork migrate 200
	ptcheck snap /tmp/d $mig > /tmp/kd || die "$(cat /tmp/kd)"
	a=$(($(ctxsw $all) - a0))
	m=$(awk -v m0="$m0" 'NR > 1 { s += $3 } END { print s - m0 }' /tmp/kd)
	grep -A4 'kind=kernel' /tmp/d | head -n 15
	r=$(ptcheck kthread smpboot_thread_fn < /tmp/d) || die "$r"
	echo "$r"
	c=$(echo "$r" | sed -n 's/.*count=\([0-9]*\).*/\1/p')
	n=$(echo $all | wc -w)
	echo "smpboot_thread_fn switch-ins: perftop $c; the kernel: migration/N $m," \
		"all $n kernel threads $a"
	[ "$m" -ge 150 ] || die "the kernel counts $m stopper switches for 200 CPU hops"
	[ "$c" -ge $((m - 2)) ] || die "perftop counted $c switch-ins, the stoppers alone switched $m times"
	[ "$c" -le $((a + n)) ] || die "perftop counted $c switch-ins, all kernel threads switched $a times"
}

# A task switched in a known number of times is counted that many times:
# around 300 sleeps in wl_sleep, the kernel's own counters (read with a few
# system calls just before and after) are the oracle.  A switch of the
# harness itself there has no wl_sleep frame: perftop's count may be lower
# by those (2 at most), never higher.
t_switch_count() {
	insmod $KO top=8192 || die "insmod failed"
	echo reset > /proc/perftop
	r=$(ptwork sleep 300 2000)
	dump /tmp/d
	c=$(sum_col /tmp/d wl_sleep 6)
	k=$(echo "$r" | sed -n 's/.*switches=\([0-9]*\).*/\1/p')
	echo "$r; perftop counted $c switch-ins inside wl_sleep"
	[ "$k" -ge 290 ] || die "the kernel counts only $k switches for 300 sleeps"
	[ "$c" -ge $((k - 2)) ] && [ "$c" -le "$k" ] ||
		die "perftop counted $c, the kernel $k switches"
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
	for f in /proc/perftop /proc/perftop_all; do
		r=$(ptwork asuser 65534 $f r); [ "$r" = EACCES ] || die "nobody read $f: $r"
	done
	r=$(ptwork asuser 65534 /proc/perftop w); [ "$r" = EACCES ] || die "nobody write: $r"
	r=$(ptwork asuser 0 /proc/perftop r); [ "$r" = OK ] || die "root read: $r"
	r=$(ptwork asuser 0 /proc/perftop w); [ "$r" = OK ] || die "root write: $r"
}

# Every bad parameter fails the load with a message and leaves nothing.
t_bad_params() {
	for p in top=0 top=-1 top=9000 top=abc top=10001 depth=0 depth=65 max_entries=0 \
		max_entries=15 max_entries=4294967295 max_entries=99999999999 \
		cpu_entries=0 cpu_entries=100 cpu_entries=131072 max_objects=1 \
		drain_ms=5 drain_ms=20000 mode=0777 mode=0666 mode=0 mode=0200 \
		symbol=no_such_function_perftop symbol=schedule symbol=notify_die symbol=; do
		dmesg -c > /dev/null
		insmod $KO "$p" 2>/tmp/err && die "insmod $p succeeded"
		msg=$(dmesg | grep perftop | tail -n 1)
		echo "$p -> $(cat /tmp/err | tr '\n' ' ') | $msg"
		[ -n "$msg" ] || die "insmod $p: no message in the kernel log"
		[ ! -e /proc/perftop ] || die "insmod $p left /proc/perftop"
		grep -q '^perftop ' /proc/modules && die "insmod $p left the module loaded"
	done
	# Parts of the function, not clones of it: refused by name.
	for p in finish_task_switch.cold finish_task_switch.part.0 finish_task_switch.isra.0.cold; do
		dmesg -c > /dev/null
		insmod $KO symbol=$p 2>/dev/null && die "symbol=$p loaded"
		dmesg | grep -q "symbol=$p: only finish_task_switch or a .isra/.constprop clone" ||
			die "symbol=$p: not refused as a part of the function: $(dmesg | tail -n 1)"
	done
	# A clone name that does not exist: refused by the lookup.
	dmesg -c > /dev/null
	insmod $KO symbol=finish_task_switch.isra.9 2>/dev/null && die "a missing clone loaded"
	dmesg | grep -q 'no function finish_task_switch.isra.9' ||
		die "no clear message for a missing symbol: $(dmesg | tail -n 1)"
	true
}

# rmmod while a storm runs: no oops, a clean reload that counts switches
# and ranks stacks, and the storm still running throughout.
t_rmmod_under_load() {
	insmod $KO || die "insmod failed"
	spawn ptwork spin 3600 50
	spawn ptwork spin 3600 50
	spawn ptwork pingpong 1000000000
	spawn ptwork forkexec 1000000 /bin/true
	spawn ptwork threads 8 3600
	sleep 2
	alive $BG
	rmmod perftop || die "rmmod under load failed"
	[ ! -e /proc/perftop ] || die "/proc/perftop left"
	insmod $KO || die "reload under load failed"
	sleep 1
	dump /tmp/d
	ptcheck format 20 4 < /tmp/d || die "bad format after reload"
	[ "$(footer /tmp/d switches)" -gt 0 ] || die "no switch counted after the reload"
	grep -q '^rank 1 ' /tmp/d || die "no rank after the reload"
	rmmod perftop || die "second rmmod under load failed"
	alive $BG
}

# Unload waits for a drain queued after it cancelled the works, as by a
# kick that read perftop_stopping before it was set: the fault build
# queues one there (fault_late_kick), which takes 200 ms.  Were it not
# cancelled, or waited for, once no kick can run, it would run on in freed
# module memory: an oops, which panics the guest (oops=panic).
t_unload_waits_for_late_kick() {
	insmod $FAULTS_KO fault_late_kick=1 || die "insmod fault_late_kick=1 failed"
	ptwork spin 1 20
	rmmod perftop_faults || die "rmmod failed"
	[ ! -e /proc/perftop ] || die "/proc/perftop left"
	sleep 1
	! dmesg | grep -Eq 'Oops|BUG:|general protection' || die "$(dmesg | grep -Em1 'Oops|BUG:|general protection')"
}

# The tests of a suite, from tests/guest/plan (which the host checks the
# results against); PT_TESTS narrows them down.
plan() {
	awk -v s="$1" '$1 == s { print $2 }' /tests/plan | while read -r t; do
		case $t in
		@*) plan "${t#@}" ;;
		*) echo "$t" ;;
		esac
	done
}

run_plan() {
	for t in $(plan "$1"); do
		case " $(echo "${PT_TESTS:-$t}" | tr , ' ') " in
		*" $t "*) run "$t" ;;
		esac
	done
}

suite_guest() { run_plan guest; }
suite_accuracy() { run_plan accuracy; }
suite_smp() { run_plan smp; }
suite_up() { run_plan up; }
suite_nohz() { run_plan nohz; }
suite_debug() { run_plan debug; }

# make demo: a mixed workload, /proc/perftop, and /proc/perftop_all (lines
# "ALL ...") for the host to name with the perftop command.
suite_demo() {
	insmod $KO || { echo "FAIL demo: insmod" >&3; return; }
	echo "perftop demo on $(uname -r), $NCPU CPUs: a spinner, a sleeper, a pipe ping-pong," \
		"CPU hopping, fork+exec, and a PIE with a shared library run 10 times and as threads" >&3
	spawn ptwork spin 3 50
	spawn ptwork sleep 1500 1000
	spawn ptwork pingpong 5000
	spawn ptwork migrate 300
	spawn ptwork forkexec 50 /bin/true
	spawn ptpie threads 2 3
	i=0
	while [ $i -lt 10 ]; do
		ptpie loop 20 100000 > /dev/null
		i=$((i + 1))
	done
	wait
	BG=""
	echo '$ cat /proc/perftop' >&3
	cat /proc/perftop >&3
	sed 's/^/ALL /' /proc/perftop_all >&3
	ptcheck format 20 4 < /proc/perftop > /tmp/f || echo "FAIL demo-format: $(cat /tmp/f)" >&3
	cleanup
}

# tests/dev/adhoc.sh: a developer's script instead of a suite.
suite_adhoc() {
	. /tests/adhoc.sh >&3 2>&1
}

case $1 in
guest | accuracy | smp | up | nohz | debug) "suite_$1"; done_marker "$1" ;;
*) "suite_$1" ;;
esac

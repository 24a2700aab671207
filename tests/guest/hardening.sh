# SPDX-License-Identifier: GPL-2.0-only
# Who may read, what a hostile user can do to the table, and the clock:
# containers, task names, floods, missed switches, a clock that steps back.
# Sourced by suite.sh.

# Root without CAP_SYS_ADMIN and CAP_PERFMON (a default container's root)
# is refused whatever the mode; so is any user with mode=0644.
t_caps_refused() {
	insmod $KO mode=0644 || die "insmod mode=0644 failed"
	for f in /proc/perftop /proc/perftop_all; do
		r=$(ptwork capsdrop $f); [ "$r" = "uid=0 EPERM" ] || die "root without caps, $f: $r"
		r=$(ptwork asuser 65534 $f r); [ "$r" = EPERM ] || die "nobody, mode=0644, $f: $r"
		r=$(ptwork asuser 0 $f r); [ "$r" = OK ] || die "root, $f: $r"
	done
	r=$(ptwork asuser 65534 /proc/perftop w); [ "$r" = EACCES ] || die "nobody write: $r"
	echo "root without CAP_SYS_ADMIN/CAP_PERFMON and nobody: EPERM; root: OK"
}

# A reader in a new pid namespace sees no host pid.
t_pidns_hides_pids() {
	insmod $KO top=50 || die "insmod failed"
	spawn ptwork spin 3 50
	spawn ptwork sleep 1000 1000
	sleep 1
	ptwork pidns /proc/perftop > /tmp/ns || die "reading from a new pid namespace failed"
	dump /tmp/host
	ptcheck format 50 4 < /tmp/ns || die "bad format in the namespace"
	grep -c '^rank' /tmp/ns
	grep -q '^rank .* pid=-' /tmp/ns || die "no hidden pid"
	# Only the reader itself, pid 1 there, may show up.
	if grep -Eq '^rank .* pid=([2-9]|[1-9][0-9]+) ' /tmp/ns; then
		grep -E '^rank .* pid=([2-9]|[1-9][0-9]+) ' /tmp/ns | head -n 3
		die "a host pid is shown in a pid namespace"
	fi
	grep -Eq '^rank .* pid=[1-9]' /tmp/host || die "the host reader sees no pid"
}

# A task that names itself with a newline cannot start a line of its own.
t_comm_escaped() {
	insmod $KO || die "insmod failed"
	ptwork rename "$(printf 'x\nrank 1 scheduled task: fake')" 2 || die "ptwork rename failed"
	dump /tmp/d
	grep -n 'comm=x' /tmp/d
	grep -qx 'rank 1 schedu' /tmp/d && die "the task name injected a line"
	grep -Fq 'comm=x\nrank 1 schedu' /tmp/d || die "the name is not shown escaped"
	ptcheck format 20 4 < /tmp/d || die "bad format"
}

# An unprivileged user making PT_FLOOD (100 000) distinct single-use stacks
# neither pushes a busy stack out nor blinds the table: the spinner stays in
# the top 3 with its time right, idle time stays right, and the footer
# says what was folded into "other" or lost.
t_flood() {
	n=${PT_FLOOD:-100000}
	last=$((NCPU - 1))
	insmod $KO || die "insmod failed"
	taskset -c $last ptwork spin 3600 50 > /dev/null & S=$!
	taskset -c $last ptwork sleep 100000000 1000 > /dev/null & L=$!
	BG="$S $L"
	sleep 1
	freeze $S
	ptcheck snap /tmp/a $S > /tmp/ka || die "$(cat /tmp/ka)"
	kill -CONT $S
	ptwork asuid 65534 /bin/ptwork stacks $n || die "the flood failed"
	alive $S $L
	freeze $S
	ptcheck snap /tmp/b $S > /tmp/kb || die "$(cat /tmp/kb)"
	kill -CONT $S
	dump /tmp/top
	head -n 8 /tmp/top
	grep '^#' /tmp/top | tail -n 7
	best=$(ptcheck list $SYMS wl_spin < /tmp/top | head -n 1 | cut -f 1)
	[ -n "$best" ] && [ "$best" -le 3 ] || die "the spinner is at rank ${best:-none}, not in the top 3"
	d=$(ptcheck delta $SYMS wl_spin,wl_spin_yield /tmp/a /tmp/b) || die "$d"
	pns=$(echo "$d" | sed 's/.* ns=\([0-9]*\).*/\1/')
	kns=$(awk 'NR == FNR { if (FNR == 2) a = $1; next } FNR == 2 { print $1 - a }' /tmp/ka /tmp/kb)
	echo "spinner: perftop $pns ns, schedstat $kns ns ($(errpct "$pns" "$kns")%)"
	within "$pns" "$kns" 2 || die "the spinner's time is off: $pns against $kns ns"
	r=$(ptcheck conserve /tmp/a "$(head -n 1 /tmp/ka)" /tmp/b "$(head -n 1 /tmp/kb)" "$NCPU" 1) ||
		die "$r"
	echo "conservation: $r"
	other=$(ptcheck footer stacks < /tmp/b) lost=$(footer /tmp/b lost)
	echo "RESULT flood stacks=$n other_stacks=$other lost=$lost evicted=$(footer /tmp/b evicted)" >&3
	[ $((other + lost)) -gt 0 ] || die "the footer shows nothing folded or lost after $n stacks"
}

# A reset keeps the time a running task uses after it.
t_reset_keeps_running() {
	last=$((NCPU - 1))
	insmod $KO top=8192 || die "insmod failed"
	spawn taskset -c $last ptwork spin 60 1000000000
	# A sleeper on its CPU preempts it now and then, so that its stack is
	# wl_spin's when the sleeper is done and it runs on alone.
	taskset -c $last ptwork sleep 50 2000 > /dev/null
	echo reset > /proc/perftop || die "reset refused"
	t0=$(ptcheck now)
	sleep 1
	dump /tmp/d
	t1=$(ptcheck now)
	ns=$(sum_col /tmp/d wl_spin 5)
	echo "spinner after the reset: $ns ns in $((t1 - t0)) ns"
	# Kernel threads take some of that CPU (more on the debug kernel).
	[ "$ns" -ge $(((t1 - t0) / 2)) ] || die "the spinner lost the time it ran after the reset"
	[ "$ns" -le $(((t1 - t0) * 12 / 10 + 200000000)) ] || die "the spinner kept time from before the reset"
}

# switches_gap NAME CMD...: under load, CMD makes switches go unseen for
# about 2 s.  No entry may gain that time, the footer counts the gap, and
# busy + idle + gap still make the elapsed time.
switches_gap() {
	_what=$1
	shift
	last=$((NCPU - 1))
	taskset -c $last ptwork spin 3600 50 > /dev/null & S=$!
	taskset -c $last ptwork sleep 100000000 1000 > /dev/null & L=$!
	BG="$S $L"
	sleep 1
	freeze $S
	ptcheck snap /tmp/a $S > /tmp/ka || die "$(cat /tmp/ka)"
	kill -CONT $S
	"$@"
	sleep 1
	alive $S $L
	freeze $S
	ptcheck snap /tmp/b $S > /tmp/kb || die "$(cat /tmp/kb)"
	kill -CONT $S
	d=$(ptcheck delta $SYMS wl_spin,wl_spin_yield /tmp/a /tmp/b) || die "$d"
	pns=$(echo "$d" | sed 's/.* ns=\([0-9]*\).*/\1/')
	kns=$(awk 'NR == FNR { if (FNR == 2) a = $1; next } FNR == 2 { print $1 - a }' /tmp/ka /tmp/kb)
	gaps=$(($(footer /tmp/b gaps) - $(footer /tmp/a gaps)))
	gap_ns=$((($(footer /tmp/b gap_ticks) - $(footer /tmp/a gap_ticks)) * 1000000 / $(sed -n 's/.*tsc_khz=\([0-9]*\).*/\1/p' /tmp/b)))
	echo "$_what: spinner perftop $pns ns, schedstat $kns ns; gaps=$gaps gap_ns=$gap_ns"
	echo "RESULT $_what gaps=$gaps gap_ns=$gap_ns spinner_ns=$pns schedstat_ns=$kns" >&3
	[ "$gaps" -ge 1 ] || die "no gap counted"
	r=$(ptcheck conserve /tmp/a "$(head -n 1 /tmp/ka)" /tmp/b "$(head -n 1 /tmp/kb)" "$NCPU" 1) ||
		die "$r"
	echo "conservation: $r"
}

blind_kprobes() {
	echo 0 > /sys/kernel/debug/kprobes/enabled || die "cannot disable kprobes"
	sleep 2
	echo 1 > /sys/kernel/debug/kprobes/enabled || die "cannot enable kprobes"
}

# Kprobes disabled for 2 s: the spinner, which ran through it, is not
# charged the blind time.
t_gap_kprobes_disabled() {
	[ -w /sys/kernel/debug/kprobes/enabled ] || skip "no /sys/kernel/debug/kprobes/enabled"
	insmod $KO top=8192 || die "insmod failed"
	switches_gap kprobes_disabled blind_kprobes
	[ "$pns" -le $((kns - 1500000000)) ] || die "the spinner was charged the 2 s nobody saw"
}

cpu_offline() {
	echo 0 > /sys/devices/system/cpu/cpu$last/online || die "cannot offline CPU $last"
	sleep 2
	echo 1 > /sys/devices/system/cpu/cpu$last/online || die "cannot online CPU $last"
}

# A CPU offline for 2 s: its last slice is not charged the time it was away.
t_gap_cpu_offline() {
	[ "$NCPU" -ge 2 ] && [ -w /sys/devices/system/cpu/cpu$((NCPU - 1))/online ] ||
		skip "no CPU that can go offline"
	insmod $KO top=8192 || die "insmod failed"
	switches_gap cpu_offline cpu_offline
	[ "$gap_ns" -ge 1500000000 ] || die "the offline time is not counted as a gap"
}

suspend_core() {
	echo core > /sys/power/pm_test || die "cannot set /sys/power/pm_test"
	echo mem > /sys/power/state || { echo none > /sys/power/pm_test; die "suspend (pm_test=core) failed"; }
	echo none > /sys/power/pm_test
}

# A suspend and resume through the whole kernel sequence (pm_test=core:
# tasks frozen, devices suspended, the other CPUs offline, syscore_suspend,
# 5 s at the core stage, then back), with a spinner on the last CPU and the
# tick path.  Across it: a gap, and the spinner charged what the kernel
# charged it.  After it: every CPU's time adds up again.  (Across it they
# cannot: CLOCK_MONOTONIC and the scheduler's clock stand still while
# suspended, and the TSC of pm_test does not.)
t_suspend_resume() {
	[ "$NCPU" -ge 2 ] || skip "one CPU: none goes offline"
	[ -w /sys/power/pm_test ] || skip "no /sys/power/pm_test (CONFIG_PM_DEBUG)"
	grep -qw mem /sys/power/state || skip "no suspend to RAM: $(cat /sys/power/state)"
	insmod $KO top=8192 || die "insmod failed"
	last=$((NCPU - 1))
	spawn taskset -c $last ptwork spin 3600 50
	S=$!
	sleep 1
	freeze $S
	ptcheck snap /tmp/a $S > /tmp/ka || die "$(cat /tmp/ka)"
	kill -CONT $S
	suspend_core
	sleep 1
	freeze $S
	ptcheck snap /tmp/b $S > /tmp/kb || die "$(cat /tmp/kb)"
	kill -CONT $S
	sleep 2
	alive $S
	freeze $S
	ptcheck snap /tmp/c $S > /tmp/kc || die "$(cat /tmp/kc)"
	kill -CONT $S
	gaps=$(($(footer /tmp/b gaps) - $(footer /tmp/a gaps)))
	d=$(ptcheck delta $SYMS wl_spin,wl_spin_yield /tmp/a /tmp/b) || die "$d"
	pns=$(echo "$d" | sed 's/.* ns=\([0-9]*\).*/\1/')
	kns=$(awk 'NR == FNR { if (FNR == 2) a = $1; next } FNR == 2 { print $1 - a }' /tmp/ka /tmp/kb)
	echo "across the suspend: gaps=$gaps; the spinner: perftop $pns ns, schedstat $kns ns ($(errpct "$pns" "$kns")%)"
	echo "RESULT suspend_resume gaps=$gaps spinner_ns=$pns schedstat_ns=$kns error=$(errpct "$pns" "$kns")%" >&3
	[ "$gaps" -ge 1 ] || die "no gap counted across the suspend"
	# The spinner is stopped while perftop and the kernel are read.  A
	# running task's schedstat lags by the time since its CPU's last
	# tick, and a host that stops the vCPU makes that 100 ms and more:
	# read so, runs came 1.5 to 7.6 % off, the more the busier the host.
	within "$pns" "$kns" 2 ||
		die "the spinner across the suspend: perftop $pns ns, schedstat $kns ns ($(errpct "$pns" "$kns")%)"
	r=$(ptcheck conserve /tmp/b "$(head -n 1 /tmp/kb)" /tmp/c "$(head -n 1 /tmp/kc)" "$NCPU" 1) ||
		die "after the resume: $r"
	echo "after the resume: $r"
}

# The TSC steps back 5 s on every CPU (the fault-injection build): the
# slices in flight are dropped and accounting goes on at once, instead of
# charging nothing until the clock has caught up.
t_clock_step_back() {
	last=$((NCPU - 1))
	insmod $FAULTS_KO top=8192 || die "insmod perftop_faults failed"
	spawn taskset -c $last ptwork spin 3600 50
	spawn taskset -c $last ptwork sleep 100000000 1000
	sleep 1
	dump /tmp/a
	echo 5000 > /sys/module/perftop_faults/parameters/fault_tsc_back_ms
	sleep 2
	dump /tmp/b
	gaps=$(($(footer /tmp/b gaps) - $(footer /tmp/a gaps)))
	ns=$(($(sum_col /tmp/b wl_spin 5) - $(sum_col /tmp/a wl_spin 5)))
	echo "after a 5 s step back: gaps=$gaps, the spinner gained $ns ns in 2 s"
	[ "$gaps" -ge 1 ] || die "no gap counted"
	[ "$ns" -ge 500000000 ] || die "accounting froze after the clock stepped back"
}

# Debug kernel only: reads and a reset of a full 1048576-entry table under
# load keep interrupts off for no longer than PT_IRQSOFF_US (20 ms under TCG
# with KASAN and lockdep, where one TCG thread runs both vCPUs in turns;
# clearing the old design's buckets with interrupts off alone took longer).
# perftop's own sections (the handler, the drain's IPI) are in its footer;
# the irqsoff tracer's longest section must not have perftop's code in its
# stack unless it is within the bound too.
t_irqs_off() {
	tr=/sys/kernel/tracing
	[ -e $tr/current_tracer ] || mount -t tracefs tracefs $tr || die "no tracefs"
	grep -qw irqsoff $tr/available_tracers || die "no irqsoff tracer in this kernel"
	bound=${PT_IRQSOFF_US:-20000}
	insmod $FAULTS_KO max_entries=1048576 top=10000 || die "insmod failed"
	storm
	echo 0 > $tr/options/function-trace
	echo 1 > $tr/options/stacktrace
	# Guest time is the host's: a host that stalls the VM's TCG thread
	# inside a section stretches it (CI once measured 45 ms in perftop's
	# and 58 ms in ktime_get_coarse_real_ts64's, a handful of
	# instructions).  A stall is chance, perftop's work is not: the
	# property fails only when it fails in each of PT_IRQSOFF_TRIES tries.
	tries=${PT_IRQSOFF_TRIES:-3}
	n=1
	until irqs_off_try; do
		[ "$n" -lt "$tries" ] || die "$why, in each of $tries tries"
		echo "try $n: $why; again"
		n=$((n + 1))
	done
}

# One try of t_irqs_off: a full table, five reads and a reset under the
# irqsoff tracer; "why" and status 1 when a section was over the bound.
irqs_off_try() {
	echo 1048576 > /sys/module/perftop_faults/parameters/fault_fill || die "cannot fill the table"
	grep -q ' entries=1048576/1048576 ' /proc/perftop || die "the table is not full"
	echo irqsoff > $tr/current_tracer || die "cannot select the irqsoff tracer"
	echo 0 > $tr/tracing_max_latency
	echo 1 > $tr/tracing_on
	for i in 1 2 3 4 5; do
		cat /proc/perftop > /tmp/before || die "read failed"
	done
	echo reset > /proc/perftop || die "reset failed"
	cat /proc/perftop > /tmp/after
	echo 0 > $tr/tracing_on
	max=$(cat $tr/tracing_max_latency)
	cat $tr/trace > /tmp/trace
	echo nop > $tr/current_tracer
	alive $STORM
	grep -E 'started at|ended at|^ *=>' /tmp/trace | head -n 12
	# Since the reset (its own IPIs included): the first runs of the code,
	# which emulation translates then, come before.
	mine=$(sed -n 's/^# irqs_off_us //p' /tmp/after |
		tr ' ' '\n' | sed -n 's/.*_max=//p' | sort -n | tail -n 1)
	[ -n "$mine" ] || die "no irqs_off_us line in the footer"
	echo "perftop's longest: $mine us; the kernel's longest: $max us (bound $bound us)"
	echo "RESULT irqs_off perftop_max_us=$mine kernel_max_us=$max bound_us=$bound" >&3
	why="perftop kept interrupts off for $mine us"
	[ "$mine" -le "$bound" ] || return 1
	why="a section with perftop in it kept interrupts off for $max us"
	! grep -q perftop /tmp/trace || [ "$max" -le "$bound" ] || return 1
}

# A kernel whose probed function does not take the task switched out as its
# first argument (the fault build reads the second): every slice would be a
# gap.  The load is refused with a message that says why, and leaves
# nothing behind; the same build with the right argument loads.  Also with
# drain_ms=10: the drains that run during the check clear the tables it
# counts from (it loaded when a stalled host stretched the check past the
# first drain, at 100 ms, in CI).
t_wrong_prev_refused() {
	for drain in 100 10; do
		dmesg -c > /dev/null
		insmod $FAULTS_KO fault_prev_arg=1 drain_ms=$drain 2> /tmp/err &&
			die "loaded with the wrong argument (drain_ms=$drain)"
		dmesg | grep -E 'perftop(_faults)?: .* first argument is not the task switched out' ||
			die "no message says why (drain_ms=$drain): $(dmesg | tail -n 3)"
		[ ! -e /proc/perftop ] || die "/proc/perftop left behind"
		! grep -q '^perftop_faults ' /proc/modules || die "the module is still loaded"
	done
	insmod $FAULTS_KO || die "the fault build does not load with the right argument"
}

# A program run right after another copy of it exited can be replaced: the
# slot that charged its last slices keeps the mm_struct, not the address
# space, whose executable stays write-denied while it lives (on 6.1, cp
# fails with "Text file busy").  With mmget() in the switch path, 15 of 20
# copies failed; each run here is switched out in a nap, so it has a slot.
t_exe_released_at_exit() {
	insmod $KO || die "insmod failed"
	cp /bin/busybox /tmp/prog || die "cannot copy busybox"
	n=0 i=0
	while [ $i -lt 20 ]; do
		/tmp/prog usleep 3000
		cp /bin/busybox /tmp/prog 2> /tmp/err || { n=$((n + 1)); cat /tmp/err; }
		i=$((i + 1))
	done
	grep -q /tmp/prog /proc/perftop_all || die "perftop never saw /tmp/prog run"
	[ $n = 0 ] || die "$n of 20 copies over a program that had just exited failed: its executable was still held"
}

# A thread that outlives its group's leader (ptwork leaderfirst): the last
# thread's release_task() makes the leader reapable and wakes the parent,
# FIFO on the same CPU, which preempts it there, reaps the leader and spins
# 20 ms while the leader's task_struct is freed after a grace period.  The
# thread, unhashed, runs on to the end of do_exit(), and its group_leader
# points to freed memory: its switch-ins must not read it (the debug
# kernel's KASAN caught perftop_pre() reading the leader's start time
# there).  Drains every 10 ms, so that its stacks get new slots (the read
# was made for a new slot only).  Its time is charged all the same.
t_leader_exits_first() {
	insmod $KO drain_ms=10 || die "insmod failed"
	echo reset > /proc/perftop
	n=${PT_LEADER:-100}
	taskset -c $((NCPU - 1)) ptwork leaderfirst $n || die "ptwork leaderfirst $n failed"
	dump_all /tmp/d
	r=$(ptcheck list $SYMS wl_leader_spin < /tmp/d | grep -c .)
	echo "$r ranks of wl_leader_spin"
	[ "$r" -gt 0 ] || die "no rank of the threads that outlived their leader (wl_leader_spin)"
}

# mem_avail: MemAvailable in KiB.
mem_avail() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
# MemFree with every CPU's pending counts folded in (stat_refresh).
mem_free() {
	echo 1 > /proc/sys/vm/stat_refresh 2> /dev/null
	awk '$1 == "MemFree:" { print $2 }' /proc/meminfo
}

# A process's memory is free once wait() has returned, however long the next
# drain is (drain_ms=10000, and no read forces one): a job that touches 60 %
# of what is available, run twice back to back, neither held by perftop
# nor killed for the other's memory.
t_memory_freed_at_exit() {
	insmod $KO drain_ms=10000 || die "insmod failed"
	a0=$(mem_avail)
	mb=$((a0 * 6 / 10 / 1024))
	ptwork touch $mb || die "the first job ($mb MiB) failed"
	a1=$(mem_avail)
	echo "MemAvailable: $a0 KiB before, $a1 KiB after a job of $mb MiB exited"
	[ $((a0 - a1)) -lt $((mb * 1024 / 4)) ] ||
		die "$(((a0 - a1) / 1024)) MiB of an exited job's $mb MiB still held after wait()"
	ptwork touch $mb || die "the second job ($mb MiB) failed right after the first"
	dmesg | grep -q 'Out of memory' && die "the OOM killer ran"
	grep -q 'ptwork' /proc/perftop_all || die "perftop never saw the jobs"
}

# A file whose reads are never answered (a FUSE server that does not reply,
# as a dead NFS or virtiofs mount would not), mapped executable by a
# process whose frame chain returns into it: the drain names the frame
# from the page cache only, never reading the file, so reads, a reset and
# rmmod all complete, and the frame is the file at that file offset.
t_slow_file_no_hang() {
	[ -e /sys/module/fuse ] || insmod /modules/fuse.ko || skip "no FUSE in this kernel"
	mkdir -p /tmp/fuse
	ptwork fuseserve /tmp/fuse > /tmp/fuse.log 2>&1 &
	srv=$!
	BG="$BG $srv"
	await 100 50000 "the FUSE server did not mount: $(cat /tmp/fuse.log)" grep -q mounted /tmp/fuse.log
	insmod $KO || die "insmod failed"
	ptwork fakeframe /tmp/fuse/f 4660 2 > /tmp/ff.log 2>&1 &
	ff=$!
	BG="$BG $ff"
	sleep 1
	# The read that names it, in the background: it must end.
	cat /proc/perftop_all > /tmp/d 2>&1 &
	rd=$!
	n=0
	while kill -0 $rd 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 300 ]; then
			kill -9 $srv
			umount -l /tmp/fuse
			die "a read of /proc/perftop_all hung on the file that never answers"
		fi
		usleep 100000
	done
	wait $ff || die "ptwork fakeframe failed: $(cat /tmp/ff.log)"
	grep -E '^  #1 /tmp/fuse/f\+0x1234 \(file offset\)' /tmp/d ||
		die "no frame at /tmp/fuse/f+0x1234 (file offset): $(grep -A3 'comm=ptwork' /tmp/d | head -n 8)"
	grep 'read .* held' /tmp/fuse.log && die "perftop read the file"
	echo reset > /proc/perftop || die "reset failed"
	rmmod perftop || die "rmmod failed"
	kill $srv
	umount -l /tmp/fuse
	true
}

# With 5-level paging (the -smp 1 boots: PT_LA57=1) user addresses reach
# 2^56.  A frame in anonymous executable memory above 2^47 is that address,
# [anon]+ADDR, not a corrupted object id (which was a WARN, another file's
# name, or a read beyond the object table); one below 2^47 as well.
t_la57_high_frames() {
	[ "${PT_LA57:-0}" = 1 ] || skip "not an LA57 boot (the -smp 1 boots are)"
	grep -qw la57 /proc/cpuinfo || die "PT_LA57=1, but the CPU has no la57"
	insmod $KO || die "insmod failed"
	for a in 0x10000000000000 0x7e0000000000; do
		ptwork fakeframe anon@$a 4660 1 > /tmp/ff.log 2>&1 ||
			die "ptwork fakeframe at $a failed: $(cat /tmp/ff.log)"
	done
	dump_all /tmp/d
	for f in 0x10000000001234 0x7e0000001234; do
		grep -E "^  #1 \[anon\]\+$f( |\$)" /tmp/d ||
			die "no frame [anon]+$f: $(grep -E '^  #1 ' /tmp/d | sort | uniq -c | sort -rn | head -n 5)"
	done
}

# Function-call IPIs CPU $1 has taken, but TLB shootdowns (/proc/interrupts:
# CAL counts both, TLB the shootdowns: a vfree() anywhere sends them).
ipis() {
	awk -v c="$1" '$1 == "CAL:" { n += $(c + 2) } $1 == "TLB:" { n -= $(c + 2) }
		END { print n }' /proc/interrupts
}

# Context switches of process $1 (voluntary + nonvoluntary).
ctxsw_of() { awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n }' /proc/$1/status; }

# A CPU that runs one task which never switches (as a nohz_full CPU does)
# has nothing new for the periodic drain: only the stack carried over at
# its last flip, which every tick finds again (ptwork loop spins on one
# instruction).  It gets no IPI from those drains, only after a switch:
# over 5 s, its function-call IPIs are at most the loop's switches and
# 3 more, above what it took over 5 s before the load (each drain sent
# one when a carried stack counted as news).  PREEMPT_RT runs timers in a
# thread, so there the CPU switches at its ticks: with a switch in most
# drain intervals there is nothing to tell (a SCHED_FIFO loop above those
# threads starves them: RCU stalls); in the nohz boot it has no tick, and
# the test holds on PREEMPT_RT too.
t_no_ipi_without_news() {
	[ "$NCPU" -ge 2 ] || skip "one CPU: the drains' is the loop's"
	last=$((NCPU - 1))
	taskset -c $last ptwork loop 3600 > /dev/null 2>&1 & L=$!
	BG=$L
	sleep 1
	# The CPU's IPIs without perftop, over as long.
	b0=$(ipis $last)
	sleep 5
	base=$(($(ipis $last) - b0))
	insmod $KO || die "insmod failed"
	sleep 1
	dump /tmp/a
	c0=$(ipis $last) s0=$(ctxsw_of $L)
	sleep 5
	c1=$(ipis $last) s1=$(ctxsw_of $L)
	dump /tmp/b
	n=$(($(footer /tmp/b drains) - $(footer /tmp/a drains)))
	c=$((c1 - c0)) s=$((s1 - s0))
	echo "5 s: $n drains; the loop switched $s times; IPIs to CPU $last (the loop's): $c, $base in 5 s without perftop"
	echo "RESULT no_ipi_without_news drains=$n switches=$s ipis=$c base=$base" >&3
	grep -A2 'comm=ptwork' /tmp/b | head -n 3
	[ "$n" -ge 20 ] || die "only $n drains in 5 s"
	[ $((s * 2)) -lt "$n" ] || skip "the loop switched $s times in $n drains (timer threads at each tick?)"
	[ "$c" -le $((s + 3 + base)) ] || die "CPU $last took $c IPIs in $n drains, with $s switches ($base without perftop)"
}

# Readers in a loop cannot interrupt every CPU at will: a read within
# 10 ms of the last read's drain shows that drain (its header says so) and
# sends no IPI.  Over 3 s of reads as fast as they go (thousands), the
# reads that drained are at most one per 10 ms, and the idle last CPU's
# function-call IPIs at most twice that: on 6.1 the reads' own buffers,
# when vmalloc()ed, add lazy TLB purges there (257 drains, 457 IPIs).
t_reads_rate_limited() {
	[ "$NCPU" -ge 2 ] || skip "one CPU: the reader's is the one that would be interrupted"
	insmod $KO || die "insmod failed"
	last=$((NCPU - 1))
	dump /tmp/a
	c0=$(ipis $last)
	t0=$(ptcheck now)
	n=$(taskset -c 0 ptwork reads /proc/perftop 3) || die "the reads failed: $n"
	t1=$(ptcheck now)
	c1=$(ipis $last)
	sleep 0.1
	dump /tmp/b
	ms=$(((t1 - t0) / 1000000))
	shared=$(($(footer /tmp/b read_shared) - $(footer /tmp/a read_shared)))
	drained=$((n - shared))
	echo "$n reads in $ms ms: $drained drained, $shared showed an earlier read's drain;" \
		"IPIs to CPU $last: $((c1 - c0))"
	bound=$((ms / 5 + ms / 100 + 5))
	# Had each read drained, the IPIs would be about as many as the reads.
	[ "$n" -gt $((bound + bound / 4)) ] ||
		skip "only $n reads in $ms ms: too few to tell (the bound is $bound IPIs)"
	[ "$drained" -le $((ms / 10 + 2)) ] || die "$drained of $n reads drained in $ms ms"
	[ $((c1 - c0)) -le "$bound" ] ||
		die "CPU $last took $((c1 - c0)) IPIs in $ms ms of reads, $drained of which drained"
	ptwork reads /proc/perftop 0.05 > /dev/null
	head -c 65536 /proc/perftop | sed -n 3p | grep -E 'drained (at this read|[0-9]+ us before this read)$' ||
		die "no drain said in the header: $(sed -n 3p /proc/perftop)"
}

# A vhost worker runs kernel code only: on 6.12 it is a user worker
# (PF_USER_WORKER) that shares its owner's mm, on 6.1 a kernel thread.
# Its time is kernel time with its kernel stack (vhost's functions), never
# a user stack read from registers that are not its own (which were
# "kind=user 0x0").
t_vhost_worker_is_kernel() {
	for m in vhost_iotlb vhost tun tap vhost_net; do
		[ -e /sys/module/$m ] || [ ! -e /modules/$m.ko ] || insmod /modules/$m.ko ||
			die "insmod $m failed"
	done
	[ -c /dev/vhost-net ] || skip "no /dev/vhost-net: $(ls /modules)"
	insmod $KO || die "insmod failed"
	ptwork vhost 200 > /tmp/vh.log 2>&1 & p=$!
	wait $p || die "ptwork vhost failed: $(cat /tmp/vh.log)"
	dump_all /tmp/d
	grep -E "^rank .* comm=vhost-$p\$" /tmp/d > /tmp/vh || die "no rank of vhost-$p"
	echo "$(wc -l < /tmp/vh) ranks of vhost-$p:"
	grep -A3 -E "comm=vhost-$p\$" /tmp/d | head -n 8
	grep -v ' kind=kernel ' /tmp/vh && die "vhost-$p charged as other than kernel code"
	awk -v c="comm=vhost-$p" '/^rank / { in_it = $NF == c } in_it && /^  #[0-9]+ vhost/ { n++ }
		END { exit !n }' /tmp/d || die "no frame of vhost-$p in vhost's code"
	true
}

# As perf: under lockdown for confidentiality nobody, root included, reads
# a profile of the kernel.  Lockdown never goes back down, and refuses
# unsigned modules from then on: this is the boot's last test (tests/plan),
# and it loads the module first.
t_lockdown_refuses() {
	[ -e /sys/kernel/security/lockdown ] ||
		mount -t securityfs securityfs /sys/kernel/security 2> /dev/null
	[ -w /sys/kernel/security/lockdown ] || skip "no lockdown LSM"
	grep -q '\[none\]' /sys/kernel/security/lockdown ||
		skip "locked down already: $(cat /sys/kernel/security/lockdown)"
	insmod $KO || die "insmod failed"
	r=$(ptwork asuser 0 /proc/perftop r)
	[ "$r" = OK ] || die "root, before the lockdown: $r"
	echo confidentiality > /sys/kernel/security/lockdown || die "cannot lock the kernel down"
	cat /sys/kernel/security/lockdown
	for f in /proc/perftop /proc/perftop_all; do
		r=$(ptwork asuser 0 $f r)
		[ "$r" = EPERM ] || die "root, under lockdown, $f: $r"
	done
	rmmod perftop || die "rmmod under lockdown failed"
}

# A table full of stacks with long histories (as on a host up for weeks:
# 64 synthetic stacks of 1 s each, in a pool of 64) does not lock a new
# steady workload out (Space-Saving, perftop_entry()): a program that
# starts then, spinning on one instruction, gets in at its first drain,
# stays, and after 3 s ranks first (idle aside), charged over them what
# the kernel charged it.
t_late_heavy_ranks() {
	last=$((NCPU - 1))
	insmod $FAULTS_KO max_entries=64 top=64 || die "insmod perftop_faults failed"
	echo 1000 > /sys/module/perftop_faults/parameters/fault_fill_ms || die "cannot set fault_fill_ms"
	echo 64 > /sys/module/perftop_faults/parameters/fault_fill || die "cannot fill the table"
	dump_all /tmp/a
	grep -q ' entries=64/64 ' /tmp/a || die "the pool is not full: $(grep entries= /tmp/a)"
	taskset -c $last ptwork loop 3600 > /dev/null 2>&1 & L=$!
	BG=$L
	# Its time from here on (what taskset and the exec took before the
	# loop, 1 to 3 % of 3 s, is not the loop's).
	sleep 0.5
	freeze $L
	ptcheck snap /tmp/a $L > /tmp/ka || die "$(cat /tmp/ka)"
	kill -CONT $L
	sleep 3
	freeze $L
	ptcheck snap /tmp/b $L > /tmp/kb || die "$(cat /tmp/kb)"
	kill -9 $L
	kns=$(($(sed -n '2s/ .*//p' /tmp/kb) - $(sed -n '2s/ .*//p' /tmp/ka)))
	grep -A2 'comm=ptwork' /tmp/b | head -n 6
	grep '^# other' /tmp/b
	best=$(ptcheck list $SYMS wl_loop < /tmp/b | head -n 1 | cut -f 1)
	d=$(ptcheck delta $SYMS wl_loop /tmp/a /tmp/b) || die "$d"
	pns=$(echo "$d" | sed 's/.* ns=\([0-9]*\).*/\1/')
	echo "the loop: rank ${best:-none}, perftop $pns ns, schedstat $kns ns ($(errpct "$pns" "$kns")%)"
	echo "RESULT late_heavy_ranks rank=${best:-none} perftop_ns=$pns schedstat_ns=$kns" \
		"floor=$(ptcheck footer floor < /tmp/b) evicted=$(footer /tmp/b evicted)" >&3
	[ -n "$best" ] || die "the loop has no rank"
	above=$(awk -v b="$best" '/^rank / && $2 < b && !/ kind=idle / { n++ } END { print n + 0 }' /tmp/b)
	[ "$above" = 0 ] || die "the loop ranks $best, below $above stacks that are not idle"
	within "$pns" "$kns" 2 || die "the loop's time: perftop $pns ns, schedstat $kns ns"
}

# A task that has run since before the load, and never blocks, is charged
# from the first drain after the load (the flip starts its slice), with
# the tick and without it.  Without that start it was left out until its
# first switch (0.6 s of 3 once on 6.1), and on a nohz_full CPU, where it
# may never switch, for good.
#  - In the nohz boot (tests/run: its last CPU nohz_full and isolated) the
#    loop runs alone: its time is the wall-clock time from that drain (the
#    read's bracket) to the SIGSTOP that ends it (the kill's bracket), less
#    at most 2 % (interrupts).  Its schedstat is no oracle there: with no
#    tick and no switch it is not brought up to date (7 s for 3 s seen).
#  - In the other boots it shares its CPU, and is switched out within the
#    load (workqueues): its time from that drain, by perftop and by
#    schedstat (read in the same process as the drain), within 2 %.
t_running_at_load() {
	last=$((NCPU - 1))
	alone=no
	[ "$(cat /sys/devices/system/cpu/nohz_full 2> /dev/null)" = "$last" ] && alone=yes
	for split in 1 0; do
		taskset -c $last ptwork loop 3600 > /dev/null 2>&1 & L=$!
		BG=$L
		sleep 1
		s0=$(ctxsw_of $L)
		insmod $KO tick_split=$split || die "insmod tick_split=$split failed"
		# Its first read drains every CPU; the loop's schedstat is read
		# right before it, in the same process (the loop runs on: a fork
		# and exec between the two under TCG took up to 80 ms).
		ptcheck snap /tmp/a $L > /tmp/ka || die "$(cat /tmp/ka)"
		s1=$(ctxsw_of $L)
		sleep 3
		f0=$(ptcheck now)
		freeze $L
		f1=$(ptcheck now)
		ptcheck snap /tmp/b $L > /tmp/kb || die "$(cat /tmp/kb)"
		kill -9 $L
		wait $L 2> /dev/null
		d=$(ptcheck delta $SYMS wl_loop /tmp/a /tmp/b) || die "$d"
		pns=$(echo "$d" | sed 's/.* ns=\([0-9]*\).*/\1/')
		rmmod perftop || die "rmmod failed"
		echo "tick_split=$split: the loop switched $((s1 - s0)) times between the load and the first drain"
		if [ $alone = yes ]; then
			lo=$((f0 - $(sed -n '1s/.* //p' /tmp/ka)))
			hi=$((f1 - $(sed -n '1s/ .*//p' /tmp/ka)))
			echo "tick_split=$split: the loop, alone on CPU $last: perftop $pns ns, the wall clock $lo to $hi ns"
			echo "RESULT running_at_load tick_split=$split perftop_ns=$pns wall_ns=$lo-$hi" >&3
			awk -v p="$pns" -v l="$lo" -v h="$hi" 'BEGIN { exit !(p >= 0.98 * l && p <= h) }' ||
				die "tick_split=$split: the loop alone: perftop $pns ns, the wall clock $lo to $hi ns"
		else
			# The first drain's instant lies between the two readings
			# of the loop's schedstat around it (ptcheck snap): under
			# a host stall the loop ran on for up to 90 ms before
			# the drain reached its CPU.  Its frozen end is exact.
			kns=$(($(sed -n '2s/ .*//p' /tmp/kb) - $(sed -n '2s/ .*//p' /tmp/ka)))
			klo=$(($(sed -n '2s/ .*//p' /tmp/kb) - $(sed -n '2s/.* //p' /tmp/ka)))
			echo "tick_split=$split: the loop, perftop $pns ns, schedstat $klo to $kns ns ($(errpct "$pns" "$kns")%)"
			echo "RESULT running_at_load tick_split=$split perftop_ns=$pns schedstat_ns=$klo-$kns" >&3
			awk -v p="$pns" -v l="$klo" -v h="$kns" 'BEGIN { exit !(p >= 0.98 * l && p <= 1.02 * h) }' ||
				die "tick_split=$split: the loop's time: perftop $pns ns, schedstat $klo to $kns ns"
		fi
	done
}

# The files user frames are named by (objects) live while something names
# frames by them (a live process's mappings, an entry's frames), and the
# entries that name only files no process maps make room for new ones: 40
# programs, each its own file and run one after the other with room for 16
# files, are all named by their files as they run (no frame is left in
# "object table full").  A file whose ctime a chmod() changes between runs
# stays one object, its code path one rank.
t_objects_come_and_go() {
	insmod $KO max_objects=16 || die "insmod failed"
	i=0
	while [ $i -lt 40 ]; do
		cp /bin/ptwork /tmp/o$i || die "cp failed"
		/tmp/o$i spin 0.2 50 > /dev/null || die "/tmp/o$i failed"
		i=$((i + 1))
	done
	cp /bin/ptwork /tmp/cm
	for m in 0755 0700 0750 0711 0705 0755; do
		chmod $m /tmp/cm
		/tmp/cm spin 0.2 50 > /dev/null || die "/tmp/cm failed"
	done
	dump_all /tmp/d
	grep '^# other' /tmp/d
	named=0
	i=0
	while [ $i -lt 40 ]; do
		grep -q "^# object .* /tmp/o$i\$" /tmp/d && named=$((named + 1))
		i=$((i + 1))
	done
	full=$(grep -c 'object table full' /tmp/d)
	echo "files named: $named of 40 (the rest left with their entries); frames 'object table full': $full"
	# Which files are still named depends on what made room for which;
	# that every program was named as it ran does not.
	[ "$full" = 0 ] || die "$full frames in 'object table full'"
	[ "$named" -ge 4 ] || die "only $named of the 40 files named"
	n=$(grep -c "^# object .* /tmp/cm\$" /tmp/d)
	[ "$n" = 1 ] || die "/tmp/cm, chmod()ed between runs, is $n objects"
	r=$(awk '/^rank / { p = $0 } /^  #0 \/tmp\/cm\+/ { print p }' /tmp/d | grep -c .)
	p=$(awk '/^rank / { p = $0 } /^  #0 \/tmp\/cm\+/ { print p }' /tmp/d | sed -n 's/.* procs=\([0-9]*\) .*/\1/p' | sort -n | tail -n 1)
	echo "/tmp/cm: $r ranks whose frame #0 is in it, the most processes in one $p"
	[ "${p:-0}" -ge 5 ] || die "/tmp/cm's 6 runs are not one rank: at most ${p:-0} processes in one"
}

# One rendering per open: every read and seek of an open file serves the
# snapshot its first read drained, so pread() and lseek() never mix two
# drains (a seq_file rendered, and drained, again for each), while a
# spinner keeps the numbers moving.  (An open file holds what its page
# needs: /proc/perftop_all of 8000 one-frame stacks is about 1 MiB, where
# the seq_file's estimate was 1480 bytes a stack, 12 MiB.)
t_one_snapshot_per_open() {
	insmod $FAULTS_KO || die "insmod perftop_faults failed"
	echo 8000 > /sys/module/perftop_faults/parameters/fault_fill || die "cannot fill the table"
	spawn taskset -c 0 ptwork spin 3600 50
	for f in /proc/perftop /proc/perftop_all; do
		r=$(ptwork pread $f) || die "$f: $r"
		echo "$f: $r"
	done
	size=$(cat /proc/perftop_all | wc -c)
	a0=$(mem_free)
	ptwork hold /proc/perftop_all 3 > /tmp/hold &
	h=$!
	await 100 10000 "the holder did not read" grep -qs held /tmp/hold
	a1=$(mem_free)
	wait $h
	held=$((a0 - a1))
	# Printed, not held to a bound: MemFree moved by 0 to 2048 KiB for
	# the same page, with the counters folded.
	echo "/proc/perftop_all: $size bytes; MemFree fell by $held KiB while a file was open"
	echo "RESULT one_snapshot_per_open page_bytes=$size memfree_drop_kib=$held" >&3
}

# Files are named from the host's root, whoever reads: a reader chrooted
# into /tmp/jail (a container's monitoring agent with CAP_PERFMON, say)
# whose read is the first drain to see /tmp/jail/named running does not
# name it "/named", for good (the fault build asks for no drain at new
# address spaces, and the period is 10 s: the read's drain is the first).
t_names_from_host_root() {
	insmod $FAULTS_KO fault_no_kick=1 drain_ms=10000 || die "insmod perftop_faults failed"
	mkdir -p /tmp/jail
	cp /bin/ptwork /tmp/jail/named
	spawn /tmp/jail/named spin 3600 50
	sleep 0.5
	ptwork inroot /tmp/jail /proc/perftop_all > /tmp/d1 || die "the chrooted read failed"
	dump_all /tmp/d2
	grep '^# object .*named' /tmp/d1 /tmp/d2
	grep -q '^# object .* /tmp/jail/named$' /tmp/d2 ||
		die "/tmp/jail/named is named $(sed -n 's/^# object [^ ]* \(.*named\)$/\1/p' /tmp/d2 | head -n 1)"
}

# Kernel frames are named when read, so frames in a module that is gone
# would name whatever is loaded there next, or nothing ("?").  At a
# module's unload perftop names its frames, while its symbols are still
# there: ptbusy's thread, read after rmmod ptbusy, still shows ptbusy_a and
# ptbusy_b, named as before the unload.
t_unloaded_module_named() {
	[ -e /ptbusy.ko ] || skip "no ptbusy.ko"
	insmod $KO || die "insmod failed"
	insmod /ptbusy.ko cpu=$((NCPU - 1)) rounds=20 a_ms=5 b_ms=5 nap_us=2000 ||
		die "insmod ptbusy failed"
	await 600 100000 "ptbusy did not finish in 60 s" grep -qx Y /sys/module/ptbusy/parameters/done
	dump_all /tmp/a
	rmmod ptbusy || die "rmmod ptbusy failed"
	dump_all /tmp/b
	ka=$(ptcheck kshare ptbusy ptbusy_a,ptbusy_b < /tmp/a) || die "$ka"
	kb=$(ptcheck kshare ptbusy ptbusy_a,ptbusy_b < /tmp/b) || die "$kb"
	echo "before the unload: $ka; after: $kb"
	awk '/^rank / { t = / comm=ptbusy$/ } /^rank / || /^  #/ { if (t) print }' /tmp/b | head -n 8
	echo "$kb" | grep -Eq 'ptbusy_a=[1-9].* ptbusy_b=[1-9]' ||
		die "after rmmod ptbusy, its frames are not named: $kb"
	grep -q '^  #[0-9]* ptbusy_a+0x[0-9a-f]*/0x[0-9a-f]* \[ptbusy\]$' /tmp/b ||
		die "no frame ptbusy_a+OFF/SIZE [ptbusy] after the unload"
}

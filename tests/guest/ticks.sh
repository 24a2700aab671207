# SPDX-License-Identifier: GPL-2.0-only
# Time charged to the code that used it (tick_split, the default): programs
# and a kernel thread that time their own functions (CLOCK_THREAD_CPUTIME_ID,
# or local_clock() in the kernel thread) are the oracle for perftop's share
# of each function.  Sourced by suite.sh.

# own OUT KEY: the sum of KEY=N over the lines of OUT (a program's report).
own() {
	tr ' ' '\n' < "$1" | awk -F= -v k="$2" '$1 == k { s += $2 } END { print s + 0 }'
}

# tolerance STALLED_NS TOTAL_NS: the points two shares may differ by, into
# TOL: 5, plus the share of the time in which its vCPU did not run (the
# host stopped the VM, or single-threaded TCG ran another vCPU: the
# program saw its clock step by over 4 ms next to a change of function).
# A stall
# next to the change from one function to the next moves up to its length
# between them; perftop, like every clock in the guest, cannot see it.  At
# most 10 points: with tick_split=0 whole functions are 17 to 70 points off.
tolerance() {
	TOL=$(awk -v s="$1" -v t="$2" 'BEGIN { l = 5 + 100 * s / t; printf "%.1f", l < 10 ? l : 10 }')
	echo "its vCPU stalled for $(($1 / 1000000)) ms of it: $TOL points allowed"
}

# share NAME PERFTOP_NS OWN_NS TOTAL_NS: NAME's share of TOTAL by perftop
# and by the program's own clock, printed and kept in /tmp/shares; fails
# (status 1) when they are more than TOL points apart.
share() {
	_r=$(awk -v p="$2" -v o="$3" -v t="$4" 'BEGIN { printf "%.1f %.1f", 100 * p / t, 100 * o / t }')
	echo "$1: perftop ${_r% *} %, its own clock ${_r#* } %"
	echo "$1=${_r% *}/${_r#* }" >> /tmp/shares
	awk -v r="$_r" -v l="$TOL" 'BEGIN { split(r, a, " "); d = a[1] - a[2]; exit !(d >= -l && d <= l) }' ||
		{ BAD="$BAD $1(${_r% *}% against ${_r#* }%)"; return 1; }
}

# shares OUT DUMP FUNC...: each FUNC's share of the program's CPU time
# (total= in OUT), by perftop (its entries with a frame in FUNC) and by the
# program's own clock; each pair within TOL points (tolerance).
shares() {
	_out=$1 _dump=$2
	shift 2
	_tot=$(own "$_out" total) BAD=""
	[ "$_tot" -gt 0 ] || die "the program reported no CPU time"
	tolerance "$(own "$_out" stalled)" "$_tot"
	for _f; do
		share "$_f" "$(sum_col "$_dump" "$_f" 5)" "$(own "$_out" "$_f")" "$_tot"
	done
	[ -z "$BAD" ] || [ -z "${STEADY_SHORT:-}" ] ||
		skip "more than $TOL points off:$BAD, in a run whose CPU took $STEADY_SHORT (the host held off its timer)"
	[ -z "$BAD" ] || die "more than $TOL points off:$BAD"
}

# hz: the kernel's tick rate: jiffies against CLOCK_MONOTONIC, both in
# /proc/timer_list, a second apart (jiffies catch up on ticks the host
# held off), rounded to the nearest of the rates Kconfig offers.
hz() {
	_a=$(awk '/^now at/ { n = $3 } /^jiffies:/ { print n, $2; exit }' /proc/timer_list)
	sleep 1
	_b=$(awk '/^now at/ { n = $3 } /^jiffies:/ { print n, $2; exit }' /proc/timer_list)
	awk -v a="$_a" -v b="$_b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		r = (y[2] - x[2]) * 1e9 / (y[1] - x[1]); best = 100
		for (i = split("100 250 300 1000", c, " "); i; i--)
			if ((r - c[i]) * (r - c[i]) < (r - best) * (r - best)) best = c[i]
		print best }'
}

# loc CPU: the local timer interrupts CPU has taken (/proc/interrupts).
loc() {
	awk -v c="$1" '$1 == "LOC:" { print $(c + 2) }' /proc/interrupts
}

# steady OUT DUMP WAKES CMD...: after a reset, CMD (a program on the last
# CPU that prints total=, its CPU time) into OUT and perftop's page into
# DUMP; run again, up to three runs in all, while that CPU took fewer timer
# interrupts, less the WAKES its own timers made, than nine tenths of the
# ticks its CPU time spans, and keep the run that came nearest.  On a host
# with every core busy the guest's vCPU stalls, and QEMU's main loop, which
# fires the guest's timers, can be held off while the vCPU runs on: a
# burst with no tick in it is charged, as it must be, to the stack it was
# switched in with, the wait it woke from (wl_compute came 20 points short
# so beside CI's other jobs).  The kernel's own count of its timer
# interrupts shows it.  The run kept is held to the same tolerance; when it
# is out of it and still took fewer than nine tenths of its ticks, the
# test is skipped, not failed (STEADY_SHORT, read by shares): the count of
# timer interrupts is the kernel's, not perftop's, so a module that charges
# wrongly on a steady tick still fails (tick-split-off in
# tests/mutations.sh).
steady() {
	_out=$1 _dump=$2 _wakes=$3
	shift 3
	[ -n "${HZ_GUEST:-}" ] || HZ_GUEST=$(hz)
	_best=-1 STEADY_SHORT=""
	for _run in 1 2 3; do
		echo reset > /proc/perftop
		_l=$(loc $((NCPU - 1)))
		"$@" > "$_out.$_run" || return 1
		_l=$(($(loc $((NCPU - 1))) - _l - _wakes))
		dump_all "$_dump.$_run"
		_want=$(($(own "$_out.$_run" total) / 1000 * HZ_GUEST / 1000000))
		echo "run $_run: CPU $((NCPU - 1)) took $_l ticks; its CPU time spans $_want at HZ=$HZ_GUEST"
		[ "$_want" -gt 0 ] || _want=1
		_r=$((_l * 1000 / _want))
		if [ "$_r" -gt "$_best" ]; then
			_best=$_r
			cp "$_out.$_run" "$_out" && cp "$_dump.$_run" "$_dump" || return 1
		fi
		[ "$_r" -lt 900 ] || break
	done
	[ "$_run" = 1 ] || echo "kept the run with $_best ticks in 1000 its CPU time spans"
	[ "$_best" -ge 900 ] || STEADY_SHORT="$_best ticks in 1000 its CPU time spans"
}

# splits DUMP: the slices begun at a tick, over all ranks.
splits() {
	grep '^rank ' "$1" | sed -n 's/.* splits=\([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# A program that never blocks, with phases of 1:2:3 parts in three
# functions, alone on the last CPU: every instant of it is charged to the
# switch-in stack without ticks, to the phase it ran in with them.
t_tick_phases_alone() {
	insmod $KO top=8192 || die "insmod failed"
	: > /tmp/shares
	steady /tmp/out /tmp/d 0 taskset -c $((NCPU - 1)) ptwork phases 3 || die "ptwork phases failed"
	cat /tmp/out
	shares /tmp/out /tmp/d wl_phase1 wl_phase2 wl_phase3
	s=$(splits /tmp/d)
	echo "slices begun at a tick: $s"
	[ "$s" -gt 0 ] || die "no slice began at a tick"
	echo "RESULT tick_phases_alone smp=$NCPU $(tr '\n' ' ' < /tmp/shares)tol=$TOL" >&3
}

# The same, two copies sharing one CPU (preempted at ticks).
t_tick_phases_shared() {
	insmod $KO top=8192 || die "insmod failed"
	: > /tmp/shares
	echo reset > /proc/perftop
	taskset -c $((NCPU - 1)) ptwork phases 3 > /tmp/out2 & p=$!
	taskset -c $((NCPU - 1)) ptwork phases 3 > /tmp/out || die "ptwork phases failed"
	wait $p || die "the second ptwork phases failed"
	cat /tmp/out2 >> /tmp/out
	cat /tmp/out
	dump_all /tmp/d
	shares /tmp/out /tmp/d wl_phase1 wl_phase2 wl_phase3
	echo "RESULT tick_phases_shared smp=$NCPU $(tr '\n' ' ' < /tmp/shares)tol=$TOL" >&3
}

# A thread that naps 0.2 ms and then computes 10 ms, 150 times: its compute
# is charged to wl_compute, not to the nap it woke from.  (The return from
# the nap goes to the first tick's stack with the compute: on hardware a few
# microseconds, under TCG on PREEMPT_RT up to a millisecond, which with
# 5 ms bursts once moved 7 points.)
t_tick_nap_compute() {
	insmod $KO top=8192 || die "insmod failed"
	: > /tmp/shares
	steady /tmp/out /tmp/d 150 taskset -c $((NCPU - 1)) ptwork napcompute 150 200 10000 ||
		die "ptwork napcompute failed"
	cat /tmp/out
	shares /tmp/out /tmp/d wl_compute wl_nap
	echo "RESULT tick_nap_compute smp=$NCPU $(tr '\n' ' ' < /tmp/shares)tol=$TOL" >&3
}

# A kernel thread (tests/kthread/ptbusy.c) that naps, then spins about 5 ms
# in ptbusy_a and 15 ms in ptbusy_b (lengths at random): each function's
# share of the thread's time (the kernel's schedstat) by perftop and by
# its own clock.  Bursts a few ticks long make the change from one
# function to the next matter: a tick's stack standing for the time before
# it only, or after it only, moves half a tick per change, some 10 points
# here.  Its own clock is CLOCK_MONOTONIC, so it must not lose its CPU
# inside a spin: a 2 ms nap leaves a tenth of the CPU to the others (with
# 0.2 ms the RT throttle, or 6.12's fair server, stopped it mid-spin, and
# its own clock gave ptbusy_b 7 points more than its CPU time).  160
# rounds: a host stall next to a change moves its length.
t_tick_kthread() {
	insmod $KO top=8192 || die "insmod failed"
	: > /tmp/shares
	echo reset > /proc/perftop
	insmod /ptbusy.ko cpu=$((NCPU - 1)) rounds=160 a_ms=5 b_ms=15 nap_us=2000 ||
		die "insmod ptbusy failed"
	p=/sys/module/ptbusy/parameters
	await 600 100000 "ptbusy did not finish in 60 s" grep -qx Y $p/done
	pid=$(pidof ptbusy) || die "no ptbusy thread"
	run=$(cut -d' ' -f1 /proc/$pid/schedstat)
	own_a=$(cat $p/a_ns) own_b=$(cat $p/b_ns)
	dump_all /tmp/d
	stall=$(cat $p/stall_ns)
	rmmod ptbusy || die "rmmod ptbusy failed"
	k=$(ptcheck kshare ptbusy ptbusy_a,ptbusy_b < /tmp/d)
	echo "perftop: $k; the kernel: the thread ran $run ns; its own clock: a=$own_a b=$own_b"
	awk '/^rank / { t = / comm=ptbusy$/ } /^rank / || /^  #/ { if (t) print }' /tmp/d | head -n 40
	# Each stack begun at a tick and marked complete is whole: down to
	# kthread(), or, for a thread's first slice before kthread() is
	# called, schedule_tail() then ret_from_fork (on 6.12 a kernel thread
	# has its name from its fork: kernel_thread() takes it, 6.1's
	# does not: that stack, shared by every new kernel thread, can be
	# ptbusy's).  A stack=limit one is cut at the depth, and says so.
	awk 'function fin() {
			if (t && !k && !(s && l ~ /^ret_from_fork(_asm)?\+/)) { n++; print blk }
			t = 0
		}
		/^rank / { fin(); t = / splits=[1-9]/ && / stack=complete / && / comm=ptbusy$/
			k = s = 0; blk = $1 " " $2; next }
		/^  #/ { blk = blk " <" $2; l = $2
			if ($2 ~ /^kthread\+/) k = 1
			if ($2 ~ /^(schedule_tail|ret_from_fork(_asm)?)\+/) s = 1
			next }
		{ fin() }
		END { fin(); exit n > 0 }' /tmp/d > /tmp/cut ||
		die "$(grep -c . /tmp/cut) complete stacks of ptbusy begun at a tick stop short of kthread(): $(head -n 2 /tmp/cut)"
	BAD=""
	tolerance "$stall" "$run"
	share ptbusy_a "$(echo "$k" | sed -n 's/.* ptbusy_a=\([0-9]*\).*/\1/p')" "$own_a" "$run"
	share ptbusy_b "$(echo "$k" | sed -n 's/.* ptbusy_b=\([0-9]*\).*/\1/p')" "$own_b" "$run"
	echo "RESULT tick_kthread smp=$NCPU $(tr '\n' ' ' < /tmp/shares)tol=$TOL" >&3
	[ -z "$BAD" ] || die "more than $TOL points off:$BAD"
}

# tick_split=0, the seed's mode: each slice goes to the stack its task was
# switched in with.  No slice begins at a tick, and the footer says so;
# every entry of the program that has time has switch-ins (the time lies at
# switch-in points only); and the nap-then-compute thread's compute is
# charged to the nap it woke from (all of it on a stock kernel; on
# PREEMPT_RT the timer threads preempt it inside wl_compute, about half).
t_tick_split_off() {
	insmod $KO top=8192 tick_split=0 || die "insmod tick_split=0 failed"
	: > /tmp/shares
	echo reset > /proc/perftop
	taskset -c $((NCPU - 1)) ptwork napcompute 100 200 5000 > /tmp/out ||
		die "ptwork napcompute failed"
	cat /tmp/out
	dump_all /tmp/d
	grep '^# tick_ticks' /tmp/d
	grep -q '^# tick_ticks tick_split=no splits=0 ' /tmp/d ||
		die "the footer does not say tick_split=no, splits=0"
	[ "$(splits /tmp/d)" = 0 ] || die "$(splits /tmp/d) slices began at a tick"
	ptcheck list $SYMS wl_nap,wl_compute < /tmp/d > /tmp/rows
	n=$(awk '$5 > 0 && $6 == 0' /tmp/rows | wc -l)
	[ "$n" = 0 ] || die "$n entries of the program have time but no switch-in"
	tot=$(own /tmp/out total)
	BAD=""
	share wl_nap "$(sum_col /tmp/d wl_nap 5)" "$(own /tmp/out wl_nap)" "$tot"
	awk -v r="$(tail -n 1 /tmp/shares)" 'BEGIN { split(r, a, "[=/]"); exit !(a[2] > a[3] + 25) }' ||
		die "per-switch mode charged the nap no more than its own time: not the seed's picture"
}

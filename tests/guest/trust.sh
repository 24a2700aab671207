# SPDX-License-Identifier: GPL-2.0-only
# Issue #4: perftop's numbers against the kernel's own accounting, and the
# torture tests.  Sourced by suite.sh.

# within A B PCT [ABS]: |A - B| <= PCT % of B, or <= ABS.
within() {
	awk -v a="$1" -v b="$2" -v p="$3" -v m="${4:-0}" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		exit !(d <= b * p / 100 || d <= m) }'
}

errpct() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", b ? 100 * (a - b) / b : 0 }'
}

child_of() {
	for s in /proc/[0-9]*/status; do
		awk -v p="$1" '$1 == "PPid:" && $2 == p { found = 1 } END { exit !found }' "$s" &&
			basename "$(dirname "$s")" && return
	done
}

# Per-process time and switch counts against /proc/PID/schedstat, and the
# conservation of time, over a 6 s window of steady workloads:
#   a spinner that yields (wl_spin), a sleeper that wakes every millisecond
#   (wl_sleep), a pipe ping-pong pair (wl_ping / wl_pong), and a 1 ms
#   sleeper (wl_tick) on every other CPU so that no CPU sits in one long
#   idle slice.  perftop and schedstat are read back to back (ptcheck snap).
t_accuracy() {
	insmod $KO top=8192 show_idle=1 || die "insmod failed"
	last=$((NCPU - 1))
	taskset -c 0 ptwork spin 3600 50 > /dev/null & S=$!
	taskset -c 0 ptwork sleep 100000000 1000 > /dev/null & L=$!
	taskset -c $last ptwork pingpong 1000000000 > /dev/null & P=$!
	BG="$S $L $P"
	c=1
	while [ $c -lt "$NCPU" ]; do
		spawn taskset -c $c ptwork tick 100000000 1000
		c=$((c + 1))
	done
	sleep 2
	Q=$(child_of $P)
	[ -n "$Q" ] || die "no pong process"
	ptcheck snap /tmp/a $S $L $P $Q > /tmp/ka || die "$(cat /tmp/ka)"
	sleep 6
	ptcheck snap /tmp/b $S $L $P $Q > /tmp/kb || die "$(cat /tmp/kb)"
	ta=$(head -n 1 /tmp/ka) tb=$(head -n 1 /tmp/kb)
	echo "workload  perftop_ns  schedstat_ns  error%  perftop_count  switches  pcount"
	bad=""
	i=2
	for w in spin:wl_spin,wl_spin_yield sleep:wl_sleep ping:wl_ping pong:wl_pong; do
		name=${w%%:*} funcs=${w#*:}
		d=$(ptcheck delta $SYMS "$funcs" /tmp/a /tmp/b) || die "$d"
		pns=$(echo "$d" | sed 's/.* ns=\([0-9]*\).*/\1/')
		pcnt=$(echo "$d" | sed 's/.* count=\([0-9]*\).*/\1/')
		set -- $(awk -v i=$i 'NR == FNR { if (FNR == i) { a = $1; b = $2; c = $3 }; next }
			FNR == i { print $1 - a, $2 - b, $3 - c }' /tmp/ka /tmp/kb)
		kns=$1 kpc=$2 ksw=$3
		echo "$name $pns $kns $(errpct "$pns" "$kns") $pcnt $ksw $kpc" | tee -a /tmp/accuracy
		within "$pns" "$kns" 2 || bad="$bad $name-time($(errpct "$pns" "$kns")%)"
		# Every switch out is a charge: the kernel's own switch counters
		# must agree.  schedstat's pcount skips the switch-ins of a task
		# that was preempted while already going to sleep (sched_info only
		# re-queues running tasks), so it may be lower, not higher.
		within "$pcnt" "$ksw" 1 2 || bad="$bad $name-count($pcnt/$ksw)"
		[ "$pcnt" -ge "$kpc" ] || within "$pcnt" "$kpc" 1 2 ||
			bad="$bad $name-pcount($pcnt/$kpc)"
		[ "$ksw" -gt 50 ] || bad="$bad $name-idle($ksw switches)"
		i=$((i + 1))
	done
	r=$(ptcheck conserve /tmp/a "$ta" /tmp/b "$tb" "$NCPU" 1) || bad="$bad conservation"
	echo "conservation: $r"
	echo "RESULT smp=$NCPU $(tr '\n' ';' < /tmp/accuracy) conservation: $r" >&3
	[ -z "$bad" ] || die "out of tolerance:$bad"
}

storm() {
	spawn ptwork forkexec 1000000 /bin/true
	spawn ptwork pingpong 1000000000
	spawn ptwork threads 16 3600
	spawn sh -c 'while :; do ptwork migrate 20; done'
}

# 100 load/unload cycles (PT_CYCLES) under fork+exec, ping-pong, threads
# and migration.
t_cycles_under_storm() {
	storm
	n=0
	while [ $n -lt "${PT_CYCLES:-100}" ]; do
		insmod $KO || die "insmod failed at cycle $n"
		head -c 4096 /proc/perftop > /dev/null || die "read failed at cycle $n"
		rmmod perftop || die "rmmod failed at cycle $n"
		n=$((n + 1))
	done
	echo "RESULT cycles=$n" >&3
	echo "$n cycles"
}

# 4 readers x 1000 reads (PT_READS), each read well-formed, while resets
# interleave.
t_readers_and_resets() {
	reads=${PT_READS:-1000}
	insmod $KO || die "insmod failed"
	storm
	pids=""
	for r in 1 2 3 4; do
		ptcheck hammer /proc/perftop "$reads" 20 4 > /tmp/hammer.$r 2>&1 &
		pids="$pids $!"
	done
	resets=0
	alive() {
		for p in $pids; do kill -0 "$p" 2>/dev/null && return 0; done
		return 1
	}
	while alive; do
		echo reset > /proc/perftop || die "reset failed"
		resets=$((resets + 1))
		usleep 20000
	done
	for p in $pids; do wait $p || die "reader: $(cat /tmp/hammer.*)"; done
	cat /tmp/hammer.*
	[ "$(cat /tmp/hammer.* | grep -c "ok reads=$reads")" = 4 ] || die "a reader failed"
	echo "RESULT reads=$((4 * reads)) resets=$resets" >&3
	echo "$((4 * reads)) reads, $resets resets"
}

memsnap() {
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	awk '/^(SUnreclaim|VmallocUsed):/ { printf "%s %s ", $1, $2 }' /proc/meminfo
	echo
}

# mem_returned BEFORE AFTER: unreclaimable slab at most 1 MiB, vmalloc at
# most 256 KiB above what they were (less is fine: caches shrink).
mem_returned() {
	echo "before: $1"
	echo "after:  $2"
	set -- $1 $2
	[ "$6" -le $(($2 + 1024)) ] || die "SUnreclaim $2 kB -> $6 kB"
	[ "$8" -le $(($4 + 256)) ] || die "VmallocUsed $4 kB -> $8 kB"
}

# max_entries=64 and 4096 distinct stacks: drops rise, output stays sane.
t_pool_overflow() {
	ptwork stacks 4096
	before=$(memsnap)
	insmod $KO max_entries=64 top=64 show_idle=1 || die "insmod failed"
	ptwork stacks 4096
	dump /tmp/a
	ptwork stacks 4096
	dump /tmp/b
	tail -n 3 /tmp/b
	ptcheck format 64 4 < /tmp/a || die "bad format when full"
	ptcheck format 64 4 < /tmp/b || die "bad format when full"
	grep -q ' entries=64/64 ' /tmp/b || die "the pool is not full"
	da=$(footer /tmp/a dropped) db=$(footer /tmp/b dropped)
	[ "$da" -gt 0 ] && [ "$db" -gt "$da" ] || die "dropped did not rise: $da -> $db"
	rmmod perftop || die "rmmod failed"
	mem_returned "$before" "$(memsnap)"
	echo "RESULT dropped=$db" >&3
}

# 10 000 random writes (PT_FUZZ): none accepted, the table untouched.
t_fuzzed_writes() {
	n=${PT_FUZZ:-10000}
	insmod $KO top=8192 || die "insmod failed"
	taskset -c 0 ptwork spin 1 50
	fuzz_leaves_table "$n" $$
	echo "RESULT fuzzed_writes=$n" >&3
}

# Refused loads leave nothing behind, in /proc or in memory.
t_bad_params_leave_nothing() {
	before=$(memsnap)
	for i in 1 2 3 4 5; do
		for p in top=0 depth=9 max_entries=0 mode=0777 symbol=no_such_fn_perftop; do
			insmod $KO "$p" 2>/dev/null && die "insmod $p succeeded"
			[ ! -e /proc/perftop ] || die "insmod $p left /proc/perftop"
		done
		# Refused by register_kprobe, after the pool and /proc/perftop
		# exist: the unwinding must remove and free both.
		for s in notify_die jiffies; do
			insmod $KO max_entries=1048576 symbol=$s 2>/dev/null &&
				die "symbol=$s loaded"
			[ ! -e /proc/perftop ] || die "symbol=$s left /proc/perftop"
		done
	done
	mem_returned "$before" "$(memsnap)"
}

# No number in the output is a kernel address.
t_no_kernel_addresses() {
	insmod $KO top=8192 depth=8 show_idle=1 || die "insmod failed"
	mixed_workload
	dump /tmp/d
	ptcheck kaddr /proc/kallsyms < /tmp/d || die "kernel address printed"
	grep -c 'kind=kernel' /tmp/d
}

# After rmmod, slab and vmalloc use are back where they were.
t_memory_returns() {
	mixed_workload
	before=$(memsnap)
	insmod $KO max_entries=262144 top=1000 || die "insmod failed"
	loaded=$(memsnap)
	mixed_workload
	cat /proc/perftop > /dev/null
	rmmod perftop || die "rmmod failed"
	echo "loaded: $loaded"
	mem_returned "$before" "$(memsnap)"
}

# Debug kernel only: kmemleak finds nothing of perftop's.
t_kmemleak() {
	[ -e /sys/kernel/debug/kmemleak ] || die "no kmemleak on this kernel"
	echo clear > /sys/kernel/debug/kmemleak
	insmod $KO max_entries=65536 || die "insmod failed"
	mixed_workload
	cat /proc/perftop > /dev/null
	rmmod perftop || die "rmmod failed"
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > /tmp/leaks
	echo "kmemleak: $(grep -c 'unreferenced object' /tmp/leaks) unreferenced objects in all"
	if grep -q perftop /tmp/leaks; then
		grep -B3 -A20 perftop /tmp/leaks | head -n 60
		die "kmemleak reports an object of perftop's"
	fi
}

# SPDX-License-Identifier: GPL-2.0-only
# The torture tests: load cycles, readers and resets under a storm, a full
# table, fuzzed writes, refused loads, no kernel address, memory returned,
# kmemleak.  Sourced by suite.sh.

# Every storm process runs before and after whatever it is meant to stress.
STORM=""
storm() {
	ptwork forkexec 1000000 /bin/true > /dev/null 2>&1 &
	STORM="$!"
	ptwork pingpong 1000000000 > /dev/null 2>&1 &
	STORM="$STORM $!"
	ptwork threads 4 3600 > /dev/null 2>&1 &
	STORM="$STORM $!"
	sh -c 'while :; do ptwork migrate 20; done' > /dev/null 2>&1 &
	STORM="$STORM $!"
	BG="$BG $STORM"
	sleep 1
	alive $STORM
}

# PT_CYCLES (100) load/unload cycles under fork+exec, ping-pong, threads
# and migration: the probe is armed and disarmed while every CPU switches
# as fast as it can.  The loader runs SCHED_FIFO, ahead of the twenty-odd
# tasks of the storm, so that a cycle takes a tenth of a second, not three.
t_cycles_under_storm() {
	storm
	n=0
	while [ $n -lt "${PT_CYCLES:-100}" ]; do
		ptwork fifo /bin/insmod $KO || die "insmod failed at cycle $n"
		ptwork fifo /bin/head -c 4096 /proc/perftop > /dev/null || die "read failed at cycle $n"
		ptwork fifo /bin/rmmod perftop || die "rmmod failed at cycle $n"
		n=$((n + 1))
	done
	alive $STORM
	echo "RESULT cycles=$n" >&3
	echo "$n cycles"
}

# 4 readers x PT_READS (1000) reads, each well-formed, while resets
# interleave (at least a tenth as many as reads per reader).
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
	readers() {
		for p in $pids; do kill -0 "$p" 2>/dev/null && return 0; done
		return 1
	}
	while readers; do
		echo reset > /proc/perftop || die "reset failed"
		resets=$((resets + 1))
		usleep 20000
	done
	for p in $pids; do wait $p || die "reader: $(cat /tmp/hammer.*)"; done
	alive $STORM
	cat /tmp/hammer.*
	[ "$(cat /tmp/hammer.* | grep -c "ok reads=$reads")" = 4 ] || die "a reader failed"
	echo "RESULT reads=$((4 * reads)) resets=$resets" >&3
	echo "$((4 * reads)) reads, $resets resets"
	[ "$resets" -ge $((reads / 10)) ] || die "only $resets resets during the reads"
}

# Unreclaimable slab + vmalloc in use, in kB, once it holds still.  Every
# slab cache is shrunk first: that returns its empty slabs and, on the
# debug kernel, the objects KASAN keeps in its quarantine after they were
# freed.  What a module load frees late (after RCU grace periods, from
# workqueues; kmemleak's records of it) takes seconds there: right after
# 30 refused loads of any module, even a three-function one, the figure
# stood 300-600 kB high, and a few seconds later it was back.  So it is
# read again, a second apart, until two readings agree within 16 kB (at
# most eight times).
memsnap() {
	_prev=-100000 _i=0
	while [ $_i -lt 8 ]; do
		echo 3 > /proc/sys/vm/drop_caches
		for _c in /sys/kernel/slab/*/shrink; do echo 1 > "$_c"; done 2> /dev/null
		sleep 1
		_now=$(awk '/^(SUnreclaim|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo)
		[ $((_now - _prev)) -le 16 ] && [ $((_prev - _now)) -le 16 ] && break
		_prev=$_now _i=$((_i + 1))
	done
	echo "$_now"
}

# mem_halves WHAT EVENTS BYTES CMD...: EVENTS events in two halves ("CMD
# N" makes N of them), with memory read before, between and after.  A
# leak grows each half, so the half that grew less may grow by at most
# BYTES per event (less than one leaked allocation of the smallest size
# the event makes), and may shrink.  What the kernel keeps, for a while or
# for good, after one of many loads (a percpu chunk; on the debug kernel
# its records of each load) once grew one half by 160 kB.
mem_halves() {
	_what=$1 _h=$(($2 / 2)) _b=$3
	shift 3
	_m0=$(memsnap)
	"$@" $_h
	_m1=$(memsnap)
	"$@" $_h
	_m2=$(memsnap)
	_g=$(((_m1 - _m0) * 1024))
	[ $(((_m2 - _m1) * 1024)) -lt "$_g" ] && _g=$(((_m2 - _m1) * 1024))
	echo "$_what: 2 x $_h events, memory $_m0 -> $_m1 -> $_m2 kB" \
		"(the half that grew less: $((_g / _h)) bytes per event, budget $_b)"
	[ "$_g" -le $((_h * _b)) ] || die "$_what: $_g bytes kept over $_h events, in each half"
}

# repeat N CMD...: CMD, N times.
repeat() {
	_n=$1
	shift
	while [ "$_n" -gt 0 ]; do
		"$@"
		_n=$((_n - 1))
	done
}

# max_entries=64 and 4096 distinct stacks: the lightest are evicted into
# "other", the output stays sane, and every tick is accounted.
t_pool_overflow() {
	ptwork stacks 4096
	insmod $KO max_entries=64 top=64 || die "insmod failed"
	ptwork stacks 4096
	dump_all /tmp/a
	ptwork stacks 4096
	dump_all /tmp/b
	tail -n 7 /tmp/b
	ptcheck format 100000 64 < /tmp/a || die "bad format when full"
	ptcheck format 100000 64 < /tmp/b || die "bad format when full"
	grep -q ' entries=64/64 ' /tmp/b || die "the pool is not full"
	oa=$(ptcheck footer stacks < /tmp/a) ob=$(ptcheck footer stacks < /tmp/b)
	[ "$oa" -gt 0 ] && [ "$ob" -gt "$oa" ] || die "stacks in other did not rise: $oa -> $ob"
	rmmod perftop || die "rmmod failed"
	echo "RESULT other_stacks=$ob evicted=$(footer /tmp/b evicted) lost=$(footer /tmp/b lost)" >&3
}

# PT_FUZZ (10 000) random writes: none accepted, the table untouched.
t_fuzzed_writes() {
	n=${PT_FUZZ:-10000}
	insmod $KO top=8192 || die "insmod failed"
	taskset -c 0 ptwork spin 1 50
	fuzz_leaves_table "$n" $$
	echo "RESULT fuzzed_writes=$n" >&3
}

# Refused loads leave nothing behind, in /proc or in memory: bad parameters
# (refused before anything is allocated), and 100 loads (two halves of 50)
# that fail at their last step, once the tables, the files, the hotplug and
# PM callbacks and the drain exist (the fault-injection build): the
# smallest allocation there is a page.  The debug kernel holds them to
# PT_LOAD_BUDGET=8192 bytes a load (a leak of a page or more): its slabs
# move by more than the stock budget over the fewer loads it runs there, and
# smaller leaks are kmemleak's to find (t_kmemleak refuses a load too).
t_refused_loads_leave_nothing() {
	for p in top=0 depth=65 max_entries=0 mode=0777 symbol=schedule; do
		insmod $KO "$p" 2>/dev/null && die "insmod $p succeeded"
		[ ! -e /proc/perftop ] || die "insmod $p left /proc/perftop"
	done
	insmod $FAULTS_KO fault_fail_load=1 2>/dev/null && die "fault_fail_load=1 loaded"
	mem_halves "refused loads" "${PT_LOADS:-100}" "${PT_LOAD_BUDGET:-2048}" refused_loads
	! grep -q '^perftop' /proc/modules || die "a refused load left a module loaded"
}

# refused_loads N: N loads of the fault-injection build that fail at their
# last step; none leaves a file in /proc.
refused_loads() {
	repeat "$1" refused_load
}

refused_load() {
	insmod $FAULTS_KO fault_fail_load=1 2>/dev/null && die "fault_fail_load=1 loaded"
	[ ! -e /proc/perftop ] && [ ! -e /proc/perftop_all ] || die "a refused load left /proc files"
}

# No number in the output is a kernel address (decimal, or 8+ hex digits).
t_no_kernel_addresses() {
	insmod $KO top=8192 depth=8 show_idle=1 || die "insmod failed"
	mixed_workload
	dump /tmp/d
	dump_all /tmp/all
	ptcheck kaddr /proc/kallsyms < /tmp/d || die "kernel address printed"
	ptcheck kaddr /proc/kallsyms < /tmp/all || die "kernel address printed in perftop_all"
	grep -c 'kind=kernel' /tmp/d
}

# Memory returns: after 1000 reads (in one process: a leaked snapshot
# would be 4 KiB a read at least; smaller leaks are below what the kernel's
# own figures hold still to, 50-100 kB a half either way, and are
# kmemleak's to find, in the debug run), after PT_MEM_CYCLES (100)
# load/unload cycles, in two halves (a page is the smallest allocation of a
# load), and after two big tables, one a half (one kept 136 kB once).
t_memory_returns() {
	insmod $KO || die "insmod failed"
	mixed_workload
	cat /proc/perftop > /dev/null
	mem_halves "reads" 1000 256 reads
	rmmod perftop
	mem_halves "load/unload cycles" "${PT_MEM_CYCLES:-100}" 2048 load_read_unloads
	mem_halves "262144-entry tables" 2 65536 big_tables
}

# big_tables N: N times a load with a 262144-entry table, a mixed workload,
# a read of it all, an unload.
big_tables() {
	repeat "$1" big_table
}

big_table() {
	insmod $KO max_entries=262144 top=1000 || die "insmod failed"
	mixed_workload
	cat /proc/perftop_all > /dev/null
	rmmod perftop || die "rmmod failed"
}

# reads N: N reads of /proc/perftop, in one process.
reads() {
	ptcheck hammer /proc/perftop "$1" 20 4 > /dev/null || die "reads failed"
}

# load_read_unloads N: N times a load, a read, an unload.
load_read_unloads() {
	repeat "$1" load_read_unload
}

load_read_unload() {
	insmod $KO || die "insmod failed"
	cat /proc/perftop > /dev/null
	rmmod perftop || die "rmmod failed"
}

# Debug kernel only: kmemleak finds no unreferenced object allocated from
# perftop's code.  The module is gone when kmemleak scans, so its frames
# print as bare addresses: its text range is recorded before rmmod.
t_kmemleak() {
	k=/sys/kernel/debug/kmemleak
	[ -e $k ] || die "no kmemleak on this kernel"
	echo clear > $k || die "kmemleak is off: 'echo clear' failed"
	# A refused load (after everything was set up), then a real one.
	insmod $FAULTS_KO fault_fail_load=1 2>/dev/null && die "fault_fail_load=1 loaded"
	insmod $KO max_entries=65536 || die "insmod failed"
	base=$(cat /sys/module/perftop/sections/.text) || die "no .text section address"
	size=$(awk '$1 == "perftop" { print $2 }' /proc/modules)
	mixed_workload
	cat /proc/perftop /proc/perftop_all > /dev/null
	ptcheck hammer /proc/perftop 50 20 4 > /dev/null
	rmmod perftop || die "rmmod failed"
	sleep 6
	echo scan > $k || die "kmemleak scan failed"
	sleep 6
	echo scan > $k || die "kmemleak scan failed"
	cat $k > /tmp/leaks || die "cannot read $k"
	echo "kmemleak: $(grep -c 'unreferenced object' /tmp/leaks) unreferenced objects in all;" \
		"perftop's text was $base + $size"
	# Any backtrace frame within [base, base + size) is perftop's.
	awk -v base="$base" -v size="$size" '
		function hex(s,   i, c, v) {
			v = 0; s = tolower(s); sub(/^0x/, "", s)
			for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)); v = v * 16 + c - 1 }
			return v
		}
		BEGIN { lo = hex(base); hi = lo + size }
		/unreferenced object/ { obj = $0 }
		{ for (i = 1; i <= NF; i++) if ($i ~ /^\[<[0-9a-f]+>\]$/ || $i ~ /^0x[0-9a-f]+$/ || $i ~ /^\[<0x[0-9a-f]+>\]$/) {
			a = $i; gsub(/[\[\]<>]/, "", a)
			v = hex(a); if (v >= lo && v < hi) { print "perftop leak: " obj; bad = 1 } } }
		END { exit bad }' /tmp/leaks || {
		head -n 40 /tmp/leaks
		die "kmemleak reports an object allocated by perftop"
	}
}

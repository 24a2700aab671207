# SPDX-License-Identifier: GPL-2.0-only
# Guest-side helpers.  Results go to fd 3 (the second serial port) as
# "PASS name", "FAIL name: why" or "SKIP name: why"; everything else goes to
# the console.

KO=/perftop.ko
FAULTS_KO=/perftop_faults.ko
SYMS=/tests/ptwork.syms
PIESYMS=/tests/ptpie.syms:/tests/libptlib.so.syms
NOFPSYMS=/tests/ptnofp.syms:/tests/libptnofp.so.syms
SYMS32=/tests/pt32.syms
TEXT32=/tests/text/pt32.syms
BUSYBOXSYMS=/tests/busybox.syms
# Every CPU, isolated ones too (nproc counts only those this shell may run on).
NCPU=$(grep -c '^processor' /proc/cpuinfo)
BG=""
NTESTS=0

die() { echo "$*"; exit 1; }
# A test that cannot run here says why, and is counted apart.
skip() { echo "$*"; exit 77; }

# Run a workload in the background; cleanup() kills what is left.
spawn() {
	"$@" > /dev/null 2>&1 &
	BG="$BG $!"
}

# alive PID...: every one of them still runs (a storm that died proves nothing).
alive() {
	for _p; do
		kill -0 "$_p" 2>/dev/null || die "workload $_p ($(cat /proc/$_p/comm 2>/dev/null)) is not running"
	done
}

# await TRIES USEC WHY CMD...: poll CMD every USEC until it succeeds; after
# TRIES tries, fail the test with WHY.
await() {
	_tries=$1 _us=$2 _why=$3 _n=0
	shift 3
	until "$@"; do
		_n=$((_n + 1))
		[ $_n -lt "$_tries" ] || die "$_why"
		usleep "$_us"
	done
}

stopped() { [ "$(awk '{ print $3 }' /proc/$1/stat)" = T ]; }

# Stop the processes and wait until each is off its CPU (state T), so that
# its accounting, perftop's and the kernel's, holds still.
freeze() {
	kill -STOP "$@" || die "cannot stop $*"
	for _p; do
		await 500 10000 "process $_p did not stop" stopped "$_p"
	done
}

# Runs at the end of each test's subshell (where BG was filled), and again
# in the suite's shell for good measure.
cleanup() {
	[ -n "$BG" ] && kill $BG 2>/dev/null
	killall -q ptwork ptcheck ptpie pt32 2>/dev/null
	sleep 0.2
	killall -q -9 ptwork ptcheck ptpie pt32 2>/dev/null
	wait 2>/dev/null
	BG=""
	for _m in ptbusy perftop perftop_faults perftop_floor perftop_capture; do
		rmmod $_m 2>/dev/null
	done
	if [ -f /tmp/preempt.mode ]; then
		cat /tmp/preempt.mode > /sys/kernel/debug/sched/preempt
		rm -f /tmp/preempt.mode
	fi
	true
}

dump() { cat /proc/perftop > "$1" || die "cannot read /proc/perftop"; }
dump_all() { cat /proc/perftop_all > "$1" || die "cannot read /proc/perftop_all"; }
footer() { ptcheck footer "$2" < "$1"; }

# children PID [PATTERN]: the pids of PID's children whose name matches
# PATTERN (a shell pattern; any name without it).
children() {
	for _p in /proc/[0-9]*; do
		grep -q "^PPid:[[:space:]]*$1\$" $_p/status 2>/dev/null || continue
		case "$(cat $_p/comm 2>/dev/null)" in ${2:-*}) echo ${_p#/proc/} ;; esac
	done
}

# within A B PCT [ABS]: |A - B| <= PCT % of B, or <= ABS.
within() {
	awk -v a="$1" -v b="$2" -v p="$3" -v m="${4:-0}" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		exit !(d <= b * p / 100 || d <= m) }'
}

errpct() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", b ? 100 * (a - b) / b : 0 }'
}

# A test's reported name says the size it ran at, when the debug kernel's
# run cuts it.
label() {
	case $1 in
	cycles_under_storm) echo "$1[${PT_CYCLES:-100} cycles]" ;;
	memory_returns) echo "$1[${PT_MEM_CYCLES:-100} cycles]" ;;
	readers_and_resets) echo "$1[4x${PT_READS:-1000} reads]" ;;
	fuzzed_writes) echo "$1[${PT_FUZZ:-10000} writes]" ;;
	unwind_fuzz) echo "$1[${PT_FUZZ:-10000} uploads]" ;;
	flood) echo "$1[${PT_FLOOD:-100000} stacks]" ;;
	refused_loads_leave_nothing) echo "$1[${PT_LOADS:-100} loads]" ;;
	pie_processes) echo "$1[${PT_PIE_RUNS:-30} runs]" ;;
	*) echo "$1" ;;
	esac
}

# run TEST: run t_TEST in a subshell and report it.
run() {
	_test=$1
	_name=$(label "$1")
	NTESTS=$((NTESTS + 1))
	echo "=== $_name"
	_t0=$(date +%s)
	( trap cleanup EXIT; t_"$_test" ) > /tmp/log.$_test 2>&1
	_rc=$?
	cleanup
	sed 's/^/    /' /tmp/log.$_test
	echo "    ($(($(date +%s) - _t0)) s)"
	_why=$(tail -n 1 /tmp/log.$_test)
	case $_rc in
	0) _line="PASS $_name" ;;
	77) _line="SKIP $_name: ${_why:-no reason given}" ;;
	*) _line="FAIL $_name: ${_why:-exit $_rc}" ;;
	esac
	echo "$_line" >&3
	echo "$_line"
}

# The suite's last word: how many tests it ran.  The host fails a boot
# without it (a suite that died halfway).
done_marker() {
	echo "DONE suite=$1 tests=$NTESTS" >&3
}

# Sum of the count (or ticks) column of the entries inside FUNCS.
sum_col() {
	# $1 dump, $2 funcs, $3 column (4 ticks, 5 ns, 6 count)
	ptcheck list $SYMS "$2" < "$1" | awk -v c="$3" '{ s += $c } END { print s + 0 }'
}

# fuzz_leaves_table N SEED: N fuzzed writes all fail with EINVAL, and the
# table is what it was: the switch count did not go down and the spinner,
# which ran before and is gone, kept its ticks.
fuzz_leaves_table() {
	dump /tmp/fuzz.a
	r=$(ptwork writefuzz /proc/perftop "$1" "$2")
	echo "$r"
	[ "$r" = "writes=$1 accepted=0 einval=$1 other=0" ] || die "fuzzed writes: $r"
	dump /tmp/fuzz.b
	sa=$(footer /tmp/fuzz.a switches) sb=$(footer /tmp/fuzz.b switches)
	[ "$sb" -ge "$sa" ] || die "switches went from $sa to $sb: the table was cleared"
	ta=$(sum_col /tmp/fuzz.a wl_spin 4) tb=$(sum_col /tmp/fuzz.b wl_spin 4)
	echo "spinner ticks before $ta after $tb"
	[ "$ta" -gt 0 ] && [ "$tb" = "$ta" ] || die "the spinner's ticks changed: $ta -> $tb"
}

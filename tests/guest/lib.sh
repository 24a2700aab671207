# SPDX-License-Identifier: GPL-2.0-only
# Guest-side helpers.  Results go to fd 3 (the second serial port) as
# "PASS name" or "FAIL name: why"; everything else goes to the console.

KO=/perftop.ko
SYMS=/tests/ptwork.syms
NCPU=$(nproc)
BG=""

die() { echo "$*"; exit 1; }

# Run a workload in the background; cleanup() kills what is left.
spawn() {
	"$@" > /dev/null 2>&1 &
	BG="$BG $!"
}

# Runs at the end of each test's subshell (where BG was filled), and again
# in the suite's shell for good measure.
cleanup() {
	[ -n "$BG" ] && kill $BG 2>/dev/null
	killall -q ptwork ptcheck 2>/dev/null
	sleep 0.2
	killall -q -9 ptwork ptcheck 2>/dev/null
	wait 2>/dev/null
	BG=""
	rmmod perftop 2>/dev/null
	rmmod perftop_floor 2>/dev/null
	rmmod perftop_capture 2>/dev/null
	true
}

dump() { cat /proc/perftop > "$1" || die "cannot read /proc/perftop"; }
footer() { ptcheck footer "$2" < "$1"; }

# run NAME: run t_NAME in a subshell and report it.
run() {
	_name=$1
	echo "=== $_name"
	_t0=$(date +%s)
	( trap cleanup EXIT; t_"$_name" ) > /tmp/log.$_name 2>&1
	_rc=$?
	cleanup
	sed 's/^/    /' /tmp/log.$_name
	echo "    ($(($(date +%s) - _t0)) s)"
	if [ $_rc = 0 ]; then
		echo "PASS $_name" >&3
		echo "PASS $_name"
	else
		_why=$(tail -n 1 /tmp/log.$_name)
		echo "FAIL $_name: ${_why:-exit $_rc}" >&3
		echo "FAIL $_name: ${_why:-exit $_rc}"
	fi
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

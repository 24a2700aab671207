#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# perftop(1)'s tests on the host: no module and no VM.  The module's pages
# are fixtures in its format (tests/pages.sh) whose frames point into a test
# workload built here: ptdemo (a PIE with symbols) and libptdemo.so (stripped,
# its debug info split into a .build-id tree), installed in a sysroot.
#
# Every test prints "PASS cli: name" or "FAIL cli: name: why"; the last line
# is "N passed, N failed", and the exit status is non-zero on any failure.
# The tests run perftop built with AddressSanitizer and UBSan: a leak, an
# overflow or undefined behaviour in any of them fails that test.
#
# Environment: PERFTOP_BUILD (default: build/ at the top of the tree; this
# writes under its cli/), FUZZ_COUNT (mutated pages, default 3000).
# Needs: gcc, make, pkg-config, protoc-c, libdw/libdebuginfod/protobuf-c/zlib
# headers, binutils, debuginfod, golang-go, chromium, libxml2-utils, tmux,
# mandoc, man-db, util-linux (setpriv); .ci/deps.sh installs them all.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
TOP=$(cd "$SRC/../.." && pwd)
OUT=${PERFTOP_BUILD:-$TOP/build}/cli
REL=$OUT/release	# perftop as packaged, and the test workload
SAN=$OUT/asan		# perftop with ASan and UBSan, which the tests run
SYS=$OUT/sysroot	# the workload installed, debug info split off
PAGES=$OUT/pages
FUZZ_COUNT=${FUZZ_COUNT:-3000}
DEBUG_DIR=$SYS/usr/lib/debug
PASSED=0 FAILED=0
BG_PIDS=
TMUX_SOCKET=perftop-test-$$

# Sanitizer reports exit 99; our own errors are 1 (and 2 for usage).
export ASAN_OPTIONS=exitcode=99:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset DEBUGINFOD_URLS
# Never the user's caches: go and chromium write under $HOME.
export DEBUGINFOD_CACHE_PATH="$OUT/debuginfod-cache"
export HOME="$OUT/home"
export LC_ALL=C.UTF-8

. "$HERE/pages.sh"

say() { printf '%s\n' "$*" >&2; }

# t NAME FUNCTION...: one PASS or FAIL line; FUNCTION sets WHY on failure.
t() {
	_name=$1
	shift
	WHY=
	if "$@"; then
		echo "PASS cli: $_name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL cli: $_name: ${WHY:-failed}"
		FAILED=$((FAILED + 1))
	fi
}

# pt ARGS...: the sanitized perftop, stdout in $OUT/out, stderr in $OUT/err.
# Returns its status; a sanitizer's report is a failure of its own.
pt() {
	"$SAN/perftop" "$@" > "$OUT/out" 2> "$OUT/err"
	_rc=$?
	if [ "$_rc" = 99 ] || grep -qE 'Sanitizer|runtime error' "$OUT/err"; then
		WHY="sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$OUT/err")"
		return 99
	fi
	return "$_rc"
}

# has TEXT...: each TEXT is a line of $OUT/out, or WHY says which is not.
has() {
	for _x; do
		grep -qxF -- "$_x" "$OUT/out" || { WHY="no line \"$_x\" in the output"; return 1; }
	done
}

lacks() {
	for _x; do
		! grep -qF -- "$_x" "$OUT/out" || { WHY="\"$_x\" in the output"; return 1; }
	done
}

cleanup() {
	tmux -L "$TMUX_SOCKET" kill-server 2> /dev/null
	for _p in $BG_PIDS; do
		kill "$_p" 2> /dev/null
	done
	[ ! -d "$OUT/debug.away" ] || { rm -rf "$DEBUG_DIR" && mv "$OUT/debug.away" "$DEBUG_DIR"; }
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- unwind tables (issue 22's first part) ---------------------------------

# Stock Debian objects built without frame pointers, present on any host
# that ran .ci/deps.sh: the C library and the loader, python3.11 (its
# functions have 64 KiB frames), xz and liblzma, sha256sum.
EH_FILES="/lib/x86_64-linux-gnu/libc.so.6 /lib64/ld-linux-x86-64.so.2 /usr/bin/python3.11
/usr/bin/xz /usr/lib/x86_64-linux-gnu/liblzma.so.5 /usr/bin/sha256sum"

# Every row's first, middle and last address, and every 13th byte of the
# code the rows span: the table's rule is libdw's (dwarf_cfi_addrframe), or a
# stop row where libdw's rule is one a row cannot hold.
unwind_tables() {
	_files=
	for _f in $EH_FILES; do
		[ -e "$_f" ] && _files="$_files $(readlink -f "$_f")"
	done
	[ "$(echo $_files | wc -w)" -ge 4 ] || { WHY="fewer than 4 of: $EH_FILES"; return 1; }
	# shellcheck disable=SC2086 # a list of files
	"$SAN/ehcheck" $_files > "$OUT/ehcheck.out" 2> "$OUT/ehcheck.err" ||
		{ WHY="$(head -n 1 "$OUT/ehcheck.err")"; return 1; }
	sed 's/^/  /' "$OUT/ehcheck.out" >&2
	# Not a table of stop rows: most rows are rules.
	awk '{ for (i = 2; i <= NF; i++) if ($i == "rows") { r += $(i - 1); s = $(i + 1); sub(/^[(]/, "", s); st += s } }
		END { exit !(r > 0 && st * 4 < r) }' "$OUT/ehcheck.out" ||
		{ WHY="stop rows are a quarter of all rows or more"; return 1; }
}

# perftop tables --file, into a plain file instead of /proc/perftop_unwind:
# one write() per file, of the module's header (unwind.h) and the rows;
# the build-id is readelf's, and the row count the one ehcheck, which
# checks the rows against libdw, counted.  A file without a build-id, a
# missing file and bad options get one line and an exit status.
tables_upload() {
	_f=/lib/x86_64-linux-gnu/libc.so.6
	rm -f "$OUT/upload"
	: > "$OUT/upload"
	pt tables --proc "$OUT/upload" --file "$_f" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	_id=$(readelf -n "$_f" | sed -n 's/^ *Build ID: //p')
	_rows=$(awk -v f="$(readlink -f "$_f")" '$1 == f ":" { for (i = 2; i <= NF; i++) if ($i == "rows") print $(i - 1) }' \
		"$OUT/ehcheck.out")
	[ -n "$_rows" ] || { WHY="ehcheck's output counts no rows of $_f"; return 1; }
	has "$_f $_id: $_rows rows, $((_rows * 8)) bytes" || return 1
	_hdr=$(od -An -tx1 -N 36 "$OUT/upload" | tr -d ' \n')
	_want=$(printf '%s' PTUW | od -An -tx1 | tr -d ' \n')01000000$(printf '%08x' "$_rows" |
		sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')14000000$_id
	[ "$_hdr" = "$_want" ] || { WHY="header $_hdr, not $_want"; return 1; }
	[ "$(stat -c %s "$OUT/upload")" = $((36 + _rows * 8)) ] || { WHY="not 36 + 8 bytes a row"; return 1; }
	pt tables --proc "$OUT/upload" --file /etc/passwd
	[ $? = 1 ] && grep -qx "perftop: /etc/passwd: no build-id: the module finds tables by build-id" "$OUT/err" ||
		{ WHY="a file without a build-id: $(cat "$OUT/err")"; return 1; }
	pt tables --proc "$OUT/upload" --file /nonexistent
	[ $? = 1 ] && grep -qx "perftop: /nonexistent: No such file or directory" "$OUT/err" ||
		{ WHY="a missing file: $(cat "$OUT/err")"; return 1; }
	pt tables --proc "$OUT/nonexistent/x"
	[ $? = 1 ] && grep -q "^perftop: $OUT/nonexistent/x: No such file or directory" "$OUT/err" ||
		{ WHY="no module: $(cat "$OUT/err")"; return 1; }
	for _bad in "--follow 0" "--file" "--follow 1 --file $_f" "stray"; do
		# shellcheck disable=SC2086 # options, split on purpose
		pt tables $_bad
		[ $? = 2 ] && [ "$(wc -l < "$OUT/err")" = 1 ] || { WHY="tables $_bad: not one line and exit 2"; return 1; }
	done
}

# Stock Debian programs, none built with frame pointers (python3.11 with
# liblzma and libcrypto in three threads, xz, sha256sum), and unwindprog
# (its PIE and library built so too), stopped at five moments each: every
# thread's stack, walked with the tables by unwind.h's steps as the module
# is to walk it, is eu-stack's frame for frame, and whole (down to _start
# or clone3).  unwindprog's threads stop where a walk needs rbp taken back
# from a callee's frame, and past a call that ends its function: eu-stack
# names the functions each must pass through.
unwind_walks() {
	python3 "$HERE/unwindload.py" & _py=$!
	head -c 4000000000 /dev/zero | xz -1 -T1 > /dev/null & _xz=$!
	sha256sum /dev/zero & _sha=$!
	"$REL/test/unwindprog" > "$OUT/unwindprog.out" & _uwp=$!
	sleep 2
	grep -q ready "$OUT/unwindprog.out" || { WHY="unwindprog is not ready"; kill -9 $_py $_xz $_sha $_uwp; return 1; }
	_n=0 _whole=0 _bad=0
	for _round in 1 2 3; do
		for _p in $_py $_xz $_sha $_uwp; do
			kill -STOP "$_p" && sleep 0.2
			"$SAN/ehcheck" -p "$_p" > "$OUT/walk.ours" 2>> "$OUT/walk.err"
			eu-stack -p "$_p" > "$OUT/walk.eu" 2>> "$OUT/walk.err"
			kill -CONT "$_p"
			awk '/^TID/ { t = $2; sub(":", "", t) } /^#/ { a[t] = a[t] " " $2 }
				END { for (t in a) print t a[t] }' "$OUT/walk.eu" | sed 's/0x0*/0x/g' | sort > "$OUT/walk.eu.l"
			awk '{ l = $2; for (i = 3; i < NF; i++) l = l " " $i; print l }' "$OUT/walk.ours" |
				sort > "$OUT/walk.ours.l"
			_n=$((_n + $(wc -l < "$OUT/walk.ours")))
			_whole=$((_whole + $(grep -c ' complete$' "$OUT/walk.ours")))
			if ! cmp -s "$OUT/walk.eu.l" "$OUT/walk.ours.l"; then
				_bad=$((_bad + 1))
				diff "$OUT/walk.eu.l" "$OUT/walk.ours.l" | head -n 4 >&2
			fi
		done
	done
	kill -9 $_py $_xz $_sha $_uwp 2> /dev/null
	wait $_py $_xz $_sha $_uwp 2> /dev/null
	say "  $_n stacks of python3 (3 threads), xz, sha256sum and unwindprog (3): $_whole whole, $_bad samples unlike eu-stack's"
	[ "$_n" -ge 16 ] || { WHY="only $_n stacks walked: $(head -n 1 "$OUT/walk.err")"; return 1; }
	[ "$_bad" = 0 ] || { WHY="$_bad of 12 samples differ from eu-stack's"; return 1; }
	# unwindprog's last sample: the frames each thread had to pass.
	awk '/^TID/ { print "" } /^#/ { printf " %s", $3 }' "$OUT/walk.eu" > "$OUT/walk.names"
	for _chain in "uwl_busy uwl_vla main __libc_start_call_main" "uwl_busy uwl_vla vla_thread start_thread" \
		"ends_in_call noreturn_thread start_thread"; do
		grep -q " $_chain " "$OUT/walk.names" ||
			{ WHY="no thread of unwindprog passes $_chain: $(tr '\n' '|' < "$OUT/walk.names")"; return 1; }
	done
	[ $((_whole * 10)) -ge $((_n * 9)) ] || { WHY="only $_whole of $_n stacks whole"; return 1; }
}

# Mutated .eh_frame sections (bytes, CFA opcodes, lengths): refused with an
# error or built, never a crash, an overflow, undefined behaviour or a leak.
unwind_fuzz() {
	: > "$OUT/ehfuzz.out"
	for _f in /usr/bin/sha256sum /lib64/ld-linux-x86-64.so.2; do
		"$SAN/ehcheck" -f -n "$FUZZ_COUNT" "$(readlink -f "$_f")" >> "$OUT/ehfuzz.out" 2> "$OUT/ehfuzz.err" ||
			{ WHY="$(grep -m1 -E 'ERROR|runtime error|ehcheck:' "$OUT/ehfuzz.err")"; return 1; }
	done
	sed 's/^/  /' "$OUT/ehfuzz.out" >&2
}

# ---- build ----------------------------------------------------------------

build() {
	rm -rf "$SYS" "$PAGES" "$DEBUGINFOD_CACHE_PATH" "$OUT/debug.away"
	mkdir -p "$OUT" "$PAGES" "$HOME"
	make -C "$SRC" O="$REL" all testprogs > "$OUT/build.log" 2>&1 &&
		make -C "$SRC" O="$SAN" SANITIZE=1 all fuzz ehcheck >> "$OUT/build.log" 2>&1 &&
		make -C "$SRC" O="$REL" unwindprogs >> "$OUT/build.log" 2>&1 &&
		make -C "$SRC" O="$REL" install-testprogs DESTDIR="$SYS" >> "$OUT/build.log" 2>&1 ||
		{ WHY="make failed: $(grep -m1 -E 'error|Error' "$OUT/build.log")"; return 1; }
	! grep -q 'warning:' "$OUT/build.log" || { WHY=$(grep -m1 'warning:' "$OUT/build.log"); return 1; }
	OBJS=$REL/test
	LIB_ID=$(build_id "$OBJS/libptdemo.so") EXE_ID=$(build_id "$OBJS/ptdemo")
	NOPIE_ID=$(build_id "$OBJS/ptdemo-nopie")
	[ -n "$LIB_ID" ] && [ -n "$EXE_ID" ] && [ -n "$NOPIE_ID" ] || { WHY="no build-id in the workload"; return 1; }
	addresses || { WHY="no symbols in the workload"; return 1; }
	page "$LIB_ID" "$EXE_ID" 1 > "$PAGES/page1" &&
		page "$LIB_ID" "$EXE_ID" 3 > "$PAGES/page3" &&
		page deadbeefdeadbeefdeadbeefdeadbeefdeadbeef "$EXE_ID" 1 > "$PAGES/mismatch" &&
		page_two "$LIB_ID" "$EXE_ID" "$NOPIE_ID" > "$PAGES/two" &&
		page_v01 > "$PAGES/v01" || { WHY="cannot write the fixture pages"; return 1; }
	BUSY_NS=$(sed -n 's/.* busy_ns=\([0-9]*\).*/\1/p' "$PAGES/page1")
}

# ---- names ------------------------------------------------------------------

L=$LIB
# The frames of rank 1, named.
NAMED="  #0 ptd_spin+0x20 (libptdemo.so)
  #1 ptd_inner+0x12 (libptdemo.so)
  #2 ptd_run+0x12 (libptdemo.so)
  #3 ptdemo_work+0x12 (ptdemo)
  #4 main+0x40 (ptdemo)"

# has_lines TEXT: each line of TEXT is a line of $OUT/out.
has_lines() {
	_old=$IFS IFS='
'
	set -f
	# shellcheck disable=SC2086 # one argument per line
	set -- $1
	set +f
	IFS=$_old
	has "$@"
}

names_from_debug_file() {
	pt report --by address --input "$PAGES/page1" --sysroot "$SYS" || { WHY=${WHY:-"exit $?: $(cat "$OUT/err")"}; return 1; }
	has_lines "$NAMED" || return 1
	has "  #0 smpboot_thread_fn+0x147/0x1d0" "  #0 ptd_spin+0x30 (libptdemo.so (deleted))" \
		"  #0 [vdso]+0x9a0" "  #3 0x7f1234567890 (unresolved: no vma)" "  #0 ?" || return 1
	# Idle is not a code path: only --idle shows it.
	lacks swapper || return 1
	cp "$OUT/out" "$OUT/report.txt"
	# The release build says the same.
	"$REL/perftop" report --by address --input "$PAGES/page1" --sysroot "$SYS" | cmp -s - "$OUT/report.txt" ||
		{ WHY="the release build's report differs"; return 1; }
}

top_n() {
	# Idle's share is of all the CPUs' time, from the page's footer.
	_idle=$(awk -F'[ =]' '/busy_ns=/ { for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		printf "%.1f", 100 * v["idle_ns"] / (v["busy_ns"] + v["idle_ns"]) }' "$PAGES/page1")
	pt report --input "$PAGES/page1" --sysroot "$SYS" -n 2 --idle || { WHY="exit $?"; return 1; }
	has "rank 1: 2.000 s (65.3% of busy) count=24 pid=99 stack=complete comm=ptdemo" \
		"rank 2: 1.500 s ($_idle% of busy + idle, idle) count=900 pid=0 stack=complete comm=swapper/0" \
		"(4 more stacks: -n, --folded, --svg or --pprof show them all)" && lacks "rank 3"
}

# Without the debug file the library's static functions have no name:
# object+offset, while its exported ptd_run still has one from .dynsym.
fallback_without_debug_info() {
	mv "$DEBUG_DIR" "$OUT/debug.away"
	mkdir -p "$DEBUG_DIR"
	pt report --by address --input "$PAGES/page1" --sysroot "$SYS" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has "  #0 $L+$A_SPIN" "  #1 $L+$A_INNER" \
		"  #2 ptd_run+0x12 (libptdemo.so)" "  #3 ptdemo_work+0x12 (ptdemo)" &&
		lacks ptd_spin ptd_inner
}

DEBUGINFOD_PID=
start_debuginfod() {
	command -v debuginfod > /dev/null || { WHY="no debuginfod (apt install debuginfod)"; return 1; }
	rm -rf "$OUT/debuginfod" && mkdir -p "$OUT/debuginfod/files"
	cp "$OUT/debug.away/.build-id/"*/*.debug "$OBJS/ptdemo" "$OUT/debuginfod/files/"
	# A free port: debuginfod exits at once when its port is taken.
	for _port in $(seq $((20000 + $$ % 20000)) $((20019 + $$ % 20000))); do
		debuginfod -F -p "$_port" -d "$OUT/debuginfod/db.sqlite" "$OUT/debuginfod/files" \
			> "$OUT/debuginfod/log" 2>&1 &
		DEBUGINFOD_PID=$!
		BG_PIDS="$BG_PIDS $DEBUGINFOD_PID"
		sleep 0.5
		kill -0 "$DEBUGINFOD_PID" 2> /dev/null && break
		DEBUGINFOD_PID=
	done
	[ -n "$DEBUGINFOD_PID" ] || { WHY="debuginfod did not start: $(tail -n 1 "$OUT/debuginfod/log")"; return 1; }
	URL=http://127.0.0.1:$_port
	# Until it has indexed the file; each try with a cache of its own, as
	# the client remembers a miss for ten minutes.
	for _i in $(seq 40); do
		rm -rf "$OUT/debuginfod/probe"
		DEBUGINFOD_URLS=$URL DEBUGINFOD_CACHE_PATH=$OUT/debuginfod/probe \
			debuginfod-find debuginfo "$LIB_ID" > /dev/null 2>&1 &&
			DEBUGINFOD_URLS=$URL DEBUGINFOD_CACHE_PATH=$OUT/debuginfod/probe \
				debuginfod-find executable "$EXE_ID" > /dev/null 2>&1 && return 0
		sleep 0.25
	done
	WHY="debuginfod at $URL never served $LIB_ID"
	return 1
}

names_from_debuginfod() {
	start_debuginfod || return 1
	rm -rf "$DEBUGINFOD_CACHE_PATH"
	DEBUGINFOD_URLS=$URL pt report --by address --input "$PAGES/page1" --sysroot "$SYS" ||
		{ WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has_lines "$NAMED" || return 1
	ls "$DEBUGINFOD_CACHE_PATH/$LIB_ID/debuginfo" > /dev/null 2>&1 ||
		{ WHY="nothing in the debuginfod cache"; return 1; }
}

# An executable that is not on disk, fetched by its build-id; with
# DEBUGINFOD_PROGRESS, libdebuginfod's progress on stderr, as elfutils' tools.
exe_from_debuginfod() {
	[ -n "$DEBUGINFOD_PID" ] || { WHY="no debuginfod"; return 1; }
	rm -rf "$DEBUGINFOD_CACHE_PATH"
	sed "s|$EXE|/usr/local/bin/ptdemo-gone|" "$PAGES/page1" > "$OUT/gone-page"
	DEBUGINFOD_URLS=$URL DEBUGINFOD_PROGRESS=1 pt report --by address --input "$OUT/gone-page" --sysroot "$SYS" ||
		{ WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has "  #3 ptdemo_work+0x12 (ptdemo-gone)" "  #4 main+0x40 (ptdemo-gone)" || return 1
	! grep -q 'ptdemo-gone' "$OUT/err" || { WHY="warned: $(grep ptdemo-gone "$OUT/err")"; return 1; }
	grep -q 'Downloading' "$OUT/err" || { WHY="no progress with DEBUGINFOD_PROGRESS: $(head -c 200 "$OUT/err")"; return 1; }
	# Without DEBUGINFOD_URLS nothing is asked: not named, one warning.
	pt report --by address --input "$OUT/gone-page" --sysroot "$SYS" || { WHY="no URLs: exit $?"; return 1; }
	has "  #3 /usr/local/bin/ptdemo-gone+$A_WORK" && grep -q "ptdemo-gone: not found" "$OUT/err" ||
		{ WHY="without DEBUGINFOD_URLS: named, or no warning"; return 1; }
}

stop_debuginfod() {
	[ -z "$DEBUGINFOD_PID" ] || kill "$DEBUGINFOD_PID" 2> /dev/null
	DEBUGINFOD_PID=
	rm -rf "$DEBUG_DIR"
	mv "$OUT/debug.away" "$DEBUG_DIR"
}

# --sysroot DIR searches DIR/usr/lib/debug, then the host's (--debug-dir,
# /usr/lib/debug by default): a sysroot without debug files still finds the
# library's static functions in the host's.
sysroot_adds_debug_dir() {
	rm -rf "$OUT/sys2" && cp -a "$SYS" "$OUT/sys2" && rm -rf "$OUT/sys2/usr/lib/debug" ||
		{ WHY="cannot copy the sysroot"; return 1; }
	pt report --by address --input "$PAGES/page1" --sysroot "$OUT/sys2" --debug-dir "$DEBUG_DIR" ||
		{ WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has_lines "$NAMED" || return 1
	pt report --by address --input "$PAGES/page1" --sysroot "$OUT/sys2" --debug-dir "$OUT/none" ||
		{ WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	lacks ptd_spin
}

# A file that is not the one profiled is never named: marked.
build_id_mismatch() {
	pt report --by address --input "$PAGES/mismatch" --sysroot "$SYS" || { WHY="exit $?"; return 1; }
	has "  #0 [build-id mismatch] $L+$A_SPIN" "  #2 [build-id mismatch] $L+$A_RUN" \
		"  #3 ptdemo_work+0x12 (ptdemo)" && lacks ptd_spin ptd_inner ptd_run
}

# Files that are not regular (a FIFO, a device) are never opened for symbols.
odd_files() {
	rm -f "$OUT/fifo" && mkfifo "$OUT/fifo" || { WHY="mkfifo failed"; return 1; }
	sed -e "s|$L|$OUT/fifo|" -e "s|$EXE|/dev/zero|" "$PAGES/page1" > "$OUT/odd-page"
	timeout 20 "$SAN/perftop" report --input "$OUT/odd-page" > "$OUT/out" 2> "$OUT/err" ||
		{ WHY="exit $? (124: it hung): $(head -c 300 "$OUT/err")"; return 1; }
	has "  #0 $OUT/fifo+$A_SPIN" "  #4 /dev/zero+$A_MAIN"
}

old_format() {
	pt report --by address --input "$PAGES/v01" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has "  #0 0x4017f5" "  #0 smpboot_thread_fn+0x147/0x1d0"
}

# distinct_addresses PAGE: the (object, address) pairs that name the page's
# ELF frames: outer frames are looked up at their return address - 1.
distinct_addresses() {
	awk '/^  #[0-9]+ \// && !/\(file offset\)$/ { print $2, ($1 == "#0") }' "$1" | sort -u | wc -l
}

# names_lookups: "perftop: names: N lookups, ..." from PERFTOP_DEBUG_NAMES.
names_lookups() { sed -n 's/^perftop: names: \([0-9]*\) lookups.*/\1/p' "$OUT/err"; }

# The live view's per-function view: page1 then page3 through a FIFO, so
# ptd_spin (libptdemo.so) used 2 x 2 s in the interval.
live_functions() {
	rm -f "$OUT/fifo4" && mkfifo "$OUT/fifo4" || { WHY="mkfifo failed"; return 1; }
	{ cat "$PAGES/page1" > "$OUT/fifo4"; sleep 0.5; cat "$PAGES/page3" > "$OUT/fifo4"; } &
	_w=$!
	BG_PIDS="$BG_PIDS $_w"
	pt -d 1 -c 1 --functions --sysroot "$SYS" --proc "$OUT/fifo4" < /dev/null
	_rc=$?
	kill "$_w" 2> /dev/null
	[ "$_rc" = 0 ] || { WHY="exit $_rc: $(cat "$OUT/err")"; return 1; }
	grep -qE '^ +4\.000 s +[0-9.]+% +4\.000 s +[0-9.]+% +48  ptd_spin \(libptdemo\.so\)$' "$OUT/out" ||
		{ WHY="no 4 s for ptd_spin: $(grep ptd_spin "$OUT/out" | head -n 1)"; return 1; }
}

# Each (object, address) is looked up in the ELF file once per process: in
# a report, and in the live view over several intervals of the same stacks.
names_cached() {
	_want=$(distinct_addresses "$PAGES/page1")
	PERFTOP_DEBUG_NAMES=1 pt report --input "$PAGES/page1" --sysroot "$SYS" || { WHY="exit $?"; return 1; }
	[ "$(names_lookups)" = "$_want" ] || { WHY="report: $(names_lookups) lookups for $_want addresses"; return 1; }
	PERFTOP_DEBUG_NAMES=1 pt -d 0.2 -c 3 --sysroot "$SYS" --proc "$FAKE" < /dev/null || { WHY="live: exit $?"; return 1; }
	[ "$(grep -c '^ RANK' "$OUT/out")" = 3 ] || { WHY="live: not three reports"; return 1; }
	[ "$(names_lookups)" = "$_want" ] || { WHY="live, 4 reads: $(names_lookups) lookups for $_want addresses"; return 1; }
}

# ranks_named: the live view's rank lines, each once, but their rank and
# their share of the (wall-clock) interval.
ranks_named() { awk '/<-/ { $1 = $2 = ""; print }' "$OUT/out" | sort -u; }

# The cache of names is bounded: with room for 4 names, the live view's
# four reads of a page of more addresses look them up again (the cache
# starts over), and names every frame as the unbounded cache does.
names_bounded() {
	_want=$(distinct_addresses "$PAGES/page1")
	pt -d 0.2 -c 3 --sysroot "$SYS" --proc "$FAKE" < /dev/null || { WHY="live: exit $?"; return 1; }
	ranks_named > "$OUT/names-unbounded"
	PERFTOP_DEBUG_NAMES=1 PERFTOP_DEBUG_NAMES_MAX=4 pt -d 0.2 -c 3 --sysroot "$SYS" --proc "$FAKE" < /dev/null ||
		{ WHY="live, 4 names: exit $?"; return 1; }
	ranks_named > "$OUT/names-bounded"
	[ "$(names_lookups)" -gt "$_want" ] ||
		{ WHY="4 names kept, 4 reads: $(names_lookups) lookups for $_want addresses"; return 1; }
	cmp -s "$OUT/names-unbounded" "$OUT/names-bounded" ||
		{ WHY="named otherwise: $(diff "$OUT/names-unbounded" "$OUT/names-bounded" | head -n 3 | tr '\n' '|')"; return 1; }
}

# ---- outputs ------------------------------------------------------------------

# Within 1 %: within A B.
within() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= b / 100) }'; }

folded() {
	pt report --input "$PAGES/page1" --sysroot "$SYS" --folded || { WHY="exit $?"; return 1; }
	cp "$OUT/out" "$OUT/folded.txt"
	_sum=$(awk '{ s += $NF } END { printf "%.0f", s }' "$OUT/out")
	within "$_sum" "$BUSY_NS" || { WHY="weights add up to $_sum, busy_ns is $BUSY_NS"; return 1; }
	# Ranks 1 and 4 are the same functions: one line, outermost first.
	has "ptdemo;main;ptdemo_work;ptd_run;ptd_inner;ptd_spin 2400000000" \
		"ksoftirqd/0;ret_from_fork;kthread;smpboot_thread_fn 500000000" \
		"[evicted stacks] 10000000" && lacks swapper
}

svg() {
	pt report --input "$PAGES/page1" --sysroot "$SYS" --svg "$OUT/flamegraph.svg" || { WHY="exit $?"; return 1; }
	xmllint --noout "$OUT/flamegraph.svg" 2> "$OUT/xmllint.err" || { WHY="xmllint: $(head -n 1 "$OUT/xmllint.err")"; return 1; }
	for _f in ptd_spin ptd_inner ptd_run ptdemo_work main smpboot_thread_fn; do
		grep -q "<title>$_f (" "$OUT/flamegraph.svg" || { WHY="no frame $_f"; return 1; }
	done
	! grep -qE '(href|src)="(https?:)?//' "$OUT/flamegraph.svg" || { WHY="refers to another file"; return 1; }
}

chromium_run() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$(mktemp -d "$OUT/chromium.XXXXXX")" "$@" 2> "$OUT/chromium.log"
}

svg_screenshot() {
	rm -f "$OUT/flamegraph.png"
	chromium_run --screenshot="$OUT/flamegraph.png" --window-size=1200,800 \
		"file://$OUT/flamegraph.svg" > /dev/null ||
		{ WHY="chromium failed: $(tail -n 1 "$OUT/chromium.log")"; return 1; }
	[ "$(head -c 8 "$OUT/flamegraph.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		{ WHY="$OUT/flamegraph.png is not a PNG"; return 1; }
	_size=$(wc -c < "$OUT/flamegraph.png")
	[ "$_size" -gt 10000 ] || { WHY="the screenshot is $_size bytes: blank?"; return 1; }
	say "  flame graph screenshot: $OUT/flamegraph.png ($_size bytes)"
}

# The page's script, run by Chromium: names fitted into their frames, and
# #zoom=ptd_inner zoomed as a click on it would.
svg_script() {
	chromium_run --dump-dom "file://$OUT/flamegraph.svg#zoom=ptd_inner" > "$OUT/dom.txt" ||
		{ WHY="chromium failed: $(tail -n 1 "$OUT/chromium.log")"; return 1; }
	grep -q '<title>ptd_spin (.*width="1180".*>ptd_spin</text>' "$OUT/dom.txt" ||
		{ WHY="ptd_spin is not zoomed to the full width"; return 1; }
	grep -q 'display: none;"><title>ksoftirqd/0 (' "$OUT/dom.txt" ||
		{ WHY="ksoftirqd/0 is still shown when zoomed on ptd_inner"; return 1; }
}

# The labels are in the file, fitted to their frames: an <img> shows them.
svg_labels() {
	python3 "$HERE/svglabels.py" "$OUT/flamegraph.svg" ptd_spin ptd_inner ptd_run ptdemo_work main \
		smpboot_thread_fn > "$OUT/svglabels.txt" 2>&1 || { WHY=$(head -n 1 "$OUT/svglabels.txt"); return 1; }
}

# FILE.svg#search=ptd_ highlights the frames named ptd_* and shows the share
# of the time under them: the stacks of --folded with such a frame.
svg_search() {
	_want=$(awk '{ n = split($1, s, ";"); for (i = 2; i <= n; i++) if (s[i] ~ /ptd_/) { m += $NF; break }
		t += $NF } END { printf "%.1f", 100 * m / t }' "$OUT/folded.txt")
	chromium_run --dump-dom "file://$OUT/flamegraph.svg#search=ptd_" > "$OUT/dom-search.txt" ||
		{ WHY="chromium failed: $(tail -n 1 "$OUT/chromium.log")"; return 1; }
	grep -q "id=\"matched\"[^>]*>Matched: $_want%<" "$OUT/dom-search.txt" ||
		{ WHY="not \"Matched: $_want%\": $(grep -o 'id="matched"[^<]*' "$OUT/dom-search.txt")"; return 1; }
	grep -q '<title>ptd_spin (.*fill="rgb(230,0,230)"' "$OUT/dom-search.txt" ||
		{ WHY="ptd_spin is not highlighted"; return 1; }
	! grep -q '<title>smpboot_thread_fn (.*fill="rgb(230,0,230)"' "$OUT/dom-search.txt" ||
		{ WHY="smpboot_thread_fn is highlighted"; return 1; }
}

# "flat" or "cum" time of FUNCTION in go tool pprof -top -unit=ns FILE.
pprof_time() {
	go tool pprof -top -unit=ns -nodefraction=0 -nodecount=1000 "$1" 2> "$OUT/pprof.err" |
		awk -v col="$2" -v fn="$3" '$NF == fn { v = col == "flat" ? $1 : $4; sub(/ns$/, "", v); print v; exit }'
}

pprof() {
	command -v go > /dev/null || { WHY="no go (apt install golang-go)"; return 1; }
	pt report --input "$PAGES/page1" --sysroot "$SYS" --pprof "$OUT/a.pb.gz" || { WHY="exit $?"; return 1; }
	pt report --input "$PAGES/page3" --sysroot "$SYS" --pprof "$OUT/b.pb.gz" || { WHY="exit $?"; return 1; }
	go tool pprof -top "$OUT/a.pb.gz" > "$OUT/pprof-top.txt" 2>&1 || { WHY="go tool pprof: $(tail -n 1 "$OUT/pprof-top.txt")"; return 1; }
	# perftop's own time per function: the innermost frames of --folded.
	for _f in ptd_spin smpboot_thread_fn; do
		_ours=$(awk -v fn="$_f" '{ n = split($1, s, ";"); if (s[n] == fn) t += $NF } END { printf "%.0f", t }' "$OUT/folded.txt")
		_theirs=$(pprof_time "$OUT/a.pb.gz" flat "$_f")
		within "${_theirs:-0}" "$_ours" || { WHY="$_f: pprof says ${_theirs:-nothing}, perftop $_ours ns"; return 1; }
	done
	for _f in ptd_inner ptd_run ptdemo_work main; do
		_theirs=$(pprof_time "$OUT/a.pb.gz" cum "$_f")
		within "${_theirs:-0}" 2400000000 || { WHY="$_f: pprof says ${_theirs:-nothing} ns cumulative"; return 1; }
	done
	go tool pprof -raw "$OUT/a.pb.gz" 2> /dev/null | grep -q "$LIB_ID" || { WHY="no mapping with the library's build-id"; return 1; }
}

# file_offset FILE VADDR: VADDR's offset in FILE, from readelf's PT_LOAD lines.
file_offset() {
	readelf -lW "$1" | while read -r _t _off _va _pa _fsz _msz _rest; do
		[ "$_t" = LOAD ] && [ $(($2)) -ge $((_va)) ] && [ $(($2)) -lt $((_va + _msz)) ] &&
			{ echo $(($2 - _va + _off)); break; }
	done
}

# Two programs' main are two functions, and every location's address maps to
# its file offset (readelf's), at the real address for the ET_EXEC.
pprof_identity() {
	pt report --input "$PAGES/two" --sysroot "$SYS" --pprof "$OUT/two.pb.gz" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	go tool pprof -top -cum -filefunctions "$OUT/two.pb.gz" > "$OUT/two-top.txt" 2>&1
	grep -qE " 1500ms +75.00% +main $EXE\$" "$OUT/two-top.txt" &&
		grep -qE " 500ms +25.00% +main $NOPIE\$" "$OUT/two-top.txt" ||
		{ WHY="not two main (1500 and 500 ms): $(grep main "$OUT/two-top.txt" | tr -s ' ' | tr '\n' '|')"; return 1; }
	go tool pprof -raw "$OUT/two.pb.gz" > "$OUT/two-raw.txt" 2>&1
	for _c in "$EXE main $A_MAIN" "$EXE ptdemo_work $A_WORK" "$NOPIE main $N_MAIN" \
		"$L ptd_spin $A_SPIN"; do
		# shellcheck disable=SC2086 # three words
		set -- $_c
		# "  5: 0xADDR M=2 main /usr/local/bin/ptdemo:0 s=0"
		_loc=$(awk -v fn="$2" -v f="$1:0" '$4 == fn && $5 == f { print $2, substr($3, 3); exit }' "$OUT/two-raw.txt")
		[ -n "$_loc" ] || { WHY="no location for $2 in $1"; return 1; }
		# "2: 0xSTART/0xLIMIT/0xOFFSET /usr/local/bin/ptdemo BUILDID [FN]"
		_map=$(awk -v m="${_loc#* }:" '/^Mappings/ { in_maps = 1 } in_maps && $1 == m { gsub("/", " ", $2); print $2; exit }' "$OUT/two-raw.txt")
		# shellcheck disable=SC2086 # the words of _loc and _map
		set -- "$1" "$2" "$3" ${_loc%% *} $_map
		[ $# = 7 ] || { WHY="no mapping for $2 in $1"; return 1; }
		_got=$(($4 - $5 + $7)) _want=$(file_offset "$OBJS/$(basename "$1")" "$3")
		[ "$_got" = "$_want" ] || { WHY="$2 in $1: pprof says file offset $_got, readelf $_want"; return 1; }
		[ "$1" != "$NOPIE" ] || [ $(($4)) = $(($3)) ] || { WHY="$2 in the ET_EXEC not at its address $3: $4"; return 1; }
	done
}

# --functions: flat and cumulative time per function (in its object) as
# go tool pprof -top -filefunctions computes them from our profile; --sort.
functions_view() {
	pt report --input "$PAGES/page1" --sysroot "$SYS" --functions -n 100 || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	cp "$OUT/out" "$OUT/functions.txt"
	go tool pprof -top -filefunctions -unit=ns -nodefraction=0 -nodecount=1000 "$OUT/a.pb.gz" > "$OUT/ff.txt" 2>&1
	# pprof: "FLATns F% S% CUMns C% NAME FILE"; ours: "T U F% T U C% SW NAME (BASE)".
	_bad=$(awk 'function ns(v, u) { return v * (u == "s" ? 1e9 : u == "ms" ? 1e6 : u == "us" ? 1e3 : 1) }
		FNR == NR { if (NF < 7 || $7 !~ /^\//) next
			f = $1; c = $4; sub(/ns$/, "", f); sub(/ns$/, "", c); name = $6
			$1 = $2 = $3 = $4 = $5 = $6 = ""; file = substr($0, 7); n = split(file, p, "/")
			want[name " (" p[n] ")"] = sprintf("%.0f %.0f", f, c); next }
		FNR > 2 { label = $8; for (i = 9; i <= NF; i++) label = label " " $i
			if (!(label in want)) next
			seen++; got = sprintf("%.0f %.0f", ns($1, $2), ns($4, $5))
			if (got != want[label]) print label ": ours " got ", pprof " want[label] }
		END { if (seen < 7) print "only " seen " of the 7 functions of the ELF files compared" }' \
		"$OUT/ff.txt" "$OUT/functions.txt")
	[ -z "$_bad" ] || { WHY=$(echo "$_bad" | head -n 1); return 1; }
	pt report --input "$PAGES/page1" --sysroot "$SYS" --functions --sort cum -n 1 || { WHY="--sort cum: exit $?"; return 1; }
	sed -n 3p "$OUT/out" | grep -qE ' 2\.400 s +78\.7% +0  (main|ptdemo_work) \(ptdemo\)$' ||
		{ WHY="--sort cum: first $(sed -n 3p "$OUT/out")"; return 1; }
	pt report --input "$PAGES/page1" --sysroot "$SYS" --functions --sort switches -n 1 || { WHY="--sort switches: exit $?"; return 1; }
	sed -n 3p "$OUT/out" | grep -qE ' 342  smpboot_thread_fn$' || { WHY="--sort switches: first $(sed -n 3p "$OUT/out")"; return 1; }
}

# By default stacks that differ only by offsets in the same functions are
# one; --by address keeps them apart.  Rank 4 made rank 1 but for ptd_spin's
# offset (0x30, not 0x20): 2.0 + 0.4 s, 24 + 7 switches.
by_function() {
	# The deleted library's frames and object line become the library's.
	sed "s|$L\\\\040(deleted)|$L|" "$PAGES/page1" | awk '!/^# object / || !seen[$0]++' > "$OUT/offsets-page"
	pt report --input "$OUT/offsets-page" --sysroot "$SYS" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has "rank 1: 2.400 s (78.4% of busy) count=31 pid=99 stack=complete comm=ptdemo" \
		"  #0 ptd_spin (libptdemo.so)" "  #4 main (ptdemo)" && lacks "+0x30" || return 1
	pt report --by address --input "$OUT/offsets-page" --sysroot "$SYS" || { WHY="--by address: exit $?"; return 1; }
	has "rank 1: 2.000 s (65.3% of busy) count=24 pid=99 stack=complete comm=ptdemo" \
		"rank 3: 400.000 ms (13.1% of busy) count=7 pid=- stack=complete comm=ptdemo" \
		"  #0 ptd_spin+0x30 (libptdemo.so)"
}

# --comm, --pid, --kind keep the stacks the page's rank lines say (awk on
# the page is the oracle); --inverted is --folded with the frames reversed.
filters_inverted() {
	for _f in "--comm ptdemo:comm=ptdemo" "--pid 14,15:pid=1[45] " "--kind kernel:kind=kernel" \
		"--comm ptdemo --kind user:kind=user .*comm=ptdemo"; do
		_opt=${_f%%:*} _re=${_f#*:}
		_want=$(awk -v re="$_re" '/^rank / && $0 ~ re { split($0, w, " ns="); split(w[2], v, " "); t += v[1] }
			END { printf "%.0f", t }' "$PAGES/page1")
		# shellcheck disable=SC2086 # the option and its value
		pt report --input "$PAGES/page1" --sysroot "$SYS" --folded $_opt || { WHY="$_opt: exit $?"; return 1; }
		_got=$(awk '{ t += $NF } END { printf "%.0f", t }' "$OUT/out")
		[ "$_got" = "$_want" ] && [ "$_got" != 0 ] || { WHY="$_opt: $_got ns charted, the page has $_want"; return 1; }
	done
	pt report --input "$PAGES/page1" --sysroot "$SYS" --folded --inverted || { WHY="--inverted: exit $?"; return 1; }
	awk '{ w = $NF; sub(/ [0-9]+$/, ""); n = split($0, s, ";"); line = s[1]
		for (i = n; i > 1; i--) line = line ";" s[i]; print line, w }' "$OUT/folded.txt" | sort > "$OUT/inverted-want.txt"
	sort "$OUT/out" | cmp -s - "$OUT/inverted-want.txt" ||
		{ WHY="--inverted is not --folded reversed: $(sort "$OUT/out" | diff - "$OUT/inverted-want.txt" | sed -n 2p)"; return 1; }
}

# A profile's time is its capture's: a saved page's modification time (not
# when it was converted), and no duration for a whole page.
pprof_time_of_capture() {
	cp "$PAGES/page1" "$OUT/dated-page" && touch -d '2020-01-02 03:04:05 UTC' "$OUT/dated-page"
	pt report --input "$OUT/dated-page" --sysroot "$SYS" --pprof "$OUT/dated.pb.gz" || { WHY="exit $?"; return 1; }
	go tool pprof -raw "$OUT/dated.pb.gz" > "$OUT/dated-raw.txt" 2>&1
	grep -qx 'Time: 2020-01-02 03:04:05 +0000 UTC' "$OUT/dated-raw.txt" ||
		{ WHY="not the page's mtime: $(grep '^Time' "$OUT/dated-raw.txt")"; return 1; }
	! grep -q '^Duration' "$OUT/dated-raw.txt" || { WHY="a duration for a whole page: $(grep '^Duration' "$OUT/dated-raw.txt")"; return 1; }
}

pprof_merge() {
	go tool pprof -proto "$OUT/a.pb.gz" "$OUT/b.pb.gz" > "$OUT/merged.pb.gz" 2> "$OUT/pprof.err" ||
		{ WHY="go tool pprof -proto: $(tail -n 1 "$OUT/pprof.err")"; return 1; }
	_a=$(pprof_time "$OUT/a.pb.gz" flat ptd_spin) _b=$(pprof_time "$OUT/b.pb.gz" flat ptd_spin)
	_m=$(pprof_time "$OUT/merged.pb.gz" flat ptd_spin)
	within "${_m:-0}" $((_a + _b)) || { WHY="merged ptd_spin ${_m:-?} ns, not $_a + $_b"; return 1; }
}

# report --base: page3 minus page1 is twice page1, stack by stack.
delta_report() {
	pt report --input "$PAGES/page3" --base "$PAGES/page1" --sysroot "$SYS" --folded ||
		{ WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	awk '{ w = $NF; sub(/[0-9]+$/, ""); printf "%s%.0f\n", $0, 2 * w }' "$OUT/folded.txt" | sort > "$OUT/delta-want.txt"
	sort "$OUT/out" | cmp -s - "$OUT/delta-want.txt" ||
		{ WHY="not twice page1's folded stacks: $(sort "$OUT/out" | diff - "$OUT/delta-want.txt" | sed -n 2p)"; return 1; }
	pt report --input "$PAGES/page3" --base "$PAGES/page1" --sysroot "$SYS" || { WHY="text: exit $?"; return 1; }
	has "rank 1: 4.000 s (65.3% of busy) count=48 pid=99 stack=complete comm=ptdemo" || return 1
	refused 1 "the counters went back" report --input "$PAGES/page1" --base "$PAGES/page3"
}

# --delta 1: two reads of the module's file (a FIFO giving page1, then
# page3), the difference in pprof with the first read's time and the
# duration between the reads.
delta_proc() {
	rm -f "$OUT/fifo3" && mkfifo "$OUT/fifo3" || { WHY="mkfifo failed"; return 1; }
	{ cat "$PAGES/page1" > "$OUT/fifo3"; sleep 0.5; cat "$PAGES/page3" > "$OUT/fifo3"; } &
	_w=$!
	BG_PIDS="$BG_PIDS $_w"
	_t0=$(date +%s%N)
	pt --delta 1 --sysroot "$SYS" --proc "$OUT/fifo3" --pprof "$OUT/delta.pb.gz"
	_rc=$? _t1=$(date +%s%N)
	kill "$_w" 2> /dev/null
	[ "$_rc" = 0 ] || { WHY="exit $_rc: $(cat "$OUT/err")"; return 1; }
	_t=$(pprof_time "$OUT/delta.pb.gz" flat ptd_spin)
	[ "${_t:-0}" = 4800000000 ] || { WHY="ptd_spin ${_t:-?} ns, not 2 x 2.4 s"; return 1; }
	go tool pprof -raw "$OUT/delta.pb.gz" > "$OUT/delta-raw.txt" 2>&1
	# go tool pprof -raw prints seconds as "1.01" (and "4ms" below one).
	grep -qE '^Duration: 1(\.[0-9]+)?s?$' "$OUT/delta-raw.txt" ||
		{ WHY="not a duration of 1 to 2 s: $(grep -E '^Duration' "$OUT/delta-raw.txt")"; return 1; }
	_at=$(date -d "$(sed -n 's/^Time: \(.*\) UTC$/\1/p' "$OUT/delta-raw.txt")" +%s%N)
	[ "$_at" -ge $((_t0 / 1000 * 1000)) ] && [ "$_at" -le $((_t1 - 900000000)) ] ||
		{ WHY="time $_at is not the first read's (run from $_t0 to $_t1)"; return 1; }
}

# ---- bad input --------------------------------------------------------------

# refused EXPECTED_STATUS PATTERN ARGS...: perftop ARGS exits with that status
# and one line on stderr, "perftop: " and PATTERN.
refused() {
	_want=$1 _pat=$2
	shift 2
	pt "$@"
	_rc=$?
	[ "$_rc" = 99 ] && return 1
	[ "$_rc" = "$_want" ] || { WHY="perftop $*: exit $_rc, not $_want: $(head -c 300 "$OUT/err")"; return 1; }
	[ "$(wc -l < "$OUT/err")" = 1 ] || { WHY="perftop $*: $(wc -l < "$OUT/err") lines on stderr"; return 1; }
	grep -qE "^perftop: .*$_pat" "$OUT/err" || { WHY="perftop $*: \"$(cat "$OUT/err")\" does not say $_pat"; return 1; }
}

bad_input() {
	_p=$PAGES/page1 _b=$OUT/bad
	mkdir -p "$_b"
	head -c "$(($(wc -c < "$_p") / 2))" "$_p" > "$_b/cut"
	head -n 12 "$_p" > "$_b/cut-at-line"
	sed 's/ ticks=4000000000 / ticks=4x000 /' "$_p" > "$_b/bad-number"
	sed '/^rank 3/s/ticks=[0-9]*/ticks=9000000000/' "$_p" > "$_b/out-of-order"
	grep -v 'bin/ptdemo$' "$_p" > "$_b/no-object"
	printf '\177ELF\002\001\001\000\000' > "$_b/binary"
	: > "$_b/empty"
	refused 1 "truncated page: the last line has no newline" report --input "$_b/cut" &&
		refused 1 "truncated page: no footer" report --input "$_b/cut-at-line" &&
		refused 1 "corrupt page: line 4: bad ticks" report --input "$_b/bad-number" &&
		refused 1 "corrupt page: line 11: ranks are not in decreasing order" report --input "$_b/out-of-order" &&
		refused 1 "corrupt page: no \"# object\" line for /usr/local/bin/ptdemo" report --input "$_b/no-object" &&
		refused 1 "not a perftop page" report --input "$_b/binary" &&
		refused 1 "empty page" report --input "$_b/empty" &&
		refused 1 "No such file or directory" report --input "$_b/none" &&
		refused 1 "Is a directory" report --input "$_b" &&
		refused 1 "sysroot $_b/none: No such file or directory" report --input "$_p" --sysroot "$_b/none" &&
		refused 1 "sysroot $_p: not a directory" report --input "$_p" --sysroot "$_p" &&
		refused 2 "report needs --input" report &&
		refused 2 "-n wants a number" -n 0
}

# The header counts the stacks that follow: every "rank" line and the "N
# more", with and without --idle.
header_count() {
	for _idle in "" --idle; do
		pt report --input "$PAGES/page1" --sysroot "$SYS" -n 3 $_idle || { WHY="exit $?"; return 1; }
		_said=$(sed -n '1s/^perftop [^:]*: \([0-9]*\) stacks.*/\1/p' "$OUT/out")
		_follow=$(awk '/^rank / { n++ } /^\([0-9]+ more stacks/ { n += substr($1, 2) } END { print n + 0 }' "$OUT/out")
		[ "$_said" = "$_follow" ] || { WHY="${_idle:-without --idle}: the header says $_said stacks, $_follow follow"; return 1; }
	done
}

# Random bytes and text are "not a perftop page"; a page of another major
# version is refused, a newer 0.x page read with a warning, an unknown kind=
# read as a stack.
page_versions() {
	_b=$OUT/bad
	mkdir -p "$_b"
	tail -c +4097 "$OBJS/ptdemo" | head -c 700 > "$_b/random"
	printf 'hello, world' > "$_b/text"
	sed '1s/perftop 0.2.0/perftop 9.0.0/' "$PAGES/page1" > "$_b/v9"
	sed '1s/perftop 0.2.0/perftop 0.3.0/' "$PAGES/page1" > "$_b/v03"
	sed '/^rank 3 /s/kind=kernel/kind=guest/' "$PAGES/page1" > "$_b/kind"
	refused 1 "not a perftop page" report --input "$_b/random" &&
		refused 1 "not a perftop page" report --input "$_b/text" &&
		refused 1 "a perftop 9.0.0 page: this perftop reads the 0.x format .*update perftop" report --input "$_b/v9" ||
		return 1
	pt report --by address --input "$_b/v03" --sysroot "$SYS" || { WHY="0.3.0: exit $?: $(cat "$OUT/err")"; return 1; }
	[ "$(wc -l < "$OUT/err")" = 1 ] && grep -q "^perftop: warning: .*a perftop 0.3.0 page, newer" "$OUT/err" ||
		{ WHY="0.3.0: not one warning: $(cat "$OUT/err")"; return 1; }
	has_lines "$NAMED" || return 1
	pt report --by address --input "$_b/kind" --sysroot "$SYS" || { WHY="kind=guest: exit $?: $(cat "$OUT/err")"; return 1; }
	has "rank 2: 500.000 ms (16.3% of busy) count=342 pid=14 stack=complete kind=guest comm=ksoftirqd/0" \
		"  #0 smpboot_thread_fn+0x147/0x1d0"
}

# "-" is standard input for --input, standard output for --svg and --pprof.
stdin_stdout() {
	pt report --by address --input - --sysroot "$SYS" < "$PAGES/page1" || { WHY="--input -: exit $?: $(cat "$OUT/err")"; return 1; }
	cmp -s "$OUT/out" "$OUT/report.txt" || { WHY="--input - differs from --input FILE"; return 1; }
	pt report --by address --input "$PAGES/page1" --sysroot "$SYS" --svg - # || { WHY="--svg -: exit $?"; return 1; }
	xmllint --noout "$OUT/out" 2> /dev/null && grep -q '<title>ptd_spin (' "$OUT/out" ||
		{ WHY="--svg - wrote no flame graph on stdout"; return 1; }
	pt report --by address --input "$PAGES/page1" --sysroot "$SYS" --pprof - || { WHY="--pprof -: exit $?"; return 1; }
	_t=$(pprof_time "$OUT/out" flat ptd_spin)
	[ "${_t:-0}" = 2400000000 ] || { WHY="--pprof -: go tool pprof reads ${_t:-nothing} for ptd_spin"; return 1; }
	refused 2 "only one of --folded, --svg - and --pprof -" report --input "$PAGES/page1" --folded --svg -
}

# One warning per file, on stderr, for files that cannot name their frames:
# not found, not ELF, another build.  Exit 0: the report is still made.
warnings_once() {
	printf 'not ELF\n' > "$SYS/usr/local/bin/notelf"
	sed -e "s|$L|/usr/local/lib/libgone.so|g" -e "s|$EXE|/usr/local/bin/notelf|g" "$PAGES/page1" > "$OUT/warn-page"
	pt report --input "$OUT/warn-page" --sysroot "$SYS" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	[ "$(wc -l < "$OUT/err")" = 2 ] &&
		grep -qx "perftop: warning: $SYS/usr/local/lib/libgone.so: not found: its frames are not named" "$OUT/err" &&
		grep -qx "perftop: warning: $SYS/usr/local/bin/notelf: not an ELF file: its frames are not named" "$OUT/err" ||
		{ WHY="not the two warnings: $(tr '\n' '|' < "$OUT/err")"; return 1; }
	pt report --input "$PAGES/mismatch" --sysroot "$SYS" || { WHY="mismatch: exit $?"; return 1; }
	[ "$(wc -l < "$OUT/err")" = 1 ] &&
		grep -qx "perftop: warning: $SYS$L: build-id $LIB_ID, not the profiled deadbeef.*: its frames are marked, not named" "$OUT/err" ||
		{ WHY="mismatch: not one warning: $(tr '\n' '|' < "$OUT/err")"; return 1; }
}

# C++ names are demangled, as nm -C prints them.
demangled() {
	_sym=_ZN2ns1K1fERSt6vectorIiSaIiEE
	_want=$(nm -C "$OBJS/ptdemo" | awk -v a="$(nm "$OBJS/ptdemo" | awk -v s="$_sym" '$3 == s { print $1 }')" \
		'$1 == a { sub(/^[0-9a-f]+ [A-Za-z] /, ""); print; exit }')
	[ -n "$_want" ] || { WHY="nm -C does not demangle $_sym"; return 1; }
	sed "s|$EXE+$A_WORK|$EXE+$(at "$OBJS/ptdemo" "$_sym" 4)|" "$PAGES/page1" > "$OUT/cxx-page"
	pt report --by address --input "$OUT/cxx-page" --sysroot "$SYS" || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	has "  #3 $_want+0x4 (ptdemo)"
}

# Read as nobody: a saved page that is root's, and a root-only proc file.
unreadable() {
	cp "$PAGES/page1" "$OUT/private" && chmod 0600 "$OUT/private"
	# nobody runs perftop from a copy it can reach.
	_bin=$(mktemp /tmp/perftop-test.XXXXXX) && cp "$SAN/perftop" "$_bin" && chmod 0755 "$_bin"
	_ok=0
	for _case in "$OUT/private:Permission denied" "/proc/1/environ:permission denied: reading it needs root"; do
		setpriv --reuid=65534 --regid=65534 --clear-groups "$_bin" --proc "${_case%%:*}" \
			> "$OUT/out" 2> "$OUT/err"
		_rc=$?
		if [ "$_rc" != 1 ] || [ "$(wc -l < "$OUT/err")" != 1 ] ||
			! grep -qF "perftop: ${_case%%:*}: ${_case#*:}" "$OUT/err"; then
			WHY="as nobody, --proc ${_case%%:*}: exit $_rc: $(head -c 300 "$OUT/err")"
			_ok=1
			break
		fi
	done
	rm -f "$_bin"
	return "$_ok"
}

module_not_loaded() {
	if [ -e /proc/perftop_all ]; then
		say "  /proc/perftop_all exists here: not checked"
		return 0
	fi
	refused 1 "module not loaded: systemctl start perftop" &&
		[ "$(cat "$OUT/err")" = "perftop: module not loaded: systemctl start perftop" ] ||
		{ WHY=${WHY:-"said: $(cat "$OUT/err")"}; return 1; }
}

fuzz() {
	"$SAN/fuzz" -n "$FUZZ_COUNT" -s "$SYS" "$PAGES/page1" "$PAGES/page3" "$PAGES/mismatch" \
		"$PAGES/v01" "$PAGES/two" > "$OUT/fuzz.out" 2> "$OUT/fuzz.err" ||
		{ WHY="$(grep -m1 -E 'ERROR|runtime error|fuzz:' "$OUT/fuzz.err")"; return 1; }
	say "  $(cat "$OUT/fuzz.out")"
}

# ---- the live view --------------------------------------------------------------

# A fake /proc/perftop_all whose times grow, rewritten every 0.25 s.
FAKE=$OUT/fake-proc
start_fake_proc() {
	page "$LIB_ID" "$EXE_ID" 1 > "$FAKE"
	(
		_k=1
		while :; do
			_k=$((_k + 1))
			page "$LIB_ID" "$EXE_ID" "$_k" > "$FAKE.tmp" && mv "$FAKE.tmp" "$FAKE"
			sleep 0.25
		done
	) &
	BG_PIDS="$BG_PIDS $!"
}

tm() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }

# wait_screen SECONDS REGEX: until the pane shows a line matching REGEX.
wait_screen() {
	_end=$(($(date +%s%N) + $1 * 1000000000))
	while [ "$(date +%s%N)" -lt "$_end" ]; do
		tm capture-pane -p -t live > "$OUT/screen.txt" 2> /dev/null
		grep -qE "$2" "$OUT/screen.txt" && return 0
		sleep 0.1
	done
	return 1
}

# live_session SECONDS COLUMNS: perftop -d SECONDS in a tmux window.
live_session() {
	rm -f "$OUT/live.rc"
	tm kill-server 2> /dev/null
	tm new-session -d -s live -x "$2" -y 30 \
		"'$SAN/perftop' -d $1 --sysroot '$SYS' --proc '$FAKE' 2> '$OUT/live.err'; echo \$? > '$OUT/live.rc'"
}

quit_with_q() {
	tm send-keys -t live q
	for _i in $(seq 50); do
		[ -s "$OUT/live.rc" ] && break
		sleep 0.1
	done
	[ "$(cat "$OUT/live.rc" 2> /dev/null)" = 0 ] ||
		{ WHY="q: exit status $(cat "$OUT/live.rc" 2> /dev/null), $(head -c 300 "$OUT/live.err")"; return 1; }
}

# Merged by function, the default: no offsets.
RANK1='^ +1 +[0-9.]+ +[0-9.]+ m?s +[0-9]+  ptdemo +ptd_spin \(libptdemo\.so\)'
live_tmux() {
	live_session 1 160
	wait_screen 3 "$RANK1" || { WHY="no rank 1 within 3 s: $(head -n 5 "$OUT/screen.txt" | tr '\n' '|')"; return 1; }
	cp "$OUT/screen.txt" "$OUT/live-screen.txt"
	quit_with_q
}

# A wider window shows more of the stack at once, not at the next report.
live_resize() {
	live_session 5 100
	wait_screen 7 "$RANK1" || { WHY="no rank 1"; return 1; }
	! grep -q '<- main' "$OUT/screen.txt" || { WHY="100 columns show the whole stack?"; return 1; }
	tm resize-window -t live -x 200
	wait_screen 1 "$RANK1.*<- ptdemo_work <- main" || { WHY="not redrawn at 200 columns"; return 1; }
	quit_with_q
}

# wait_first_function SECONDS REGEX: until the first row under the
# per-function view's header matches REGEX.
wait_first_function() {
	_end=$(($(date +%s%N) + $1 * 1000000000))
	while [ "$(date +%s%N)" -lt "$_end" ]; do
		tm capture-pane -p -t live > "$OUT/screen.txt" 2> /dev/null
		awk 'found { print; exit } / FUNCTION *$/ { found = 1 }' "$OUT/screen.txt" | grep -qE "$2" && return 0
		sleep 0.1
	done
	return 1
}

# Keys: f shows the per-function view, s sorts it by the next key (flat,
# then cumulative: main and ptdemo_work hold all of ptdemo's time).
live_keys() {
	live_session 0.5 160
	wait_screen 3 "$RANK1" || { WHY="no rank 1"; return 1; }
	tm send-keys -t live f
	wait_first_function 3 ' ptd_spin \(libptdemo\.so\) *$' ||
		{ WHY="f: no function view with ptd_spin first: $(grep -A1 FUNCTION "$OUT/screen.txt" | tr '\n' '|')"; return 1; }
	tm send-keys -t live s
	wait_first_function 3 ' main \(ptdemo\) *$' ||
		{ WHY="s: not sorted by cumulative time: $(grep -A1 FUNCTION "$OUT/screen.txt" | tr '\n' '|')"; return 1; }
	tm send-keys -t live f
	wait_screen 3 "$RANK1" || { WHY="f again: not the stacks"; return 1; }
	quit_with_q
}

live_plain() {
	pt -d 0.3 -c 2 --sysroot "$SYS" --proc "$FAKE" < /dev/null || { WHY="exit $?: $(cat "$OUT/err")"; return 1; }
	[ "$(grep -c '^ RANK' "$OUT/out")" = 2 ] || { WHY="not two reports"; return 1; }
	grep -qE "$RANK1" "$OUT/out" || { WHY="no rank 1"; return 1; }
	! grep -q "$(printf '\033')" "$OUT/out" || { WHY="escape sequences when not a terminal"; return 1; }
}

# Two stacks with one jhash (ksoftirqd/0's is set to ptdemo's): each keeps
# its own delta.  The two reads come from a FIFO, the page then the same
# page with every counter doubled: the deltas are page1's own numbers.
live_identity() {
	rm -f "$OUT/fifo2" && mkfifo "$OUT/fifo2" || { WHY="mkfifo failed"; return 1; }
	for _k in 1 2; do
		page "$LIB_ID" "$EXE_ID" "$_k" | sed 's/jhash=0x07a7c96d/jhash=0x593a7ba1/' > "$OUT/same-jhash$_k"
	done
	# The second write waits for the second open, one interval later.
	{ cat "$OUT/same-jhash1" > "$OUT/fifo2"; sleep 0.5; cat "$OUT/same-jhash2" > "$OUT/fifo2"; } &
	_w=$!
	BG_PIDS="$BG_PIDS $_w"
	pt -d 1 -c 1 --by address --sysroot "$SYS" --proc "$OUT/fifo2" < /dev/null
	_rc=$?
	kill "$_w" 2> /dev/null
	[ "$_rc" = 0 ] || { WHY="exit $_rc: $(cat "$OUT/err")"; return 1; }
	grep -qE '^ +[0-9]+ +[0-9.]+ +2\.000 s +24  ptdemo +ptd_spin\+0x20' "$OUT/out" &&
		grep -qE '^ +[0-9]+ +[0-9.]+ +500\.000 ms +342  ksoftirqd/0 ' "$OUT/out" ||
		{ WHY="not 2 s for ptdemo and 500 ms for ksoftirqd/0: $(grep -E 'ptdemo|ksoftirqd' "$OUT/out" | cut -c1-60 | tr '\n' '|')"; return 1; }
}

# The README stays short (perftop(1) is the reference) and keeps the two
# commands of a fresh machine, which .ci/run runs.
readme() {
	_r=$TOP/README.md
	[ "$(wc -l < "$_r")" -le 200 ] || { WHY="README.md has $(wc -l < "$_r") lines, more than 200"; return 1; }
	for _c in "sh .ci/deps.sh" "make check"; do
		grep -q "^    $_c " "$_r" || { WHY="README.md lost \"$_c\""; return 1; }
		grep -qx "$_c" "$TOP/.ci/run" || { WHY=".ci/run does not run \"$_c\""; return 1; }
	done
}

man_page() {
	mandoc -T lint -W warning "$SRC/perftop.1" > "$OUT/mandoc.txt" 2>&1 || { WHY=$(head -n 1 "$OUT/mandoc.txt"); return 1; }
	_w=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$SRC/perftop.1" 2>&1 > /dev/null)
	[ -z "$_w" ] || { WHY=$_w; return 1; }
}

# ---- main ------------------------------------------------------------------------

t "builds with -Wall -Wextra -Werror, plain and with ASan/UBSan, no warnings" build ||
	{ echo "$PASSED passed, $FAILED failed"; exit 1; }
[ "$FAILED" = 0 ] || { echo "$PASSED passed, $FAILED failed"; exit 1; }
t "names user frames from the split debug file (.build-id)" names_from_debug_file
t "-n: the top N ranks" top_n
t "without debug info: object+offset (.dynsym names exported functions)" fallback_without_debug_info
t "names from a local debuginfod, debug file removed" names_from_debuginfod
t "debuginfod: an executable not on disk, by build-id; DEBUGINFOD_PROGRESS" exe_from_debuginfod
stop_debuginfod
t "--sysroot adds to the host's debug directory (--debug-dir)" sysroot_adds_debug_dir
t "build-id mismatch: marked, never named" build_id_mismatch
t "a FIFO or a device as an object: not opened, no hang" odd_files
t "reads a perftop 0.1 page" old_format
t "--folded: weights add up to busy_ns, stacks outermost first" folded
t "--svg: valid XML, self-contained, names the functions" svg
t "--svg: headless Chromium screenshot (build/cli/flamegraph.png)" svg_screenshot
t "--svg: the script fits names and zooms" svg_script
t "--svg: labels in the file, fitted to their frames (no script needed)" svg_labels
t "--svg: #search=REGEX highlights matches, Matched share as --folded's" svg_search
t "--pprof: go tool pprof -top times within 1 %, build-ids in mappings" pprof
t "--pprof: two profiles merge with go tool pprof -proto" pprof_merge
t "--functions: flat and cumulative as go tool pprof -filefunctions; --sort" functions_view
t "stacks merged by function by default; --by address keeps offsets" by_function
t "--comm, --pid, --kind filters; --inverted" filters_inverted
t "--pprof: a function is (name, object); mappings give readelf's file offsets" pprof_identity
t "--pprof: time_nanos is the capture's (a saved page's mtime)" pprof_time_of_capture
t "report --base: the difference of two saved pages, stack by stack" delta_report
t "--delta: two reads, pprof with the first read's time and the duration" delta_proc
t "bad input: truncated, corrupt, missing: one line, non-zero exit" bad_input
t "bad input: random bytes and text are \"not a perftop page\"; 9.0.0 refused, 0.3.0 warned, new kind= read" page_versions
t "the report's header counts the stacks that follow, with and without --idle" header_count
t "--input -, --svg -, --pprof -: standard input and output" stdin_stdout
t "warnings: once per file, not found, not ELF, build-id mismatch; exit 0" warnings_once
t "C++ names demangled as nm -C does" demangled
t "unreadable page, privileged proc file: one line, exit 1" unreadable
t "module not loaded: says systemctl start perftop" module_not_loaded
t "fuzz: $FUZZ_COUNT mutated pages under ASan/UBSan" fuzz
t "unwind tables: rules match libdw at every address (libc, ld.so, python3.11, xz)" unwind_tables
t "unwind tables: $FUZZ_COUNT mutated .eh_frame per file under ASan/UBSan" unwind_fuzz
t "perftop tables: the upload of libc.so.6 is unwind.h's header, readelf's build-id, ehcheck's rows; errors" tables_upload
t "unwind: stopped python3, xz, sha256sum, unwindprog walked with the tables as eu-stack walks them, whole" unwind_walks
start_fake_proc
t "live: perftop -d 1 under tmux shows ranks within 3 s, q exits 0" live_tmux
t "live: redraws at once when the terminal is resized" live_resize
t "live: keys f (functions or stacks) and s (sort)" live_keys
t "live: plain repeated reports when stdout is not a terminal" live_plain
t "live: two stacks with one jhash keep their own deltas" live_identity
t "live: --functions, the per-function view of an interval" live_functions
t "names: one ELF lookup per (object, address) per process, report and live" names_cached
t "names: the cache is bounded, and starts over with the same names" names_bounded
t "perftop.1: mandoc -T lint and man --warnings clean" man_page
t "README.md: at most 200 lines, the two commands of a fresh machine kept" readme
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]

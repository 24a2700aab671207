# SPDX-License-Identifier: GPL-2.0-only
# Unwind tables (issue 22): uploaded by perftop(1)'s "perftop tables"
# (ptuwload: the same upload.c and ehtab.c, linked statically) through
# /proc/perftop_unwind.  The oracle for build-ids is readelf on the host
# (tests/buildids, written by build_initramfs).  Sourced by suite.sh.

UW=/proc/perftop_unwind

# uwfoot KEY: unwind_KEY= of /proc/perftop_unwind's footer.
uwfoot() {
	sed -n "s/.* unwind_$1=\([0-9]*\).*/\1/p" $UW
}

# uwstate: the footer's tables, bytes and refused, on one line.
uwstate() {
	echo "tables=$(uwfoot tables) bytes=$(uwfoot bytes) refused=$(uwfoot refused)"
}

# refused WHAT ERROR FILE: writing FILE in one write() fails with ERROR
# (dd's words for the errno), and the tables are as they were, but for one
# more refusal.
refused() {
	_before=$(uwstate)
	dd if="$3" of=$UW bs=4M 2> /tmp/dd.err && die "$1: the module took it"
	grep -q "$2" /tmp/dd.err || die "$1: not '$2': $(cat /tmp/dd.err)"
	_after=$(uwstate)
	_want=$(echo "$_before" | awk '{ split($3, r, "="); $3 = "refused=" r[2] + 1; print }')
	[ "$_after" = "$_want" ] || die "$1: the tables changed: $_before, then $_after"
	echo "$1: refused ($2), nothing changed"
}

# patch FILE OFFSET OCTAL...: those bytes at OFFSET.
patch() {
	_f=$1 _o=$2
	shift 2
	for _b; do
		printf "\\$_b" | dd of="$_f" bs=1 seek="$_o" conv=notrunc 2> /dev/null
		_o=$((_o + 1))
	done
}

# What the module wants is every file user frames lay in, with the
# build-id readelf read from it; ptuwload uploads each, and the module then
# holds a table of the rows it built, wants none of them, and counts their
# memory.  Bad uploads (each a good one with one thing wrong) are refused
# with EINVAL and change nothing; a good one replaces the table of its
# build-id; a header with no rows drops it; only root may open the file.
t_unwind_tables() {
	insmod $KO top=8192 || die "insmod failed"
	m=$(stat -c %a $UW)
	[ "$m" = 600 ] || die "$UW has mode $m, not 600"
	r=$(ptwork capsdrop $UW); [ "$r" = "uid=0 EPERM" ] || die "root without caps, $UW: $r"
	r=$(ptwork asuser 65534 $UW r); [ "$r" = EACCES ] || die "nobody, $UW: $r"
	ptpie loop 5 100000 > /dev/null || die "ptpie loop failed"
	dump /tmp/d
	cat $UW > /tmp/want || die "cannot read $UW"
	cat /tmp/want
	for f in /bin/ptpie /lib/libptlib.so; do
		id=$(awk -v f="$f" '$1 == f { print $2 }' /tests/buildids)
		grep -qx "want $id $f" /tmp/want || die "$UW does not want $f (build-id $id)"
	done
	grep '^want ' /tmp/want | while read -r _ id f; do
		grep -qx "$f $id" /tests/buildids || die "want $id $f: readelf reads another build-id"
	done || exit 1
	[ "$(uwfoot tables)" = 0 ] || die "tables before any upload"
	ptuwload > /tmp/up 2> /tmp/up.err || die "ptuwload failed: $(cat /tmp/up.err)"
	cat /tmp/up
	cat $UW > /tmp/have
	n=0 rows=0
	while read -r f id r; do
		r=${r%% rows*}
		grep -q "^table ${id%:} rows=$r bytes=" /tmp/have || die "no table of $r rows for $f"
		grep -q "^want ${id%:} " /tmp/have && die "$f is still wanted"
		n=$((n + 1)) rows=$((rows + r))
	done < /tmp/up
	[ "$n" -ge 2 ] || die "$n tables uploaded"
	[ "$(uwfoot tables)" = "$n" ] || die "the footer counts $(uwfoot tables) tables, not $n"
	b=$(uwfoot bytes)
	[ "$b" -ge $((rows * 8)) ] && [ "$b" -le $((rows * 8 + n * 256)) ] ||
		die "the footer counts $b bytes for $rows rows"
	dump /tmp/d
	[ "$(footer /tmp/d unwind_tables)" = "$n" ] || die "/proc/perftop's footer does not count the tables"
	echo "$n tables, $rows rows, $b bytes: $(tail -n 1 $UW)"

	: > /tmp/blob
	ptuwload --proc /tmp/blob --file /bin/ptpie > /dev/null || die "no table of ptpie"
	size=$(stat -c %s /tmp/blob)
	# The header is 36 bytes, then rows of 8: pc (4), cfa_off (2), rule, rbp_off.
	cp /tmp/blob /tmp/bad && patch /tmp/bad 0 130
	refused "no magic" "Invalid argument" /tmp/bad
	cp /tmp/blob /tmp/bad && patch /tmp/bad 4 2
	refused "an unknown version" "Invalid argument" /tmp/bad
	cp /tmp/blob /tmp/bad && patch /tmp/bad 12 0
	refused "a build-id of no bytes" "Invalid argument" /tmp/bad
	dd if=/tmp/blob of=/tmp/bad bs=$((size - 8)) count=1 2> /dev/null
	refused "one row short" "Invalid argument" /tmp/bad
	cp /tmp/blob /tmp/bad && patch /tmp/bad 44 0 0 0 0
	refused "rows not by rising pc" "Invalid argument" /tmp/bad
	cp /tmp/blob /tmp/bad && patch /tmp/bad 42 100
	refused "a rule of unknown flags" "Invalid argument" /tmp/bad
	cp /tmp/blob /tmp/bad && patch /tmp/bad 40 20 0 3 0
	refused "a PLT row's threshold of 16" "Invalid argument" /tmp/bad
	cp /tmp/blob /tmp/bad && patch /tmp/bad 40 1 0 1 1
	refused "rbp saved above the CFA" "Invalid argument" /tmp/bad

	before=$(uwstate)
	dd if=/tmp/blob of=$UW bs=4M 2> /dev/null || die "the good upload was refused"
	[ "$(uwstate)" = "$before" ] || die "a table uploaded again is not one table: $before, then $(uwstate)"
	# No rows: drop the table.
	dd if=/tmp/blob of=/tmp/drop bs=36 count=1 2> /dev/null && patch /tmp/drop 8 0 0 0 0
	dd if=/tmp/drop of=$UW bs=4M 2> /dev/null || die "the drop was refused"
	[ "$(uwfoot tables)" = $((n - 1)) ] || die "the drop left $(uwfoot tables) tables of $n"
	id=$(awk '$1 == "/bin/ptpie" { print $2 }' /tests/buildids)
	grep -q "^want $id /bin/ptpie" $UW || die "ptpie is not wanted after the drop"
	dd if=/tmp/drop of=$UW bs=4M 2> /tmp/dd.err && die "a second drop found a table"
	grep -q "No such file" /tmp/dd.err || die "a second drop: $(cat /tmp/dd.err)"
	# Another build in ptpie's place is not the file that ran: no table
	# (other files that ran since, ptuwload itself among them, are
	# uploaded).
	cp /bin/ptpie /tmp/ptpie && cp /bin/ptwork /bin/ptpie || die "cannot replace ptpie"
	ptuwload > /tmp/up 2> /tmp/up.err && die "ptuwload took another build for ptpie: $(cat /tmp/up)"
	cp /tmp/ptpie /bin/ptpie
	cat /tmp/up.err
	grep -q "^perftop: /bin/ptpie: build-id [0-9a-f]*, not the $id that ran" /tmp/up.err ||
		die "no word on ptpie's other build: $(cat /tmp/up.err)"
	grep -q "^want $id /bin/ptpie" $UW && ! grep -q "^table $id " $UW ||
		die "ptpie's table is held, or it is no longer wanted"
}

# unwind_kb: the tables' memory.  libc.so.6's table alone (about 221 KiB)
# fits in 232 KiB; with ld.so's (19 KiB) it does not, and the one used longest ago
# goes.  In 128 KiB it never fits (EFBIG); 0 takes none; above 1 GiB the
# load is refused.
t_unwind_limit() {
	libc=$(awk '$1 ~ /\/libc\.so\.6$/ { print $1 }' /tests/buildids)
	ld=$(awk '$1 ~ /\/ld-linux-x86-64\.so\.2$/ { print $1 }' /tests/buildids)
	[ -n "$libc" ] && [ -n "$ld" ] || die "no libc.so.6 or ld.so in the guest"
	insmod $KO unwind_kb=232 || die "insmod unwind_kb=232 failed"
	ptuwload --file "$libc" || die "libc's table refused in 232 KiB"
	[ "$(uwfoot tables)" = 1 ] || die "$(uwfoot tables) tables after libc's"
	ptuwload --file "$ld" || die "ld.so's table refused"
	echo "$(tail -n 1 $UW)"
	[ "$(uwfoot tables)" = 1 ] && [ "$(uwfoot evicted)" = 1 ] ||
		die "libc's table was not evicted for ld.so's"
	[ "$(uwfoot bytes)" -le $((232 * 1024)) ] || die "$(uwfoot bytes) bytes held in 232 KiB"
	id=$(awk -v f="$ld" '$1 == f { print $2 }' /tests/buildids)
	grep -q "^table $id " $UW || die "the table held is not ld.so's"
	rmmod perftop || die "rmmod failed"
	insmod $KO unwind_kb=128 || die "insmod unwind_kb=128 failed"
	: > /tmp/blob
	ptuwload --proc /tmp/blob --file "$libc" > /dev/null || die "no table of libc"
	refused "libc's table in 128 KiB" "File too large" /tmp/blob
	rmmod perftop || die "rmmod failed"
	insmod $KO unwind_kb=0 || die "insmod unwind_kb=0 failed"
	refused "any table with unwind_kb=0" "File too large" /tmp/blob
	rmmod perftop || die "rmmod failed"
	insmod $KO unwind_kb=1048577 2> /dev/null && die "unwind_kb=1048577 loaded"
	dmesg | grep -q 'unwind_kb=1048577 is out of range' || die "no word on unwind_kb=1048577"
}

# Hostile uploads: ptpie's table PT_FUZZ times (as fuzzed_writes) with a
# few bytes changed or cut (ptuwload --fuzz): the module takes exactly those
# that unwind.h's checks pass, refuses the rest with EINVAL, and counts
# them; on the debug kernel KASAN and kmemleak watch it.
t_unwind_fuzz() {
	n=${PT_FUZZ:-10000}
	insmod $KO || die "insmod failed"
	ptuwload --fuzz "$n" /bin/ptpie > /tmp/fz || die "$(cat /tmp/fz)"
	cat /tmp/fz
	r=$(sed -n 's/.* \([0-9]*\) refused.*/\1/p' /tmp/fz)
	[ "$(uwfoot refused)" = "$r" ] || die "the footer counts $(uwfoot refused) refused, not $r"
	[ "$r" -gt $((n / 3)) ] && [ "$r" -lt "$n" ] || die "$r of $n refused: the fuzz is not testing both ways"
	tail -n 1 $UW
}

# whole_share COMM MIN: at least MIN % of COMM's user time in /tmp/d is in
# stacks that reach the outermost frame.  On the debug kernel (KASAN,
# lockdep) a program's start, walked by frame pointers until the drain has
# taken its mappings, is a larger share: the test is there for the
# sanitizers, and the shares are shown, not held.
whole_share() {
	_w=$(ptcheck whole "$1" < /tmp/d 2> /tmp/cut) || die "$_w"
	cat /tmp/cut
	echo "$_w"
	echo "RESULT unwind_stacks $_w" >&3
	[ "$PT_KERNEL" != debug ] || return 0
	_p=$(echo "$_w" | sed 's/.* whole=//')
	awk -v p="$_p" -v m="$2" 'BEGIN { exit !(p >= m) }' ||
		die "$1: $_p % of its time in whole stacks, under $2 %"
}

# Whole stacks without frame pointers (issue 22).  ptnofp is ptpie built as
# Debian builds programs, with no frame pointers; xz and sha256sum
# (coreutils) are Debian's own, as are libc and ld.so.  Without tables the walk by frame
# pointers cuts ptnofp's stacks at once; once ptuwload (perftop tables) has
# uploaded the tables the module wants, every frame of its threads' stacks
# lies on the chain nm names, from the system call to the thread's start,
# and its loop's stack reaches _start; at least 90 % of each program's time
# is in whole stacks.  The programs run long enough (some 0.7 to 3 s under
# emulation) that their first moments, walked by frame pointers until the
# drain has taken their mappings (perftop(4)), weigh little: 10 to 40 ms of
# a run, mostly ld.so's.
t_unwind_stacks() {
	insmod $KO top=8192 max_entries=65536 || die "insmod failed"
	ptnofp threads 2 1 || die "ptnofp threads failed"
	dump_all /tmp/d
	ptcheck chain $NOFPSYMS lib_sleep,lib_work,pie_deep4 < /tmp/d > /tmp/c &&
		die "ptnofp's stacks are whole without tables: $(cat /tmp/c)"
	# What the module wants (files of live processes and of ranked frames:
	# libc, ld.so, busybox, libptnofp), and the programs about to run.
	ptuwload > /tmp/up 2> /tmp/up.err || die "ptuwload failed: $(cat /tmp/up.err)"
	ptuwload --file /bin/ptnofp /usr/bin/xz /usr/bin/sha256sum \
		/lib/x86_64-linux-gnu/liblzma.so.5 >> /tmp/up \
		2> /tmp/up.err || die "ptuwload --file failed: $(cat /tmp/up.err)"
	cat /tmp/up
	for f in /bin/ptnofp /lib/libptnofp.so /usr/bin/xz /usr/bin/sha256sum \
		/lib/x86_64-linux-gnu/libc.so.6; do
		grep -q "^$f " /tmp/up || die "no table uploaded for $f"
	done
	echo reset > /proc/perftop || die "reset refused"
	ptnofp threads 2 4 || die "ptnofp threads failed"
	ptnofp loop 40 300000 > /dev/null || die "ptnofp loop failed"
	/usr/bin/sha256sum /bin/busybox /bin/busybox /bin/busybox /bin/busybox /bin/busybox \
		/bin/busybox /bin/busybox /bin/busybox /bin/busybox /bin/busybox > /dev/null ||
		die "sha256sum failed"
	/usr/bin/xz -c -2 /bin/busybox > /dev/null || die "xz failed"
	dump_all /tmp/d
	c=$(ptcheck chain $NOFPSYMS \
		lib_sleep,lib_work,pie_deep4,pie_deep3,pie_deep2,pie_deep1,pie_thread < /tmp/d) ||
		die "ptnofp's threads: $c"
	echo "$c"
	c=$(ptcheck chain $NOFPSYMS lib_sleep,lib_work,pie_loop,loop,main < /tmp/d) ||
		die "ptnofp's loop: $c"
	echo "$c" | grep -q 'stack=complete' || die "ptnofp's loop stack is not whole: $c"
	whole_share ptnofp 90
	whole_share sha256sum 90
	whole_share xz 90
}

# Keys of up to max_depth frames (issue 22).  ptwork naps under 100 frames
# of wl_deep (nm's range for it), walked by its table (its static C
# library has no frame pointers): with max_depth=127 its stack is whole,
# every one of the 100 there; with the default, 64 frames marked limit.
# Out of range, max_depth refuses the load.
t_deep_stacks() {
	for p in max_depth=0 max_depth=128 "max_depth=8 depth=9"; do
		# shellcheck disable=SC2086 # two parameters in one
		insmod $KO $p 2> /tmp/err && die "insmod $p succeeded"
		grep -q "out of range" /tmp/err || dmesg | tail -n 3 | grep -q "out of range" ||
			die "insmod $p: no message"
	done
	insmod $KO max_depth=127 depth=127 || die "insmod max_depth=127 failed"
	ptuwload --file /bin/ptwork > /dev/null || die "no table of ptwork"
	ptwork deep 100 1 || die "ptwork deep failed"
	dump_all /tmp/d
	ptcheck format 1000000 127 < /tmp/d || die "bad format at max_depth=127"
	c=$(ptcheck depth $SYMS wl_deep ptwork < /tmp/d) || die "$c"
	echo "max_depth=127: $c"
	# Below wl_deep: main, the C library's start and _start; above it,
	# wl_deep_nap and the C library's usleep down to the system call.
	echo "$c" | grep -q ' stack=complete frames=108 in=100$' ||
		die "not 100 frames of wl_deep and 8 others, whole: $c"
	rmmod perftop || die "rmmod failed"
	insmod $KO || die "insmod failed"
	ptuwload --file /bin/ptwork > /dev/null || die "no table of ptwork"
	ptwork deep 100 1 || die "ptwork deep failed"
	dump_all /tmp/d
	c=$(ptcheck depth $SYMS wl_deep ptwork < /tmp/d) || die "$c"
	echo "default max_depth: $c"
	echo "$c" | grep -q ' stack=limit frames=64 ' || die "not 64 frames, limit: $c"
	rmmod perftop || die "rmmod failed"
	# A CPU table keeps its stacks' frames in an arena of 16 a slot: at
	# cpu_entries=16, 256 frames, two stacks of 118.  Four such processes
	# on one CPU: the stacks that do not fit are lost, and counted, not
	# written past it; those that do are whole.
	insmod $KO max_depth=127 cpu_entries=16 || die "insmod cpu_entries=16 failed"
	ptuwload --file /bin/ptwork > /dev/null || die "no table of ptwork"
	for i in 1 2 3 4; do
		taskset -c 0 ptwork deep 110 2 &
	done
	wait
	dump_all /tmp/d
	lost=$(footer /tmp/d lost)
	echo "4 stacks of 118 frames, arenas of 256: lost=$lost"
	[ "$lost" -gt 0 ] || die "no stack was lost: the arena took four stacks of 118 frames"
	c=$(ptcheck depth $SYMS wl_deep ptwork < /tmp/d) || die "$c"
	echo "$c" | grep -q ' stack=complete frames=118 in=110$' || die "not 110 frames of wl_deep, whole: $c"
}

# drop FILE: drop the unwind table of FILE (an upload with no rows).
drop() {
	: > /tmp/blob
	ptuwload --proc /tmp/blob --file "$1" > /dev/null || die "no table of $1"
	dd if=/tmp/blob of=/tmp/drop bs=36 count=1 2> /dev/null && patch /tmp/drop 8 0 0 0 0
	dd if=/tmp/drop of=$UW bs=4M 2> /dev/null || die "the drop of $1 was refused"
}

# threads_whole: after a reset and 2 s, ptnofp's threads' whole chain,
# from the system call to the thread's start (ptcheck chain's output).
threads_whole() {
	echo reset > /proc/perftop || die "reset refused"
	sleep 2
	dump_all /tmp/d
	ptcheck chain $NOFPSYMS \
		lib_sleep,lib_work,pie_deep4,pie_deep3,pie_deep2,pie_deep1,pie_thread < /tmp/d
}

# Views follow the tables (issue 22): a process that runs on, with no new
# mapping, is walked with a table from its upload on, and without it once
# it is dropped: every process's view is made again when a table comes or
# goes, before the one that went is freed.
t_unwind_views() {
	insmod $KO top=8192 || die "insmod failed"
	spawn ptnofp threads 1 60
	sleep 2
	c=$(threads_whole) && die "whole before any table: $(echo "$c" | head -n 1)"
	ptuwload --file /bin/ptnofp /lib/libptnofp.so /lib/x86_64-linux-gnu/libc.so.6 \
		> /dev/null || die "ptuwload failed"
	c=$(threads_whole) || die "not whole after the upload: $(echo "$c" | tail -n 1)"
	echo "after the upload: $c"
	drop /bin/ptnofp
	drop /lib/libptnofp.so
	c=$(threads_whole) && die "whole after the tables were dropped: $(echo "$c" | head -n 1)"
	echo "after the drop: cut, as before the upload"
}

# A process that wakes now and then (a daemon: systemd, perftop tables
# --follow itself) keeps its view while it lives, so that each wake is
# walked by its tables: ptworknf naps 0.4 s and computes 50 ms, ten times,
# its table uploaded, and at least 90 % of its time is in whole stacks.  (A memo, and its view,
# freed three drains after its last use made every wake after a nap of
# 0.3 s or more a walk by frame pointers: 1 to 3 % of systemd's and the
# service's time was whole in the package tests' root.)
t_unwind_daemon() {
	insmod $KO top=8192 || die "insmod failed"
	ptuwload --file /bin/ptworknf > /dev/null || die "no table of ptworknf"
	ptworknf napcompute 10 400000 50000 > /dev/null || die "ptworknf napcompute failed"
	dump_all /tmp/d
	whole_share ptworknf 90
}

# A new process of a program whose tables are held is walked by them from
# its first switch, before any drain has taken its mappings: the view of
# an earlier process of the same executable told where its executable,
# ld.so and libraries lie relative to its text and to AT_BASE
# (perftop(4), "binaries").  sha256sum (Debian's) of a small file, exec'd
# 40 times, lives a few tens of milliseconds, most of them ld.so's and
# libc's start, before or about the drain its first switch asks for: with
# its binary known, at least 90 % of its time is in whole stacks (without,
# a third to a half is walked by frame pointers, and cut).
t_unwind_first() {
	insmod $KO top=8192 || die "insmod failed"
	ptuwload --file /usr/bin/sha256sum > /dev/null || die "no table of sha256sum"
	/usr/bin/sha256sum /bin/busybox > /dev/null || die "sha256sum failed"
	# What its memo made wanted: libc, ld.so.
	ptuwload > /tmp/up 2> /tmp/up.err || die "ptuwload failed: $(cat /tmp/up.err)"
	cat /tmp/up
	for f in /lib/x86_64-linux-gnu/libc.so.6 /lib64/ld-linux-x86-64.so.2; do
		grep -q "^$(readlink -f $f) \|^$f " /tmp/up || die "no table uploaded for $f"
	done
	/usr/bin/sha256sum /bin/busybox > /dev/null || die "sha256sum failed"
	dump_all /tmp/d
	b=$(footer /tmp/d unwind_binaries) || die "no unwind_binaries in the footer"
	echo "binaries known: $b"
	grep '^binary ' $UW
	[ "$b" -ge 1 ] || die "no binary learned from sha256sum's view"
	echo reset > /proc/perftop || die "reset refused"
	i=0
	while [ $i -lt 40 ]; do
		/usr/bin/sha256sum /etc/passwd > /dev/null || die "sha256sum failed"
		i=$((i + 1))
	done
	dump_all /tmp/d
	# For the log: stacks of processes that exited before a drain named
	# them, whole (the first-switch walk alone) and in all.
	awk 'function flush() { if (u && ex) { r++; t += n; if (c) w += n } u = 0 }
		/^rank / { flush(); u = / kind=user comm=sha256sum$/; c = / stack=complete /
			n = $0; sub(/.* ns=/, "", n); sub(/ .*/, "", n); ex = 0; next }
		u && /the process exited before it was named/ { ex = 1 }
		END { flush(); printf "ranks of processes no drain named: %d, %.0f ns, %.0f ns of it whole\n", r, t, w }' /tmp/d
	whole_share sha256sum 90
	# A binary's mapping is used only where its table's build-id is found:
	# ptnofp, copied to /tmp/ptx, run (its binary learned), then rewritten
	# in place (same inode) with ptpie, the same program built with frame
	# pointers and ptlib: the probe finds ptpie's build-id where ptnofp's
	# was (unwind_misplaced; readelf's build-ids differ), and its new
	# processes are walked by frame pointers, whole, not by ptnofp's rows
	# at ptpie's code.
	cp /bin/ptnofp /tmp/ptx || die "cp failed"
	ptuwload --file /tmp/ptx /lib/libptnofp.so > /dev/null || die "no table of ptx"
	/tmp/ptx threads 1 0.5 || die "ptx threads failed"
	dump_all /tmp/d
	[ "$(footer /tmp/d unwind_binaries)" -gt "$b" ] ||
		die "no binary learned from ptx's view: $(grep '^# unwind_tables' /tmp/d); $(grep '^binary ' $UW | tr '\n' ' ')"
	m0=$(footer /tmp/d unwind_misplaced) || die "no unwind_misplaced in the footer"
	[ "$(awk '$1 == "/bin/ptpie" { print $2 }' /tests/buildids)" != \
		"$(awk '$1 == "/bin/ptnofp" { print $2 }' /tests/buildids)" ] ||
		die "readelf reads one build-id in ptpie and ptnofp"
	cat /bin/ptpie > /tmp/ptx || die "cannot rewrite /tmp/ptx"
	echo reset > /proc/perftop || die "reset refused"
	i=0
	while [ $i -lt 30 ]; do
		/tmp/ptx threads 1 0.05 || die "ptx (ptpie) threads failed"
		i=$((i + 1))
	done
	dump_all /tmp/d
	m1=$(footer /tmp/d unwind_misplaced)
	echo "binary mappings not used, another build-id there: $m0, then $m1"
	# (On the debug kernel the drain can take every process's mappings
	# before a switch reads the page: shown, not held, as the shares.)
	[ "$m1" -gt "$m0" ] || [ "$PT_KERNEL" = debug ] ||
		die "ptpie's build-id where ptnofp's binary placed its table went unseen"
	whole_share ptx 90
}

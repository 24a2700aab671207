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

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the Debian VM that tests/packages/run.sh boots, as the oneshot
# perftop-pkgtest.service after multi-user.target: checks what a user of the
# perftop-dkms package sees, writes "PASS name" / "FAIL name: why" lines (and
# "INFO ..." lines for the log) to the second serial port, and powers off.
exec 3>/dev/ttyS1
pass() { echo "PASS $*" >&3; }
fail() { echo "FAIL $*" >&3; }
info() { sed 's/^/INFO /' >&3; }
loaded() { grep -q '^perftop ' /proc/modules; }

k=$(uname -r)
echo "kernel $k, $(nproc) CPUs, up $(cut -d' ' -f1 /proc/uptime) s" | info

# The unit started the module at boot.
if [ "$(systemctl is-enabled perftop.service)" = enabled ]; then
	pass "unit enabled"
else
	fail "unit enabled: $(systemctl is-enabled perftop.service 2>&1)"
fi
if systemctl is-active --quiet perftop.service && loaded; then
	pass "perftop.service active, module loaded at boot"
else
	fail "perftop.service active, module loaded at boot: $(systemctl is-active perftop.service)"
fi
systemctl status --no-pager --lines=5 perftop.service 2>&1 | sed 's/^/status: /' | info

# It is the module DKMS built for this kernel, signed with DKMS's key.
f=$(modinfo -n perftop 2>&1)
case $f in
"/lib/modules/$k/updates/dkms/perftop.ko"*) pass "module is DKMS's build for $k" ;;
*) fail "module is DKMS's build for $k: modinfo -n says $f" ;;
esac
echo "modinfo: version=$(modinfo -F version perftop) signer=$(modinfo -F signer perftop)" | info
# For Secure Boot (README.md): DKMS signed it with its MOK, /var/lib/dkms/mok.pub.
if [ -s /var/lib/dkms/mok.pub ] && [ "$(modinfo -F signer perftop)" = "DKMS module signing key" ]; then
	pass "module signed with DKMS's MOK key"
else
	fail "module signed with DKMS's MOK key: signer '$(modinfo -F signer perftop)'"
fi

# /proc/perftop ranks stacks: give it a little work first.
i=0
while [ $i -lt 200 ]; do
	ls /usr/lib > /dev/null
	i=$((i + 1))
done
if [ -r /proc/perftop ] && grep -q '^rank 1 scheduled task: jhash=0x' /proc/perftop; then
	pass "/proc/perftop shows ranked entries"
else
	fail "/proc/perftop shows ranked entries: $(head -c 200 /proc/perftop 2>&1 | tr '\n' ' ')"
fi
head -n 8 /proc/perftop 2>&1 | sed 's/^/proc: /' | info
grep '^#' /proc/perftop 2>&1 | tail -n 3 | sed 's/^/proc: /' | info

# systemctl stop unloads the module, start loads it again.
systemctl stop perftop.service
if ! loaded && [ ! -e /proc/perftop ] && ! systemctl is-active --quiet perftop.service; then
	pass "systemctl stop perftop unloads the module"
else
	fail "systemctl stop perftop unloads the module: still loaded"
fi
systemctl start perftop.service
if loaded && systemctl is-active --quiet perftop.service &&
	grep -q '^# perftop ' /proc/perftop; then
	pass "systemctl start perftop loads it again"
else
	fail "systemctl start perftop loads it again: $(systemctl is-active perftop.service)"
fi

# The man page.
if man -w 4 perftop > /dev/null 2>&1 &&
	MANPAGER=cat MANWIDTH=80 man 4 perftop 2> /dev/null | grep -q '/proc/perftop'; then
	pass "man 4 perftop"
else
	fail "man 4 perftop: $(man -w 4 perftop 2>&1)"
fi

# perftop-tables.service (the perftop package) started with perftop.service,
# and uploads the unwind tables of what runs: a first xz makes its files
# wanted, and the service uploads them (/proc/perftop_unwind: "table
# BUILD-ID ...") within seconds.  The build-ids are those perftop tables
# reads from the files, writing to a plain file instead of the module.
if systemctl is-active --quiet perftop-tables.service; then
	pass "perftop-tables.service active with perftop.service"
else
	fail "perftop-tables.service active with perftop.service: $(systemctl is-active perftop-tables.service)"
fi
systemctl status --no-pager --lines=5 perftop-tables.service 2>&1 | sed 's/^/status: /' | info
head -c 3000000 /dev/urandom > /tmp/blob
# Python: a loop of a few seconds (no C recursion: 3.11 calls Python
# functions inside one _PyEval_EvalFrameDefault).
PYLOOP='s = 0
for i in range(600000):
    s += i * i % 7'
: > /tmp/tables.bin
ids=$(perftop tables --proc /tmp/tables.bin --file /usr/bin/xz \
	"$(readlink -f /usr/lib/x86_64-linux-gnu/liblzma.so.5)" "$(readlink -f /usr/bin/python3)" \
	/usr/bin/sha512sum | sed -n 's/^[^ ]* \([0-9a-f]*\): .*/\1/p' | tr '\n' ' ')
xz -T1 -6 -c /tmp/blob > /dev/null &
warm=$!
python3 -c "$PYLOOP" &
warmpy=$!
(while :; do sha512sum /tmp/blob > /dev/null; done) &
warmsha=$!
i=0 up=0
while [ -n "$ids" ] && [ $i -lt 120 ]; do
	up=0
	for id in $ids; do
		grep -q "^table $id " /proc/perftop_unwind && up=$((up + 1))
	done
	[ "$up" = "$(echo $ids | wc -w)" ] && break
	sleep 0.5
	i=$((i + 1))
done
kill $warm $warmpy $warmsha 2> /dev/null
wait $warm $warmpy $warmsha 2> /dev/null
grep -v '^want ' /proc/perftop_unwind | sed 's/^/unwind: /' | info
if [ -n "$ids" ] && [ "$up" = "$(echo $ids | wc -w)" ]; then
	pass "the service uploaded the tables of xz, liblzma, python3.11 and sha512sum ($ids) while they ran"
else
	fail "the service uploaded the tables of xz, liblzma, python3.11 and sha512sum: of '$ids', $up uploaded in $((i / 2)) s"
fi

# User frames of stock Debian binaries (PIE, shared libraries, no frame
# pointers) as file + offset: two xz on one CPU preempt each other inside
# liblzma; sha256sum, exec'd 40 times by a shell loop, lives milliseconds;
# on the other CPU python3 runs its loop, then sha512sum hashes the blob
# twice (processes of a second or so).
echo reset > /proc/perftop
taskset -c 0 xz -T1 -6 -c /tmp/blob > /dev/null &
taskset -c 0 xz -T1 -6 -c /tmp/blob > /dev/null &
(
	taskset -c 1 python3 -c "$PYLOOP"
	i=0
	while [ $i -lt 2 ]; do
		taskset -c 1 sha512sum /tmp/blob > /dev/null
		i=$((i + 1))
	done
) &
i=0
while [ $i -lt 40 ]; do
	sha256sum /etc/os-release > /dev/null
	i=$((i + 1))
done
wait
cp /proc/perftop_all /var/tmp/perftop_all.txt
cp /proc/perftop /var/tmp/perftop.txt
sed 's/^/top: /' /var/tmp/perftop.txt | head -n 40 | info
# For the host: perftop report --sysroot on this very page.
sed 's/^/PAGE /' /var/tmp/perftop_all.txt >&3
xzrank=$(grep -m1 -A8 'kind=user comm=xz$' /var/tmp/perftop_all.txt)
echo "$xzrank" | sed 's/^/xz: /' | info
if echo "$xzrank" | grep -Eq '^  #0 /usr/lib/x86_64-linux-gnu/liblzma\.so\.5[.0-9]*\+0x[0-9a-f]+$'; then
	pass "xz's top rank names liblzma.so.5 and an offset"
else
	fail "xz's top rank names liblzma.so.5 and an offset: $(echo "$xzrank" | head -n 2 | tr '\n' ' ')"
fi
# The share of COMM's time in whole stacks (down to _start,
# "stack=complete"): "PERCENT NS-WHOLE NS-ALL", or nothing.
whole() {
	awk -v c="$1" '/^rank / && $0 ~ (" kind=user comm=" c "$") { n = $0; sub(/.* ns=/, "", n); sub(/ .*/, "", n)
			t += n; if (/ stack=complete /) w += n }
		END { if (t) printf "%.1f %.0f %.0f", 100 * w / t, w, t }' /var/tmp/perftop_all.txt
}
# With the tables, each stock binary's stacks are whole: at least 90 % of
# its time.
for c in xz python3 sha512sum; do
	w=$(whole $c)
	echo "$c: whole stacks ${w%% *} % of its time (ns whole, ns all: ${w#* })" | info
	if [ -n "$w" ] && awk -v p="${w%% *}" 'BEGIN { exit !(p >= 90) }'; then
		pass "$c's time is in whole stacks (${w%% *} %), by the unwind tables"
	else
		fail "$c's time is in whole stacks: ${w%% *} % (90 % wanted)"
	fi
done
# For the log: the same share for the short sha256sum runs, the service
# itself and systemd (programs that wake now and then).
for c in sha256sum perftop systemd; do
	w=$(whole $c)
	[ -z "$w" ] || echo "$c: whole stacks ${w%% *} % of ${w##* } ns" | info
done
# A rank of sha256sum that several of its processes share, its first frame
# naming a file.
shrank=$(awk '/^rank / { keep = / comm=sha256sum$/ && $0 ~ / procs=([2-9]|[1-9][0-9]+) / }
	keep' /var/tmp/perftop_all.txt | head -n 2)
if echo "$shrank" | grep -Eq '^  #0 /usr/(bin/sha256sum|lib/x86_64-linux-gnu/[^ ]*)\+0x'; then
	pass "sha256sum's 40 short-lived processes share ranks, named by file"
else
	fail "sha256sum's 40 short-lived processes share ranks, named by file: $(echo "$shrank" | tr '\n' ' ')"
fi
# A process that exited before any drain saw it (or whose address space
# was locked at the only drain that did) is not named, and says so
# (perftop(4)); any other unresolved frame is a defect.
unnamed='(unresolved: (the process exited before it was named|its address space was locked))'
echo "frames of processes not named: $(grep -Ec "$unnamed" /var/tmp/perftop_all.txt)"
if grep '(unresolved' /var/tmp/perftop_all.txt | grep -Evq "$unnamed"; then
	fail "no bare address for a frame in a file mapping: $(grep '(unresolved' /var/tmp/perftop_all.txt | grep -Ev -m1 "$unnamed")"
else
	pass "no bare address for a frame in a file mapping"
fi

# The perftop command against the module (tools/perftop/tests/guest-cli.sh).
if [ -x /usr/local/sbin/perftop-clitest ]; then
	/usr/local/sbin/perftop-clitest >&3 2>&1
fi

# No warning or oops since boot: only O and E (out-of-tree, unsigned by the
# distribution) may taint the kernel.
t=$(cat /proc/sys/kernel/tainted)
if [ $((t & ~0x3000)) -eq 0 ]; then
	pass "kernel not tainted beyond O/E"
else
	fail "kernel not tainted beyond O/E: tainted=$t"
fi

echo "DONE" | info
sync
# As the initramfs's init: QEMU exits with status 33, "ran to the end".
printf '\020' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
systemctl poweroff

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tests/run's disk check (disk_room in tests/lib.sh), against df:
#  1. a run that would leave less than PERFTOP_DISK_RESERVE_MB free stops
#     before it builds or starts anything, with one FAIL line saying so;
#  2. a suite's cache counts only while it is missing: the debug suite
#     needs at least 2 GiB more with no debug kernel than with one.
set -u
TESTS=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "disk: $*"; exit 1; }
free=$(df -Pk "$tmp" | awk 'NR == 2 { print int($4 / 1024) }')
[ -n "$free" ] || fail "df gave no free space for $tmp"

PERFTOP_CACHE=$tmp/cache PERFTOP_BUILD=$tmp/build PERFTOP_DISK_RESERVE_MB=$((free + 1024)) \
	"$TESTS/run" guest > "$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ "$rc" -ne 0 ] || fail "a run with $free MiB free and a reserve of $((free + 1024)) MiB passed"
grep -Eq "^FAIL disk: [0-9]+ MiB free in $tmp/(cache|build), the suites \(guest\) need about [0-9]+ MiB" "$tmp/out" ||
	fail "no FAIL line naming the free space and the need"
grep -qx '0 passed, 1 failed, 0 skipped' "$tmp/out" || fail "no summary line"
[ ! -e "$tmp/build/tools" ] && [ -z "$(ls -A "$tmp/build/jobs" 2> /dev/null)" ] ||
	fail "the run built or started something: $(ls "$tmp/build" "$tmp/build/jobs" | tr '\n' ' ')"

# 2: the same reserve, 1 GiB under the free space; the debug kernel's
# figure is above 2 GiB, so without it the check fails, and with a
# complete one it passes.
[ "$free" -gt 4096 ] || { echo "only $free MiB free: part 2 needs 4 GiB"; exit 77; }
room() {
	(
		. "$TESTS/lib.sh"
		CACHE=$tmp/cache2 BUILD=$tmp/build2 PERFTOP_DISK_RESERVE_MB=$((free - 1024 - 512))
		disk_room "$@"
	)
}
room debug > "$tmp/cold" && fail "the debug suite, with no debug kernel, fitted in 1 GiB: $(cat "$tmp/cold")"
mkdir -p "$tmp/cache2/debug-kernel/k" && touch "$tmp/cache2/debug-kernel/k/.complete"
room debug > "$tmp/warm" || fail "the debug suite, with its kernel built, did not fit in 1 GiB: $(cat "$tmp/warm")"
echo "disk: $free MiB free; a run short of room stopped at once; the debug kernel's build counted only while missing"

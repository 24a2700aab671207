#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench-names: how fast perftop(1) names a full table, on the host.
#
# A synthetic program with 1000 functions (symbols in the file, a build-id)
# and a page of STACKS stacks of FRAMES frames drawn from ADDRS distinct
# addresses inside them (the module's default table: 8192 stacks, 8 frames;
# 3000 addresses), then:
#   - perftop report on that page, ROUNDS times: median and min/max wall
#     time, and the CPU time (user + sys) a run takes;
#   - perftop -d 1 for LIVE_SECONDS on a proc file rewritten every 0.5 s
#     with the same stacks and growing counters: its CPU time (user + sys)
#     as a share of one CPU.
# Timings are reported, never asserted.  PERFTOP=path/to/perftop measures
# another build (an older commit's, for a before/after).
#   STACKS=8192 FRAMES=8 ADDRS=3000 ROUNDS=5 LIVE_SECONDS=10 tests/bench/names.sh
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${PERFTOP_BUILD:-$TOP/build}/bench-names
STACKS=${STACKS:-8192} FRAMES=${FRAMES:-8} ADDRS=${ADDRS:-3000}
ROUNDS=${ROUNDS:-5} LIVE_SECONDS=${LIVE_SECONDS:-10}
SYS=$OUT/sysroot
PROG=/usr/local/bin/ptbench

say() { printf '%s\n' "$*" >&2; }
mkdir -p "$OUT" "$SYS/usr/local/bin"
if [ -z "${PERFTOP:-}" ]; then
	make -C "$TOP/tools/perftop" O="$OUT/perftop" all > "$OUT/build.log" 2>&1 ||
		{ say "perftop did not build (see $OUT/build.log)"; exit 1; }
	PERFTOP=$OUT/perftop/perftop
fi

# The program: 1000 functions, each long enough for three addresses.
awk 'BEGIN {
	for (i = 0; i < 1000; i++)
		printf "int bench_fn_%d(int x) { x = x * 3 + %d; x ^= x >> 3; x = x * 7 + 1; return x; }\n", i, i
	print "int main(void) { return bench_fn_0(1); }"
}' > "$OUT/ptbench.c"
cc -O0 -g -fno-pie -no-pie -Wl,--build-id -o "$SYS$PROG" "$OUT/ptbench.c"
ID=$(readelf -n "$SYS$PROG" | sed -n 's/^ *Build ID: *//p')
# ADDRS addresses: spread over the functions, several inside each.
nm -S "$SYS$PROG" | awk -v n="$ADDRS" '$4 ~ /^bench_fn_/ { a[k++] = $1 " " $2 }
END {
	for (i = 0; i < n; i++) {
		split(a[i % k], f, " ")
		printf "%s %s %d\n", f[1], f[2], int(i / k)
	}
}' > "$OUT/addrs.txt"
# Hex arithmetic in the shell, once: "0xADDR" per line.
while read -r _a _s _j; do
	printf '0x%x\n' $((0x$_a + 1 + (_j * 0x$_s / 4) % 0x$_s))
done < "$OUT/addrs.txt" > "$OUT/addrs.hex"
[ "$(sort -u "$OUT/addrs.hex" | wc -l)" -ge "$ADDRS" ] || say "fewer than $ADDRS distinct addresses"

# page SCALE: the table, every counter times SCALE; the same stacks each time.
page() {
	awk -v scale="$1" -v stacks="$STACKS" -v frames="$FRAMES" -v prog="$PROG" -v id="$ID" '
	NR == FNR { addr[n++] = $1; next }
	END {
		srand(1)
		print "# perftop 0.2.0: on-CPU time per unique stack trace, charged at every context switch"
		print "# time unit: rdtsc ticks; tsc_khz=2000000 (ns = ticks * 1000000 / tsc_khz)"
		printf "# all %d stacks by cumulative time, all frames, idle included; drained at this read\n", stacks
		busy = 0
		for (r = 1; r <= stacks; r++) {
			t = (stacks - r + 1) * 1000 * scale
			busy += t
			printf "rank %d scheduled task: jhash=0x%08x ticks=%d ns=%d count=%d procs=1 stack=complete pid=%d kind=user comm=bench%d\n",
				r, r, t, t / 2, scale, 1000 + r % 50, r % 50
			for (f = 0; f < frames; f++)
				printf "  #%d %s+%s\n", f, prog, addr[int(rand() * n)]
		}
		printf "# switches=%d entries=%d/8192 evicted=0 lost=0 lost_ticks=0 gaps=0 gap_ticks=0 missed=0\n", stacks * scale, stacks
		printf "# busy_ticks=%d busy_ns=%d idle_ticks=0 idle_ns=0\n", busy, busy / 2
		printf "# object build-id=%s %s\n", id, prog
	}' "$OUT/addrs.hex" /dev/null
}
page 1 > "$OUT/page"
say "page: $STACKS stacks x $FRAMES frames, $(sort -u "$OUT/addrs.hex" | wc -l) distinct addresses in $PROG"

ns() { date +%s%N; }
: > "$OUT/report.times"
for _r in $(seq "$ROUNDS"); do
	_t0=$(ns)
	"$PERFTOP" report --input "$OUT/page" --sysroot "$SYS" -n 5 > "$OUT/report.txt"
	echo $((($(ns) - _t0) / 1000000)) >> "$OUT/report.times"
done
grep -q 'bench_fn_' "$OUT/report.txt" || { say "nothing was named: $(head -n 3 "$OUT/report.txt")"; exit 1; }
# Its CPU time too (user + sys, from times): a busy host stretches the
# wall time of a run, much less the CPU time it takes.
(
	for _r in $(seq "$ROUNDS"); do
		"$PERFTOP" report --input "$OUT/page" --sysroot "$SYS" -n 5 > /dev/null
	done
	times > "$OUT/report.cpu"
)
_cpu=$(sed -n 2p "$OUT/report.cpu" | awk '{ split($1, u, /[ms]/); split($2, y, /[ms]/)
	printf "%d", 1000 * (u[1] * 60 + u[2] + y[1] * 60 + y[2]) }')
sort -n "$OUT/report.times" | awk -v cpu="$_cpu" '{ t[NR] = $1 } END {
	printf "report, full table named: median %d ms (min %d, max %d, %d rounds); CPU %d ms a run\n",
		t[int((NR + 1) / 2)], t[1], t[NR], NR, cpu / NR }'

# The live view at -d 1 on a table whose counters grow every 0.5 s.
(
	_k=1
	while :; do
		_k=$((_k + 1))
		page "$_k" > "$OUT/proc.tmp" && mv "$OUT/proc.tmp" "$OUT/proc"
		sleep 0.5
	done
) &
_writer=$!
trap 'kill $_writer 2> /dev/null' EXIT
page 1 > "$OUT/proc"
(
	"$PERFTOP" -d 1 -c "$LIVE_SECONDS" --sysroot "$SYS" --proc "$OUT/proc" < /dev/null > /dev/null
	times > "$OUT/live.times"
)
_cpu=$(sed -n 2p "$OUT/live.times")
# "0m1.23s 0m0.45s": the children's user and system time.
echo "$_cpu" | awk -v s="$LIVE_SECONDS" '{
	split($1, u, /[ms]/); split($2, y, /[ms]/)
	cpu = u[1] * 60 + u[2] + y[1] * 60 + y[2]
	printf "live view -d 1: %.2f s of CPU in %d s, %.1f %% of one CPU\n", cpu, s, 100 * cpu / s }'

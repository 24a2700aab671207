# SPDX-License-Identifier: GPL-2.0-only
# make bench, guest side: the same workloads under each configuration,
# alternating in one boot.  Lines on fd 3:
#   BENCH cfg=X round=N pinned_us=.. cross_us=.. fork_us=..
#   COST cfg=X calls=.. avg=.. max=.. p50=.. p99=..   (perftop's own footer)
#   TICK cfg=d splits=.. avg=.. max=.. seconds=.. tsc_khz=.. (the tick path,
#        under a program that never blocks, pinned to CPU 1)
# Configurations: a no module, b empty kprobe, c capture + hash only,
# d perftop, e perftop with 10 000 stacks in its table, f bpftrace running
# perftop.bt (the Debian root only); g perftop on the same workloads built
# without frame pointers (ptworknf), walked by its unwind table, h the same
# without the table (one frame: what the walk by tables replaces).

# bpftrace compiles its program first: wait until it says it attached.
bench_bpftrace_start() {
	bpftrace /tests/perftop.bt > /tmp/bt.out 2>&1 &
	BT=$!
	n=0
	while ! grep -q '^Attaching' /tmp/bt.out; do
		n=$((n + 1))
		if [ $n -gt 300 ] || ! kill -0 $BT 2>/dev/null; then
			echo "BENCHERR cfg=f bpftrace did not attach: $(tail -n 3 /tmp/bt.out | tr '\n' ' ')" >&3
			return 1
		fi
		sleep 1
	done
	sleep 1
}

# bpftrace prints its maps and exits on SIGINT.  Twice in about a hundred
# stops it never did (and the VM made no progress after): give it a minute,
# then say where it is and kill it.
bench_bpftrace_stop() {
	kill -INT $BT
	n=0
	while [ -e /proc/$BT ] && ! grep -q '^State:.*Z' /proc/$BT/status 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 60 ]; then
			echo "BENCHERR cfg=f bpftrace still running 60 s after SIGINT:" \
				"$(grep '^State' /proc/$BT/status | tr '\t' ' ')" \
				"$(for t in /proc/$BT/task/*; do echo "[${t##*/} $(cat $t/wchan)] $(head -n 3 $t/stack | tr '\n' ' ')"; done | tr '\n' ' ')" >&3
			kill -KILL $BT
			break
		fi
		sleep 1
	done
	wait $BT
	echo "BTSTAT cfg=f stacks=$(grep -c '^@ns\[' /tmp/bt.out) lines=$(wc -l < /tmp/bt.out)" >&3
}

bench_setup() {
	case $1 in
	a) ;;
	b) insmod /perftop_floor.ko ;;
	c) insmod /perftop_capture.ko ;;
	d) insmod $KO ;;
	e) insmod $KO max_entries=16384
	   ptwork stacks 10000
	   n=$(footer /proc/perftop entries)
	   [ "$n" -ge 10000 ] || echo "BENCHERR cfg=e only $n entries" >&3 ;;
	f) bench_bpftrace_start ;;
	g) insmod $KO
	   ptuwload --file "$(command -v ptworknf)" > /dev/null ||
		echo "BENCHERR cfg=g no table uploaded for ptworknf" >&3 ;;
	h) insmod $KO ;;
	esac
}

bench_teardown() {
	case $1 in
	d | e | g | h)
	   grep '^# handler_ticks' /proc/perftop | sed "s/^# handler_ticks/COST cfg=$1/" >&3
	   [ "$1" != g ] || bench_whole
	   rmmod perftop ;;
	b) rmmod perftop_floor ;;
	c) rmmod perftop_capture ;;
	f) bench_bpftrace_stop ;;
	esac
}

us() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# (g) walks ptworknf's stacks by its table: whole, or the cost says nothing.
# Not all of them: its fork children, until the drain takes their new
# address spaces, are walked by frame pointers (8 to 12 % here).
bench_whole() {
	cat /proc/perftop_all > /tmp/bw
	w=$(ptcheck whole ptworknf < /tmp/bw 2> /dev/null)
	echo "WHOLE cfg=g $w" >&3
	echo "$w" | awk '{ sub(/.*whole=/, ""); exit !($1 >= 80) }' ||
		echo "BENCHERR cfg=g ptworknf's stacks are not whole: $w" >&3
}

bench_once() {
	w=ptwork
	case $1 in g | h) w=ptworknf ;; esac
	pinned=$($w pingpong ${PT_PINGPONG:-5000} 0 0 | us us_per_round)
	cross=$($w pingpong ${PT_CROSS:-3000} 0 1 | us us_per_round)
	fork=$(taskset -c 0 $w forkexec ${PT_FORK:-20} /bin/true | us us_per_exec)
	echo "BENCH cfg=$1 round=$2 pinned_us=$pinned cross_us=$cross fork_us=$fork" >&3
}

suite_bench() {
	configs=$(echo "${PT_CONFIGS:-a,b,c,d,e}" | tr , ' ')
	# One unmeasured pass warms the caches (and QEMU's translation cache).
	for c in $configs; do
		bench_setup $c
		PT_PINGPONG=500 PT_CROSS=300 PT_FORK=10 bench_once $c 0 3>/dev/null
		bench_teardown $c 3>/dev/null
	done
	r=1
	while [ $r -le "${PT_ROUNDS:-5}" ]; do
		for c in $configs; do
			bench_setup $c
			bench_once $c $r
			bench_teardown $c
		done
		r=$((r + 1))
	done
	bench_tick
}

# The tick path's own cost: ticks of a CPU busy with a program that never
# blocks, where every tick captures its user stack and begins a slice.
bench_tick() {
	insmod $KO || { echo "BENCHERR cfg=d insmod for the tick path failed" >&3; return; }
	echo reset > /proc/perftop
	taskset -c 1 ptwork phases ${PT_TICK_SECONDS:-5} > /dev/null
	k=$(sed -n 's/.*tsc_khz=\([0-9]*\).*/\1/p' /proc/perftop)
	grep '^# tick_ticks' /proc/perftop |
		sed "s/^# tick_ticks/TICK cfg=d seconds=${PT_TICK_SECONDS:-5} tsc_khz=$k/" >&3
	rmmod perftop
}

# make bench's scaling rows, on a boot with N vCPUs: one ping-pong pair
# pinned to each CPU, all at once, under perftop; its handler's cost from
# the footer (which must not grow with N: no line is shared); then 10 000
# stacks in the table, and what a read (which drains first) and a drain
# cost.
# One ping-pong pair pinned to each CPU, all at once: the median of their
# us per round (a round is two switches on its CPU).
pairs_us() {
	c=0
	pids=""
	while [ $c -lt "$NCPU" ]; do
		ptwork pingpong ${PT_PINGPONG:-5000} $c $c > /tmp/pp.$c &
		pids="$pids $!"
		c=$((c + 1))
	done
	wait $pids
	cat /tmp/pp.* | us us_per_round | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

# The pairs with no module, with the module as it was before per-CPU
# accounting (/perftop_before.ko, when the bench built it), and with
# perftop, three rounds alternating; then perftop's handler cost from its
# footer, and a read and a drain with 10 000 stacks in the table.
suite_scale() {
	n0="" nb="" np=""
	for r in 1 2 3; do
		n0="$n0 $(pairs_us)"
		if [ -e /perftop_before.ko ]; then
			insmod /perftop_before.ko || { echo "BENCHERR scale: the 'before' module did not load" >&3; return; }
			nb="$nb $(pairs_us)"
			rmmod perftop
		fi
		insmod $KO max_entries=16384 || { echo "BENCHERR scale: insmod failed" >&3; return; }
		np="$np $(pairs_us)"
		[ $r = 3 ] || rmmod perftop
	done
	# shellcheck disable=SC2086 # word lists on purpose
	none=$(median3 $n0) us=$(median3 $np) before=0
	# shellcheck disable=SC2086
	[ -n "$nb" ] && before=$(median3 $nb)
	cost=$(grep '^# handler_ticks' /proc/perftop | sed 's/^# handler_ticks //')
	ptwork stacks 10000
	n=$(footer /proc/perftop entries)
	t0=$(ptcheck now)
	i=0
	while [ $i -lt 20 ]; do
		cat /proc/perftop > /dev/null
		i=$((i + 1))
	done
	t1=$(ptcheck now)
	drain=$(grep '^# drains' /proc/perftop | sed 's/^# //')
	echo "SCALE smp=$NCPU pairs=$NCPU none_us=$none before_us=$before us_per_round=$us $cost entries=$n read_us=$(((t1 - t0) / 20000)) $drain" >&3
	rmmod perftop
}

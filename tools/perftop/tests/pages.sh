# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Fixture pages in the /proc/perftop_all format (perftop(4)), sourced by
# tests/run.sh.  Their user frames point inside the test workload's
# functions, at addresses taken from nm on the unstripped objects.
#
#   addresses                  reads the functions' addresses (call first)
#   page LIB_ID EXE_ID SCALE   prints a page; SCALE multiplies the times
#                              (two "runs" of the same workload)
# Needs: $OBJS, the folder with the unstripped ptdemo and libptdemo.so.

LIB=/usr/local/lib/libptdemo.so
EXE=/usr/local/bin/ptdemo
NOPIE=/usr/local/bin/ptdemo-nopie

# at FILE SYMBOL OFFSET: "0x..." of SYMBOL + OFFSET, as nm gives SYMBOL.
at() {
	_a=$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }')
	[ -n "$_a" ] || { echo "no symbol $2 in $1" >&2; return 1; }
	printf '0x%x' $((0x$_a + $3))
}

# The expected text of a user frame: "func+0xOFF (object)".
named() { echo "$2+0x$(printf '%x' "$3") ($1)"; }

build_id() { readelf -n "$1" | sed -n 's/^ *Build ID: *//p'; }

# The frames' addresses, once: page() is called every 0.25 s by the live test.
addresses() {
	A_SPIN=$(at "$OBJS/libptdemo.so" ptd_spin 0x20) &&
		A_SPIN2=$(at "$OBJS/libptdemo.so" ptd_spin 0x30) &&
		A_INNER=$(at "$OBJS/libptdemo.so" ptd_inner 0x12) &&
		A_RUN=$(at "$OBJS/libptdemo.so" ptd_run 0x12) &&
		A_WORK=$(at "$OBJS/ptdemo" ptdemo_work 0x12) &&
		A_MAIN=$(at "$OBJS/ptdemo" main 0x40) &&
		N_WORK=$(at "$OBJS/ptdemo-nopie" ptdemo_work 0x12) &&
		N_MAIN=$(at "$OBJS/ptdemo-nopie" main 0x40)
}

# Two programs, each with its main: ptdemo (PIE) and ptdemo-nopie (ET_EXEC).
# page_two LIB_ID EXE_ID NOPIE_ID
page_two() {
	cat <<-EOF
	# perftop 0.2.0: on-CPU time per unique stack trace, charged at every context switch
	# time unit: rdtsc ticks; tsc_khz=2000000 (ns = ticks * 1000000 / tsc_khz); tsc constant=yes nonstop=yes stable=yes
	# all 2 stacks by cumulative time, all frames, idle included; drained at this read
	rank 1 scheduled task: jhash=0x593a7ba1 ticks=3000000000 ns=1500000000 count=30 procs=1 stack=complete pid=99 kind=user comm=ptdemo
	  #0 $LIB+$A_SPIN
	  #1 $LIB+$A_INNER
	  #2 $LIB+$A_RUN
	  #3 $EXE+$A_WORK
	  #4 $EXE+$A_MAIN
	rank 2 scheduled task: jhash=0x11111111 ticks=1000000000 ns=500000000 count=10 procs=1 stack=complete pid=100 kind=user comm=ptdemo-nopie
	  #0 $LIB+$A_SPIN
	  #1 $LIB+$A_INNER
	  #2 $LIB+$A_RUN
	  #3 $NOPIE+$N_WORK
	  #4 $NOPIE+$N_MAIN
	# switches=40 entries=2/8192 evicted=0 lost=0 lost_ticks=0 gaps=0 gap_ticks=0 missed=0
	# busy_ticks=4000000000 busy_ns=2000000000 idle_ticks=0 idle_ns=0
	# object build-id=$1 $LIB
	# object build-id=$2 $EXE
	# object build-id=$3 $NOPIE
	EOF
}

page() {
	_s=$3
	# ticks at tsc_khz=2000000: ns = ticks / 2.
	_t1=$((4000000000 * _s)) _t2=$((3000000000 * _s)) _t3=$((1000000000 * _s))
	_t4=$((800000000 * _s)) _t5=$((200000000 * _s)) _t6=$((100000000 * _s))
	_other=$((20000000 * _s)) _lost=$((2000000 * _s))
	_busy=$((_t1 + _t3 + _t4 + _t5 + _t6 + _other + _lost))
	cat <<-EOF
	# perftop 0.2.0: on-CPU time per unique stack trace, charged at every context switch
	# time unit: rdtsc ticks; tsc_khz=2000000 (ns = ticks * 1000000 / tsc_khz); tsc constant=yes nonstop=yes stable=yes
	# all 6 stacks by cumulative time, all frames, idle included; drained at this read
	rank 1 scheduled task: jhash=0x593a7ba1 ticks=$_t1 ns=$((_t1 / 2)) count=$((24 * _s)) procs=1 stack=complete pid=99 kind=user comm=ptdemo
	  #0 $LIB+$A_SPIN
	  #1 $LIB+$A_INNER
	  #2 $LIB+$A_RUN
	  #3 $EXE+$A_WORK
	  #4 $EXE+$A_MAIN
	rank 2 scheduled task: jhash=0x00000001 ticks=$_t2 ns=$((_t2 / 2)) count=$((900 * _s)) procs=1 stack=complete pid=0 kind=idle comm=swapper/0
	rank 3 scheduled task: jhash=0x07a7c96d ticks=$_t3 ns=$((_t3 / 2)) count=$((342 * _s)) procs=1 stack=complete pid=14 kind=kernel comm=ksoftirqd/0
	  #0 smpboot_thread_fn+0x147/0x1d0
	  #1 kthread+0xda/0x100
	  #2 ret_from_fork+0x22/0x30
	rank 4 scheduled task: jhash=0x9bdbb614 ticks=$_t4 ns=$((_t4 / 2)) count=$((7 * _s)) procs=2 stack=complete pid=- kind=user comm=ptdemo
	  #0 $LIB\\040(deleted)+$A_SPIN2
	  #1 $LIB\\040(deleted)+$A_INNER
	  #2 $LIB\\040(deleted)+$A_RUN
	  #3 $EXE+$A_WORK
	  #4 $EXE+$A_MAIN
	rank 5 scheduled task: jhash=0x800f5a6c ticks=$_t5 ns=$((_t5 / 2)) count=$((3 * _s)) procs=1 stack=truncated pid=123 kind=user comm=odd; <name> & "x"\\n
	  #0 [vdso]+0x9a0
	  #1 [anon]+0x7f12345000
	  #2 /memfd:jit\\040(deleted)+0x10 (file offset)
	  #3 0x7f1234567890 (unresolved: no vma)
	rank 6 scheduled task: jhash=0x0badf00d ticks=$_t6 ns=$((_t6 / 2)) count=$((5 * _s)) procs=1 stack=truncated pid=15 kind=kernel comm=rcu_preempt
	  #0 ?
	# other: ticks=$_other ns=$((_other / 2)) count=5 stacks=3
	# switches=$((14233 * _s)) entries=6/8192 evicted=3 lost=1 lost_ticks=$_lost gaps=0 gap_ticks=0 missed=0
	# busy_ticks=$_busy busy_ns=$((_busy / 2)) idle_ticks=$_t2 idle_ns=$((_t2 / 2))
	# stamps aligned=14000 probe=233
	# drains=12 interval_ms=1000
	# handler_ticks calls=14233 avg=16488 max=8210670 p50<=8192 p99<=65536
	# object build-id=$1 $LIB
	# object build-id=$2 $EXE
	# object build-id=$1 $LIB\\040(deleted)
	# object build-id=none /memfd:jit\\040(deleted)
	EOF
}

# A page of perftop 0.1 (README's example): raw user addresses, no objects.
page_v01() {
	cat <<-'EOF'
	# perftop 0.1.0: on-CPU time per unique stack trace, charged at every context switch
	# time unit: rdtsc ticks; tsc_khz=2100000 (ns = ticks * 1000000 / tsc_khz)
	# top 20 of 92 stacks by cumulative time, 4 frames each, idle excluded
	rank 1 scheduled task: jhash=0x593a7ba1 ticks=4227410253 ns=2013052501 count=24 pid=99 kind=user comm=ptwork
	  #0 0x4017f5
	  #1 0x4018e4
	rank 2 scheduled task: jhash=0x07a7c96d ticks=304687472 ns=145089272 count=342 pid=14 kind=kernel comm=ksoftirqd/0
	  #0 smpboot_thread_fn+0x147/0x1d0
	  #1 kthread+0xda/0x100
	# switches=14233 entries=92/8192 dropped=0 dropped_ticks=0 missed=0
	# busy_ticks=9930339070 busy_ns=4728732890 idle_ticks=2889005267 idle_ns=1375716793
	# handler_ticks calls=14233 avg=16488 max=8210670 p50<=8192 p99<=65536
	EOF
}

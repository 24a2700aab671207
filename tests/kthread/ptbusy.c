// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptbusy: a kernel thread busy in known functions, for perftop's tests
 * (tests/guest/ticks.sh).  Loaded, it starts one SCHED_FIFO thread bound to
 * CPU "cpu" that, "rounds" times, naps 200-300 us and then spins in
 * ptbusy_a() and in ptbusy_b(), for a_ms and b_ms on average (each spin
 * 0.5 to 1.5 times that, at random, so that the changes from one to the
 * other do not keep step with the tick).  Each adds the time it spun to
 * its own counter (a_ns, b_ns): FIFO, alone on its CPU, the spin's time
 * is the thread's CPU time.  "done" turns 1 when the thread has finished.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

static int cpu;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "the CPU the thread is bound to");

static unsigned int rounds = 50;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "naps and bursts");

static unsigned int a_ms = 10, b_ms = 30;
module_param(a_ms, uint, 0444);
MODULE_PARM_DESC(a_ms, "each spin in ptbusy_a");
module_param(b_ms, uint, 0444);
MODULE_PARM_DESC(b_ms, "each spin in ptbusy_b");

static unsigned long a_ns, b_ns;
module_param(a_ns, ulong, 0444);
MODULE_PARM_DESC(a_ns, "time spent spinning in ptbusy_a");
module_param(b_ns, ulong, 0444);
MODULE_PARM_DESC(b_ns, "time spent spinning in ptbusy_b");

static unsigned long stall_ns;
module_param(stall_ns, ulong, 0444);
MODULE_PARM_DESC(stall_ns, "time in steps of over 4 ms of the clock at the start or end of a spin: the vCPU did not run, or the thread was preempted");

static unsigned int nap_us = 200;
module_param(nap_us, uint, 0444);
MODULE_PARM_DESC(nap_us, "the nap before each round");

static bool fifo = true;
module_param(fifo, bool, 0444);
MODULE_PARM_DESC(fifo, "SCHED_FIFO at the lowest priority (default), or SCHED_NORMAL");

static bool done;
module_param(done, bool, 0444);
MODULE_PARM_DESC(done, "the thread has finished");

static struct task_struct *thread;

/*
 * Spin for NS of CLOCK_MONOTONIC: alone on its CPU, the thread's CPU time.
 * Not local_clock(): where the TSC is not stable (under emulation) it is
 * held between ticks, and a spin shorter than a few ticks overshoots.
 */
static noinline u64 ptbusy_spin(u64 ns)
{
	u64 t0 = ktime_get_ns(), t, p = 0;

	do {
		cpu_relax();
		t = ktime_get_ns() - t0;
		/*
		 * A read comes every few us: a step over 4 ms (a tick) is a
		 * stall.  Only those next to the start or the end of the spin
		 * count: their tick interval holds the change of function.
		 */
		if (t - p > 4 * NSEC_PER_MSEC && (p < 4 * NSEC_PER_MSEC || t >= ns))
			WRITE_ONCE(stall_ns, stall_ns + t - p);
		p = t;
	} while (t < ns);
	return t;
}

/* 0.5 to 1.5 times MS, in ns. */
static u64 ptbusy_len(unsigned int ms)
{
	u64 ns = (u64)ms * NSEC_PER_MSEC;

	return ns / 2 + get_random_u32() % (ns ? ns : 1);
}

static noinline void ptbusy_a(void)
{
	WRITE_ONCE(a_ns, a_ns + ptbusy_spin(ptbusy_len(a_ms)));
}

static noinline void ptbusy_b(void)
{
	WRITE_ONCE(b_ns, b_ns + ptbusy_spin(ptbusy_len(b_ms)));
}

static int ptbusy_fn(void *unused)
{
	unsigned int i;

	for (i = 0; i < rounds && !kthread_should_stop(); i++) {
		usleep_range(nap_us, nap_us + 100);
		ptbusy_a();
		ptbusy_b();
	}
	WRITE_ONCE(done, true);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init ptbusy_init(void)
{
	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	thread = kthread_create(ptbusy_fn, NULL, "ptbusy");
	if (IS_ERR(thread))
		return PTR_ERR(thread);
	kthread_bind(thread, cpu);
	if (fifo)
		sched_set_fifo_low(thread);
	wake_up_process(thread);
	return 0;
}

static void __exit ptbusy_exit(void)
{
	kthread_stop(thread);
}

module_init(ptbusy_init);
module_exit(ptbusy_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("perftop's tests: a kernel thread busy in known functions");

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libptlib.so: the shared library of ptpie, perftop's test of user frames as
 * real programs have them (PIE, a shared library, threads).  Built with
 * frame pointers and symbols; its system calls are issued from inline asm
 * inside its functions, so that a switch's user stack starts in them.
 */
#include <time.h>
#include <sys/syscall.h>

#define NOINLINE __attribute__((noinline))

volatile unsigned long lib_sink;

/* Sleep USEC in the kernel, called from here. */
NOINLINE void lib_sleep(long usec)
{
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };
	long ret;

	asm volatile ("syscall" : "=a" (ret)
		      : "a" (SYS_nanosleep), "D" (&ts), "S" (0L)
		      : "rcx", "r11", "memory");
}

/*
 * A sleep, then ROUNDS rounds of arithmetic.  A millisecond, so that it
 * blocks even under emulation (a sleep shorter than the way into it
 * returns at once, and the rounds then run in the slice before).
 */
NOINLINE void lib_work(long rounds)
{
	lib_sleep(1000);
	for (long i = 0; i < rounds; i++)
		lib_sink += i * i;
}

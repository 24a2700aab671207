// SPDX-License-Identifier: GPL-2.0-only
/*
 * libptdemo.so: the test workload's library.  ptd_run() is exported (in
 * .dynsym); ptd_inner() and ptd_spin() are static, so only the symbol table
 * of the debug file names them: the tests see the difference.
 */
#include <time.h>

#define NOINLINE __attribute__((noinline))

void ptd_run(double seconds);

static volatile unsigned long ptd_sink;

static double ptd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burn the CPU, looking at the clock now and then. */
static NOINLINE void ptd_spin(double seconds)
{
	double end = ptd_now() + seconds;

	do {
		for (unsigned long i = 0; i < 1000000; i++)
			ptd_sink += i;
	} while (ptd_now() < end);
}

static NOINLINE void ptd_inner(double seconds)
{
	ptd_spin(seconds);
}

NOINLINE void ptd_run(double seconds)
{
	ptd_inner(seconds);
}

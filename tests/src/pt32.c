// SPDX-License-Identifier: GPL-2.0-only
/*
 * pt32: a 32-bit static program with frame pointers, for perftop's test of
 * compat tasks: its stacks must be walked as 32-bit frames, or cut after
 * the first, never read as 64-bit ones.
 *
 *   pt32 SECONDS    spin in w32_spin, sleeping briefly from w32_sleep;
 *                   first print "vdso START-END" (hex), where its vDSO is
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

volatile unsigned long w32_sink;

/* nanosleep(2) by int $0x80 from here, not through the vDSO's entry. */
NOINLINE void w32_sleep(void)
{
	struct timespec ts = { 0, 200000 };
	long ret;

	asm volatile ("int $0x80" : "=a" (ret) : "a" (162), "b" (&ts), "c" (0) : "memory");
}

NOINLINE void w32_spin(double seconds)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (unsigned long i = 0; i < 20000; i++)
			w32_sink += i;
		w32_sleep();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
}

/* Where this process's vDSO is, from its maps. */
static void print_vdso(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			printf("vdso %lx-%lx\n", lo, hi);
	fclose(f);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	print_vdso();
	w32_spin(argc > 1 ? atof(argv[1]) : 1);
	return 0;
}

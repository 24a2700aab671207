// SPDX-License-Identifier: GPL-2.0-only
/*
 * tsckhz: this host's TSC frequency in kHz, measured against
 * CLOCK_MONOTONIC_RAW over 200 ms; prints nothing and fails where the TSC
 * is not invariant (no constant_tsc and nonstop_tsc in /proc/cpuinfo).
 *
 * Under TCG a guest's rdtsc reads the host's TSC, and a guest calibrates
 * it against its emulated PIT and HPET: on a starved host that can be 29
 * times off (72 MHz for 2096), and every clock of the guest with it.  The
 * tests give the guest this figure (tsc_early_khz=), as a real machine
 * knows its own from CPUID.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

static int invariant(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int ok = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
			break;
		}
	fclose(f);
	return ok;
}

static double ns(const struct timespec *t)
{
	return t->tv_sec * 1e9 + t->tv_nsec;
}

int main(void)
{
	struct timespec a, b, nap = { 0, 200000000 };
	unsigned long long t0, t1;

	if (!invariant())
		return 1;
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = __rdtsc();
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	t1 = __rdtsc();
	if (ns(&b) <= ns(&a) || t1 <= t0)
		return 1;
	printf("%.0f\n", (t1 - t0) / (ns(&b) - ns(&a)) * 1e6);
	return 0;
}

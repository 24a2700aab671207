// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptdemo: the test workload, a PIE with its symbols.  "ptdemo SECONDS"
 * spins in libptdemo.so for that long: main -> ptdemo_work -> ptd_run ->
 * ptd_inner -> ptd_spin, all with frame pointers.
 */
#include <stdio.h>
#include <stdlib.h>

#define NOINLINE __attribute__((noinline))

void ptd_run(double seconds);

static NOINLINE void ptdemo_work(double seconds)
{
	ptd_run(seconds);
}

/*
 * A function with a C++ name, ns::K::f(std::vector<int>&), for the
 * demangling test: never called, only named.
 */
NOINLINE int ptd_cxx(int x) __asm__("_ZN2ns1K1fERSt6vectorIiSaIiEE");
NOINLINE int ptd_cxx(int x)
{
	return x + 1;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;

	if (argc > 2 || !(seconds > 0)) {
		fprintf(stderr, "usage: ptdemo [SECONDS]\n");
		return 2;
	}
	ptdemo_work(seconds);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * unwindprog: a PIE and a shared library built without frame pointers
 * (-O2 -fomit-frame-pointer), whose threads stop in the frames an unwinder
 * gets wrong most easily:
 *   - a function with a variable-length array, whose CFA is rbp-based,
 *     below a callee that uses rbp as a general register and saves it:
 *     the walk must take the saved rbp back from the callee's frame;
 *   - a function whose last instruction is a call to a noreturn function:
 *     the return address is past its end, in the next function, so the
 *     row is looked up at the return address - 1;
 *   - threads (clone3), and the main thread (_start).
 * Each spins where it is until killed.
 *
 *   unwindprog     runs them, prints "ready" when all spin
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "unwindlib.h"

volatile unsigned long sink;

__attribute__((noinline, noreturn)) static void forever(void)
{
	for (;;)
		sink += uwl_spin(1000);
}

/* Its call to forever() is its last instruction. */
__attribute__((noinline)) void ends_in_call(unsigned long n)
{
	sink += n;
	forever();
}

__attribute__((noinline)) static void after_ends_in_call(void)
{
	sink++;
}

static void *noreturn_thread(void *arg)
{
	(void)arg;
	after_ends_in_call();
	ends_in_call(3);
	return NULL;
}

static void *vla_thread(void *arg)
{
	(void)arg;
	uwl_vla(5 + (int)(sink & 1));
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	if (pthread_create(&a, NULL, noreturn_thread, NULL) ||
	    pthread_create(&b, NULL, vla_thread, NULL))
		return 1;
	sleep(1);
	printf("ready\n");
	fflush(stdout);
	uwl_vla(7);
	return 0;
}

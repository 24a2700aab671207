// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptpie: a PIE program with a shared library (libptlib.so) and threads, the
 * way distribution programs are built, but with frame pointers and symbols,
 * for perftop's tests of user frames as file + offset.
 *
 *   ptpie loop N ROUNDS       N rounds of lib_work(ROUNDS) called from
 *                             pie_loop; prints the kernel's own accounting
 *                             of them (schedstat run_ns, switch-ins)
 *   ptpie threads T SECONDS   T threads, each calling lib_work through
 *                             pie_deep1 .. pie_deep4, for SECONDS
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

void lib_work(long rounds);
void lib_sleep(long usec);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The kernel's accounting of this thread, read with three system calls. */
static void schedstat(unsigned long long *run_ns, unsigned long long *pcount)
{
	int fd = open("/proc/thread-self/schedstat", O_RDONLY);
	char buf[128], *p;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	*run_ns = strtoull(buf, &p, 10);
	strtoull(p, &p, 10);
	*pcount = strtoull(p, NULL, 10);
}

NOINLINE void pie_loop(long n, long rounds)
{
	for (long i = 0; i < n; i++)
		lib_work(rounds);
}

/* Ends the last slice in a place of its own: the exit path is not the loop's. */
NOINLINE void pie_rest(void)
{
	lib_sleep(1000);
}

/*
 * The loop's slices are those switched in after the sleep at the start of
 * each lib_work().  schedstat is up to date at a switch out: it is read just
 * after a sleep before the loop, and just after one after it, so that its
 * window ends where the loop's last slice does.
 */
static int loop(long n, long rounds)
{
	unsigned long long r0, p0, r1, p1;

	lib_sleep(100);
	schedstat(&r0, &p0);
	pie_loop(n, rounds);
	lib_sleep(100);
	schedstat(&r1, &p1);
	pie_rest();
	printf("loop n=%ld run_ns=%llu pcount=%llu\n", n, r1 - r0, p1 - p0);
	return 0;
}

static double seconds;

NOINLINE void pie_deep4(void)
{
	double end = now() + seconds;

	while (now() < end)
		lib_work(2000);
}

NOINLINE void pie_deep3(void) { pie_deep4(); }
NOINLINE void pie_deep2(void) { pie_deep3(); }
NOINLINE void pie_deep1(void) { pie_deep2(); }

NOINLINE void *pie_thread(void *arg)
{
	(void)arg;
	pie_deep1();
	return NULL;
}

static int threads(int n, double s)
{
	pthread_t t[64];
	int i;

	seconds = s;
	for (i = 0; i < n && i < 64; i++)
		if (pthread_create(&t[i], NULL, pie_thread, NULL))
			return 1;
	while (i--)
		pthread_join(t[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "loop"))
		return loop(atol(argv[2]), atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "threads"))
		return threads(atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: see the comment at the top of ptpie.c\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptpie: a PIE program with a shared library (libptlib.so) and threads, the
 * way distribution programs are built, but with frame pointers and symbols,
 * for perftop's tests of user frames as file + offset.
 *
 *   ptpie loop N ROUNDS       N rounds of lib_work(ROUNDS) called from
 *                             pie_loop, on CPU 0; prints the kernel's own
 *                             accounting of them (schedstat run_ns,
 *                             switch-ins)
 *   ptpie threads T SECONDS   T threads, each calling lib_work through
 *                             pie_deep1 .. pie_deep4, for SECONDS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define NOINLINE __attribute__((noinline))

void lib_work(long rounds);
void lib_sleep(long usec);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The kernel's accounting of this process (run_ns, pcount: schedstat fields
 * 1 and 3) is up to date whenever it is off its CPU.  A helper pinned to the
 * same CPU reads it on request, so it reads it exactly while the process
 * waits for the answer.
 */
static int chan[2];	/* a socket pair: [0] the process's end, [1] the helper's */

static void helper(pid_t pid)
{
	unsigned long long v[2];
	char path[64], buf[128], *p;
	ssize_t n;
	int fd;
	char c;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	while (read(chan[1], &c, 1) == 1) {
		fd = open(path, O_RDONLY);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		v[0] = strtoull(buf, &p, 10);
		strtoull(p, &p, 10);
		v[1] = strtoull(p, NULL, 10);
		if (write(chan[1], v, sizeof(v)) != sizeof(v))
			break;
	}
	_exit(0);
}

/* Ask the helper; the loop's slices start after this returns. */
NOINLINE void pie_ask(unsigned long long *run_ns, unsigned long long *pcount)
{
	unsigned long long v[2] = { 0, 0 };
	char c = 'q';

	if (write(chan[0], &c, 1) != 1 || read(chan[0], v, sizeof(v)) != sizeof(v))
		fprintf(stderr, "ptpie: the schedstat helper did not answer\n");
	*run_ns = v[0];
	*pcount = v[1];
}

/* The loop's work, once, from a path of its own: not the loop's. */
NOINLINE void pie_warm(long rounds)
{
	lib_work(rounds);
}

/*
 * The loop's slices are those switched in after the sleep at the start of
 * each lib_work(), each ending in the next sleep, and the last one in the
 * pie_ask() that closes the window, called from here: its slice is the
 * loop's too (it was 2 % of the time at N=40 when loop() called it).
 * schedstat is read while the process waits in pie_ask(), before and after:
 * the two windows are the same, but for the few instructions from the
 * first pie_ask() into the first sleep.
 */
NOINLINE void pie_loop(long n, long rounds, unsigned long long *run_ns,
		       unsigned long long *pcount)
{
	for (long i = 0; i < n; i++)
		lib_work(rounds);
	pie_ask(run_ns, pcount);
}

static int loop(long n, long rounds)
{
	unsigned long long r0, p0, r1, p1;
	cpu_set_t cpu;
	pid_t pid;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	sched_setaffinity(0, sizeof(cpu), &cpu);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, chan))
		return 1;
	pid = fork();
	if (pid == 0) {
		close(chan[0]);
		helper(getppid());
	}
	close(chan[1]);
	/*
	 * Run the path once before the window opens: lazy binding resolves
	 * its calls, and under emulation the code is translated then, not in
	 * the window's first slice, which is not the loop's.
	 */
	pie_warm(rounds);
	pie_ask(&r0, &p0);
	pie_ask(&r0, &p0);
	pie_loop(n, rounds, &r1, &p1);
	close(chan[0]);
	waitpid(pid, NULL, 0);
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

// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptwork: workloads with known user stacks for perftop's tests.
 *
 * Built static, -O0 -fno-omit-frame-pointer -no-pie: every function below has
 * a frame and a fixed address (nm -S gives its range), and the system calls
 * are issued from inline asm inside those functions, so the user stack seen
 * at a switch is always  <syscall site in a wl_* function>, <its callers>.
 *
 *   ptwork spin SECONDS [YIELD_EVERY]   burn CPU in wl_spin, yield now and then
 *   ptwork sleep COUNT USEC              COUNT sleeps of USEC in wl_sleep
 *   ptwork tick COUNT USEC               the same in wl_tick (background)
 *   ptwork pingpong ROUNDS [CPU CPU]     two processes bounce a byte over pipes,
 *                                        optionally pinned to two CPUs
 *   ptwork threads N SECONDS             N threads spinning and yielding
 *   ptwork migrate COUNT                 hop between CPUs COUNT times
 *   ptwork forkexec COUNT PROG           fork + exec PROG COUNT times
 *   ptwork leaderfirst COUNT             COUNT children whose leader exits
 *                                        before their other thread (run
 *                                        on one CPU; see leaderfirst())
 *   ptwork stacks COUNT                  yield from COUNT distinct user stacks
 *   ptwork deep LEVELS SECONDS           nap for SECONDS in wl_deep_nap under
 *                                        LEVELS frames of wl_deep
 *   ptwork rename NAME SECONDS           spin in wl_spin as a task named NAME
 *   ptwork asuser UID FILE r|w           open FILE as UID; print the errno
 *   ptwork asuid UID PROG [ARG...]       exec PROG as UID
 *   ptwork fifo PROG [ARG...]            exec PROG as a SCHED_FIFO task
 *   ptwork idle PROG [ARG...]            exec PROG as a SCHED_IDLE task
 *   ptwork capsdrop FILE                 as root without CAP_SYS_ADMIN and
 *                                        CAP_PERFMON, read FILE; print the errno
 *   ptwork pidns FILE                    copy FILE to stdout from a new pid
 *                                        namespace
 *   ptwork write FILE STRING             one write(2); print OK or the errno
 *   ptwork writefuzz FILE COUNT SEED     random writes; count the accepted
 *   ptwork cpus                          number of online CPUs
 *   ptwork phases SECONDS                never blocks: burns CPU in wl_phase1,
 *                                        wl_phase2 and wl_phase3, 1:2:3, in
 *                                        phases of random length; prints each
 *                                        one's own CPU time and the total
 *   ptwork napcompute COUNT NAP_US WORK_US
 *                                        COUNT times: sleep NAP_US in wl_nap,
 *                                        then burn WORK_US of CPU in
 *                                        wl_compute; prints the same
 *   ptwork loop SECONDS                  spin on one instruction in wl_loop
 *                                        (every tick sees the same stack),
 *                                        never entering the kernel
 *   ptwork reads FILE SECONDS            open, read to the end and close
 *                                        FILE in a loop; print how many times
 *   ptwork pread FILE                    read FILE to its end, then again with
 *                                        pread at 0 and at the middle, and
 *                                        after lseek: print "same BYTES" if
 *                                        every read gave the same bytes
 *   ptwork inroot DIR FILE               open FILE, chroot to DIR, then copy
 *                                        FILE to stdout
 *   ptwork hold FILE SECONDS             read one byte of FILE, print "held",
 *                                        keep it open SECONDS
 *   ptwork vhost COUNT                   COUNT times: make this process the
 *                                        owner of /dev/vhost-net (its worker
 *                                        starts), then reset it (the worker
 *                                        runs a flush and stops)
 *   ptwork touch MB                      write every page of MB MiB of fresh
 *                                        memory, nap a few times, exit
 *   ptwork fakeframe FILE OFFSET SECONDS map FILE executable (no read: its
 *                                        pages are never touched) and sleep
 *                                        with a frame chain whose return
 *                                        address is OFFSET in that mapping;
 *                                        FILE anon@ADDR: anonymous memory
 *                                        at ADDR
 *   ptwork fuseserve DIR                 mount at DIR a FUSE file system
 *                                        with one 64 KiB file "f" whose
 *                                        reads are never answered; runs
 *                                        until killed (the kernel then
 *                                        fails the reads)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/fuse.h>
#include <linux/capability.h>
#include <linux/vhost.h>

#define NOINLINE __attribute__((noinline))

static inline __attribute__((always_inline)) long raw_syscall3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile ("syscall"
		      : "=a" (ret)
		      : "a" (nr), "D" (a), "S" (b), "d" (c)
		      : "rcx", "r11", "memory");
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- spin -------------------------------------------------------------- */

volatile unsigned long wl_sink;
static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

NOINLINE void wl_spin_yield(void)
{
	raw_syscall3(SYS_sched_yield, 0, 0, 0);
}

/*
 * Pure computation in wl_spin, a yield every YIELD_EVERY rounds, until
 * SIGALRM: no library call in the loop, so that whenever the spinner is
 * switched out its user stack runs through wl_spin.
 */
NOINLINE void wl_spin(unsigned long yield_every)
{
	unsigned long i = 0;

	while (!stop) {
		for (unsigned long j = 0; j < 1000; j++)
			wl_sink += j * i;
		if (++i % yield_every == 0)
			wl_spin_yield();
	}
}

static void spinner(double seconds, unsigned long yield_every)
{
	struct itimerval it = { .it_value = {
		(time_t)seconds, (suseconds_t)((seconds - (time_t)seconds) * 1e6) } };

	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	wl_spin(yield_every);
}

/*
 * The kernel's own accounting of this thread: on-CPU ns and switch-ins
 * (fields 1 and 3 of /proc/thread-self/schedstat), and its context switches
 * (voluntary + nonvoluntary, from /proc/thread-self/status).
 */
struct schedstat {
	unsigned long long run_ns, wait_ns, pcount, switches;
};

/* FILE's text into BUF, with three system calls and no stdio. */
static void slurp(const char *file, char *buf, size_t size)
{
	int fd = open(file, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
}

/* The number after KEY in TEXT, or 0. */
static unsigned long long field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/*
 * Read with a few system calls, so that the harness itself gives the
 * scheduler little chance to switch this thread around the measurement.
 */
static void schedstat(struct schedstat *s)
{
	static char buf[4096];
	char *p;

	slurp("/proc/thread-self/schedstat", buf, sizeof(buf));
	s->run_ns = strtoull(buf, &p, 10);
	s->wait_ns = strtoull(p, &p, 10);
	s->pcount = strtoull(p, NULL, 10);
	slurp("/proc/thread-self/status", buf, sizeof(buf));
	s->switches = field(buf, "\nvoluntary_ctxt_switches:") +
		      field(buf, "nonvoluntary_ctxt_switches:");
}

/* ---- phases and naps: programs that time their own functions ----------- */

/* This thread's (or, with CLOCK_PROCESS_CPUTIME_ID, process's) CPU time. */
static inline __attribute__((always_inline)) long long cputime(long clock)
{
	struct timespec ts;

	raw_syscall3(SYS_clock_gettime, clock, (long)&ts, 0);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * CPU time that went by in steps of over 4 ms (a tick at HZ=250) between
 * two reads of the clock in BURN, where a read comes every few
 * microseconds: the vCPU did not run (the host stopped the VM, or
 * single-threaded TCG ran another vCPU, up to 100 ms at a time).  Only
 * steps next to the start or the end of a BURN count: there the tick
 * interval the step stretched holds a change of function, and perftop can
 * charge the step to either side; elsewhere both ticks are in the same
 * function.  Printed as stalled=, for the tests' tolerance.
 */
#define STALL_NS 4000000LL
static long long wl_stalled;

/*
 * Burn NS of this thread's CPU time, reading the clock from inside the
 * function so that every instant of it, system calls included, is in its
 * frame.  Returns the CPU time it took.
 */
#define BURN(ns) ({							\
	long long t0_ = cputime(CLOCK_THREAD_CPUTIME_ID), t_, p_ = 0;	\
	do {								\
		for (unsigned long j_ = 0; j_ < 2000; j_++)		\
			wl_sink += j_;					\
		t_ = cputime(CLOCK_THREAD_CPUTIME_ID) - t0_;		\
		if (t_ - p_ > STALL_NS && (p_ < STALL_NS || t_ >= (ns)))	\
			wl_stalled += t_ - p_;				\
		p_ = t_;						\
	} while (t_ < (ns));						\
	t_; })

NOINLINE long long wl_phase1(long long ns) { return BURN(ns); }
NOINLINE long long wl_phase2(long long ns) { return BURN(ns); }
NOINLINE long long wl_phase3(long long ns) { return BURN(ns); }

/*
 * Phases of 1, 2 and 3 units, a unit 40-60 ms at random: phases that all
 * lasted a multiple of the tick would meet it at the same points.
 */
static void phases(double seconds)
{
	long long self[3] = { 0, 0, 0 }, unit;
	double end = now() + seconds;

	srand(getpid());
	while (now() < end) {
		unit = 40000000LL + rand() % 20000000;
		self[0] += wl_phase1(unit);
		self[1] += wl_phase2(2 * unit);
		self[2] += wl_phase3(3 * unit);
	}
	printf("wl_phase1=%lld wl_phase2=%lld wl_phase3=%lld total=%lld stalled=%lld\n", self[0],
	       self[1], self[2], cputime(CLOCK_PROCESS_CPUTIME_ID), wl_stalled);
}

NOINLINE long long wl_nap(long usec)
{
	long long t0 = cputime(CLOCK_THREAD_CPUTIME_ID);
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };

	raw_syscall3(SYS_nanosleep, (long)&ts, 0, 0);
	return cputime(CLOCK_THREAD_CPUTIME_ID) - t0;
}

NOINLINE long long wl_compute(long long ns) { return BURN(ns); }

static void napcompute(long count, long nap_us, long work_us)
{
	long long nap = 0, work = 0;

	for (long i = 0; i < count; i++) {
		nap += wl_nap(nap_us);
		work += wl_compute(work_us * 1000LL);
	}
	printf("wl_nap=%lld wl_compute=%lld total=%lld stalled=%lld\n", nap, work,
	       cputime(CLOCK_PROCESS_CPUTIME_ID), wl_stalled);
}

/* ---- memory, files that never answer ----------------------------------- */

static void on_alarm_exit(int sig)
{
	(void)sig;
	_exit(0);
}

/*
 * One instruction, jumping to itself, until SIGALRM ends the process: each
 * tick interrupts the same user address with the same callers, and the
 * task never enters the kernel on its own.
 */
NOINLINE void wl_loop(double seconds)
{
	struct itimerval it = { .it_value = {
		(time_t)seconds, (suseconds_t)((seconds - (time_t)seconds) * 1e6) } };

	signal(SIGALRM, on_alarm_exit);
	setitimer(ITIMER_REAL, &it, NULL);
	asm volatile("1: jmp 1b");
}

static int reads(const char *file, double seconds)
{
	static char buf[1 << 16];
	double end = now() + seconds;
	long n = 0;

	while (now() < end) {
		int fd = open(file, O_RDONLY);
		ssize_t r;

		if (fd < 0) {
			perror(file);
			return 1;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			;
		close(fd);
		if (r < 0) {
			perror(file);
			return 1;
		}
		n++;
	}
	printf("%ld\n", n);
	return 0;
}

static int reread(const char *file)
{
	static char a[1 << 24], b[1 << 24];
	size_t len = 0, half;
	ssize_t r;
	int fd = open(file, O_RDONLY);

	if (fd < 0) {
		perror(file);
		return 1;
	}
	while ((r = read(fd, a + len, sizeof(a) - len)) > 0)
		len += r;
	if (r < 0 || len == sizeof(a)) {
		fprintf(stderr, "%s: read failed or too large\n", file);
		return 1;
	}
	half = len / 2;
	if (pread(fd, b, len, 0) != (ssize_t)len || memcmp(a, b, len)) {
		printf("differs: pread at 0\n");
		return 1;
	}
	if (pread(fd, b, len - half, half) != (ssize_t)(len - half) || memcmp(a + half, b, len - half)) {
		printf("differs: pread at %zu\n", half);
		return 1;
	}
	if (lseek(fd, 0, SEEK_END) != (off_t)len || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, b, len) != (ssize_t)len || memcmp(a, b, len)) {
		printf("differs: after lseek\n");
		return 1;
	}
	close(fd);
	printf("same %zu\n", len);
	return 0;
}

static int inroot(const char *dir, const char *file)
{
	char buf[1 << 16];
	ssize_t r;
	int fd = open(file, O_RDONLY);

	if (fd < 0 || chroot(dir) || chdir("/")) {
		perror(file);
		return 1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, r) != r)
			return 1;
	return r < 0;
}

static int hold(const char *file, double seconds)
{
	char c;
	int fd = open(file, O_RDONLY);

	if (fd < 0 || read(fd, &c, 1) != 1) {
		perror(file);
		return 1;
	}
	printf("held\n");
	usleep((useconds_t)(seconds * 1e6));
	close(fd);
	return 0;
}

static int vhost(long count)
{
	int fd = open("/dev/vhost-net", O_RDWR);

	if (fd < 0) {
		perror("/dev/vhost-net");
		return 1;
	}
	for (long i = 0; i < count; i++)
		if (ioctl(fd, VHOST_SET_OWNER) || ioctl(fd, VHOST_RESET_OWNER)) {
			perror("vhost-net: set or reset owner");
			return 1;
		}
	close(fd);
	printf("%ld\n", count);
	return 0;
}

static void touch(long mb)
{
	size_t len = (size_t)mb << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec ts = { 0, 2000000 };

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	for (int i = 0; i < 5; i++)
		nanosleep(&ts, NULL);
}

/*
 * Sleep with rbp pointing at a made-up frame { next = 0, return address =
 * the mapping of FILE + OFFSET }: a user stack walk from this task's
 * registers finds a frame in FILE.  128 bytes below rsp are left alone
 * (the red zone of this -O0 code).
 */
NOINLINE void wl_fakeframe(unsigned long ret, double seconds)
{
	unsigned long frame[2] = { 0, ret };
	struct timespec ts = { 0, 20000000 };
	double end = now() + seconds;
	long r;

	while (now() < end)
		asm volatile ("lea -128(%%rsp), %%rsp\n\t"
			      "push %%rbp\n\t"
			      "mov %[fp], %%rbp\n\t"
			      "syscall\n\t"
			      "pop %%rbp\n\t"
			      "lea 128(%%rsp), %%rsp"
			      : "=a" (r)
			      : [fp] "r" (frame), "a" (SYS_nanosleep), "D" (&ts), "S" (0)
			      : "rcx", "r11", "memory");
	(void)r;
}

static int fakeframe(const char *file, long off, double seconds)
{
	char *p;
	int fd;

	if (!strncmp(file, "anon@", 5)) {
		/* Anonymous executable memory at exactly that address. */
		void *at = (void *)strtoul(file + 5, NULL, 0);

		p = mmap(at, 65536, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && p != at) {
			fprintf(stderr, "mapped at %p, not %p\n", (void *)p, at);
			return 1;
		}
	} else {
		fd = open(file, O_RDONLY);
		if (fd < 0) {
			perror(file);
			return 1;
		}
		p = mmap(NULL, 65536, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	}
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("mapped %s at %p\n", file, (void *)p);
	wl_fakeframe((unsigned long)p + off, seconds);
	return 0;
}

static void fuse_reply(int fd, uint64_t unique, int error, const void *arg, size_t len)
{
	struct fuse_out_header h = { sizeof(h) + len, -error, unique };
	char buf[sizeof(h) + 256];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), arg, len);
	if (write(fd, buf, sizeof(h) + len) < 0 && errno != ENOENT)
		perror("write /dev/fuse");
}

static void fuse_attr_of(uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->nlink = 1;
	a->blksize = 4096;
	if (node == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
	} else {
		a->mode = S_IFREG | 0755;
		a->size = 65536;
		a->blocks = 128;
	}
}

/* A FUSE server, on /dev/fuse itself: no libfuse in the guest. */
static int fuseserve(const char *dir)
{
	static char buf[FUSE_MIN_READ_BUFFER + 65536];
	char opts[128];
	long reads = 0;
	int fd = open("/dev/fuse", O_RDWR);

	if (fd < 0) {
		perror("/dev/fuse");
		return 1;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("ptfuse", dir, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		perror("mount");
		return 1;
	}
	printf("mounted\n");
	for (;;) {
		struct fuse_in_header *in = (void *)buf;
		void *arg = in + 1;
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return 0;	/* unmounted */
		}
		if (n < (ssize_t)sizeof(*in))
			continue;
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
				.minor = ii->minor < FUSE_KERNEL_MINOR_VERSION ?
					 ii->minor : FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = 65536, .max_write = 4096, .max_background = 4,
				.congestion_threshold = 3, .time_gran = 1 };

			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = 2, .generation = 1 };

			if (in->nodeid != FUSE_ROOT_ID || strcmp(arg, "f")) {
				fuse_reply(fd, in->unique, ENOENT, NULL, 0);
				break;
			}
			fuse_attr_of(2, &o.attr);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			fuse_attr_of(in->nodeid, &o.attr);
			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN:
		case FUSE_OPENDIR: {
			struct fuse_open_out o = { .fh = 1 };

			fuse_reply(fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_READ:
			/* Never answered: the reader waits until we die. */
			fprintf(stderr, "fuseserve: read %ld held\n", ++reads);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
		case FUSE_ACCESS:
		case FUSE_DESTROY:
			fuse_reply(fd, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_reply(fd, in->unique, ENOSYS, NULL, 0);
			break;
		}
	}
}

/* ---- sleep ------------------------------------------------------------- */

NOINLINE void wl_deep_nap(double seconds)
{
	double end = now() + seconds;

	while (now() < end)
		usleep(2000);
}

/* LEVELS frames of it: the call is not its last act, so no tail call. */
NOINLINE long wl_deep(long levels, double seconds)
{
	if (levels > 1)
		return wl_deep(levels - 1, seconds) + 1;
	wl_deep_nap(seconds);
	return 1;
}

NOINLINE void wl_sleep(long count, long usec)
{
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };

	for (long i = 0; i < count; i++)
		raw_syscall3(SYS_nanosleep, (long)&ts, 0, 0);
}

NOINLINE void wl_tick(long count, long usec)
{
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };

	for (long i = 0; i < count; i++)
		raw_syscall3(SYS_nanosleep, (long)&ts, 0, 0);
}

/* Prints how many times the kernel switched this thread in meanwhile. */
static void sleeper(long count, long usec)
{
	struct schedstat a, b;

	schedstat(&a);
	wl_sleep(count, usec);
	schedstat(&b);
	printf("sleeps=%ld switches=%llu pcount=%llu run_ns=%llu\n", count,
	       b.switches - a.switches, b.pcount - a.pcount, b.run_ns - a.run_ns);
}

/* ---- ping-pong --------------------------------------------------------- */

NOINLINE void wl_ping(int wfd, int rfd, long rounds)
{
	char c = 'p';

	for (long i = 0; i < rounds; i++) {
		raw_syscall3(SYS_write, wfd, (long)&c, 1);
		raw_syscall3(SYS_read, rfd, (long)&c, 1);
	}
}

NOINLINE void wl_pong(int rfd, int wfd)
{
	char c;

	while (raw_syscall3(SYS_read, rfd, (long)&c, 1) == 1)
		raw_syscall3(SYS_write, wfd, (long)&c, 1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int pingpong(long rounds, int cpu_ping, int cpu_pong)
{
	struct schedstat sa, sb;
	int a[2], b[2];
	double t0;
	pid_t pid;

	if (pipe(a) || pipe(b))
		return 1;
	pid = fork();
	if (pid == 0) {
		pin(cpu_pong);
		close(a[1]);
		close(b[0]);
		schedstat(&sa);
		wl_pong(a[0], b[1]);
		schedstat(&sb);
		printf("pong pcount=%llu run_ns=%llu\n", sb.pcount - sa.pcount,
		       sb.run_ns - sa.run_ns);
		_exit(0);
	}
	pin(cpu_ping);
	close(a[0]);
	close(b[1]);
	t0 = now();
	schedstat(&sa);
	wl_ping(a[1], b[0], rounds);
	schedstat(&sb);
	printf("pingpong rounds=%ld us_per_round=%.2f ping pcount=%llu run_ns=%llu\n",
	       rounds, (now() - t0) * 1e6 / rounds, sb.pcount - sa.pcount,
	       sb.run_ns - sa.run_ns);
	close(a[1]);
	waitpid(pid, NULL, 0);
	return 0;
}

/* ---- threads ----------------------------------------------------------- */

static double thread_seconds;

NOINLINE void *wl_thread(void *arg)
{
	double end = now() + thread_seconds;

	(void)arg;
	while (now() < end) {
		for (unsigned long j = 0; j < 1000; j++)
			wl_sink += j;
		wl_spin_yield();
	}
	return NULL;
}

static int threads(int n, double seconds)
{
	pthread_t t[256];
	int i;

	if (n > 256)
		n = 256;
	thread_seconds = seconds;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, wl_thread, NULL))
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/* ---- migrate ----------------------------------------------------------- */

NOINLINE void wl_migrate(long count)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	for (long i = 0; i < count; i++) {
		CPU_ZERO(&set);
		CPU_SET(i % ncpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		for (unsigned long j = 0; j < 20000; j++)
			wl_sink += j;
	}
}

/* ---- fork + exec ------------------------------------------------------- */

static int forkexec(long count, const char *prog)
{
	double t0 = now();

	for (long i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execl(prog, prog, (char *)NULL);
			_exit(127);
		}
		if (pid < 0)
			return 1;
		waitpid(pid, NULL, 0);
	}
	printf("forkexec count=%ld us_per_exec=%.2f\n", count, (now() - t0) * 1e6 / count);
	return 0;
}

/*
 * COUNT times: a child whose main thread, the group's leader, exits first
 * (exit(2) of that thread alone), while its second thread spins 2 ms in
 * wl_leader_spin and then exits too.  That last thread's release_task()
 * makes the leader reapable and wakes this process, SCHED_FIFO on the same
 * CPU, which preempts it there (the thread is already unhashed, and runs
 * on to the end of do_exit() when it gets its CPU back), reaps the leader
 * and spins 20 ms: a grace period passes and the leader's task_struct is
 * freed before the thread runs again.  Run under taskset, one CPU.
 */
NOINLINE void wl_leader_spin(void)
{
	double t0 = now();

	while (now() - t0 < 0.002)
		;
}

static void *leader_thread(void *unused)
{
	(void)unused;
	wl_leader_spin();
	return NULL;
}

static int leaderfirst(long count)
{
	struct sched_param sp = { .sched_priority = 10 };

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp)) {
		perror("sched_setscheduler");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			pthread_t t;

			if (pthread_create(&t, NULL, leader_thread, NULL))
				_exit(1);
			syscall(SYS_exit, 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "leaderfirst: child %ld failed\n", i);
			return 1;
		}
		for (double t0 = now(); now() - t0 < 0.02;)
			;
	}
	printf("leaderfirst count=%ld\n", count);
	return 0;
}

/*
 * ---- distinct stacks ---------------------------------------------------
 * Five levels, each calling the next from one of 16 distinct call sites:
 * up to 16^5 = 1048576 different user stacks.  At the bottom, a byte goes to
 * a partner process on the same CPU and back: the read blocks, so every one
 * of those stacks is switched in exactly once.
 */
static int leaf_out = -1, leaf_in = -1;

NOINLINE void wl_leaf(void)
{
	char c = 's';

	raw_syscall3(SYS_write, leaf_out, (long)&c, 1);
	raw_syscall3(SYS_read, leaf_in, (long)&c, 1);
}

#define CALL16(fn, x) \
	switch ((x) & 15) { \
	case 0: fn(); break; case 1: fn(); break; case 2: fn(); break; \
	case 3: fn(); break; case 4: fn(); break; case 5: fn(); break; \
	case 6: fn(); break; case 7: fn(); break; case 8: fn(); break; \
	case 9: fn(); break; case 10: fn(); break; case 11: fn(); break; \
	case 12: fn(); break; case 13: fn(); break; case 14: fn(); break; \
	default: fn(); break; }

static unsigned long stack_id;

NOINLINE void wl_level5(void) { CALL16(wl_leaf, stack_id >> 16); }
NOINLINE void wl_level4(void) { CALL16(wl_level5, stack_id >> 12); }
NOINLINE void wl_level3(void) { CALL16(wl_level4, stack_id >> 8); }
NOINLINE void wl_level2(void) { CALL16(wl_level3, stack_id >> 4); }
NOINLINE void wl_level1(void) { CALL16(wl_level2, stack_id); }

static int stacks(long count)
{
	int a[2], b[2];
	pid_t partner;

	pin(0);
	if (pipe(a) || pipe(b))
		return 1;
	partner = fork();
	if (partner == 0) {
		close(a[1]);
		close(b[0]);
		wl_pong(a[0], b[1]);
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	leaf_out = a[1];
	leaf_in = b[0];
	for (long i = 0; i < count; i++) {
		stack_id = i;
		wl_level1();
	}
	close(a[1]);
	waitpid(partner, NULL, 0);
	return 0;
}

/* ---- privilege and write checks ---------------------------------------- */

static int asuser(int uid, const char *file, const char *how)
{
	char buf[64];
	int fd;

	if (setgid(uid) || setuid(uid)) {
		perror("setuid");
		return 2;
	}
	fd = open(file, how[0] == 'w' ? O_WRONLY : O_RDONLY);
	if (fd >= 0 && how[0] == 'w' && write(fd, "reset", 5) < 0)
		fd = -1;
	if (fd >= 0 && how[0] == 'r' && read(fd, buf, sizeof(buf)) < 0)
		fd = -1;
	printf("%s\n", fd < 0 ? strerrorname_np(errno) : "OK");
	return 0;
}

/* Run PROG as UID (and its gid), with no supplementary groups. */
static int asuid(int uid, char **argv)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		perror("setuid");
		return 2;
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

/*
 * Run PROG under POLICY: SCHED_FIFO, ahead of every ordinary task, or
 * SCHED_IDLE, behind them all.
 */
static int as_policy(int policy, char **argv)
{
	struct sched_param sp = { .sched_priority = policy == SCHED_FIFO ? 10 : 0 };

	if (sched_setscheduler(0, policy, &sp)) {
		perror("sched_setscheduler");
		return 2;
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

/*
 * Root as a default container has it: uid 0, but without CAP_SYS_ADMIN and
 * CAP_PERFMON (dropped from the bounding set, the permitted and the
 * effective sets).  Then read FILE.
 */
static int capsdrop(const char *file)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	static const int drop[] = { CAP_SYS_ADMIN, CAP_PERFMON };
	char buf[64];
	unsigned int i;
	int fd;

	if (syscall(SYS_capget, &h, d))
		return 2;
	for (i = 0; i < 2; i++) {
		if (prctl(PR_CAPBSET_DROP, drop[i], 0, 0, 0))
			return 2;
		d[drop[i] / 32].effective &= ~(1U << (drop[i] % 32));
		d[drop[i] / 32].permitted &= ~(1U << (drop[i] % 32));
		d[drop[i] / 32].inheritable &= ~(1U << (drop[i] % 32));
	}
	if (syscall(SYS_capset, &h, d))
		return 2;
	fd = open(file, O_RDONLY);
	if (fd >= 0 && read(fd, buf, sizeof(buf)) < 0)
		fd = -1;
	printf("uid=%d %s\n", getuid(), fd < 0 ? strerrorname_np(errno) : "OK");
	return 0;
}

/* FILE as a reader in a new pid namespace (pid 1 there) sees it. */
static int pidns(const char *file)
{
	char buf[65536];
	ssize_t n;
	pid_t pid;
	int fd, st;

	if (unshare(CLONE_NEWPID)) {
		perror("unshare");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		fd = open(file, O_RDONLY);
		if (fd < 0) {
			perror(file);
			_exit(2);
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(1, buf, n) != n)
				_exit(2);
		_exit(getpid() == 1 ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

static int writestr(const char *file, const char *s)
{
	int fd = open(file, O_WRONLY);

	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("OK\n");
	return 0;
}

/*
 * COUNT writes of random bytes, 0..65536 long, none of them a valid command:
 * near misses of "reset", its prefixes (a command split over two writes) and
 * noise.  Every one must fail with EINVAL.
 */
static int writefuzz(const char *file, long count, unsigned int seed)
{
	static char buf[65537];
	static const char cmd[] = "reset\n";
	long accepted = 0, einval = 0, other = 0;
	int fd = open(file, O_WRONLY);

	if (fd < 0) {
		perror(file);
		return 2;
	}
	srand(seed);
	for (long i = 0; i < count; i++) {
		size_t len;
		ssize_t r;

		switch (rand() % 4) {
		case 0:		/* a prefix: "", "r", ..., "rese" */
			len = rand() % 5;
			memcpy(buf, cmd, len);
			break;
		case 1:		/* "reset" followed by something else */
			len = 6 + rand() % 64;
			memcpy(buf, cmd, 6);
			for (size_t j = 5; j < len; j++)
				buf[j] = rand();
			if (len == 6 && buf[5] == '\n')
				buf[5] = ' ';
			break;
		case 2:		/* "reset" with one byte changed */
			len = 5 + rand() % 2;
			memcpy(buf, cmd, len);
			buf[rand() % 5] ^= 1 + rand() % 255;
			break;
		default:	/* noise, up to 64 KiB */
			len = rand() % 2 ? (size_t)(rand() % 16) : rand() % sizeof(buf);
			for (size_t j = 0; j < len; j++)
				buf[j] = rand();
			if (len >= 5 && len <= 6 && !memcmp(buf, cmd, len))
				buf[0] = 'x';
			break;
		}
		r = write(fd, buf, len);
		if (r >= 0)
			accepted++;
		else if (errno == EINVAL)
			einval++;
		else
			other++;
	}
	close(fd);
	printf("writes=%ld accepted=%ld einval=%ld other=%ld\n", count,
	       accepted, einval, other);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long a = argc > 2 ? atol(argv[2]) : 0;
	long b = argc > 3 ? atol(argv[3]) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "spin") && argc > 2)
		spinner(atof(argv[2]), b > 0 ? b : 50);
	else if (!strcmp(cmd, "sleep") && argc > 3)
		sleeper(a, b);
	else if (!strcmp(cmd, "tick") && argc > 3)
		wl_tick(a, b);
	else if (!strcmp(cmd, "pingpong") && argc > 2)
		return pingpong(a, argc > 4 ? atoi(argv[3]) : -1, argc > 4 ? atoi(argv[4]) : -1);
	else if (!strcmp(cmd, "threads") && argc > 3)
		return threads(a, atof(argv[3]));
	else if (!strcmp(cmd, "migrate") && argc > 2)
		wl_migrate(a);
	else if (!strcmp(cmd, "forkexec") && argc > 3)
		return forkexec(a, argv[3]);
	else if (!strcmp(cmd, "leaderfirst") && argc > 2)
		return leaderfirst(a);
	else if (!strcmp(cmd, "stacks") && argc > 2)
		return stacks(a);
	else if (!strcmp(cmd, "deep") && argc > 3)
		return wl_deep(a, atof(argv[3])) == a ? 0 : 1;
	else if (!strcmp(cmd, "asuser") && argc > 4)
		return asuser(a, argv[3], argv[4]);
	else if (!strcmp(cmd, "asuid") && argc > 3)
		return asuid(a, argv + 3);
	else if (!strcmp(cmd, "fifo") && argc > 2)
		return as_policy(SCHED_FIFO, argv + 2);
	else if (!strcmp(cmd, "idle") && argc > 2)
		return as_policy(SCHED_IDLE, argv + 2);
	else if (!strcmp(cmd, "capsdrop") && argc > 2)
		return capsdrop(argv[2]);
	else if (!strcmp(cmd, "pidns") && argc > 2)
		return pidns(argv[2]);
	else if (!strcmp(cmd, "rename") && argc > 3) {
		prctl(PR_SET_NAME, argv[2], 0, 0, 0);
		spinner(atof(argv[3]), 50);
	}
	else if (!strcmp(cmd, "write") && argc > 3)
		return writestr(argv[2], argv[3]);
	else if (!strcmp(cmd, "writefuzz") && argc > 4)
		return writefuzz(argv[2], b, atoi(argv[4]));
	else if (!strcmp(cmd, "phases") && argc > 2)
		phases(atof(argv[2]));
	else if (!strcmp(cmd, "napcompute") && argc > 4)
		napcompute(a, b, atol(argv[4]));
	else if (!strcmp(cmd, "inroot") && argc > 3)
		return inroot(argv[2], argv[3]);
	else if (!strcmp(cmd, "hold") && argc > 3)
		return hold(argv[2], atof(argv[3]));
	else if (!strcmp(cmd, "pread") && argc > 2)
		return reread(argv[2]);
	else if (!strcmp(cmd, "vhost") && argc > 2)
		return vhost(a);
	else if (!strcmp(cmd, "loop") && argc > 2)
		wl_loop(atof(argv[2]));
	else if (!strcmp(cmd, "reads") && argc > 3)
		return reads(argv[2], atof(argv[3]));
	else if (!strcmp(cmd, "touch") && argc > 2)
		touch(a);
	else if (!strcmp(cmd, "fakeframe") && argc > 4)
		return fakeframe(argv[2], b, atof(argv[4]));
	else if (!strcmp(cmd, "fuseserve") && argc > 2)
		return fuseserve(argv[2]);
	else if (!strcmp(cmd, "cpus"))
		printf("%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	else {
		fprintf(stderr, "usage: see the comment at the top of ptwork.c\n");
		return 2;
	}
	return 0;
}

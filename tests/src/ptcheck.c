// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptcheck: read /proc/perftop dumps for perftop's tests.
 *
 *   ptcheck format TOP DEPTH < dump        validate the whole format
 *   ptcheck list [SYMS FUNC[,FUNC]] < dump entries, one per line (TSV);
 *                                          with SYMS, only user entries with
 *                                          a frame inside one of the FUNCs
 *   ptcheck footer KEY < dump              a footer value (switches, ...)
 *   ptcheck delta SYMS FUNCS BEFORE AFTER  summed change of the matching
 *                                          entries between two dumps
 *   ptcheck kaddr KALLSYMS < dump          no number printed is a kernel
 *                                          address
 *   ptcheck snap OUT [PID...]              copy /proc/perftop to OUT; print
 *                                          the CLOCK_MONOTONIC ns of the read,
 *                                          then "run_ns pcount switches" of each
 *                                          PID (schedstat fields 1 and 3, and
 *                                          voluntary + nonvoluntary context
 *                                          switches), read just before it
 *   ptcheck conserve A TA B TB NCPU PCT    busy + idle + dropped time from
 *                                          dump A to dump B equals NCPU x the
 *                                          elapsed time, within PCT %; and the
 *                                          ranked entries sum to busy + idle
 *   ptcheck hammer FILE N TOP DEPTH        read FILE N times, each read must
 *                                          pass "format TOP DEPTH"
 *   ptcheck kthread FUNC < dump            the kernel entries whose frame #0
 *                                          is in FUNC, all frames symbolised;
 *                                          prints their summed count
 *
 * SYMS is the output of "nm -S" for the workload binary.
 * Exit status: 0 pass, 1 fail (with the reason on stdout), 2 usage.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <inttypes.h>
#include <regex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROWS	100000
#define MAX_FRAMES	16

struct row {
	unsigned int rank;
	unsigned int hash;
	uint64_t ticks, ns, count;
	int pid;
	char kind[16];
	char comm[64];
	unsigned int nframes;
	char frames[MAX_FRAMES][256];
};

struct dump {
	char header[3][512];
	unsigned int nheader;
	unsigned long tsc_khz;
	struct row *rows;
	unsigned int nrows;
	char footer[8][512];
	unsigned int nfooter;
};

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* Copy with truncation, always terminated. */
static void set(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = 0;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
}

/* Parse a dump; only the syntax needed to find its parts. */
static void parse(FILE *f, struct dump *d)
{
	char line[4096];
	struct row *r = NULL;
	int in_footer = 0;

	struct row *rows = d->rows;

	memset(d, 0, sizeof(*d));
	d->rows = rows ? rows : calloc(MAX_ROWS, sizeof(*d->rows));
	if (!d->rows)
		fail("out of memory");
	while (fgets(line, sizeof(line), f)) {
		chomp(line);
		if (!strncmp(line, "# ", 2)) {
			if (d->nrows || in_footer || d->nheader == 3) {
				in_footer = 1;
				if (d->nfooter < 8)
					set(d->footer[d->nfooter++], 512, line);
			} else {
				set(d->header[d->nheader++], 512, line);
			}
		} else if (!strncmp(line, "rank ", 5)) {
			if (in_footer)
				fail("rank line after the footer: %s", line);
			if (d->nrows == MAX_ROWS)
				fail("too many ranks");
			r = &d->rows[d->nrows++];
			r->nframes = 0;
			if (sscanf(line, "rank %u scheduled task: jhash=0x%x ticks=%" SCNu64
				   " ns=%" SCNu64 " count=%" SCNu64 " pid=%d kind=%15s comm=%63[^\n]",
				   &r->rank, &r->hash, &r->ticks, &r->ns, &r->count,
				   &r->pid, r->kind, r->comm) != 8)
				fail("malformed rank line: %s", line);
		} else if (!strncmp(line, "  #", 3)) {
			unsigned int idx;
			char text[256];

			if (!r)
				fail("frame before any rank: %s", line);
			if (sscanf(line, "  #%u %255[^\n]", &idx, text) != 2)
				fail("malformed frame line: %s", line);
			if (idx != r->nframes || r->nframes == MAX_FRAMES)
				fail("frame #%u out of order in rank %u", idx, r->rank);
			set(r->frames[r->nframes++], 256, text);
		} else {
			fail("unexpected line: '%s'", line);
		}
	}
	if (d->nheader > 1) {
		const char *p = strstr(d->header[1], "tsc_khz=");

		if (p)
			d->tsc_khz = strtoul(p + 8, NULL, 10);
	}
}

/* The value of "KEY=" in the footer; exits if absent. */
static uint64_t footer_value(const struct dump *d, const char *key)
{
	char pat[64];
	unsigned int i;

	snprintf(pat, sizeof(pat), " %s=", key);
	for (i = 0; i < d->nfooter; i++) {
		const char *p = strstr(d->footer[i], pat);

		if (p)
			return strtoull(p + strlen(pat), NULL, 10);
	}
	fail("footer has no %s=", key);
	return 0;
}

static int user_frame_ok(const char *s)
{
	char *end;
	unsigned long long v;

	if (strncmp(s, "0x", 2))
		return 0;
	v = strtoull(s, &end, 16);
	return !*end && v >= 4096 && v < 0x800000000000ULL;
}

static regex_t ksym_re;
static int quiet;

static int kernel_frame_ok(const char *s)
{
	return !strcmp(s, "?") || !regexec(&ksym_re, s, 0, NULL, 0);
}

static void check_format(const struct dump *d, unsigned int top, unsigned int depth)
{
	static const char * const keys[] = {
		"switches", "dropped", "dropped_ticks", "missed", "busy_ticks",
		"busy_ns", "idle_ticks", "idle_ns", "calls", "avg", "max",
	};
	unsigned int i, j;

	if (d->nheader != 3 || strncmp(d->header[0], "# perftop ", 10))
		fail("missing header");
	if (!strstr(d->header[1], "time unit: rdtsc ticks"))
		fail("the time unit is not stated: %s", d->header[1]);
	if (!d->tsc_khz)
		fail("no tsc_khz in the header");
	if (d->nrows > top)
		fail("%u ranks printed, top is %u", d->nrows, top);
	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];
		uint64_t ns = (uint64_t)((unsigned __int128)r->ticks * 1000000 / d->tsc_khz);

		if (r->rank != i + 1)
			fail("rank %u where %u was expected", r->rank, i + 1);
		if (i && r->ticks > d->rows[i - 1].ticks)
			fail("rank %u has more ticks (%" PRIu64 ") than rank %u (%" PRIu64 ")",
			     r->rank, r->ticks, i, d->rows[i - 1].ticks);
		if (r->ns != ns)
			fail("rank %u: ns=%" PRIu64 " but ticks give %" PRIu64, r->rank, r->ns, ns);
		if (r->nframes > depth)
			fail("rank %u has %u frames, depth is %u", r->rank, r->nframes, depth);
		if (strcmp(r->kind, "user") && strcmp(r->kind, "kernel") && strcmp(r->kind, "idle"))
			fail("rank %u: unknown kind %s", r->rank, r->kind);
		for (j = 0; j < r->nframes; j++) {
			int ok = strcmp(r->kind, "user") ? kernel_frame_ok(r->frames[j])
							 : user_frame_ok(r->frames[j]);
			if (!ok)
				fail("rank %u (%s): bad frame '%s'", r->rank, r->kind, r->frames[j]);
		}
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		footer_value(d, keys[i]);
	if (!quiet)
		printf("ok ranks=%u\n", d->nrows);
}

struct range {
	unsigned long start, end;
};

/* FUNCS is a comma-separated list of symbols looked up in SYMS (nm -S). */
static unsigned int load_ranges(const char *syms, const char *funcs, struct range *out,
				unsigned int max)
{
	char line[512], name[256], want[1024], *tok, *save;
	unsigned long addr, size;
	unsigned int n = 0;
	FILE *f = fopen(syms, "r");

	if (!f)
		fail("cannot open %s", syms);
	snprintf(want, sizeof(want), "%s", funcs);
	for (tok = strtok_r(want, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int found = 0;

		rewind(f);
		while (fgets(line, sizeof(line), f)) {
			char type;

			if (sscanf(line, "%lx %lx %c %255s", &addr, &size, &type, name) == 4 &&
			    !strcmp(name, tok) && n < max) {
				out[n].start = addr;
				out[n].end = addr + size;
				n++;
				found = 1;
			}
		}
		if (!found)
			fail("%s not in %s", tok, syms);
	}
	fclose(f);
	return n;
}

static int row_matches(const struct row *r, const struct range *rg, unsigned int n)
{
	unsigned int i, j;

	if (strcmp(r->kind, "user"))
		return 0;
	for (j = 0; j < r->nframes; j++) {
		unsigned long a = strtoul(r->frames[j], NULL, 16);

		for (i = 0; i < n; i++)
			if (a >= rg[i].start && a < rg[i].end)
				return 1;
	}
	return 0;
}

static void list(const struct dump *d, const struct range *rg, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];

		if (n && !row_matches(r, rg, n))
			continue;
		printf("%u\t0x%08x\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%d\t%s",
		       r->rank, r->hash, r->kind, r->ticks, r->ns, r->count, r->pid, r->comm);
		for (j = 0; j < r->nframes; j++)
			printf("\t%s", r->frames[j]);
		printf("\n");
	}
}

static FILE *xopen(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		fail("cannot open %s", path);
	return f;
}

/* Change of the matching entries from BEFORE to AFTER, matched by jhash. */
static void delta(const struct dump *a, const struct dump *b, const struct range *rg,
		  unsigned int n)
{
	uint64_t ticks = 0, ns = 0, count = 0;
	unsigned int i, j, entries = 0;

	for (i = 0; i < b->nrows; i++) {
		const struct row *r = &b->rows[i], *old = NULL;

		if (!row_matches(r, rg, n))
			continue;
		for (j = 0; j < a->nrows; j++)
			if (a->rows[j].hash == r->hash && !strcmp(a->rows[j].kind, r->kind))
				old = &a->rows[j];
		if (old && (old->ticks > r->ticks || old->count > r->count))
			fail("entry 0x%08x went backwards", r->hash);
		ticks += r->ticks - (old ? old->ticks : 0);
		count += r->count - (old ? old->count : 0);
		entries++;
	}
	ns = (uint64_t)((unsigned __int128)ticks * 1000000 / b->tsc_khz);
	printf("entries=%u ticks=%" PRIu64 " ns=%" PRIu64 " count=%" PRIu64 "\n",
	       entries, ticks, ns, count);
}

/* Every hex number in the dump must be outside the kernel's address space. */
static void kaddr(FILE *dump, const char *kallsyms)
{
	unsigned long long lo = ~0ULL, hi = 0, a, v;
	char line[4096], *p, *end;
	unsigned int numbers = 0;
	FILE *k = xopen(kallsyms);

	/* Per-CPU symbols are offsets, not addresses: only the kernel half. */
	while (fgets(line, sizeof(line), k))
		if (sscanf(line, "%llx", &a) == 1 && a >= 0xffff800000000000ULL) {
			lo = a < lo ? a : lo;
			hi = a > hi ? a : hi;
		}
	fclose(k);
	if (hi < 0xffff800000000000ULL)
		fail("%s shows no kernel addresses: run as root with kptr_restrict=0", kallsyms);
	while (fgets(line, sizeof(line), dump)) {
		for (p = line; (p = strstr(p, "0x")); p = end) {
			v = strtoull(p + 2, &end, 16);
			if (end == p + 2) {
				end = p + 2;
				continue;
			}
			numbers++;
			/* An offset after a symbol ("+0x1b/0x40") is not an address. */
			if (p > line && (p[-1] == '+' || p[-1] == '/'))
				continue;
			if (v >= 0xffff800000000000ULL || (v >= lo && v <= hi))
				fail("kernel address 0x%llx printed: %s", v, line);
		}
	}
	printf("ok numbers=%u kernel_range=%llx-%llx\n", numbers, lo, hi);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * One read of /proc/perftop into OUT, stamped, and the schedstat of PIDS read
 * right before it: perftop takes its snapshot at the first read(), so only
 * an open() separates the two.  Running SCHED_FIFO keeps the workloads from
 * running in between on a single CPU.  Two snapshots then give perftop and
 * the kernel the same window.
 */
static void snap(const char *out, char **pids, int npids)
{
	static char buf[1 << 22];
	struct sched_param sp = { .sched_priority = 50 };
	unsigned long long run[64], wait, pcount[64], sw[64], v;
	FILE *stat[64], *status[64], *in, *o;
	char path[64], line[256];
	uint64_t t0, t1 = 0;
	size_t n = 0;
	ssize_t r;
	int i;

	if (npids > 64)
		fail("too many pids");
	sched_setscheduler(0, SCHED_FIFO, &sp);
	for (i = 0; i < npids; i++) {
		snprintf(path, sizeof(path), "/proc/%s/schedstat", pids[i]);
		stat[i] = fopen(path, "r");
		snprintf(path, sizeof(path), "/proc/%s/status", pids[i]);
		status[i] = fopen(path, "r");
		if (!stat[i] || !status[i])
			fail("cannot open the schedstat or status of %s", pids[i]);
	}
	in = fopen("/proc/perftop", "r");
	if (!in)
		fail("cannot open /proc/perftop");
	t0 = mono_ns();
	for (i = 0; i < npids; i++) {
		if (fscanf(stat[i], "%llu %llu %llu", &run[i], &wait, &pcount[i]) != 3)
			fail("cannot read the schedstat of %s", pids[i]);
		sw[i] = 0;
		while (fgets(line, sizeof(line), status[i]))
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				sw[i] += v;
	}
	/* seq_file builds the whole table at the first read. */
	while ((r = fread(buf + n, 1, sizeof(buf) - n, in)) > 0) {
		if (!n)
			t1 = mono_ns();
		n += r;
	}
	fclose(in);
	for (i = 0; i < npids; i++) {
		fclose(stat[i]);
		fclose(status[i]);
	}
	o = fopen(out, "w");
	if (!o || fwrite(buf, 1, n, o) != n || fclose(o))
		fail("cannot write %s", out);
	printf("%" PRIu64 "\n", t0 + (t1 - t0) / 2);
	for (i = 0; i < npids; i++)
		printf("%llu %llu %llu\n", run[i], pcount[i], sw[i]);
}

static double pct(double a, double b)
{
	return b ? 100.0 * (a - b) / b : 0;
}

static void conserve(const struct dump *a, uint64_t ta, const struct dump *b, uint64_t tb,
		     unsigned int ncpu, double limit)
{
	uint64_t sum = 0, fb = footer_value(b, "busy_ticks") + footer_value(b, "idle_ticks");
	double acc, wall, err;
	unsigned int i;

	for (i = 0; i < b->nrows; i++)
		sum += b->rows[i].ticks;
	if (footer_value(b, "entries") > b->nrows)
		fail("only %u of the entries are ranked: load with top >= max_entries", b->nrows);
	if (sum != fb)
		fail("ranked entries sum to %" PRIu64 " ticks, busy + idle is %" PRIu64, sum, fb);
	acc = (double)(footer_value(b, "busy_ns") - footer_value(a, "busy_ns")) +
	      (double)(footer_value(b, "idle_ns") - footer_value(a, "idle_ns")) +
	      (double)(footer_value(b, "dropped_ticks") - footer_value(a, "dropped_ticks")) *
		      1e6 / b->tsc_khz;
	wall = (double)(tb - ta) * ncpu;
	err = pct(acc, wall);
	printf("accounted_ns=%.0f wall_ns=%.0f (%u CPUs) error=%.3f%%\n", acc, wall, ncpu, err);
	if (err > limit || err < -limit)
		fail("conservation error %.3f%% exceeds %.1f%%", err, limit);
}

static void hammer(const char *file, long n, unsigned int top, unsigned int depth)
{
	static struct dump d;
	long i;

	for (i = 0; i < n; i++) {
		FILE *f = fopen(file, "r");

		if (!f)
			fail("read %ld: cannot open %s", i, file);
		parse(f, &d);
		fclose(f);
		quiet = 1;
		check_format(&d, top, depth);
	}
	printf("ok reads=%ld\n", n);
}

static void kthread(const struct dump *d, const char *func)
{
	unsigned int i, j, entries = 0;
	size_t n = strlen(func);
	uint64_t count = 0;

	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];
		int ok = 1;

		if (strcmp(r->kind, "kernel") || !r->nframes ||
		    strncmp(r->frames[0], func, n) || r->frames[0][n] != '+')
			continue;
		for (j = 0; j < r->nframes; j++)
			ok &= strcmp(r->frames[j], "?") && kernel_frame_ok(r->frames[j]);
		if (!ok)
			fail("rank %u: a frame is not symbolised", r->rank);
		entries++;
		count += r->count;
	}
	if (!entries)
		fail("no kernel entry with frame #0 in %s", func);
	printf("ok entries=%u count=%" PRIu64 "\n", entries, count);
}

int main(int argc, char **argv)
{
	static struct dump d, e;
	struct range rg[64];
	unsigned int n = 0;
	const char *cmd = argc > 1 ? argv[1] : "";

	if (regcomp(&ksym_re,
		    "^[A-Za-z_.$][A-Za-z0-9_.$]*\\+0x[0-9a-f]+/0x[0-9a-f]+( \\[[A-Za-z0-9_]+\\])?$",
		    REG_EXTENDED | REG_NOSUB))
		return 2;
	if (!strcmp(cmd, "format") && argc == 4) {
		parse(stdin, &d);
		check_format(&d, atoi(argv[2]), atoi(argv[3]));
	} else if (!strcmp(cmd, "list") && (argc == 2 || argc == 4)) {
		if (argc == 4)
			n = load_ranges(argv[2], argv[3], rg, 64);
		parse(stdin, &d);
		list(&d, rg, n);
	} else if (!strcmp(cmd, "footer") && argc == 3) {
		parse(stdin, &d);
		printf("%" PRIu64 "\n", footer_value(&d, argv[2]));
	} else if (!strcmp(cmd, "delta") && argc == 6) {
		n = load_ranges(argv[2], argv[3], rg, 64);
		parse(xopen(argv[4]), &d);
		parse(xopen(argv[5]), &e);
		delta(&d, &e, rg, n);
	} else if (!strcmp(cmd, "kaddr") && argc == 3) {
		kaddr(stdin, argv[2]);
	} else if (!strcmp(cmd, "snap") && argc >= 3) {
		snap(argv[2], argv + 3, argc - 3);
	} else if (!strcmp(cmd, "conserve") && argc == 8) {
		parse(xopen(argv[2]), &d);
		parse(xopen(argv[4]), &e);
		conserve(&d, strtoull(argv[3], NULL, 10), &e, strtoull(argv[5], NULL, 10),
			 atoi(argv[6]), atof(argv[7]));
	} else if (!strcmp(cmd, "hammer") && argc == 6) {
		hammer(argv[2], atol(argv[3]), atoi(argv[4]), atoi(argv[5]));
	} else if (!strcmp(cmd, "kthread") && argc == 3) {
		parse(stdin, &d);
		kthread(&d, argv[2]);
	} else {
		fprintf(stderr, "usage: see the comment at the top of ptcheck.c\n");
		return 2;
	}
	return 0;
}

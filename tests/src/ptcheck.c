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
 *                                          the CLOCK_MONOTONIC ns before and
 *                                          after its first read() (which
 *                                          drains), then "run_ns pcount
 *                                          switches run_ns_after" of each
 *                                          PID (schedstat fields 1 and 3, and
 *                                          voluntary + nonvoluntary context
 *                                          switches), read just before it,
 *                                          and run_ns again just after it
 *   ptcheck conserve A TA B TB NCPU PCT    busy + idle + dropped time from
 *                                          dump A to dump B equals NCPU x the
 *                                          time between their drains (at_ns),
 *                                          within PCT %; TA and TB ("snap"'s
 *                                          "T1 T2") must bracket those; and the
 *                                          ranked entries sum to busy + idle
 *   ptcheck hammer FILE N TOP DEPTH        read FILE N times, each read must
 *                                          pass "format TOP DEPTH"
 *   ptcheck kshare COMM FUNC[,FUNC] < dump the kernel entries of COMM: their
 *                                          summed ns, and each FUNC's (entries
 *                                          with a frame in it)
 *   ptcheck kthread FUNC < dump            the kernel entries whose frame #0
 *                                          is in FUNC, all frames symbolised;
 *                                          prints their summed count
 *   ptcheck chain SYMS F0,F1,.. < dump     a user entry whose frames #0, #1,
 *                                          ... lie in F0, F1, ... in order;
 *                                          prints the first, then how many
 *                                          match (matches=N)
 *   ptcheck whole COMM < dump              COMM's user entries: their summed
 *                                          ns, that of those whose stack is
 *                                          complete, and its share, in %
 *   ptcheck depth SYMS FUNC COMM < dump    the first (heaviest) user entry of
 *                                          COMM with a frame in FUNC: its
 *                                          rank, stack=, frames and how many
 *                                          lie in FUNC
 *   ptcheck now                            CLOCK_MONOTONIC, in ns
 *   ptcheck only COMM SYMS [VDSO] < dump   every frame of every user entry of
 *                                          COMM lies in a function of SYMS
 *                                          (or the vDSO): no junk frame; a
 *                                          frame left unnamed as its address
 *                                          space was locked must lie there by
 *                                          its address (a program linked at a
 *                                          fixed address), or in VDSO
 *                                          (START-END, hex: where the process
 *                                          saw its vDSO); prints how many
 *
 * SYMS is a colon-separated list of "nm -S" outputs, each named after the
 * object it describes (OBJECT.syms): frames print as .../OBJECT+0xOFF.
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
#include <unistd.h>

#define MAX_ROWS	100000
#define MAX_FRAMES	128

struct row {
	unsigned int rank;
	unsigned int hash;
	uint64_t ticks, ns, count, splits;
	unsigned int procs;
	char stack[16];
	char pid[16];
	char kind[16];
	char comm[64];
	unsigned int nframes;
	char *frames[MAX_FRAMES];	/* strdup()ed: never freed */
};

#define MAX_OBJECTS	1024

struct dump {
	char header[3][512];
	unsigned int nheader;
	unsigned long tsc_khz;
	struct row *rows;
	unsigned int nrows;
	char footer[16][512];
	unsigned int nfooter;
	char (*objects)[512];		/* "# object ..." lines, without "# object " */
	unsigned int nobjects;
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
	char (*objects)[512] = d->objects;

	memset(d, 0, sizeof(*d));
	d->rows = rows ? rows : calloc(MAX_ROWS, sizeof(*d->rows));
	d->objects = objects ? objects : calloc(MAX_OBJECTS, sizeof(*d->objects));
	if (!d->rows || !d->objects)
		fail("out of memory");
	while (fgets(line, sizeof(line), f)) {
		chomp(line);
		if (!strncmp(line, "# object ", 9)) {
			if (d->nobjects == MAX_OBJECTS)
				fail("too many object lines");
			set(d->objects[d->nobjects++], 512, line + 9);
			in_footer = 1;
		} else if (!strncmp(line, "# ", 2)) {
			if (d->nrows || in_footer || d->nheader == 3) {
				in_footer = 1;
				if (d->nfooter < 16)
					set(d->footer[d->nfooter++], 512, line);
			} else {
				set(d->header[d->nheader++], 512, line);
			}
		} else if (!strncmp(line, "rank ", 5)) {
			int comm = 0;

			if (in_footer)
				fail("rank line after the footer: %s", line);
			if (d->nrows == MAX_ROWS)
				fail("too many ranks");
			r = &d->rows[d->nrows++];
			r->nframes = 0;
			if (sscanf(line, "rank %u scheduled task: jhash=0x%x ticks=%" SCNu64
				   " ns=%" SCNu64 " count=%" SCNu64 " splits=%" SCNu64
				   " procs=%u stack=%15s pid=%15s kind=%15s comm=%n",
				   &r->rank, &r->hash, &r->ticks, &r->ns, &r->count, &r->splits,
				   &r->procs, r->stack, r->pid, r->kind, &comm) != 10 || !comm)
				fail("malformed rank line: %s", line);
			set(r->comm, sizeof(r->comm), line + comm);
		} else if (!strncmp(line, "  #", 3)) {
			unsigned int idx;
			char text[256];

			if (!r)
				fail("frame before any rank: %s", line);
			if (sscanf(line, "  #%u %255[^\n]", &idx, text) != 2)
				fail("malformed frame line: %s", line);
			if (idx != r->nframes || r->nframes == MAX_FRAMES)
				fail("frame #%u out of order in rank %u", idx, r->rank);
			r->frames[r->nframes] = strdup(text);
			if (!r->frames[r->nframes++])
				fail("out of memory");
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

static regex_t ksym_re, ufile_re, uspecial_re, unres_re, object_re;

/*
 * A user frame: FILE+0xOFF (an absolute, escaped path; " (file offset)" when
 * not ELF), [vdso]+0xOFF, [anon]+0xADDR, or 0xADDR (unresolved: WHY).
 */
static int user_frame_ok(const char *s)
{
	return !regexec(&ufile_re, s, 0, NULL, 0) || !regexec(&uspecial_re, s, 0, NULL, 0) ||
	       !regexec(&unres_re, s, 0, NULL, 0);
}

/* The object line naming PATH (the frame's text before its last "+0x"). */
static int object_listed(const struct dump *d, const char *frame)
{
	const char *plus = strrchr(frame, '+');
	size_t n = plus ? (size_t)(plus - frame) : 0;
	unsigned int i;

	for (i = 0; i < d->nobjects; i++) {
		const char *p = strchr(d->objects[i], ' ');

		if (p && strlen(p + 1) == n && !strncmp(p + 1, frame, n))
			return 1;
	}
	return 0;
}
static int quiet;

static int kernel_frame_ok(const char *s)
{
	return !strcmp(s, "?") || !regexec(&ksym_re, s, 0, NULL, 0);
}

static void check_format(const struct dump *d, unsigned int top, unsigned int depth)
{
	static const char * const keys[] = {
		"switches", "entries", "evicted", "lost", "lost_ticks", "gaps", "gap_ticks",
		"missed", "busy_ticks", "busy_ns", "idle_ticks", "idle_ns", "aligned", "probe",
		"drains", "interval_ms", "calls", "avg", "max",
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
		if (!strcmp(r->kind, "idle") && r->nframes)
			fail("rank %u: the idle rank has frames", r->rank);
		if (strcmp(r->stack, "complete") && strcmp(r->stack, "truncated") &&
		    strcmp(r->stack, "limit"))
			fail("rank %u: unknown stack=%s", r->rank, r->stack);
		if (strcmp(r->pid, "-") && strspn(r->pid, "0123456789") != strlen(r->pid))
			fail("rank %u: bad pid=%s", r->rank, r->pid);
		for (j = 0; j < r->nframes; j++) {
			int user = !strcmp(r->kind, "user");
			int ok = user ? user_frame_ok(r->frames[j]) : kernel_frame_ok(r->frames[j]);

			if (!ok)
				fail("rank %u (%s): bad frame '%s'", r->rank, r->kind, r->frames[j]);
			if (user && r->frames[j][0] == '/' && !object_listed(d, r->frames[j]))
				fail("rank %u: no object line for '%s'", r->rank, r->frames[j]);
		}
	}
	if (!strstr(d->footer[0], "# other: ticks="))
		fail("no 'other' line first in the footer: %s", d->footer[0]);
	for (i = 0; i < d->nobjects; i++)
		if (regexec(&object_re, d->objects[i], 0, NULL, 0))
			fail("bad object line: %s", d->objects[i]);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		footer_value(d, keys[i]);
	if (!quiet)
		printf("ok ranks=%u\n", d->nrows);
}

/* A function's addresses in an object, as nm -S gives them. */
struct range {
	char obj[64];
	unsigned long start, end;
};

/*
 * FUNCS is a comma-separated list of symbols looked up in SYMS, a
 * colon-separated list of "nm -S" outputs each named OBJECT.syms: the
 * symbols of OBJECT, whose frames print as .../OBJECT+0xOFF.
 */
static unsigned int load_ranges(const char *syms, const char *funcs, struct range *out,
				unsigned int max)
{
	char line[512], name[256], want[1024], files[1024], obj[64], *tok, *save, *file, *fsave;
	unsigned long addr, size;
	unsigned int n = 0;

	snprintf(want, sizeof(want), "%s", funcs);
	for (tok = strtok_r(want, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int found = 0;

		snprintf(files, sizeof(files), "%s", syms);
		for (file = strtok_r(files, ":", &fsave); file; file = strtok_r(NULL, ":", &fsave)) {
			const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
			FILE *f = fopen(file, "r");

			if (!f)
				fail("cannot open %s", file);
			set(obj, sizeof(obj), base);
			if (strstr(obj, ".syms"))
				*strstr(obj, ".syms") = 0;
			while (fgets(line, sizeof(line), f)) {
				char type;

				if (sscanf(line, "%lx %lx %c %255s", &addr, &size, &type, name) == 4 &&
				    !strcmp(name, tok) && n < max) {
					set(out[n].obj, sizeof(out[n].obj), obj);
					out[n].start = addr;
					out[n].end = addr + size;
					n++;
					found = 1;
				}
			}
			fclose(f);
		}
		if (!found)
			fail("%s not in %s", tok, syms);
	}
	return n;
}

/* Does user frame TEXT lie in one of the ranges? */
static int frame_in(const char *text, const struct range *rg, unsigned int n)
{
	const char *plus = strrchr(text, '+'), *base = text, *p;
	unsigned long off;
	size_t len;
	unsigned int i;

	if (!plus || strncmp(plus, "+0x", 3))
		return 0;
	for (p = text; p < plus; p++)
		if (*p == '/')
			base = p + 1;
	len = plus - base;
	off = strtoul(plus + 3, NULL, 16);
	for (i = 0; i < n; i++)
		if (strlen(rg[i].obj) == len && !strncmp(base, rg[i].obj, len) &&
		    off >= rg[i].start && off < rg[i].end)
			return 1;
	return 0;
}

/*
 * TEXT is a frame the module could not name, its process's address space
 * locked when the drain first tried (perftop(4)), at an address inside one
 * of the N ranges, or in VDSO (START-END, or NULL): the address itself, as
 * a program linked at a fixed address (pt32: static, not PIE) has its code
 * where its symbols say.
 */
static int addr_in(const char *text, const struct range *rg, unsigned int n, const char *vdso)
{
	unsigned long lo, hi;
	static const char why[] = " (unresolved: its address space was locked)";
	unsigned long addr;
	unsigned int i;
	char *end;

	if (strncmp(text, "0x", 2))
		return 0;
	addr = strtoul(text + 2, &end, 16);
	if (end == text + 2 || strcmp(end, why))
		return 0;
	if (vdso && sscanf(vdso, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi)
		return 1;
	for (i = 0; i < n; i++)
		if (addr >= rg[i].start && addr < rg[i].end)
			return 1;
	return 0;
}

static int row_matches(const struct row *r, const struct range *rg, unsigned int n)
{
	unsigned int j;

	if (strcmp(r->kind, "user"))
		return 0;
	for (j = 0; j < r->nframes; j++)
		if (frame_in(r->frames[j], rg, n))
			return 1;
	return 0;
}

static void list(const struct dump *d, const struct range *rg, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];

		if (n && !row_matches(r, rg, n))
			continue;
		printf("%u\t0x%08x\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%s\t%s\t%u\t%s",
		       r->rank, r->hash, r->kind, r->ticks, r->ns, r->count, r->pid, r->comm,
		       r->procs, r->stack);
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
			fail("entry 0x%08x went backwards (the pool evicted %" PRIu64
			     " entries between the dumps: one that comes back counts from then)",
			     r->hash, footer_value(b, "evicted") - footer_value(a, "evicted"));
		ticks += r->ticks - (old ? old->ticks : 0);
		count += r->count - (old ? old->count : 0);
		entries++;
	}
	ns = (uint64_t)((unsigned __int128)ticks * 1000000 / b->tsc_khz);
	printf("entries=%u ticks=%" PRIu64 " ns=%" PRIu64 " count=%" PRIu64 "\n",
	       entries, ticks, ns, count);
}

/*
 * No number in the dump may be a kernel address: every run of decimal digits
 * and every run of 8 or more hex digits (with or without "0x") is checked
 * against the kernel's range in KALLSYMS and the kernel half of the address
 * space.  A run longer than 16 hex digits (a build-id) is no address.
 */
static int is_kaddr(unsigned long long v, unsigned long long lo, unsigned long long hi)
{
	return v >= 0xffff800000000000ULL || (v >= lo && v <= hi);
}

static void kaddr(FILE *dump, const char *kallsyms)
{
	unsigned long long lo = ~0ULL, hi = 0, a, v;
	char line[4096], *p, *q;
	unsigned int numbers = 0;
	size_t n, nd;
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
		for (p = line; *p; p = q) {
			if (!isxdigit((unsigned char)*p)) {
				q = p + 1;
				continue;
			}
			if (p[0] == '0' && p[1] == 'x')
				p += 2;
			n = strspn(p, "0123456789abcdefABCDEF");
			nd = strspn(p, "0123456789");
			q = p + (n ? n : 1);
			/* A word that merely has letters a-f in it is no number. */
			if (p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_') &&
			    !(p >= line + 2 && p[-2] == '0' && p[-1] == 'x'))
				continue;
			if (isalnum((unsigned char)*q) || *q == '_')
				continue;
			if (nd == n && n <= 20) {
				numbers++;
				v = strtoull(p, NULL, 10);
				if (is_kaddr(v, lo, hi))
					fail("kernel address %llu printed (decimal): %s", v, line);
			}
			if (n >= 8 && n <= 16) {
				numbers++;
				v = strtoull(p, NULL, 16);
				if (is_kaddr(v, lo, hi))
					fail("kernel address 0x%llx printed: %s", v, line);
			}
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
 * One read of /proc/perftop_all into OUT, stamped, and the schedstat of PIDS read
 * right before it: perftop takes its snapshot at the first read(), so only
 * an open() separates the two.  Running SCHED_FIFO keeps the workloads from
 * running in between on a single CPU.  Two snapshots then give perftop and
 * the kernel the same window.
 */
static void snap(const char *out, char **pids, int npids)
{
	static char buf[1 << 22];
	struct sched_param sp = { .sched_priority = 50 };
	unsigned long long run[64], run_after[64], wait, pcount[64], sw[64], v;
	FILE *stat[64], *status[64], *in, *o;
	char path[64], line[256];
	uint64_t t1, t2;
	size_t n;
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
	in = fopen("/proc/perftop_all", "r");
	if (!in)
		fail("cannot open /proc/perftop_all");
	for (i = 0; i < npids; i++) {
		if (fscanf(stat[i], "%llu %llu %llu", &run[i], &wait, &pcount[i]) != 3)
			fail("cannot read the schedstat of %s", pids[i]);
		sw[i] = 0;
		while (fgets(line, sizeof(line), status[i]))
			if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1 ||
			    sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
				sw[i] += v;
	}
	/*
	 * The first read() drains every CPU, at its very start, then formats
	 * a page of the table: the snapshot's instant lies between the clock
	 * read before it and the one after it returns.  Usually they are a
	 * few ms apart; an emulator that the host stops for a while can put
	 * tens of ms between them.
	 */
	t1 = mono_ns();
	r = read(fileno(in), buf, sizeof(buf));
	t2 = mono_ns();
	if (r < 0)
		fail("cannot read /proc/perftop_all");
	/*
	 * The kernel's run time again, once the drain is done: the drain's
	 * instant on each CPU lies between the two readings, so a task that
	 * ran on while the drain waited (a host stall) is bracketed.
	 */
	for (i = 0; i < npids; i++)
		if (fseek(stat[i], 0, SEEK_SET) ||
		    fscanf(stat[i], "%llu", &run_after[i]) != 1)
			fail("cannot read the schedstat of %s again", pids[i]);
	n = r;
	while (r > 0 && (r = read(fileno(in), buf + n, sizeof(buf) - n)) > 0)
		n += r;
	if (r < 0)
		fail("cannot read /proc/perftop_all");
	fclose(in);
	for (i = 0; i < npids; i++) {
		fclose(stat[i]);
		fclose(status[i]);
	}
	o = fopen(out, "w");
	if (!o || fwrite(buf, 1, n, o) != n || fclose(o))
		fail("cannot write %s", out);
	printf("%" PRIu64 " %" PRIu64 "\n", t1, t2);
	for (i = 0; i < npids; i++)
		printf("%llu %llu %llu %llu\n", run[i], pcount[i], sw[i], run_after[i]);
}

static double pct(double a, double b)
{
	return b ? 100.0 * (a - b) / b : 0;
}

/*
 * The drain instant of dump D, which must lie within "T1 T2" (snap's); how
 * far into that read, and how long it took, in ms, go to WHERE.
 */
static uint64_t drained_at(const struct dump *d, const char *name, const char *t,
			   char *where, size_t size)
{
	uint64_t at = footer_value(d, "at_ns"), t1, t2;
	char *end;

	t1 = strtoull(t, &end, 10);
	t2 = strtoull(end, &end, 10);
	if (*end || t2 < t1)
		fail("bad instants '%s'", t);
	if (at < t1 || at > t2)
		fail("dump %s: its drain at_ns=%" PRIu64 " is not within its read, %" PRIu64
		     "..%" PRIu64, name, at, t1, t2);
	snprintf(where, size, "%.3f/%.3f", (at - t1) / 1e6, (t2 - t1) / 1e6);
	return at;
}

/*
 * Conservation of time from dump A to dump B: busy + idle + the slices
 * dropped for missed switches make NCPU x the time between their drains,
 * within LIMIT %.  The module says when each drain closed the slices
 * (at_ns); TA and TB, the clock read before and after the read() that
 * drained, check it.  And B's entries (idle included: /proc/perftop_all)
 * plus "other" sum to busy + idle.
 */
static void conserve(const struct dump *a, const char *ta, const struct dump *b, const char *tb,
		     unsigned int ncpu, double limit)
{
	uint64_t sum = footer_value(b, "ticks"), fb, at_a, at_b;
	char in_a[64], in_b[64];
	double acc, wall, err;
	unsigned int i;

	at_a = drained_at(a, "A", ta, in_a, sizeof(in_a));
	at_b = drained_at(b, "B", tb, in_b, sizeof(in_b));
	if (at_b <= at_a)
		fail("dump B was not taken after dump A");
	fb = footer_value(b, "busy_ticks") - footer_value(b, "lost_ticks") +
	     footer_value(b, "idle_ticks");
	for (i = 0; i < b->nrows; i++)
		sum += b->rows[i].ticks;
	if (footer_value(b, "entries") + 1 > b->nrows)
		fail("only %u of the entries are ranked: read /proc/perftop_all", b->nrows);
	if (sum != fb)
		fail("entries and other sum to %" PRIu64 " ticks, busy - lost + idle is %" PRIu64,
		     sum, fb);
	acc = (double)(footer_value(b, "busy_ns") - footer_value(a, "busy_ns")) +
	      (double)(footer_value(b, "idle_ns") - footer_value(a, "idle_ns")) +
	      (double)(footer_value(b, "gap_ticks") - footer_value(a, "gap_ticks")) *
		      1e6 / b->tsc_khz;
	wall = (double)(at_b - at_a) * ncpu;
	err = pct(acc, wall);
	printf("accounted_ns=%.0f wall_ns=%.0f (%u CPUs) error=%.3f%%; drained at ms/of ms into"
	       " the reads: A %s, B %s\n", acc, wall, ncpu, err, in_a, in_b);
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

/*
 * The kernel entries of task COMM: their summed ns, and for each FUNC the ns
 * of those with a frame in it ("FUNC+0x...").
 */
static void kshare(const struct dump *d, const char *comm, char *funcs)
{
	uint64_t total = 0, ns[8] = { 0 };
	char *f[8], *save = NULL;
	unsigned int i, j, k, nf = 0;

	for (char *t = strtok_r(funcs, ",", &save); t && nf < 8; t = strtok_r(NULL, ",", &save))
		f[nf++] = t;
	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];

		if (strcmp(r->kind, "kernel") || strcmp(r->comm, comm))
			continue;
		total += r->ns;
		for (k = 0; k < nf; k++) {
			size_t n = strlen(f[k]);

			for (j = 0; j < r->nframes; j++)
				if (!strncmp(r->frames[j], f[k], n) && r->frames[j][n] == '+')
					break;
			if (j < r->nframes)
				ns[k] += r->ns;
		}
	}
	printf("total=%" PRIu64, total);
	for (k = 0; k < nf; k++)
		printf(" %s=%" PRIu64, f[k], ns[k]);
	printf("\n");
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

/* The user entries whose frames #0.. lie in FUNCS, one function each, in order. */
static void chain(const struct dump *d, const char *syms, const char *funcs)
{
	char want[1024], *tok, *save;
	struct range rg[64];
	unsigned int i, j, n = 0, nf = 0, found = 0, per[16];

	snprintf(want, sizeof(want), "%s", funcs);
	for (tok = strtok_r(want, ",", &save); tok && nf < 16; tok = strtok_r(NULL, ",", &save)) {
		unsigned int k = load_ranges(syms, tok, rg + n, 64 - n);

		per[nf++] = k;
		n += k;
	}
	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];
		unsigned int base = 0;

		if (strcmp(r->kind, "user") || r->nframes < nf)
			continue;
		for (j = 0; j < nf; j++) {
			if (!frame_in(r->frames[j], rg + base, per[j]))
				break;
			base += per[j];
		}
		if (j < nf)
			continue;
		if (!found++) {
			printf("rank %u ns=%" PRIu64 " count=%" PRIu64 " procs=%u stack=%s:",
			       r->rank, r->ns, r->count, r->procs, r->stack);
			for (j = 0; j < r->nframes; j++)
				printf(" %s", r->frames[j]);
			printf("\n");
		}
	}
	if (!found)
		fail("no user entry with frames in %s", funcs);
	printf("matches=%u\n", found);
}

/* How deep the heaviest stack of COMM through FUNC is, and how much of it is FUNC. */
static void depth_of(const struct dump *d, const char *syms, const char *func, const char *comm)
{
	struct range rg[64];
	unsigned int n = load_ranges(syms, func, rg, 64), i, j, in;

	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];

		if (strcmp(r->kind, "user") || strcmp(r->comm, comm))
			continue;
		for (j = in = 0; j < r->nframes; j++)
			in += frame_in(r->frames[j], rg, n);
		if (!in)
			continue;
		printf("rank=%u stack=%s frames=%u in=%u\n", r->rank, r->stack, r->nframes, in);
		return;
	}
	fail("no user entry of %s with a frame in %s", comm, func);
}

/* The share of COMM's user time in stacks that reach the outermost frame. */
static void whole(const struct dump *d, const char *comm)
{
	uint64_t total = 0, complete = 0;
	unsigned int i, j, ranks = 0, cut = 0;
	const struct row *worst[3] = { NULL, NULL, NULL };

	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];

		if (strcmp(r->kind, "user") || strcmp(r->comm, comm))
			continue;
		ranks++;
		total += r->ns;
		if (!strcmp(r->stack, "complete")) {
			complete += r->ns;
			continue;
		}
		if (cut < 3)
			worst[cut++] = r;	/* the dump is by time */
	}
	if (!total)
		fail("no user time of %s", comm);
	printf("comm=%s ranks=%u total_ns=%" PRIu64 " whole_ns=%" PRIu64 " whole=%.1f\n",
	       comm, ranks, total, complete, 100.0 * complete / total);
	for (i = 0; i < cut; i++) {
		fprintf(stderr, "  not whole: rank %u ns=%" PRIu64 " stack=%s:", worst[i]->rank,
			worst[i]->ns, worst[i]->stack);
		for (j = 0; j < worst[i]->nframes; j++)
			fprintf(stderr, " %s", worst[i]->frames[j]);
		fprintf(stderr, "\n");
	}
}

/* Every frame of COMM's user entries is in one of SYMS's functions, or the vDSO. */
static void only(const struct dump *d, const char *comm, const char *syms, const char *vdso)
{
	char line[512], name[256], type;
	unsigned long addr, size;
	struct range *rg = calloc(65536, sizeof(*rg));
	unsigned int i, j, n = 0, rows = 0, locked = 0;
	const char *obj = strrchr(syms, '/') ? strrchr(syms, '/') + 1 : syms;
	FILE *f = xopen(syms);

	if (!rg)
		fail("out of memory");
	while (fgets(line, sizeof(line), f) && n < 65536)
		if (sscanf(line, "%lx %lx %c %255s", &addr, &size, &type, name) == 4 &&
		    (type == 'T' || type == 't') && size) {
			set(rg[n].obj, sizeof(rg[n].obj), obj);
			if (strstr(rg[n].obj, ".syms"))
				*strstr(rg[n].obj, ".syms") = 0;
			rg[n].start = addr;
			rg[n].end = addr + size;
			n++;
		}
	fclose(f);
	for (i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];

		if (strcmp(r->kind, "user") || strcmp(r->comm, comm))
			continue;
		rows++;
		for (j = 0; j < r->nframes; j++) {
			const char *f = r->frames[j];

			if (!strncmp(f, "[vdso]+", 7) || frame_in(f, rg, n))
				continue;
			if (addr_in(f, rg, n, vdso)) {
				locked++;
				continue;
			}
			fail("rank %u: frame #%u '%s' is in no function of %s", r->rank, j, f,
			     syms);
		}
	}
	free(rg);
	if (!rows)
		fail("no user entry of %s", comm);
	printf("ok entries=%u frames_of_a_locked_address_space=%u\n", rows, locked);
}

int main(int argc, char **argv)
{
	static struct dump d, e;
	struct range rg[64];
	unsigned int n = 0;
	const char *cmd = argc > 1 ? argv[1] : "";

	if (regcomp(&ksym_re,
		    "^[A-Za-z_.$][A-Za-z0-9_.$]*\\+0x[0-9a-f]+/0x[0-9a-f]+( \\[[A-Za-z0-9_]+\\])?$",
		    REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&ufile_re, "^/[^ ]*\\+0x[0-9a-f]+( \\(file offset\\))?$",
		    REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&uspecial_re, "^\\[(vdso|anon)\\]\\+0x[0-9a-f]+$", REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&unres_re, "^0x[0-9a-f]+ \\(unresolved: [a-z ]+\\)$",
		    REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&object_re, "^build-id=([0-9a-f]+|none) /[^ ]*$", REG_EXTENDED | REG_NOSUB))
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
		conserve(&d, argv[3], &e, argv[5], atoi(argv[6]), atof(argv[7]));
	} else if (!strcmp(cmd, "hammer") && argc == 6) {
		hammer(argv[2], atol(argv[3]), atoi(argv[4]), atoi(argv[5]));
	} else if (!strcmp(cmd, "kshare") && argc == 4) {
		parse(stdin, &d);
		kshare(&d, argv[2], argv[3]);
	} else if (!strcmp(cmd, "kthread") && argc == 3) {
		parse(stdin, &d);
		kthread(&d, argv[2]);
	} else if (!strcmp(cmd, "now") && argc == 2) {
		printf("%" PRIu64 "\n", mono_ns());
	} else if (!strcmp(cmd, "chain") && argc == 4) {
		parse(stdin, &d);
		chain(&d, argv[2], argv[3]);
	} else if (!strcmp(cmd, "depth") && argc == 5) {
		parse(stdin, &d);
		depth_of(&d, argv[2], argv[3], argv[4]);
	} else if (!strcmp(cmd, "whole") && argc == 3) {
		parse(stdin, &d);
		whole(&d, argv[2]);
	} else if (!strcmp(cmd, "only") && (argc == 4 || argc == 5)) {
		parse(stdin, &d);
		only(&d, argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	} else {
		fprintf(stderr, "usage: see the comment at the top of ptcheck.c\n");
		return 2;
	}
	return 0;
}

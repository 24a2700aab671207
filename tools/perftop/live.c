// SPDX-License-Identifier: GPL-2.0-only
/*
 * live.c: perftop -d SECONDS, a live view like top(1).
 *
 * The module's counters are cumulative, so each interval shows the
 * difference between two reads, per stack: the time it used in that
 * interval, as a share of one CPU as top shows it, and its switches.  A
 * stack is found again by what the module keys its entry by, its kind and
 * its frames (with their objects' build-ids), not by its jhash: two stacks
 * of a full table share a 32-bit hash often enough.  Only the stacks that
 * ran in the interval are named (each address once per process, see
 * symbols.c); then the report's views apply: filters, stacks merged by
 * function, the per-function view.
 *
 * The terminal is driven with termios and a few ANSI sequences (the
 * alternate screen, home, clear to end of line): one screen of text needs
 * nothing more, and ncurses would add a dependency and its own idea of the
 * terminal for no gain.  When stdout is not a terminal, the reports follow
 * one another as plain text.  SIGWINCH redraws at the new size at once; q,
 * ^C and SIGTERM end the view and restore the terminal.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "perftop.h"

static volatile sig_atomic_t resized, stopped;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		resized = 1;
	else
		stopped = 1;
}

struct live {
	const char *proc;
	struct syms *syms;
	const struct options *o;	/* &view */
	struct options view;	/* the options, as f and s change them */
	double interval;
	bool tty, keys;
	struct termios saved;
	sigset_t waitmask;	/* the mask while waiting: our signals let in */
	/* The previous read: ns and switches per stack identity. */
	struct strmap index;
	uint64_t *prev_ns, *prev_count;
	uint64_t prev_busy, prev_idle, prev_busy_ticks;
	double prev_time;
	struct strbuf screen;	/* the last report, redrawn on resize */
	char *newer;		/* the version of a newer page seen, for a warning */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Remember this read's counters, for the next interval's differences. */
/* KEYS: the ranks' identities if the caller has them (freed here), or NULL. */
static void remember(struct live *l, const struct page *p, double t, char **keys)
{
	strmap_free(&l->index);
	free(l->prev_ns);
	free(l->prev_count);
	l->prev_ns = xcalloc(p->nranks, sizeof(uint64_t));
	l->prev_count = xcalloc(p->nranks, sizeof(uint64_t));
	for (size_t i = 0; i < p->nranks; i++) {
		char *key;

		if (p->ranks[i].kind == RANK_OTHER)
			continue;
		key = keys ? keys[i] : rank_identity(p, &p->ranks[i]);
		strmap_intern(&l->index, key, i, NULL);
		free(key);
		l->prev_ns[i] = p->ranks[i].ns;
		l->prev_count[i] = p->ranks[i].count;
	}
	l->prev_busy = p->busy_ns;
	l->prev_idle = p->idle_ns;
	l->prev_busy_ticks = p->busy_ticks;
	l->prev_time = t;
}

/*
 * One report: the top stacks by the time they used since the previous read.
 * draw() cuts it to the terminal, so that a taller one shows more at once.
 * The page is remembered as read, then made its own difference (a page
 * of what each stack used in the interval), filtered, named where it ran,
 * merged by function unless --by address: the report's views then apply.
 */
static void report(struct live *l, struct page *p, double t)
{
	struct strbuf *b = &l->screen;
	uint64_t *dns = xcalloc(p->nranks, sizeof(*dns)), *dcount = xcalloc(p->nranks, sizeof(*dcount));
	char **keys = xcalloc(p->nranks, sizeof(*keys));
	size_t n = 0;
	double wall = t - l->prev_time;
	/* Counters that went back: the module was reset or reloaded. */
	bool reset = p->busy_ticks < l->prev_busy_ticks;
	uint64_t busy = reset ? p->busy_ns : p->busy_ns - l->prev_busy;
	uint64_t idle = reset || p->idle_ns < l->prev_idle ? p->idle_ns : p->idle_ns - l->prev_idle;
	char clock[16], tb[32];
	time_t wall_clock = time(NULL);
	struct tm tm = { 0 };

	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];
		uint64_t ns = r->ns, count = r->count;
		size_t j;
		bool seen;

		if (r->kind == RANK_OTHER)
			continue;
		/* Made once: remember() keeps it for the next interval. */
		keys[i] = rank_identity(p, r);
		if ((r->kind == RANK_IDLE && !l->o->idle) || !rank_selected(l->o, r))
			continue;
		seen = !reset && strmap_get(&l->index, keys[i], &j);
		if (seen && ns >= l->prev_ns[j]) {
			ns -= l->prev_ns[j];
			count = count >= l->prev_count[j] ? count - l->prev_count[j] : count;
		}
		dns[i] = ns;
		dcount[i] = count;
	}
	remember(l, p, t, keys);
	free(keys);
	/* The page becomes the interval's: the stacks that ran, named. */
	p->nstacks = 0;
	for (size_t i = 0; i < p->nranks; i++) {
		struct rank r = p->ranks[i];

		if (!dns[i]) {
			free(r.comm);
			continue;
		}
		r.ns = dns[i];
		r.count = dcount[i];
		p->ranks[n++] = r;
		p->nstacks++;
		syms_resolve_rank(l->syms, p, n - 1);
	}
	p->nranks = n;
	free(dns);
	free(dcount);
	if (!l->o->by_address)
		page_by_function(p);
	else
		page_sort(p);

	if (!localtime_r(&wall_clock, &tm) || !strftime(clock, sizeof(clock), "%H:%M:%S", &tm))
		clock[0] = '\0';
	format_ns(tb, sizeof(tb), busy);
	b->len = 0;
	sb_addf(b, "perftop %s  %s  every %g s%s\n", p->version, clock, l->interval,
		!l->keys ? "" : l->o->functions ? "  (q quits, f: stacks, s: sort)" :
		"  (q quits, f: functions)");
	sb_addf(b, "busy %s in %.2f s, %.1f%% of the CPUs' time; %zu stacks\n", tb, wall,
		busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0, p->nranks);
	if (l->o->functions && p->nranks) {
		/* The report's per-function view, of this interval. */
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (f) {
			text_functions(f, p, l->o);
			fclose(f);
			sb_add(b, "\n", 1);
			/* Its first line says what the header above says. */
			if (text && strchr(text, '\n'))
				sb_addf(b, "%s", strchr(text, '\n') + 1);
		}
		free(text);
		return;
	}
	sb_addf(b, "\n RANK   %%CPU        TIME  SWITCHES  COMM             STACK (innermost first)\n");
	for (size_t i = 0; i < p->nranks && i < l->o->top; i++) {
		const struct rank *r = &p->ranks[i];

		format_ns(tb, sizeof(tb), r->ns);
		sb_addf(b, "%5zu %6.1f %11s %9" PRIu64 "  %-16s ", i + 1,
			wall > 0 ? 100.0 * (double)r->ns / (wall * 1e9) : 0.0, tb, r->count, r->comm);
		text_stack(b, p, r);
		sb_add(b, "\n", 1);
	}
	if (!p->nranks)
		sb_addf(b, "(no stack used the CPU in this interval)\n");
}

static void term_size(unsigned int *rows, unsigned int *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void write_all(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The last report, cut to the terminal's size, over the previous one. */
static void draw(struct live *l)
{
	struct strbuf out = { 0 };
	unsigned int rows, cols, row = 0;

	if (!l->tty) {
		sb_add(&out, l->screen.s, l->screen.len);
		sb_add(&out, "\n", 1);
		write_all(out.s, out.len);
		sb_free(&out);
		return;
	}
	term_size(&rows, &cols);
	sb_add(&out, "\033[H", 3);
	for (const char *line = l->screen.s; line && *line && row < rows; row++) {
		size_t len = strcspn(line, "\n"), end = 0;
		unsigned int width = 0;

		/* Cut at the last column, counting UTF-8 characters, not bytes. */
		while (end < len && (width < cols || (line[end] & 0xc0) == 0x80)) {
			if ((line[end] & 0xc0) != 0x80)
				width++;
			end++;
		}
		while (end > 0 && end < len && (line[end] & 0xc0) == 0x80)
			end--;
		sb_add(&out, line, end);
		sb_add(&out, "\033[K", 3);
		if (row + 1 < rows)
			sb_add(&out, "\n", 1);
		line += len + (line[len] == '\n');
	}
	sb_add(&out, "\033[J", 3);
	write_all(out.s, out.len);
	sb_free(&out);
}

static void term_enter(struct live *l)
{
	if (l->keys) {
		struct termios raw = l->saved;

		/* Keys one at a time, not echoed; ^C still signals. */
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	if (l->tty)	/* the alternate screen, cursor hidden */
		write_all("\033[?1049h\033[?25l\033[H\033[J", 20);
}

static void term_leave(struct live *l)
{
	if (l->tty)
		write_all("\033[?25h\033[?1049l", 14);
	if (l->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &l->saved);
}

/* Wait until time t, for keys and signals: true when asked to stop. */
static bool wait_until(struct live *l, double t)
{
	for (;;) {
		struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
		double left = t - now();
		struct timespec ts;
		int ready;

		if (stopped)
			return true;
		if (resized) {
			resized = 0;
			draw(l);
		}
		if (left <= 0)
			return false;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		ready = ppoll(&in, l->keys ? 1 : 0, &ts, &l->waitmask);
		if (ready > 0 && (in.revents & (POLLHUP | POLLERR | POLLNVAL)))
			l->keys = false;	/* no more keys to read */
		if (ready > 0 && (in.revents & POLLIN)) {
			char c[64];
			ssize_t n = read(STDIN_FILENO, c, sizeof(c));

			for (ssize_t i = 0; i < n; i++) {
				if (c[i] == 'q' || c[i] == 'Q')
					return true;
				/* The view, from the next report: functions or stacks, the sort. */
				if (c[i] == 'f')
					l->view.functions = !l->view.functions;
				if (c[i] == 's')
					l->view.sort = (enum sort_by)((l->view.sort + 1) % 3);
			}
			if (n == 0)
				l->keys = false;
		}
	}
}

static int step(struct live *l, bool first)
{
	struct page p;
	double t;

	if (page_read(&p, l->proc)) {
		page_free(&p);
		return -1;
	}
	t = now();
	if (p.newer && !l->newer)
		l->newer = xstrdup(p.version);
	if (!first) {
		report(l, &p, t);	/* remembers the page as read */
		draw(l);
	} else {
		remember(l, &p, t, NULL);
	}
	page_free(&p);
	return 0;
}

int live_run(const char *proc, struct syms *s, double interval, long count,
	     const struct options *o)
{
	struct live l = { .proc = proc, .syms = s, .view = *o, .interval = interval };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, saved_mask;
	int signals[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
	double next;
	int ret = 0;

	/*
	 * A page of a full table is megabytes, read, parsed and freed every
	 * interval: kept in the heap rather than mapped and unmapped each
	 * time, it is not faulted in again at every read.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	l.o = &l.view;
	/* Warnings wait for the screen to be restored. */
	syms_warnings(s, SYMS_WARN_LATER);
	l.tty = isatty(STDOUT_FILENO);
	l.keys = l.tty && isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &l.saved);
	/* Our signals are held, and only let in while waiting: no lost wake-up. */
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++) {
		sigaddset(&block, signals[i]);
		sigaction(signals[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, &saved_mask);
	l.waitmask = saved_mask;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		sigdelset(&l.waitmask, signals[i]);

	if (step(&l, true)) {
		ret = 1;
		goto out;
	}
	term_enter(&l);
	sb_addf(&l.screen, "perftop: the first report comes in %g s%s\n", interval,
		l.keys ? " (q quits)" : "");
	if (l.tty)
		draw(&l);
	next = now() + interval;
	for (long n = 0; !count || n < count; n++) {
		if (wait_until(&l, next))
			break;
		if (step(&l, false)) {
			ret = 1;
			break;
		}
		next += interval;
		if (next < now())
			next = now() + interval;
	}
	term_leave(&l);
out:
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	if (l.newer)
		fprintf(stderr, "perftop: warning: %s: a perftop %s page, newer than this perftop: "
			"what it does not know is skipped\n", proc, l.newer);
	free(l.newer);
	strmap_free(&l.index);
	free(l.prev_ns);
	free(l.prev_count);
	sb_free(&l.screen);
	return ret;
}

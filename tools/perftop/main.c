// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop(1): names, flame graphs, pprof profiles and a live view from the
 * perftop module's /proc/perftop_all.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "perftop.h"

#ifndef PERFTOP_VERSION
#define PERFTOP_VERSION "unknown"
#endif

#define DEFAULT_PROC "/proc/perftop_all"

static void usage(FILE *f)
{
	fputs("Usage: perftop [--delta SECONDS] [-n N] [--idle] [--folded] [--svg FILE]\n"
	      "               [--pprof FILE]\n"
	      "       perftop -d SECONDS [-c COUNT] [-n N] [--idle]\n"
	      "       perftop report --input SAVED [--base SAVED] [--sysroot DIR] [-n N]\n"
	      "                      [--idle] [--folded] [--svg FILE] [--pprof FILE]\n"
	      "       perftop tables [--proc FILE] [--follow SECONDS | --file PATH...]\n"
	      "\n"
	      "  -n, --top N          ranks in the report (default 20)\n"
	      "  -d, --delay SECONDS  live view: the time each stack used per interval\n"
	      "  -c, --count COUNT    live view: stop after COUNT reports\n"
	      "      --delta SECONDS  read twice, SECONDS apart, and write the difference\n"
	      "      --base SAVED     report: write --input minus this earlier page\n"
	      "      --folded         FlameGraph folded stacks on stdout\n"
	      "      --svg FILE       an interactive flame graph (-: standard output)\n"
	      "      --pprof FILE     a gzipped pprof profile (-: standard output)\n"
	      "      --idle           include the idle tasks\n"
	      "      --by WHAT        function (default): merge stacks that differ only by\n"
	      "                       offsets in the same functions; address: as kept\n"
	      "      --functions      the per-function view: flat and cumulative\n"
	      "      --sort KEY       --functions: flat (default), cum or switches\n"
	      "      --inverted       callers first: outermost frame first\n"
	      "      --comm LIST      only these commands (comma-separated)\n"
	      "      --pid LIST       only these pids\n"
	      "      --kind LIST      only these kinds: user, kernel, idle\n"
	      "      --input SAVED    report: a saved /proc/perftop or /proc/perftop_all\n"
	      "                       (-: standard input)\n"
	      "      --sysroot DIR    find the page's files under DIR\n"
	      "      --debug-dir DIR  the host's debug files (default /usr/lib/debug),\n"
	      "                       searched after DIR/usr/lib/debug\n"
	      "      --proc FILE      read FILE instead of " DEFAULT_PROC "\n"
	      "  -h, --help, -V, --version\n"
	      "\n"
	      "See perftop(1).\n", f);
}

static int usage_error(const char *fmt, ...) PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("perftop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (perftop --help)\n", stderr);
	return 2;
}

/*
 * perftop tables [--proc FILE] [--follow SECONDS] [--file PATH...]: the
 * unwind tables the module wants (upload.c).
 */
static int tables_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "proc", required_argument, NULL, 'p' },
		{ "follow", required_argument, NULL, 'f' },
		{ "file", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *proc = NULL;
	double follow = 0;
	bool files = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			proc = optarg;
			break;
		case 'f':
			follow = strtod(optarg, &end);
			if (*end || !(follow >= 0.1 && follow <= 86400))
				return usage_error("--follow wants seconds between 0.1 and 86400, not \"%s\"",
						   optarg);
			break;
		case 'F':
			files = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (files && optind == argc)
		return usage_error("tables --file wants the files to build tables of");
	if (!files && optind < argc)
		return usage_error("unexpected argument \"%s\" (tables --file PATH... names files)",
				   argv[optind]);
	if (files && follow > 0)
		return usage_error("tables: --file or --follow, not both");
	return tables_run(proc, files ? argv + optind : NULL, files ? argc - optind : 0, follow);
}

static bool parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 100000000)
		return false;
	*out = v;
	return true;
}

enum { OPT_FOLDED = 256, OPT_SVG, OPT_PPROF, OPT_IDLE, OPT_INPUT, OPT_SYSROOT, OPT_PROC,
       OPT_DELTA, OPT_BASE, OPT_BY, OPT_FUNCTIONS, OPT_SORT, OPT_INVERTED, OPT_COMM,
       OPT_PID, OPT_KIND, OPT_DEBUG_DIR };

/* Seconds between 0.01 and 86400, as -d and --delta take them. */
static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.01 && v <= 86400))
		return false;
	*out = v;
	return true;
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * --delta: two reads SECONDS apart, the second made the difference.  The
 * capture's time is the first read's, its duration the time between them.
 */
static int read_delta(struct page *p, const char *proc, double seconds)
{
	struct page old;
	double t0, t1;
	struct timespec ts;

	if (page_read(&old, proc)) {
		page_free(&old);
		memset(p, 0, sizeof(*p));
		return -1;
	}
	t0 = monotonic();
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	if (page_read(p, proc) || page_delta(p, &old)) {
		page_free(&old);
		return -1;
	}
	t1 = monotonic();
	p->time_ns = old.time_ns;
	p->duration_ns = (int64_t)((t1 - t0) * 1e9);
	page_free(&old);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "pprof", required_argument, NULL, OPT_PPROF },
		{ "idle", no_argument, NULL, OPT_IDLE },
		{ "input", required_argument, NULL, OPT_INPUT },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "delta", required_argument, NULL, OPT_DELTA },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "by", required_argument, NULL, OPT_BY },
		{ "functions", no_argument, NULL, OPT_FUNCTIONS },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "inverted", no_argument, NULL, OPT_INVERTED },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .top = 20 };
	const char *svg = NULL, *pprof = NULL, *input = NULL, *sysroot = NULL, *proc = NULL;
	const char *base = NULL, *debug_dir = NULL;
	bool folded = false, report = false;
	double delay = 0, delta = 0;
	long n, count = 0;
	struct page p;
	struct syms *s;
	int c, ret = 0;

	if (argc > 1 && !strcmp(argv[1], "tables"))
		return tables_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "report")) {
		report = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "n:d:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_count(optarg, &n) || n > 1000000)
				return usage_error("-n wants a number of ranks, not \"%s\"", optarg);
			o.top = (unsigned int)n;
			break;
		case 'd':
			if (!parse_seconds(optarg, &delay))
				return usage_error("-d wants seconds between 0.01 and 86400, not \"%s\"", optarg);
			break;
		case OPT_DELTA:
			if (!parse_seconds(optarg, &delta))
				return usage_error("--delta wants seconds between 0.01 and 86400, not \"%s\"", optarg);
			break;
		case OPT_BASE:
			base = optarg;
			break;
		case OPT_BY:
			if (strcmp(optarg, "function") && strcmp(optarg, "address"))
				return usage_error("--by is function or address, not \"%s\"", optarg);
			o.by_address = !strcmp(optarg, "address");
			break;
		case OPT_FUNCTIONS:
			o.functions = true;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "flat"))
				o.sort = SORT_FLAT;
			else if (!strcmp(optarg, "cum"))
				o.sort = SORT_CUM;
			else if (!strcmp(optarg, "switches"))
				o.sort = SORT_SWITCHES;
			else
				return usage_error("--sort is flat, cum or switches, not \"%s\"", optarg);
			break;
		case OPT_INVERTED:
			o.inverted = true;
			break;
		case OPT_COMM:
			o.comm = optarg;
			break;
		case OPT_PID:
			o.pid = optarg;
			break;
		case OPT_KIND:
			o.kind = optarg;
			break;
		case OPT_DEBUG_DIR:
			if (optarg[0] != '/' || strchr(optarg, ':'))
				return usage_error("--debug-dir wants an absolute path without ':', not \"%s\"", optarg);
			debug_dir = optarg;
			break;
		case 'c':
			if (!parse_count(optarg, &count))
				return usage_error("-c wants a number of reports, not \"%s\"", optarg);
			break;
		case OPT_FOLDED:
			folded = true;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_PPROF:
			pprof = optarg;
			break;
		case OPT_IDLE:
			o.idle = true;
			break;
		case OPT_INPUT:
			input = optarg;
			break;
		case OPT_SYSROOT:
			sysroot = optarg;
			break;
		case OPT_PROC:
			proc = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("perftop %s\n", PERFTOP_VERSION);
			return 0;
		default:
			return 2;	/* getopt said what */
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (report && !input)
		return usage_error("report needs --input SAVED");
	if (!report && input)
		return usage_error("--input goes with perftop report");
	if (report && (proc || delay))
		return usage_error("report reads a saved page: no --proc, no -d");
	if (delay && (folded || svg || pprof))
		return usage_error("-d is a live view: no --folded, --svg or --pprof");
	/* "-" is standard output for one of them, standard input for --input. */
	if (folded + (svg && !strcmp(svg, "-")) + (pprof && !strcmp(pprof, "-")) > 1)
		return usage_error("only one of --folded, --svg - and --pprof - can write to standard output");
	if (count && !delay)
		return usage_error("-c counts the reports of -d");
	if (delta && (report || delay))
		return usage_error("--delta reads the module twice: not with report or -d");
	if (base && !report)
		return usage_error("--base goes with perftop report");
	if (o.inverted && (pprof || o.functions))
		return usage_error("--inverted is a view of stacks: not with --pprof or --functions");
	if (o.sort != SORT_FLAT && !o.functions)
		return usage_error("--sort orders --functions");
	if (base && input && !strcmp(base, "-") && !strcmp(input, "-"))
		return usage_error("--input and --base cannot both be standard input");
	if (sysroot) {
		struct stat st;

		if (stat(sysroot, &st))
			return fprintf(stderr, "perftop: sysroot %s: %s\n", sysroot, strerror(errno)), 1;
		if (!S_ISDIR(st.st_mode))
			return fprintf(stderr, "perftop: sysroot %s: not a directory\n", sysroot), 1;
		/* libdwfl's search path is ':'-separated. */
		if (strchr(sysroot, ':'))
			return fprintf(stderr, "perftop: sysroot %s: a ':' in it is not supported\n", sysroot), 1;
	}
	if (!proc)
		proc = DEFAULT_PROC;

	s = syms_new(sysroot, debug_dir);
	if (delay) {
		ret = live_run(proc, s, delay, count, &o);
		if (ret)
			fprintf(stderr, "perftop: %s\n", last_error());
		syms_free(s);
		return ret;
	}
	if (delta ? read_delta(&p, proc, delta) : page_read(&p, report ? input : proc)) {
		fprintf(stderr, "perftop: %s\n", last_error());
		ret = 1;
		goto out;
	}
	if (base) {
		struct page old;

		ret = page_read(&old, base) || page_delta(&p, &old);
		page_free(&old);
		if (ret) {
			fprintf(stderr, "perftop: %s\n", last_error());
			goto out;
		}
	}
	if (p.newer)
		fprintf(stderr, "perftop: warning: %s: a perftop %s page, newer than this perftop (%s): "
			"what it does not know is skipped\n", report ? input : proc, p.version, PERFTOP_VERSION);
	page_filter(&p, &o);
	syms_resolve(s, &p);
	if (!o.by_address)
		page_by_function(&p);
	if (o.inverted)
		page_invert(&p);
	if (folded && folded_write(stdout, &p, &o))
		ret = 1;
	if (!ret && svg && svg_write(svg, &p, &o))
		ret = 1;
	if (!ret && pprof && pprof_write(pprof, &p, s, &o))
		ret = 1;
	if (!folded && !svg && !pprof) {
		if (o.functions)
			text_functions(stdout, &p, &o);
		else
			text_report(stdout, &p, &o);
		if (fflush(stdout) || ferror(stdout)) {
			fail("writing the report failed: %s", strerror(errno));
			ret = 1;
		}
	}
	if (ret)
		fprintf(stderr, "perftop: %s\n", last_error());
out:
	page_free(&p);
	syms_free(s);
	return ret;
}

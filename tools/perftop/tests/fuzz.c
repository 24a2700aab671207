// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz: perftop's parser and outputs over mutated pages, built with
 * AddressSanitizer and UBSan (make fuzz).  A crash, an overflow, a leak or
 * undefined behaviour ends it with the sanitizer's report; otherwise it says
 * how many pages it tried and how many the parser took.
 *
 *   fuzz [-n COUNT] [-s SYSROOT] PAGE...
 *
 * The mutations are deterministic (a xorshift generator seeded with the
 * page's number), so a failure is reproduced by running it again.  They mix
 * blind ones (bytes flipped, inserted, deleted, the page cut short) with
 * ones that know the format (lines swapped or repeated, numbers replaced by
 * extreme ones, the format's own tokens inserted), which reach further
 * past the first check.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perftop.h"

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static const char *const tokens[] = {
	"\n", " ", "+0x", "#", "# ", "rank ", "  #0 ", "  #7 ", "=", "0x", "comm=",
	"kind=idle", "kind=kernel", "ticks=", "ns=", "jhash=0xffffffff",
	"\\040", "\\134", "\\000", "\\777", "\\", "(deleted)", "\\040(deleted)",
	" (file offset)", " (unresolved: no vma)", "[vdso]+0x", "[anon]+0x",
	"# object build-id=", "# object build-id=none /", "# busy_ns=", "tsc_khz=0",
	"# other: ticks=1 ns=18446744073709551615 count=1", "lost_ticks=18446744073709551615",
	"\xff", "\xc3\x28", "\xe2\x82", "\t", ";", "<", "&", "\"", "\x01",
};

static const char *const numbers[] = {
	"0", "1", "4294967295", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999",
};

/* Replace buf[at, at + del) with the n bytes of s. */
static void splice(char **buf, size_t *len, size_t at, size_t del, const char *s, size_t n)
{
	char *b = xmalloc(*len - del + n + 1);

	memcpy(b, *buf, at);
	memcpy(b + at, s, n);
	memcpy(b + at + n, *buf + at + del, *len - at - del);
	free(*buf);
	*buf = b;
	*len = *len - del + n;
}

/* The start of the line holding offset at, and its length with its '\n'. */
static size_t line_at(const char *buf, size_t len, size_t at, size_t *n)
{
	size_t start = at, end = at;

	while (start > 0 && buf[start - 1] != '\n')
		start--;
	while (end < len && buf[end] != '\n')
		end++;
	*n = end - start + (end < len);
	return start;
}

static void mutate(char **buf, size_t *len)
{
	size_t at = below(*len + 1), n, start, m;
	char c, *copy;
	const char *t;

	switch (next() % 9) {
	case 0:		/* flip a byte */
		if (*len)
			(*buf)[below(*len)] ^= (char)(1u << below(8));
		break;
	case 1:		/* insert a byte, any byte */
		c = (char)next();
		splice(buf, len, at, 0, &c, 1);
		break;
	case 2:		/* delete a few bytes */
		n = below(16);
		splice(buf, len, at, at + n > *len ? *len - at : n, "", 0);
		break;
	case 3:		/* cut the page short */
		*len = at;
		break;
	case 4:		/* insert a token of the format */
		t = tokens[below(ARRAY_SIZE(tokens))];
		splice(buf, len, at, 0, t, strlen(t));
		break;
	case 5:		/* repeat a line */
		if (!*len)
			break;
		start = line_at(*buf, *len, below(*len), &n);
		copy = xmalloc(n + 1);
		memcpy(copy, *buf + start, n);
		splice(buf, len, start, 0, copy, n);
		free(copy);
		break;
	case 6:		/* delete a line */
		if (!*len)
			break;
		start = line_at(*buf, *len, below(*len), &n);
		splice(buf, len, start, n, "", 0);
		break;
	case 7:		/* move a line elsewhere */
		if (!*len)
			break;
		start = line_at(*buf, *len, below(*len), &n);
		copy = xmalloc(n + 1);
		memcpy(copy, *buf + start, n);
		splice(buf, len, start, n, "", 0);
		at = below(*len + 1);
		splice(buf, len, at, 0, copy, n);
		free(copy);
		break;
	case 8:		/* replace a number with an extreme one */
		for (m = at; m < *len && !((*buf)[m] >= '0' && (*buf)[m] <= '9'); m++)
			;
		for (n = 0; m + n < *len && (*buf)[m + n] >= '0' && (*buf)[m + n] <= '9'; n++)
			;
		t = numbers[below(ARRAY_SIZE(numbers))];
		if (m < *len)
			splice(buf, len, m, n, t, strlen(t));
		break;
	}
}

static char *slurp(const char *path, size_t *len)
{
	char *buf;
	int err = read_file(path, &buf, len);

	if (err) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(-err));
		exit(2);
	}
	return buf;
}

int main(int argc, char **argv)
{
	struct options o = { .top = 20 };
	const char *sysroot = NULL;
	long count = 1000, parsed = 0;
	struct syms *s;
	char **seeds;
	size_t *seed_len, nseeds;
	FILE *null;
	int c;

	while ((c = getopt(argc, argv, "n:s:")) != -1) {
		if (c == 'n')
			count = atol(optarg);
		else if (c == 's')
			sysroot = optarg;
		else
			return 2;
	}
	nseeds = (size_t)(argc - optind);
	if (!nseeds || count <= 0) {
		fprintf(stderr, "usage: fuzz [-n COUNT] [-s SYSROOT] PAGE...\n");
		return 2;
	}
	seeds = xcalloc(nseeds, sizeof(*seeds));
	seed_len = xcalloc(nseeds, sizeof(*seed_len));
	for (size_t i = 0; i < nseeds; i++)
		seeds[i] = slurp(argv[optind + (int)i], &seed_len[i]);
	null = fopen("/dev/null", "w");
	if (!null)
		return 2;
	/* One symboliser for all pages, as the live view keeps one. */
	s = syms_new(sysroot, NULL);
	syms_warnings(s, SYMS_WARN_NEVER);
	for (long i = 0; i < count; i++) {
		size_t k = (size_t)i % nseeds, len = seed_len[k];
		char *buf = xmalloc(len + 1);
		struct page p;

		memcpy(buf, seeds[k], len);
		rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		/* Every tenth page whole: the outputs get exercised on good pages too. */
		for (size_t m = i % 10 ? 1 + below(8) : 0; m > 0; m--)
			mutate(&buf, &len);
		o.idle = i % 2;
		/* The views, in turn: filters, by address or function, inverted. */
		o.by_address = i % 3 == 0;
		o.inverted = i % 5 == 1;
		o.comm = i % 7 == 2 ? "ptdemo,odd" : NULL;
		o.kind = i % 11 == 3 ? "user,kernel" : NULL;
		o.pid = i % 13 == 4 ? "99,-" : NULL;
		o.sort = (enum sort_by)(i % 3);
		if (!page_parse(&p, buf, len, "fuzz")) {
			struct page base;

			parsed++;
			/* A delta against the whole seed page, when it parses. */
			if (i % 4 == 2) {
				char *seed = xmalloc(seed_len[k] + 1);

				memcpy(seed, seeds[k], seed_len[k]);
				if (!page_parse(&base, seed, seed_len[k], "seed"))
					(void)page_delta(&p, &base);
				page_free(&base);
			}
			page_filter(&p, &o);
			syms_resolve(s, &p);
			if (!o.by_address)
				page_by_function(&p);
			text_functions(null, &p, &o);
			if (o.inverted)
				page_invert(&p);
			text_report(null, &p, &o);
			if (folded_write(null, &p, &o) || svg_write("/dev/null", &p, &o) ||
			    pprof_write("/dev/null", &p, s, &o)) {
				fprintf(stderr, "fuzz: page %ld: an output failed: %s\n", i, last_error());
				return 1;
			}
		}
		page_free(&p);
	}
	syms_free(s);
	fclose(null);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i]);
	free(seeds);
	free(seed_len);
	printf("fuzz: %ld pages, %ld parsed, %ld rejected, no crash\n", count, parsed, count - parsed);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * views.c: what a report shows of a page: filters (--comm, --pid, --kind),
 * stacks merged by function (the default; --by address keeps them as the
 * module does), the callers' view (--inverted), and the per-function view
 * (--functions: flat and cumulative, as perf report and pprof -top show).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "perftop.h"

/* Is S one of the words of the comma-separated LIST? */
static bool in_list(const char *list, const char *s)
{
	size_t n = strlen(s);

	for (const char *w = list; *w;) {
		size_t len = strcspn(w, ",");

		if (len == n && !strncmp(w, s, n))
			return true;
		w += len;
		w += *w == ',';
	}
	return false;
}

bool rank_selected(const struct options *o, const struct rank *r)
{
	/* Evicted and lost time belong to no command, pid or kind. */
	if (r->kind == RANK_OTHER)
		return !o->comm && !o->pid && !o->kind;
	return (!o->comm || in_list(o->comm, r->comm)) && (!o->pid || in_list(o->pid, r->pid)) &&
	       (!o->kind || in_list(o->kind, r->kind_name));
}

void page_filter(struct page *p, const struct options *o)
{
	size_t n = 0;

	p->nstacks = 0;
	for (size_t i = 0; i < p->nranks; i++) {
		if (!rank_selected(o, &p->ranks[i])) {
			free(p->ranks[i].comm);
			continue;
		}
		if (p->ranks[i].kind != RANK_OTHER)
			p->nstacks++;
		p->ranks[n++] = p->ranks[i];
	}
	p->nranks = n;
}

static int by_ns(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if ((x->kind == RANK_OTHER) != (y->kind == RANK_OTHER))
		return x->kind == RANK_OTHER ? 1 : -1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return x->first < y->first ? -1 : x->first > y->first;	/* stable: page order */
}

void page_sort(struct page *p)
{
	if (p->nranks > 1)
		qsort(p->ranks, p->nranks, sizeof(*p->ranks), by_ns);
}

char *function_key(const struct page *p, const struct frame *f)
{
	/* A named frame of a file: the function in its object. */
	if (f->kind == FRAME_ELF && f->named)
		return xasprintf("%s (%s)", f->name, base_name(p->objects[f->object].path));
	return xstrdup(f->name);
}

void page_by_function(struct page *p)
{
	struct strmap index = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < p->nframes; i++) {
		struct frame *f = &p->frames[i];

		if (!f->name || (f->kind != FRAME_KERNEL && !(f->kind == FRAME_ELF && f->named)))
			continue;
		free(f->text);
		f->text = function_key(p, f);
	}
	p->nstacks = 0;
	for (size_t i = 0; i < p->nranks; i++) {
		struct rank *r = &p->ranks[i];
		struct strbuf key = { 0 };
		bool added;
		size_t at;

		sb_addf(&key, "%s\x02%s", r->kind == RANK_OTHER ? "-" : r->kind_name, r->comm);
		for (size_t j = 0; j < r->nframes; j++)
			sb_addf(&key, "\x01%s", p->frames[r->first + j].text);
		at = strmap_intern(&index, key.s, n, &added);
		sb_free(&key);
		if (added) {
			if (r->kind != RANK_OTHER)
				p->nstacks++;
			p->ranks[n++] = *r;
			continue;
		}
		p->ranks[at].ns += r->ns;
		p->ranks[at].ticks += r->ticks;
		p->ranks[at].count += r->count;
		free(r->comm);
	}
	p->nranks = n;
	strmap_free(&index);
	page_sort(p);
}

void page_invert(struct page *p)
{
	for (size_t i = 0; i < p->nranks; i++) {
		struct frame *f = &p->frames[p->ranks[i].first];

		for (size_t a = 0, b = p->ranks[i].nframes; b-- > a + 1; a++) {
			struct frame t = f[a];

			f[a] = f[b];
			f[b] = t;
		}
	}
}

struct fn {
	char *label;
	uint64_t flat_ns, cum_ns, flat_count, cum_count;
};

static enum sort_by sorting;

static int by_sort(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;
	uint64_t u = sorting == SORT_CUM ? x->cum_ns : sorting == SORT_SWITCHES ? x->flat_count : x->flat_ns;
	uint64_t v = sorting == SORT_CUM ? y->cum_ns : sorting == SORT_SWITCHES ? y->flat_count : y->flat_ns;

	if (u != v)
		return u < v ? 1 : -1;
	return strcmp(x->label, y->label);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void text_functions(FILE *f, const struct page *p, const struct options *o)
{
	struct strmap index = { 0 };
	struct fn *fns = NULL;
	size_t n = 0, cap = 0, *seen = NULL, cap_seen = 0;
	uint64_t total = 0;
	char a[32], b[32];

	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];
		size_t nseen = 0;

		if (r->kind == RANK_OTHER || !rank_charted(r, o->idle))
			continue;
		total += r->ns;
		for (size_t j = 0; j < r->nframes; j++) {
			char *key = function_key(p, &p->frames[r->first + j]);
			bool added, again = false;
			size_t at = strmap_intern(&index, key, n, &added);

			if (added) {
				GROW(fns, n, cap);
				fns[n++] = (struct fn){ .label = key };
			} else {
				free(key);
			}
			if (!j) {
				fns[at].flat_ns += r->ns;
				fns[at].flat_count += r->count;
			}
			/* Cumulative: once per stack, however often it recurses. */
			for (size_t k = 0; k < nseen; k++)
				again |= seen[k] == at;
			if (again)
				continue;
			GROW(seen, nseen, cap_seen);
			seen[nseen++] = at;
			fns[at].cum_ns += r->ns;
			fns[at].cum_count += r->count;
		}
	}
	sorting = o->sort;
	if (n > 1)
		qsort(fns, n, sizeof(*fns), by_sort);
	format_ns(a, sizeof(a), total);
	fprintf(f, "perftop %s: %zu functions in %zu stacks, %s%s\n", p->version, n, p->nstacks, a,
		o->idle ? " (idle included)" : "");
	fprintf(f, "%12s %6s %12s %6s %9s  %s\n", "FLAT", "FLAT%", "CUM", "CUM%", "SWITCHES", "FUNCTION");
	for (size_t i = 0; i < n; i++) {
		if (i < o->top) {
			format_ns(a, sizeof(a), fns[i].flat_ns);
			format_ns(b, sizeof(b), fns[i].cum_ns);
			fprintf(f, "%12s %5.1f%% %12s %5.1f%% %9" PRIu64 "  %s\n", a, pct(fns[i].flat_ns, total),
				b, pct(fns[i].cum_ns, total), fns[i].flat_count, fns[i].label);
		}
		free(fns[i].label);
	}
	if (n > o->top)
		fprintf(f, "(%zu more functions: -n shows them)\n", n - o->top);
	free(fns);
	free(seen);
	strmap_free(&index);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * folded.c: FlameGraph's folded stacks, "comm;outermost;...;innermost NS".
 *
 * Frames are named by function, without offsets, as stackcollapse does:
 * stacks that differ only in where inside the same functions they were
 * merge into one line, whose weight is their sum.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "perftop.h"

/* ';' separates frames: one inside a name would split it. */
static void add_name(struct strbuf *b, const char *name)
{
	size_t start = b->len;

	sb_add(b, name, strlen(name));
	for (char *c = b->s + start; *c; c++)
		if (*c == ';')
			*c = ':';
}

int folded_write(FILE *f, const struct page *p, const struct options *o)
{
	struct strmap index = { 0 };
	char **lines = NULL;
	uint64_t *weights = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];
		struct strbuf b = { 0 };
		size_t at;
		bool added;

		if (!rank_charted(r, o->idle))
			continue;
		add_name(&b, r->comm);
		for (size_t j = r->nframes; j-- > 0;) {
			sb_add(&b, ";", 1);
			add_name(&b, p->frames[r->first + j].name);
		}
		at = strmap_intern(&index, b.s, n, &added);
		if (added) {
			GROW(lines, n, cap);
			weights = xrealloc(weights, cap * sizeof(*weights));
			lines[n] = b.s;
			weights[n++] = 0;
		} else {
			sb_free(&b);
		}
		weights[at] += r->ns;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s %" PRIu64 "\n", lines[i], weights[i]);
		free(lines[i]);
	}
	free(lines);
	free(weights);
	strmap_free(&index);
	if (fflush(f) || ferror(f))
		return fail("writing the folded stacks failed");
	return 0;
}

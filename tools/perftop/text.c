// SPDX-License-Identifier: GPL-2.0-only
/*
 * text.c: the top-N report, laid out like /proc/perftop with names.
 */
#include <inttypes.h>
#include <string.h>

#include "perftop.h"

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void text_report(FILE *f, const struct page *p, const struct options *o)
{
	char busy[32], idle[32], t[32];
	unsigned int shown = 0;
	size_t more = 0;

	format_ns(busy, sizeof(busy), p->busy_ns);
	format_ns(idle, sizeof(idle), p->idle_ns);
	fprintf(f, "perftop %s: %zu stacks; busy %s, idle %s, %" PRIu64 " switches\n",
		p->version, p->nstacks, busy, idle, p->switches);
	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];

		if (r->kind == RANK_OTHER || (r->kind == RANK_IDLE && !o->idle))
			continue;
		if (shown == o->top) {
			more++;
			continue;
		}
		/* Numbered as shown: without idle, as /proc/perftop numbers them. */
		shown++;
		format_ns(t, sizeof(t), r->ns);
		fprintf(f, "rank %u: %s (%.1f%% of busy) count=%" PRIu64 " pid=%s stack=%s comm=%s\n",
			shown, t, share(r->ns, p->busy_ns), r->count, r->pid, r->stack, r->comm);
		for (size_t j = 0; j < r->nframes; j++)
			fprintf(f, "  #%zu %s\n", j, p->frames[r->first + j].text);
	}
	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];

		if (r->kind != RANK_OTHER)
			continue;
		format_ns(t, sizeof(t), r->ns);
		fprintf(f, "%s: %s (%.1f%% of busy)\n", r->comm, t, share(r->ns, p->busy_ns));
	}
	if (more)
		fprintf(f, "(%zu more stacks: -n, --folded, --svg or --pprof show them all)\n", more);
}

void text_stack(struct strbuf *b, const struct page *p, const struct rank *r)
{
	if (!r->nframes)
		sb_addf(b, "[%s]", r->kind == RANK_IDLE ? "idle" : "no frames");
	/* The innermost frame in full, its callers by name: one line. */
	for (size_t j = 0; j < r->nframes; j++) {
		const struct frame *f = &p->frames[r->first + j];

		sb_addf(b, "%s%s", j ? " <- " : "", j ? f->name : f->text);
	}
}

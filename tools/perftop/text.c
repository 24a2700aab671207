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
	size_t more = 0, stacks = 0;

	/* The stacks this report covers: without --idle, the idle entry is not one. */
	for (size_t i = 0; i < p->nranks; i++)
		if (p->ranks[i].kind != RANK_OTHER && rank_charted(&p->ranks[i], o->idle))
			stacks++;
	format_ns(busy, sizeof(busy), p->busy_ns);
	format_ns(idle, sizeof(idle), p->idle_ns);
	fprintf(f, "perftop %s", p->version);
	if (p->duration_ns) {
		format_ns(t, sizeof(t), (uint64_t)p->duration_ns);
		fprintf(f, " (difference over %s)", t);
	}
	fprintf(f, ": %zu stacks%s; busy %s, idle %s, %" PRIu64 " switches\n", stacks, o->idle ? " (idle included)" : "", busy, idle, p->switches);
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
		/* Idle is no share of busy time: of all the CPUs' time. */
		if (r->kind == RANK_IDLE)
			fprintf(f, "rank %u: %s (%.1f%% of busy + idle, idle)", shown, t,
				share(r->ns, p->busy_ns + p->idle_ns));
		else
			fprintf(f, "rank %u: %s (%.1f%% of busy)", shown, t, share(r->ns, p->busy_ns));
		fprintf(f, " count=%" PRIu64 " pid=%s stack=%s%s%s comm=%s\n", r->count, r->pid,
			r->stack, r->kind == RANK_NEW ? " kind=" : "",
			r->kind == RANK_NEW ? r->kind_name : "", r->comm);
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

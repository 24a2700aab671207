/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One user stack frame, by an unwind table row (issue 22).
 *
 * A row says, from its address (a virtual address of the ELF file) up to the
 * next row's, where the caller's frame is: the CFA (the stack pointer before
 * the call) is rsp or rbp plus 8 * cfa_off, or the PLT's rule; the return
 * address lies at CFA - 8; the caller's rbp at CFA + 8 * rbp_off, or is rbp
 * itself when rbp_off is 0.  tools/perftop/ehtab.c builds the rows from
 * .eh_frame.
 *
 * This file is shared by the module and perftop(1)'s host tests, which walk
 * stopped processes with it and compare each stack with eu-stack's: the test
 * checks the code the probe is to run.  The reader is passed as a function
 * whose address is a constant at every call site, so that, always inlined,
 * the call is direct (objcheck refuses indirect calls in the switch path).
 */
#ifndef _PERFTOP_UNWIND_H
#define _PERFTOP_UNWIND_H

/* User space (the host tests) defines the kernel's types and __always_inline first. */
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/compiler_attributes.h>
#endif

enum {
	PERFTOP_UW_STOP,	/* no rule followed here: the stack is cut */
	PERFTOP_UW_RSP,		/* CFA = rsp + 8 * cfa_off */
	PERFTOP_UW_RBP,		/* CFA = rbp + 8 * cfa_off */
	PERFTOP_UW_PLT,		/* CFA = rsp + 8, + 8 when (rip & 15) >= cfa_off */
	PERFTOP_UW_END,		/* the outermost frame: the stack is whole */
	PERFTOP_UW_KIND = 7,
	PERFTOP_UW_RBP_LOST = 8,	/* the caller's rbp is not recoverable */
};

struct perftop_uw_row {
	u32 pc;
	u16 cfa_off;
	u8 rule;
	s8 rbp_off;
};

/*
 * An upload to /proc/perftop_unwind (perftop(1)'s "perftop tables"): this
 * header, then NROWS rows, in one write().  NROWS 0 drops the table of
 * BUILD_ID.  Tables are found by build-id: one per file identity, shared by
 * every process that maps a file with it.
 */
#define PERFTOP_UW_MAGIC	"PTUW"
#define PERFTOP_UW_VERSION	1
#define PERFTOP_UW_BUILD_ID_MAX	20
#define PERFTOP_UW_MAX_ROWS	4194304U	/* 2^22: 32 MiB of rows */

struct perftop_uw_upload {
	char magic[4];
	u32 version;
	u32 nrows;
	u8 build_id_len;	/* 1..PERFTOP_UW_BUILD_ID_MAX */
	u8 pad[3];		/* 0 */
	u8 build_id[PERFTOP_UW_BUILD_ID_MAX];
};

/*
 * What is wrong with an upload's header, or NULL.  The module refuses it
 * (EINVAL) and perftop(1) says why before it writes.
 */
static inline const char *perftop_uw_check_header(const struct perftop_uw_upload *h)
{
	if (memcmp(h->magic, PERFTOP_UW_MAGIC, 4))
		return "no PTUW magic";
	if (h->version != PERFTOP_UW_VERSION)
		return "an unknown version";
	if (!h->build_id_len || h->build_id_len > PERFTOP_UW_BUILD_ID_MAX)
		return "a build-id of no or too many bytes";
	if (h->pad[0] || h->pad[1] || h->pad[2])
		return "padding not zero";
	if (h->nrows > PERFTOP_UW_MAX_ROWS)
		return "too many rows";
	return NULL;
}

/*
 * What is wrong with N rows, or NULL: rows as tools/perftop/ehtab.c writes
 * them, by rising pc, each a rule perftop_uw_step() knows.  The step checks
 * every address it computes as well, so a table that passes and is still
 * wrong cuts stacks short; it cannot make the walk read outside the task's
 * own stack or loop.
 */
static inline const char *perftop_uw_check_rows(const struct perftop_uw_row *rows, u32 n)
{
	const struct perftop_uw_row *r;
	u32 i;

	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (i && r->pc <= rows[i - 1].pc)
			return "rows not by rising pc";
		if (r->rule & ~(PERFTOP_UW_KIND | PERFTOP_UW_RBP_LOST))
			return "a rule with unknown flags";
		switch (r->rule & PERFTOP_UW_KIND) {
		case PERFTOP_UW_STOP:
		case PERFTOP_UW_END:
			if (r->rule != (r->rule & PERFTOP_UW_KIND) || r->cfa_off || r->rbp_off)
				return "a stop or end row with operands";
			break;
		case PERFTOP_UW_PLT:
			if (r->cfa_off > 15)
				return "a PLT row's threshold above 15";
			fallthrough;
		case PERFTOP_UW_RSP:
		case PERFTOP_UW_RBP:
			if (r->rbp_off > 0 || (r->rbp_off && (r->rule & PERFTOP_UW_RBP_LOST)))
				return "a row's rbp both lost and saved, or saved above the CFA";
			break;
		default:
			return "an unknown rule";
		}
	}
	return NULL;
}

/* A frame's registers, as far as unwinding needs them. */
struct perftop_uw_regs {
	u64 pc, sp, bp;
	bool bp_valid;
};

/* What a step did. */
enum perftop_uw_step {
	PERFTOP_UW_CALLER,	/* REGS are the caller's now */
	PERFTOP_UW_OUTERMOST,	/* REGS were the outermost frame's */
	PERFTOP_UW_CUT,		/* no way on: a stop row, a bad CFA, a read fault */
};

/* The row covering PC among ROWS (N, sorted by pc), or NULL. */
static __always_inline const struct perftop_uw_row *
perftop_uw_find(const struct perftop_uw_row *rows, u32 n, u64 pc)
{
	u32 lo = 0, hi = n, mid;

	if (pc > 0xffffffffULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rows[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &rows[lo - 1] : NULL;
}

/*
 * The address whose row gives a frame's rule: its pc for the first frame (the
 * code that was interrupted or entered the kernel), and the return address
 * - 1 for the others: a call may be its function's last instruction (one to
 * a noreturn function), and then the return address is the next one's.
 */
static __always_inline u64 perftop_uw_lookup_pc(const struct perftop_uw_regs *regs, bool first)
{
	return first ? regs->pc : regs->pc - 1;
}

/*
 * The caller's registers from REGS by ROW, reading the stack with READ(CTX,
 * address, value): 0, or non-zero on a fault.  The CFA must lie above the
 * stack pointer (a stack grows down; the caller's frame is above), which
 * also ends any loop through a corrupt stack.
 */
static __always_inline enum perftop_uw_step
perftop_uw_step(const struct perftop_uw_row *row, struct perftop_uw_regs *regs,
		int (*read)(void *ctx, u64 addr, u64 *val), void *ctx)
{
	u64 cfa, ra, bp;

	switch (row->rule & PERFTOP_UW_KIND) {
	case PERFTOP_UW_END:
		return PERFTOP_UW_OUTERMOST;
	case PERFTOP_UW_RSP:
		cfa = regs->sp + 8 * (u64)row->cfa_off;
		break;
	case PERFTOP_UW_RBP:
		if (!regs->bp_valid)
			return PERFTOP_UW_CUT;
		cfa = regs->bp + 8 * (u64)row->cfa_off;
		break;
	case PERFTOP_UW_PLT:
		cfa = regs->sp + 8 + ((regs->pc & 15) >= row->cfa_off ? 8 : 0);
		break;
	default:
		return PERFTOP_UW_CUT;
	}
	if (cfa <= regs->sp || cfa < 8 || read(ctx, cfa - 8, &ra))
		return PERFTOP_UW_CUT;
	if (row->rbp_off) {
		if (read(ctx, cfa + 8 * (s64)row->rbp_off, &bp))
			return PERFTOP_UW_CUT;
		regs->bp = bp;
		regs->bp_valid = true;
	} else if (row->rule & PERFTOP_UW_RBP_LOST) {
		regs->bp_valid = false;
	}
	regs->sp = cfa;
	regs->pc = ra;
	return PERFTOP_UW_CALLER;
}

/*
 * Where no table covers the code (a JIT, Go, a file without .eh_frame): one
 * frame-pointer step, when rbp looks like a frame record above the stack
 * pointer.
 */
static __always_inline enum perftop_uw_step
perftop_uw_fp_step(struct perftop_uw_regs *regs,
		   int (*read)(void *ctx, u64 addr, u64 *val), void *ctx)
{
	u64 bp, ra;

	if (!regs->bp_valid || regs->bp < regs->sp || (regs->bp & 7) ||
	    read(ctx, regs->bp, &bp) || read(ctx, regs->bp + 8, &ra))
		return PERFTOP_UW_CUT;
	regs->sp = regs->bp + 16;
	regs->pc = ra;
	regs->bp = bp;
	return PERFTOP_UW_CALLER;
}

#endif /* _PERFTOP_UNWIND_H */

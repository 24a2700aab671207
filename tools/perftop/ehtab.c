// SPDX-License-Identifier: GPL-2.0-only
/*
 * ehtab.c: compact unwind tables from an x86-64 ELF file's .eh_frame, for
 * stacks built without frame pointers (the first part of issue 22: the
 * tables the module is to unwind with).
 *
 * A row says, from its address up to the next row's, how to find the
 * caller's frame: the CFA (the stack pointer before the call) is rsp or rbp
 * plus a multiple of 8, the return address lies at CFA - 8, and rbp is either
 * unchanged or saved at CFA + 8 * k.  That is nearly every row a C or C++
 * compiler writes (libc.so.6 and python3.11 have 3 rows in all that are
 * DWARF expressions); the PLT's one expression is recognised, and whatever
 * else becomes a stop row, where an unwinder ends the stack as truncated.
 * Rows are 8 bytes; addresses are the file's virtual addresses, which must
 * fit in 32 bits (shared objects and executables do).
 *
 * The input is hostile: any file an unprivileged user can execute.  Every
 * read is bounded by the section, the CFA program of each FDE runs once over
 * its own bytes (time linear in the input), the remember/restore stack is
 * bounded, and so is the number of rows.  Errors say what was wrong and
 * leave no table.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "perftop.h"

#define EH_MAX_STATES	16		/* DW_CFA_remember_state depth */
#define EH_MAX_ROWS	(1u << 22)	/* 32 MiB of rows: more than any file */

/* x86-64 DWARF register numbers. */
#define REG_RBP	6
#define REG_RSP	7
#define REG_RA	16

/* The state of the registers that matter, at one address. */
struct eh_state {
	int cfa_reg;		/* REG_RSP, REG_RBP, or -1: not representable */
	int64_t cfa_off;
	bool cfa_plt;		/* the PLT's expression (threshold in cfa_off) */
	int rbp;		/* 0 same, 1 at CFA + rbp_off, 2 lost */
	int64_t rbp_off;
	int ra;			/* 0 at CFA + ra_off, 1 undefined, 2 other */
	int64_t ra_off;
};

struct eh_cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool has_z, signal;
	const uint8_t *insns, *insns_end;
};

struct reader {
	const uint8_t *p, *end;
	bool bad;
};

static uint64_t rd_u(struct reader *r, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	for (i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct reader *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		else if (b & 0x7f)
			r->bad = true;	/* does not fit */
		shift += 7;
	} while (b & 0x80);
	return v;
}

static int64_t rd_sleb(struct reader *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/*
 * A pointer in encoding ENC (DW_EH_PE_*), read at R, whose own address is
 * AT (for pcrel).  Only what .eh_frame uses on x86-64: absolute or
 * pc-relative, of the fixed and LEB sizes; indirect and the other bases are
 * refused.
 */
static bool rd_ptr(struct reader *r, uint8_t enc, uint64_t at, uint64_t *out)
{
	uint64_t v;

	if (enc == 0xff)	/* omit */
		return false;
	switch (enc & 0x0f) {
	case 0x00: v = rd_u(r, 8); break;
	case 0x01: v = rd_uleb(r); break;
	case 0x02: v = rd_u(r, 2); break;
	case 0x03: v = rd_u(r, 4); break;
	case 0x04: v = rd_u(r, 8); break;
	case 0x09: v = (uint64_t)rd_sleb(r); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)rd_u(r, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)rd_u(r, 4); break;
	case 0x0c: v = rd_u(r, 8); break;
	default: r->bad = true; return false;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;
	default: r->bad = true; return false;
	}
	if (enc & 0x80)
		r->bad = true;
	*out = v;
	return !r->bad;
}

/* Skip a pointer in encoding ENC (the personality's): its size only. */
static bool skip_ptr(struct reader *r, uint8_t enc)
{
	uint64_t unused;

	if (enc == 0xff)
		return true;
	return rd_ptr(r, enc & 0x0f, 0, &unused);
}

/* A * B as the hardware would: the input may overflow, UBSan may not. */
static int64_t mul_wrap(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* A DWARF register number, clamped: anything above 64 is no register of ours. */
static int reg_num(uint64_t reg)
{
	return reg > 64 ? 64 : (int)reg;
}

struct builder {
	struct perftop_uw_row *rows;
	size_t n, cap;
	size_t stops;		/* rows no unwinder can use */
	const char *err;
};

static uint8_t row_rule(const struct eh_state *s, int64_t *cfa_off, int8_t *rbp)
{
	uint8_t rule;

	*cfa_off = 0;
	*rbp = 0;
	if (s->ra == 1)
		return PERFTOP_UW_END;
	if (s->ra != 0 || s->ra_off != -8)
		return PERFTOP_UW_STOP;
	if (s->cfa_plt) {
		rule = PERFTOP_UW_PLT;
	} else if (s->cfa_reg == REG_RSP) {
		rule = PERFTOP_UW_RSP;
	} else if (s->cfa_reg == REG_RBP) {
		rule = PERFTOP_UW_RBP;
	} else {
		return PERFTOP_UW_STOP;
	}
	if (rule == PERFTOP_UW_PLT) {
		if (s->cfa_off < 0 || s->cfa_off > 15)
			return PERFTOP_UW_STOP;
		*cfa_off = s->cfa_off;
	} else {
		/* In 8-byte units: every rsp or rbp rule of Debian's libc,
		 * libstdc++, python3.11 and gdb is (python's go to 64 KiB). */
		if (s->cfa_off < 0 || s->cfa_off % 8 || s->cfa_off / 8 > UINT16_MAX)
			return PERFTOP_UW_STOP;
		*cfa_off = s->cfa_off / 8;
	}
	if (s->rbp == 1) {
		if (s->rbp_off >= 0 || s->rbp_off % 8 || s->rbp_off / 8 < INT8_MIN)
			rule |= PERFTOP_UW_RBP_LOST;
		else
			*rbp = (int8_t)(s->rbp_off / 8);
	} else if (s->rbp == 2) {
		rule |= PERFTOP_UW_RBP_LOST;
	}
	return rule;
}

/* A row from PC on with state S (a row at the same PC replaces it). */
static int add_row(struct builder *b, uint64_t pc, const struct eh_state *s)
{
	struct perftop_uw_row row;
	int64_t off;

	if (pc > UINT32_MAX) {
		b->err = "an address beyond 32 bits";
		return -1;
	}
	row.pc = (uint32_t)pc;
	row.rule = row_rule(s, &off, &row.rbp_off);
	row.cfa_off = (uint16_t)off;
	if (b->n && b->rows[b->n - 1].pc == row.pc) {
		b->rows[b->n - 1] = row;
		return 0;
	}
	if (b->n >= EH_MAX_ROWS) {
		b->err = "more rows than any real file has";
		return -1;
	}
	GROW(b->rows, b->n, b->cap);
	b->rows[b->n++] = row;
	return 0;
}

/*
 * The PLT's CFA, as GCC and binutils write it for .plt (threshold 11) and
 * .plt.sec or the IBT PLT (10): DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15;
 * DW_OP_and; DW_OP_litN; DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus.
 * CFA = rsp + 8, plus 8 when (rip & 15) >= N.
 */
static bool plt_expression(const uint8_t *e, uint64_t len, int64_t *threshold)
{
	static const uint8_t head[] = { 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a };
	static const uint8_t tail[] = { 0x2a, 0x33, 0x24, 0x22 };

	if (len != sizeof(head) + 1 + sizeof(tail) || memcmp(e, head, sizeof(head)) ||
	    memcmp(e + sizeof(head) + 1, tail, sizeof(tail)))
		return false;
	if (e[sizeof(head)] < 0x30 || e[sizeof(head)] > 0x4f)	/* DW_OP_lit0..31 */
		return false;
	*threshold = e[sizeof(head)] - 0x30;
	return true;
}

static void set_reg(struct eh_state *s, uint64_t reg, int how, int64_t off)
{
	/* how: 0 offset(off), 1 undefined, 2 same value, 3 anything else */
	if (reg == REG_RBP) {
		s->rbp = how == 0 ? 1 : how == 2 ? 0 : 2;
		s->rbp_off = off;
	} else if (reg == REG_RA) {
		s->ra = how == 0 ? 0 : how == 1 ? 1 : 2;
		s->ra_off = off;
	}
}

/*
 * Run a CFA program from the CIE's initial state INIT (NULL: this is the
 * CIE's own program, building it) over [P, END), adding rows from LOC to
 * LIMIT when B is not NULL.  False on a malformed program.
 */
static bool run_cfa(struct builder *b, const struct eh_cie *cie, const struct eh_state *init,
		    struct eh_state *s, const uint8_t *p, const uint8_t *end, uint64_t loc,
		    uint64_t limit)
{
	struct eh_state stack[EH_MAX_STATES];
	unsigned int depth = 0;
	struct reader r = { p, end, false };
	uint64_t reg, delta;
	uint8_t op;

	while (r.p < r.end && !r.bad) {
		op = (uint8_t)rd_u(&r, 1);
		delta = 0;
		switch (op >> 6) {
		case 1:		/* DW_CFA_advance_loc */
			delta = op & 0x3f;
			goto advance;
		case 2:		/* DW_CFA_offset */
			reg = op & 0x3f;
			set_reg(s, reg, 0, mul_wrap((int64_t)rd_uleb(&r), cie->data_align));
			continue;
		case 3:		/* DW_CFA_restore */
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case 0x00:	/* DW_CFA_nop */
			continue;
		case 0x01:	/* DW_CFA_set_loc: not in what compilers write */
			return false;
		case 0x02:
			delta = rd_u(&r, 1);
			goto advance;
		case 0x03:
			delta = rd_u(&r, 2);
			goto advance;
		case 0x04:
			delta = rd_u(&r, 4);
			goto advance;
		case 0x05:	/* DW_CFA_offset_extended */
			reg = rd_uleb(&r);
			set_reg(s, reg, 0, mul_wrap((int64_t)rd_uleb(&r), cie->data_align));
			continue;
		case 0x06:	/* DW_CFA_restore_extended */
			reg = rd_uleb(&r);
			goto restore;
		case 0x07:	/* DW_CFA_undefined */
			set_reg(s, rd_uleb(&r), 1, 0);
			continue;
		case 0x08:	/* DW_CFA_same_value */
			set_reg(s, rd_uleb(&r), 2, 0);
			continue;
		case 0x09:	/* DW_CFA_register */
			reg = rd_uleb(&r);
			rd_uleb(&r);
			set_reg(s, reg, 3, 0);
			continue;
		case 0x0a:	/* DW_CFA_remember_state */
			if (depth == EH_MAX_STATES)
				return false;
			stack[depth++] = *s;
			continue;
		case 0x0b:	/* DW_CFA_restore_state: the CFA and registers */
			if (!depth)
				return false;
			*s = stack[--depth];
			continue;
		case 0x0c:	/* DW_CFA_def_cfa */
			s->cfa_reg = reg_num(rd_uleb(&r));
			s->cfa_off = (int64_t)rd_uleb(&r);
			s->cfa_plt = false;
			break;
		case 0x0d:	/* DW_CFA_def_cfa_register */
			s->cfa_reg = reg_num(rd_uleb(&r));
			s->cfa_plt = false;
			break;
		case 0x0e:	/* DW_CFA_def_cfa_offset */
			s->cfa_off = (int64_t)rd_uleb(&r);
			break;
		case 0x0f: {	/* DW_CFA_def_cfa_expression */
			uint64_t len = rd_uleb(&r);
			int64_t threshold;

			if (r.bad || len > (uint64_t)(r.end - r.p))
				return false;
			s->cfa_plt = plt_expression(r.p, len, &threshold);
			s->cfa_reg = s->cfa_plt ? REG_RSP : -1;
			s->cfa_off = s->cfa_plt ? threshold : 0;
			r.p += len;
			break;
		}
		case 0x10:	/* DW_CFA_expression */
		case 0x16: {	/* DW_CFA_val_expression */
			uint64_t len;

			reg = rd_uleb(&r);
			len = rd_uleb(&r);
			if (r.bad || len > (uint64_t)(r.end - r.p))
				return false;
			set_reg(s, reg, 3, 0);
			r.p += len;
			continue;
		}
		case 0x11:	/* DW_CFA_offset_extended_sf */
			reg = rd_uleb(&r);
			set_reg(s, reg, 0, mul_wrap(rd_sleb(&r), cie->data_align));
			continue;
		case 0x12:	/* DW_CFA_def_cfa_sf */
			s->cfa_reg = reg_num(rd_uleb(&r));
			s->cfa_off = mul_wrap(rd_sleb(&r), cie->data_align);
			s->cfa_plt = false;
			break;
		case 0x13:	/* DW_CFA_def_cfa_offset_sf */
			s->cfa_off = mul_wrap(rd_sleb(&r), cie->data_align);
			break;
		case 0x14:	/* DW_CFA_val_offset */
			reg = rd_uleb(&r);
			rd_uleb(&r);
			set_reg(s, reg, 3, 0);
			continue;
		case 0x15:	/* DW_CFA_val_offset_sf */
			reg = rd_uleb(&r);
			rd_sleb(&r);
			set_reg(s, reg, 3, 0);
			continue;
		case 0x2e:	/* DW_CFA_GNU_args_size */
			rd_uleb(&r);
			continue;
		case 0x2f:	/* DW_CFA_GNU_negative_offset_extended */
			reg = rd_uleb(&r);
			set_reg(s, reg, 0, mul_wrap(-(int64_t)rd_uleb(&r), cie->data_align));
			continue;
		default:
			return false;
		}
		/* The CFA changed: a CFA register other than rsp/rbp is not ours. */
		if (!s->cfa_plt && s->cfa_reg != REG_RSP && s->cfa_reg != REG_RBP)
			s->cfa_reg = -1;
		continue;
advance:
		if (!b)		/* a CIE's program does not advance */
			return false;
		if (r.bad)
			break;
		/* The row for LOC holds every instruction before the advance. */
		if (add_row(b, loc, s))
			return false;
		if (delta * cie->code_align >= limit - loc)
			return true;	/* past the FDE's end: the rest is not ours */
		loc += delta * cie->code_align;
		continue;
restore:
		if (!init)
			return false;
		if (reg == REG_RBP) {
			s->rbp = init->rbp;
			s->rbp_off = init->rbp_off;
		} else if (reg == REG_RA) {
			s->ra = init->ra;
			s->ra_off = init->ra_off;
		}
		continue;
	}
	if (r.bad)
		return false;
	return !b || add_row(b, loc, s) == 0;
}

/* Parse the CIE at [P, END) (after its id), its own address AT. */
static bool parse_cie(struct reader *r, uint64_t at, struct eh_cie *cie)
{
	const char *aug;
	uint8_t version;
	size_t auglen;

	memset(cie, 0, sizeof(*cie));
	cie->fde_enc = 0;	/* absptr */
	version = (uint8_t)rd_u(r, 1);
	if (version != 1 && version != 3)
		return false;
	aug = (const char *)r->p;
	auglen = strnlen(aug, (size_t)(r->end - r->p));
	if (auglen == (size_t)(r->end - r->p))
		return false;
	r->p += auglen + 1;
	if (auglen && aug[0] != 'z')
		return false;	/* "eh" and other old forms */
	cie->has_z = auglen > 0;
	cie->code_align = rd_uleb(r);
	cie->data_align = rd_sleb(r);
	cie->ra_reg = version == 1 ? rd_u(r, 1) : rd_uleb(r);
	if (cie->has_z) {
		uint64_t len = rd_uleb(r);
		struct reader a;
		size_t i;

		if (r->bad || len > (uint64_t)(r->end - r->p))
			return false;
		a = (struct reader){ r->p, r->p + len, false };
		for (i = 1; i < auglen; i++) {
			uint8_t enc;

			switch (aug[i]) {
			case 'R':
				cie->fde_enc = (uint8_t)rd_u(&a, 1);
				break;
			case 'L':
				rd_u(&a, 1);
				break;
			case 'P':
				enc = (uint8_t)rd_u(&a, 1);
				if (!skip_ptr(&a, enc))
					return false;
				break;
			case 'S':
				cie->signal = true;
				break;
			default:
				return false;
			}
		}
		if (a.bad)
			return false;
		r->p += len;
	}
	(void)at;
	if (r->bad || !cie->code_align || cie->ra_reg != REG_RA)
		return false;
	cie->insns = r->p;
	cie->insns_end = r->end;
	return true;
}

/* By address; at one address a stop row first, so that a real one replaces it. */
static int cmp_row(const void *a, const void *b)
{
	const struct perftop_uw_row *x = a, *y = b;

	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	return (y->rule == PERFTOP_UW_STOP) - (x->rule == PERFTOP_UW_STOP);
}

struct fde {
	uint64_t start, end;
	const uint8_t *insns, *insns_end;
	size_t cie;
};

/* By start, then by where they lie in the section: one order, whatever qsort does. */
static int cmp_fde(const void *a, const void *b)
{
	const struct fde *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->insns < y->insns ? -1 : x->insns > y->insns;
}

/*
 * The rows of one .eh_frame section: DATA, LEN bytes, at virtual address
 * ADDR.  Each FDE adds rows for [start, end) and a stop row at its end;
 * FDEs are sorted and one that overlaps an earlier one is left out.
 */
static int build_rows(struct builder *b, const uint8_t *data, size_t len, uint64_t addr)
{
	struct fde *fdes = NULL;
	size_t nfdes = 0, capfdes = 0, ncies = 0, capcies = 0, i, j;
	uint64_t covered = 0;
	struct { size_t off; struct eh_cie cie; bool ok; } *cies = NULL;
	struct reader r = { data, data + len, false };
	int ret = -1;

	while (r.p < r.end) {
		const uint8_t *rec = r.p, *body, *rec_end;
		uint64_t rlen, id, at;

		rlen = rd_u(&r, 4);
		if (r.bad)
			break;
		if (rlen == 0)
			break;		/* the terminator */
		if (rlen == 0xffffffff) {
			rlen = rd_u(&r, 8);
			if (r.bad)
				break;
		}
		if (rlen > (uint64_t)(r.end - r.p)) {
			b->err = "a record runs past the end of .eh_frame";
			goto out;
		}
		rec_end = r.p + rlen;
		body = r.p;
		id = rd_u(&r, 4);
		r.end = rec_end;
		if (id == 0) {		/* a CIE */
			GROW(cies, ncies, capcies);
			cies[ncies].off = (size_t)(rec - data);
			cies[ncies].ok = parse_cie(&r, 0, &cies[ncies].cie);
			ncies++;
		} else {		/* an FDE: id is the distance back to its CIE */
			size_t cie_off, lo, hi;
			struct eh_cie *cie = NULL;
			uint64_t start, range;

			if (id > (uint64_t)(body - data))
				goto next;
			cie_off = (size_t)(body - data) - id;
			/* The CIEs are in the order of their offsets. */
			for (lo = 0, hi = ncies; lo < hi;) {
				j = lo + (hi - lo) / 2;
				if (cies[j].off < cie_off)
					lo = j + 1;
				else
					hi = j;
			}
			j = lo;
			if (j == ncies || cies[j].off != cie_off || !cies[j].ok)
				goto next;	/* a CIE after its FDE, or one we refused */
			cie = &cies[j].cie;
			at = addr + (uint64_t)(r.p - data);
			if (!rd_ptr(&r, cie->fde_enc, at, &start) ||
			    !rd_ptr(&r, cie->fde_enc & 0x0f, 0, &range))
				goto next;
			if (cie->has_z) {
				uint64_t alen = rd_uleb(&r);

				if (r.bad || alen > (uint64_t)(r.end - r.p))
					goto next;
				r.p += alen;
			}
			if (!range || start + range < start || start + range > UINT32_MAX ||
			    cie->signal)
				goto next;	/* signal frames: a stop row */
			GROW(fdes, nfdes, capfdes);
			fdes[nfdes].start = start;
			fdes[nfdes].end = start + range;
			fdes[nfdes].insns = r.p;
			fdes[nfdes].insns_end = rec_end;
			fdes[nfdes].cie = j;
			nfdes++;
		}
next:
		r.p = rec_end;
		r.end = data + len;
		r.bad = false;
	}
	/* By start; an FDE overlapping the one before it is left out. */
	if (nfdes > 1)
		qsort(fdes, nfdes, sizeof(*fdes), cmp_fde);
	for (i = 0; i < nfdes; i++) {
		const struct eh_cie *cie = &cies[fdes[i].cie].cie;
		struct eh_state init = { .cfa_reg = -1, .ra = 2 }, s;
		struct eh_state stop = { .cfa_reg = -1, .ra = 2 };
		size_t mark = b->n;
		struct perftop_uw_row last = mark ? b->rows[mark - 1] : (struct perftop_uw_row){ 0 };

		if (fdes[i].start < covered)
			continue;	/* overlaps the FDE before it */
		if (!run_cfa(NULL, cie, NULL, &init, cie->insns, cie->insns_end, 0, 0))
			continue;
		s = init;
		if (!run_cfa(b, cie, &init, &s, fdes[i].insns, fdes[i].insns_end, fdes[i].start,
			     fdes[i].end)) {
			if (b->err)
				goto out;
			/* A malformed program: none of its rows (its first may
			 * have replaced the stop row before it). */
			b->n = mark;
			if (mark)
				b->rows[mark - 1] = last;
			continue;
		}
		/* A stop row at the end, replaced if the next FDE starts there. */
		if (add_row(b, fdes[i].end, &stop))
			goto out;
		covered = fdes[i].end;
	}
	ret = 0;
out:
	free(fdes);
	free(cies);
	return ret;
}

/* Merge rows that say the same as the row before them; count stops. */
static void compact(struct builder *b)
{
	size_t i, n = 0;

	if (b->n > 1)
		qsort(b->rows, b->n, sizeof(*b->rows), cmp_row);
	for (i = 0; i < b->n; i++) {
		const struct perftop_uw_row *x = &b->rows[i];

		if (n && b->rows[n - 1].rule == x->rule && b->rows[n - 1].cfa_off == x->cfa_off &&
		    b->rows[n - 1].rbp_off == x->rbp_off)
			continue;
		if (n && b->rows[n - 1].pc == x->pc) {
			b->rows[n - 1] = *x;
			continue;
		}
		b->rows[n++] = *x;
	}
	b->n = n;
	b->stops = 0;
	for (i = 0; i < n; i++)
		b->stops += b->rows[i].rule == PERFTOP_UW_STOP;
}

/*
 * The ELF entry point is the outermost frame of a process that starts
 * there: the kernel enters it with no return address.  ld.so's _start has
 * no CFI (glibc's RTLD_START), and a program's stacks while ld.so loads it
 * would end cut there: where no FDE covers the entry point, an end row
 * says what it is, up to the next row or the end of its section.
 */
static int mark_entry(struct builder *b, const Elf64_Ehdr *eh, const Elf64_Shdr *sh,
		      size_t len)
{
	const struct eh_state end = { .ra = 1 }, stop = { .ra = 2 };
	uint64_t entry = eh->e_entry, sec_end = 0, below = 0, above = UINT64_MAX;
	bool covered = false;
	size_t i;

	for (i = 0; i < eh->e_shnum; i++)
		if ((sh[i].sh_flags & SHF_EXECINSTR) && sh[i].sh_type == SHT_PROGBITS &&
		    sh[i].sh_offset <= len && entry >= sh[i].sh_addr &&
		    entry - sh[i].sh_addr < sh[i].sh_size)
			sec_end = sh[i].sh_addr + sh[i].sh_size;
	if (!entry || !sec_end || sec_end > UINT32_MAX)
		return 0;
	/* The rows are by FDE start, but a later FDE can lie below: look at all. */
	for (i = 0; i < b->n; i++) {
		if (b->rows[i].pc <= entry && b->rows[i].pc >= below) {
			below = b->rows[i].pc;
			covered = b->rows[i].rule != PERFTOP_UW_STOP;
		}
		if (b->rows[i].pc > entry && b->rows[i].pc < above)
			above = b->rows[i].pc;
	}
	if (covered)
		return 0;
	if (add_row(b, entry, &end))
		return -1;
	return above > sec_end ? add_row(b, sec_end, &stop) : 0;
}

int ehtab_build(const void *image, size_t len, struct ehtab *t)
{
	const uint8_t *img = image;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh, *strtab;
	struct builder b = { 0 };
	size_t i;

	memset(t, 0, sizeof(*t));
	if (len < sizeof(*eh) || memcmp(img, ELFMAG, SELFMAG))
		return fail("not an ELF file");
	eh = (const Elf64_Ehdr *)img;
	if (img[EI_CLASS] != ELFCLASS64 || img[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		return fail("not an x86-64 ELF file");
	if (!eh->e_shoff || eh->e_shentsize != sizeof(*sh) || eh->e_shnum == 0 ||
	    eh->e_shoff > len || (len - eh->e_shoff) / sizeof(*sh) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		return fail("no section headers");
	sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	if (strtab->sh_offset > len || strtab->sh_size > len - strtab->sh_offset)
		return fail("the section names lie outside the file");
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name;

		if (sh[i].sh_name >= strtab->sh_size || sh[i].sh_type != SHT_PROGBITS)
			continue;
		name = (const char *)img + strtab->sh_offset + sh[i].sh_name;
		if (strnlen(name, strtab->sh_size - sh[i].sh_name) == strtab->sh_size - sh[i].sh_name ||
		    strcmp(name, ".eh_frame"))
			continue;
		if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)
			return fail(".eh_frame lies outside the file");
		if (build_rows(&b, img + sh[i].sh_offset, sh[i].sh_size, sh[i].sh_addr) ||
		    mark_entry(&b, eh, sh, len)) {
			free(b.rows);
			return fail(".eh_frame: %s", b.err ? b.err : "malformed");
		}
		compact(&b);
		t->rows = b.rows;
		t->n = b.n;
		t->stops = b.stops;
		return 0;
	}
	return fail("no .eh_frame section");
}

const struct perftop_uw_row *ehtab_find(const struct ehtab *t, uint64_t pc)
{
	return perftop_uw_find(t->rows, (u32)t->n, pc);
}

void ehtab_free(struct ehtab *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

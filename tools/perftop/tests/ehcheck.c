// SPDX-License-Identifier: GPL-2.0-only
/*
 * ehcheck: the unwind tables of ehtab.c against elfutils' own reading of the
 * same .eh_frame (libdw's dwarf_cfi_addrframe), address by address.
 *
 *   ehcheck [-v] FILE...      every row's first address, one inside it and
 *                             its last, in each FILE
 *   ehcheck -f [-n N] FILE    N mutated copies of FILE's .eh_frame (the
 *                             builder must refuse or survive each; run it
 *                             under ASan and UBSan)
 *   ehcheck -p PID            every thread of PID (stopped by the caller),
 *                             walked with the tables and unwind.h's steps,
 *                             as the probe is to walk it: one line a thread,
 *                             "TID N complete|truncated|limit PC...", to be
 *                             compared with eu-stack -p PID
 *
 * For each FILE it prints the rows, the stop rows, the table's bytes, and the
 * addresses checked; it exits 1 on any disagreement.  A stop row where libdw
 * has a rule is a disagreement only when that rule is one the table could
 * have held (CFA = rsp or rbp + k, the return address at CFA - 8).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "perftop.h"

static int verbose;

/* What libdw says at ADDR, in the table's terms; -1: no CFI there. */
struct rule {
	int kind;		/* PERFTOP_UW_RSP, PERFTOP_UW_RBP, PERFTOP_UW_END, PERFTOP_UW_STOP (something else) */
	int64_t cfa_off;
	int rbp;		/* 0 unchanged, 1 saved at CFA + rbp_off, 2 other */
	int64_t rbp_off;
};

/* A register's rule: offset(N) from the CFA gives 1 and N. */
static int reg_rule(Dwarf_Frame *f, int reg, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t n;

	if (dwarf_frame_register(f, reg, mem, &ops, &n))
		return 3;
	if (!n)
		return ops ? 2 : 0;	/* undefined : same value */
	if (n == 1 && ops[0].atom == DW_OP_call_frame_cfa) {
		*off = 0;
		return 1;
	}
	if (n == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return 1;
	}
	if (n == 3 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_consts &&
	    ops[2].atom == DW_OP_plus) {
		*off = (int64_t)ops[1].number;
		return 1;
	}
	if (verbose > 1) {
		size_t i;

		fprintf(stderr, "reg %d:", reg);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %#x(%#lx,%#lx)", ops[i].atom, (unsigned long)ops[i].number,
				(unsigned long)ops[i].number2);
		fprintf(stderr, "\n");
	}
	return 3;
}

static int libdw_rule(Dwarf_CFI *cfi, uint64_t addr, struct rule *r)
{
	Dwarf_Frame *f;
	Dwarf_Op *ops;
	size_t n;
	int64_t ra_off = 0;
	int ra;

	memset(r, 0, sizeof(*r));
	if (dwarf_cfi_addrframe(cfi, addr, &f))
		return -1;
	r->kind = PERFTOP_UW_STOP;
	ra = reg_rule(f, 16, &ra_off);
	if (ra == 2) {
		r->kind = PERFTOP_UW_END;
	} else if (ra == 1 && ra_off == -8 && !dwarf_frame_cfa(f, &ops, &n) && n == 1 &&
		   ops[0].atom == DW_OP_bregx && (ops[0].number == 7 || ops[0].number == 6)) {
		r->kind = ops[0].number == 7 ? PERFTOP_UW_RSP : PERFTOP_UW_RBP;
		r->cfa_off = (int64_t)ops[0].number2;
		r->rbp = reg_rule(f, 6, &r->rbp_off);
		if (r->rbp == 3)
			r->rbp = 2;
	}
	free(f);
	return 0;
}

/*
 * Does the row say what libdw says?  Counts the cases.  Where there is no
 * CFI, an end row is right from the ELF header's entry point (ENTRY) on:
 * the process's first frame.
 */
static bool agree(const struct perftop_uw_row *row, const struct rule *r, bool cfi, size_t *plt,
		  uint64_t entry)
{
	int kind = row ? row->rule & PERFTOP_UW_KIND : PERFTOP_UW_STOP;

	if (!cfi)
		return kind == PERFTOP_UW_STOP ||
		       (kind == PERFTOP_UW_END && entry && row->pc == entry);
	if (kind == PERFTOP_UW_PLT) {
		(*plt)++;
		return r->kind == PERFTOP_UW_STOP;	/* an expression to libdw */
	}
	/* A CFA offset the row cannot hold: it must stop there. */
	if ((r->kind == PERFTOP_UW_RSP || r->kind == PERFTOP_UW_RBP) &&
	    (r->cfa_off < 0 || r->cfa_off % 8 || r->cfa_off / 8 > UINT16_MAX))
		return kind == PERFTOP_UW_STOP;
	if (kind != r->kind)
		return false;
	if (kind == PERFTOP_UW_STOP || kind == PERFTOP_UW_END)
		return true;
	if (row->cfa_off * 8 != r->cfa_off)
		return false;
	if (r->rbp == 0)
		return row->rbp_off == 0 && !(row->rule & PERFTOP_UW_RBP_LOST);
	if (r->rbp == 1 && r->rbp_off < 0 && r->rbp_off % 8 == 0 && r->rbp_off >= -1024)
		return row->rbp_off * 8 == r->rbp_off && !(row->rule & PERFTOP_UW_RBP_LOST);
	return (row->rule & PERFTOP_UW_RBP_LOST) != 0;
}

static int read_whole(const char *path, char **buf, size_t *len)
{
	int ret = read_file(path, buf, len);

	if (ret)
		fprintf(stderr, "ehcheck: %s: %s\n", path, strerror(-ret));
	return ret;
}

static int check(const char *path)
{
	struct ehtab t;
	size_t len, i, checked = 0, bad = 0, plt = 0, covered_stop = 0;
	uint64_t entry;
	GElf_Ehdr ehdr;
	char *buf;
	int fd;
	Elf *elf;
	Dwarf_CFI *cfi;

	if (read_whole(path, &buf, &len))
		return 1;
	if (ehtab_build(buf, len, &t)) {
		fprintf(stderr, "ehcheck: %s: %s\n", path, last_error());
		free(buf);
		return 1;
	}
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	if (!cfi) {
		fprintf(stderr, "ehcheck: %s: libdw has no CFI for it\n", path);
		return 1;
	}
	entry = gelf_getehdr(elf, &ehdr) ? ehdr.e_entry : 0;
	for (i = 0; i < t.n; i++) {
		uint64_t lo = t.rows[i].pc, hi = i + 1 < t.n ? t.rows[i + 1].pc : lo + 1;
		uint64_t at[3] = { lo, lo + (hi - lo) / 2, hi - 1 };
		unsigned int k;

		for (k = 0; k < 3; k++) {
			struct rule r;
			bool cfi_here = libdw_rule(cfi, at[k], &r) == 0;
			const struct perftop_uw_row *row = ehtab_find(&t, at[k]);

			checked++;
			if (cfi_here && row && (row->rule & PERFTOP_UW_KIND) == PERFTOP_UW_STOP && r.kind != PERFTOP_UW_STOP)
				covered_stop++;
			if (agree(row, &r, cfi_here, &plt, entry))
				continue;
			if (bad++ < 10 || verbose)
				fprintf(stderr, "ehcheck: %s: at %#lx: the table says rule %d cfa+%u rbp %d;"
					" libdw says %s rule %d cfa+%ld rbp %d/%ld\n", path,
					(unsigned long)at[k], row ? row->rule : -1, row ? row->cfa_off : 0,
					row ? row->rbp_off : 0, cfi_here ? "" : "(no CFI)", r.kind,
					(long)r.cfa_off, r.rbp, (long)r.rbp_off);
		}
	}
	/* And every 13th byte between the first row and the last. */
	for (i = t.n ? t.rows[0].pc : 0; t.n && i < t.rows[t.n - 1].pc; i += 13) {
		struct rule r;
		bool cfi_here = libdw_rule(cfi, i, &r) == 0;
		const struct perftop_uw_row *row = ehtab_find(&t, i);

		checked++;
		if (agree(row, &r, cfi_here, &plt, entry))
			continue;
		if (bad++ < 10 || verbose)
			fprintf(stderr, "ehcheck: %s: at %#lx: the table says rule %d cfa+%u rbp %d;"
				" libdw says %s rule %d cfa+%ld rbp %d/%ld\n", path, (unsigned long)i,
				row ? row->rule : -1, row ? row->cfa_off : 0, row ? row->rbp_off : 0,
				cfi_here ? "" : "(no CFI)", r.kind, (long)r.cfa_off, r.rbp, (long)r.rbp_off);
	}
	printf("%s: %zu rows (%zu stop), %zu bytes; %zu addresses checked against libdw,"
	       " %zu PLT, %zu disagree\n", path, t.n, t.stops, t.n * sizeof(*t.rows), checked, plt,
	       bad);
	(void)covered_stop;
	dwarf_cfi_end(cfi);
	elf_end(elf);
	close(fd);
	ehtab_free(&t);
	free(buf);
	return bad ? 1 : 0;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The .eh_frame section of BUF: its offset, size and address, or 0. */
static size_t eh_frame_of(const char *buf, size_t *size, uint64_t *addr)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
	const char *names = buf + sh[eh->e_shstrndx].sh_offset;
	unsigned int i;

	for (i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, ".eh_frame")) {
			*size = sh[i].sh_size;
			*addr = sh[i].sh_addr;
			return sh[i].sh_offset;
		}
	return 0;
}

/*
 * A minimal ELF file around an .eh_frame of SIZE bytes at ADDR: the header,
 * the section names, three section headers, then the section, which ends
 * the buffer: a read past its end is one past the allocation, which ASan
 * reports (in the real file, other sections follow it).
 */
static const char shstrtab[] = "\0.eh_frame\0.shstrtab";
#define EH_AT	(sizeof(Elf64_Ehdr) + 24 + 3 * sizeof(Elf64_Shdr))

static char *mini_elf(size_t size, uint64_t addr, size_t *len)
{
	char *img = xcalloc(1, EH_AT + size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + sizeof(*eh) + 24);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_machine = EM_X86_64;
	eh->e_shoff = sizeof(*eh) + 24;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = 3;
	eh->e_shstrndx = 1;
	memcpy(img + sizeof(*eh), shstrtab, sizeof(shstrtab));
	sh[1].sh_name = 11;
	sh[1].sh_type = SHT_STRTAB;
	sh[1].sh_offset = sizeof(*eh);
	sh[1].sh_size = sizeof(shstrtab);
	sh[2].sh_name = 1;
	sh[2].sh_type = SHT_PROGBITS;
	sh[2].sh_offset = EH_AT;
	sh[2].sh_size = size;
	sh[2].sh_addr = addr;
	*len = EH_AT + size;
	return img;
}

static const uint8_t cfa_ops[] = {
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x2e, 0x02, 0x03, 0x04,
	0x40, 0x41, 0x7f, 0x80, 0x86, 0xc6, 0xff, 0x00, 0x01,
};

static int fuzz(const char *path, unsigned long count)
{
	size_t len, off, size, built = 0, ilen;
	uint64_t addr;
	unsigned long n;
	char *buf, *img;
	struct ehtab t;

	if (read_whole(path, &buf, &len))
		return 1;
	off = eh_frame_of(buf, &size, &addr);
	if (!off || !size) {
		fprintf(stderr, "ehcheck: %s: no .eh_frame to mutate\n", path);
		return 1;
	}
	/* Unmutated, the minimal file gives the real file's table. */
	img = mini_elf(size, addr, &ilen);
	memcpy(img + EH_AT, buf + off, size);
	if (ehtab_build(img, ilen, &t) || !t.n) {
		fprintf(stderr, "ehcheck: %s: no table from its .eh_frame alone\n", path);
		return 1;
	}
	ehtab_free(&t);
	for (n = 0; n < count; n++) {
		unsigned int k, edits;

		rng = 0x9e3779b97f4a7c15ull * (n + 1);
		edits = 1 + next() % 8;
		memcpy(img + EH_AT, buf + off, size);
		for (k = 0; k < edits; k++) {
			size_t at = EH_AT + next() % size;

			switch (next() % 4) {
			case 0: img[at] = (char)next(); break;
			case 1: img[at] = (char)cfa_ops[next() % sizeof(cfa_ops)]; break;
			case 2: img[at] = (char)0xff; break;
			default: img[at] ^= (char)(1u << (next() % 8)); break;
			}
		}
		/* Now and then a record's length goes wild, or a program
		 * remembers more states than any compiler would. */
		if (!(n % 7) && size >= 4)
			memset(img + EH_AT + next() % (size - 3), 0xff, 4);
		if (n % 11 == 3 && size >= 40)
			memset(img + EH_AT + next() % (size - 39), 0x0a, 40);
		if (!ehtab_build(img, ilen, &t)) {
			built++;
			ehtab_free(&t);
		}
	}
	printf("%s: %lu mutated copies of .eh_frame, %zu built a table\n", path, count, built);
	free(img);
	free(buf);
	return 0;
}

/* ---- walking a stopped process ------------------------------------------ */

struct wobject {
	char *path;
	struct ehtab t;
	bool ok;
	unsigned int nloads;
	struct { uint64_t offset, filesz, vaddr; } loads[16];
};

struct mapping {
	uint64_t start, end, offset;
	struct wobject *obj;	/* NULL: anonymous, [vdso], ... */
};

static struct wobject *objects[256];
static unsigned int nobjects;

static struct wobject *object_of(const char *path)
{
	struct wobject *o;
	const Elf64_Ehdr *eh;
	unsigned int i;
	size_t len;
	char *buf;

	for (i = 0; i < nobjects; i++)
		if (!strcmp(objects[i]->path, path))
			return objects[i];
	if (nobjects == ARRAY_SIZE(objects))
		return NULL;
	o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(path);
	objects[nobjects++] = o;
	if (read_file(path, &buf, &len))
		return o;
	eh = (const Elf64_Ehdr *)buf;
	if (len >= sizeof(*eh) && !ehtab_build(buf, len, &o->t) && eh->e_phentsize == sizeof(Elf64_Phdr) &&
	    eh->e_phoff < len && (len - eh->e_phoff) / sizeof(Elf64_Phdr) >= eh->e_phnum) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + eh->e_phoff);

		for (i = 0; i < eh->e_phnum && o->nloads < ARRAY_SIZE(o->loads); i++) {
			if (ph[i].p_type != PT_LOAD)
				continue;
			o->loads[o->nloads].offset = ph[i].p_offset;
			o->loads[o->nloads].filesz = ph[i].p_filesz;
			o->loads[o->nloads].vaddr = ph[i].p_vaddr;
			o->nloads++;
		}
		o->ok = true;
	}
	free(buf);
	return o;
}

static struct mapping maps[4096];
static unsigned int nmaps;

static int read_maps(pid_t pid)
{
	char path[64], line[4096];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nmaps < ARRAY_SIZE(maps)) {
		unsigned long start, end, offset;
		char perms[8], file[4096] = "";

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095[^\n]", &start, &end, perms, &offset,
			   file) < 4 || perms[2] != 'x')
			continue;
		maps[nmaps].start = start;
		maps[nmaps].end = end;
		maps[nmaps].offset = offset;
		maps[nmaps].obj = file[0] == '/' ? object_of(file) : NULL;
		nmaps++;
	}
	fclose(f);
	return 0;
}

/* The row for PC, or NULL when no table covers it (*mapped: PC is in code). */
static const struct perftop_uw_row *row_of(uint64_t pc, bool *mapped)
{
	unsigned int i, k;

	*mapped = false;
	for (i = 0; i < nmaps; i++) {
		const struct mapping *m = &maps[i];
		uint64_t off;

		if (pc < m->start || pc >= m->end)
			continue;
		*mapped = true;
		if (!m->obj || !m->obj->ok)
			return NULL;
		off = pc - m->start + m->offset;
		for (k = 0; k < m->obj->nloads; k++)
			if (off >= m->obj->loads[k].offset &&
			    off - m->obj->loads[k].offset < m->obj->loads[k].filesz)
				return perftop_uw_find(m->obj->t.rows, (u32)m->obj->t.n,
						       off - m->obj->loads[k].offset + m->obj->loads[k].vaddr);
		return NULL;
	}
	return NULL;
}

static int read_word(void *ctx, u64 addr, u64 *val)
{
	pid_t pid = *(pid_t *)ctx;
	struct iovec local = { val, sizeof(*val) }, remote = { (void *)(uintptr_t)addr, sizeof(*val) };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof(*val) ? 0 : -1;
}

static void walk(pid_t pid, pid_t tid, const struct user_regs_struct *ur)
{
	struct perftop_uw_regs regs = { ur->rip, ur->rsp, ur->rbp, true };
	const char *how = "limit";
	unsigned int n;

	printf("TID %d", tid);
	for (n = 0; n < 127; n++) {
		const struct perftop_uw_row *row;
		enum perftop_uw_step step;
		bool mapped;

		printf(" %#lx", (unsigned long)regs.pc);
		row = row_of(perftop_uw_lookup_pc(&regs, !n), &mapped);
		if (!mapped) {
			how = "truncated";
			break;
		}
		step = row ? perftop_uw_step(row, &regs, read_word, &pid) :
			     perftop_uw_fp_step(&regs, read_word, &pid);
		if (step == PERFTOP_UW_OUTERMOST) {
			how = "complete";
			break;
		}
		if (step == PERFTOP_UW_CUT) {
			how = "truncated";
			break;
		}
	}
	printf(" %s\n", how);
}

static int walk_process(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	if (read_maps(pid)) {
		fprintf(stderr, "ehcheck: no process %d\n", pid);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);
		struct user_regs_struct ur;
		int st;

		if (tid <= 0)
			continue;
		if (ptrace(PTRACE_SEIZE, tid, 0, 0) || ptrace(PTRACE_INTERRUPT, tid, 0, 0) ||
		    waitpid(tid, &st, __WALL) != tid || ptrace(PTRACE_GETREGS, tid, 0, &ur)) {
			fprintf(stderr, "ehcheck: thread %d: %s\n", tid, strerror(errno));
			ret = 1;
		} else {
			walk(pid, tid, &ur);
		}
		ptrace(PTRACE_DETACH, tid, 0, 0);
	}
	if (dir)
		closedir(dir);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long count = 2000;
	int opt, ret = 0, do_fuzz = 0;

	while ((opt = getopt(argc, argv, "fn:p:v")) != -1) {
		switch (opt) {
		case 'p': return walk_process((pid_t)atoi(optarg));
		case 'f': do_fuzz = 1; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'v': verbose++; break;
		default: return 2;
		}
	}
	for (; optind < argc; optind++)
		ret |= do_fuzz ? fuzz(argv[optind], count) : check(argv[optind]);
	return ret;
}

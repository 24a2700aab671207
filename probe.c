// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: the probe on finish_task_switch() and the stack capture.
 *
 * The kprobe lookup trick finds the probed function and the scheduler's
 * text; the handler charges the slice that ends, captures the stack that
 * starts and counts it in this CPU's table; the drain's IPIs close the slice
 * in flight and switch a CPU to its other table.
 *
 * Not compiled on its own: perftop.c includes it, so that the module is one
 * translation unit (see there).
 */

/* ---- symbols ----------------------------------------------------------- */

/*
 * The kprobe lookup trick: kprobes resolve any symbol, exported or not.
 * perftop only reads the addresses it finds this way, never calls them: an
 * indirect call to an unexported function is a #CP oops on a CPU that
 * enforces IBT.  register_kprobe() sets kp.addr before it checks the address,
 * so a symbol that may not be probed (a section bound in .noinstr.text) still
 * yields it; one that registers is unregistered with the others at the end.
 */
struct perftop_lookup {
	const char *name;
	unsigned long addr;
	struct kprobe kp;
};

static void perftop_lookup(struct perftop_lookup *l, unsigned int n)
{
	struct kprobe *registered[16];
	unsigned int i, nr = 0;

	for (i = 0; i < n; i++) {
		l[i].kp = (struct kprobe) {
			.symbol_name	= l[i].name,
			.flags		= KPROBE_FLAG_DISABLED,
		};
		if (!register_kprobe(&l[i].kp) && !WARN_ON(nr == ARRAY_SIZE(registered)))
			registered[nr++] = &l[i].kp;
		l[i].addr = l[i].kp.addr ? perftop_symbol_addr((unsigned long)l[i].kp.addr) : 0;
	}
	if (nr)
		unregister_kprobes(registered, nr);
}

/* The function containing ADDR, from "name+0xoff/0xsize" (sprint_symbol). */
static bool perftop_function_range(unsigned long addr, struct perftop_range *r)
{
	char buf[KSYM_SYMBOL_LEN], *p;
	unsigned long off, size;

	if (!addr)
		return false;
	sprint_symbol(buf, addr);
	p = strrchr(buf, '+');
	if (!p || sscanf(p, "+%lx/%lx", &off, &size) != 2 || !size)
		return false;
	r->start = addr - off;
	r->end = r->start + size;
	return true;
}

static void perftop_add_skip(unsigned long start, unsigned long end)
{
	if (start && end > start && nr_skip_ranges < ARRAY_SIZE(skip_ranges)) {
		skip_ranges[nr_skip_ranges].start = start;
		skip_ranges[nr_skip_ranges].end = end;
		nr_skip_ranges++;
	}
}

/*
 * "" or a chain of ".isra.N" / ".constprop.N": a whole clone of the function,
 * not a part of it (.cold, .part.N).
 */
static bool perftop_clone_suffix(const char *s)
{
	static const char * const tags[] = { ".isra.", ".constprop." };
	unsigned int i;
	size_t n;

	while (*s) {
		for (i = 0; i < ARRAY_SIZE(tags); i++) {
			n = strlen(tags[i]);
			if (!strncmp(s, tags[i], n) && isdigit(s[n]))
				break;
		}
		if (i == ARRAY_SIZE(tags))
			return false;
		s += n;
		while (isdigit(*s))
			s++;
	}
	return true;
}

/* The names finish_task_switch is found under, in the order tried. */
static const char * const probe_suffixes[] = {
	"", ".isra.0", ".constprop.0", ".isra.1", ".constprop.0.isra.0",
};

enum {
	SYM_SCHED_START, SYM_SCHED_END, SYM_ENTRY_START, SYM_ENTRY_END,
	SYM_NOINSTR_START, SYM_NOINSTR_END, SYM_SCHEDULE_TAIL, NR_SYMS
};

static const char * const sym_names[NR_SYMS] = {
	"__sched_text_start", "__sched_text_end",
	"__entry_text_start", "__entry_text_end",
	"__noinstr_text_start", "__noinstr_text_end",
	"schedule_tail",
};

static int perftop_find_probe(void)
{
	static char names[ARRAY_SIZE(probe_suffixes)][KSYM_NAME_LEN];
	struct perftop_lookup l;
	unsigned int i;

	/* A name given with its suffix is looked up as it is. */
	for (i = 0; i < ARRAY_SIZE(probe_suffixes); i++) {
		if (strchr(symbol, '.') && i)
			break;
		snprintf(names[i], KSYM_NAME_LEN, "%s%s", symbol, probe_suffixes[i]);
		l.name = names[i];
		perftop_lookup(&l, 1);
		if (l.addr)
			break;
	}
	if (!l.addr) {
		pr_err("no function %s (nor a .isra/.constprop clone of it) to probe\n", symbol);
		return -ENOENT;
	}
	strscpy(probe_name, l.name, sizeof(probe_name));
	if (!perftop_function_range(l.addr, &probe_range)) {
		pr_err("cannot find the size of %s\n", probe_name);
		return -ENOENT;
	}
	return 0;
}

static int perftop_resolve_symbols(void)
{
	struct perftop_lookup l[NR_SYMS];
	struct perftop_range r;
	unsigned int i;
	int ret;

	ret = perftop_find_probe();
	if (ret)
		return ret;
	for (i = 0; i < NR_SYMS; i++)
		l[i].name = sym_names[i];
	perftop_lookup(l, NR_SYMS);
	BUILD_BUG_ON(ARRAY_SIZE(skip_ranges) != 2 + (SYM_SCHEDULE_TAIL - SYM_SCHED_START) / 2);
	nr_skip_ranges = 0;
	perftop_add_skip(probe_range.start, probe_range.end);
	if (perftop_function_range(l[SYM_SCHEDULE_TAIL].addr, &r))
		perftop_add_skip(r.start, r.end);
	for (i = SYM_SCHED_START; i < SYM_SCHEDULE_TAIL; i += 2)
		perftop_add_skip(l[i].addr, l[i + 1].addr);
	return 0;
}

/* ---- the probe handler: no allocation, no sleeping, no lock ------------ */

/*
 * Everything from here to perftop_pre() runs in the kprobe handler, on the
 * switching CPU with interrupts off and the runqueue lock held.  It writes
 * only this CPU's struct perftop_cpu and its active table (and takes one
 * mm_users reference per new user stack); tests/lint/objcheck.py checks that no
 * function reachable from perftop_pre() takes a lock or writes a global.
 */

static __always_inline bool perftop_skip(unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < nr_skip_ranges; i++)
		if (addr >= skip_ranges[i].start && addr < skip_ranges[i].end)
			return true;
	return false;
}

/*
 * A kernel thread's stack, unwound with the exported stack_trace_save() from
 * the handler: its first frames are the handler's and the kprobe's own, then
 * the probed function, __schedule() and the rest of the scheduler.  Keep what
 * comes after them.
 */
static __always_inline void perftop_capture_kernel(struct perftop_raw *r)
{
	unsigned long raw[PERFTOP_RAW_DEPTH];
	unsigned int i, n;

	n = stack_trace_save(raw, ARRAY_SIZE(raw), 0);
	for (i = 0; i < n; i++)
		if (raw[i] >= probe_range.start && raw[i] < probe_range.end)
			break;
	while (i < n && perftop_skip(raw[i]))
		i++;
	r->nr = min_t(unsigned int, n - i, max_depth);
	r->walk = (n - i > max_depth || n == ARRAY_SIZE(raw)) ?
		  PERFTOP_LIMIT : PERFTOP_COMPLETE;
	for (n = 0; n < r->nr; n++)
		r->frames[n] = raw[i + n];
}

/*
 * A kernel stack at the tick: the interrupted instruction, then what the ORC
 * unwinder finds above it, started from the interrupted registers as
 * perf_callchain_kernel() does (__unwind_start() and unwind_next_frame() are
 * exported; they take no lock).  The tick's own frames lie below REGS and
 * are never walked.  False when the walk fails before the stack's end (the
 * unwinder's error, a return address outside the kernel's text, or an end
 * short of the bottom): such a stack would charge the time to a frame or
 * two with no caller, so the tick leaves the slice be.
 */
static __always_inline bool perftop_capture_regs(struct perftop_raw *r, struct pt_regs *regs)
{
	struct unwind_state state;
	unsigned long addr;
	unsigned int n = 1;

	if (user_mode(regs))
		return false;
	r->frames[0] = instruction_pointer(regs);
	r->walk = PERFTOP_COMPLETE;
	for (unwind_start(&state, current, regs, NULL); !unwind_done(&state);
	     unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			return false;
		if (n == max_depth) {
			r->walk = PERFTOP_LIMIT;
			break;
		}
		r->frames[n++] = addr;
	}
	/*
	 * A walk that ends short of the stack's bottom without an error has
	 * been seen too (on 6.1, from ktime_get()+0x3b: two frames, then
	 * done): a whole stack ends where the task's first frame was, at its
	 * pt_regs (ret_from_fork() of a kernel thread, or the user registers
	 * of a task in a system call).
	 */
	if (r->walk == PERFTOP_COMPLETE &&
	    (unwind_error(&state) ||
	     (state.sp != (unsigned long)task_pt_regs(current) &&
	      state.regs != task_pt_regs(current))))
		return false;
	r->nr = n;
	return true;
}

/* ---- user stacks by unwind table (issue 22) ---------------------------- */

/* A word of the user stack, with page faults disabled: 0, or non-zero on a fault. */
static __always_inline int perftop_uw_read_user(void *unused, u64 addr, u64 *val)
{
	return copy_from_user_nofault(val, (const void __user *)addr, sizeof(*val));
}

/* The view of MM (uwtab.c), or NULL.  Interrupts are off: an RCU reader. */
static __always_inline const struct perftop_uw_view *perftop_uw_view(struct mm_struct *mm)
{
	const struct perftop_uw_view *v;

	hlist_for_each_entry_rcu(v, &perftop_uw_views[hash_ptr(mm, PERFTOP_VIEW_BITS)], hnode)
		if (v->mm == mm)
			return v;
	return NULL;
}

/* The bucket of a binary (uwtab.c) by its executable's device and inode. */
static __always_inline u32 perftop_uw_bin_bucket(dev_t dev, unsigned long ino)
{
	return hash_64(((u64)dev << 32) ^ ino, PERFTOP_BIN_BITS);
}

/* B is the binary of the executable file DEV, INO, GENERATION. */
static __always_inline bool perftop_uw_bin_is(const struct perftop_uw_binary *b,
					      dev_t dev, unsigned long ino, u32 generation)
{
	return b->ino == ino && b->dev == dev && b->generation == generation;
}

/* MM's AT_BASE (its interpreter's load address), or 0: a static program. */
static __always_inline unsigned long perftop_at_base(struct mm_struct *mm)
{
	unsigned int i;

	for (i = 0; i + 1 < AT_VECTOR_SIZE && mm->saved_auxv[i] != AT_NULL; i += 2)
		if (mm->saved_auxv[i] == AT_BASE)
			return READ_ONCE(mm->saved_auxv[i + 1]);
	return 0;
}

/*
 * MM's binary, if a view of an earlier process of its executable was made
 * (uwtab.c): its mappings placed where this process has them, by start,
 * into MAPS, each where the build-id of its table is read at its place
 * (with faults disabled: a page not yet touched leaves it out); how many.
 */
static __always_inline unsigned int perftop_uw_first(struct mm_struct *mm,
						     struct perftop_uw_vmap *maps)
{
	unsigned long base[PERFTOP_BASES], at;
	const struct perftop_uw_binary *b;
	const struct perftop_uw_bmap *p;
	u8 id[PERFTOP_BUILD_ID_MAX];
	struct inode *inode;
	unsigned int i, j, n = 0;
	struct file *exe;

	exe = rcu_dereference_sched(mm->exe_file);
	if (!exe)
		return 0;
	inode = file_inode(exe);
	hlist_for_each_entry_rcu(b, &perftop_uw_binaries[perftop_uw_bin_bucket(inode->i_sb->s_dev,
									       inode->i_ino)],
				 hnode)
		if (perftop_uw_bin_is(b, inode->i_sb->s_dev, inode->i_ino, inode->i_generation))
			break;
	if (!b)
		return 0;
	base[PERFTOP_BASE_CODE] = READ_ONCE(mm->start_code);
	base[PERFTOP_BASE_INTERP] = perftop_at_base(mm);
	for (i = 0; i < b->nr; i++) {
		p = &b->maps[i];
		at = base[p->base];
		if (!at || copy_from_user_nofault(id, (const void __user *)(at + p->id_at),
						  p->tab->build_id_len))
			continue;
		for (j = 0; j < p->tab->build_id_len && id[j] == p->tab->build_id[j]; j++)
			;
		if (j < p->tab->build_id_len) {
			__this_cpu_inc(perftop_cpu.uw_misplaced);
			continue;
		}
		for (j = n; j && maps[j - 1].start > at + p->start; j--)
			maps[j] = maps[j - 1];
		maps[j] = (struct perftop_uw_vmap) {
			.start = at + p->start,
			.end = at + p->end,
			.bias = at + p->bias,
			.tab = p->tab,
		};
		n++;
	}
	return n;
}

/*
 * The view of TSK's parent, if TSK is a child it forked that has not
 * exec'd since: the same executable file (the same open file, not only the
 * same inode) at the same place, and the same mappings as it had at the
 * fork; or NULL.  Only the parent's mm pointer is read, as a key.
 */
static __always_inline const struct perftop_uw_view *
perftop_uw_parent_view(struct task_struct *tsk)
{
	const struct perftop_uw_view *v;
	struct task_struct *parent;
	struct mm_struct *pmm;

	parent = rcu_dereference_sched(tsk->real_parent);
	pmm = parent ? READ_ONCE(parent->mm) : NULL;
	if (!pmm || pmm == tsk->mm)
		return NULL;
	v = perftop_uw_view(pmm);
	if (!v || v->exe != rcu_access_pointer(tsk->mm->exe_file) ||
	    v->start_code != READ_ONCE(tsk->mm->start_code))
		return NULL;
	return v;
}

/* The row of the table that covers PC in MAPS (NR of them), or NULL. */
static __always_inline const struct perftop_uw_row *
perftop_uw_row(const struct perftop_uw_vmap *maps, unsigned int nr, u64 pc)
{
	const struct perftop_uw_vmap *p;
	unsigned int lo = 0, hi = nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		p = &maps[mid];
		if (pc < p->start)
			hi = mid;
		else if (pc >= p->end)
			lo = mid + 1;
		else
			return perftop_uw_find(p->tab->rows, p->tab->nrows, pc - p->bias);
	}
	return NULL;
}

/*
 * A 64-bit task's stack by the tables of MAPS (its view's or its
 * binary's, NR of them), from its user registers REGS: each frame by its
 * row where a table covers it, else by one frame-pointer step (code with
 * no table: a JIT, Go, a file not uploaded).
 * Whole at a row that marks the outermost frame, or, by frame pointers, at
 * a record whose caller's frame pointer is 0; cut where a step fails or a
 * return address is not in user space.
 */
static __always_inline void perftop_capture_user_tables(struct perftop_raw *r,
							struct pt_regs *regs,
							const struct perftop_uw_vmap *maps,
							unsigned int nr, unsigned long top)
{
	struct perftop_uw_regs ur = {
		.pc = instruction_pointer(regs),
		.sp = user_stack_pointer(regs),
		.bp = regs->bp,
		.bp_valid = true,
	};
	const struct perftop_uw_row *row;
	enum perftop_uw_step step;
	unsigned int n = 1;

	r->frames[0] = ur.pc;
	r->walk = PERFTOP_TRUNCATED;
	for (;;) {
		row = perftop_uw_row(maps, nr, perftop_uw_lookup_pc(&ur, n == 1));
		if (row)
			step = perftop_uw_step(row, &ur, perftop_uw_read_user, NULL);
		else if (n > 1 && ur.bp_valid && !ur.bp)
			/*
			 * Code with no table reached with a zero frame pointer,
			 * as a row restored it: _start cleared it (a program
			 * built with frame pointers, whose libc has a table).
			 */
			step = PERFTOP_UW_OUTERMOST;
		else if (top && ur.bp >= top)
			step = PERFTOP_UW_CUT;
		else
			step = perftop_uw_fp_step(&ur, perftop_uw_read_user, NULL);
		if (step == PERFTOP_UW_OUTERMOST) {
			r->walk = PERFTOP_COMPLETE;
			break;
		}
		if (step != PERFTOP_UW_CALLER || ur.pc < PERFTOP_USER_MIN || ur.pc >= TASK_SIZE_MAX)
			break;
		if (n == max_depth) {
			r->walk = PERFTOP_LIMIT;
			break;
		}
		r->frames[n++] = ur.pc;
		if (!row && !ur.bp) {
			r->walk = PERFTOP_COMPLETE;
			break;
		}
	}
	r->nr = n;
}

/* One frame record of a user stack: the caller's frame pointer and return address. */
static __always_inline bool perftop_user_frame(unsigned long fp, bool compat,
					       unsigned long *next, unsigned long *ret)
{
	u32 f32[2];
	unsigned long f64[2];

	if (compat) {
		if (copy_from_user_nofault(f32, (void __user *)fp, sizeof(f32)))
			return false;
		*next = f32[0];
		*ret = f32[1];
	} else {
		if (copy_from_user_nofault(f64, (void __user *)fp, sizeof(f64)))
			return false;
		*next = f64[0];
		*ret = f64[1];
	}
	return true;
}

/*
 * A user task's stack, by frame pointers: the instruction pointer, then the
 * return address of each frame record, as stack_trace_save_user() walks it,
 * but with copy_from_user_nofault() (exported) and 32-bit records for a
 * 32-bit task.  The walk is complete when the chain ends with a zero frame
 * pointer (as _start and clone leave it); it is truncated where a record
 * cannot be one: frame pointers must rise on the stack, aligned, and return
 * addresses lie in user space.  Code built without frame pointers leaves
 * data in the register; what the drain then finds outside an executable
 * mapping is cut there.  No frame record lies at or above the stack's top
 * at exec (mm->start_stack: argv, the environment and the auxiliary vector
 * are there, and pointers into them look like a chain of records): a walk
 * from a register such code left pointing there stops, instead of taking
 * up to max_depth frames of them.
 */
static __always_inline void perftop_capture_user(struct perftop_raw *r,
						 struct task_struct *tsk, bool switched)
{
	struct pt_regs *regs = task_pt_regs(tsk);
	unsigned long fp = regs->bp, sp = user_stack_pointer(regs);
	unsigned long next, ret, align_mask;
	bool compat = !user_64bit_mode(regs);
	unsigned long top = READ_ONCE(tsk->mm->start_stack);
	struct perftop_uw_vmap first[PERFTOP_BIN_MAPS];
	const struct perftop_uw_view *v;
	unsigned int n = 1, nr;

	r->compat = compat;
	r->mm = tsk->mm;
	/*
	 * Stacks of one frame, whole: a thread switched in for the first time
	 * (never switched out) starts where clone returns in the child, on a
	 * new stack that holds nothing yet (the CFI there is the parent's: a
	 * walk by it reads the new stack's empty top); and a program at its
	 * entry (ld.so's, or its own that ld.so jumps to) before it has pushed
	 * anything has its stack pointer where exec left it, mm->start_stack.
	 */
	if ((switched && tsk != tsk->group_leader && !(tsk->nvcsw | tsk->nivcsw)) ||
	    sp == top) {
		r->frames[0] = instruction_pointer(regs);
		r->nr = 1;
		r->walk = PERFTOP_COMPLETE;
		return;
	}
	if (!compat) {
		v = perftop_uw_view(tsk->mm);
		if (!v)
			v = perftop_uw_parent_view(tsk);
		if (v) {
			perftop_capture_user_tables(r, regs, v->maps, v->nr, top);
			return;
		}
		/* Not yet seen by a drain (a new program): its binary's. */
		nr = perftop_uw_first(tsk->mm, first);
		if (nr) {
			perftop_capture_user_tables(r, regs, first, nr, top);
			return;
		}
	}
	align_mask = compat ? 3 : 7;
	if (compat) {
		fp = (u32)fp;
		sp = (u32)sp;
	}
	r->frames[0] = instruction_pointer(regs);
	r->walk = PERFTOP_TRUNCATED;
	while (fp) {
		if (n == max_depth) {
			r->walk = PERFTOP_LIMIT;
			break;
		}
		if (fp < sp || (fp & align_mask) || (top && fp >= top) ||
		    !perftop_user_frame(fp, compat, &next, &ret))
			break;
		if (ret < PERFTOP_USER_MIN || ret >= TASK_SIZE_MAX)
			break;
		r->frames[n++] = ret;
		if (!next) {
			r->walk = PERFTOP_COMPLETE;
			break;
		}
		if (next <= fp)
			break;
		fp = next;
	}
	r->nr = n;
}

/*
 * TSK is charged to its user stack: not a kernel thread or a user worker
 * (vhost's: its mm is its owner's), nor a task past exit_mm(), nor one
 * inside execve(), whose registers are still the old program's when its mm
 * is already the new one.
 */
static __always_inline bool perftop_user_task(struct task_struct *tsk)
{
	return !(tsk->flags & PERFTOP_NOT_USER) && tsk->mm && !tsk->in_execve;
}

/*
 * The stack of current, switched in now (REGS NULL) or interrupted by the
 * tick (REGS its registers); its slot hash, never 0 but for a kernel stack
 * at the tick that could not be walked.
 */
static __always_inline u32 perftop_capture(struct perftop_raw *r, struct pt_regs *regs)
{
	struct task_struct *tsk = current;

	r->at = 0;
	r->compat = 0;
	r->mm = NULL;
	if (perftop_user_task(tsk)) {
		r->kind = PERFTOP_USER;
		perftop_capture_user(r, tsk, !regs);
	} else {
		r->kind = PERFTOP_KERNEL;
		if (!regs)
			perftop_capture_kernel(r);
		else if (!perftop_capture_regs(r, regs))
			return 0;
	}
	return hsiphash(r, PERFTOP_RAW_LEN(r), &slot_key) | 1;
}

/* MM, with its number of mappings now, is not among the last few seen here. */
static __always_inline bool perftop_new_mm(struct perftop_cpu *pc, struct mm_struct *mm)
{
	int maps = READ_ONCE(mm->map_count);
	unsigned int i;

	for (i = 0; i < PERFTOP_MM_SEEN; i++)
		if (pc->mm_seen[i].mm == mm && pc->mm_seen[i].maps == maps)
			return false;
	i = pc->mm_next++ % PERFTOP_MM_SEEN;
	pc->mm_seen[i].mm = mm;
	pc->mm_seen[i].maps = maps;
	return true;
}

/*
 * Frames are copied and compared word by word: memcpy() and memcmp() of a
 * length known only at run time bring FORTIFY_SOURCE's checks, and their
 * WARN, into the handler.
 */
static __always_inline void perftop_frames_copy(unsigned long *to, const unsigned long *from,
						unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		to[i] = from[i];
}

static __always_inline bool perftop_frames_equal(const unsigned long *a, const unsigned long *b,
						 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static __always_inline void perftop_raw_copy(struct perftop_raw *to,
					     const struct perftop_raw *from)
{
	to->kind = from->kind;
	to->nr = from->nr;
	to->walk = from->walk;
	to->compat = from->compat;
	to->at = from->at;
	to->mm = from->mm;
	perftop_frames_copy(to->frames, from->frames, from->nr);
}

/* Slot S of table T holds KEY. */
static __always_inline bool perftop_slot_is(const struct perftop_ptab *t,
					    const struct perftop_slot *s,
					    const struct perftop_raw *key)
{
	return s->key.kind == key->kind && s->key.nr == key->nr && s->key.walk == key->walk &&
	       s->key.compat == key->compat && s->key.mm == key->mm &&
	       perftop_frames_equal(&t->arena[s->key.at], key->frames, key->nr);
}

/*
 * The slot of KEY in table T, created if need be: at most PERFTOP_PROBES
 * slots are looked at (the index is a keyed hash, so no user can make its
 * stacks collide on purpose); NULL when they are all taken by others.  A new
 * user slot holds a reference on the mm_struct (not on the address space)
 * until the drain.  A drain is asked for when the table is half full, and
 * when a user slot has an address space, or a number of mappings, this CPU
 * has not seen lately: the drain takes the process's mappings while it
 * lives (a short one may be gone by the next periodic drain).
 */
static __always_inline struct perftop_slot *
perftop_slot(struct perftop_cpu *pc, struct perftop_ptab *t,
	     const struct perftop_raw *key, u32 hash)
{
	struct perftop_slot *s;
	unsigned int i;

	for (i = 0; i < PERFTOP_PROBES; i++) {
		s = &t->slots[(hash + i) & cpu_mask];
		if (s->hash == hash && perftop_slot_is(t, s, key))
			return s;
		if (!s->hash)
			goto fill;
	}
	return NULL;
fill:
	if (t->arena_used + key->nr > arena_size)
		return NULL;
	s->hash = hash;
	s->ticks = 0;
	s->count = 0;
	s->splits = 0;
	s->proc = 0;
	s->key = (struct perftop_raw_head) {
		.kind = key->kind,
		.nr = key->nr,
		.walk = key->walk,
		.compat = key->compat,
		.at = t->arena_used,
		.mm = key->mm,
	};
	perftop_frames_copy(&t->arena[t->arena_used], key->frames, key->nr);
	t->arena_used += key->nr;
	if (key->mm)
		mmgrab(key->mm);
	/* The drain peeks at it from another CPU (perftop_cpu_busy). */
	WRITE_ONCE(t->used, t->used + 1);
	if ((t->used * 2 > cpu_mask || t->arena_used * 2 > arena_size ||
	     (key->mm && perftop_new_mm(pc, key->mm))) && !t->kicked) {
		t->kicked = true;
		irq_work_queue(&pc->kick);
	}
	return s;
}

static __always_inline void perftop_charge_to(struct perftop_ptab *t, unsigned int kind,
					      struct perftop_slot *s, u64 delta)
{
	switch (kind) {
	case PERFTOP_CUR_IDLE:
		t->idle_ticks += delta;
		break;
	case PERFTOP_CUR_SLOT:
		s->ticks += delta;
		break;
	case PERFTOP_CUR_LOST:
		t->lost_ticks += delta;
		break;
	}
}

static __always_inline void perftop_charge(struct perftop_cpu *pc,
					   struct perftop_ptab *t, u64 delta)
{
	perftop_charge_to(t, pc->cur_kind, pc->cur, delta);
}

/*
 * Switches went unseen: the slice in flight, from START to NOW, is dropped
 * and counted as a gap, so that busy + idle + gap still make the time.
 */
static __always_inline void perftop_gap(struct perftop_ptab *t, u64 start, u64 now)
{
	t->gaps++;
	t->gap_ticks += now > start ? now - start : 0;
}

/*
 * The task last seen with slot S, and its process: the thread group and
 * its leader's start, read only while TSK is still hashed (pid_alive()).
 * A thread that release_task() has unhashed runs on to the end of
 * do_exit(), and may have released its group's leader on the way (the
 * last thread of a group whose leader exited first reaps it): after a
 * grace period, freed while the thread was preempted, group_leader points
 * to freed memory (KASAN, the debug kernel).  Such a thread's last
 * stacks count as a process of their own (start 0).
 */
static __always_inline void perftop_note_task(struct perftop_slot *s, struct task_struct *tsk)
{
	if (!s->count && !s->splits)
		s->proc = (u64)tsk->tgid << 32 ^
			  (pid_alive(tsk) ? READ_ONCE(tsk->group_leader)->start_time : 0);
	s->pid = tsk->pid;
	memcpy(s->comm, tsk->comm, TASK_COMM_LEN);
}

/* Find or make the slot of the in-flight stack (pc->key) in table T. */
static __always_inline void perftop_place(struct perftop_cpu *pc,
					  struct perftop_ptab *t)
{
	pc->cur = perftop_slot(pc, t, &pc->key, pc->cur_hash);
	pc->cur_kind = pc->cur ? PERFTOP_CUR_SLOT : PERFTOP_CUR_LOST;
}

/* Switch in: remember the stack of current and count it. */
static __always_inline void perftop_switch_in(struct perftop_cpu *pc,
					      struct perftop_ptab *t)
{
	struct task_struct *tsk = current;
	struct perftop_slot *s;

	if (is_idle_task(tsk)) {
		pc->cur_kind = PERFTOP_CUR_IDLE;
		t->idle_count++;
		return;
	}
	pc->cur_hash = perftop_capture(&pc->key, NULL);
	perftop_place(pc, t);
	s = pc->cur;
	if (!s) {
		t->lost++;
		return;
	}
	perftop_note_task(s, tsk);
	s->count++;
}

static __always_inline u64 perftop_ticks_to_ns(u64 ticks)
{
	return mul_u64_u32_div(ticks, NSEC_PER_MSEC, tsc_khz);
}

/* rdtsc, as this CPU's stamps see it (a fault-injection build shifts it). */
static __always_inline u64 perftop_now(struct perftop_cpu *pc)
{
	u64 now = rdtsc();

#if PERFTOP_FAULTS
	unsigned int gen = READ_ONCE(fault_gen);

	if (gen != pc->fault_gen) {
		pc->fault_gen = gen;
		pc->fault_offset += (u64)READ_ONCE(fault_tsc_back_ms) * tsc_khz;
	}
	now -= pc->fault_offset;
#endif
	return now;
}

/*
 * local_clock() at rdtsc value NOW on this CPU, extrapolated from a reading
 * of both taken every PERFTOP_CLOCK_EVERY switches and at least every 10 ms:
 * local_clock() itself cost 15% of the handler under TCG.
 */
static __always_inline u64 perftop_local_clock(struct perftop_cpu *pc, u64 now)
{
	if (!pc->clock_left-- || now - pc->clock_tsc > 10ULL * tsc_khz) {
		pc->clock_ns = local_clock();
		pc->clock_tsc = perftop_now(pc);
		pc->clock_left = PERFTOP_CLOCK_EVERY - 1;
	}
	if (now >= pc->clock_tsc)
		return pc->clock_ns + perftop_ticks_to_ns(now - pc->clock_tsc);
	return pc->clock_ns - perftop_ticks_to_ns(pc->clock_tsc - now);
}

/*
 * The rdtsc value of the instant the kernel itself switched.  __schedule()
 * reads the runqueue clock once, charges prev up to it and starts next from
 * it (se.exec_start).  The probe fires later, after the dequeue, the pick and
 * the switch, and a stamp taken there would give that work to prev where the
 * kernel gives it to next: a few hundred ns per switch (a few us under
 * emulation), which is a large share of a pipe ping-pong's slices.  So step
 * back by the kernel's own lag, measured on this CPU; the time base stays
 * rdtsc.  When the lag is unknown or implausible, the probe's stamp stands.
 * Each path is counted (the footer's "stamps").
 */
static __always_inline u64 perftop_switch_stamp(struct perftop_cpu *pc,
						struct perftop_ptab *t,
						struct task_struct *prev, u64 now)
{
	u64 start, lag;

	if (!PERFTOP_ALIGN_TO_KERNEL || !align)
		goto probe;
	if (!is_idle_task(current))
		start = READ_ONCE(current->se.exec_start);
	else if (prev == pc->task && prev && !is_idle_task(prev))
		start = READ_ONCE(prev->se.exec_start);	/* charged up to it */
	else
		goto probe;
	lag = perftop_local_clock(pc, now) - start;
	if (lag > PERFTOP_MAX_LAG_NS)
		goto probe;
	t->aligned++;
	return now - mul_u64_u32_div(lag, tsc_khz, NSEC_PER_MSEC);
probe:
	t->probe++;
	return now;
}

static __always_inline unsigned long perftop_task_switches(struct task_struct *tsk)
{
	return READ_ONCE(tsk->nvcsw) + READ_ONCE(tsk->nivcsw);
}

/*
 * Is the slice in flight what it seems?  PREV must be the task this CPU saw
 * switch in last, switched out exactly once since (the kernel counts every
 * switch out in nvcsw/nivcsw), and the clock must not have gone back by more
 * than a millisecond.  Otherwise switches were missed (kprobes disabled, a
 * CPU that was offline, a resume) and the slice is dropped, not charged.
 */
static __always_inline bool perftop_in_sync(struct perftop_cpu *pc,
					    struct task_struct *prev, u64 stamp)
{
	return !READ_ONCE(pc->resync) && prev == pc->task &&
	       perftop_task_switches(prev) == pc->task_switches + 1 &&
	       stamp + tsc_khz >= pc->start;
}

static __always_inline void perftop_account_cost(struct perftop_ptab *t, u64 cost)
{
	t->cost_sum += cost;
	t->cost_calls++;
	if (cost > t->cost_max)
		t->cost_max = cost;
	t->cost_hist[min_t(unsigned int, fls64(cost), PERFTOP_COST_BUCKETS - 1)]++;
}

static int perftop_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct task_struct *prev =
		(struct task_struct *)regs_get_kernel_argument(regs, PERFTOP_PREV_ARG);
	struct perftop_cpu *pc;
	struct perftop_ptab *t;
	u64 now, stamp;

	if (PERFTOP_BENCH == PERFTOP_BENCH_FLOOR)
		return 0;
	pc = this_cpu_ptr(&perftop_cpu);
	if (PERFTOP_BENCH == PERFTOP_BENCH_CAPTURE) {
		pc->sink += is_idle_task(current) ? 0 : perftop_capture(&pc->key, NULL);
		return 0;
	}
	now = perftop_now(pc);
	t = &pc->tab[pc->active];
	stamp = perftop_switch_stamp(pc, t, prev, now);
	t->switches++;
	if (pc->task) {
		if (perftop_in_sync(pc, prev, stamp)) {
			/*
			 * A small step back (the kernel lag's jitter) charges
			 * 0, and the next slice starts where this one did not
			 * end: no instant is counted twice.
			 */
			stamp = max(stamp, pc->start);
			perftop_charge(pc, t, stamp - pc->start);
		} else {
			perftop_gap(t, pc->start, stamp);
		}
	}
	pc->resync = false;
	pc->start = stamp;
	pc->task = current;
	pc->task_switches = perftop_task_switches(current);
	perftop_switch_in(pc, t);
	pc->head = true;
	perftop_account_cost(t, perftop_now(pc) - now);
	return 0;
}

NOKPROBE_SYMBOL(perftop_pre);

/*
 * The tick (tick_split), in its hard interrupt at the entry of
 * scheduler_tick() or sched_tick(), before the runqueue lock.  Interrupts are
 * off, as in perftop_pre() and the drain's IPIs: on one CPU none of them runs
 * inside another.  The slice in flight ends here and the next one starts
 * with the stack running now.  Each stack captured at a tick stands for the
 * time around it:
 *  - a slice between two ticks goes half to the stack of each: where the
 *    code changed between them is unknown, and a half on each side makes
 *    that error nothing on average (wholly to one side, a function run
 *    after another took half a tick of the other's time per change);
 *    but a slice longer than a tick period gives the earlier stack half a
 *    period only: a late tick was held off by what runs now (interrupts
 *    off, or a virtual CPU stalled by its host, after which the tick fires
 *    at once), and halving the whole gave the earlier code half of it;
 *  - a slice begun at the switch in (the head) goes to the stack captured
 *    now, since a task woken in a wait call computes elsewhere, and one
 *    from the last tick to the switch out to the stack of that tick;
 *  - a slice with no tick in it goes to the switch-in stack (perftop_pre()).
 * A slice whose switches went unseen is dropped and one starts on the task
 * running now; one whose kernel stack cannot be walked now goes on.
 */
static int perftop_tick_pre(struct kprobe *p, struct pt_regs *unused)
{
	struct pt_regs *regs = get_irq_regs();
	struct task_struct *tsk = current;
	struct perftop_slot *old;
	struct perftop_cpu *pc;
	struct perftop_ptab *t;
	unsigned int kind;
	u64 now, half;
	u32 hash;

	if (PERFTOP_BENCH == PERFTOP_BENCH_FLOOR || !regs || is_idle_task(tsk))
		return 0;
	pc = this_cpu_ptr(&perftop_cpu);
	if (PERFTOP_BENCH == PERFTOP_BENCH_CAPTURE) {
		pc->sink += perftop_capture(&pc->key, regs);
		return 0;
	}
	now = perftop_now(pc);
	t = &pc->tab[pc->active];
	hash = perftop_capture(&pc->tick_key, regs);
	if (!hash) {
		t->tick_skipped++;
		return 0;
	}
	kind = pc->cur_kind;
	old = pc->cur;
	perftop_raw_copy(&pc->key, &pc->tick_key);
	pc->cur_hash = hash;
	perftop_place(pc, t);
	if (READ_ONCE(pc->resync) || pc->task != tsk || now < pc->start ||
	    perftop_task_switches(tsk) != pc->task_switches) {
		/*
		 * Switches went unseen (a resume, a CPU back online, kprobes
		 * disabled) or none was seen yet (the load): the slice in
		 * flight is dropped, as the next switch would drop it, and
		 * one starts on the task running now, so that a task that
		 * does not switch is not left out until it does.
		 */
		if (pc->task)
			perftop_gap(t, pc->start, now);
		pc->resync = false;
		pc->task = tsk;
		pc->task_switches = perftop_task_switches(tsk);
	} else {
		half = pc->head ? 0 : min(now - pc->start, tick_period) / 2;
		perftop_charge_to(t, kind, old, half);
		perftop_charge(pc, t, now - pc->start - half);
	}
	pc->start = now;
	pc->head = false;
	if (pc->cur) {
		perftop_note_task(pc->cur, tsk);
		pc->cur->splits++;
	} else {
		t->lost++;
	}
	t->splits++;
	now = perftop_now(pc) - now;
	t->tick_cost_sum += now;
	t->tick_cost_max = max(t->tick_cost_max, now);
	return 0;
}

NOKPROBE_SYMBOL(perftop_tick_pre);

/* ---- per-CPU interrupts from the drain --------------------------------- */

/*
 * Take the stack in flight over to table T (just emptied by the drain), with
 * the task it was last seen with: the table left behind goes to the drain.
 * A slot's stack keeps its mm alive; a lost one's only while it is still
 * current's.
 */
static __always_inline void perftop_carry(struct perftop_cpu *pc, struct perftop_ptab *t,
					  const struct perftop_slot *old)
{
	if (pc->cur_kind != PERFTOP_CUR_SLOT &&
	    (pc->cur_kind != PERFTOP_CUR_LOST || (pc->key.mm && pc->key.mm != current->mm)))
		return;
	perftop_place(pc, t);
	t->carried = !!pc->cur;
	if (pc->cur && old && !pc->cur->count && !pc->cur->splits) {
		pc->cur->pid = old->pid;
		pc->cur->proc = old->proc;
		memcpy(pc->cur->comm, old->comm, TASK_COMM_LEN);
	}
}

/*
 * Start a slice on current, a user task, in table T at NOW, with its user
 * stack.  A kernel thread's stack would be read here, in the drain's IPI,
 * whose registers get_irq_regs() does not give (the call-function
 * interrupt does not set them): it waits for its next switch or tick.
 */
static void perftop_flip_start(struct perftop_cpu *pc, struct perftop_ptab *t, u64 now)
{
	struct task_struct *tsk = current;

	if (!perftop_user_task(tsk))
		return;
	/* Nothing is in flight on this CPU: its key is free. */
	pc->cur_hash = perftop_capture(&pc->key, NULL);
	perftop_place(pc, t);
	pc->task = tsk;
	pc->task_switches = perftop_task_switches(tsk);
	pc->start = now;
	pc->head = false;
	if (pc->cur)
		perftop_note_task(pc->cur, tsk);
	else
		t->lost++;
}

/*
 * On each CPU, by IPI (interrupts off, so never inside that CPU's handler):
 * charge the slice in flight up to now, and move to the other table.  The
 * slice is current's unless switches went unseen (kprobes disabled, say):
 * then it is left as it is, for the next switch to drop.
 */
static void perftop_flip_ipi(void *unused)
{
	struct perftop_cpu *pc = this_cpu_ptr(&perftop_cpu);
	struct perftop_ptab *t = &pc->tab[pc->active];
	struct perftop_slot *old = pc->cur_kind == PERFTOP_CUR_SLOT ? pc->cur : NULL;
	u64 now = perftop_now(pc), end;

	/*
	 * A CPU idle since the load has not switched yet: its idle time
	 * counts from here, not from its first switch.
	 */
	if (!pc->task && is_idle_task(current)) {
		pc->task = current;
		pc->task_switches = perftop_task_switches(current);
		pc->cur_kind = PERFTOP_CUR_IDLE;
		pc->start = now;
	}
	if (pc->task == current && !READ_ONCE(pc->resync) &&
	    perftop_task_switches(current) == pc->task_switches && now > pc->start) {
		perftop_charge(pc, t, now - pc->start);
		pc->start = now;
	}
	WRITE_ONCE(pc->active, !pc->active);
	perftop_carry(pc, &pc->tab[pc->active], old);
	t = &pc->tab[pc->active];
	/*
	 * A CPU that has run one task since the load has not switched yet
	 * either (on a nohz_full CPU it may never, and with tick_split=0 no
	 * tick starts its slice): a user task's slice starts here.
	 */
	if (!pc->task)
		perftop_flip_start(pc, t, now);
	/* Interrupts are off here: how long, for the footer. */
	end = perftop_now(pc);
	if (end > now)
		t->ipi_max = max(t->ipi_max, end - now);
}

/*
 * After a resume (perftop_syscore_resume()): the slice in flight spans the
 * sleep; start it again.
 */
static void perftop_resync(void)
{
	struct perftop_cpu *pc = this_cpu_ptr(&perftop_cpu);
	struct perftop_ptab *t = &pc->tab[pc->active];
	u64 now = perftop_now(pc);

	if (pc->task) {
		perftop_gap(t, pc->start, now);
		pc->start = now;
	}
}

static void perftop_kick(struct irq_work *work)
{
	if (!READ_ONCE(perftop_stopping) && !PERFTOP_NO_KICK)
		queue_work(system_unbound_wq, &perftop_kicked);
}

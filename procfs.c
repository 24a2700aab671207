// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: /proc/perftop and /proc/perftop_all.
 *
 * The formats are described in perftop(4).
 *
 * Not compiled on its own: perftop.c includes it, so that the module is one
 * translation unit (see there).
 */

/* ---- /proc/perftop and /proc/perftop_all ------------------------------- */

static const char *perftop_kind_name(u32 kind)
{
	switch (kind) {
	case PERFTOP_USER:
		return "user";
	case PERFTOP_IDLE:
		return "idle";
	default:
		return "kernel";
	}
}

static const char * const walk_names[] = {
	[PERFTOP_COMPLETE]	= "complete",
	[PERFTOP_TRUNCATED]	= "truncated",
	[PERFTOP_LIMIT]		= "limit",
};

static void perftop_show_user_frame(struct seq_file *m, u64 f)
{
	u64 id = f >> PERFTOP_FRAME_OBJ_SHIFT, v = f & PERFTOP_FRAME_VALUE;
	struct perftop_object *o;

	if ((f & PERFTOP_FRAME_ANON) == PERFTOP_FRAME_ANON) {
		seq_printf(m, "[anon]+0x%llx", f & PERFTOP_FRAME_ANON_VALUE);
		return;
	}
	switch (id) {
	case PERFTOP_OBJ_NOMAP:
		seq_printf(m, "0x%llx (unresolved: no executable mapping)", v);
		return;
	case PERFTOP_OBJ_FULL:
		seq_printf(m, "0x%llx (unresolved: object table full)", v);
		return;
	case PERFTOP_OBJ_VDSO:
		seq_printf(m, "[vdso]+0x%llx", v);
		return;
	case PERFTOP_OBJ_EXITED:
		seq_printf(m, "0x%llx (unresolved: the process exited before it was named)", v);
		return;
	case PERFTOP_OBJ_BUSY:
		seq_printf(m, "0x%llx (unresolved: its address space was locked)", v);
		return;
	}
	o = perftop_object_of(f);
	if (!o) {
		seq_printf(m, "0x%llx (unresolved: no such object)", v);
		return;
	}
	o->seen = read_gen;
	seq_escape(m, o->path, " \t\n\\");
	seq_printf(m, "+0x%llx%s", v, f & PERFTOP_FRAME_FILEOFF ? " (file offset)" : "");
}

static void perftop_show_frame(struct seq_file *m, const struct perftop_key *k,
			       unsigned int i)
{
	char sym[KSYM_SYMBOL_LEN];
	unsigned int gone;

	seq_printf(m, "  #%u ", i);
	if (k->kind == PERFTOP_USER) {
		perftop_show_user_frame(m, k->frames[i]);
	} else if ((k->frames[i] & ~(u64)U32_MAX) == PERFTOP_KFRAME_GONE) {
		/* Named at its module's unload. */
		gone = k->frames[i] & U32_MAX;
		seq_puts(m, gone < nr_gone ? gone_names[gone] : "?");
	} else {
		/* Never a raw kernel address: an unknown one prints as "?". */
		snprintf(sym, sizeof(sym), "%pB", (void *)(unsigned long)k->frames[i]);
		seq_puts(m, strncmp(sym, "0x", 2) ? sym : "?");
	}
	seq_putc(m, '\n');
}

/*
 * Pids as the reader's pid namespace sees them: a reader in a container
 * sees its own tasks' pids, and "-" for the host's.
 */
static void perftop_show_pid(struct seq_file *m, pid_t pid)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	pid_t nr = pid;

	if (ns != &init_pid_ns) {
		rcu_read_lock();
		nr = pid_nr_ns(find_pid_ns(pid, &init_pid_ns), ns);
		rcu_read_unlock();
	}
	if (nr || !pid)
		seq_printf(m, "pid=%d", nr);
	else
		seq_puts(m, "pid=-");
}

static void perftop_show_rank(struct seq_file *m, unsigned int r,
			      const struct perftop_entry *e, unsigned int frames)
{
	unsigned int i;

	seq_printf(m, "rank %u scheduled task: jhash=0x%08x ticks=%llu ns=%llu count=%llu splits=%llu procs=%u stack=%s ",
		   r, e->hash, e->ticks, perftop_ticks_to_ns(e->ticks), e->count,
		   e->splits, e->procs, walk_names[e->key->walk]);
	perftop_show_pid(m, e->pid);
	seq_printf(m, " kind=%s comm=", perftop_kind_name(e->key->kind));
	/* As /proc/PID/status: no task can start a line of its own. */
	seq_escape_str(m, e->comm, ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\");
	seq_putc(m, '\n');
	for (i = 0; i < min_t(unsigned int, frames, e->key->nr); i++)
		perftop_show_frame(m, e->key, i);
}

/* Upper bound, in ticks, of the bucket holding the p-th percentile. */
static u64 perftop_cost_pct(unsigned int p)
{
	u64 seen = 0, want = div_u64(totals.cost_calls * p + 99, 100);
	unsigned int i;

	for (i = 0; i < PERFTOP_COST_BUCKETS; i++) {
		seen += totals.cost_hist[i];
		if (want && seen >= want)
			return i ? 1ULL << i : 0;
	}
	return 0;
}

static const char *perftop_yes(bool b)
{
	return b ? "yes" : "no";
}

static void perftop_show_footer(struct seq_file *m)
{
	const struct perftop_totals *t = &totals;
	unsigned int i;

	seq_printf(m, "# other: ticks=%llu ns=%llu count=%llu splits=%llu stacks=%llu floor=%llu\n",
		   t->other_ticks, perftop_ticks_to_ns(t->other_ticks),
		   t->other_count, t->other_splits, t->other_stacks, perftop_floor());
	seq_printf(m, "# switches=%llu entries=%u/%u evicted=%llu lost=%llu lost_ticks=%llu gaps=%llu gap_ticks=%llu missed=%lu\n",
		   t->switches, perftop_entries(), max_entries, t->evicted, t->lost,
		   t->lost_ticks, t->gaps, t->gap_ticks, perftop_kp.nmissed);
	seq_printf(m, "# busy_ticks=%llu busy_ns=%llu idle_ticks=%llu idle_ns=%llu\n",
		   t->busy, perftop_ticks_to_ns(t->busy), t->idle,
		   perftop_ticks_to_ns(t->idle));
	seq_printf(m, "# stamps aligned=%llu probe=%llu\n", t->aligned, t->probe);
	seq_printf(m, "# drains=%llu interval_ms=%u avg_us=%llu max_us=%llu at_ns=%llu read_shared=%llu\n",
		   t->drains, drain_ms,
		   t->drains ? div64_u64(t->drain_ns, t->drains * NSEC_PER_USEC) : 0,
		   div64_u64(t->drain_max_ns, NSEC_PER_USEC), t->drained_at, t->read_shared);
	seq_printf(m, "# handler_ticks calls=%llu avg=%llu max=%llu p50<=%llu p99<=%llu\n",
		   t->cost_calls, t->cost_calls ? div64_u64(t->cost_sum, t->cost_calls) : 0,
		   t->cost_max, perftop_cost_pct(50), perftop_cost_pct(99));
	seq_printf(m, "# tick_ticks tick_split=%s splits=%llu skipped=%llu avg=%llu max=%llu missed=%lu\n",
		   perftop_yes(tick_split), t->splits, t->tick_skipped,
		   t->splits ? div64_u64(t->tick_cost_sum, t->splits) : 0, t->tick_cost_max,
		   perftop_tick_kp.nmissed);
	/* perftop's own interrupts-off sections: the handlers, the drain's IPI. */
	seq_printf(m, "# irqs_off_us handler_max=%llu tick_max=%llu ipi_max=%llu\n",
		   div64_u64(perftop_ticks_to_ns(t->cost_max), NSEC_PER_USEC),
		   div64_u64(perftop_ticks_to_ns(t->tick_cost_max), NSEC_PER_USEC),
		   div64_u64(perftop_ticks_to_ns(t->ipi_max), NSEC_PER_USEC));
	perftop_uw_footer(m);
	for (i = 0; i < nr_objects; i++) {
		if (!objects[i] || objects[i]->seen != read_gen)
			continue;
		seq_puts(m, "# object build-id=");
		if (objects[i]->build_id_len)
			seq_printf(m, "%*phN", objects[i]->build_id_len, objects[i]->build_id);
		else
			seq_puts(m, "none");
		seq_putc(m, ' ');
		seq_escape(m, objects[i]->path, " \t\n\\");
		seq_putc(m, '\n');
	}
}

/*
 * Both files: /proc/perftop prints the top ranks with "depth" frames,
 * /proc/perftop_all (ALL) every entry with every frame.  Under the mutex,
 * after one drain (WHEN says which).
 */
/* The idle time's pseudo-entry's key: no frames.  Never written. */
static struct perftop_key perftop_idle_key = { .kind = PERFTOP_IDLE };

static void perftop_show_page(struct seq_file *m, bool all, const char *when)
{
	unsigned int rows = all ? UINT_MAX : top, frames = all ? PERFTOP_MAX_DEPTH : depth;
	bool idle = all || show_idle;
	struct perftop_entry ie = { .key = &perftop_idle_key, .comm = "swapper" };
	struct perftop_entry *e;
	struct rb_node *node;
	unsigned int r = 0;

	read_gen++;
	ie.ticks = totals.idle;
	ie.count = totals.idle_count;
	ie.hash = jhash2((u32 *)ie.key, PERFTOP_KEY_LEN(ie.key) / sizeof(u32), hash_seed);

	seq_printf(m, "# perftop %s: on-CPU time per unique stack trace, charged at every context switch%s\n",
		   PERFTOP_VERSION, tick_split ? " and scheduler tick" : "");
	seq_printf(m, "# time unit: rdtsc ticks; tsc_khz=%u (ns = ticks * 1000000 / tsc_khz); tsc constant=%s nonstop=%s stable=%s\n",
		   tsc_khz, perftop_yes(boot_cpu_has(X86_FEATURE_CONSTANT_TSC)),
		   perftop_yes(boot_cpu_has(X86_FEATURE_NONSTOP_TSC)),
		   perftop_yes(!check_tsc_unstable()));
	if (all)
		seq_printf(m, "# all %u stacks by cumulative time, all frames, idle included; drained %s\n",
			   perftop_entries(), when);
	else
		seq_printf(m, "# top %u of %u stacks by cumulative time, %u frames each, idle %s; drained %s\n",
			   top, perftop_entries(), depth,
			   show_idle ? "included" : "excluded", when);
	for (node = rb_last(&rank); node && r < rows; node = rb_prev(node)) {
		e = rb_entry(node, struct perftop_entry, rnode);
		if (idle && ie.ticks >= e->ticks) {
			perftop_show_rank(m, ++r, &ie, 0);
			idle = false;
			if (r == rows)
				break;
		}
		perftop_show_rank(m, ++r, e, frames);
		if (!(r % 256))
			cond_resched();
	}
	if (idle && r < rows)
		perftop_show_rank(m, ++r, &ie, 0);
	perftop_show_footer(m);
}

/*
 * One rendering of an open file, made at its first read or seek: every
 * read and seek of it (pread and lseek too) serves that one snapshot, and
 * a page that outgrows its buffer is rendered again from the same drain,
 * never drained twice.
 */
struct perftop_snap {
	size_t len;
	char *buf;
};

/* Bytes a rank took in the last rendering, to size the next one's buffer. */
static size_t perftop_rank_bytes = 256;

/* Under the mutex; the read began at START (ktime_get_ns()). */
static int perftop_render(struct perftop_snap *s, bool all, u64 start)
{
	unsigned int rows = min_t(unsigned int, all ? UINT_MAX : top, perftop_entries() + 1);
	struct seq_file m = { };
	size_t size;
	char when[48];

	lockdep_assert_held(&perftop_mutex);
	if (totals.drained_at >= start)
		strscpy(when, "at this read", sizeof(when));
	else
		snprintf(when, sizeof(when), "%llu us before this read",
			 div_u64(start - totals.drained_at, NSEC_PER_USEC));
	size = PAGE_SIZE + (nr_objects + 16) * 128 + (size_t)rows * perftop_rank_bytes;
	for (;;) {
		/* Charged to the reader; a failure fails the read, no OOM kill. */
		if (size > INT_MAX)
			return -EFBIG;
		m.buf = kvmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
		if (!m.buf)
			return -ENOMEM;
		m.size = size;
		m.count = 0;
		perftop_show_page(&m, all, when);
		if (!seq_has_overflowed(&m))
			break;
		kvfree(m.buf);
		size *= 2;
	}
	if (rows)
		perftop_rank_bytes = max_t(size_t, 64, m.count / rows + 16);
	s->buf = m.buf;
	s->len = m.count;
	return 0;
}

/* The file's rendering, made now if this is its first read or seek. */
static struct perftop_snap *perftop_snap(struct file *file)
{
	/* Pairs with the release below: a page seen is a page rendered. */
	struct perftop_snap *s = smp_load_acquire(&file->private_data);
	u64 start = ktime_get_ns();
	int ret;

	if (s)
		return s;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	ret = perftop_read_drain(start);
	if (ret < 0 || mutex_lock_killable(&perftop_mutex)) {
		kfree(s);
		return ERR_PTR(-EINTR);
	}
	/* Two threads reading one file: the first renders. */
	if (file->private_data) {
		mutex_unlock(&perftop_mutex);
		kfree(s);
		return file->private_data;
	}
	if (ret > 0)
		totals.read_shared++;
	ret = perftop_render(s, pde_data(file_inode(file)), start);
	if (!ret)	/* The page is complete before the pointer is seen. */
		smp_store_release(&file->private_data, s);
	mutex_unlock(&perftop_mutex);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
	return s;
}

static ssize_t perftop_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct perftop_snap *s = perftop_snap(file);

	if (IS_ERR(s))
		return PTR_ERR(s);
	return simple_read_from_buffer(ubuf, count, ppos, s->buf, s->len);
}

static loff_t perftop_lseek(struct file *file, loff_t offset, int whence)
{
	struct perftop_snap *s = perftop_snap(file);

	if (IS_ERR(s))
		return PTR_ERR(s);
	return fixed_size_llseek(file, offset, whence, s->len);
}

static int perftop_release(struct inode *inode, struct file *file)
{
	struct perftop_snap *s = file->private_data;

	if (s) {
		kvfree(s->buf);
		kfree(s);
	}
	return 0;
}

static int perftop_open(struct inode *inode, struct file *file)
{
	int ret;

	/*
	 * As perf: a profile of every task is for the host's administrator,
	 * whatever the file mode and whatever namespace the reader is in.
	 */
	if (!perfmon_capable())
		return -EPERM;
	/* As perf: a kernel locked down for confidentiality shows none. */
	ret = security_locked_down(LOCKDOWN_PERF);
	if (ret)
		return ret;
	/* Clearing the counters needs more. */
	if ((file->f_mode & FMODE_WRITE) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	file->private_data = NULL;
	return 0;
}

static ssize_t perftop_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[sizeof("reset\n")];
	int ret;

	if (len < 5 || len > 6)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	if (memcmp(buf, "reset", 5) || (len == 6 && buf[5] != '\n'))
		return -EINVAL;
	ret = perftop_reset();
	return ret ? ret : len;
}

static const struct proc_ops perftop_proc_ops = {
	.proc_open	= perftop_open,
	.proc_read	= perftop_read,
	.proc_lseek	= perftop_lseek,
	.proc_release	= perftop_release,
	.proc_write	= perftop_write,
};

/* /proc/perftop_all: read only. */
static const struct proc_ops perftop_all_proc_ops = {
	.proc_open	= perftop_open,
	.proc_read	= perftop_read,
	.proc_lseek	= perftop_lseek,
	.proc_release	= perftop_release,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: unwind tables for user code built without frame pointers
 * (issue 22), uploaded by perftop(1) through /proc/perftop_unwind.
 *
 * perftop(1) builds a table from a file's .eh_frame with elfutils' ELF
 * reader (tools/perftop/ehtab.c, fuzzed on the host) and writes it here,
 * keyed by the file's build-id: one table per file identity, shared by
 * every process that maps a file with that build-id.  Building them in
 * user space keeps a parser of hostile input, and all file I/O, out of the
 * kernel.  The module checks what it is given (unwind.h:
 * perftop_uw_check_header() and perftop_uw_check_rows()) and refuses the
 * whole upload on any fault: a table is all there or absent.
 *
 * Memory: at most unwind_kb KiB of tables, charged to the uploader's
 * memory cgroup.  An upload that does not fit evicts the tables uploaded
 * longest ago; one larger than the limit is refused (EFBIG).
 *
 * Locking: perftop_uw_mutex guards the table of tables; the copy from user
 * space happens before it is taken, so a writer whose buffer faults slowly
 * (userfaultfd, a file on a dead mount) holds nothing up.  Where both are
 * held, perftop_mutex comes first.
 *
 * Not compiled on its own: perftop.c includes it.
 */

static DEFINE_MUTEX(perftop_uw_mutex);
static DEFINE_HASHTABLE(perftop_uwtabs, 8);	/* by build-id */
static size_t perftop_uw_bytes;
static unsigned int perftop_uw_count;
static u64 perftop_uw_clock, perftop_uw_evicted, perftop_uw_refused;
static struct proc_dir_entry *proc_unwind;
static struct perftop_uwtab *perftop_uw_dead;	/* removed, not yet freed */

static u32 perftop_uw_hash(const u8 *id, u8 len)
{
	BUILD_BUG_ON(PERFTOP_UW_BUILD_ID_MAX != PERFTOP_BUILD_ID_MAX);
	return jhash(id, len, len);
}

static struct perftop_uwtab *perftop_uw_lookup(const u8 *id, u8 len)
{
	struct perftop_uwtab *t;

	lockdep_assert_held(&perftop_uw_mutex);
	hash_for_each_possible(perftop_uwtabs, t, hnode, perftop_uw_hash(id, len))
		if (t->build_id_len == len && !memcmp(t->build_id, id, len))
			return t;
	return NULL;
}

/*
 * Take T out.  Views may still point to it: it is freed by
 * perftop_uw_settle(), once they are made again without it.
 */
static void perftop_uw_remove(struct perftop_uwtab *t)
{
	lockdep_assert_held(&perftop_uw_mutex);
	hash_del(&t->hnode);
	perftop_uw_bytes -= t->bytes;
	perftop_uw_count--;
	t->gone = true;
	t->dead = perftop_uw_dead;
	perftop_uw_dead = t;
}

/*
 * The bias of the mapping P of object O: the row of its address ADDR is at
 * ADDR - bias, an address of the ELF file, by the PT_LOAD segment the
 * mapping's file offset lies in.
 */
static bool perftop_view_bias(const struct perftop_object *o,
			      const struct perftop_memo_map *p, u64 *bias)
{
	unsigned int i;

	for (i = 0; i < o->nr_loads; i++) {
		if (p->off < round_down(o->loads[i].offset, PAGE_SIZE) ||
		    p->off - o->loads[i].offset >= o->loads[i].filesz)
			continue;
		*bias = p->start - p->off + o->loads[i].offset - o->loads[i].vaddr;
		return true;
	}
	return false;
}

/* The table of mapping P's file (the object *OP), or NULL. */
static const struct perftop_uwtab *
perftop_view_table(const struct perftop_memo_map *p, u64 *bias,
		   const struct perftop_object **op)
{
	const struct perftop_object *o;

	if (p->id < PERFTOP_OBJ_FIRST || !perftop_uw_count)
		return NULL;
	o = objects[p->id - PERFTOP_OBJ_FIRST];
	if (!o || !o->elf || !o->build_id_len || !perftop_view_bias(o, p, bias))
		return NULL;
	*op = o;
	return perftop_uw_lookup(o->build_id, o->build_id_len);
}

/* ---- binaries: a process unwound from its first switch ------------------ */

static LIST_HEAD(perftop_uw_bin_lru);

static struct perftop_uw_binary *perftop_uw_bin_find(const struct perftop_uw_binary *nb)
{
	struct perftop_uw_binary *b;

	lockdep_assert_held(&perftop_uw_mutex);
	hlist_for_each_entry(b, &perftop_uw_binaries[perftop_uw_bin_bucket(nb->dev, nb->ino)],
			     hnode)
		if (perftop_uw_bin_is(b, nb->dev, nb->ino, nb->generation))
			return b;
	return NULL;
}

/* Unpublish B; it is freed after readers are done. */
static void perftop_uw_bin_drop(struct perftop_uw_binary *b)
{
	lockdep_assert_held(&perftop_uw_mutex);
	hlist_del_rcu(&b->hnode);
	list_del(&b->lru);
	kfree_rcu(b, rcu);
	perftop_uw_nr_binaries--;
}

/*
 * The identity of MM's executable into NB, and the bases its binary's
 * mappings are placed by into BASE; false if it has none (it exited).
 */
static bool perftop_uw_bin_start(struct mm_struct *mm, struct perftop_uw_binary *nb,
				 unsigned long *base, const void **exep)
{
	struct inode *inode;
	struct file *exe;

	rcu_read_lock();
	exe = rcu_dereference(mm->exe_file);
	*exep = exe;
	if (exe) {
		inode = file_inode(exe);
		nb->dev = inode->i_sb->s_dev;
		nb->ino = inode->i_ino;
		nb->generation = inode->i_generation;
	}
	rcu_read_unlock();
	nb->nr = 0;
	base[PERFTOP_BASE_CODE] = READ_ONCE(mm->start_code);
	base[PERFTOP_BASE_INTERP] = perftop_at_base(mm);
	return exe;
}

/*
 * Mapping P of a view, of object O, into NB: the executable's relative to
 * its text, any other relative to the interpreter (ld.so places the
 * libraries below itself, one after the other: where a process of the same
 * program, run alike, has them again; where it does not, their build-ids
 * are not found there, and they are not used).
 */
static void perftop_uw_bin_add(struct perftop_uw_binary *nb, const struct perftop_object *o,
			       const struct perftop_uw_vmap *p, const unsigned long *base)
{
	unsigned long which;

	if (perftop_uw_bin_is(nb, o->dev, o->ino, o->generation))
		which = PERFTOP_BASE_CODE;
	else
		which = PERFTOP_BASE_INTERP;
	if (!base[which] || nb->nr == PERFTOP_BIN_MAPS)
		return;
	nb->maps[nb->nr++] = (struct perftop_uw_bmap) {
		.start = p->start - base[which],
		.end = p->end - base[which],
		.bias = p->bias - base[which],
		.id_at = p->bias + o->build_id_vaddr - base[which],
		.tab = p->tab,
		.base = which,
	};
}

/*
 * NB, as a view showed it, in place of what was known of its binary, unless
 * that had more mappings: a view made while ld.so was still mapping the
 * libraries has fewer.  (A mapping known and gone since is harmless: its
 * build-id is not found.)
 */
static void perftop_uw_bin_learn(const struct perftop_uw_binary *nb)
{
	struct perftop_uw_binary *b = perftop_uw_bin_find(nb), *new;

	if (b && (b->nr > nb->nr ||
		  (b->nr == nb->nr && !memcmp(b->maps, nb->maps, nb->nr * sizeof(*nb->maps))))) {
		list_move_tail(&b->lru, &perftop_uw_bin_lru);
		return;
	}
	if (!nb->nr)
		return;
	new = kmemdup(nb, sizeof(*nb), GFP_KERNEL);
	if (!new)
		return;
	if (b)
		perftop_uw_bin_drop(b);
	if (perftop_uw_nr_binaries == PERFTOP_MAX_BINARIES)
		perftop_uw_bin_drop(list_first_entry(&perftop_uw_bin_lru,
						     struct perftop_uw_binary, lru));
	hlist_add_head_rcu(&new->hnode,
			   &perftop_uw_binaries[perftop_uw_bin_bucket(new->dev, new->ino)]);
	list_add_tail(&new->lru, &perftop_uw_bin_lru);
	perftop_uw_nr_binaries++;
}

/* Forget the binaries that use a table taken out. */
static void perftop_uw_bin_settle(void)
{
	struct perftop_uw_binary *b, *tmp;
	unsigned int i;

	list_for_each_entry_safe(b, tmp, &perftop_uw_bin_lru, lru)
		for (i = 0; i < b->nr; i++)
			if (b->maps[i].tab->gone) {
				perftop_uw_bin_drop(b);
				break;
			}
}

/* Unpublish M's view; it is freed after readers are done. */
static void perftop_view_drop(struct perftop_memo *m)
{
	if (!m->view)
		return;
	hlist_del_rcu(&m->view->hnode);
	kfree_rcu(m->view, rcu);
	m->view = NULL;
}

/*
 * Make M's view again, from its maps and the tables held, and publish it in
 * place of the old one.  A process with no table has none; nor, when
 * memory is short, does this one (its stacks are walked by frame pointers).
 */
static void perftop_view_make_locked(struct perftop_memo *m)
{
	unsigned long base[PERFTOP_BASES];
	const struct perftop_object *o;
	struct perftop_uw_view *v = NULL;
	struct perftop_uw_binary nb;
	const struct perftop_uwtab *t;
	const void *exe_file;
	bool exe;
	unsigned int i;
	u64 bias;

	lockdep_assert_held(&perftop_mutex);
	lockdep_assert_held(&perftop_uw_mutex);
	exe = perftop_uw_bin_start(m->mm, &nb, base, &exe_file);
	if (m->nr && perftop_uw_count)
		v = kmalloc(struct_size(v, maps, m->nr), GFP_KERNEL);
	if (v) {
		v->mm = m->mm;
		v->exe = exe_file;
		v->start_code = base[PERFTOP_BASE_CODE];
		v->nr = 0;
		for (i = 0; i < m->nr; i++) {
			t = perftop_view_table(&m->maps[i], &bias, &o);
			if (!t)
				continue;
			v->maps[v->nr] = (struct perftop_uw_vmap) {
				.start = m->maps[i].start,
				.end = m->maps[i].end,
				.bias = bias,
				.tab = t,
			};
			if (exe)
				perftop_uw_bin_add(&nb, o, &v->maps[v->nr], base);
			v->nr++;
		}
	}
	/* What this view shows of its binary, for its next processes. */
	if (exe && v)
		perftop_uw_bin_learn(&nb);
	if (!v || !v->nr) {
		kfree(v);
		perftop_view_drop(m);
		return;
	}
	if (m->view) {
		hlist_replace_rcu(&m->view->hnode, &v->hnode);
		kfree_rcu(m->view, rcu);
	} else {
		hlist_add_head_rcu(&v->hnode,
				   &perftop_uw_views[hash_ptr(m->mm, PERFTOP_VIEW_BITS)]);
	}
	m->view = v;
}

static void perftop_view_make(struct perftop_memo *m)
{
	mutex_lock(&perftop_uw_mutex);
	perftop_view_make_locked(m);
	mutex_unlock(&perftop_uw_mutex);
}

/*
 * After tables came or went: every view made again, then the tables taken
 * out freed, after a grace period: a handler that found one by an old view
 * has then returned.
 */
static void perftop_uw_settle(void)
{
	struct perftop_memo *m;
	struct perftop_uwtab *t;
	unsigned int b;

	lockdep_assert_held(&perftop_mutex);
	lockdep_assert_held(&perftop_uw_mutex);
	hash_for_each(memo_buckets, b, m, hnode)
		perftop_view_make_locked(m);
	perftop_uw_bin_settle();
	while (perftop_uw_dead) {
		t = perftop_uw_dead;
		perftop_uw_dead = t->dead;
		kvfree_rcu(t, rcu);
	}
}

/* The table uploaded longest ago, other than KEEP, or NULL. */
static struct perftop_uwtab *perftop_uw_oldest(const struct perftop_uwtab *keep)
{
	struct perftop_uwtab *t, *old = NULL;
	unsigned int b;

	hash_for_each(perftop_uwtabs, b, t, hnode)
		if (t != keep && (!old || t->stamp < old->stamp))
			old = t;
	return old;
}

/* Put NEW in, in place of a table of the same build-id; evict to fit it. */
static void perftop_uw_insert(struct perftop_uwtab *new)
{
	struct perftop_uwtab *t;
	size_t limit = (size_t)unwind_kb << 10;

	lockdep_assert_held(&perftop_uw_mutex);
	t = perftop_uw_lookup(new->build_id, new->build_id_len);
	if (t)
		perftop_uw_remove(t);
	while (perftop_uw_bytes + new->bytes > limit) {
		t = perftop_uw_oldest(new);
		if (WARN_ON_ONCE(!t))
			break;
		perftop_uw_remove(t);
		perftop_uw_evicted++;
	}
	new->stamp = ++perftop_uw_clock;
	hash_add(perftop_uwtabs, &new->hnode,
		 perftop_uw_hash(new->build_id, new->build_id_len));
	perftop_uw_bytes += new->bytes;
	perftop_uw_count++;
}

/* An upload (unwind.h: struct perftop_uw_upload), or NROWS 0 to drop one. */
static ssize_t perftop_uw_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct perftop_uw_upload h;
	struct perftop_uwtab *t = NULL;
	size_t bytes;
	int ret;

	if (len < sizeof(h)) {
		ret = -EINVAL;
		goto refused;
	}
	if (copy_from_user(&h, ubuf, sizeof(h)))
		return -EFAULT;
	if (perftop_uw_check_header(&h) ||
	    len != sizeof(h) + (size_t)h.nrows * sizeof(struct perftop_uw_row)) {
		ret = -EINVAL;
		goto refused;
	}
	if (h.nrows) {
		bytes = struct_size(t, rows, h.nrows);
		if (bytes > (size_t)unwind_kb << 10) {
			ret = -EFBIG;
			goto refused;
		}
		t = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
		if (!t)
			return -ENOMEM;
		if (copy_from_user(t->rows, ubuf + sizeof(h), len - sizeof(h))) {
			ret = -EFAULT;
			goto err;
		}
		if (perftop_uw_check_rows(t->rows, h.nrows)) {
			ret = -EINVAL;
			goto err;
		}
		t->bytes = bytes;
		t->nrows = h.nrows;
		t->gone = false;
		t->build_id_len = h.build_id_len;
		memcpy(t->build_id, h.build_id, sizeof(t->build_id));
	}
	/* The views are made again under perftop_mutex: it comes first. */
	ret = mutex_lock_killable(&perftop_mutex);
	if (ret)
		goto err;
	mutex_lock(&perftop_uw_mutex);
	if (t) {
		perftop_uw_insert(t);
	} else {
		t = perftop_uw_lookup(h.build_id, h.build_id_len);
		if (t)
			perftop_uw_remove(t);
		ret = t ? 0 : -ENOENT;
		t = NULL;
	}
	perftop_uw_settle();
	mutex_unlock(&perftop_uw_mutex);
	mutex_unlock(&perftop_mutex);
	return ret ? ret : len;

err:
	kvfree(t);
	if (ret == -EFAULT || ret == -EINTR)
		return ret;
refused:
	mutex_lock(&perftop_uw_mutex);
	perftop_uw_refused++;
	mutex_unlock(&perftop_uw_mutex);
	return ret;
}

static void perftop_uw_show_id(struct seq_file *m, const u8 *id, u8 len)
{
	seq_printf(m, "%*phN", len, id);
}

/* The footer line of /proc/perftop and /proc/perftop_unwind. */
static void perftop_uw_footer(struct seq_file *m)
{
	u64 misplaced = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		misplaced += READ_ONCE(per_cpu_ptr(&perftop_cpu, cpu)->uw_misplaced);
	mutex_lock(&perftop_uw_mutex);
	seq_printf(m, "# unwind_tables=%u unwind_bytes=%zu unwind_limit=%zu unwind_evicted=%llu unwind_refused=%llu unwind_binaries=%u unwind_misplaced=%llu\n",
		   perftop_uw_count, perftop_uw_bytes, (size_t)unwind_kb << 10,
		   perftop_uw_evicted, perftop_uw_refused, perftop_uw_nr_binaries, misplaced);
	mutex_unlock(&perftop_uw_mutex);
}

/*
 * The tables held, and the files user frames lie in that have a build-id
 * and no table ("want"): what perftop(1) is to build next.  Paths are as
 * the drain named them; perftop(1) checks the build-id of the file it opens.
 */
static int perftop_uw_show(struct seq_file *m, void *v)
{
	struct perftop_uw_binary *bin;
	struct perftop_uwtab *t;
	struct perftop_object *o;
	unsigned int i, b;
	int ret;

	ret = mutex_lock_killable(&perftop_mutex);
	if (ret)
		return ret;
	mutex_lock(&perftop_uw_mutex);
	seq_puts(m, "# perftop unwind tables: build-id, rows, bytes; then files without one\n");
	hash_for_each(perftop_uwtabs, b, t, hnode) {
		seq_puts(m, "table ");
		perftop_uw_show_id(m, t->build_id, t->build_id_len);
		seq_printf(m, " rows=%u bytes=%zu\n", t->nrows, t->bytes);
	}
	list_for_each_entry(bin, &perftop_uw_bin_lru, lru)
		seq_printf(m, "binary %u:%u %lu maps=%u\n", MAJOR(bin->dev), MINOR(bin->dev),
			   bin->ino, bin->nr);
	for (i = 0; i < nr_objects; i++) {
		o = objects[i];
		if (!o || !o->elf || !o->build_id_len ||
		    perftop_uw_lookup(o->build_id, o->build_id_len))
			continue;
		seq_puts(m, "want ");
		perftop_uw_show_id(m, o->build_id, o->build_id_len);
		seq_putc(m, ' ');
		seq_escape(m, o->path, " \t\n\\");
		seq_putc(m, '\n');
	}
	mutex_unlock(&perftop_uw_mutex);
	mutex_unlock(&perftop_mutex);
	perftop_uw_footer(m);
	return 0;
}

/* Layout of every user's files, and the power to change stacks: root's. */
static int perftop_uw_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return single_open(file, perftop_uw_show, NULL);
}

static const struct proc_ops perftop_uw_proc_ops = {
	.proc_open	= perftop_uw_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= perftop_uw_write,
};

static void perftop_uw_free_all(void)
{
	struct perftop_uwtab *t;
	struct hlist_node *tmp;
	unsigned int b;

	mutex_lock(&perftop_mutex);
	mutex_lock(&perftop_uw_mutex);
	hash_for_each_safe(perftop_uwtabs, b, tmp, t, hnode)
		perftop_uw_remove(t);
	perftop_uw_settle();
	mutex_unlock(&perftop_uw_mutex);
	mutex_unlock(&perftop_mutex);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: the drained state: the global table, the rank tree, the drain.
 *
 * Process context only, under perftop_mutex.
 *
 * Not compiled on its own: perftop.c includes it, so that the module is one
 * translation unit (see there).
 */

/* ---- the global table (process context, perftop_mutex) ----------------- */

static bool perftop_key_equal(const struct perftop_key *a, const struct perftop_key *b)
{
	return a->nr == b->nr && !memcmp(a, b, PERFTOP_KEY_LEN(a));
}

static void perftop_rank_insert(struct perftop_entry *e)
{
	struct rb_node **link = &rank.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (e->ticks < rb_entry(parent, struct perftop_entry, rnode)->ticks)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&e->rnode, parent, link);
	rb_insert_color(&e->rnode, &rank);
}

/* Move E to its place after its ticks grew: only ever to the right. */
static void perftop_rank_update(struct perftop_entry *e)
{
	struct rb_node *next = rb_next(&e->rnode);

	if (!next || rb_entry(next, struct perftop_entry, rnode)->ticks >= e->ticks)
		return;
	rb_erase(&e->rnode, &rank);
	perftop_rank_insert(e);
}

/* An entry leaves the table; its time and count go to "other". */
static void perftop_evict(struct perftop_entry *e)
{
	totals.other_ticks += e->ticks;
	totals.other_count += e->count;
	totals.other_stacks++;
	totals.evicted++;
	hlist_del(&e->hnode);
	rb_erase(&e->rnode, &rank);
}

/*
 * The entry of KEY, created if need be, for a charge of WEIGHT ticks; NULL
 * when the charge goes to "other".  At most PERFTOP_CHAIN_MAX entries share
 * a bucket (the index is a keyed hash).  When the pool or the bucket is
 * full, the lightest entry there is evicted for the new one, unless the new
 * one is lighter still: a flood of light stacks cannot push heavy ones out.
 */
static struct perftop_entry *perftop_entry(const struct perftop_key *key, u64 weight)
{
	u32 b = hsiphash(key, PERFTOP_KEY_LEN(key), &bucket_key) & hash_mask;
	struct perftop_entry *e, *victim = NULL;
	unsigned int chain = 0;

	hlist_for_each_entry(e, &buckets[b], hnode) {
		if (perftop_key_equal(&e->key, key))
			return e;
		if (!victim || e->ticks < victim->ticks)
			victim = e;
		chain++;
	}
	if (chain < PERFTOP_CHAIN_MAX) {
		victim = NULL;
		if (pool_used < max_entries) {
			e = &pool[pool_used];
			/* perftop_open() peeks at it without the mutex. */
			WRITE_ONCE(pool_used, pool_used + 1);
		} else {
			victim = rb_entry(rb_first(&rank), struct perftop_entry, rnode);
		}
	}
	if (victim) {
		if (victim->ticks > weight)
			return NULL;
		perftop_evict(victim);
		e = victim;
	}
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->hash = jhash2((u32 *)key, PERFTOP_KEY_LEN(key) / sizeof(u32), hash_seed);
	e->bucket = b;
	hlist_add_head(&e->hnode, &buckets[b]);
	perftop_rank_insert(e);
	return e;
}

/* Count distinct processes: those not among the last few seen are new. */
static void perftop_note_proc(struct perftop_entry *e, u64 proc)
{
	unsigned int i;

	for (i = 0; i < PERFTOP_PROC_MEMO; i++)
		if (e->memo[i] == proc)
			return;
	e->memo[e->procs++ % PERFTOP_PROC_MEMO] = proc;
}

static void perftop_fold_slot(struct perftop_slot *s)
{
	struct perftop_entry *e;
	struct perftop_key key;

	perftop_resolve(&s->key, &key);
	totals.busy += s->ticks;
	e = perftop_entry(&key, s->ticks);
	if (!e) {
		totals.other_ticks += s->ticks;
		totals.other_count += s->count;
		totals.other_splits += s->splits;
		totals.other_stacks++;
		return;
	}
	e->ticks += s->ticks;
	e->count += s->count;
	e->splits += s->splits;
	if (s->count || s->splits) {
		e->pid = s->pid;
		memcpy(e->comm, s->comm, TASK_COMM_LEN);
		perftop_note_proc(e, s->proc);
	}
	perftop_rank_update(e);
}

/* Fold (or, for a reset, drop) a table the handler has left, and clear it. */
static void perftop_fold_table(struct perftop_ptab *t, bool keep)
{
	struct perftop_slot *s;
	unsigned int i;

	if (keep) {
		totals.switches += t->switches;
		totals.idle += t->idle_ticks;
		totals.idle_count += t->idle_count;
		totals.lost += t->lost;
		totals.lost_ticks += t->lost_ticks;
		totals.busy += t->lost_ticks;
		totals.gaps += t->gaps;
		totals.gap_ticks += t->gap_ticks;
		totals.aligned += t->aligned;
		totals.probe += t->probe;
		totals.cost_sum += t->cost_sum;
		totals.cost_calls += t->cost_calls;
		totals.cost_max = max(totals.cost_max, t->cost_max);
		totals.ipi_max = max(totals.ipi_max, t->ipi_max);
		totals.splits += t->splits;
		totals.tick_skipped += t->tick_skipped;
		totals.tick_cost_sum += t->tick_cost_sum;
		totals.tick_cost_max = max(totals.tick_cost_max, t->tick_cost_max);
		for (i = 0; i < PERFTOP_COST_BUCKETS; i++)
			totals.cost_hist[i] += t->cost_hist[i];
	}
	for (i = 0; t->used && i <= cpu_mask; i++) {
		s = &t->slots[i];
		if (!s->hash)
			continue;
		if (keep)
			perftop_fold_slot(s);
		if (s->key.mm)
			mmdrop(s->key.mm);
		s->hash = 0;
		t->used--;
	}
	memset(t, 0, offsetof(struct perftop_ptab, slots));
}

static bool perftop_cpu_busy(int cpu, void *unused)
{
	struct perftop_cpu *pc = per_cpu_ptr(&perftop_cpu, cpu);

	return READ_ONCE(pc->tab[READ_ONCE(pc->active)].used) > 0;
}

/*
 * Take every CPU's table (ALL), or only those with stacks in them, and fold
 * what they hold.  A CPU that is offline runs no handler: its tables are
 * switched from here.
 */
static void perftop_drain(bool all, bool keep)
{
	u64 t0 = ktime_get_ns();
	struct perftop_slot *old;
	struct perftop_cpu *pc;
	u64 flip;
	int cpu;

	lockdep_assert_held(&perftop_mutex);
	cpus_read_lock();
	flip = ktime_get_ns();
	on_each_cpu_cond(all ? NULL : perftop_cpu_busy, perftop_flip_ipi, NULL, true);
	/* The slices in flight were closed in between: one instant for all. */
	totals.drained_at = flip + (ktime_get_ns() - flip) / 2;
	for_each_possible_cpu(cpu) {
		if (cpu_online(cpu))
			continue;
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		old = pc->cur_kind == PERFTOP_CUR_SLOT ? pc->cur : NULL;
		WRITE_ONCE(pc->active, !pc->active);
		perftop_carry(pc, &pc->tab[pc->active], old);
	}
	cpus_read_unlock();
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		perftop_fold_table(&pc->tab[!READ_ONCE(pc->active)], keep);
	}
	totals.drains++;
	perftop_memo_expire(false);
	t0 = ktime_get_ns() - t0;
	totals.drain_ns += t0;
	totals.drain_max_ns = max(totals.drain_max_ns, t0);
}

/*
 * The periodic drain, and those the handler asks for (perftop_kick()): at
 * most one of these every PERFTOP_MIN_DRAIN_MS, however often it asks.
 */
static void perftop_drain_work(struct work_struct *work)
{
	static u64 kicked_at;
	u64 now, next;

	if (work == &perftop_kicked) {
		now = ktime_get_ns();
		next = kicked_at + PERFTOP_MIN_DRAIN_MS * NSEC_PER_MSEC;
		if (kicked_at && now < next)
			msleep(div_u64(next - now, NSEC_PER_MSEC) + 1);
		kicked_at = ktime_get_ns();
	}
	mutex_lock(&perftop_mutex);
	perftop_drain(false, true);
	mutex_unlock(&perftop_mutex);
	if (work == &perftop_periodic.work && !READ_ONCE(perftop_stopping))
		queue_delayed_work(system_unbound_wq, &perftop_periodic,
				   msecs_to_jiffies(drain_ms));
}

/* The memos name frames by object: they go with the objects. */
static void perftop_free_objects(void)
{
	unsigned int i;

	perftop_memo_expire(true);
	for (i = 0; i < nr_objects; i++)
		kfree(objects[i]);
	nr_objects = 0;
	memset(object_buckets, 0, sizeof(object_buckets));
}

/*
 * Clear every counter.  The drain closes every CPU's slice in flight at this
 * instant, so the time a running task uses after the reset is kept.
 */
static int perftop_reset(void)
{
	if (mutex_lock_killable(&perftop_mutex))
		return -EINTR;
	perftop_drain(true, false);
	memset(buckets, 0, (hash_mask + 1) * sizeof(*buckets));
	WRITE_ONCE(pool_used, 0);
	rank = RB_ROOT;
	perftop_free_objects();
	memset(&totals, 0, sizeof(totals));
	mutex_unlock(&perftop_mutex);
	return 0;
}

static int perftop_tables_init(void)
{
	unsigned int nbuckets = roundup_pow_of_two(max_entries);
	size_t tsize = array_size(cpu_entries, sizeof(struct perftop_slot));
	struct perftop_cpu *pc;
	int cpu, i;

	pool = kvcalloc(max_entries, sizeof(*pool), GFP_KERNEL);
	buckets = kvcalloc(nbuckets, sizeof(*buckets), GFP_KERNEL);
	objects = kvcalloc(max_objects, sizeof(*objects), GFP_KERNEL);
	elf_buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	path_buf = kmalloc(PATH_MAX, GFP_KERNEL);
	memo_scratch = kvmalloc_array(PERFTOP_MEMO_MAPS, sizeof(*memo_scratch), GFP_KERNEL);
	if (!pool || !buckets || !objects || !elf_buf || !path_buf || !memo_scratch)
		return -ENOMEM;
	hash_mask = nbuckets - 1;
	cpu_mask = cpu_entries - 1;
	hash_seed = get_random_u32();
	get_random_bytes(&slot_key, sizeof(slot_key));
	get_random_bytes(&bucket_key, sizeof(bucket_key));
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		memset(pc, 0, sizeof(*pc));
		pc->kick = IRQ_WORK_INIT_HARD(perftop_kick);
		for (i = 0; i < 2; i++) {
			pc->tab[i].slots = kvzalloc_node(tsize, GFP_KERNEL, cpu_to_node(cpu));
			if (!pc->tab[i].slots)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Frees what perftop_tables_init() allocated, however far it got. */
static void perftop_tables_free(void)
{
	struct perftop_cpu *pc;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		for (i = 0; i < 2; i++) {
			if (pc->tab[i].slots)
				perftop_fold_table(&pc->tab[i], false);
			kvfree(pc->tab[i].slots);
			pc->tab[i].slots = NULL;
		}
	}
	perftop_free_objects();
	kvfree(memo_scratch);
	memo_scratch = NULL;
	kfree(path_buf);
	kfree(elf_buf);
	kvfree(objects);
	kvfree(buckets);
	kvfree(pool);
	path_buf = NULL;
	elf_buf = NULL;
	objects = NULL;
	buckets = NULL;
	pool = NULL;
}

#if PERFTOP_FAULTS
/*
 * Test build only: writing N fills the global table with N synthetic kernel
 * stacks (a frame each, weights 1..N), as a long-running busy host would.
 */
static int perftop_fault_fill(const char *val, const struct kernel_param *kp)
{
	struct perftop_key key = { .kind = PERFTOP_KERNEL, .nr = 1 };
	struct perftop_entry *e;
	unsigned int i, n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	mutex_lock(&perftop_mutex);
	for (i = 0; i < n; i++) {
		key.frames[0] = i;
		e = perftop_entry(&key, i + 1);
		if (!e)
			continue;
		e->ticks += i + 1;
		e->count++;
		totals.busy += i + 1;
		perftop_rank_update(e);
		if (!(i % 4096))
			cond_resched();
	}
	mutex_unlock(&perftop_mutex);
	return 0;
}

static const struct kernel_param_ops perftop_fill_ops = {
	.set	= perftop_fault_fill,
};
module_param_cb(fault_fill, &perftop_fill_ops, NULL, 0200);
MODULE_PARM_DESC(fault_fill, "test build only: add this many synthetic stacks to the table");
#endif

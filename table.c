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

/*
 * Two orders of the entries: the rank tree by ticks, for the reader, and
 * the room tree by Space-Saving count (base + ticks), for eviction.  Ties
 * go right: the earlier entry stays first.
 */
static u64 perftop_ss(const struct perftop_entry *e)
{
	return e->base + e->ticks;
}

static bool perftop_rank_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct perftop_entry, rnode)->ticks <
	       rb_entry(b, struct perftop_entry, rnode)->ticks;
}

static bool perftop_room_less(struct rb_node *a, const struct rb_node *b)
{
	return perftop_ss(rb_entry(a, struct perftop_entry, snode)) <
	       perftop_ss(rb_entry(b, struct perftop_entry, snode));
}

/* NODE's value in ROOT grew: move it to its place, only ever right. */
static void perftop_tree_grew(struct rb_root *root, struct rb_node *node,
			      bool (*less)(struct rb_node *, const struct rb_node *))
{
	struct rb_node *next = rb_next(node);

	if (!next || !less(next, node))
		return;
	rb_erase(node, root);
	rb_add(node, root, less);
}

static void perftop_rank_insert(struct perftop_entry *e)
{
	rb_add(&e->rnode, &rank, perftop_rank_less);
	rb_add(&e->snode, &room, perftop_room_less);
}

/* E's ticks grew. */
static void perftop_rank_update(struct perftop_entry *e)
{
	perftop_tree_grew(&rank, &e->rnode, perftop_rank_less);
	perftop_tree_grew(&room, &e->snode, perftop_room_less);
}

/* Entries in the table: those taken from the pool, but the spare ones. */
static unsigned int perftop_entries(void)
{
	return pool_used - nr_spare;
}

/* E, out of the table, waits for perftop_entry() to take it again. */
/* E's key, if it was allocated, freed. */
static void perftop_key_free(struct perftop_entry *e)
{
	if (e->key != (struct perftop_key *)e->key_room)
		kfree(e->key);
	e->key = NULL;
}

static void perftop_spare(struct perftop_entry *e)
{
	perftop_key_free(e);
	RB_CLEAR_NODE(&e->rnode);
	hlist_add_head(&e->hnode, &spare_entries);
	nr_spare++;
}

/* An entry leaves the table; its time and count go to "other". */
static void perftop_evict(struct perftop_entry *e)
{
	totals.other_ticks += e->ticks;
	totals.other_count += e->count;
	totals.other_stacks++;
	totals.evicted++;
	perftop_key_objects(e->key, false);
	perftop_key_free(e);
	hlist_del(&e->hnode);
	rb_erase(&e->rnode, &rank);
	rb_erase(&e->snode, &room);
}

/*
 * The most time a stack with no entry can have had, when the pool is full:
 * the least Space-Saving count.
 */
static u64 perftop_floor(void)
{
	struct rb_node *first = rb_first(&room);

	if (perftop_entries() < max_entries || !first)
		return 0;
	return perftop_ss(rb_entry(first, struct perftop_entry, snode));
}

/*
 * The object table is full (resolve.c).  Files that live processes map
 * stay.  Of the others, the one named by the entry with the least count
 * goes, with every entry that names it (their time to "other"): a walk of
 * PERFTOP_OBJECT_ROOM_WALK entries at most, least count first.
 */
static bool perftop_make_object_room(void)
{
	struct rb_node *node = rb_first(&room), *next;
	struct perftop_entry *e;
	unsigned int seen = 0;
	u64 id = 0;

	while (node && live_objects == max_objects && seen++ < PERFTOP_OBJECT_ROOM_WALK) {
		next = rb_next(node);
		e = rb_entry(node, struct perftop_entry, snode);
		if (!id)
			id = perftop_key_unmapped_object(e->key);
		if (id && perftop_key_names(e->key, id)) {
			perftop_evict(e);
			perftop_spare(e);
		}
		node = next;
	}
	return live_objects < max_objects;
}

/*
 * The entry of KEY, created if need be, for a charge of WEIGHT ticks; NULL
 * when the charge goes to "other".
 *
 * When the pool is full, the new stack takes the place of the entry with
 * the least Space-Saving count (base + ticks), and that count becomes its
 * base: no stack without an entry can have had more time than that (which
 * went to "other" with the entries evicted).  A newcomer is never turned
 * away, so a steady workload that starts late, when every entry has a long
 * history, gets in at once and climbs to its rank; a flood of stacks used
 * once only raises the least count, and every stack with more time than
 * the floor stays.  An entry's ticks are its own since it came in.
 *
 * At most PERFTOP_CHAIN_MAX entries share a bucket (the index is a keyed
 * hash).  When a bucket is full, its least entry makes room only for a
 * charge larger than its count: colliding stacks cannot push heavy ones
 * out.
 */
static struct perftop_entry *perftop_entry(const struct perftop_key *key, u64 weight)
{
	u32 b = hsiphash(key, PERFTOP_KEY_LEN(key), &bucket_key) & hash_mask;
	struct perftop_entry *e, *victim = NULL;
	struct perftop_key *k;
	unsigned int chain = 0;
	u64 base = 0;

	hlist_for_each_entry(e, &buckets[b], hnode) {
		if (perftop_key_equal(e->key, key))
			return e;
		if (!victim || perftop_ss(e) < perftop_ss(victim))
			victim = e;
		chain++;
	}
	if (chain >= PERFTOP_CHAIN_MAX && perftop_ss(victim) > weight)
		return NULL;
	k = NULL;
	if (PERFTOP_KEY_LEN(key) > sizeof(e->key_room)) {
		k = kmemdup(key, PERFTOP_KEY_LEN(key), GFP_KERNEL);
		if (!k)
			return NULL;
	}
	if (chain >= PERFTOP_CHAIN_MAX) {
		/* victim, from this bucket */
	} else if (nr_spare) {
		victim = NULL;
		e = hlist_entry(spare_entries.first, struct perftop_entry, hnode);
		hlist_del(&e->hnode);
		nr_spare--;
	} else if (pool_used < max_entries) {
		victim = NULL;
		e = &pool[pool_used++];
	} else {
		victim = rb_entry(rb_first(&room), struct perftop_entry, snode);
	}
	if (victim) {
		base = perftop_ss(victim);
		perftop_evict(victim);
		e = victim;
	}
	memset(e, 0, sizeof(*e));
	e->base = base;
	if (!k) {
		k = (struct perftop_key *)e->key_room;
		memcpy(k, key, PERFTOP_KEY_LEN(key));
	}
	e->key = k;
	perftop_key_objects(key, true);
	e->hash = jhash2((u32 *)key, PERFTOP_KEY_LEN(key) / sizeof(u32), hash_seed);
	e->bucket = b;
	hlist_add_head(&e->hnode, &buckets[b]);
	perftop_rank_insert(e);
	return e;
}

/* ---- modules going away --------------------------------------------- */

/* The index of NAME among gone_names, added if new; PERFTOP_MAX_GONE if full. */
static unsigned int perftop_gone_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_gone; i++)
		if (!strcmp(gone_names[i], name))
			return i;
	if (nr_gone == PERFTOP_MAX_GONE)
		return i;
	gone_names[nr_gone] = kstrdup(name, GFP_KERNEL);
	return gone_names[nr_gone] ? nr_gone++ : PERFTOP_MAX_GONE;
}

/*
 * E's key changed: to its new bucket, or folded into the entry that has
 * that key already.
 */
static void perftop_rekey(struct perftop_entry *e)
{
	u32 b = hsiphash(e->key, PERFTOP_KEY_LEN(e->key), &bucket_key) & hash_mask;
	struct perftop_entry *o;

	hlist_del(&e->hnode);
	e->hash = jhash2((u32 *)e->key, PERFTOP_KEY_LEN(e->key) / sizeof(u32), hash_seed);
	hlist_for_each_entry(o, &buckets[b], hnode) {
		if (!perftop_key_equal(o->key, e->key))
			continue;
		o->ticks += e->ticks;
		o->count += e->count;
		o->splits += e->splits;
		o->procs += e->procs;
		perftop_rank_update(o);
		rb_erase(&e->rnode, &rank);
		rb_erase(&e->snode, &room);
		perftop_spare(e);
		return;
	}
	e->bucket = b;
	hlist_add_head(&e->hnode, &buckets[b]);
}

/*
 * MOD is going away.  Kernel frames are named when read, and frames in its
 * text would then name whatever is loaded there next, or nothing: name them
 * now, while its symbols are there, and keep the names.  Under the mutex,
 * after a drain of every CPU.
 */
static void perftop_name_module_frames(struct module *mod)
{
	char sym[KSYM_SYMBOL_LEN];
	struct perftop_entry *e;
	unsigned int i, n;
	bool changed;

	lockdep_assert_held(&perftop_mutex);
	for (n = 0; n < pool_used; n++) {
		e = &pool[n];
		if (RB_EMPTY_NODE(&e->rnode) || e->key->kind != PERFTOP_KERNEL)
			continue;
		changed = false;
		for (i = 0; i < e->key->nr; i++) {
			if (!within_module_core(e->key->frames[i], mod))
				continue;
			snprintf(sym, sizeof(sym), "%pB", (void *)(unsigned long)e->key->frames[i]);
			e->key->frames[i] = PERFTOP_KFRAME_GONE | perftop_gone_name(sym);
			changed = true;
		}
		if (changed)
			perftop_rekey(e);
		if (!(n % 1024))
			cond_resched();
	}
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

static void perftop_fold_slot(const struct perftop_ptab *t, struct perftop_slot *s)
{
	static struct perftop_key key;	/* a kilobyte: not on the stack; perftop_mutex */
	struct perftop_entry *e;

	perftop_resolve(&s->key, &t->arena[s->key.at], &key);
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
			perftop_fold_slot(t, s);
		if (s->key.mm)
			mmdrop(s->key.mm);
		s->hash = 0;
		t->used--;
		if (!(i % 1024))
			cond_resched();
	}
	memset(t, 0, offsetof(struct perftop_ptab, slots));
}

/*
 * Has CPU anything for the periodic drain: a switch, or a stack besides
 * the one carried over at its last flip, or no slice yet (a task running
 * since the load, whose slice the flip starts)?  A CPU that runs one task
 * and never switches (a nohz_full CPU, say) has only that one, and gets no
 * IPI until it has more: a read's drain charges its time.
 */
static bool perftop_cpu_busy(int cpu, void *unused)
{
	struct perftop_cpu *pc = per_cpu_ptr(&perftop_cpu, cpu);
	struct perftop_ptab *t = &pc->tab[READ_ONCE(pc->active)];

	return READ_ONCE(t->switches) || READ_ONCE(t->used) > READ_ONCE(t->carried) ||
	       !READ_ONCE(pc->task);
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
 * A read shows every CPU's time up to a drain that interrupts every CPU.
 * So that readers in a loop cannot send those IPIs at will (into nohz_full
 * CPUs too), a read within PERFTOP_MIN_DRAIN_MS of the last read's drain
 * shows the table as the last drain left it: its header says how long
 * before, the footer's at_ns when, and read_shared counts such reads.
 *
 * The drain runs in a worker, as every drain that names files does:
 * d_path() resolves against the root of the task that calls it, and a
 * reader in a chroot or a container would name files from its own root,
 * for good.  The reader waits for it, killably.
 */
static DECLARE_WAIT_QUEUE_HEAD(perftop_read_wq);
static u64 read_work_done;		/* ktime_get_ns() at the end of the last */

static void perftop_read_work_fn(struct work_struct *work)
{
	u64 now = ktime_get_ns();

	mutex_lock(&perftop_mutex);
	if (totals.read_drained_at &&
	    now - totals.read_drained_at < PERFTOP_MIN_DRAIN_MS * NSEC_PER_MSEC) {
		totals.read_shared++;
	} else {
		perftop_drain(true, true);
		WRITE_ONCE(totals.read_drained_at, ktime_get_ns());
	}
	mutex_unlock(&perftop_mutex);
	WRITE_ONCE(read_work_done, ktime_get_ns());
	wake_up_all(&perftop_read_wq);
}

/*
 * The drain of a read that began at START: 1 when it shows the last one, 0
 * when it drained, or -EINTR.  The worker is this CPU's (system_wq): waking
 * one elsewhere would itself interrupt that CPU, once a read.
 */
static int perftop_read_drain(u64 start)
{
	u64 at = READ_ONCE(totals.read_drained_at);

	if (at && start - at < PERFTOP_MIN_DRAIN_MS * NSEC_PER_MSEC)
		return 1;
	queue_work(system_wq, &perftop_read_work);
	return wait_event_killable(perftop_read_wq, READ_ONCE(read_work_done) > start);
}

/*
 * The periodic drain, and those the handler asks for (perftop_kick()): at
 * most one of these every PERFTOP_MIN_DRAIN_MS, however often it asks.
 */
static void perftop_drain_work(struct work_struct *work)
{
	static u64 kicked_at;
	u64 now, next;
	bool stale;

	if (work == &perftop_kicked) {
		now = ktime_get_ns();
		next = kicked_at + PERFTOP_MIN_DRAIN_MS * NSEC_PER_MSEC;
		if (kicked_at && now < next)
			msleep(div_u64(next - now, NSEC_PER_MSEC) + 1);
		kicked_at = ktime_get_ns();
		if (PERFTOP_LATE_KICK && READ_ONCE(perftop_stopping))
			msleep(200);
	}
	mutex_lock(&perftop_mutex);
	perftop_drain(false, true);
	stale = perftop_memo_stale;
	perftop_memo_stale = false;
	mutex_unlock(&perftop_mutex);
	if (READ_ONCE(perftop_stopping))
		return;
	if (work == &perftop_periodic.work)
		queue_delayed_work(system_unbound_wq, &perftop_periodic,
				   msecs_to_jiffies(drain_ms));
	/* A memo that could not be taken again: another drain, soon. */
	if (stale)
		queue_work(system_unbound_wq, &perftop_kicked);
}

/* The memos name frames by object: they go with the objects. */
static void perftop_free_objects(void)
{
	unsigned int i;

	for (i = 0; i < nr_gone; i++)
		kfree(gone_names[i]);
	nr_gone = 0;

	perftop_memo_expire(true);
	for (i = 0; i < nr_objects; i++) {
		kfree(objects[i]);
		objects[i] = NULL;
	}
	nr_objects = 0;
	live_objects = 0;
	free_object = 0;
	memset(object_buckets, 0, sizeof(object_buckets));
}

/* The keys of every entry taken from the pool (spare ones have none). */
static void perftop_free_keys(void)
{
	unsigned int i;

	for (i = 0; i < pool_used; i++)
		perftop_key_free(&pool[i]);
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
	perftop_free_keys();
	memset(buckets, 0, (hash_mask + 1) * sizeof(*buckets));
	pool_used = 0;
	INIT_HLIST_HEAD(&spare_entries);
	nr_spare = 0;
	rank = RB_ROOT;
	room = RB_ROOT;
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
	gone_names = kvcalloc(PERFTOP_MAX_GONE, sizeof(*gone_names), GFP_KERNEL);
	elf_buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	path_buf = kmalloc(PATH_MAX, GFP_KERNEL);
	memo_scratch = kvmalloc_array(PERFTOP_MEMO_MAPS, sizeof(*memo_scratch), GFP_KERNEL);
	perftop_uw_views = kcalloc(1 << PERFTOP_VIEW_BITS, sizeof(*perftop_uw_views), GFP_KERNEL);
	perftop_uw_binaries = kcalloc(1 << PERFTOP_BIN_BITS, sizeof(*perftop_uw_binaries),
				      GFP_KERNEL);
	if (!pool || !buckets || !objects || !gone_names || !elf_buf || !path_buf ||
	    !memo_scratch || !perftop_uw_views || !perftop_uw_binaries)
		return -ENOMEM;
	hash_mask = nbuckets - 1;
	cpu_mask = cpu_entries - 1;
	arena_size = cpu_entries * PERFTOP_ARENA_FRAMES;
	hash_seed = get_random_u32();
	get_random_bytes(&slot_key, sizeof(slot_key));
	get_random_bytes(&bucket_key, sizeof(bucket_key));
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		memset(pc, 0, sizeof(*pc));
		pc->kick = IRQ_WORK_INIT_HARD(perftop_kick);
		for (i = 0; i < 2; i++) {
			pc->tab[i].slots = kvzalloc_node(tsize, GFP_KERNEL, cpu_to_node(cpu));
			pc->tab[i].arena = kvmalloc_node(array_size(arena_size,
								    sizeof(*pc->tab[i].arena)),
							 GFP_KERNEL, cpu_to_node(cpu));
			if (!pc->tab[i].slots || !pc->tab[i].arena)
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
			kvfree(pc->tab[i].arena);
			pc->tab[i].slots = NULL;
			pc->tab[i].arena = NULL;
		}
	}
	perftop_free_objects();
	kvfree(memo_scratch);
	memo_scratch = NULL;
	/* No view or binary is left; the pointers are read-only now. */
	kfree(perftop_uw_views);
	kfree(perftop_uw_binaries);
	kfree(path_buf);
	kfree(elf_buf);
	kvfree(objects);
	kvfree(gone_names);
	kvfree(buckets);
	if (pool)
		perftop_free_keys();
	kvfree(pool);
	path_buf = NULL;
	elf_buf = NULL;
	objects = NULL;
	gone_names = NULL;
	buckets = NULL;
	pool = NULL;
}

#if PERFTOP_FAULTS
static unsigned int fault_fill_ms;
module_param(fault_fill_ms, uint, 0644);
MODULE_PARM_DESC(fault_fill_ms, "test build only: the weight of fault_fill's stacks, in ms (0: 1..N ticks)");

/*
 * Test build only: writing N fills the global table with N synthetic kernel
 * stacks (a frame each, weights 1..N ticks, or fault_fill_ms each), as a
 * long-running busy host would.
 */
static int perftop_fault_fill(const char *val, const struct kernel_param *kp)
{
	struct perftop_key key = { .kind = PERFTOP_KERNEL, .nr = 1 };
	struct perftop_entry *e;
	unsigned int i, n;
	int ret = kstrtouint(val, 0, &n);
	u64 w;

	if (ret)
		return ret;
	mutex_lock(&perftop_mutex);
	for (i = 0; i < n; i++) {
		w = fault_fill_ms ? (u64)fault_fill_ms * tsc_khz : i + 1;
		key.frames[0] = i;
		e = perftop_entry(&key, w);
		if (!e)
			continue;
		e->ticks += w;
		e->count++;
		totals.busy += w;
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

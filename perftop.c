// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: which code paths are using my CPUs, exactly.
 *
 * A kprobe on finish_task_switch() fires on every real context switch, on the
 * CPU that switches and with the task switched in already "current".  Per CPU
 * we keep the entry of the task now running and the rdtsc stamp of its switch
 * in; at the next switch the elapsed ticks are charged to that entry and the
 * clock starts for the task coming in.
 *
 * A "task" is a unique stack trace: the user stack (frame pointers) of a user
 * task, the kernel stack of a kernel thread.  Entries live in a hash table
 * keyed by jhash2 of the trace and in an rb-tree ordered by cumulative time;
 * /proc/perftop prints the top of the tree.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/stacktrace.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/log2.h>
#include <linux/ctype.h>
#include <linux/math64.h>
#include <linux/sched/task.h>
#include <linux/sched/clock.h>
#include <linux/sched/task_stack.h>
#include <asm/tsc.h>

#include "perftop.h"
#include "compat.h"

/* ---- parameters ------------------------------------------------------- */

static char *symbol = "finish_task_switch";
module_param(symbol, charp, 0444);
MODULE_PARM_DESC(symbol, "function to probe; compiler suffixes such as .isra.0 are found (default finish_task_switch)");

static unsigned int top = PERFTOP_DEF_TOP;
module_param(top, uint, 0444);
MODULE_PARM_DESC(top, "ranks printed in /proc/perftop (1..max_entries, default 20)");

static unsigned int depth = PERFTOP_DEF_DEPTH;
module_param(depth, uint, 0444);
MODULE_PARM_DESC(depth, "frames printed per rank (1..8, default 4)");

static unsigned int max_entries = PERFTOP_DEF_ENTRIES;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "distinct stacks kept, preallocated at load (16..1048576, default 8192)");

static bool show_idle;
module_param(show_idle, bool, 0444);
MODULE_PARM_DESC(show_idle, "rank the idle tasks too (default no)");

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "permissions of /proc/perftop (subset of 0666 readable by owner, default 0600)");

/* ---- state ------------------------------------------------------------- */

struct perftop_range {
	unsigned long start, end;
};

/* Leading kernel frames that say "in the scheduler", not where the task was. */
static struct perftop_range skip_ranges[5];
static unsigned int nr_skip_ranges;

typedef unsigned int (*save_regs_t)(struct pt_regs *regs, unsigned long *store,
				    unsigned int size, unsigned int skipnr);
typedef unsigned int (*save_user_t)(unsigned long *store, unsigned int size);
static save_regs_t save_regs;
static save_user_t save_user;

static u32 hash_seed;

struct perftop_cpu {
	struct perftop_entry *cur;	/* charged at the next switch */
	struct perftop_entry *idle;	/* this CPU's idle entry, once known */
	struct task_struct *task;	/* current at the last switch; compared only */
	u64 start;			/* rdtsc at the switch in of cur */
	/* A reading of local_clock() and of rdtsc, taken together. */
	u64 clock_ns, clock_tsc;
	unsigned int clock_left;	/* switches until the next reading */
	/* The handler's own cost; written only by this CPU, without the lock. */
	u64 cost_sum;
	u64 cost_calls;
	u64 cost_max;
	u32 cost_hist[PERFTOP_COST_BUCKETS];
};

static DEFINE_PER_CPU(struct perftop_cpu, perftop_cpu);

/*
 * Taken in the probe handler, under the runqueue lock with interrupts off:
 * raw, so that it stays a spinning lock on PREEMPT_RT.  Never printk, wake up
 * or allocate under it.
 */
static DEFINE_RAW_SPINLOCK(perftop_lock);

/* All of the following are protected by perftop_lock. */
static struct perftop_entry *pool;
static unsigned int pool_used;
static struct hlist_head *buckets;
static unsigned int hash_mask;
static struct rb_root rank = RB_ROOT;
static struct perftop_entry overflow;	/* charged when the pool is full */
static u64 nr_switches;
static u64 busy_ticks;
static u64 idle_ticks;

static struct proc_dir_entry *proc_entry;

/* ---- symbols ----------------------------------------------------------- */

enum {
	HELPER_EACH_SYMBOL,
	HELPER_SIZE_OFFSET,
	HELPER_SAVE_REGS,
	HELPER_SAVE_USER,
	NR_HELPERS
};

static const char * const helper_names[NR_HELPERS] = {
	[HELPER_EACH_SYMBOL]	= "kallsyms_on_each_symbol",
	[HELPER_SIZE_OFFSET]	= "kallsyms_lookup_size_offset",
	[HELPER_SAVE_REGS]	= "stack_trace_save_regs",
	[HELPER_SAVE_USER]	= "stack_trace_save_user",
};

/*
 * The kprobe lookup trick: kprobes resolve any symbol, exported or not.  The
 * probes are registered disabled, so they are never armed (no code patched,
 * no ftrace trampoline coming and going), and as one batch, so that a single
 * RCU grace period covers their removal.
 */
static int perftop_lookup_helpers(unsigned long *addr)
{
	struct kprobe kp[NR_HELPERS], *kps[NR_HELPERS];
	unsigned int i;

	for (i = 0; i < NR_HELPERS; i++) {
		kp[i] = (struct kprobe) {
			.symbol_name	= helper_names[i],
			.flags		= KPROBE_FLAG_DISABLED,
		};
		kps[i] = &kp[i];
	}
	if (register_kprobes(kps, NR_HELPERS) < 0) {
		/* Say which one. */
		for (i = 0; i < NR_HELPERS; i++) {
			struct kprobe one = {
				.symbol_name	= helper_names[i],
				.flags		= KPROBE_FLAG_DISABLED,
			};

			if (register_kprobe(&one) < 0) {
				pr_err("cannot resolve %s\n", helper_names[i]);
				break;
			}
			unregister_kprobe(&one);
		}
		return -ENOENT;
	}
	for (i = 0; i < NR_HELPERS; i++)
		addr[i] = perftop_func_entry((unsigned long)kp[i].addr);
	unregister_kprobes(kps, NR_HELPERS);

	for (i = 0; i < NR_HELPERS; i++) {
		if (!perftop_callable(addr[i])) {
			pr_err("%s is sealed by IBT and cannot be called; boot with ibt=off to use perftop\n",
			       helper_names[i]);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* Section bounds whose functions are the scheduler's, not the task's. */
static const char * const section_names[] = {
	"__sched_text_start", "__sched_text_end",
	"__entry_text_start", "__entry_text_end",
	"__noinstr_text_start", "__noinstr_text_end",
};

/* Everything resolved in one walk of kallsyms. */
struct perftop_sym_search {
	const char *name;
	size_t len;
	unsigned long addr;
	bool exact;
	unsigned int clones;		/* .isra/.constprop clones, if not exact */
	char found[KSYM_NAME_LEN];
	unsigned long schedule_tail;
	unsigned long sections[ARRAY_SIZE(section_names)];
};

/* "" or a chain of ".isra.N" / ".constprop.N": a whole clone of the function. */
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
			return false;	/* .cold, .part.N, ...: not the function */
		s += n;
		while (isdigit(*s))
			s++;
	}
	return true;
}

static int perftop_sym_cb(void *data, const char *name, PERFTOP_KSYM_CB_MOD
			  unsigned long addr)
{
	struct perftop_sym_search *s = data;
	unsigned int i;

	if (name[0] == '_' && name[1] == '_') {
		for (i = 0; i < ARRAY_SIZE(section_names); i++)
			if (!strcmp(name, section_names[i]))
				s->sections[i] = addr;
	}
	if (!strcmp(name, "schedule_tail"))
		s->schedule_tail = addr;

	if (strncmp(name, s->name, s->len) || !perftop_clone_suffix(name + s->len))
		return 0;
	if (!name[s->len]) {		/* the exact name wins */
		s->exact = true;
		s->addr = addr;
		strscpy(s->found, name, sizeof(s->found));
	} else if (!s->exact && !s->clones++) {
		s->addr = addr;
		strscpy(s->found, name, sizeof(s->found));
	}
	return 0;
}

static struct kprobe perftop_kp;
static char probe_name[KSYM_NAME_LEN];

static void perftop_add_skip(unsigned long start, unsigned long end)
{
	if (start && end > start && nr_skip_ranges < ARRAY_SIZE(skip_ranges)) {
		skip_ranges[nr_skip_ranges].start = start;
		skip_ranges[nr_skip_ranges].end = end;
		nr_skip_ranges++;
	}
}

static int perftop_resolve(void)
{
	typedef int (*size_offset_t)(unsigned long addr, unsigned long *size,
				     unsigned long *offset);
	struct perftop_sym_search *s;
	unsigned long addr[NR_HELPERS], size, off;
	size_offset_t size_offset;
	unsigned int i;
	int ret;

	ret = perftop_lookup_helpers(addr);
	if (ret)
		return ret;
	size_offset = (size_offset_t)addr[HELPER_SIZE_OFFSET];
	save_regs = (save_regs_t)addr[HELPER_SAVE_REGS];
	save_user = (save_user_t)addr[HELPER_SAVE_USER];

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->name = symbol;
	s->len = strlen(symbol);
	((perftop_ksym_each_t)addr[HELPER_EACH_SYMBOL])(perftop_sym_cb, s);
	if (!s->exact && !s->clones) {
		pr_err("no function %s (nor a .isra/.constprop clone of it) to probe\n",
		       symbol);
		ret = -ENOENT;
		goto out;
	}
	if (!s->exact && s->clones > 1)
		pr_warn("%u clones of %s; probing only %s\n", s->clones, symbol,
			s->found);
	strscpy(probe_name, s->found, sizeof(probe_name));
	perftop_kp.addr = (kprobe_opcode_t *)s->addr;

	nr_skip_ranges = 0;
	if (size_offset(s->addr, &size, &off))
		perftop_add_skip(s->addr - off, s->addr - off + size);
	if (s->schedule_tail && size_offset(s->schedule_tail, &size, &off))
		perftop_add_skip(s->schedule_tail - off, s->schedule_tail - off + size);
	for (i = 0; i < ARRAY_SIZE(section_names); i += 2)
		perftop_add_skip(s->sections[i], s->sections[i + 1]);
out:
	kfree(s);
	return ret;
}

/* ---- the probe handler: no allocation, no sleeping, no printk ---------- */

static bool perftop_skip(unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < nr_skip_ranges; i++)
		if (addr >= skip_ranges[i].start && addr < skip_ranges[i].end)
			return true;
	return false;
}

/*
 * User stacks are walked by frame pointers.  Code built without them leaves
 * data in the frame pointer register, and the walk then reads data as
 * return addresses.  Past the first frame (the real instruction pointer),
 * stop at the first one that cannot be a return address: below the lowest
 * mapping, outside the user half, in the program's data, bss or heap, or on
 * this thread's stack.
 */
static unsigned int perftop_user_trim(struct mm_struct *mm,
				      const unsigned long *frames, unsigned int n)
{
	unsigned long data = READ_ONCE(mm->start_data), brk = READ_ONCE(mm->brk);
	unsigned long sp = user_stack_pointer(task_pt_regs(current));
	unsigned long a;
	unsigned int i;

	if (!data || data > brk)
		data = brk;
	for (i = 0; i < n; i++) {
		a = frames[i];
		if (a < PERFTOP_USER_MIN || a >= TASK_SIZE_MAX)
			break;
		if (i && ((a >= data && a < brk) ||
			  (a >= sp && a - sp < PERFTOP_USER_STACK)))
			break;
	}
	return i;
}

static u32 perftop_capture(struct pt_regs *regs, struct perftop_key *key)
{
	struct task_struct *tsk = current;
	unsigned long raw[PERFTOP_RAW_DEPTH];
	unsigned int i, n;

	if (!(tsk->flags & PF_KTHREAD) && tsk->mm) {
		n = perftop_user_trim(tsk->mm, key->frames,
				      save_user(key->frames, PERFTOP_MAX_DEPTH));
		if (n) {
			key->kind = PERFTOP_USER;
			key->nr = n;
			/* On the mm's cache line that the trim just read. */
			key->code_start = READ_ONCE(tsk->mm->start_code);
			key->code_end = READ_ONCE(tsk->mm->end_code);
			goto hash;
		}
		/* No user stack (exiting): fall back to the kernel one. */
	}
	key->kind = is_idle_task(tsk) ? PERFTOP_IDLE : PERFTOP_KERNEL;
	key->code_start = 0;
	key->code_end = 0;
	n = save_regs(regs, raw, ARRAY_SIZE(raw), 0);
	for (i = 0; i < n && perftop_skip(raw[i]); i++)
		;
	key->nr = min_t(unsigned int, n - i, PERFTOP_MAX_DEPTH);
	memcpy(key->frames, raw + i, key->nr * sizeof(long));
hash:
	return jhash2((u32 *)key, PERFTOP_KEY_WORDS(key), hash_seed);
}

static bool perftop_key_equal(const struct perftop_key *a,
			      const struct perftop_key *b)
{
	return !memcmp(a, b, PERFTOP_KEY_WORDS(a) * sizeof(u32));
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

/* The stack's entry, created from the pool; &overflow when the pool is full. */
static struct perftop_entry *perftop_get(const struct perftop_key *key, u32 hash)
{
	struct hlist_head *head = &buckets[hash & hash_mask];
	struct perftop_entry *e;

	hlist_for_each_entry(e, head, hnode)
		if (e->hash == hash && perftop_key_equal(&e->key, key))
			goto found;
	if (pool_used == max_entries)
		return &overflow;
	e = &pool[pool_used++];
	e->ticks = 0;
	e->count = 0;
	e->hash = hash;
	memcpy(&e->key, key, PERFTOP_KEY_WORDS(key) * sizeof(u32));
	hlist_add_head(&e->hnode, head);
	perftop_rank_insert(e);
found:
	e->pid = current->pid;
	memcpy(e->comm, current->comm, TASK_COMM_LEN);
	return e;
}

/*
 * Charge a finished slice and move the entry to its new place in the rank
 * tree.  The erase + reinsert is skipped when the in-order successor is still
 * not smaller: the entry would land exactly where it is.
 */
static void perftop_charge(struct perftop_entry *e, u64 delta)
{
	struct rb_node *next;

	e->count++;
	e->ticks += delta;
	if (e == &overflow)
		return;
	if (e->key.kind == PERFTOP_IDLE)
		idle_ticks += delta;
	else
		busy_ticks += delta;
	next = rb_next(&e->rnode);
	if (!next || rb_entry(next, struct perftop_entry, rnode)->ticks >= e->ticks)
		return;
	rb_erase(&e->rnode, &rank);
	perftop_rank_insert(e);
}

static void perftop_account_cost(struct perftop_cpu *pc, u64 cost)
{
	pc->cost_sum += cost;
	pc->cost_calls++;
	if (cost > pc->cost_max)
		pc->cost_max = cost;
	pc->cost_hist[min_t(unsigned int, fls64(cost), PERFTOP_COST_BUCKETS - 1)]++;
}

static u64 perftop_ticks_to_ns(u64 ticks)
{
	return mul_u64_u32_div(ticks, NSEC_PER_MSEC, tsc_khz);
}

/*
 * local_clock() at rdtsc value NOW on this CPU, extrapolated from a reading
 * of both taken every PERFTOP_CLOCK_EVERY switches and at least every 10 ms:
 * local_clock() itself cost 15% of the handler under TCG.
 */
static u64 perftop_local_clock(struct perftop_cpu *pc, u64 now)
{
	if (!pc->clock_left-- || now - pc->clock_tsc > 10ULL * tsc_khz) {
		pc->clock_ns = local_clock();
		pc->clock_tsc = rdtsc();
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
 */
static u64 perftop_switch_stamp(struct pt_regs *regs, struct perftop_cpu *pc,
				u64 now)
{
	struct task_struct *prev = PERFTOP_PREV_ARG(regs);
	u64 start, lag;

	if (!PERFTOP_ALIGN_TO_KERNEL)
		return now;
	if (!is_idle_task(current))
		start = READ_ONCE(current->se.exec_start);
	else if (prev == pc->task && prev && !is_idle_task(prev))
		start = READ_ONCE(prev->se.exec_start);	/* charged up to it */
	else
		return now;
	lag = perftop_local_clock(pc, now) - start;
	if (lag > PERFTOP_MAX_LAG_NS)
		return now;
	return now - mul_u64_u32_div(lag, tsc_khz, NSEC_PER_MSEC);
}

static int perftop_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct perftop_cpu *pc;
	struct perftop_key key;
	struct perftop_entry *e;
	u64 now, stamp;
	u32 hash = 0;
	bool idle;

#ifdef PERFTOP_BENCH_FLOOR
	return 0;
#endif
	now = rdtsc();
	pc = this_cpu_ptr(&perftop_cpu);
	idle = is_idle_task(current);

	/* Walk the stack outside the lock; idle's is captured once per CPU. */
	if (!idle)
		hash = perftop_capture(regs, &key);
#ifdef PERFTOP_BENCH_CAPTURE
	WRITE_ONCE(pc->cost_sum, hash);
	return 0;
#endif
	stamp = perftop_switch_stamp(regs, pc, now);
	pc->task = current;

	raw_spin_lock(&perftop_lock);
	nr_switches++;
	/* Never before the last stamp: time only moves forward per CPU. */
	if (stamp < pc->start)
		stamp = pc->start;
	if (pc->cur)
		perftop_charge(pc->cur, stamp - pc->start);
	if (idle) {
		if (!pc->idle)
			pc->idle = perftop_get(&key, perftop_capture(regs, &key));
		e = pc->idle;
	} else {
		e = perftop_get(&key, hash);
	}
	pc->cur = e;
	pc->start = stamp;
	raw_spin_unlock(&perftop_lock);

	perftop_account_cost(pc, rdtsc() - now);
	return 0;
}

NOKPROBE_SYMBOL(perftop_pre);

/* ---- table ------------------------------------------------------------- */

static void perftop_reset(void)
{
	struct perftop_cpu *pc;
	unsigned long flags;
	int cpu;

	raw_spin_lock_irqsave(&perftop_lock, flags);
	memset(buckets, 0, (hash_mask + 1) * sizeof(*buckets));
	pool_used = 0;
	rank = RB_ROOT;
	overflow.ticks = 0;
	overflow.count = 0;
	nr_switches = 0;
	busy_ticks = 0;
	idle_ticks = 0;
	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		pc->cur = NULL;
		pc->idle = NULL;
		/* Racy against that CPU's handler: these are statistics. */
		pc->cost_sum = 0;
		pc->cost_calls = 0;
		pc->cost_max = 0;
		memset(pc->cost_hist, 0, sizeof(pc->cost_hist));
	}
	raw_spin_unlock_irqrestore(&perftop_lock, flags);
}

static int perftop_table_init(void)
{
	unsigned int nbuckets = roundup_pow_of_two(max_entries);

	pool = kvcalloc(max_entries, sizeof(*pool), GFP_KERNEL);
	if (!pool)
		goto err;
	buckets = kvcalloc(nbuckets, sizeof(*buckets), GFP_KERNEL);
	if (!buckets)
		goto err_pool;
	hash_mask = nbuckets - 1;
	hash_seed = get_random_u32();
	perftop_reset();
	return 0;

err_pool:
	kvfree(pool);
	pool = NULL;
err:
	pr_err("cannot allocate %u entries (%zu KiB)\n", max_entries,
	       ((size_t)max_entries * sizeof(*pool) +
		(size_t)nbuckets * sizeof(*buckets)) >> 10);
	return -ENOMEM;
}

static void perftop_table_free(void)
{
	kvfree(buckets);
	buckets = NULL;
	kvfree(pool);
	pool = NULL;
}

/* ---- /proc/perftop ----------------------------------------------------- */

struct perftop_snapshot {
	unsigned int cap;		/* rows allocated */
	unsigned int nr;		/* rows */
	unsigned int used;		/* entries in the table */
	u64 switches, busy, idle, dropped, dropped_ticks;
	u64 cost_sum, cost_calls, cost_max;
	u64 cost_hist[PERFTOP_COST_BUCKETS];
	struct perftop_entry rows[];
};

static u64 perftop_ns(u64 ticks)
{
	return perftop_ticks_to_ns(ticks);
}

/* Upper bound, in ticks, of the bucket holding the p-th percentile. */
static u64 perftop_cost_pct(const struct perftop_snapshot *s, unsigned int p)
{
	u64 seen = 0, want = div_u64(s->cost_calls * p + 99, 100);
	unsigned int i;

	for (i = 0; i < PERFTOP_COST_BUCKETS; i++) {
		seen += s->cost_hist[i];
		if (want && seen >= want)
			return i ? 1ULL << i : 0;
	}
	return 0;
}

static void perftop_snap_cost(struct perftop_snapshot *s)
{
	struct perftop_cpu *pc;
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&perftop_cpu, cpu);
		s->cost_sum += READ_ONCE(pc->cost_sum);
		s->cost_calls += READ_ONCE(pc->cost_calls);
		s->cost_max = max_t(u64, s->cost_max, READ_ONCE(pc->cost_max));
		for (i = 0; i < PERFTOP_COST_BUCKETS; i++)
			s->cost_hist[i] += READ_ONCE(pc->cost_hist[i]);
	}
}

static void perftop_take(struct perftop_snapshot *s)
{
	struct perftop_entry *e;
	struct rb_node *node;
	unsigned long flags;

	raw_spin_lock_irqsave(&perftop_lock, flags);
	for (node = rb_last(&rank); node && s->nr < s->cap; node = rb_prev(node)) {
		e = rb_entry(node, struct perftop_entry, rnode);
		if (e->key.kind == PERFTOP_IDLE && !show_idle)
			continue;
		s->rows[s->nr++] = *e;
	}
	s->used = pool_used;
	s->switches = nr_switches;
	s->busy = busy_ticks;
	s->idle = idle_ticks;
	s->dropped = overflow.count;
	s->dropped_ticks = overflow.ticks;
	raw_spin_unlock_irqrestore(&perftop_lock, flags);
	perftop_snap_cost(s);
}

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

static void perftop_show_frame(struct seq_file *m, const struct perftop_entry *e,
			       unsigned int i)
{
	char sym[KSYM_SYMBOL_LEN];

	if (e->key.kind == PERFTOP_USER) {
		seq_printf(m, "  #%u 0x%lx\n", i, e->key.frames[i]);
		return;
	}
	/* Never a raw kernel address: an unknown one prints as "?". */
	snprintf(sym, sizeof(sym), "%pB", (void *)e->key.frames[i]);
	seq_printf(m, "  #%u %s\n", i, strncmp(sym, "0x", 2) ? sym : "?");
}

static int perftop_show(struct seq_file *m, void *v)
{
	struct perftop_snapshot *s;
	struct perftop_entry *e;
	unsigned int rows, r, i;

	/*
	 * Room for the ranks there can be: the entries in use now, and some
	 * that may appear before the lock is taken (a few more would only go
	 * unlisted).  Allocating room for every possible rank instead made a
	 * read with top=8192 take milliseconds before its snapshot.
	 */
	rows = min_t(unsigned int, top, READ_ONCE(pool_used) + 64);
	s = kvzalloc(struct_size(s, rows, rows), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->cap = rows;
	perftop_take(s);

	seq_printf(m, "# perftop %s: on-CPU time per unique stack trace, charged at every context switch\n",
		   PERFTOP_VERSION);
	seq_printf(m, "# time unit: rdtsc ticks; tsc_khz=%u (ns = ticks * 1000000 / tsc_khz)\n",
		   tsc_khz);
	seq_printf(m, "# top %u of %u stacks by cumulative time, %u frames each%s\n",
		   top, s->used, depth, show_idle ? "" : ", idle excluded");
	for (r = 0; r < s->nr; r++) {
		e = &s->rows[r];
		seq_printf(m, "rank %u scheduled task: jhash=0x%08x ticks=%llu ns=%llu count=%llu pid=%d kind=%s comm=%s\n",
			   r + 1, e->hash, e->ticks, perftop_ns(e->ticks),
			   e->count, e->pid, perftop_kind_name(e->key.kind),
			   e->comm);
		for (i = 0; i < min(depth, e->key.nr); i++)
			perftop_show_frame(m, e, i);
	}
	seq_printf(m, "# switches=%llu entries=%u/%u dropped=%llu dropped_ticks=%llu missed=%lu\n",
		   s->switches, s->used, max_entries, s->dropped,
		   s->dropped_ticks, perftop_kp.nmissed);
	seq_printf(m, "# busy_ticks=%llu busy_ns=%llu idle_ticks=%llu idle_ns=%llu\n",
		   s->busy, perftop_ns(s->busy), s->idle, perftop_ns(s->idle));
	seq_printf(m, "# handler_ticks calls=%llu avg=%llu max=%llu p50<=%llu p99<=%llu\n",
		   s->cost_calls,
		   s->cost_calls ? div64_u64(s->cost_sum, s->cost_calls) : 0,
		   s->cost_max, perftop_cost_pct(s, 50), perftop_cost_pct(s, 99));
	kvfree(s);
	return 0;
}

static int perftop_open(struct inode *inode, struct file *file)
{
	unsigned int rows;

	/* Clearing the counters is an administrator's act, whatever the mode. */
	if ((file->f_mode & FMODE_WRITE) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Enough for the ranks there can be now, so that one show() fits. */
	rows = min_t(unsigned int, top, READ_ONCE(pool_used) + 64);
	return single_open_size(file, perftop_show, NULL,
				1024 + rows * (160 + depth * 128));
}

static ssize_t perftop_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[sizeof("reset\n")];

	if (len < 5 || len > 6)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	if (memcmp(buf, "reset", 5) || (len == 6 && buf[5] != '\n'))
		return -EINVAL;
	perftop_reset();
	return len;
}

static const struct proc_ops perftop_proc_ops = {
	.proc_open	= perftop_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= perftop_write,
};

/* ---- module ------------------------------------------------------------ */

static int perftop_check_params(void)
{
	if (!tsc_khz) {
		pr_err("the TSC frequency is unknown (tsc_khz is 0): no time base\n");
		return -ENODEV;
	}
	if (max_entries < PERFTOP_MIN_ENTRIES || max_entries > PERFTOP_MAX_ENTRIES) {
		pr_err("max_entries=%u is out of range %u..%u\n", max_entries,
		       PERFTOP_MIN_ENTRIES, PERFTOP_MAX_ENTRIES);
		return -EINVAL;
	}
	if (!top || top > max_entries) {
		pr_err("top=%u is out of range 1..max_entries (%u)\n", top,
		       max_entries);
		return -EINVAL;
	}
	if (!depth || depth > PERFTOP_MAX_DEPTH) {
		pr_err("depth=%u is out of range 1..%u\n", depth,
		       PERFTOP_MAX_DEPTH);
		return -EINVAL;
	}
	if ((mode & ~0666) || !(mode & 0400)) {
		pr_err("mode=%#o must be within 0666 and readable by its owner\n",
		       mode);
		return -EINVAL;
	}
	if (!symbol || !*symbol || strlen(symbol) >= KSYM_NAME_LEN) {
		pr_err("symbol must name a function\n");
		return -EINVAL;
	}
	return 0;
}

static int __init perftop_init(void)
{
	int ret;

	ret = perftop_check_params();
	if (ret)
		return ret;
	ret = perftop_resolve();
	if (ret)
		return ret;
	ret = perftop_table_init();
	if (ret)
		return ret;

	proc_entry = proc_create("perftop", mode, NULL, &perftop_proc_ops);
	if (!proc_entry) {
		pr_err("cannot create /proc/perftop\n");
		ret = -ENOMEM;
		goto err_table;
	}

	perftop_kp.pre_handler = perftop_pre;
	ret = register_kprobe(&perftop_kp);
	if (ret) {
		pr_err("register_kprobe(%s) failed: %d\n", probe_name, ret);
		goto err_proc;
	}

	pr_info("%s: probing %s, %u entries (%zu KiB), tsc_khz=%u\n",
		PERFTOP_VERSION, probe_name, max_entries,
		((size_t)max_entries * sizeof(*pool) +
		 (size_t)(hash_mask + 1) * sizeof(*buckets)) >> 10, tsc_khz);
	return 0;

err_proc:
	proc_remove(proc_entry);
err_table:
	perftop_table_free();
	return ret;
}

static void __exit perftop_exit(void)
{
	/* Returns only once no handler can still be running. */
	unregister_kprobe(&perftop_kp);
	proc_remove(proc_entry);
	perftop_table_free();
	pr_info("unloaded\n");
}

module_init(perftop_init);
module_exit(perftop_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The perftop developers");
MODULE_DESCRIPTION("Exact on-CPU time per unique stack trace, in /proc/perftop");
MODULE_VERSION(PERFTOP_VERSION);

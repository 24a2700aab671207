// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop: which code paths are using my CPUs, exactly.
 *
 * A kprobe on finish_task_switch() fires on every real context switch, on the
 * CPU that switches, with the task switched in already "current".  Per CPU
 * perftop keeps the stack that task was switched in with and the rdtsc stamp
 * of the switch; at the next switch the elapsed ticks are charged to that
 * stack.  A "task" is a unique stack trace: the user stack (frame pointers)
 * of a user task, the kernel stack of a kernel thread.
 *
 * The switch path writes only its own CPU's data: a per-CPU table of raw
 * stacks with their ticks and counts.  Each CPU has two tables; a drain, in
 * process context, asks every CPU (by IPI) to close the slice in flight and
 * move to its other table, then folds the one left behind into the global
 * table.  There user frames are resolved to a file and an offset (so that
 * one code path is one rank whatever process ran it), entries are keyed by
 * jhash2 of the resolved stack, and an rb-tree ordered by cumulative time
 * ranks them.  A drain runs periodically, when a per-CPU table fills, and
 * before every read, which therefore shows the data as of the read.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/stacktrace.h>
#include <linux/jhash.h>
#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/percpu.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/syscore_ops.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/highmem.h>
#include <linux/hashtable.h>
#include <linux/mmap_lock.h>
#include <linux/elf.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/security.h>
#include <linux/log2.h>
#include <linux/ctype.h>
#include <linux/math64.h>
#include <linux/sched/mm.h>
#include <linux/sched/clock.h>
#include <linux/sched/task_stack.h>
#include <asm/tsc.h>

#include "perftop.h"
#include "compat.h"
#include "unwind.h"

/*
 * Test builds (tests/bench/, tests/faults/) compile this file with one of
 * these set; the checks below are ordinary ifs on a constant.
 */
#define PERFTOP_BENCH_FLOOR	1	/* the handler returns at once */
#define PERFTOP_BENCH_CAPTURE	2	/* stack capture and hash only */
#ifndef PERFTOP_BENCH
#define PERFTOP_BENCH		0
#endif
#ifndef PERFTOP_FAULTS
#define PERFTOP_FAULTS		0	/* fault injection: a TSC step back */
#endif

/* ---- parameters ------------------------------------------------------- */

static char *symbol = "finish_task_switch";
module_param(symbol, charp, 0444);
MODULE_PARM_DESC(symbol, "finish_task_switch, or a .isra/.constprop clone of it (found by default)");

static unsigned int top = PERFTOP_DEF_TOP;
module_param(top, uint, 0444);
MODULE_PARM_DESC(top, "ranks printed in /proc/perftop (1..10000 and at most max_entries, default 20)");

static unsigned int depth = PERFTOP_DEF_DEPTH;
module_param(depth, uint, 0444);
MODULE_PARM_DESC(depth, "frames printed per rank in /proc/perftop (1..max_depth, default 4)");

static unsigned int max_depth __ro_after_init = PERFTOP_DEF_MAX_DEPTH;
module_param(max_depth, uint, 0444);
MODULE_PARM_DESC(max_depth, "frames kept per stack: the key (1..127, default 64)");

static unsigned int max_entries = PERFTOP_DEF_ENTRIES;
module_param(max_entries, uint, 0444);
MODULE_PARM_DESC(max_entries, "distinct stacks kept, preallocated at load (16..1048576, default 8192)");

static unsigned int cpu_entries = PERFTOP_DEF_CPU_ENTRIES;
module_param(cpu_entries, uint, 0444);
MODULE_PARM_DESC(cpu_entries, "slots of each of a CPU's two tables, a power of 2 (16..65536, default 256)");

static unsigned int max_objects = PERFTOP_DEF_OBJECTS;
module_param(max_objects, uint, 0444);
MODULE_PARM_DESC(max_objects, "distinct files user frames can name (16..65000, default 4096)");

static unsigned int drain_ms = PERFTOP_DEF_DRAIN_MS;
module_param(drain_ms, uint, 0444);
MODULE_PARM_DESC(drain_ms, "period of the drain into the global table (10..10000 ms, default 100)");

static bool align __ro_after_init = true;
module_param(align, bool, 0444);
MODULE_PARM_DESC(align, "align switch stamps to the scheduler's own clock (default yes)");

static bool tick_split __ro_after_init = true;
module_param(tick_split, bool, 0444);
MODULE_PARM_DESC(tick_split, "end slices at the scheduler tick too, charging time to the code that ran (default yes); no: each slice to the stack its task was switched in with");

static unsigned int unwind_kb = 65536;
module_param(unwind_kb, uint, 0444);
MODULE_PARM_DESC(unwind_kb, "memory for the unwind tables perftop(1) uploads, in KiB (0..1048576, default 65536; 0: none)");

static bool show_idle;
module_param(show_idle, bool, 0444);
MODULE_PARM_DESC(show_idle, "rank the idle time in /proc/perftop too (default no)");

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "permissions of the /proc files (within 0644, owner-readable, default 0600); reading also needs CAP_PERFMON or CAP_SYS_ADMIN");

#if PERFTOP_FAULTS
/* Every CPU's stamps step back by this much, once per write. */
static unsigned int fault_tsc_back_ms;
static unsigned int fault_gen;

static int perftop_fault_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint(val, kp);

	if (!ret)
		WRITE_ONCE(fault_gen, fault_gen + 1);
	return ret;
}

static const struct kernel_param_ops perftop_fault_ops = {
	.set	= perftop_fault_set,
	.get	= param_get_uint,
};
module_param_cb(fault_tsc_back_ms, &perftop_fault_ops, &fault_tsc_back_ms, 0644);
MODULE_PARM_DESC(fault_tsc_back_ms, "test build only: step every CPU's clock back by this many ms");

/* Refuse the load at its last step, once everything else is set up. */
static bool fault_fail_load;
module_param(fault_fail_load, bool, 0444);
MODULE_PARM_DESC(fault_fail_load, "test build only: fail the load where register_kprobe() would");
#define perftop_register_kprobe(kp)	(fault_fail_load ? -EINVAL : register_kprobe(kp))

/* Read the task switched out from the probed function's second argument. */
static bool fault_prev_arg;
module_param(fault_prev_arg, bool, 0444);
MODULE_PARM_DESC(fault_prev_arg, "test build only: take the wrong argument for the task switched out");
#define PERFTOP_PREV_ARG	(fault_prev_arg ? 1 : 0)

/* No drain for new address spaces: only the period and reads drain. */
static bool fault_no_kick;
module_param(fault_no_kick, bool, 0444);
MODULE_PARM_DESC(fault_no_kick, "test build only: the handler asks for no drain");
#define PERFTOP_NO_KICK		fault_no_kick

/*
 * At unload, a kick's drain queued after the first cancel (as by a kick
 * that read perftop_stopping before it was set), which then takes 200 ms.
 */
static bool fault_late_kick;
module_param(fault_late_kick, bool, 0444);
MODULE_PARM_DESC(fault_late_kick, "test build only: a slow drain queued at unload, after the works were cancelled");
#define PERFTOP_LATE_KICK	fault_late_kick
#else
#define perftop_register_kprobe(kp)	register_kprobe(kp)
#define PERFTOP_PREV_ARG	0
#define PERFTOP_NO_KICK		false
#define PERFTOP_LATE_KICK	false
#endif

/* ---- state ------------------------------------------------------------- */

struct perftop_range {
	unsigned long start, end;
};

/*
 * What the switch path reads is set at load and read-only after it
 * (tests/lint/objcheck.py checks that it touches no other global).
 */

/* The probed function: a kernel stack's frames start after it. */
static struct perftop_range probe_range __ro_after_init;
/*
 * Leading kernel frames that say "in the scheduler", not where the task was:
 * the probed function, schedule_tail() and the scheduler's, entry and noinstr
 * sections (perftop_resolve_symbols() checks the count at build time).
 */
static struct perftop_range skip_ranges[5] __ro_after_init;
static unsigned int nr_skip_ranges __ro_after_init;

/* What the in-flight slice of a CPU is charged to at its next switch. */
enum perftop_cur {
	PERFTOP_CUR_NONE,	/* nothing: just loaded, or resynchronised */
	PERFTOP_CUR_IDLE,
	PERFTOP_CUR_SLOT,
	PERFTOP_CUR_LOST,	/* no slot for it: counted as lost */
};

struct perftop_cpu {
	struct perftop_ptab tab[2];
	unsigned int active;		/* the table the handler writes */
	unsigned int cur_kind;		/* enum perftop_cur */
	struct perftop_slot *cur;	/* in tab[active], when CUR_SLOT */
	u32 cur_hash;
	struct perftop_raw key;		/* the stack switched in last */
	struct perftop_raw tick_key;	/* the stack a tick captures */
	struct task_struct *task;	/* switched in last; compared only */
	unsigned long task_switches;	/* its nvcsw + nivcsw then */
	u64 start;			/* rdtsc at the start of the slice in flight */
	bool resync;			/* drop the slice in flight */
	bool head;			/* no tick since task switched in */
	/* A reading of local_clock() and of rdtsc, taken together. */
	u64 clock_ns, clock_tsc;
	unsigned int clock_left;	/* switches until the next reading */
	struct irq_work kick;		/* asks for a drain */
	/* Address spaces seen lately, compared only (perftop_new_mm()). */
	struct {
		struct mm_struct *mm;
		int maps;
	} mm_seen[PERFTOP_MM_SEEN];
	unsigned int mm_next;
	u64 uw_misplaced;		/* binary mappings another build-id was at */
	u64 sink;			/* PERFTOP_BENCH_CAPTURE's result */
#if PERFTOP_FAULTS
	unsigned int fault_gen;
	u64 fault_offset;
#endif
};

static DEFINE_PER_CPU(struct perftop_cpu, perftop_cpu);

static hsiphash_key_t slot_key __ro_after_init;	/* per-CPU slot index */
static hsiphash_key_t bucket_key __ro_after_init;	/* global bucket index */
static u32 hash_seed __ro_after_init;			/* the printed jhash2 */
static unsigned int cpu_mask __ro_after_init;		/* cpu_entries - 1 */
static unsigned int arena_size __ro_after_init;	/* frames of a CPU table's arena */
static u64 tick_period __ro_after_init;			/* TICK_NSEC in TSC ticks */

/*
 * Everything below is the drained state: written in process context under
 * perftop_mutex, never by the probe handler.
 */
static DEFINE_MUTEX(perftop_mutex);

static struct perftop_entry *pool;
static unsigned int pool_used;		/* taken from the pool, ever (to a reset) */
static HLIST_HEAD(spare_entries);	/* ... of those, evicted and not reused */
static unsigned int nr_spare;
static struct hlist_head *buckets;
static unsigned int hash_mask;
static struct rb_root rank = RB_ROOT;
static struct rb_root room = RB_ROOT;

static char **gone_names;		/* PERFTOP_KFRAME_GONE frames' names */
static unsigned int nr_gone;

static struct perftop_object **objects;
static unsigned int nr_objects;		/* ids in use are below */
static unsigned int live_objects, free_object;	/* how many; the lowest id free */
static struct hlist_head object_buckets[256];
static unsigned int read_gen;
static void *elf_buf;			/* ELF headers and notes being read */
static char *path_buf;
static DEFINE_HASHTABLE(memo_buckets, 8);	/* perftop_memo, by mm */
static struct perftop_memo_map *memo_scratch;	/* a memo being taken */
static unsigned int nr_memos;
/*
 * perftop_uw_view, by hash_ptr(mm): read by the probe handler, written under
 * perftop_mutex.  The buckets are allocated at the load: the handler reads
 * only the pointer to them, which is read-only after it.
 */
#define PERFTOP_VIEW_BITS	10
static struct hlist_head *perftop_uw_views __ro_after_init;
/* perftop_uw_binary, by device and inode: the same, written under perftop_uw_mutex. */
static struct hlist_head *perftop_uw_binaries __ro_after_init;
static unsigned int perftop_uw_nr_binaries;
static void perftop_view_make(struct perftop_memo *m);
static void perftop_view_drop(struct perftop_memo *m);

struct perftop_totals {
	u64 switches, busy, idle, idle_count;
	u64 lost, lost_ticks, gaps, gap_ticks, aligned, probe;
	u64 other_ticks, other_count, other_stacks, evicted;
	u64 cost_sum, cost_calls, cost_max;
	u64 cost_hist[PERFTOP_COST_BUCKETS];
	u64 splits, other_splits, tick_skipped, tick_cost_sum, tick_cost_max;
	u64 ipi_max;
	u64 drains, drain_ns, drain_max_ns;
	u64 drained_at;			/* CLOCK_MONOTONIC ns of the last flip */
	u64 read_drained_at;		/* ... of the last read's own */
	u64 read_shared;		/* reads that showed an earlier read's */
};

static struct perftop_totals totals;

static struct kprobe perftop_kp, perftop_tick_kp;
static char probe_name[KSYM_NAME_LEN];
static struct proc_dir_entry *proc_top, *proc_all;
static int hp_state;
static bool perftop_stopping;		/* unloading: no more drains queued */

static void perftop_drain_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(perftop_periodic, perftop_drain_work);
static DECLARE_WORK(perftop_kicked, perftop_drain_work);
static void perftop_read_work_fn(struct work_struct *work);
static DECLARE_WORK(perftop_read_work, perftop_read_work_fn);

/*
 * The module is one translation unit, built from the files below as
 * kernel/sched/build_policy.c builds the scheduler's classes: each file
 * owns one role, and the handler's helpers, spread over them, still inline
 * into it.
 */
#include "probe.c"
#include "resolve.c"
#include "table.c"
#include "uwtab.c"
#include "procfs.c"

/* ---- CPU hotplug and suspend ------------------------------------------- */

/*
 * Before a CPU comes (back) online: whatever it was running when it went
 * offline was never switched out where perftop could see it.
 */
static int perftop_cpu_prepare(unsigned int cpu)
{
	WRITE_ONCE(per_cpu_ptr(&perftop_cpu, cpu)->resync, true);
	return 0;
}

/*
 * The switches seen since the load, and how many of them were out of step:
 * the drains' totals and what both tables of every CPU hold yet.  Under
 * perftop_mutex, which every drain and reset holds while it folds a table
 * into the totals and clears it, so that nothing is seen twice or missed (a
 * drain runs every drain_ms, as often as every 10 ms, and clears the
 * tables it folds).
 */
static void perftop_switches_seen(u64 *switches, u64 *gaps)
{
	unsigned int cpu, i;

	mutex_lock(&perftop_mutex);
	*switches = totals.switches;
	*gaps = totals.gaps;
	for_each_possible_cpu(cpu) {
		struct perftop_cpu *pc = per_cpu_ptr(&perftop_cpu, cpu);

		for (i = 0; i < 2; i++) {
			*switches += READ_ONCE(pc->tab[i].switches);
			*gaps += READ_ONCE(pc->tab[i].gaps);
		}
	}
	mutex_unlock(&perftop_mutex);
}

/*
 * perftop_pre() takes the task switched out from the probed function's first
 * argument (finish_task_switch(prev), or the clone of it that the compiler
 * made).  A kernel built otherwise would turn every slice into a gap,
 * silently: so once the probe is armed, let the CPUs switch for 50 ms (and
 * up to 0.5 s, until 32 switches were seen) and refuse the load if most
 * switches since were out of step.  (A switch
 * checks prev against the task it saw switched in, and reads nothing
 * through a pointer that is not that task.)
 */
static int perftop_self_check(void)
{
	u64 switches, gaps;
	unsigned int n;

	for (n = 0; n < 100; n++) {
		usleep_range(5000, 6000);
		perftop_switches_seen(&switches, &gaps);
		if (n >= 9 && switches >= 32)
			break;
	}
	if (switches >= 16 && gaps * 2 > switches) {
		pr_err("%s's first argument is not the task switched out (%llu of %llu switches out of step): refusing to load\n",
		       probe_name, gaps, switches);
		return -ENOEXEC;
	}
	return 0;
}

/*
 * After a resume (from suspend, or from a hibernation image), on the boot CPU
 * with interrupts off, before any task runs: the slice in flight spans the
 * sleep, and the TSC may have been reset; start it again.  The other CPUs
 * come back online through perftop_cpu_prepare().
 */
static void perftop_syscore_resume(void)
{
	perftop_resync();
}

static struct syscore_ops perftop_syscore_ops = {
	.resume = perftop_syscore_resume,
};

/* ---- modules going away ------------------------------------------------ */

/*
 * A module going away has its frames named (perftop_name_module_frames())
 * by a worker, as every drain: one module at a time.
 */
static DEFINE_MUTEX(perftop_going_lock);
static struct module *going_module;

static void perftop_going_fn(struct work_struct *work)
{
	mutex_lock(&perftop_mutex);
	perftop_drain(true, true);
	perftop_name_module_frames(going_module);
	mutex_unlock(&perftop_mutex);
}

static DECLARE_WORK(perftop_going_work, perftop_going_fn);

static int perftop_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&perftop_going_lock);
	going_module = data;
	queue_work(system_unbound_wq, &perftop_going_work);
	flush_work(&perftop_going_work);
	mutex_unlock(&perftop_going_lock);
	return NOTIFY_DONE;
}

static struct notifier_block perftop_module_nb = {
	.notifier_call = perftop_module_notify,
};

/* ---- module ------------------------------------------------------------ */

static int perftop_check_params(void)
{
	const char *base = "finish_task_switch";

	if (!tsc_khz) {
		pr_err("the TSC frequency is unknown (tsc_khz is 0): no time base\n");
		return -ENODEV;
	}
	if (max_entries < PERFTOP_MIN_ENTRIES || max_entries > PERFTOP_MAX_ENTRIES) {
		pr_err("max_entries=%u is out of range %u..%u\n", max_entries,
		       PERFTOP_MIN_ENTRIES, PERFTOP_MAX_ENTRIES);
		return -EINVAL;
	}
	if (!top || top > min(max_entries, PERFTOP_MAX_TOP)) {
		pr_err("top=%u is out of range 1..%u (max_entries, at most %u)\n", top,
		       min(max_entries, PERFTOP_MAX_TOP), PERFTOP_MAX_TOP);
		return -EINVAL;
	}
	if (!max_depth || max_depth > PERFTOP_MAX_DEPTH) {
		pr_err("max_depth=%u is out of range 1..%u\n", max_depth, PERFTOP_MAX_DEPTH);
		return -EINVAL;
	}
	if (!depth || depth > max_depth) {
		pr_err("depth=%u is out of range 1..%u (max_depth)\n", depth, max_depth);
		return -EINVAL;
	}
	if (cpu_entries < PERFTOP_MIN_CPU_ENTRIES || cpu_entries > PERFTOP_MAX_CPU_ENTRIES ||
	    !is_power_of_2(cpu_entries)) {
		pr_err("cpu_entries=%u must be a power of 2 in %u..%u\n", cpu_entries,
		       PERFTOP_MIN_CPU_ENTRIES, PERFTOP_MAX_CPU_ENTRIES);
		return -EINVAL;
	}
	if (unwind_kb > PERFTOP_MAX_UNWIND_KB) {
		pr_err("unwind_kb=%u is out of range 0..%u\n", unwind_kb, PERFTOP_MAX_UNWIND_KB);
		return -EINVAL;
	}
	if (max_objects < PERFTOP_MIN_ENTRIES || max_objects > PERFTOP_MAX_OBJECTS) {
		pr_err("max_objects=%u is out of range %u..%u\n", max_objects,
		       PERFTOP_MIN_ENTRIES, PERFTOP_MAX_OBJECTS);
		return -EINVAL;
	}
	if (drain_ms < PERFTOP_MIN_DRAIN_MS || drain_ms > PERFTOP_MAX_DRAIN_MS) {
		pr_err("drain_ms=%u is out of range %u..%u\n", drain_ms,
		       PERFTOP_MIN_DRAIN_MS, PERFTOP_MAX_DRAIN_MS);
		return -EINVAL;
	}
	if ((mode & ~0644) || !(mode & 0400)) {
		pr_err("mode=%#o must be within 0644 and readable by its owner\n", mode);
		return -EINVAL;
	}
	/*
	 * The handler relies on running where finish_task_switch() does: with
	 * the runqueue lock held and current the task switched in.
	 */
	if (!symbol || strncmp(symbol, base, strlen(base)) ||
	    !perftop_clone_suffix(symbol + strlen(base)) || strlen(symbol) >= KSYM_NAME_LEN) {
		pr_err("symbol=%s: only finish_task_switch or a .isra/.constprop clone of it can be probed\n",
		       symbol ? symbol : "");
		return -EINVAL;
	}
	return 0;
}

static void perftop_tsc_note(void)
{
	if (boot_cpu_has(X86_FEATURE_CONSTANT_TSC) && boot_cpu_has(X86_FEATURE_NONSTOP_TSC) &&
	    !check_tsc_unstable())
		return;
	pr_warn("the TSC is not marked constant, non-stop and stable: ticks may not be a steady clock (see perftop(4))\n");
}

static void perftop_stop_drains(void)
{
	int cpu;

	/* Nothing queues a drain after this ... */
	WRITE_ONCE(perftop_stopping, true);
	cancel_delayed_work_sync(&perftop_periodic);
	cancel_work_sync(&perftop_kicked);
	cancel_work_sync(&perftop_read_work);
	if (PERFTOP_LATE_KICK)
		queue_work(system_unbound_wq, &perftop_kicked);
	/*
	 * ... but a kick that read perftop_stopping before it was set may
	 * still queue one, and a drain that was running may have left a
	 * kick: once none is running, none can.
	 */
	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(&perftop_cpu, cpu)->kick);
	cancel_work_sync(&perftop_kicked);
}

static int __init perftop_init(void)
{
	int ret;

	ret = perftop_check_params();
	if (ret)
		return ret;
	ret = perftop_resolve_symbols();
	if (ret)
		return ret;
	tick_period = mul_u64_u32_div(TICK_NSEC, tsc_khz, NSEC_PER_MSEC);
	ret = perftop_tables_init();
	if (ret) {
		pr_err("cannot allocate the tables (max_entries=%u, cpu_entries=%u)\n",
		       max_entries, cpu_entries);
		goto err_tables;
	}
	proc_top = proc_create_data("perftop", mode, NULL, &perftop_proc_ops, NULL);
	proc_all = proc_create_data("perftop_all", mode & 0444, NULL, &perftop_all_proc_ops,
				    (void *)1);
	proc_unwind = proc_create("perftop_unwind", 0600, NULL, &perftop_uw_proc_ops);
	if (!proc_top || !proc_all || !proc_unwind) {
		pr_err("cannot create /proc/perftop, /proc/perftop_all and /proc/perftop_unwind\n");
		ret = -ENOMEM;
		goto err_proc;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "perftop:prepare",
					perftop_cpu_prepare, NULL);
	if (ret < 0)
		goto err_proc;
	hp_state = ret;
	register_syscore_ops(&perftop_syscore_ops);
	ret = register_module_notifier(&perftop_module_nb);
	if (ret)
		goto err_notifier;
	queue_delayed_work(system_unbound_wq, &perftop_periodic, msecs_to_jiffies(drain_ms));

	perftop_kp.symbol_name = probe_name;
	perftop_kp.pre_handler = perftop_pre;
	ret = perftop_register_kprobe(&perftop_kp);
	if (ret) {
		pr_err("register_kprobe(%s) failed: %d\n", probe_name, ret);
		goto err_work;
	}
	if (tick_split) {
		perftop_tick_kp.symbol_name = PERFTOP_TICK_SYMBOL;
		perftop_tick_kp.pre_handler = perftop_tick_pre;
		ret = perftop_register_kprobe(&perftop_tick_kp);
		if (ret) {
			pr_err("register_kprobe(%s) failed: %d (tick_split=0 loads without it)\n",
			       PERFTOP_TICK_SYMBOL, ret);
			goto err_kp;
		}
	}
	ret = perftop_self_check();
	if (ret)
		goto err_tick;
	perftop_tsc_note();
	pr_info("%s: probing %s, %u entries of %zu bytes, %u CPU slots of %zu bytes, tsc_khz=%u\n",
		PERFTOP_VERSION, probe_name, max_entries, sizeof(struct perftop_entry),
		cpu_entries, sizeof(struct perftop_slot), tsc_khz);
	return 0;

err_tick:
	if (tick_split)
		unregister_kprobe(&perftop_tick_kp);
err_kp:
	unregister_kprobe(&perftop_kp);
err_work:
	perftop_stop_drains();
	unregister_module_notifier(&perftop_module_nb);
err_notifier:
	unregister_syscore_ops(&perftop_syscore_ops);
	cpuhp_remove_state_nocalls(hp_state);
err_proc:
	proc_remove(proc_unwind);
	proc_remove(proc_all);
	proc_remove(proc_top);
err_tables:
	perftop_uw_free_all();
	perftop_tables_free();
	return ret;
}

static void __exit perftop_exit(void)
{
	/* Return only once no handler can still be running. */
	if (tick_split)
		unregister_kprobe(&perftop_tick_kp);
	unregister_kprobe(&perftop_kp);
	/* Returns only once no reader or writer is left. */
	proc_remove(proc_unwind);
	proc_remove(proc_all);
	proc_remove(proc_top);
	/* Returns only once no notification is running. */
	unregister_module_notifier(&perftop_module_nb);
	perftop_stop_drains();
	unregister_syscore_ops(&perftop_syscore_ops);
	cpuhp_remove_state_nocalls(hp_state);
	perftop_uw_free_all();
	perftop_tables_free();
	pr_info("unloaded\n");
}

module_init(perftop_init);
module_exit(perftop_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The perftop developers");
MODULE_DESCRIPTION("Exact on-CPU time per unique stack trace, in /proc/perftop");
MODULE_VERSION(PERFTOP_VERSION);

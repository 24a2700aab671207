/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * perftop: exact on-CPU time per unique stack trace.
 *
 * This header is the project's single version source: the Makefile,
 * dkms.conf, debian/changelog and perftop.spec all take the version from
 * PERFTOP_VERSION below (tests/lint/lint.sh checks that they agree).
 */
#ifndef _PERFTOP_H
#define _PERFTOP_H

#include <linux/types.h>
#include <linux/rbtree.h>
#include <linux/list.h>
#include <linux/sched.h>

#include "unwind.h"

#define PERFTOP_VERSION "0.2.0"

/* Frames of a CPU table's arena, per slot: its stacks' average depth, at most. */
#define PERFTOP_ARENA_FRAMES	16
/*
 * Frames kept per stack (max_depth of them): they form the key;
 * /proc/perftop prints "depth", /proc/perftop_all all of them.  Keys are
 * hashed, compared and stored up to their own number of frames.
 */
#define PERFTOP_MAX_DEPTH	127	/* max_depth: at most, as perf's */
#define PERFTOP_DEF_MAX_DEPTH	64
/* Kernel frames unwound from the handler, before the scheduler's are cut. */
#define PERFTOP_RAW_DEPTH	24
/* No return address lies below this (the default mmap_min_addr). */
#define PERFTOP_USER_MIN	65536UL
/* Switches between two readings of local_clock() against rdtsc, per CPU. */
#define PERFTOP_CLOCK_EVERY	256
/* A kernel switch lag above this is not believed (see perftop_switch_stamp). */
#define PERFTOP_MAX_LAG_NS	NSEC_PER_SEC
/* log2 buckets of the handler's own cost in ticks. */
#define PERFTOP_COST_BUCKETS	32
/* Slots a per-CPU lookup probes, entries a global hash chain holds: at most. */
#define PERFTOP_PROBES		8
#define PERFTOP_CHAIN_MAX	8
#define PERFTOP_OBJECT_ROOM_WALK 65536	/* entries looked at to free an object */
/* Processes remembered per entry to count distinct ones (procs=). */
#define PERFTOP_PROC_MEMO	4
/* Program headers read from an ELF file, PT_LOAD segments kept. */
#define PERFTOP_MAX_PHDRS	64
#define PERFTOP_MAX_LOADS	8
#define PERFTOP_BUILD_ID_MAX	20

#define PERFTOP_DEF_TOP		20
#define PERFTOP_MAX_TOP		10000
#define PERFTOP_DEF_DEPTH	4
#define PERFTOP_DEF_ENTRIES	8192
#define PERFTOP_MIN_ENTRIES	16
#define PERFTOP_MAX_ENTRIES	1048576U
#define PERFTOP_DEF_CPU_ENTRIES	256
#define PERFTOP_MIN_CPU_ENTRIES	16
#define PERFTOP_MAX_CPU_ENTRIES	65536U
#define PERFTOP_DEF_OBJECTS	4096
#define PERFTOP_MAX_OBJECTS	65000U
#define PERFTOP_MAX_UNWIND_KB	1048576U
#define PERFTOP_DEF_DRAIN_MS	100
#define PERFTOP_MIN_DRAIN_MS	10
#define PERFTOP_MAX_DRAIN_MS	10000

enum perftop_kind {
	PERFTOP_KERNEL = 1,	/* kernel thread: kernel stack */
	PERFTOP_USER,		/* user task: user stack, by frame pointers */
	PERFTOP_IDLE,		/* the per-CPU idle tasks, accounted apart */
};

/* Where a stack walk stopped. */
enum perftop_walk {
	PERFTOP_COMPLETE,	/* at the outermost frame */
	PERFTOP_TRUNCATED,	/* at something that is not a frame */
	PERFTOP_LIMIT,		/* at max_depth, with more below */
};

/*
 * A stack as the probe captures it: raw addresses.  User addresses mean
 * something only in their address space, so that is part of the key; a
 * per-CPU slot holding a user stack holds a reference on its mm_struct
 * (mm_count: mmgrab), never on the address space itself (mm_users), until
 * the drain: a process's memory, files and executable are released at its
 * exit as without perftop.  Hashed, compared and copied up to frames[nr]
 * (PERFTOP_RAW_LEN); everything before is set explicitly, padding included,
 * and nothing after is ever read.
 */
struct perftop_raw {
	u8 kind;
	u8 nr;
	u8 walk;
	u8 compat;		/* a 32-bit task's stack */
	u32 at;			/* 0 */
	struct mm_struct *mm;
	unsigned long frames[PERFTOP_MAX_DEPTH];
};

/* The same without its frames, as a slot keeps it. */
struct perftop_raw_head {
	u8 kind;
	u8 nr;
	u8 walk;
	u8 compat;
	u32 at;			/* its first frame in its table's arena */
	struct mm_struct *mm;
};

#define PERFTOP_RAW_LEN(r) \
	(offsetof(struct perftop_raw, frames) + (r)->nr * sizeof(unsigned long))

/*
 * One stack's charges on one CPU since the last drain.  Its frames are in
 * its table's arena, from frames[key.at]: a slot takes the room of the
 * frames its stack has, not of the most a stack can have.
 */
struct perftop_slot {
	u32 hash;		/* keyed hash of the key; 0: free */
	pid_t pid;		/* last task switched in with it */
	u64 ticks;
	u32 count;		/* switch-ins with it, this drain interval */
	u32 splits;		/* slices begun with it at a tick */
	u64 proc;		/* identity of its process (tgid, start time) */
	char comm[TASK_COMM_LEN];
	struct perftop_raw_head key;
};

/*
 * A per-CPU table: written only by its CPU (the probe handler, and the
 * drain's IPI on that CPU), read by the drain once the CPU has moved to
 * its other table.  Its counters are in the per-CPU area; its slots, a
 * power of 2 of them, fill whole pages.
 */
struct perftop_ptab {
	unsigned int used;
	bool kicked;			/* a drain was asked for */
	u64 switches;
	u64 idle_ticks, idle_count;
	u64 lost, lost_ticks;		/* no slot within PERFTOP_PROBES */
	u64 gaps, gap_ticks;		/* slices dropped: switches missed */
	u64 aligned, probe;		/* stamps aligned to the kernel's, or not */
	u64 cost_sum, cost_calls, cost_max;
	u32 cost_hist[PERFTOP_COST_BUCKETS];
	u64 splits, tick_skipped;	/* ticks that began a slice, or could not */
	u64 tick_cost_sum, tick_cost_max;	/* the tick handler's own cost */
	u64 ipi_max;			/* the drain's longest IPI here */
	bool carried;			/* holds the stack carried at the flip */
	unsigned int arena_used;	/* frames taken from the arena */
	struct perftop_slot *slots;	/* from here on, kept by the drain */
	unsigned long *arena;		/* cpu_entries * PERFTOP_ARENA_FRAMES */
};

/*
 * User frames once resolved: an object (a file, or one of the special ones
 * below) and an offset, packed into 64 bits.  Kernel frames stay addresses.
 */
#define PERFTOP_FRAME_OBJ_SHIFT	48
#define PERFTOP_FRAME_FILEOFF	BIT_ULL(47)	/* offset in the file, not ELF */
#define PERFTOP_FRAME_VALUE	(BIT_ULL(47) - 1)
/*
 * Anonymous executable memory (JIT code): the address itself, which with
 * 5-level paging (LA57) has up to 56 bits.  The top byte 0xff is no object
 * id: those stay below PERFTOP_OBJ_FIRST + PERFTOP_MAX_OBJECTS.
 */
#define PERFTOP_FRAME_ANON	(0xffULL << 56)
#define PERFTOP_FRAME_ANON_VALUE	(BIT_ULL(56) - 1)

/*
 * A kernel frame in a module since unloaded: its name, taken at the unload,
 * is gone_names[the low bits].  No kernel address looks like it.
 */
#define PERFTOP_KFRAME_GONE	BIT_ULL(48)
#define PERFTOP_MAX_GONE	4096	/* names kept; more print as "?" */

enum perftop_special_object {
	PERFTOP_OBJ_NOMAP,	/* no mapping at that address */
	PERFTOP_OBJ_VDSO,
	PERFTOP_OBJ_ANON,	/* anonymous executable memory (the frame: PERFTOP_FRAME_ANON) */
	PERFTOP_OBJ_FULL,	/* the object table is full */
	PERFTOP_OBJ_EXITED,	/* the process exited before a drain named it */
	PERFTOP_OBJ_BUSY,	/* its address space was locked at the drain */
	PERFTOP_OBJ_FIRST = 8,	/* files from here */
};

/*
 * A process's executable mappings, as the drain last saw them while it
 * lived: user frames are named from them, and so are the frames of its last
 * moments, charged after the last drain before its exit, once its address
 * space is gone (the slots keep only the mm_struct).  Taken again when its
 * number of mappings changed; freed a few drains after its last use once
 * its process exited, or, to make room, the one used longest ago; at most
 * PERFTOP_MAX_MEMOS of them, PERFTOP_MEMO_MAPS mappings each.
 */
#define PERFTOP_MEMO_MAPS	256
#define PERFTOP_MM_SEEN		16
#define PERFTOP_MAX_MEMOS	4096
#define PERFTOP_MEMO_DRAINS	3

struct perftop_memo_map {
	unsigned long start, end;
	u64 id;				/* object id, or PERFTOP_OBJ_VDSO or _ANON */
	u64 off;			/* the offset of start in it */
};

struct perftop_memo {
	struct hlist_node hnode;
	struct mm_struct *mm;		/* a reference on the mm_struct only */
	u64 used;			/* the drain that last used it */
	int map_count;			/* mm->map_count when taken; -1: never */
	unsigned int nr;
	struct perftop_memo_map *maps;	/* by start */
	struct perftop_uw_view *view;	/* what the handler unwinds it by */
};

/*
 * An unwind table uploaded through /proc/perftop_unwind (uwtab.c): the rows
 * of one file identity, found by its build-id.  Freed after an RCU grace
 * period, once no view points to it.
 */
struct perftop_uwtab {
	struct hlist_node hnode;
	struct rcu_head rcu;
	struct perftop_uwtab *dead;	/* removed, to be freed once views move */
	u64 stamp;			/* upload order: the oldest is evicted first */
	size_t bytes;
	u32 nrows;
	bool gone;			/* taken out: binaries using it go too */
	u8 build_id_len;
	u8 build_id[PERFTOP_BUILD_ID_MAX];
	struct perftop_uw_row rows[];
};

/*
 * A process's executable mappings that have a table, as the probe handler
 * unwinds its stack (issue 22): found by mm in an RCU hash (the handler,
 * interrupts off, is an RCU reader), made by the drain from the memo when
 * it takes one, and made again for every memo when a table comes or goes,
 * before the table that went is freed.  Never changed once published.
 * A table's row for the address ADDR of a mapping is at ADDR - bias.
 */
struct perftop_uw_vmap {
	unsigned long start, end;
	u64 bias;
	const struct perftop_uwtab *tab;
};

struct perftop_uw_view {
	struct hlist_node hnode;
	struct rcu_head rcu;
	struct mm_struct *mm;
	/* Its executable (only compared) and text: a fork child's are the same. */
	const void *exe;
	unsigned long start_code;
	unsigned int nr;
	struct perftop_uw_vmap maps[];	/* by start */
};

/*
 * What a process is unwound by before the drain has made its view (a new
 * process: whole stacks from its first switch): the mappings with a table
 * that the view of an earlier process of the same executable file had,
 * each placed relative to a base the handler reads from the mm: the
 * executable's relative to its text (mm->start_code), the others (ld.so,
 * the libraries it maps below itself) relative to the interpreter's load
 * address (AT_BASE).  Found by the executable's identity (device, inode,
 * generation), in an RCU hash like the views.  The handler uses a mapping
 * only where it reads its table's build-id at its place in the new
 * process's memory: a library not (yet) there, placed elsewhere or a file
 * replaced since is not used.  At most PERFTOP_MAX_BINARIES, the one learned
 * longest ago making room; dropped when a table they use goes.
 */
#define PERFTOP_BIN_MAPS	8
#define PERFTOP_BIN_BITS	8
#define PERFTOP_MAX_BINARIES	1024

enum perftop_uw_base {
	PERFTOP_BASE_CODE,		/* mm->start_code */
	PERFTOP_BASE_INTERP,		/* AT_BASE */
	PERFTOP_BASES
};

struct perftop_uw_bmap {
	/* Relative to the base: the mapping, its bias, its build-id. */
	unsigned long start, end, bias, id_at;
	const struct perftop_uwtab *tab;
	unsigned long base;		/* enum perftop_uw_base (no padding: memcmp) */
};

struct perftop_uw_binary {
	struct hlist_node hnode;
	struct list_head lru;		/* the one learned longest ago first */
	struct rcu_head rcu;
	dev_t dev;
	unsigned long ino;
	u32 generation;
	unsigned int nr;
	struct perftop_uw_bmap maps[PERFTOP_BIN_MAPS];
};

/*
 * A stack once resolved: what /proc/perftop ranks.  An entry's is kept in
 * the entry up to PERFTOP_KEY_INLINE frames, allocated to its number of
 * frames (PERFTOP_KEY_LEN) beyond: once per distinct stack.
 */
#define PERFTOP_KEY_INLINE	8
struct perftop_key {
	u8 kind;
	u8 nr;
	u8 walk;
	u8 compat;
	u32 pad;
	u64 frames[PERFTOP_MAX_DEPTH];
};

#define PERFTOP_KEY_LEN(k) \
	(offsetof(struct perftop_key, frames) + (k)->nr * sizeof(u64))

struct perftop_entry {
	struct hlist_node hnode;	/* hash bucket, by keyed hash */
	struct rb_node rnode;		/* rank tree, by cumulative ticks */
	struct rb_node snode;		/* room tree, by base + ticks */
	u64 ticks;			/* cumulative on-CPU rdtsc ticks */
	u64 base;			/* Space-Saving: see perftop_entry() */
	u64 count;			/* times switched in */
	u64 splits;			/* slices begun at a tick */
	u32 hash;			/* jhash2 of the key: printed */
	u32 bucket;
	pid_t pid;			/* last task seen with this stack */
	u32 procs;			/* distinct processes seen */
	u64 memo[PERFTOP_PROC_MEMO];	/* the last processes seen */
	char comm[TASK_COMM_LEN];
	struct perftop_key *key;	/* PERFTOP_KEY_LEN(key) bytes of it */
	/* The key when it fits: no allocation for the common, shallow stack. */
	u64 key_room[1 + PERFTOP_KEY_INLINE];
};

/* A file that user frames lie in, read once when first seen. */
struct perftop_object {
	struct hlist_node hnode;
	dev_t dev;
	unsigned long ino;
	u32 generation;
	s64 ctime;			/* changed in place: read again */
	bool elf;
	bool uncached;			/* its headers were not in the page cache */
	u8 nr_loads;
	u8 build_id_len;
	u8 build_id[PERFTOP_BUILD_ID_MAX];
	u64 build_id_vaddr;		/* the build-id's ELF address */
	unsigned int id;		/* index in the object table */
	unsigned int seen;		/* the read that last printed it */
	unsigned int refs;		/* memo maps and entry frames in it */
	unsigned int memo_refs;		/* ... of which memo maps */
	struct {
		u64 offset, filesz, vaddr;
	} loads[PERFTOP_MAX_LOADS];
	char path[];
};

#endif /* _PERFTOP_H */

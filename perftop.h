/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * perftop: exact on-CPU time per unique stack trace.
 *
 * This header is the project's single version source: the Makefile,
 * dkms.conf, debian/changelog and perftop.spec all take the version from
 * PERFTOP_VERSION below (tests/static.sh checks that they agree).
 */
#ifndef _PERFTOP_H
#define _PERFTOP_H

#include <linux/types.h>
#include <linux/rbtree.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/time64.h>

#define PERFTOP_VERSION "0.1.0"

/* Frames kept per stack: they form the key, and up to "depth" are printed. */
#define PERFTOP_MAX_DEPTH	8
/* Kernel frames unwound before the scheduler's own are skipped. */
#define PERFTOP_RAW_DEPTH	16
/* No return address lies below this (the default mmap_min_addr) ... */
#define PERFTOP_USER_MIN	65536UL
/* ... nor within this much above the thread's stack pointer. */
#define PERFTOP_USER_STACK	(8UL << 20)
/* Switches between two readings of local_clock() against rdtsc, per CPU. */
#define PERFTOP_CLOCK_EVERY	256
/* A kernel switch lag above this is not believed (see perftop_switch_stamp). */
#define PERFTOP_MAX_LAG_NS	NSEC_PER_SEC
/* log2 buckets of the handler's own cost in ticks. */
#define PERFTOP_COST_BUCKETS	32

#define PERFTOP_DEF_TOP		20
#define PERFTOP_DEF_DEPTH	4
#define PERFTOP_DEF_ENTRIES	8192
#define PERFTOP_MIN_ENTRIES	16
#define PERFTOP_MAX_ENTRIES	1048576U

enum perftop_kind {
	PERFTOP_KERNEL = 1,	/* kernel thread: kernel stack */
	PERFTOP_USER,		/* user task: user stack, by frame pointers */
	PERFTOP_IDLE,		/* the per-CPU idle task (swapper/N) */
};

/*
 * What identifies a "task": the kind, the frames and, for user stacks, the
 * executable they belong to (user addresses mean nothing without it), told
 * apart by the range of its text in the address space.  Hashed with jhash2
 * up to frames[nr], so everything is u32-aligned.
 */
struct perftop_key {
	u32 kind;
	u32 nr;
	unsigned long code_start, code_end;
	unsigned long frames[PERFTOP_MAX_DEPTH];
};

#define PERFTOP_KEY_WORDS(k) \
	((offsetof(struct perftop_key, frames) + (k)->nr * sizeof(long)) / sizeof(u32))

struct perftop_entry {
	struct hlist_node hnode;	/* hash bucket, by jhash of the key */
	struct rb_node rnode;		/* rank tree, by cumulative ticks */
	u64 ticks;			/* cumulative on-CPU rdtsc ticks */
	u64 count;			/* times switched in and charged */
	u32 hash;
	pid_t pid;			/* last task seen with this stack */
	char comm[TASK_COMM_LEN];
	struct perftop_key key;
};

#endif /* _PERFTOP_H */

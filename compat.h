/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels perftop supports (Debian 12's 6.1 and
 * 6.12, each also PREEMPT_RT) lives here, never in the logic.
 */
#ifndef _PERFTOP_COMPAT_H
#define _PERFTOP_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <asm/ibt.h>
#include <asm/irq_regs.h>
#include <asm/unwind.h>

#if !defined(CONFIG_X86_64)
#error "perftop measures time with rdtsc: x86_64 only"
#endif

/*
 * se.exec_start is in the runqueue's clock_task, which equals local_clock()
 * only when neither IRQ nor steal time is carved out of it (Debian's configs).
 * Elsewhere perftop stamps switches where its probe fires.
 */
#if defined(CONFIG_IRQ_TIME_ACCOUNTING) || defined(CONFIG_PARAVIRT_TIME_ACCOUNTING)
#define PERFTOP_ALIGN_TO_KERNEL	0
#else
#define PERFTOP_ALIGN_TO_KERNEL	1
#endif

/*
 * Tasks with no user code of their own: kernel threads, io_uring workers,
 * and since 6.4 the user workers (vhost's, for one), which share their
 * owner's mm but whose user registers are not theirs.
 */
#ifndef PF_USER_WORKER
#define PF_USER_WORKER	0
#endif
#define PERFTOP_NOT_USER	(PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER)

/*
 * On an IBT kernel (Debian's 6.12) a kprobe placed on a symbol steps over the
 * function's ENDBR, so kp.addr is 4 bytes past the symbol.  Give the symbol's
 * own address back.  perftop only reads and compares such addresses.
 */
static inline unsigned long perftop_symbol_addr(unsigned long addr)
{
	if (ENDBR_INSN_SIZE && is_endbr(*(u32 *)(addr - ENDBR_INSN_SIZE)))
		addr -= ENDBR_INSN_SIZE;
	return addr;
}

/*
 * The inode's change time, which tells a file rewritten in place from the
 * one perftop read before: a field until 6.6 (commit 13bc24457850 "fs:
 * rename i_ctime field to __i_ctime"), an accessor since.
 */
static inline s64 perftop_inode_ctime(const struct inode *inode)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
	return inode->i_ctime.tv_sec * NSEC_PER_SEC + inode->i_ctime.tv_nsec;
#else
	struct timespec64 ts = inode_get_ctime(inode);

	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
#endif
}

/*
 * The scheduler's tick, where tick_split ends the slice in flight:
 * scheduler_tick() until 6.10, sched_tick() since (commit 86dd6c04ef9f
 * "sched/balancing: Rename scheduler_tick() => sched_tick()").  Both run in
 * the tick's hard interrupt, also on PREEMPT_RT (the tick's hrtimer is
 * HRTIMER_MODE_ABS_HARD), and take the runqueue lock themselves, after the
 * probe at their entry.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#define PERFTOP_TICK_SYMBOL	"scheduler_tick"
#else
#define PERFTOP_TICK_SYMBOL	"sched_tick"
#endif

#endif /* _PERFTOP_COMPAT_H */

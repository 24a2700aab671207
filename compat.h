/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels perftop supports (Debian 12's 6.1 and
 * 6.12, each also PREEMPT_RT) lives here, never in the logic.
 */
#ifndef _PERFTOP_COMPAT_H
#define _PERFTOP_COMPAT_H

#include <linux/version.h>
#include <linux/kallsyms.h>
#include <asm/cpufeature.h>
#include <asm/ibt.h>

#if !defined(CONFIG_X86_64)
#error "perftop measures time with rdtsc: x86_64 only"
#endif

/*
 * kallsyms_on_each_symbol() lost its struct module argument in 6.4
 * (commit 3703bd54cd37 "kallsyms: Delete an unused parameter related to
 * kallsyms_on_each_symbol()").
 */
#if KERNEL_VERSION(6, 4, 0) > LINUX_VERSION_CODE
#define PERFTOP_KSYM_CB_MOD struct module *mod,
#else
#define PERFTOP_KSYM_CB_MOD
#endif
typedef int (*perftop_ksym_each_t)(int (*fn)(void *data, const char *name,
					      PERFTOP_KSYM_CB_MOD
					      unsigned long addr),
				   void *data);

/*
 * finish_task_switch(prev), and its .isra clones on Debian's 6.1 and 6.12,
 * take prev as the first argument.  Callers must not trust this alone: it is
 * only used once it matches the task perftop itself saw switch in last.
 */
#define PERFTOP_PREV_ARG(regs)	((struct task_struct *)(regs)->di)

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
 * On an IBT kernel (Debian's 6.12) a kprobe placed on a symbol steps over the
 * function's ENDBR, so kp.addr is 4 bytes past the entry.  Give callers the
 * real entry back.
 */
static inline unsigned long perftop_func_entry(unsigned long addr)
{
	if (ENDBR_INSN_SIZE && is_endbr(*(u32 *)(addr - ENDBR_INSN_SIZE)))
		addr -= ENDBR_INSN_SIZE;
	return addr;
}

/*
 * With IBT enforced by the CPU, an indirect call must land on an intact
 * ENDBR.  The kernel seals (poisons) the ENDBR of functions whose address
 * it never takes, which includes most unexported helpers.  Calling one would
 * be a #CP oops, so refuse instead.
 */
static inline bool perftop_callable(unsigned long addr)
{
#ifdef CONFIG_X86_KERNEL_IBT
	if (cpu_feature_enabled(X86_FEATURE_IBT))
		return *(u32 *)addr == gen_endbr();
#endif
	return true;
}

#endif /* _PERFTOP_COMPAT_H */

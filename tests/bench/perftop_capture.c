// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark configuration (c): perftop's kprobe walking the stack perftop
 * walks (user stack of a user task, kernel stack of a kernel thread) and
 * hashing it, with no table or accounting: the unavoidable work.
 * Test-only; built by tests/lib.sh from perftop.c itself.
 */
#define PERFTOP_BENCH PERFTOP_BENCH_CAPTURE
#include "perftop.c"

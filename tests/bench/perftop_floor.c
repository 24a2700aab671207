// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark configuration (b): perftop's kprobe with a handler that returns
 * at once, the floor under any probe-based profiler.  Test-only; built by
 * tests/lib.sh from perftop.c itself.
 */
#define PERFTOP_BENCH PERFTOP_BENCH_FLOOR
#include "perftop.c"

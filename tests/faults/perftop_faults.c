// SPDX-License-Identifier: GPL-2.0-only
/*
 * perftop with fault injection, for the tests only: a TSC that steps back
 * (fault_tsc_back_ms, writable at run time) and a load that fails at its
 * last step (fault_fail_load).  Built by tests/lib.sh from perftop.c itself.
 */
#define PERFTOP_FAULTS 1
#include "perftop.c"

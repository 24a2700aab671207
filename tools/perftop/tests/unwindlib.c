// SPDX-License-Identifier: GPL-2.0-only
/*
 * libunwindlib.so, for unwindprog: uwl_vla() keeps a variable-length array,
 * so its CFA is rbp + 16; uwl_busy(), below it, needs every register, rbp
 * too, which it saves on entry: an unwinder that does not restore rbp from
 * there computes uwl_vla()'s CFA from the wrong rbp.
 */
#include "unwindlib.h"

volatile unsigned long uwl_sink;

unsigned long uwl_spin(unsigned long n)
{
	unsigned long i, s = 0;

	for (i = 0; i < n; i++)
		s += i ^ uwl_sink;
	return s;
}

/* Eleven values live across the loop, with every register in use. */
__attribute__((noinline)) static void uwl_busy(unsigned long seed)
{
	unsigned long a = seed, b = seed * 3, c = seed * 5, d = seed * 7, e = seed * 11;
	unsigned long f = seed * 13, g = seed * 17, h = seed * 19, i = seed * 23;
	unsigned long j = seed * 29, k = seed * 31;

	for (;;) {
		a += b ^ uwl_sink; b += c ^ a; c += d ^ b; d += e ^ c; e += f ^ d;
		f += g ^ e; g += h ^ f; h += i ^ g; i += j ^ h; j += k ^ i; k += a ^ j;
		__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f),
				 "+r"(g), "+r"(h), "+r"(i), "+r"(j), "+r"(k));
	}
}

__attribute__((noinline)) void uwl_vla(int n)
{
	volatile unsigned long v[n];

	v[0] = (unsigned long)n;
	uwl_busy(v[0]);
}

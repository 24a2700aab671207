/* SPDX-License-Identifier: GPL-2.0-only */
/* libunwindlib.so: the shared library of unwindprog. */
unsigned long uwl_spin(unsigned long n);
void uwl_vla(int n);

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Annotate the user frames of a /proc/perftop dump that fall inside the
test workload (ptwork), from its `nm -S` output: what `make demo` shows.
perftop itself prints user frames as bare addresses.

usage: annotate.py SYMS < dump
"""
import re
import sys


def main():
    syms = []
    for line in open(sys.argv[1], encoding="utf-8"):
        f = line.split()
        if len(f) == 4 and f[2] in "tTwW":
            syms.append((int(f[0], 16), int(f[1], 16), f[3]))
    user = False
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.startswith("rank "):
            user = "kind=user" in line and "comm=ptwork" in line
        m = re.match(r"  #\d+ 0x([0-9a-f]+)$", line)
        if user and m:
            a = int(m.group(1), 16)
            for start, size, name in syms:
                if start <= a < start + size:
                    line += f"    <- {name}+{a - start:#x}"
                    break
        print(line)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check what perftop(4) states against the built module.

  docs.py MODULE.ko perftop.4 [README.md]

- the sizes it gives (bytes per entry, per CPU slot) are those of the
  structures in the module (pahole, from its debug information);
- the memory figures for the defaults follow from those sizes (in the
  README too, which states them);
- every option the module has is documented, with the module's own default
  and range (modinfo -p), and no other option is.
"""
import os
import re
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def size(ko, struct):
    m = re.search(r"/\* size: (\d+),", run("pahole", "-C", struct, ko))
    if not m:
        sys.exit(f"pahole knows no struct {struct} in {ko}")
    return int(m.group(1))


def main(ko, man, readme=None):
    text = open(man).read()
    flat = re.sub(r"\s+", " ", re.sub(r"^\.\S+ ?", "", text, flags=re.M))
    problems = []
    entry, slot = size(ko, "perftop_entry"), size(ko, "perftop_slot")
    binary = size(ko, "perftop_uw_binary")
    for what, n in (("bytes per entry", entry), ("bytes per slot", slot),
                    ("bytes per binary", binary)):
        m = re.search(r"(\d+) " + what, flat)
        if not m or int(m.group(1)) != n:
            problems.append(f"perftop.4 says {m.group(0) if m else 'nothing'} ({what}); "
                            f"the module: {n}")

    params = {}
    for line in run("modinfo", "-p", ko).splitlines():
        name, desc = line.split(":", 1)
        m = re.search(r"default (\w+)", desc)
        params[name] = m.group(1) if m else None
    documented = set(re.findall(r"^\.BI (\w+)= ", text, flags=re.M))
    for name, default in params.items():
        if name not in documented:
            problems.append(f"option {name} is not in perftop.4")
            continue
        body = text.split(f".BI {name}= ", 1)[1].split("\n.TP", 1)[0]
        body = re.sub(r"\s+", " ", re.sub(r"^\.\S+ ?", "", body, flags=re.M))
        if default and default not in ("yes", "no") and \
                not re.search(r"default is \(?" + re.escape(default) + r"\b", body) and \
                not (name == "symbol"):
            problems.append(f"perftop.4 does not give {name}'s default {default}: {body[:120]}")
    for name in documented - set(params):
        problems.append(f"perftop.4 documents {name}=, which the module does not have")

    defaults = {k: int(v) for k, v in params.items() if v and v.isdigit()}
    glob = defaults["max_entries"] * entry + defaults["max_entries"] * 8 + \
        defaults["max_objects"] * 8
    arena = re.search(r"#define PERFTOP_ARENA_FRAMES\s+(\d+)",
                      open(os.path.join(os.path.dirname(os.path.abspath(man)), "perftop.h")).read())
    per_cpu = 2 * defaults["cpu_entries"] * (slot + 8 * int(arena.group(1)))
    want = [f"{glob // 1024} KiB for the global table", f"{per_cpu // 1024} KiB per CPU",
            f"{2 * per_cpu // 1024} KiB on 2 CPUs",
            f"{64 * per_cpu / 2**20:.1f} MiB on 64", f"{256 * per_cpu / 2**20:.1f} MiB on 256"]
    for w in want:
        if w not in flat:
            problems.append(f"perftop.4's memory figures: no '{w}'")
    if readme:
        rflat = re.sub(r"\s+", " ", open(readme).read())
        for w in want:
            if w not in rflat:
                problems.append(f"README's memory figures: no '{w}'")
    if problems:
        sys.exit("perftop.4 and the module disagree:\n  " + "\n  ".join(problems))
    print(f"ok: entry {entry} bytes, slot {slot} bytes, {len(params)} options and the "
          "memory figures agree with the module")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])

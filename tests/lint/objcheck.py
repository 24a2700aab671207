#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Static checks of a built perftop.ko, from objdump -dr.

  objcheck.py ibt MODULE.ko
      No indirect call or jump anywhere in the module: perftop calls no
      function through an address it looked up (a #CP oops under IBT for an
      unexported function with a sealed ENDBR).  Sound: with no indirect
      transfer at all, no looked-up address can be called.

  objcheck.py handler MODULE.ko
      Everything that runs on the switching CPU (the kprobe handlers at the
      switch and at the tick, and the drain's IPIs) and every module function
      it calls, followed through
      direct calls:
        - calls no kernel function outside a short list, each there for a
          reason (no lock, no allocation, no printk, no wake-up);
        - touches no module global except per-CPU data and data that is
          read-only after init (.rodata, .data..ro_after_init);
        - writes no global at all, the kernel's included, except through
          per-CPU (%gs) addressing.
      Pointers it follows (this CPU's tables, the task, its mm) are per-CPU or
      the switching task's own: the check is about shared lines by name.
"""
import re
import subprocess
import sys

ROOTS = ["perftop_pre", "perftop_tick_pre", "perftop_flip_ipi", "perftop_syscore_resume"]

# External functions the switch path may call, and why each is safe there.
ALLOWED_CALLS = {
    "__fentry__": "ftrace's entry hook",
    "__x86_return_thunk": "the return thunk (retbleed)",
    "__x86_indirect_thunk_array": None,   # never: listed to be refused below
    "__stack_chk_fail": "the stack protector",
    "stack_trace_save": "exported unwinder; no lock (kernel-thread stacks)",
    "copy_from_user_nofault": "exported; page faults disabled (user stacks)",
    "__hsiphash_aligned": "keyed hash of the per-CPU slot index",
    "__hsiphash_unaligned": "keyed hash of the per-CPU slot index",
    "sched_clock_cpu": "local_clock() (6.1): per-CPU clock, no lock",
    "local_clock": "the scheduler's per-CPU clock (6.12), no lock",
    "irq_work_queue": "this CPU's irq_work list: asks for a drain",
    "memcmp": "compares two keys",
    "__unwind_start": "exported ORC unwinder; no lock (kernel stacks at the tick, from its regs)",
    "unwind_next_frame": "exported ORC unwinder; no lock",
    "unwind_get_return_address": "exported ORC unwinder; no lock",
}

WRITES = re.compile(r"^(lock )?(mov|add|sub|inc|dec|or|and|xor|adc|sbb|neg|not|xchg|"
                    r"cmpxchg|xadd|bts|btr|btc|set|shl|shr|sar|rol|ror|movs|stos|pop)")


def objdump(ko):
    out = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", ko], check=True,
                         capture_output=True, text=True).stdout
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\s+([0-9a-f]+):\t(\S.*)$", line)
        if m and cur is not None:
            cur.append({"text": m.group(2).strip(), "relocs": []})
            continue
        m = re.match(r"^\s+[0-9a-f]+: (R_X86_64_\w+)\s+(\S+)$", line)
        if m and cur:
            cur[-1]["relocs"].append((m.group(1), m.group(2)))
    return funcs


def sections(ko):
    """Symbol -> section, for the module's own symbols."""
    out = subprocess.run(["objdump", "-t", ko], check=True, capture_output=True,
                         text=True).stdout
    syms = {}
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+ (\S+)$", line)
        if m and m.group(2) != "*UND*":
            syms[m.group(3)] = m.group(2)
    return syms


def target(reloc):
    return re.sub(r"[-+]0x[0-9a-f]+$", "", reloc)


def ibt(ko):
    bad = []
    for name, insns in objdump(ko).items():
        for i in insns:
            t = i["text"]
            if re.match(r"^(call|jmp)\s+\*", t) or \
               any("indirect_thunk" in r[1] or "indirect_call" in r[1] for r in i["relocs"]):
                bad.append(f"{name}: {t} {i['relocs']}")
    if bad:
        sys.exit("indirect calls or jumps:\n  " + "\n  ".join(bad))
    print(f"ok: no indirect call or jump in {ko}")


def handler(ko):
    funcs, syms = objdump(ko), sections(ko)
    seen, todo, externals, problems = set(), list(ROOTS), {}, []
    for root in ROOTS:
        if root not in funcs:
            sys.exit(f"{root} is not in {ko}")
    while todo:
        fn = todo.pop()
        if fn in seen:
            continue
        seen.add(fn)
        for i in funcs[fn]:
            t = i["text"]
            op = t.split()[0]
            for kind, rel in i["relocs"]:
                sym = target(rel)
                sec = syms.get(sym, sym if sym.startswith(".") else None)
                if op in ("call", "jmp") and kind in ("R_X86_64_PLT32", "R_X86_64_PC32"):
                    if sym in funcs and sec and sec.startswith(".text"):
                        todo.append(sym)
                    elif sec is None:
                        externals.setdefault(sym, fn)
                    continue
                per_cpu = "%gs:" in t or (sec or "").startswith(".data..percpu")
                read_only = (sec or "").startswith((".rodata", ".data..ro_after_init"))
                if sec is not None and not per_cpu and not read_only and \
                        not sec.startswith(".text"):
                    problems.append(f"{fn}: touches module global {sym} ({sec}): {t}")
                dest = t.split(",")[-1] if "," in t else t.split(None, 1)[-1]
                if not per_cpu and "(%rip)" in dest and WRITES.match(t):
                    problems.append(f"{fn}: writes global {sym}: {t}")
            m = re.match(r"^(call|jmp)\s+[0-9a-f]+ <([^>+]+)(\+0x0)?>$", t)
            if m and not i["relocs"] and m.group(2) in funcs and m.group(2) != fn:
                todo.append(m.group(2))
    for sym, fn in sorted(externals.items()):
        if not ALLOWED_CALLS.get(sym):
            problems.append(f"{fn}: calls {sym}, which the switch path may not")
    if problems:
        sys.exit("the switch path breaks its rules:\n  " + "\n  ".join(problems))
    print(f"ok: {', '.join(sorted(seen))} call only "
          f"{', '.join(sorted(externals)) or 'nothing'}; no shared global touched")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("ibt", "handler"):
        sys.exit(__doc__)
    {"ibt": ibt, "handler": handler}[sys.argv[1]](sys.argv[2])

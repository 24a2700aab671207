#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the BENCH/COST lines of a benchmark boot into perftop's table.

usage: report.py RAW OUTDIR KERNEL ACCEL
"""
import csv
import json
import re
import statistics
import sys

NAMES = {
    "a": "no module",
    "b": "empty kprobe (floor)",
    "c": "capture + hash only",
    "d": "perftop, defaults",
    "e": "perftop, 10 000 stacks",
    "f": "bpftrace, same job",
    "g": "perftop, no FP, tables",
    "h": "perftop, no FP, no tables",
}
WORKLOADS = [
    # key, title, context switches per unit (for the per-switch cost)
    ("pinned_us", "pipe ping-pong, both on CPU 0 (us/round)", 2),
    ("cross_us", "pipe ping-pong, CPU 0 <-> CPU 1 (us/round)", 4),
    ("fork_us", "fork + exec + wait of /bin/true (us/exec)", None),
]

# (name, numerator, denominator, limit), on the pinned ping-pong.
TARGETS = [
    ("(d) <= 1.03 x (c)", "d", "c", 1.03),
    ("(e) <= 1.30 x (d)", "e", "d", 1.30),
    ("(d) <= 1.15 x (a)", "d", "a", 1.15),
    ("(d) below bpftrace (f)", "d", "f", 1.0),
]

# The handler's own average cost (its footer), by tables against frame
# pointers on the same workload (issue 22): at most twice.
COST_TARGETS = [
    ("(g) handler <= 2 x (d)'s", "g", "d", 2.0),
]


def parse(path):
    runs, costs, errors, rounds, scale = {}, {}, [], {}, []
    for line in open(path, encoding="utf-8", errors="replace"):
        kv = dict(re.findall(r"(\w+)<?=([0-9.]+|\w)", line))
        if line.startswith("BENCH "):
            for key, _, _ in WORKLOADS:
                if kv.get(key):
                    runs.setdefault(kv["cfg"], {}).setdefault(key, []).append(float(kv[key]))
                    if kv.get("round"):
                        rounds.setdefault(kv["round"], {}).setdefault(kv["cfg"], {})[key] = float(kv[key])
        elif line.startswith("COST "):
            costs.setdefault(kv["cfg"], []).append(kv)
        elif line.startswith("TICK "):
            costs.setdefault("tick", []).append(kv)
        elif line.startswith("SCALE "):
            scale.append(kv)
        elif line.startswith(("BENCHERR", "BTSTAT", "WHOLE")):
            errors.append(line.strip())
    return runs, costs, errors, rounds, scale


def print_scale(scale):
    """The switch path's cost against the number of CPUs switching at once:
    the module before per-CPU accounting and now, as us added per switch
    over no module (a round is two switches), and perftop's handler cost."""
    if not scale:
        return
    print("\nscaling: one ping-pong pair pinned to each CPU at once; us per round with no"
          " module, with the module before per-CPU accounting (global lock) and now, and"
          " the us each adds per switch; perftop's handler ticks (its footer); then"
          " 10 000 stacks: a read, a drain")
    print(f"  {'CPUs':>4} {'none':>8} {'before':>8} {'+us/sw':>7} {'now':>8} {'+us/sw':>7}"
          f" {'avg':>8} {'p50<=':>8} {'p99<=':>8} {'entries':>8} {'read us':>8}"
          f" {'drain avg us':>13} {'drain max us':>13}")
    for s in sorted(scale, key=lambda s: int(s["smp"])):
        none = float(s.get("none_us", 0))
        before = float(s.get("before_us", 0))
        now = float(s["us_per_round"])

        def added(v):
            return f"{(v - none) / 2:7.2f}" if v and none else f"{'-':>7}"
        print(f"  {s['smp']:>4} {none:8.2f} {before or float('nan'):8.2f} {added(before)}"
              f" {now:8.2f} {added(now)} {s['avg']:>8} {s['p50']:>8}"
              f" {s['p99']:>8} {s['entries']:>8} {s['read_us']:>8} {s['avg_us']:>13}"
              f" {s['max_us']:>13}")


def main():
    raw, outdir, kernel, accel = sys.argv[1:5]
    runs, costs, errors, rounds, scale = parse(raw)
    if "a" not in runs:
        sys.exit("report.py: no measurements of configuration a in " + raw)
    rows = []
    for key, title, switches in WORKLOADS:
        base = statistics.median(runs["a"][key])
        cap = statistics.median(runs["c"][key]) if "c" in runs else None
        for cfg in sorted(runs):
            vals = runs[cfg].get(key)
            if not vals:
                continue
            med = statistics.median(vals)
            rows.append({
                "workload": key, "title": title, "config": cfg, "name": NAMES.get(cfg, cfg),
                "n": len(vals), "median": med, "min": min(vals), "max": max(vals),
                "ratio_a": med / base, "ratio_c": med / cap if cap else None,
                "per_switch_us": (med - base) / switches if switches else None,
            })
    print(f"\nperftop overhead on {kernel} under QEMU (-accel {accel}), 2 vCPUs;"
          f" medians of {len(runs['a'][WORKLOADS[0][0]])} rounds\n")
    for key, title, switches in WORKLOADS:
        print(title)
        print(f"  {'configuration':26} {'median':>9} {'min':>9} {'max':>9} {'x (a)':>7} {'x (c)':>7}"
              + ("  +us/switch" if switches else ""))
        for r in rows:
            if r["workload"] != key:
                continue
            line = (f"  {r['config']} {r['name']:24} {r['median']:9.2f} {r['min']:9.2f} {r['max']:9.2f}"
                    f" {r['ratio_a']:7.3f} {r['ratio_c'] if r['ratio_c'] else 0:7.3f}")
            if switches:
                line += f"  {r['per_switch_us']:10.2f}"
            print(line)
        print()
    for cfg in ("d", "e", "g", "h"):
        for c in costs.get(cfg, [])[-1:]:
            print(f"perftop's own handler cost ({cfg}), from /proc/perftop: avg {c.get('avg')} ticks,"
                  f" max {c.get('max')}, p50 <= {c.get('p50')}, p99 <= {c.get('p99')}"
                  f" over {c.get('calls')} switches")
    for t in costs.get("tick", [])[-1:]:
        # One busy CPU: every one of its ticks (HZ a second) runs the tick path.
        splits, secs, khz = float(t["splits"]), float(t["seconds"]), float(t["tsc_khz"])
        avg_us = float(t["avg"]) * 1000 / khz
        print(f"perftop's tick path, a program that never blocks on one CPU: {splits / secs:.0f}"
              f" ticks/s, avg {t['avg']} ticks ({avg_us:.2f} us), max {t['max']};"
              f" {100 * splits / secs * avg_us / 1e6:.3f} % of a CPU (target 0.5 %)")
    # The host is shared: a round now and then runs several times slower,
    # and the load drifts over the run.  The targets are given three ways:
    # the median over rounds of the ratio within each round (the
    # configurations of one round run seconds apart, so a drift cancels),
    # the ratio of the medians, and the ratio of the minimums (the least
    # disturbed rounds).
    checks = []

    def paired(num, den):
        vals = [c[num]["pinned_us"] / c[den]["pinned_us"] for r, c in rounds.items()
                if r != "0" and "pinned_us" in c.get(num, {}) and "pinned_us" in c.get(den, {})]
        return statistics.median(vals) if vals else None

    def of_rows(stat):
        v = {r["config"]: r[stat] for r in rows if r["workload"] == "pinned_us"}
        return lambda num, den: v[num] / v[den] if num in v and den in v else None

    for stat, label, ratio in (("paired", "medians of per-round ratios", paired),
                               ("median", "medians", of_rows("median")),
                               ("min", "mins", of_rows("min"))):
        print(f"\ntargets (pinned ping-pong, {label}):")
        for name, num, den, limit in TARGETS:
            val = ratio(num, den)
            if val is not None:
                checks.append((f"{name} [{stat}]", val, limit))
                print(f"  {name:24} {val:6.3f}  {'met' if val <= limit else 'NOT met'}")
    def avg_cost(cfg):
        vals = [float(c["avg"]) for c in costs.get(cfg, []) if c.get("avg")]
        return statistics.median(vals) if vals else None

    for name, num, den, limit in COST_TARGETS:
        a, b = avg_cost(num), avg_cost(den)
        if a is not None and b:
            checks.append((f"{name} [avg ticks, median of rounds]", a / b, limit))
            print(f"\nunwind cost: the handler's average, median over rounds: ({num}) {a:.0f}"
                  f" ticks, ({den}) {b:.0f}: {name:24} {a / b:6.3f}"
                  f"  {'met' if a / b <= limit else 'NOT met'}")
    print_scale(scale)
    for e in errors:
        print("note:", e)
    with open(f"{outdir}/results.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(f"{outdir}/results.json", "w", encoding="utf-8") as f:
        json.dump({"kernel": kernel, "accel": accel, "rows": rows, "scale": scale,
                   "handler_cost": costs, "targets": [
                       {"target": n, "value": v, "limit": l, "met": v <= l} for n, v, l in checks]},
                  f, indent=1)
    print(f"\nwritten: {outdir}/results.csv {outdir}/results.json")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Judges bench/soak.sh's CSV: growth of RSS and fds from the window after
the warm-up to the last window of the load (each a tenth of the run, at
least 5 s), by the median of each window: single samples jump with the
buffers in use at that instant (a few bulk transfers overlapping), which is
load, not growth. The maxima are printed too. Exits 1 when RSS or fds grew
LIMIT percent or more.

usage: soak_growth.py SOAK.csv WARMUP_S DURATION_S LIMIT_PERCENT
"""
import csv
import statistics
import sys

rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(sys.argv[1]))]
warmup, duration, limit = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
tenth = max(duration / 10, 5)
load = [r for r in rows if r["elapsed_s"] <= duration]
early = [r for r in load if warmup <= r["elapsed_s"] < warmup + tenth]
late = [r for r in load if r["elapsed_s"] >= duration - tenth]
cpu = rows[-1]["cpu_s"] - rows[0]["cpu_s"]
print(f"soak: {duration:.0f} s, {len(rows)} samples; daemon CPU {cpu:.1f} s ({100 * cpu / duration:.0f} % of a core)")
failed = False
for key in ("rss_kb", "fds", "sockets"):
    a = statistics.median(r[key] for r in early)
    b = statistics.median(r[key] for r in late)
    growth = 100 * (b - a) / a
    print(f"soak: {key} median {a:.0f} after the warm-up, {b:.0f} at the end: {growth:+.1f} %;"
          f" max {max(r[key] for r in early):.0f} then {max(r[key] for r in late):.0f};"
          f" over the load min {min(r[key] for r in load):.0f}, max {max(r[key] for r in load):.0f}")
    if key != "sockets" and growth >= limit:
        print(f"FAIL: {key} grew {growth:.1f} % (limit {limit} %)")
        failed = True
sys.exit(failed)

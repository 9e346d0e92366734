#!/usr/bin/env python3
"""Draws bench/soak.sh's CSV as an SVG: RSS, fds, sockets and the daemon's
CPU use over time, one panel each. Plain SVG written by hand, so it needs
nothing beyond Python.

usage: soak_plot.py SOAK.csv OUT.svg
"""
import csv
import sys

W, H, LEFT, TOP, GAP = 720, 150, 70, 30, 40


def panel(y0, title, xs, ys, unit):
    lo, hi = min(ys), max(ys)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    lo, hi = min(lo, 0), hi * 1.1  # from zero: flat should look flat
    span_x = max(xs[-1] - xs[0], 1)
    pts = " ".join(f"{LEFT + (x - xs[0]) / span_x * W:.1f},{y0 + H - (y - lo) / (hi - lo) * H:.1f}"
                   for x, y in zip(xs, ys))
    return (f'<text x="{LEFT}" y="{y0 - 8}" font-size="13">{title}</text>'
            f'<rect x="{LEFT}" y="{y0}" width="{W}" height="{H}" fill="none" stroke="#999"/>'
            f'<text x="{LEFT - 6}" y="{y0 + 10}" font-size="11" text-anchor="end">{hi:.0f}{unit}</text>'
            f'<text x="{LEFT - 6}" y="{y0 + H}" font-size="11" text-anchor="end">{lo:.0f}{unit}</text>'
            f'<polyline points="{pts}" fill="none" stroke="#1f5fa8" stroke-width="1.5"/>')


def main():
    rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(sys.argv[1]))]
    xs = [r["elapsed_s"] for r in rows]
    cpu = [0.0] + [100 * (b["cpu_s"] - a["cpu_s"]) / max(b["elapsed_s"] - a["elapsed_s"], 1e-9)
                   for a, b in zip(rows, rows[1:])]
    panels = [("daemon RSS (MB)", [r["rss_kb"] / 1024 for r in rows], ""),
              ("daemon file descriptors", [r["fds"] for r in rows], ""),
              ("sockets in `tapstack sockets` (listeners included)", [r["sockets"] for r in rows], ""),
              ("daemon CPU (% of a core, per sample interval)", cpu, "%")]
    height = TOP + len(panels) * (H + GAP) + 20
    body = "".join(panel(TOP + i * (H + GAP), t, xs, ys, u) for i, (t, ys, u) in enumerate(panels))
    axis = (f'<text x="{LEFT}" y="{height - 8}" font-size="11">0 s</text>'
            f'<text x="{LEFT + W}" y="{height - 8}" font-size="11" text-anchor="end">{xs[-1]:.0f} s</text>')
    with open(sys.argv[2], "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + W + 20}" height="{height}" '
                f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>{body}{axis}</svg>\n')


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Markdown table comparing examples/bench (cairn) and torch_bench.py output.

Usage: python3 examples/bench/table.py results/<date>/cairn.jsonl results/<date>/torch.jsonl

One row per (workload, threads) present in both files: the median time per
step of each, the ratio cairn / PyTorch (below 1: cairn is faster), a mark
(†) where fewer than 5 samples were quiet (other processes used >= 0.3 CPU),
and the same ratio for the fastest samples (min_s), which a loaded machine
disturbs less than the median.
Standard library only.
"""
import json
import sys


def load(path):
    recs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if r.get("name", "_env") == "_env" or "median_s" not in r:
                continue
            recs[(r["name"], r["threads"])] = r
    return recs


def fmt(s):
    if s >= 1:
        return "%.2f s" % s
    if s >= 1e-3:
        return "%.3g ms" % (s * 1e3)
    return "%.3g µs" % (s * 1e6)


def main():
    cairn, torch = load(sys.argv[1]), load(sys.argv[2])
    names = []
    for name, _ in cairn:
        if name not in names:
            names.append(name)
    print("| workload | threads | cairn median | PyTorch median | cairn ÷ PyTorch (median) | cairn min | PyTorch min | cairn ÷ PyTorch (min) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        for t in sorted({t for n, t in cairn if n == name}):
            c, p = cairn.get((name, t)), torch.get((name, t))
            if c is None or p is None:
                continue
            mark = lambda r: "" if r.get("quiet_ok", True) else " †"
            print("| %s | %d | %s%s | %s%s | %.2f | %s | %s | %.2f |" % (
                name, t, fmt(c["median_s"]), mark(c), fmt(p["median_s"]), mark(p), c["median_s"] / p["median_s"],
                fmt(c["min_s"]), fmt(p["min_s"]), c["min_s"] / p["min_s"]))


if __name__ == "__main__":
    main()

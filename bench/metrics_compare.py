#!/usr/bin/python3
"""Pixel-level metrics: AnomalyEngine (managed CPU path, BenchmarkDotNet) vs scikit-learn 1.2.1
(AUROC + AP) and the reference AUPRO of tools/metrics_reference.py, on the same data.

    /usr/bin/python3 bench/metrics_compare.py [--sizes 10M,113M] [--out artifacts/bench/metrics]

Writes N x 256 x 256 float32 scores and uint8 masks (153 images = 10.0M pixels; 1725 images =
113.0M, the size of the MVTec AD test set at 256x256), times scikit-learn in this process, runs
the BenchmarkDotNet suite MetricsBenchmarks on the same files, and prints a Markdown table.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
from sklearn import metrics as skm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from metrics_reference import aupro  # noqa: E402

SIZES = {"10M": 153, "113M": 1725}


def make(folder, images, seed=7):
    """Ellipse defects on 40% of the images; scores = N(0,1) + 2.5 on defects, rounded to 1/256 (ties, like 8-bit maps)."""
    os.makedirs(folder, exist_ok=True)
    if os.path.exists(os.path.join(folder, "masks.npy")):
        return
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:256, 0:256]
    masks = np.zeros((images, 256, 256), np.uint8)
    for i in range(images):
        if rng.random() < 0.4:
            for _ in range(rng.integers(1, 4)):
                cx, cy, rx, ry = rng.integers(0, 256), rng.integers(0, 256), rng.integers(2, 40), rng.integers(2, 40)
                masks[i] |= (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1).astype(np.uint8)
    scores = np.empty(masks.shape, np.float32)
    for i in range(images):  # per image, to keep memory low
        s = rng.standard_normal((256, 256), dtype=np.float32) + np.float32(2.5) * masks[i]
        scores[i] = np.round(s * 256) / 256
    np.save(os.path.join(folder, "scores.npy"), scores)
    np.save(os.path.join(folder, "masks.npy"), masks)


def timed(fn, repeat):
    best, value = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10M,113M")
    ap.add_argument("--out", default=os.path.join(ROOT, "artifacts", "bench", "metrics"))
    ap.add_argument("--reuse-reference", action="store_true", help="reuse the scikit-learn timings saved by an earlier run")
    args = ap.parse_args()
    sizes = args.sizes.split(",")
    py = {}
    for name in sizes:
        folder = os.path.join(args.out, name)
        make(folder, SIZES[name])
        saved = os.path.join(folder, "python_values.json")
        if args.reuse_reference and os.path.exists(saved):
            py[name] = json.load(open(saved))
            continue
        scores = np.load(os.path.join(folder, "scores.npy"), mmap_mode="r")
        masks = np.load(os.path.join(folder, "masks.npy"), mmap_mode="r")
        s, l = np.asarray(scores).ravel(), np.asarray(masks).ravel().astype(bool)
        repeat = 3 if name == "10M" else 1
        t_auroc, auroc = timed(lambda: skm.roc_auc_score(l, s), repeat)
        t_ap, apv = timed(lambda: skm.average_precision_score(l, s), repeat)
        r = {"pixels": int(s.size), "auroc": auroc, "ap": apv, "t_auroc": t_auroc, "t_ap": t_ap}
        del s, l
        if name == "10M":
            r["t_aupro"], r["aupro"] = timed(lambda: aupro(list(np.asarray(scores)), [m.astype(bool) for m in masks], 0.3), 1)
        py[name] = r
        json.dump(r, open(saved, "w"))
        print(f"{name}: scikit-learn AUROC {t_auroc:.2f} s, AP {t_ap:.2f} s" + (f", reference AUPRO {r['t_aupro']:.2f} s" if "t_aupro" in r else ""), flush=True)

    env = dict(os.environ, AE_BENCH_DATA=args.out)
    cmd = ["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "bench", "AnomalyEngine.Bench"), "--",
           "--filter", "*MetricsBenchmarks*", "--exporters", "json"]
    log = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if log.returncode != 0:
        print(log.stdout[-4000:], log.stderr[-4000:])
        sys.exit(1)
    cs = {}
    for m in re.finditer(r"^\|\s*AddAndCompute\s*\|\s*(\S+)\s*\|\s*([\d.,]+)\s*(\w+)", log.stdout, re.M):
        value = float(m.group(2).replace(",", ""))
        cs[m.group(1)] = value * {"s": 1, "ms": 1e-3, "us": 1e-6}[m.group(3)]
    print("\n| pixels | scikit-learn AUROC + AP (s) | AnomalyEngine all metrics (s) | speed-up | reference AUPRO (s) | |AUROC diff| | |AP diff| | |AUPRO diff| |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in sizes:
        r = py[name]
        v = json.load(open(os.path.join(args.out, name, "csharp_values.json")))
        sk = r["t_auroc"] + r["t_ap"]
        t = cs.get(name, float("nan"))
        pro = f"{r['t_aupro']:.2f}" if "t_aupro" in r else "-"
        dpro = f"{abs(v['aupro'] - r['aupro']):.1e}" if "aupro" in r else "-"
        print(f"| {r['pixels']:,} | {sk:.2f} | {t:.2f} | {sk / t:.1f}x | {pro} | {abs(v['auroc'] - r['auroc']):.1e} | {abs(v['ap'] - r['ap']):.1e} | {dpro} |")


if __name__ == "__main__":
    main()

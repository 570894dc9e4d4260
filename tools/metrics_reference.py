#!/usr/bin/python3
"""Reference values for the metrics tests (tests/AnomalyEngine.Tests/Fixtures/metrics/).

AUROC, AP, the precision-recall curve (and from it the trapezoidal AUPR and F1-max) come from
scikit-learn; AUPRO comes from an implementation written here from the MVTec AD definition
(Bergmann et al., IJCV 2021; regions = 8-connected components of the ground truth found with
scipy.ndimage.label, mean per-region overlap vs FPR over all normal pixels, integrated up to the
FPR limit with linear interpolation at the limit, divided by the limit).

Inputs are not stored: they are regenerated from seeds with Philox4x32-10 (the engine's
generator, src/AnomalyEngine/Compute/Philox.cs), with integer formulas the C# tests repeat.

    /usr/bin/python3 tools/metrics_reference.py            # rewrite the fixtures
    /usr/bin/python3 tools/metrics_reference.py --check    # recompute and compare, write nothing
"""
import argparse
import json
import os
import sys

import numpy as np
from scipy import ndimage
from sklearn import metrics as skm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "AnomalyEngine.Tests", "Fixtures", "metrics")
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
M32 = np.uint64(0xFFFFFFFF)


# ---------------------------------------------------------------- Philox4x32-10 (vectorised)
def philox_block(c0, c1, c2, c3, k0, k1):
    c = [np.asarray(v, dtype=np.uint64) & M32 for v in (c0, c1, c2, c3)]
    c = np.broadcast_arrays(*c)
    c0, c1, c2, c3 = (v.copy() for v in c)
    k0, k1 = np.uint64(k0), np.uint64(k1)
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        n0 = (p1 >> np.uint64(32)) ^ c1 ^ k0
        n1 = p1 & M32
        n2 = (p0 >> np.uint64(32)) ^ c3 ^ k1
        n3 = p0 & M32
        c0, c1, c2, c3 = n0, n1, n2, n3
        k0 = (k0 + np.uint64(0x9E3779B9)) & M32
        k1 = (k1 + np.uint64(0xBB67AE85)) & M32
    return c0, c1, c2, c3


def bits64(seed, stream, step, element):
    """(hi, lo) words of Philox.Bits64(seed, stream, step, element) as uint64 arrays."""
    a, b, _, _ = philox_block(element, step, stream, 0x42495453, seed & 0xFFFFFFFF, seed >> 32)
    return a, b


# ---------------------------------------------------------------- deterministic inputs
def image_case(p):
    """Image-level scores with many ties: q = hi % levels (+ shift when anomalous), score = q / (levels + shift)."""
    hi, lo = bits64(p["seed"], 0, 0, np.arange(p["n"], dtype=np.uint64))
    labels = (lo % np.uint64(1000)) < np.uint64(p["positivePermille"])
    q = (hi % np.uint64(p["levels"])) + np.where(labels, np.uint64(p["shift"]), np.uint64(0))
    scores = q.astype(np.float32) / np.float32(p["levels"] + p["shift"])
    return scores, labels


def pixel_mask(p, k):
    w, h = p["width"], p["height"]
    count_hi, _ = bits64(p["seed"], 2, k, 0)
    count = int(count_hi) % (p["maxEllipses"] + 1)
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    mask = np.zeros((h, w), dtype=bool)
    for e in range(count):
        hi, lo = (int(v) for v in bits64(p["seed"], 1, k, e))
        cx, cy = hi % w, (hi >> 16) % h
        rx, ry = 1 + (lo >> 8 & 0xFF) % max(1, w // 4), 1 + (lo & 0xFF) % max(1, h // 4)
        mask |= (x - cx) ** 2 * ry * ry + (y - cy) ** 2 * rx * rx <= rx * rx * ry * ry
    return mask


def pixel_scores(p, k, mask):
    hi, _ = bits64(p["seed"], 0, k, np.arange(mask.size, dtype=np.uint64))
    q = (hi % np.uint64(p["levels"])) + np.where(mask.ravel(), np.uint64(p["shift"]), np.uint64(0))
    return (q.astype(np.float32) / np.float32(p["levels"] + p["shift"])).reshape(mask.shape)


def position_scores(mask, k):
    """Synthetic scores for real masks: ((7x + 13y + 31k) % 97 + 40 [anomalous]) / 137 in float32."""
    h, w = mask.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    q = (x * 7 + y * 13 + k * 31) % 97 + np.where(mask, 40, 0)
    return q.astype(np.float32) / np.float32(137)


# ---------------------------------------------------------------- metrics
def aupro(score_maps, masks, limit):
    """MVTec AUPRO: per-pixel FP and per-region overlap increments, cumulated over descending scores."""
    structure = np.ones((3, 3), dtype=int)  # 8-connectivity
    fp_inc, pro_inc = [], []
    normal, regions = 0, 0
    for m in masks:
        lab, n = ndimage.label(m, structure=structure)
        regions += n
        normal += int((lab == 0).sum())
        fp_inc.append((lab == 0).ravel().astype(np.float64))
        sizes = np.bincount(lab.ravel(), minlength=n + 1).astype(np.float64)
        w = np.where(lab > 0, 1.0 / sizes[lab], 0.0)
        pro_inc.append(w.ravel())
    if regions == 0 or normal == 0:
        return None
    s = np.concatenate([m.ravel() for m in score_maps])
    order = np.argsort(s, kind="stable")[::-1]
    s = s[order]
    fpr = np.cumsum(np.concatenate(fp_inc)[order]) / normal
    pro = np.cumsum(np.concatenate(pro_inc)[order]) / regions
    last = np.append(s[1:] != s[:-1], True)  # last sample of each distinct threshold
    fpr = np.concatenate([[0.0], fpr[last]])
    pro = np.concatenate([[0.0], pro[last]])
    area = 0.0
    for i in range(1, len(fpr)):
        if fpr[i] <= limit:
            area += 0.5 * (pro[i] + pro[i - 1]) * (fpr[i] - fpr[i - 1])
        else:
            y = pro[i - 1] + (pro[i] - pro[i - 1]) * (limit - fpr[i - 1]) / (fpr[i] - fpr[i - 1])
            area += 0.5 * (y + pro[i - 1]) * (limit - fpr[i - 1])
            break
    return area / limit


def binary_metrics(scores, labels):
    scores = np.asarray(scores, dtype=np.float32).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    pos, neg = int(labels.sum()), int((~labels).sum())
    out = {"positives": pos, "negatives": neg}
    out["auroc"] = float(skm.roc_auc_score(labels, scores)) if pos and neg else None
    if pos:
        out["ap"] = float(skm.average_precision_score(labels, scores))
        prec, rec, thr = skm.precision_recall_curve(labels, scores)
        out["auprTrapezoid"] = float(skm.auc(rec, prec))
        f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-300), 0.0)[:-1]
        best = len(f1) - 1 - int(np.argmax(f1[::-1]))  # the highest threshold among equal maxima
        out["f1Max"] = float(f1[best])
        out["f1Threshold"] = float(thr[best])
    else:
        out.update(ap=None, auprTrapezoid=None, f1Max=None, f1Threshold=None)
    return out


def pixel_metrics(score_maps, masks, limits=(0.3,)):
    out = binary_metrics(np.concatenate([s.ravel() for s in score_maps]), np.concatenate([m.ravel() for m in masks]))
    out["regions"] = int(sum(ndimage.label(m, structure=np.ones((3, 3), dtype=int))[1] for m in masks))
    out["aupro"] = {str(l): aupro(score_maps, masks, l) for l in limits}
    return out


# ---------------------------------------------------------------- fixtures
IMAGE_CASES = [
    dict(name="balanced_many_ties", seed=11, n=2000, levels=7, shift=2, positivePermille=500),
    dict(name="rare_positives", seed=12, n=5000, levels=100, shift=30, positivePermille=20),
    dict(name="all_tied", seed=13, n=300, levels=1, shift=0, positivePermille=300),
    dict(name="fine_scores", seed=14, n=20000, levels=1000000, shift=200000, positivePermille=150),
]
PIXEL_CASES = [
    dict(name="small_blobs_coarse", seed=21, images=6, width=40, height=30, maxEllipses=3, levels=16, shift=6),
    dict(name="many_images_fine", seed=22, images=20, width=64, height=48, maxEllipses=4, levels=5000, shift=1500),
    dict(name="odd_sizes_heavy_ties", seed=23, images=5, width=33, height=77, maxEllipses=2, levels=4, shift=1),
]
LIMITS = (0.3, 0.05, 1.0)


def random_fixture():
    cases = []
    for p in IMAGE_CASES:
        s, l = image_case(p)
        cases.append({"kind": "image", "params": p, "expected": binary_metrics(s, l)})
    for p in PIXEL_CASES:
        masks = [pixel_mask(p, k) for k in range(p["images"])]
        maps = [pixel_scores(p, k, m) for k, m in enumerate(masks)]
        cases.append({"kind": "pixel", "params": p, "expected": pixel_metrics(maps, masks, LIMITS)})
    return {"generator": "tools/metrics_reference.py", "cases": cases}


def hazelnut_fixture():
    from PIL import Image
    base = os.path.join(DATA, "hazelnut_toy", "hazelnut")
    if not os.path.isdir(base):
        return None
    items = [("good", f"test/good/{f}") for f in sorted(os.listdir(os.path.join(base, "test", "good")))]
    items += [("mask", f"ground_truth/colour/{f}") for f in sorted(os.listdir(os.path.join(base, "ground_truth", "colour")))]
    masks = []
    for kind, rel in items:
        im = Image.open(os.path.join(base, rel))
        if kind == "good":
            masks.append(np.zeros((im.size[1], im.size[0]), dtype=bool))
        else:
            masks.append(np.array(im.convert("L")) != 0)
    maps = [position_scores(m, k) for k, m in enumerate(masks)]
    pixel = pixel_metrics(maps, masks, LIMITS)
    image = binary_metrics([float(m.max()) for m in maps], [kind == "mask" for kind, _ in items])
    return {"generator": "tools/metrics_reference.py", "dataset": "hazelnut_toy/hazelnut",
            "scores": "((7x + 13y + 31k) % 97 + 40 if anomalous) / 137, float32; k = index in images; image score = max",
            "images": [{"kind": k, "path": r} for k, r in items],
            "pixel": pixel, "image": image}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="recompute and compare with the committed fixtures")
    args = ap.parse_args()
    outputs = {"random.json": random_fixture(), "hazelnut.json": hazelnut_fixture()}
    failed = False
    for name, value in outputs.items():
        path = os.path.join(FIXTURES, name)
        if value is None:
            print(f"{name}: ../shared/data/hazelnut_toy missing, skipped")
            continue
        text = json.dumps(value, indent=1, sort_keys=True) + "\n"
        if args.check:
            same = os.path.exists(path) and open(path).read() == text
            print(f"{name}: {'same' if same else 'DIFFERENT'}")
            failed |= not same
        else:
            os.makedirs(FIXTURES, exist_ok=True)
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)
            print(f"wrote {os.path.relpath(path, ROOT)} ({len(text)} bytes)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

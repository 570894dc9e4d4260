"""Read the procedural dataset written by `anomaly-engine synth-data` (or any MVTec layout).

Each item is (path, surface family, defect family or None for a normal image). With a
labels.csv at the root, its columns give the surface and defect per image; without one, the
MVTec layout does: <surface>/train/good and <surface>/test/good are normal, <surface>/test/<type>
holds defects of <type>.
"""
import csv
import os

import numpy as np
import torch
from PIL import Image

NORMAL_NAMES = {'', 'good', 'none', 'normal', 'ok'}
_IMAGE_EXT = ('.png', '.jpg', '.jpeg', '.bmp')


def _pick(header, *candidates):
    low = [h.strip().lower() for h in header]
    for c in candidates:
        if c in low:
            return low.index(c)
    return None


def _from_labels(root):
    path = os.path.join(root, 'labels.csv')
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f'{path} is empty')
    header = rows[0]
    fi = _pick(header, 'image', 'file', 'path', 'image_path', 'filename')
    si = _pick(header, 'surface', 'family', 'surface_family', 'category')
    di = _pick(header, 'defect', 'defect_family', 'defect_type', 'type', 'label')
    if fi is None or si is None or di is None:
        raise ValueError(f'{path}: need image, surface and defect columns, found {header}')
    items = []
    for r in rows[1:]:
        if not r:
            continue
        d = r[di].strip()
        p = r[fi].strip()
        items.append((p if os.path.isabs(p) else os.path.join(root, p), r[si].strip(),
                      None if d.lower() in NORMAL_NAMES else d))
    return items


def _from_layout(root):
    items = []
    for surface in sorted(os.listdir(root)):
        sdir = os.path.join(root, surface)
        if not os.path.isdir(sdir):
            continue
        for split in ('train', 'test'):
            base = os.path.join(sdir, split)
            if not os.path.isdir(base):
                continue
            for kind in sorted(os.listdir(base)):
                kdir = os.path.join(base, kind)
                for name in sorted(os.listdir(kdir)):
                    if name.lower().endswith(_IMAGE_EXT):
                        items.append((os.path.join(kdir, name), surface,
                                      None if kind.lower() in NORMAL_NAMES else kind))
    return items


def list_items(root):
    if not os.path.isdir(root):
        raise FileNotFoundError(f'dataset folder {root} does not exist: run anomaly-engine synth-data')
    items = _from_labels(root) if os.path.exists(os.path.join(root, 'labels.csv')) \
        else _from_layout(root)
    if not items:
        raise ValueError(f'no images found under {root}')
    return items


def load_images(paths, size):
    """uint8 tensor [N, 3, size, size]; images of another size are resized bicubically."""
    out = np.empty((len(paths), size, size, 3), dtype=np.uint8)
    for i, p in enumerate(paths):
        with Image.open(p) as im:
            im = im.convert('RGB')
            if im.size != (size, size):
                im = im.resize((size, size), Image.BICUBIC)
            out[i] = np.asarray(im)
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def to_unit(images_u8):
    """uint8 [0, 255] -> float [-1, 1]."""
    return images_u8.float() / 127.5 - 1.0


def save_grid(path, images, rows, labels=None):
    """images in [-1, 1], [N, 3, H, W] with N = rows * cols, row-major; PNG or JPEG by suffix."""
    n, _, h, w = images.shape
    cols = n // rows
    arr = ((images.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    grid = arr.reshape(rows, cols, h, w, 3).transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, 3)
    tmp = path + '.tmp' + os.path.splitext(path)[1]
    Image.fromarray(grid).save(tmp, quality=85) if path.endswith('.jpg') else \
        Image.fromarray(grid).save(tmp)
    os.replace(tmp, path)
    if labels is not None:
        with open(os.path.splitext(path)[0] + '.rows.txt', 'w') as f:
            f.write('\n'.join(labels) + '\n')

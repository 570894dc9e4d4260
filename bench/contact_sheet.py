#!/usr/bin/env python3
"""A contact sheet of generated anomalies: per row, one item of a `generate` output folder —
the source normal, the generated image with its box outlined in red, and the box mask.

    /usr/bin/python3 bench/contact_sheet.py OUT.png GENERATED_DIR [GENERATED_DIR ...] \
        [--per-defect 6] [--tile 192]

Reads each folder's manifest*.jsonl (source paths there are relative to the dataset given to
`generate --data`; pass that folder after the output as GENERATED_DIR=DATA_DIR). Writes OUT.png
(to artifacts/: the images derive from datasets that may not be redistributed).
"""
import argparse
import glob
import json
import os
from collections import defaultdict

from PIL import Image, ImageDraw


def outline(draw, mask, scale, colour=(255, 0, 0)):
    # The box mask's border pixels, scaled to the tile: rotated boxes come out as their real outline.
    w, h = mask.size
    px = mask.load()
    for y in range(h):
        for x in range(w):
            if px[x, y] > 127 and any(not (0 <= x + dx < w and 0 <= y + dy < h) or px[x + dx, y + dy] <= 127
                                      for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))):
                draw.point((x * scale[0], y * scale[1]), fill=colour)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('out')
    ap.add_argument('folders', nargs='+', help='GENERATED_DIR=DATA_DIR')
    ap.add_argument('--per-defect', type=int, default=6)
    ap.add_argument('--tile', type=int, default=192)
    args = ap.parse_args()
    rows = []
    for spec in args.folders:
        gen, data = spec.split('=', 1)
        by_defect = defaultdict(list)
        for manifest in sorted(glob.glob(os.path.join(gen, 'manifest*.jsonl'))):
            for line in open(manifest):
                if line.strip():
                    e = json.loads(line)
                    by_defect[e['defect']].append(e)
        for defect, entries in sorted(by_defect.items()):
            for e in entries[:args.per_defect]:
                rows.append((os.path.basename(data.rstrip('/')), defect, os.path.join(data, e['source']),
                             os.path.join(gen, e['image']), os.path.join(gen, e['mask'])))
    t = args.tile
    label_h = 14
    sheet = Image.new('RGB', (3 * t * 2, ((len(rows) + 1) // 2) * (t + label_h)), 'white')
    draw = ImageDraw.Draw(sheet)
    for i, (name, defect, src, img, mask) in enumerate(rows):
        x0, y0 = (i % 2) * 3 * t, (i // 2) * (t + label_h)
        draw.text((x0 + 2, y0 + 1), f'{name} / {defect}: normal | generated (box in red) | box mask', fill='black')
        m = Image.open(mask).convert('L')
        g = Image.open(img).convert('RGB')
        tiles = [Image.open(src).convert('RGB').resize((t, t), Image.BICUBIC), g.resize((t, t), Image.BICUBIC), m.resize((t, t), Image.NEAREST)]
        d = ImageDraw.Draw(tiles[1])
        small = m.resize((t, t), Image.NEAREST)
        outline(d, small, (1, 1))
        for k, tile in enumerate(tiles):
            sheet.paste(tile, (x0 + k * t, y0 + label_h))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp.png'
    sheet.save(tmp)
    os.replace(tmp, args.out)
    print(f'{args.out}: {len(rows)} items')


if __name__ == '__main__':
    main()

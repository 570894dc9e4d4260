"""Turn a training checkpoint into a bundle (docs/bundle-format.md), with parity fixtures, an
evaluation and a sample grid.

  /usr/bin/python3 -m ldm.export --checkpoint artifacts/pretrain-cpu/checkpoint.pt \
      --out models/default --id default-surfaces-v1
"""
import argparse
import json
import os
import time

import torch

from .bundle import write_bundle
from .data import save_grid
from .evaluate import evaluate, sample_grid
from .parity import write_fixtures
from .train import load_checkpoint


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--out', required=True, help='bundle folder to write')
    ap.add_argument('--id', default='default-surfaces-v1')
    ap.add_argument('--report', help='folder for eval.json and samples.png '
                                     '(default: beside the checkpoint)')
    ap.add_argument('--grid-jpeg', help='also write a small JPEG copy of the sample grid here')
    ap.add_argument('--no-eval', action='store_true')
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    ckpt, cfg, enc, dec, unet, vocab = load_checkpoint(args.checkpoint)
    report = args.report or os.path.dirname(os.path.abspath(args.checkpoint))
    os.makedirs(report, exist_ok=True)

    t0 = time.time()
    write_bundle(args.out, bundle_id=args.id, encoder=enc, decoder=dec, unet=unet, vocab=vocab,
                 scale_factor=ckpt['scale_factor'], image_size=cfg.image_size,
                 latent_channels=cfg.latent_channels, latent_size=cfg.image_size // 4)
    write_fixtures(os.path.join(args.out, 'parity'), args.out, encoder=enc, decoder=dec,
                   unet=unet, latent_shape=(cfg.latent_channels, cfg.image_size // 4,
                                            cfg.image_size // 4),
                   tokens=cfg.tokens, width=cfg.width, image_size=cfg.image_size)
    print(f'bundle written to {args.out} in {time.time() - t0:.0f} s')
    if args.no_eval:
        return
    result = {'stats': ckpt['stats'], 'scale_factor': ckpt['scale_factor'],
              'holdout': ckpt['holdout'], 'eval': evaluate(ckpt, enc, unet, vocab, cfg.image_size)}
    with open(os.path.join(report, 'eval.json'), 'w') as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result['eval'], indent=2))
    imgs, labels = sample_grid(ckpt, dec, unet, vocab)
    save_grid(os.path.join(report, 'samples.png'), imgs, len(labels), labels)
    if args.grid_jpeg:
        save_grid(args.grid_jpeg, imgs, len(labels), labels)
    print(f'samples: {os.path.join(report, "samples.png")} (rows: {", ".join(labels)})')


if __name__ == '__main__':
    main()

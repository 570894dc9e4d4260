"""Pretrain the autoencoder, then the conditional UNet and its token vocabulary, on the
procedural surfaces; write a checkpoint, a loss log (CSV) and an evaluation (JSON).

  /usr/bin/python3 -m ldm.train --data artifacts/synth --out artifacts/pretrain-cpu --config cpu

Each stage stops at its step cap or its wall-clock budget, whichever comes first (the steps
actually run are logged; pass --ae-steps/--unet-steps with a zero budget to repeat a run).
"""
import argparse
import csv
import dataclasses
import json
import os
import random
import time

import torch
import torch.nn.functional as F

from . import conditioning as cond
from .data import list_items, load_images, to_unit
from .models import Decoder, Encoder, UNet, count_params
from .schedule import alphas_cumprod, q_sample


@dataclasses.dataclass
class Config:
    name: str
    image_size: int = 64
    ae_channels: tuple = (32, 64)
    latent_channels: int = 4
    unet_channels: tuple = (32, 64)
    attn_inner: int = 32
    temb: int = 64
    tokens: int = 8
    width: int = 128
    ae_batch: int = 16
    ae_lr: float = 2e-3
    ae_steps: int = 3000
    ae_minutes: float = 8.0
    unet_batch: int = 32
    unet_lr: float = 1e-3
    unet_steps: int = 20000
    unet_minutes: float = 20.0
    ema: float = 0.999
    threads: int = 1
    device: str = 'cpu'
    seed: int = 1234
    validation_fraction: float = 0.05


CONFIGS = {
    # Fits the 2-core shared machine: about 30 minutes in all with one thread; 0.56M-parameter
    # UNet, 0.33M-parameter autoencoder, a bundle of about 3.4 MB (float16 weights).
    'cpu': Config('cpu'),
    # For a GPU (see tools/README.md): wider nets, many more steps; the bundle grows to ~12 MB.
    'gpu': Config('gpu', ae_channels=(64, 128), unet_channels=(64, 128), attn_inner=64, temb=128,
                  ae_batch=64, ae_steps=20000, ae_minutes=30, unet_batch=128, unet_steps=60000,
                  unet_minutes=90, unet_lr=5e-4, ema=0.9995, threads=8, device='cuda'),
    # Seconds: for tests of the whole pipeline.
    'smoke': Config('smoke', ae_channels=(8, 16), unet_channels=(16, 32), attn_inner=16,
                    temb=32, ae_batch=4, ae_steps=3, unet_batch=4, unet_steps=3, ema=0.5),
}


def build_models(cfg: Config, names):
    enc = Encoder(cfg.ae_channels, cfg.latent_channels)
    dec = Decoder(cfg.ae_channels, cfg.latent_channels)
    unet = UNet(cfg.latent_channels, cfg.unet_channels, cfg.width, cfg.attn_inner, cfg.temb)
    vocab = cond.Vocabulary(names, cfg.width, cfg.tokens)
    return enc, dec, unet, vocab


class _Log:
    def __init__(self, path):
        self.f = open(path, 'w', newline='')
        self.w = csv.writer(self.f)
        self.w.writerow(['stage', 'step', 'loss', 'lr', 'wall_s'])

    def row(self, *r):
        self.w.writerow(r)
        self.f.flush()


def _flip(x, g):
    """Random horizontal and vertical flips per item (textures have no preferred orientation)."""
    b = x.shape[0]
    h = torch.rand(b, generator=g) < 0.5
    v = torch.rand(b, generator=g) < 0.5
    x = torch.where(h[:, None, None, None], x.flip(3), x)
    return torch.where(v[:, None, None, None], x.flip(2), x)


def train_autoencoder(cfg, enc, dec, images_u8, log, say):
    dev = torch.device(cfg.device)
    enc.to(dev).train()
    dec.to(dev).train()
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.ae_lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(cfg.seed + 1)
    n = images_u8.shape[0]
    t0 = time.time()
    step, running = 0, None
    while step < cfg.ae_steps and (time.time() - t0) < cfg.ae_minutes * 60:
        idx = torch.randint(0, n, (cfg.ae_batch,), generator=g)
        x = _flip(to_unit(images_u8[idx]), g).to(dev)
        lr = cfg.ae_lr * min(1.0, (step + 1) / 100)
        for pg in opt.param_groups:
            pg['lr'] = lr
        z = enc(x)
        y = dec(z)
        # L1 + L2 reconstruction; a small pull of the latents towards 0 keeps their scale sane.
        loss = (y - x).abs().mean() + F.mse_loss(y, x) + 1e-4 * z.pow(2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 20 == 0 or step == 1:
            log.row('ae', step, f'{loss.item():.5f}', f'{lr:.2e}', f'{time.time() - t0:.1f}')
        if step % 200 == 0:
            say(f'ae step {step} loss {running:.4f} ({step / (time.time() - t0):.2f} steps/s)')
    enc.eval()
    dec.eval()
    return step, time.time() - t0, running


@torch.no_grad()
def encode_all(cfg, enc, images_u8, batch=64):
    """Posterior latents of every image and of its three flips, [4N, C, h, w]."""
    dev = torch.device(cfg.device)
    outs = []
    for flip in ((), (3,), (2,), (2, 3)):
        for i in range(0, images_u8.shape[0], batch):
            x = to_unit(images_u8[i:i + batch]).to(dev)
            outs.append(enc(x.flip(flip) if flip else x).cpu())
    return torch.cat(outs)


def _ema_update(ema_params, params, decay):
    with torch.no_grad():
        for e, p in zip(ema_params, params):
            e.mul_(decay).add_(p.detach(), alpha=1 - decay)


def train_unet(cfg, unet, vocab, latents, labels, scale, log, say):
    """latents: [4N] (four flips of N images); labels: N (surface, defect) pairs."""
    dev = torch.device(cfg.device)
    unet.to(dev).train()
    vocab.to(dev).train()
    ema_unet = [p.detach().clone() for p in unet.parameters()]
    ema_vocab = [p.detach().clone() for p in vocab.parameters()]
    params = list(unet.parameters()) + list(vocab.parameters())
    opt = torch.optim.AdamW([{'params': list(unet.parameters()), 'weight_decay': 0.01},
                             {'params': list(vocab.parameters()), 'weight_decay': 0.0}],
                            lr=cfg.unet_lr)
    abar = alphas_cumprod()
    g = torch.Generator().manual_seed(cfg.seed + 2)
    rng = random.Random(cfg.seed + 3)
    n = len(labels)
    t0 = time.time()
    step, running = 0, None
    while step < cfg.unet_steps and (time.time() - t0) < cfg.unet_minutes * 60:
        idx = torch.randint(0, latents.shape[0], (cfg.unet_batch,), generator=g)
        z0 = (latents[idx] * scale).to(dev)
        ids = torch.tensor([cond.training_ids(vocab, *labels[int(i) % n], rng) for i in idx])
        t = torch.randint(0, abar.shape[0], (cfg.unet_batch,), generator=g)
        eps = torch.randn(z0.shape, generator=g).to(dev)
        zt = q_sample(z0, t, eps, abar.to(dev))
        lr = cfg.unet_lr * min(1.0, (step + 1) / 200)
        for pg in opt.param_groups:
            pg['lr'] = lr
        pred = unet(zt, t.to(dev), vocab(ids.to(dev)))
        loss = F.mse_loss(pred, eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        decay = min(cfg.ema, (1 + step) / (10 + step))
        _ema_update(ema_unet, unet.parameters(), decay)
        _ema_update(ema_vocab, vocab.parameters(), decay)
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 20 == 0 or step == 1:
            log.row('unet', step, f'{loss.item():.5f}', f'{lr:.2e}', f'{time.time() - t0:.1f}')
        if step % 200 == 0:
            say(f'unet step {step} loss {running:.4f} ({step / (time.time() - t0):.2f} steps/s)')
    with torch.no_grad():
        for e, p in zip(ema_unet, unet.parameters()):
            p.copy_(e)
        for e, p in zip(ema_vocab, vocab.parameters()):
            p.copy_(e)
    unet.eval()
    vocab.eval()
    return step, time.time() - t0, running


def split_items(items, holdout, fraction, seed):
    """Training items, validation items (same families) and the held-out family's items."""
    held = [it for it in items if it[2] in holdout]
    rest = [it for it in items if it[2] not in holdout]
    rng = random.Random(seed)
    order = list(range(len(rest)))
    rng.shuffle(order)
    k = max(1, int(round(len(rest) * fraction))) if fraction > 0 else 0
    val = [rest[i] for i in sorted(order[:k])]
    train = [rest[i] for i in sorted(order[k:])]
    return train, val, held


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', required=True, help='folder written by anomaly-engine synth-data')
    ap.add_argument('--out', required=True, help='output folder (checkpoint, logs, samples)')
    ap.add_argument('--config', default='cpu', choices=sorted(CONFIGS))
    ap.add_argument('--holdout', default='crack',
                    help='defect families left out entirely (comma-separated)')
    ap.add_argument('--ae-steps', type=int)
    ap.add_argument('--ae-minutes', type=float)
    ap.add_argument('--unet-steps', type=int)
    ap.add_argument('--unet-minutes', type=float)
    args = ap.parse_args(argv)

    cfg = CONFIGS[args.config]
    for k in ('ae_steps', 'ae_minutes', 'unet_steps', 'unet_minutes'):
        if getattr(args, k) is not None:
            cfg = dataclasses.replace(cfg, **{k: getattr(args, k)})
    if cfg.device == 'cuda' and not torch.cuda.is_available():
        cfg = dataclasses.replace(cfg, device='cpu')
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    os.makedirs(args.out, exist_ok=True)
    say_file = open(os.path.join(args.out, 'train.log'), 'a')

    def say(msg):
        line = f'{time.strftime("%H:%M:%S")} {msg}'
        print(line, flush=True)
        say_file.write(line + '\n')
        say_file.flush()

    holdout = {h.strip() for h in args.holdout.split(',') if h.strip()}
    items = list_items(args.data)
    families = {it[2] for it in items if it[2]}
    missing = holdout - families
    if missing:
        raise SystemExit(f'--holdout {sorted(missing)} not among the defect families {sorted(families)}')
    train, val, held = split_items(items, holdout, cfg.validation_fraction, cfg.seed)
    surfaces = sorted({it[1] for it in items})
    defects = sorted(families - holdout)
    names = cond.vocabulary_names(surfaces, defects)
    say(f'config {cfg}')
    say(f'{len(train)} training, {len(val)} validation, {len(held)} held-out ({sorted(holdout)}) '
        f'images; surfaces {surfaces}; defects {defects}')

    enc, dec, unet, vocab = build_models(cfg, names)
    say(f'parameters: encoder {count_params(enc)}, decoder {count_params(dec)}, '
        f'unet {count_params(unet)}, vocabulary {count_params(vocab)}')
    images = load_images([it[0] for it in train], cfg.image_size)
    log = _Log(os.path.join(args.out, 'losses.csv'))
    t_start = time.time()
    ae_steps, ae_wall, ae_loss = train_autoencoder(cfg, enc, dec, images, log, say)
    say(f'autoencoder: {ae_steps} steps in {ae_wall:.0f} s, loss {ae_loss:.4f}')
    latents = encode_all(cfg, enc.to(cfg.device), images)
    scale = float(1.0 / latents.std())
    say(f'latent std {latents.std():.4f} -> scale_factor {scale:.5f}')
    labels = [(it[1], it[2]) for it in train]
    u_steps, u_wall, u_loss = train_unet(cfg, unet, vocab, latents, labels, scale, log, say)
    say(f'unet: {u_steps} steps in {u_wall:.0f} s, loss {u_loss:.4f}')

    for m in (enc, dec, unet, vocab):
        m.to('cpu')
    ckpt = {
        'config': dataclasses.asdict(cfg), 'names': names, 'scale_factor': scale,
        'holdout': sorted(holdout), 'surfaces': surfaces, 'defects': defects,
        'encoder': enc.state_dict(), 'decoder': dec.state_dict(), 'unet': unet.state_dict(),
        'vocab': vocab.state_dict(),
        'stats': {'ae_steps': ae_steps, 'ae_wall_s': ae_wall, 'ae_loss_ema': ae_loss,
                  'unet_steps': u_steps, 'unet_wall_s': u_wall, 'unet_loss_ema': u_loss,
                  'total_wall_s': time.time() - t_start, 'threads': cfg.threads,
                  'train_images': len(train), 'validation_images': len(val),
                  'heldout_images': len(held)},
        'splits': {'validation': [it[0] for it in val], 'heldout': [it[0] for it in held],
                   'validation_labels': [(it[1], it[2]) for it in val],
                   'heldout_labels': [(it[1], it[2]) for it in held]},
    }
    tmp = os.path.join(args.out, 'checkpoint.pt.tmp')
    torch.save(ckpt, tmp)
    os.replace(tmp, os.path.join(args.out, 'checkpoint.pt'))
    say(f'wrote {os.path.join(args.out, "checkpoint.pt")}')
    return ckpt


def load_checkpoint(path):
    ckpt = torch.load(path, map_location='cpu')
    cfg = Config(**{k: tuple(v) if isinstance(v, list) else v
                    for k, v in ckpt['config'].items()})
    enc, dec, unet, vocab = build_models(cfg, ckpt['names'])
    enc.load_state_dict(ckpt['encoder'])
    dec.load_state_dict(ckpt['decoder'])
    unet.load_state_dict(ckpt['unet'])
    vocab.load_state_dict(ckpt['vocab'])
    for m in (enc, dec, unet, vocab):
        m.eval()
    return ckpt, cfg, enc, dec, unet, vocab


if __name__ == '__main__':
    main()

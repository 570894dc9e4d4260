"""Quality of a trained prior: denoising loss against two trivial predictors, and samples.

Denoising loss: E ||eps - eps_hat(z_t, t, c)||^2 over fixed draws of t ~ U{0..999} and eps.
Trivial predictors on the same draws:
  zero:  eps_hat = 0, loss = E[eps^2] (about 1);
  prior: eps_hat = sqrt(1 - abar_t) z_t, the best predictor when z0 ~ N(0, I) (the scaled
         latents have unit variance), i.e. a model that knows nothing about the images.
"""
import torch

from . import conditioning as cond
from .data import load_images, to_unit
from .schedule import alphas_cumprod, ddim_sample, q_sample


@torch.no_grad()
def denoising_losses(unet, z0, ctx, draws=4, seed=7, batch=64):
    abar = alphas_cumprod()
    g = torch.Generator().manual_seed(seed)
    tot = {'model': 0.0, 'zero': 0.0, 'prior': 0.0}
    n = 0
    for _ in range(draws):
        for i in range(0, z0.shape[0], batch):
            z = z0[i:i + batch]
            c = ctx[i:i + batch]
            t = torch.randint(0, abar.shape[0], (z.shape[0],), generator=g)
            eps = torch.randn(z.shape, generator=g)
            zt = q_sample(z, t, eps, abar)
            a = abar[t].float().reshape(-1, 1, 1, 1)
            k = z.numel()
            tot['model'] += ((unet(zt, t, c) - eps) ** 2).sum().item()
            tot['zero'] += (eps ** 2).sum().item()
            tot['prior'] += (((1 - a).sqrt() * zt - eps) ** 2).sum().item()
            n += k
    return {k: v / n for k, v in tot.items()}


@torch.no_grad()
def evaluate(ckpt, enc, unet, vocab, image_size):
    scale = ckpt['scale_factor']
    out = {}
    for group in ('validation', 'heldout'):
        paths = ckpt['splits'][group]
        if not paths:
            continue
        imgs = load_images(paths, image_size)
        z0 = torch.cat([enc(to_unit(imgs[i:i + 64])) for i in range(0, len(paths), 64)]) * scale
        labs = ckpt['splits'].get(f'{group}_labels')
        rows = []
        for (surface, defect) in labs:
            if group == 'heldout' or defect is None:
                d_tok = cond.DEFECT if group == 'heldout' else cond.PAD
            else:
                d_tok = f'defect:{defect}'
            rows.append(vocab.ids(d_tok, f'surface:{surface}'))
        ctx = vocab(torch.tensor(rows))
        res = denoising_losses(unet, z0, ctx)
        res['model_unconditional'] = denoising_losses(
            unet, z0, vocab(torch.tensor([vocab.unconditional_ids()] * len(rows))))['model']
        res['images'] = len(paths)
        out[group] = res
    return out


def sample_rows(vocab, surfaces, defects):
    """(label, token ids) per grid row: unconditional, the bundle template, each surface (normal),
    each trained defect family alone, and generic `defect` on each surface."""
    rows = [('<uncond>', vocab.unconditional_ids()), ('template [defect]', vocab.template_ids())]
    rows += [(f'normal {s}', vocab.ids(cond.PAD, f'surface:{s}')) for s in surfaces]
    rows += [(f'defect:{d}', vocab.ids(f'defect:{d}', cond.PAD)) for d in defects]
    rows += [(f'defect on {s}', vocab.ids(cond.DEFECT, f'surface:{s}')) for s in surfaces]
    return rows


@torch.no_grad()
def sample_grid(ckpt, dec, unet, vocab, cols=8, guidance=3.0, steps=50, seed=11):
    rows = sample_rows(vocab, ckpt['surfaces'], ckpt['defects'])
    ids = torch.tensor([r[1] for r in rows for _ in range(cols)])
    c = vocab(ids)
    u = vocab(torch.tensor([vocab.unconditional_ids()] * ids.shape[0]))
    cfg = ckpt['config']
    lat = cfg['latent_channels']
    size = cfg['image_size'] // 4
    g = torch.Generator().manual_seed(seed)
    z = ddim_sample(unet, c, u, (ids.shape[0], lat, size, size), guidance=guidance, steps=steps,
                    generator=g)
    imgs = torch.cat([dec(z[i:i + 64] / ckpt['scale_factor']) for i in range(0, z.shape[0], 64)])
    return imgs, [r[0] for r in rows]

#!/usr/bin/env python3
"""The small UNet the diffusion benchmarks run, and the same sampler loop in PyTorch eager.

    /usr/bin/python3 bench/diffusion/torch_loop.py [--threads 2] [--batch 4] [--steps 50]

Writes artifacts/bench/unet.onnx (a randomly initialised conditional UNet: conv, GroupNorm, SiLU,
cross-attention; latents 4x16x16, context 8x128, dynamic batch; the bundle format's names) and
writes artifacts/bench/torch_loop_t<threads>.json with the PyTorch eager numbers for the AnoGen loop: per step, blend (q_sample outside the mask),
one UNet call on 2B rows (guidance), guidance and the DDIM update.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

C, H, T, D = 4, 16, 8, 128


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout)
        self.n2, self.c2 = nn.GroupNorm(8, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x))) + self.t(e)[:, :, None, None]
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class CrossAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.q = nn.GroupNorm(8, c), nn.Linear(c, c)
        self.k, self.v, self.o = nn.Linear(D, c), nn.Linear(D, c), nn.Linear(c, c)
        self.scale = 1.0 / math.sqrt(c)

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        q = self.q(self.norm(x).reshape(b, c, h * w).transpose(1, 2))
        a = torch.softmax(torch.bmm(q, self.k(ctx).transpose(1, 2)) * self.scale, dim=-1)
        out = self.o(torch.bmm(a, self.v(ctx))).transpose(1, 2).reshape(b, c, h, w)
        return x + out


class UNet(nn.Module):
    def __init__(self, ch=(32, 64), temb=128):
        super().__init__()
        self.temb = nn.Sequential(nn.Linear(32, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.inp = nn.Conv2d(C, ch[0], 3, padding=1)
        self.d1, self.a1 = ResBlock(ch[0], ch[0], temb), CrossAttention(ch[0])
        self.down = nn.Conv2d(ch[0], ch[0], 3, stride=2, padding=1)
        self.d2, self.a2 = ResBlock(ch[0], ch[1], temb), CrossAttention(ch[1])
        self.mid = ResBlock(ch[1], ch[1], temb)
        self.u1, self.ua = ResBlock(ch[1] + ch[0], ch[0], temb), CrossAttention(ch[0])
        self.out = nn.Sequential(nn.GroupNorm(8, ch[0]), nn.SiLU(), nn.Conv2d(ch[0], C, 3, padding=1))

    def forward(self, latent, timestep, context):
        half = 16
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        args = timestep.float()[:, None] * freqs[None]
        e = self.temb(torch.cat([torch.sin(args), torch.cos(args)], dim=1))
        h1 = self.a1(self.d1(self.inp(latent), e), context)
        h2 = self.a2(self.d2(self.down(h1), e), context)
        h2 = self.mid(h2, e)
        up = F.interpolate(h2, scale_factor=2.0, mode="nearest")
        h = self.ua(self.u1(torch.cat([up, h1], dim=1), e), context)
        return self.out(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--out", default="artifacts/bench")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = UNet().eval()
    params = sum(p.numel() for p in model.parameters())
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "unet.onnx")
    example = (torch.randn(2, C, H, H), torch.tensor([981, 981]), torch.randn(2, T, D))
    torch.onnx.export(model, example, path + ".tmp", input_names=["latent", "timestep", "context"],
                      output_names=["noise"], opset_version=14,
                      dynamic_axes={"latent": {0: "B"}, "timestep": {0: "B"}, "context": {0: "B"}, "noise": {0: "B"}})
    os.replace(path + ".tmp", path)

    # The loop: scaled-linear schedule, DDIM eta 0, leading timesteps + 1, guidance 10.
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    abar = torch.cumprod(1 - betas, 0)
    ts = [i * (1000 // a.steps) + 1 for i in reversed(range(a.steps))]
    B = a.batch
    ref = torch.randn(B, C, H, H)
    keep = torch.ones(B, 1, H, H)
    keep[:, :, 4:12, 4:12] = 0
    cond = torch.cat([torch.randn(B, T, D), torch.zeros(B, T, D)])
    with torch.no_grad():
        def run(measure_unet_only=False):
            z = torch.randn(B, C, H, H)
            unet_time = 0.0
            for i, t in enumerate(ts):
                at = abar[t].item()
                ap = abar[ts[i + 1]].item() if i + 1 < len(ts) else abar[0].item()
                z = keep * (at ** 0.5 * ref + (1 - at) ** 0.5 * torch.randn_like(ref)) + (1 - keep) * z
                x = torch.cat([z, z])
                tt = torch.full((2 * B,), t, dtype=torch.int64)
                s = time.perf_counter()
                eps = model(x, tt, cond)
                unet_time += time.perf_counter() - s
                c, u = eps[:B], eps[B:]
                e = u + 10.0 * (c - u)
                x0 = (z - (1 - at) ** 0.5 * e) / at ** 0.5
                z = ap ** 0.5 * x0 + (1 - ap) ** 0.5 * e
            return unet_time
        run()  # warm-up
        repeats = 3
        start = time.perf_counter()
        unet = sum(run() for _ in range(repeats))
        total = time.perf_counter() - start
    steps = repeats * a.steps
    result = {"command": "/usr/bin/python3 bench/diffusion/torch_loop.py " + f"--threads {a.threads} --batch {a.batch} --steps {a.steps}",
              "torch": torch.__version__, "threads": a.threads, "batch": B, "rows_per_call": 2 * B,
              "unet_parameters": params, "steps_per_s": steps / total, "ms_per_step": 1000 * total / steps,
              "unet_ms_per_step": 1000 * unet / steps,
              "host_overhead_fraction": (total - unet) / total}
    with open(os.path.join(a.out, f"torch_loop_t{a.threads}.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

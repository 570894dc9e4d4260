"""The autoencoder and the conditional UNet.

Both use only ops whose ONNX export and whose backward (for `unet_grad`) are known to work on
torch 1.13: Conv2d, GroupNorm, SiLU, Linear, batched matmul and softmax. Upsampling is a nearest
repeat written with expand + reshape (its backward is a plain sum) followed by a convolution.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F


def group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, channels), channels, eps=1e-5)


def upsample2x(x: torch.Tensor) -> torch.Tensor:
    """Nearest 2x upsampling as expand + reshape, so that its backward is a sum over the copies."""
    b, c, h, w = x.shape
    return x.reshape(b, c, h, 1, w, 1).expand(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-Conv twice with a residual, optionally shifted by a time embedding."""

    def __init__(self, cin: int, cout: int, temb: int = 0):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout) if temb else None
        self.norm2 = group_norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, t=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.temb is not None:
            h = h + self.temb(F.silu(t))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class CrossAttention(nn.Module):
    """Pixels attend to the T conditioning tokens: softmax(Q K^T / sqrt(d)) V, single head."""

    def __init__(self, channels: int, context_width: int, inner: int):
        super().__init__()
        self.norm = group_norm(channels)
        self.q = nn.Linear(channels, inner, bias=False)
        self.k = nn.Linear(context_width, inner, bias=False)
        self.v = nn.Linear(context_width, inner, bias=False)
        self.out = nn.Linear(inner, channels)
        self.scale = 1.0 / math.sqrt(inner)

    def forward(self, x, context):
        b, c, h, w = x.shape
        q = self.q(self.norm(x).reshape(b, c, h * w).transpose(1, 2))  # [B, hw, inner]
        k = self.k(context)  # [B, T, inner]
        v = self.v(context)
        attn = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * self.scale, dim=-1)
        o = self.out(torch.bmm(attn, v))  # [B, hw, C]
        return x + o.transpose(1, 2).reshape(b, c, h, w)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding (DDPM / LDM): [cos(t f_i), sin(t f_i)], f_i = 10000^(-i/(dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.to(torch.float32)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class UNet(nn.Module):
    """Two-level conditional UNet on 4x16x16 latents with cross-attention at every level."""

    def __init__(self, in_ch=4, ch=(48, 96), context_width=128, attn_inner=64, temb=128):
        super().__init__()
        c0, c1 = ch
        self.temb_dim = temb
        self.time = nn.Sequential(nn.Linear(temb, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(in_ch, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, temb)
        self.attn_d0 = CrossAttention(c0, context_width, attn_inner)
        self.pool0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.down1 = ResBlock(c0, c1, temb)
        self.attn_d1 = CrossAttention(c1, context_width, attn_inner)
        self.pool1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.mid1 = ResBlock(c1, c1, temb)
        self.attn_mid = CrossAttention(c1, context_width, attn_inner)
        self.mid2 = ResBlock(c1, c1, temb)
        self.upc1 = nn.Conv2d(c1, c1, 3, padding=1)
        self.up1 = ResBlock(2 * c1, c1, temb)
        self.attn_u1 = CrossAttention(c1, context_width, attn_inner)
        self.upc0 = nn.Conv2d(c1, c0, 3, padding=1)
        self.up0 = ResBlock(2 * c0, c0, temb)
        self.attn_u0 = CrossAttention(c0, context_width, attn_inner)
        self.norm_out = group_norm(c0)
        self.conv_out = nn.Conv2d(c0, in_ch, 3, padding=1)

    def forward(self, latent, timestep, context):
        t = self.time(timestep_embedding(timestep, self.temb_dim).to(latent.dtype))
        h0 = self.attn_d0(self.down0(self.conv_in(latent), t), context)  # 16x16
        h1 = self.attn_d1(self.down1(self.pool0(h0), t), context)  # 8x8
        m = self.pool1(h1)  # 4x4
        m = self.mid2(self.attn_mid(self.mid1(m, t), context), t)
        u1 = self.upc1(upsample2x(m))
        u1 = self.attn_u1(self.up1(torch.cat([u1, h1], dim=1), t), context)
        u0 = self.upc0(upsample2x(u1))
        u0 = self.attn_u0(self.up0(torch.cat([u0, h0], dim=1), t), context)
        return self.conv_out(F.silu(self.norm_out(u0)))


class Encoder(nn.Module):
    """64x64x3 image in [-1, 1] -> 16x16x4 latent (f = 4): most work happens at 32x32 and 16x16."""

    def __init__(self, ch=(32, 64), latent=4):
        super().__init__()
        c0, c1 = ch
        self.conv_in = nn.Conv2d(3, c0, 3, padding=1)
        self.down0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.res0 = ResBlock(c0, c1)
        self.down1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.res1 = ResBlock(c1, c1)
        self.norm_out = group_norm(c1)
        self.conv_out = nn.Conv2d(c1, latent, 3, padding=1)

    def forward(self, image):
        h = self.res0(self.down0(F.silu(self.conv_in(image))))
        h = self.res1(self.down1(h))
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    """16x16x4 latent -> 64x64x3 image in [-1, 1]."""

    def __init__(self, ch=(32, 64), latent=4):
        super().__init__()
        c0, c1 = ch
        self.conv_in = nn.Conv2d(latent, c1, 3, padding=1)
        self.res0 = ResBlock(c1, c1)
        self.upc1 = nn.Conv2d(c1, c1, 3, padding=1)
        self.res1 = ResBlock(c1, c0)
        self.upc0 = nn.Conv2d(c0, c0, 3, padding=1)
        self.norm_out = group_norm(c0)
        self.conv_out = nn.Conv2d(c0, 3, 3, padding=1)

    def forward(self, latent):
        h = self.res0(self.conv_in(latent))
        h = self.res1(self.upc1(upsample2x(h)))
        h = self.upc0(upsample2x(h))
        return torch.tanh(self.conv_out(F.silu(self.norm_out(h))))


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())

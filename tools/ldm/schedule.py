"""The noise schedule written into the manifest (LDM / Stable Diffusion 1.x defaults)."""
import torch

TRAIN_STEPS = 1000
BETA_START, BETA_END = 0.00085, 0.012


def alphas_cumprod(steps=TRAIN_STEPS, beta_start=BETA_START, beta_end=BETA_END):
    """scaled_linear: betas = linspace(sqrt(b0), sqrt(b1), T)^2; abar_t = prod_{s<=t} (1 - beta_s)."""
    betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, steps, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0)


def q_sample(z0, t, eps, abar):
    """z_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps."""
    a = abar[t].to(z0.dtype).reshape(-1, 1, 1, 1)
    return a.sqrt() * z0 + (1 - a).sqrt() * eps


@torch.no_grad()
def ddim_sample(unet, cond, uncond, shape, guidance=3.0, steps=50, generator=None, abar=None):
    """Deterministic DDIM (eta = 0) with classifier-free guidance, t = 981, 961, ..., 1 for 50
    steps as in the LDM reference: eps = eps_u + s (eps_c - eps_u);
    z0 = (z - sqrt(1-a) eps) / sqrt(a); z' = sqrt(a') z0 + sqrt(1-a') eps."""
    abar = alphas_cumprod() if abar is None else abar
    z = torch.randn(shape, generator=generator)
    stride = TRAIN_STEPS // steps
    ts = list(range(TRAIN_STEPS - stride + 1, 0, -stride))
    b = shape[0]
    for i, t in enumerate(ts):
        tt = torch.full((b,), t, dtype=torch.long)
        e_c = unet(z, tt, cond)
        e_u = unet(z, tt, uncond)
        eps = e_u + guidance * (e_c - e_u)
        a = abar[t].float()
        a_prev = abar[ts[i + 1]].float() if i + 1 < len(ts) else torch.tensor(1.0)
        z0 = (z - (1 - a).sqrt() * eps) / a.sqrt()
        z = a_prev.sqrt() * z0 + (1 - a_prev).sqrt() * eps
    return z

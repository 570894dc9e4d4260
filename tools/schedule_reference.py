#!/usr/bin/env python3
"""Reference numbers for the C# noise schedules and step rules, computed with torch in float64.

Writes tests/AnomalyEngine.Tests/Fixtures/schedule-reference.json (run from the repository root):
    /usr/bin/python3 tools/schedule_reference.py
The formulas follow diffusers' DDIMScheduler / DDPMScheduler written out step by step
(predict x0 and eps, then combine), not the linear coefficients the engine uses.
"""
import json
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
T = 1000
PROBE = [0, 1, 2, 10, 99, 250, 500, 749, 981, 998, 999]


def betas(kind, start=0.00085, end=0.012):
    if kind == "linear":
        return torch.linspace(start, end, T)
    if kind == "scaled_linear":
        return torch.linspace(start ** 0.5, end ** 0.5, T) ** 2
    if kind == "squaredcos_cap_v2":
        f = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        return torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)])
    raise ValueError(kind)


def split(model, sample, abar, prediction):
    """(x0_hat, eps_hat) from the model output."""
    if prediction == "epsilon":
        eps = model
        x0 = (sample - (1 - abar) ** 0.5 * eps) / abar ** 0.5
    else:
        x0 = abar ** 0.5 * sample - (1 - abar) ** 0.5 * model
        eps = abar ** 0.5 * model + (1 - abar) ** 0.5 * sample
    return x0, eps


def ddim(ac, t, prev, sample, model, noise, eta, prediction):
    at = ac[t]
    ap = ac[prev] if prev >= 0 else ac[0]  # CompVis: the final step goes to abar_0
    x0, eps = split(model, sample, at, prediction)
    sigma = eta * ((1 - ap) / (1 - at)) ** 0.5 * (1 - at / ap) ** 0.5
    return ap ** 0.5 * x0 + (1 - ap - sigma ** 2) ** 0.5 * eps + sigma * noise


def ddpm(ac, t, prev, sample, model, noise, prediction):
    at = ac[t]
    ap = ac[prev] if prev >= 0 else torch.tensor(1.0)
    x0, _ = split(model, sample, at, prediction)
    alpha = at / ap
    beta = 1 - alpha
    mean = ap ** 0.5 * beta / (1 - at) * x0 + alpha ** 0.5 * (1 - ap) / (1 - at) * sample
    var = (1 - ap) / (1 - at) * beta
    return mean + var ** 0.5 * noise


def main():
    out = {"command": "/usr/bin/python3 tools/schedule_reference.py", "torch": torch.__version__,
           "dtype": "float64", "train_steps": T, "probe": PROBE, "schedules": {}}
    for kind in ["linear", "scaled_linear", "squaredcos_cap_v2"]:
        b = betas(kind)
        ac = torch.cumprod(1 - b, 0)
        out["schedules"][kind] = {"betas": [b[i].item() for i in PROBE],
                                  "alphas_cumprod": [ac[i].item() for i in PROBE]}
    out["timesteps_50_of_1000"] = (torch.arange(0, 50) * (T // 50) + 1).flip(0).tolist()
    out["timesteps_7_of_1000"] = (torch.arange(0, 7) * (T // 7) + 1).flip(0).tolist()

    ac = torch.cumprod(1 - betas("scaled_linear"), 0)
    sample, model, noise = torch.tensor(0.7), torch.tensor(-0.3), torch.tensor(1.1)
    steps = []
    for (t, prev) in [(981, 961), (501, 481), (21, 1), (1, -1), (999, 0)]:
        for prediction in ["epsilon", "v_prediction"]:
            for eta in [0.0, 0.5, 1.0]:
                steps.append({"rule": "ddim", "t": t, "prev": prev, "eta": eta, "prediction": prediction,
                              "value": ddim(ac, t, prev, sample, model, noise, eta, prediction).item()})
            steps.append({"rule": "ddpm", "t": t, "prev": prev, "eta": 0.0, "prediction": prediction,
                          "value": ddpm(ac, t, prev, sample, model, noise, prediction).item()})
    out["steps"] = {"schedule": "scaled_linear", "sample": 0.7, "model": -0.3, "noise": 1.1, "cases": steps}
    out["q_sample"] = [{"t": t, "x0": 0.4, "noise": -1.3,
                        "value": (ac[t] ** 0.5 * 0.4 + (1 - ac[t]) ** 0.5 * -1.3).item()} for t in [0, 500, 999]]

    path = "tests/AnomalyEngine.Tests/Fixtures/schedule-reference.json"
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    import os
    os.replace(path + ".tmp", path)
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

# Reference AdamW trajectory (torch.optim.AdamW, float64) for the engine's AdamW kernel.
# Run: /usr/bin/python3 tools/adamw_reference.py > tests/AnomalyEngine.Tests/Fixtures/embedding/adamw.json
import json, math, torch

torch.manual_seed(0)
p = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.0, 3.5], dtype=torch.float64))
opt = torch.optim.AdamW([p], lr=2e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
grads, params = [], []
for step in range(1, 6):
    # Deterministic gradients from a formula the C# test recomputes.
    g = torch.tensor([math.sin(step + i) * (i + 1) for i in range(5)], dtype=torch.float64)
    p.grad = g.clone()
    opt.step()
    params.append(p.detach().tolist())
print(json.dumps({"lr": 2e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01,
                  "initial": [0.5, -1.25, 2.0, 0.0, 3.5], "params": params}))

"""torchmetrics on the same card and data as metrics-gpu-check: binary AUROC + AP, median of 5 after a warm-up."""
import json
import sys
import time

import numpy as np
import torch
from torchmetrics.functional.classification import binary_auroc, binary_average_precision

out = sys.argv[1]
s = torch.from_numpy(np.load(f"{out}/scores.npy")).cuda()
t = torch.from_numpy(np.load(f"{out}/masks.npy").astype(np.int64)).cuda()
times, res = [], None
for rep in range(6):
    torch.cuda.synchronize(); t0 = time.perf_counter()
    res = (binary_auroc(s, t, thresholds=None).item(), binary_average_precision(s, t, thresholds=None).item())
    torch.cuda.synchronize(); times.append(time.perf_counter() - t0)
times = sorted(times[1:])
r = {"device": torch.cuda.get_device_name(), "auroc": res[0], "ap": res[1], "torchmetrics_s": times[len(times) // 2]}
json.dump(r, open(f"{out}/torch.json", "w"))
print(json.dumps(r))

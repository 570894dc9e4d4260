#!/usr/bin/env bash
# Side by side: the AnoGen sampler step in PyTorch eager vs this engine (ONNX Runtime graph call +
# host loops), on the same small UNet, the same machine and the same thread counts (1 and 2).
# Run from the repository root after ./build.sh (libaenative must exist):
#   bench/diffusion/compare.sh [STEPS]      (PyTorch loop length, default 10)
# Writes artifacts/bench/{torch_loop_t1.json,torch_loop_t2.json,diffusion-step.log} and prints a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-10}
for t in 1 2; do
  /usr/bin/python3 bench/diffusion/torch_loop.py --threads "$t" --batch 4 --steps "$STEPS" >/dev/null 2>&1
done
dotnet build bench/AnomalyEngine.Bench -c Release -v q -clp:ErrorsOnly >/dev/null
dotnet run -c Release --no-build --project bench/AnomalyEngine.Bench -- --filter '*DiffusionStep*' > artifacts/bench/diffusion-step.log 2>&1
/usr/bin/python3 - <<'PY'
import json, re
rows = {}
for line in open("artifacts/bench/diffusion-step.log"):
    m = re.match(r"\|\s*(HostOnly|GraphCall|FullStep)\s*\|\s*(\d+)\s*\|\s*([\d,.]+) (us|ms)", line)
    if m:
        v = float(m.group(3).replace(",", ""))
        rows[(m.group(1), int(m.group(2)))] = v / 1000 if m.group(4) == "us" else v
print("| loop | threads | UNet call (ms) | rest of the step (ms) | step (ms) | steps/s | rest / step |")
print("|---|---:|---:|---:|---:|---:|---:|")
for threads in (1, 2):
    t = json.load(open(f"artifacts/bench/torch_loop_t{threads}.json"))
    tu, ts = t["unet_ms_per_step"], t["ms_per_step"]
    print(f"| PyTorch eager {t['torch']} | {threads} | {tu:.1f} | {ts - tu:.2f} | {ts:.1f} | {1000 / ts:.2f} | {(ts - tu) / ts:.2%} |")
    host, graph = rows[("HostOnly", threads)], rows[("GraphCall", threads)]
    ours = host + graph
    print(f"| AnomalyEngine (ONNX Runtime + host loops) | {threads} | {graph:.1f} | {host:.2f} | {ours:.1f} | {1000 / ours:.2f} | {host / ours:.2%} |")
PY

#!/usr/bin/env bash
# GPU check of the metrics (see GPU.md): CUDA vs managed CPU parity and timing, and torchmetrics
# on the same card and data. Two steps:
#   bench/metrics_gpu_check.sh publish            # on a machine with .NET: self-contained build into artifacts/gpu-check/metrics
#   bench/metrics_gpu_check.sh run <log-dir> [pixels]   # on the GPU machine (needs the published folder, torch, torchmetrics)
set -euo pipefail
cd "$(dirname "$0")/.."
PUB=artifacts/gpu-check/metrics
case "${1:-}" in
  publish)
    dotnet publish bench/MetricsGpuCheck -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -o "$PUB" --nologo -v q
    cp bench/MetricsGpuCheck/torch_reference.py "$PUB/" ;;
  run)
    LOG=${2:?log dir}; PIXELS=${3:-113000000}; mkdir -p "$LOG"
    nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$LOG/gpu.txt"
    "$PUB/metrics-gpu-check" "$PIXELS" "$LOG" 2>&1 | tee "$LOG/csharp.log"
    python3 "$PUB/torch_reference.py" "$LOG" 2>&1 | tee "$LOG/torch.log"
    python3 - "$LOG" <<'PY'
import json, sys
d = sys.argv[1]; c = json.load(open(f"{d}/csharp.json")); t = json.load(open(f"{d}/torch.json"))
print(f"| card | pixels | CPU path (s) | CUDA path (s) | torchmetrics AUROC+AP (s) | CUDA = CPU | |AUROC - torch| | |AP - torch| |")
print("|---|---:|---:|---:|---:|---|---:|---:|")
print(f"| {t['device']} | {c['pixels']:,} | {c['cpu_s']:.3f} | {c['cuda_s']:.3f} | {t['torchmetrics_s']:.3f} | {c['identical']} | {abs(c['auroc_cuda'] - t['auroc']):.1e} | {abs(c['ap_cuda'] - t['ap']):.1e} |")
PY
    rm -f "$LOG/scores.npy" "$LOG/masks.npy" ;;
  *) echo "usage: bench/metrics_gpu_check.sh publish | run <log-dir> [pixels]" >&2; exit 2 ;;
esac

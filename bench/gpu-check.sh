#!/usr/bin/env bash
# The GPU check (see GPU.md), in two steps:
#   bench/gpu-check.sh publish              # on a machine with .NET: self-contained trimmed checker into artifacts/gpu-check/app
#   bench/gpu-check.sh run <log-dir> [pixels]   # on the GPU machine: needs only the published folder, the NVIDIA
#                                           # driver, and (for the reference column) python3 with torch + torchmetrics
# The run checks every diffusion kernel (q_sample, blend, guided step, mask resize, paste-back) and the
# pixel metrics on CUDA against the CPU path on the same Philox data, times both (warm-up, median),
# runs torchmetrics AUROC/AP on the same card and data, prints one table and writes the logs to <log-dir>.
set -euo pipefail
cd "$(dirname "$0")/.."
PUB=artifacts/gpu-check/app
case "${1:-}" in
  publish)
    # linux-x64, self-contained and trimmed: set in bench/GpuCheck/GpuCheck.csproj.
    dotnet publish bench/GpuCheck -c Release -o "$PUB" --nologo -v q
    rm -f "$PUB/libonnxruntime.so.1" "$PUB/libaenative.so"   # no graphs run here: 29 MB less to carry
    cp bench/MetricsGpuCheck/torch_reference.py "$PUB/"
    cp bench/gpu-check.sh "$PUB/"
    du -sh "$PUB" ;;
  run)
    LOG=${2:?log dir}; PIXELS=${3:-20000000}; mkdir -p "$LOG"
    [ -x "$PUB/gpu-check" ] || PUB=$(dirname "$0")   # the script also runs from inside the published folder
    { date -u; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; } | tee "$LOG/gpu.txt"
    "$PUB/gpu-check" "$LOG" "$PIXELS" 2> "$LOG/gpu-check.log"
    if python3 -c 'import torch, torchmetrics' 2>/dev/null; then
      python3 "$PUB/torch_reference.py" "$LOG" > "$LOG/torch.log" 2>&1
      python3 - "$LOG" <<'PY'
import json, sys
d = sys.argv[1]; c = json.load(open(f"{d}/gpu-check.json")); t = json.load(open(f"{d}/torch.json"))
print(f"| torchmetrics on {t['device']} | AUROC {t['auroc']:.6f} (|diff| {abs(c['auroc_cuda'] - t['auroc']):.1e}) | AP {t['ap']:.6f} (|diff| {abs(c['ap_cuda'] - t['ap']):.1e}) | {t['torchmetrics_s'] * 1000:.1f} ms |")
PY
    else
      echo "(torch/torchmetrics not importable: reference column skipped)"
    fi
    rm -f "$LOG/scores.npy" "$LOG/masks.npy" ;;
  *) echo "usage: bench/gpu-check.sh publish | run <log-dir> [pixels]" >&2; exit 2 ;;
esac

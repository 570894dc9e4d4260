#!/usr/bin/env bash
# The paper's stage-3 experiment on one MVTec-layout category, end to end:
#   1. learn one embedding per defect type (stage 1; support images drawn with the seed),
#   2. generate anomalies on the training normals (stage 2),
#   3. detectors A, B (Perlin only), B (generated only), B (Perlin + generated), all scored on the
#      test split without the support images (bench/DetectionExperiment --exclude-support).
#
# Usage: bench/detection_experiment.sh <category dir> <work dir> [DetectionExperiment options...]
# Environment (defaults in brackets):
#   LEARN_STEPS [400]   stage-1 optimisation steps per defect type (AnoGen: 6100)
#   SHOTS [3]  SEED [0]
#   GEN_LIMIT [100]     normal images used for generation (first N, sorted)
#   GEN_BOXES [1] GEN_SAMPLES [1] GEN_STEPS [50]   boxes per image and defect, samples per box, sampling steps
#   REGION [foreground] foreground (objects) | whole (textures)
#   BUNDLE []           diffusion bundle folder; empty: the default bundle beside anomaly-engine
#   AE [src/AnomalyEngine.Cli/bin/Release/net10.0/anomaly-engine.dll]
#   EXP [bench/DetectionExperiment/bin/Release/net10.0/DetectionExperiment.dll]
#   ARMS [ABGM]         the detectors to run (see bench/DetectionExperiment/Program.cs)
# The work dir receives embeddings/, generated/ and the logs; it holds images derived from the
# data set, so keep it under artifacts/ (never commit it).
set -euo pipefail
if [ $# -lt 2 ]; then sed -n 2,20p "$0"; exit 2; fi
DATA=$1; WORK=$2; shift 2
LEARN_STEPS=${LEARN_STEPS:-400}; SHOTS=${SHOTS:-3}; SEED=${SEED:-0}
GEN_LIMIT=${GEN_LIMIT:-100}; GEN_BOXES=${GEN_BOXES:-1}; GEN_SAMPLES=${GEN_SAMPLES:-1}; GEN_STEPS=${GEN_STEPS:-50}
REGION=${REGION:-foreground}; ARMS=${ARMS:-ABGM}
AE=${AE:-src/AnomalyEngine.Cli/bin/Release/net10.0/anomaly-engine.dll}
EXP=${EXP:-bench/DetectionExperiment/bin/Release/net10.0/DetectionExperiment.dll}
bundle=(); [ -n "${BUNDLE:-}" ] && bundle=(--bundle "$BUNDLE")
mkdir -p "$WORK/embeddings"

t0=$SECONDS
for dir in "$DATA"/test/*/; do
  defect=$(basename "$dir")
  [ "$defect" = good ] && continue
  if [ -f "$WORK/embeddings/$defect.embedding.json" ]; then echo "== $defect: embedding exists"; continue; fi
  # A support draw can pick an image whose mask is empty (some data sets label whole images, e.g.
  # magnetic_tile's uneven); learn then exits with 3 and the draw is repeated with the next seeds.
  learned=0
  for s in "$SEED" $((SEED + 1)) $((SEED + 2)) $((SEED + 3)); do
    echo "== learn $defect (support draw seed $s)"
    rc=0
    dotnet "$AE" learn "${bundle[@]}" --data "$DATA" --defect "$defect" --shots "$SHOTS" --seed "$s" \
      --steps "$LEARN_STEPS" --out "$WORK/embeddings" </dev/null > "$WORK/learn-$defect.log" 2>&1 || rc=$?
    tail -n 3 "$WORK/learn-$defect.log"
    if [ $rc -eq 0 ]; then learned=1; break; fi
    [ $rc -eq 3 ] || exit $rc
  done
  [ $learned = 1 ] || { echo "no usable support draw for $defect" >&2; exit 3; }
done
echo "learn: $((SECONDS - t0)) s"

t1=$SECONDS
if [ ! -f "$WORK/generated/manifest.jsonl" ]; then
  echo "== generate"
  dotnet "$AE" generate "${bundle[@]}" --data "$DATA" --embeddings "$WORK/embeddings" --out "$WORK/generated" \
    --limit "$GEN_LIMIT" --boxes "$GEN_BOXES" --samples "$GEN_SAMPLES" --steps "$GEN_STEPS" --region "$REGION" \
    --seed "$SEED" </dev/null | tail -n 3
fi
echo "generate: $((SECONDS - t1)) s ($(wc -l < "$WORK/generated/manifest.jsonl") images)"

t2=$SECONDS
dotnet "$EXP" "$DATA" --exclude-support "$WORK/embeddings" --generated "$WORK/generated" --only "$ARMS" --seed "$SEED" "$@"
echo "detectors: $((SECONDS - t2)) s; total $((SECONDS - t0)) s"

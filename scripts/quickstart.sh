#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job on built-in defaults:
# a tokenizer and a tiny model made from nothing, GRPO on the built-in box-stacking task, and an HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
GRPO=./build/grpo
RUN=${RUN:-runs/quickstart}
mkdir -p "$RUN"
echo "== 1. generate problems and train a tokenizer on them"
$GRPO -q data generate box_stacking --n 2000 --seed 1 --out "$RUN/corpus.jsonl"
$GRPO -q tokenizer train --data "$RUN/corpus.jsonl" --fields question,answer --vocab-size 200 \
  --out "$RUN/model/tokenizer.model"
echo "== 2. a tiny random model"
$GRPO -q init "$RUN/model" --preset tiny --tokenizer "$RUN/model/tokenizer.model" --force
$GRPO -q info "$RUN/model"
echo "== 3. GRPO on box stacking (rewards only)"
$GRPO train --model "$RUN/model" --data task:box_stacking --output-dir "$RUN/train" --max-steps "${STEPS:-20}" \
  --questions-per-step 8 -G 8 --max-completion-length 48 --learning-rate 1e-3 --eval-size 32 --eval-k 2
echo "== 4. what the model wrote, and the report"
$GRPO logs "$RUN/train" | tail -n 25
$GRPO report "$RUN/train" -o "$RUN/report.html"
echo "report: $RUN/report.html"

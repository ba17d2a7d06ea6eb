#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job: R1-Zero in miniature
# on box stacking (scripts/demo.sh): a corpus, a tokenizer and a small base model made from nothing, an
# evaluation, GRPO with rule-based rewards only, the evaluation again side by side, and an HTML report.
#   bash scripts/quickstart.sh            # the full demo (under 20 minutes on 2 cores)
#   bash scripts/quickstart.sh --quick    # about 3 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
GRPO=./build/grpo bash scripts/demo.sh "$@"

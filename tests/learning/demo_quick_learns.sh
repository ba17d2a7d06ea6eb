#!/usr/bin/env bash
# Opt-in learning test (ctest -L learning, after cmake -DGRPO_LEARNING_TESTS=ON): runs the README's quick demo
# end to end and checks that GRPO learned: held-out greedy accuracy rises, the training reward rises from the
# first to the last fifth of the steps, format compliance stays >= 0.95, and the HTML report is written.
# Usage: demo_quick_learns.sh GRPO_EXECUTABLE   (about 2 minutes on 2 quiet cores)
set -euo pipefail
GRPO_BIN=${1:?usage: demo_quick_learns.sh path/to/grpo}
SOURCE_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
RUN_DIR=$(mktemp -d /tmp/grpo-demo-test-XXXXXX)
trap 'rm -rf "$RUN_DIR"' EXIT

GRPO="$GRPO_BIN" RUN="$RUN_DIR" bash "$SOURCE_DIR/scripts/demo.sh" --quick | tee "$RUN_DIR/demo.log"

figure() {  # FILE LABEL -> the number after the label
  sed -n "s/^  $2 *\([0-9.]*\)$/\1/p" "$1" | head -n 1
}
before=$(figure "$RUN_DIR/eval-before.txt" "greedy accuracy")
after=$(figure "$RUN_DIR/eval-after.txt" "greedy accuracy")
format_after=$(figure "$RUN_DIR/eval-after.txt" "format rate (greedy)")
trend=$(grep -E '^  steps 1-[0-9]+: reward' "$RUN_DIR/demo.log")
first_reward=$(sed -E 's/^  steps 1-[0-9]+: reward ([0-9.]+).*/\1/' <<<"$trend")
last_reward=$(sed -E 's/.*->   steps [0-9]+-[0-9]+: reward ([0-9.]+).*/\1/' <<<"$trend")

failures=0
check() {  # DESCRIPTION AWK-CONDITION
  if awk "BEGIN { exit !($2) }"; then
    echo "ok: $1"
  else
    echo "FAILED: $1" >&2
    failures=$((failures + 1))
  fi
}
echo
check "held-out greedy accuracy rises ($before -> $after)" "$after > $before"
check "training reward rises ($first_reward -> $last_reward)" "$last_reward > $first_reward"
check "format rate after GRPO >= 0.95 ($format_after)" "$format_after >= 0.95"
check "the HTML report is written" "$(test -s "$RUN_DIR/report.html" && echo 1 || echo 0) == 1"
exit "$failures"

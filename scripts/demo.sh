#!/usr/bin/env bash
# R1-Zero in miniature on box stacking: a corpus and a tokenizer made from nothing, a ~0.8M-parameter base model
# pre-trained on it, an evaluation (with a forced-chain probe), GRPO with rule-based rewards only, the same
# evaluation again side by side, and an HTML report.
#   bash scripts/demo.sh            # the full demo (well under 20 minutes on 2 quiet cores)
#   bash scripts/demo.sh --quick    # a short version (about 3 minutes): reward still rises
# Environment: GRPO (the executable, default ./build/grpo), RUN (the run directory), THREADS (default 2), SEED
# (default 1: corpus, weights, pre-training and RL; the held-out problems stay fixed), PRESET (grpo init's,
# default tiny; moe-tiny has tiny's active parameters per token in 8 experts), and the sizes DOCS,
# PRETRAIN_STEPS, WARMUP, EVAL_N, EVAL_K, RL_STEPS, QUESTIONS, RL_EVAL, RL_LR (defaults below).
#
# The pre-training corpus holds world text (how one operation changes a stack, narrated) and questions in the
# prompt format answered with the final stack only; their <think> is empty or repeats the question. It holds
# no worked solution: reasoning inside <think> is left for RL to find. The held-out evaluation problems are
# left out of the corpus and of the RL problems.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
for argument in "$@"; do
  case "$argument" in
    --quick) QUICK=1 ;;
    -h | --help)
      sed -n '2,14p' "$0"
      exit 0
      ;;
    *)
      echo "demo.sh: unknown argument '$argument' (use --quick or nothing)" >&2
      exit 2
      ;;
  esac
done

GRPO=${GRPO:-./build/grpo}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
EVAL_SEED=12345
EVAL_DIFFICULTY="boxes=3-5,ops=1-4,style=terse"
TRAIN_DIFFICULTY="boxes=3-5,ops=2-4,style=terse"
if [[ $QUICK == 1 ]]; then
  RUN=${RUN:-runs/demo-quick}
  DOCS=${DOCS:-40000} PRETRAIN_STEPS=${PRETRAIN_STEPS:-450} WARMUP=${WARMUP:-50} EVAL_N=${EVAL_N:-100}
  EVAL_K=${EVAL_K:-0} RL_STEPS=${RL_STEPS:-40} QUESTIONS=${QUESTIONS:-16} RL_EVAL=${RL_EVAL:-32} RL_LR=${RL_LR:-1e-4}
  RL_EVAL_EVERY=${RL_EVAL_EVERY:-10}
else
  RUN=${RUN:-runs/demo}
  DOCS=${DOCS:-60000} PRETRAIN_STEPS=${PRETRAIN_STEPS:-700} WARMUP=${WARMUP:-100} EVAL_N=${EVAL_N:-400}
  EVAL_K=${EVAL_K:-4} RL_STEPS=${RL_STEPS:-150} QUESTIONS=${QUESTIONS:-16} RL_EVAL=${RL_EVAL:-64} RL_LR=${RL_LR:-3e-5}
  RL_EVAL_EVERY=${RL_EVAL_EVERY:-50}
fi
if [[ ! -x $GRPO ]]; then
  echo "demo.sh: $GRPO is not built; run bash scripts/build.sh first (or set GRPO=path/to/grpo)" >&2
  exit 1
fi
g() { "$GRPO" --threads "$THREADS" --seed "$SEED" "$@"; }
mkdir -p "$RUN"
START=$SECONDS
stage() { echo; echo "== $1   [$((SECONDS - START)) s]"; }

stage "1. corpus: world text + directly answered questions (no worked solutions), held-out problems excluded"
"$GRPO" --threads "$THREADS" -q --seed $((SEED + 6)) corpus box_stacking --docs "$DOCS" --out "$RUN/corpus.txt" \
  --hold-out-seed $EVAL_SEED --hold-out-n "$EVAL_N" --hold-out-difficulty "$EVAL_DIFFICULTY"
head -n 4 "$RUN/corpus.txt" | sed 's/^/    /'

stage "2. tokenizer (word-level: BPE over a ~30-word language) and a ~0.8M-parameter model"
g -q tokenizer train --input "$RUN/corpus.txt" --model-type bpe --vocab-size 110 --byte-fallback 0 \
  --out "$RUN/tokenizer.model"
g -q init "$RUN/base" --preset "${PRESET:-tiny}" --tokenizer "$RUN/tokenizer.model" --force >/dev/null
g -q info "$RUN/base" | sed -n '1,3p'

stage "3. pre-training (next-token prediction on the corpus)"
g pretrain --model "$RUN/base" --text "$RUN/corpus.txt" --seq-len 128 --batch-size 32 \
  --max-steps "$PRETRAIN_STEPS" --lr 2e-3 --warmup-steps "$WARMUP" --log-steps 50 --eval-steps 100

evaluate() {  # MODEL NAME [PREFILL]
  local prefill=()
  [[ $# -ge 3 ]] && prefill=(--prefill "$3")
  g -q eval --model "$1" --data task:box_stacking --difficulty "$EVAL_DIFFICULTY" --data-seed $EVAL_SEED \
    --n "$EVAL_N" --k "$EVAL_K" --template plain --group-by num_operations --max-new-tokens 64 --examples 4 \
    "${prefill[@]}" > "$RUN/$2.txt"
}

stage "4. the base model on $EVAL_N held-out problems (1-4 operations)"
evaluate "$RUN/base" eval-before
cat "$RUN/eval-before.txt"
if [[ $QUICK == 0 ]]; then
  stage "4b. forced-chain probe: the same problems with '<think> the stack is' forced into the completion"
  evaluate "$RUN/base" probe-before "<think> the stack is"
  sed -n '1,20p' "$RUN/probe-before.txt"
fi

stage "5. GRPO: rewards only (box-stacking verifier + format), 2-4 operations, G=8, lr $RL_LR"
rm -rf "$RUN/train"  # this demo's own run directory, from an earlier run
g train --model "$RUN/base" --data task:box_stacking --difficulty "$TRAIN_DIFFICULTY" --template plain \
  -G 8 --questions-per-step "$QUESTIONS" --max-completion-length 48 --learning-rate "$RL_LR" \
  --max-steps "$RL_STEPS" --eval-size "$RL_EVAL" --eval-k 1 --eval-steps "$RL_EVAL_EVERY" \
  --eval-group-by num_operations --save-steps "$RL_STEPS" --output-dir "$RUN/train"
FINAL=$(ls -d "$RUN"/train/checkpoints/step-* | sort | tail -n 1)/model

stage "6. the trained model on the same held-out problems"
evaluate "$FINAL" eval-after
echo "---- before (base model) ----------------------------------- | ---- after GRPO ($FINAL)"
pr -m -t -w 200 "$RUN/eval-before.txt" "$RUN/eval-after.txt" | expand
echo
echo "held-out greedy accuracy by number of operations:"
by_operations() { sed -n '/^by num_operations:/,/^examples/p' "$1" | awk '$1 ~ /^[0-9]+$/ {print $1, $2, $3}'; }
join <(by_operations "$RUN/eval-before.txt") <(by_operations "$RUN/eval-after.txt") |
  awk 'BEGIN {print "  ops    n  before  after"} {printf "  %3s %4s  %6s  %5s\n", $1, $2, $3, $5}'

echo
echo "training reward and batch accuracy (sampled, 2-4 operations), mean over the first and the last fifth of the steps:"
awk -v steps="$RL_STEPS" '
  { match($0, /"reward":[-0-9.e]+/); r = substr($0, RSTART + 9, RLENGTH - 9)
    match($0, /"accuracy":[-0-9.e]+/); a = substr($0, RSTART + 11, RLENGTH - 11)
    match($0, /"step":[0-9]+/); s = substr($0, RSTART + 7, RLENGTH - 7) + 0
    n = int(steps / 5); if (n < 1) n = 1
    if (s <= n) { r0 += r; a0 += a; c0++ }
    if (s > steps - n) { r1 += r; a1 += a; c1++ } }
  END { if (c0 && c1) printf "  steps 1-%d: reward %.3f, accuracy %.3f   ->   steps %d-%d: reward %.3f, accuracy %.3f\n",
        n, r0 / c0, a0 / c0, steps - n + 1, steps, r1 / c1, a1 / c1 }' "$RUN/train/metrics.jsonl"

stage "7. report"
"$GRPO" -q report "$RUN/train" -o "$RUN/report.html"
echo "report: $RUN/report.html   (whole demo: $((SECONDS - START)) s)"

#!/usr/bin/env bash
# R1-Zero in miniature on box stacking: a corpus and a tokenizer made from nothing, a ~0.8M-parameter base model
# pre-trained on it, an evaluation with the gate before RL (a forced-chain probe), GRPO with rule-based rewards
# only, the same evaluation again side by side, and an HTML report.
#   bash scripts/demo.sh                   # the full demo, recipe sharpen (well under 20 minutes on 2 quiet cores)
#   bash scripts/demo.sh --quick           # a short version (about 3 minutes): reward still rises
#   bash scripts/demo.sh --recipe reason   # the reasoning recipe (../shared/docs/EMERGENCE.md); longer, see below
# Recipes:
#   sharpen (default): world text + directly answered 1-3-operation questions; held-out 1-4 operations. GRPO
#     sharpens direct answers (BENCHMARKS.md, "Demo").
#   reason: numbered operations everywhere ("step 1 : remove red ."), world narrations of 1-8 operations that
#     state every stack, directly answered questions of 1-2 operations only, and WORKED_SHARE (default 0.12) of
#     worked documents in a format that is not the prompt's ("plan : ... doing it : ... done : ..."); held-out
#     problems of 6-8 operations; GRPO on 3-8 operations with 192-token completions (truncated ones masked),
#     accuracy + 0.1 x format. A proposal under test: see BENCHMARKS.md for what it reached.
# Environment: GRPO (the executable, default ./build/grpo), RUN (the run directory), THREADS (default 2), SEED
# (default 1: corpus, weights, pre-training and RL; the held-out problems stay fixed), PRESET (grpo init's,
# default tiny; moe-tiny has tiny's active parameters per token in 8 experts), and the sizes DOCS,
# PRETRAIN_STEPS, WARMUP, EVAL_N, EVAL_K, RL_STEPS, QUESTIONS, RL_EVAL, RL_LR, WORKED_SHARE, REPEAT_THINK
# (reason: the share of answered questions whose <think> repeats the question) and THINK_CLOSE (reason: words
# every answered question's <think> ends with, e.g. "done :"; grpo corpus --think-close); defaults below.
#
# The pre-training corpus never holds a question in the prompt format whose <think> works the problem out
# (tests/datasets/box_stacking_corpus_test.cpp checks it): its <think> is empty or repeats the question. The
# held-out evaluation problems are left out of the corpus and of the RL problems. The gate (full runs) compares
# direct answering with a forced chain prefix and counts chains in sampled completions (`grpo gate`; gate.json
# in the run directory and in the report).
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
RECIPE=sharpen
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --recipe)
      RECIPE=${2:-}
      shift
      ;;
    --recipe=*) RECIPE=${1#--recipe=} ;;
    -h | --help)
      sed -n '2,27p' "$0"
      exit 0
      ;;
    *)
      echo "demo.sh: unknown argument '$1' (use --quick, --recipe sharpen|reason, or nothing)" >&2
      exit 2
      ;;
  esac
  shift
done
if [[ $RECIPE != sharpen && $RECIPE != reason ]]; then
  echo "demo.sh: unknown recipe '$RECIPE' (use --recipe sharpen or --recipe reason)" >&2
  exit 2
fi

GRPO=${GRPO:-./build/grpo}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
EVAL_SEED=12345
if [[ $RECIPE == sharpen ]]; then
  EVAL_DIFFICULTY="boxes=3-5,ops=1-4,style=terse"
  TRAIN_DIFFICULTY="boxes=3-5,ops=2-4,style=terse"
  CORPUS_OPTIONS=()
  VOCABULARY=110 SEQ_LEN=128 GROUP=8 COMPLETION_LENGTH=48 EVAL_TOKENS=64
  RL_OPTIONS=()
  CHAIN_PREFIX="<think> the stack is"  # the gate's forced chain
else
  EVAL_DIFFICULTY="boxes=3-5,ops=6-8,style=numbered"
  TRAIN_DIFFICULTY="boxes=3-5,ops=3-8,style=numbered"
  WORKED_SHARE=${WORKED_SHARE:-0.12} REPEAT_THINK=${REPEAT_THINK:-0.5}
  CORPUS_OPTIONS=(--numbered --worked-share "$WORKED_SHARE" --story-ops 1-8 --narration 1 --question-ops 2
    --single-op-share 0.2 --repeat-think "$REPEAT_THINK")
  [[ -n ${THINK_CLOSE-} ]] && CORPUS_OPTIONS+=(--think-close "$THINK_CLOSE")
  VOCABULARY=140 SEQ_LEN=256 GROUP=16 COMPLETION_LENGTH=192 EVAL_TOKENS=192
  RL_OPTIONS=(--reward box_stacking,format --reward-weights 1,0.1 --mask-truncated-completions)
  # The gate's forced chain. Here "<think> the stack is" only makes the model repeat the question (what the
  # corpus's repeating <think> blocks do, measured 2026-12-03), so the probe opens the worked documents'
  # narration instead.
  CHAIN_PREFIX="<think> doing it : the stack is"
fi
if [[ $RECIPE == reason ]]; then
  if [[ $QUICK == 1 ]]; then
    RUN=${RUN:-runs/demo-reason-quick}
    DOCS=${DOCS:-20000} PRETRAIN_STEPS=${PRETRAIN_STEPS:-300} WARMUP=${WARMUP:-50} EVAL_N=${EVAL_N:-50}
    EVAL_K=${EVAL_K:-0} RL_STEPS=${RL_STEPS:-10} QUESTIONS=${QUESTIONS:-4} RL_EVAL=${RL_EVAL:-16}
    RL_LR=${RL_LR:-3e-5} RL_EVAL_EVERY=${RL_EVAL_EVERY:-10}
  else
    RUN=${RUN:-runs/demo-reason}
    DOCS=${DOCS:-50000} PRETRAIN_STEPS=${PRETRAIN_STEPS:-1500} WARMUP=${WARMUP:-100} EVAL_N=${EVAL_N:-150}
    EVAL_K=${EVAL_K:-4} RL_STEPS=${RL_STEPS:-200} QUESTIONS=${QUESTIONS:-8} RL_EVAL=${RL_EVAL:-48}
    RL_LR=${RL_LR:-3e-5} RL_EVAL_EVERY=${RL_EVAL_EVERY:-50}
  fi
elif [[ $QUICK == 1 ]]; then
  RUN=${RUN:-runs/demo-quick}
  DOCS=${DOCS:-40000} PRETRAIN_STEPS=${PRETRAIN_STEPS:-350} WARMUP=${WARMUP:-50} EVAL_N=${EVAL_N:-100}
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

echo "recipe $RECIPE$([[ $QUICK == 1 ]] && echo ' (quick)'), run directory $RUN"
if [[ $RECIPE == sharpen ]]; then
  stage "1. corpus: world text + directly answered questions (no worked solutions), held-out problems excluded"
else
  stage "1. corpus: narrated world text, directly answered 1-2-operation questions and $WORKED_SHARE worked documents (not in the prompt format), held-out problems excluded"
fi
"$GRPO" --threads "$THREADS" --seed $((SEED + 6)) corpus box_stacking --docs "$DOCS" --out "$RUN/corpus.txt" \
  --hold-out-seed $EVAL_SEED --hold-out-n "$EVAL_N" --hold-out-difficulty "$EVAL_DIFFICULTY" \
  "${CORPUS_OPTIONS[@]}" 2>&1 | sed 's/^/    /'
head -n 4 "$RUN/corpus.txt" | sed 's/^/    /'
if [[ $RECIPE == reason ]]; then grep -m 1 '^plan : ' "$RUN/corpus.txt" | sed 's/^/    /' || true; fi

stage "2. tokenizer (word-level: BPE over a ~30-word language) and a ~0.8M-parameter model"
g -q tokenizer train --input "$RUN/corpus.txt" --model-type bpe --vocab-size "$VOCABULARY" --byte-fallback 0 \
  --out "$RUN/tokenizer.model"
g -q init "$RUN/base" --preset "${PRESET:-tiny}" --tokenizer "$RUN/tokenizer.model" --force >/dev/null
g -q info "$RUN/base" | sed -n '1,3p'

stage "3. pre-training (next-token prediction on the corpus)"
g pretrain --model "$RUN/base" --text "$RUN/corpus.txt" --seq-len "$SEQ_LEN" --batch-size 32 \
  --max-steps "$PRETRAIN_STEPS" --lr 2e-3 --warmup-steps "$WARMUP" --log-steps 50 --eval-steps 100

evaluate() {  # MODEL NAME [PREFILL]
  local prefill=()
  [[ $# -ge 3 ]] && prefill=(--prefill "$3")
  g -q eval --model "$1" --data task:box_stacking --difficulty "$EVAL_DIFFICULTY" --data-seed $EVAL_SEED \
    --n "$EVAL_N" --k "$EVAL_K" --template plain --group-by num_operations --max-new-tokens "$EVAL_TOKENS" \
    --examples 4 --json-out "$RUN/$2.json" "${prefill[@]}" > "$RUN/$2.txt"
}

stage "4. the base model on $EVAL_N held-out problems ($EVAL_DIFFICULTY)"
evaluate "$RUN/base" eval-before
cat "$RUN/eval-before.txt"
if [[ $QUICK == 0 ]]; then
  stage "4b. the gate before RL: the same problems with '$CHAIN_PREFIX' forced into the completion"
  evaluate "$RUN/base" probe-before "$CHAIN_PREFIX"
  sed -n '1,20p' "$RUN/probe-before.txt"
  echo
  echo "gate (direct answering: eval-before.json; forced chain: probe-before.json):"
  "$GRPO" -q gate "$RUN/eval-before.json" "$RUN/probe-before.json" --out "$RUN/gate.json"
else
  echo "(--quick: no gate before RL; the full demo runs it)"
fi

stage "5. GRPO: rewards only (box-stacking verifier + format), $TRAIN_DIFFICULTY, G=$GROUP, lr $RL_LR"
rm -rf "$RUN/train"  # this demo's own run directory, from an earlier run
g train --model "$RUN/base" --data task:box_stacking --difficulty "$TRAIN_DIFFICULTY" --template plain \
  -G "$GROUP" --questions-per-step "$QUESTIONS" --max-completion-length "$COMPLETION_LENGTH" \
  --learning-rate "$RL_LR" --max-steps "$RL_STEPS" --eval-size "$RL_EVAL" --eval-k 1 \
  --eval-steps "$RL_EVAL_EVERY" --eval-group-by num_operations --save-steps "$RL_STEPS" \
  --output-dir "$RUN/train" "${RL_OPTIONS[@]}"
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
echo "chains of stacks in <think> (greedy; docs/LOGS.md, \"Reasoning\"), before and after:"
grep -h '^  chains in think (greedy)' "$RUN/eval-before.txt" | sed 's/^  /  before: /' || true
grep -h '^  chains in think (greedy)' "$RUN/eval-after.txt" | sed 's/^  /  after:  /' || true

echo
echo "training reward and batch accuracy (sampled, $TRAIN_DIFFICULTY), mean over the first and the last fifth of the steps:"
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
if [[ -f $RUN/gate.json ]]; then cp "$RUN/gate.json" "$RUN/train/gate.json"; fi  # the report shows the gate
"$GRPO" -q report "$RUN/train" -o "$RUN/report.html"
echo "report: $RUN/report.html   (whole demo: $((SECONDS - START)) s)"

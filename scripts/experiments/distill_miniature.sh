#!/usr/bin/env bash
# The R1 paper's distillation finding in miniature (issue 16): the demo's RL-trained model teaches a student of
# about a quarter of its parameters, pre-trained on the same corpus for the same number of steps. Compared on the
# demo's 400 held-out problems (greedy accuracy by number of operations):
#   teacher, student base,
#   (a)  GRPO on the student directly (the demo's GRPO settings),
#   (b1) sequence-level distillation (the teacher's correct answers, then SFT), and
#   (b2) on-policy token-level distillation (TRL GKD, lmbda 1: the student's own samples scored by the teacher),
#        each sized to take about the wall time (a) takes on 1 thread (the times are printed: compare them),
#   (c)  cold start: a few hundred of the teacher's correct traces as SFT, then the same GRPO as (a).
# Usage: TEACHER_RUN=runs/demo bash scripts/experiments/distill_miniature.sh
#   TEACHER_RUN: a finished scripts/demo.sh run directory (its corpus.txt, tokenizer.model, train/ checkpoints).
#   OUT (default TEACHER_RUN/distill), GRPO (default ./build/grpo), THREADS (default 2), SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."

TEACHER_RUN=${TEACHER_RUN:?set TEACHER_RUN to a finished scripts/demo.sh run directory}
OUT=${OUT:-$TEACHER_RUN/distill}
GRPO=${GRPO:-./build/grpo}
THREADS=${THREADS:-2}
SEED=${SEED:-1}
EVAL_SEED=12345
EVAL_DIFFICULTY="boxes=3-5,ops=1-4,style=terse"
TRAIN_DIFFICULTY="boxes=3-5,ops=2-4,style=terse"
TEACHER=$(ls -d "$TEACHER_RUN"/train/checkpoints/step-* | sort | tail -n 1)/model
g() { "$GRPO" --threads "$THREADS" --seed "$SEED" "$@"; }
mkdir -p "$OUT"
START=$SECONDS
stage() { echo; echo "== $1   [$((SECONDS - START)) s]"; }
seconds_of() { local t0=$SECONDS; "$@" >"$LOG" 2>&1; echo $((SECONDS - t0)); }

evaluate() {  # MODEL NAME
  g -q eval --model "$1" --data task:box_stacking --difficulty "$EVAL_DIFFICULTY" --data-seed $EVAL_SEED \
    --n 400 --k 0 --template plain --group-by num_operations --max-new-tokens 64 --examples 0 > "$OUT/eval-$2.txt"
}

grpo_run() {  # START_MODEL RUN_DIR: the demo's GRPO stage
  rm -rf "$2"
  g train --model "$1" --data task:box_stacking --difficulty "$TRAIN_DIFFICULTY" --template plain \
    -G 8 --questions-per-step 16 --max-completion-length 48 --learning-rate 3e-5 --max-steps 150 \
    --eval-size 0 --save-steps 150 --output-dir "$2"
}

stage "1. the student: a quarter of the teacher's parameters, pre-trained as the demo pre-trained the teacher"
g -q init "$OUT/student-base" --hidden-size 64 --layers 4 --heads 2 --kv-heads 1 --intermediate-size 176 \
  --tokenizer "$TEACHER_RUN/tokenizer.model" --force >/dev/null
g -q info "$OUT/student-base" | sed -n '1,3p'
g -q info "$TEACHER" | sed -n '1,3p'
LOG="$OUT/pretrain.log"
echo "pre-training: $(seconds_of g pretrain --model "$OUT/student-base" --text "$TEACHER_RUN/corpus.txt" --seq-len 128 \
  --batch-size 32 --max-steps 700 --lr 2e-3 --warmup-steps 100 --log-steps 100 --eval-steps 700) s"
tail -n 1 "$LOG"

stage "2. teacher and student base on the held-out problems"
evaluate "$TEACHER" teacher
evaluate "$OUT/student-base" student-base

stage "3a. GRPO on the student"
LOG="$OUT/grpo.log"
BUDGET=$(seconds_of grpo_run "$OUT/student-base" "$OUT/grpo")
echo "GRPO: $BUDGET s (the budget for 3b)"
evaluate "$OUT/grpo/checkpoints/step-00000150/model" grpo

stage "3b1. sequence-level distillation: the teacher's correct answers to 6,000 problems, then 2 epochs of SFT"
LOG="$OUT/distill-sequence.log"
echo "sequence: $(seconds_of g distill --mode sequence --teacher "$TEACHER" --student "$OUT/student-base" \
  --data task:box_stacking --difficulty "$TRAIN_DIFFICULTY" --data-seed 777 --n 6000 --template plain \
  --max-new-tokens 48 --temperature 0.9 --num-train-epochs 2 --batch-size 16 --lr 1e-3 --warmup-steps 10 \
  --eval-fraction 0 --save-steps 100000 --output-dir "$OUT/distill-sequence" --overwrite) s"
evaluate "$OUT/distill-sequence" distill-sequence

stage "3b2. on-policy distillation (lmbda 1, beta 0.5)"
LOG="$OUT/distill-onpolicy.log"
echo "on-policy: $(seconds_of g distill --mode token --lmbda 1 --beta 0.5 --teacher "$TEACHER" \
  --student "$OUT/student-base" --data task:box_stacking --difficulty "$TRAIN_DIFFICULTY" --data-seed 778 \
  --n 12000 --template plain --max-new-tokens 48 --temperature 0.9 --max-steps 700 --batch-size 16 --lr 1e-3 \
  --warmup-steps 10 --eval-fraction 0 --save-steps 100000 --output-dir "$OUT/distill-onpolicy" --overwrite) s"
evaluate "$OUT/distill-onpolicy" distill-onpolicy

stage "3c. cold start: 300 of the teacher's correct traces as SFT, then the same GRPO"
LOG="$OUT/cold-start.log"
echo "traces + SFT: $(seconds_of bash -c "
  '$GRPO' --threads $THREADS --seed $SEED -q generate --model '$TEACHER' --data task:box_stacking \
    --difficulty '$TRAIN_DIFFICULTY' --data-seed 779 --n 300 --template plain --max-new-tokens 48 \
    --temperature 0.9 --out '$OUT/traces.jsonl' &&
  '$GRPO' --threads $THREADS --seed $SEED sft --model '$OUT/student-base' --data '$OUT/traces.jsonl' \
    --template plain --num-train-epochs 2 --batch-size 16 --lr 1e-3 --warmup-steps 5 --eval-fraction 0 \
    --save-steps 100000 --output-dir '$OUT/cold-sft' --overwrite") s"
LOG="$OUT/cold-grpo.log"
echo "GRPO after the cold start: $(seconds_of grpo_run "$OUT/cold-sft" "$OUT/cold-grpo") s"
evaluate "$OUT/cold-sft" cold-sft
evaluate "$OUT/cold-grpo/checkpoints/step-00000150/model" cold-grpo

stage "4. held-out greedy accuracy (400 problems) by number of operations"
by_operations() { sed -n '/^by num_operations:/,/^examples/p' "$OUT/eval-$1.txt" | awk '$1 ~ /^[0-9]+$/ {print $3}' | paste -sd' '; }
overall() { awk '/greedy accuracy/ {print $3; exit}' "$OUT/eval-$1.txt"; }
printf "  %-18s %-8s %s\n" model all "1 2 3 4 operations"
for name in teacher student-base grpo distill-sequence distill-onpolicy cold-sft cold-grpo; do
  printf "  %-18s %-8s %s\n" "$name" "$(overall $name)" "$(by_operations $name)"
done
echo "whole experiment: $((SECONDS - START)) s"

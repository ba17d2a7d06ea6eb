#!/bin/bash
# BENCHMARKS.md, "Data parallelism": 1 rank x 2 threads against 2 ranks x 1 thread (--nproc-per-node 2) on the
# benchmark model's shape. Usage: bash scripts/bench_data_parallel.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
BUILD=${1:-build}; WORK=${2:-/tmp/grpo-bench-dp}
G=$(realpath "$BUILD/grpo"); SRC=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$WORK" && cd "$WORK"
[ -d bm ] || "$G" init bm --tokenizer "$SRC/../shared/data/sentencepiece/test_model.model" --hidden-size 512 \
  --layers 8 --heads 8 --kv-heads 4 --intermediate-size 1408 --vocab-size 8000 > /dev/null
for i in $(seq 0 63); do echo "{\"question\": \"put the red box on top $i\", \"answer\": \"$i\"}"; done > q.jsonl
cat > r.py <<'PY'
import json, sys
for line in sys.stdin:
    inputs = json.loads(line)["inputs"]
    print(json.dumps({"scores": [(sum(i["completion_ids"][:2]) % 7) / 6.0 for i in inputs]}), flush=True)
PY
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824
ARGS=(--seed 3 train --model bm --data q.jsonl --eval-size 0 --template plain --stop NEVER -G 8
      --questions-per-step 8 --max-completion-length 128 --lr 1e-5 --reward "cmd:python3 r.py" --max-steps 3
      --save-steps 0 --dist-timeout 600)
rm -rf b1 b2
/usr/bin/time -f "1 rank x 2 threads: %e s %S sys %R faults" "$G" --threads 2 "${ARGS[@]}" --output-dir b1
/usr/bin/time -f "2 ranks x 1 thread: %e s %S sys %R faults" "$G" --threads 2 "${ARGS[@]}" --output-dir b2 \
  --nproc-per-node 2
grep -h '"step"' b1/metrics.jsonl b2/metrics.jsonl  # time/rollout, time/update, time/allreduce, allreduce_bytes

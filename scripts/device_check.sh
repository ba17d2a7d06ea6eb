#!/usr/bin/env bash
# The check of grpo's CUDA path, in one run on the GPU machine (no Debian packages, no network; its Python has a
# CUDA torch, transformers, tokenizers and safetensors). Under 9 minutes, every step time-boxed; a failing step
# is recorded and the next ones still run where they can.
#   1. unpack the carried .deb files (scripts/device_bundle.sh made .device/ on the development machine);
#   2. configure and build against the machine's LibTorch (torch.utils.cmake_prefix_path), without SentencePiece;
#   3. ctest -L cuda (CUDA against the CPU) and the model's PyTorch-reference tests on this LibTorch;
#   4. scripts/reference/hf_check.py: logits of random Qwen2.5/Qwen3/Llama-3/Qwen2-MoE models against
#      transformers on the GPU, a grpo checkpoint loaded by transformers and back, and the bfloat16 rollout
#      benchmark on Qwen2.5-0.5B's shape against transformers' generate, with model FLOPs utilisation;
#   5. bench_train on the GPU, float32 and --bf16 (the update benchmark; its plain-PyTorch reference where it runs).
# Everything lands in $OUT: device_check.json (a summary of every step), the logs and each step's JSON.
# Usage, from the repository root: scripts/device_bundle.sh here, then on the device machine
#   run(command="bash scripts/device_check.sh", carry=[".device"], timeout_s=560)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=${OUT:-$ROOT/out/device}
mkdir -p "$OUT"
PREFIX=$ROOT/.device/prefix
BUILD=$ROOT/build-device
PYTHON=${PYTHON:-python3}
STARTED=$(date +%s)
STEPS=$OUT/steps.jsonl
: >"$STEPS"

# step NAME SECONDS FUNCTION: runs FUNCTION with a time limit, its output to $OUT/NAME.log, one line to steps.
step() {
  local name=$1 limit=$2
  shift 2
  local begin=$(date +%s)
  echo "== $name (limit ${limit} s, $(($(date +%s) - STARTED)) s elapsed)"
  timeout "$limit" bash -c "$*" >"$OUT/$name.log" 2>&1
  local rc=$?
  local seconds=$(($(date +%s) - begin))
  echo "{\"step\": \"$name\", \"exit\": $rc, \"seconds\": $seconds}" >>"$STEPS"
  echo "   exit $rc in ${seconds} s; last lines:"
  tail -n 5 "$OUT/$name.log" | sed 's/^/   | /'
  return $rc
}

environment() {
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
  "$PYTHON" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__,
"cuda", torch.version.cuda, "available", torch.cuda.is_available(), "cxx11 abi", torch.compiled_with_cxx11_abi());
print("cmake prefix", torch.utils.cmake_prefix_path)'
  "$PYTHON" -c 'import transformers, tokenizers, safetensors; print("transformers", transformers.__version__,
"tokenizers", tokenizers.__version__)' || true
  cmake --version | head -1 || echo "no cmake"
  c++ --version | head -1 || echo "no c++ compiler"
  ls -d /usr/local/cuda* 2>/dev/null || echo "no /usr/local/cuda"
  nproc
  grep -E '^(NAME|VERSION)=' /etc/os-release || true
  ldd --version | head -1
}

# .deb files are ar archives holding data.tar.*: unpacked with Python (dpkg may be absent there).
unpack() {
  rm -rf "$PREFIX" && mkdir -p "$PREFIX"
  "$PYTHON" - "$PREFIX" .device/debs/*.deb <<'EOF'
import io, sys, tarfile
prefix, debs = sys.argv[1], sys.argv[2:]
if not debs:
    sys.exit("no .deb files in .device/debs: run scripts/device_bundle.sh on the development machine and carry .device")
for deb in debs:
    data = open(deb, "rb").read()
    assert data[:8] == b"!<arch>\n", deb
    at = 8
    while at < len(data):
        name = data[at:at + 16].decode().strip().rstrip("/")
        size = int(data[at + 48:at + 58].decode().strip())
        body = data[at + 60:at + 60 + size]
        at += 60 + size + (size % 2)
        if name.startswith("data.tar"):
            tarfile.open(fileobj=io.BytesIO(body)).extractall(prefix)
    print("unpacked", deb)
EOF
  # pkg-config files name /usr; pkgconf's sysroot puts them under the prefix. Symlinks inside the prefix that
  # point at absolute /usr paths are made relative to it.
  find "$PREFIX" -type l | while read -r link; do
    target=$(readlink "$link")
    case "$target" in /*) ln -sfn "$PREFIX$target" "$link" ;; esac
  done
}

LIBDIR=$PREFIX/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PKG_CONFIG_LIBDIR=$LIBDIR/pkgconfig:$PREFIX/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$PREFIX
export PATH=$PREFIX/usr/bin:$PATH

configure() {
  local torch_prefix
  torch_prefix=$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)') || return 1
  # The prefix's headers come last (-idirafter): c10d's Gloo header includes <gloo/...>, which LibTorch's own
  # include directory may lack; where it has them, its own win.
  local cuda_root=()
  if [ -d /usr/local/cuda ]; then cuda_root=(-DCUDAToolkit_ROOT=/usr/local/cuda -DCUDA_TOOLKIT_ROOT_DIR=/usr/local/cuda); fi
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$PREFIX/usr" \
    -Dfmt_DIR="$LIBDIR/cmake/fmt" -DGTest_DIR="$LIBDIR/cmake/GTest" \
    -DCLI11_DIR="$PREFIX/usr/share/cmake/CLI11" -Dnlohmann_json_DIR="$PREFIX/usr/share/cmake/nlohmann_json" \
    -Dtomlplusplus_DIR="$LIBDIR/cmake/tomlplusplus" \
    -DZLIB_INCLUDE_DIR="$PREFIX/usr/include" -DZLIB_LIBRARY="$LIBDIR/libz.so" \
    -DPKG_CONFIG_EXECUTABLE="$PREFIX/usr/bin/pkgconf" -DCMAKE_MAKE_PROGRAM="$PREFIX/usr/bin/ninja" \
    -DCMAKE_CXX_FLAGS="-idirafter $PREFIX/usr/include" \
    -DGRPO_WITH_SENTENCEPIECE=OFF -DGRPO_BUILD_EXAMPLES=OFF -DGRPO_PYTHON="$(command -v "$PYTHON")" \
    "${cuda_root[@]}"
}

build() {
  # DEVICE_CHECK_TARGETS: fewer targets for a dry run of this script on a machine without a GPU.
  # shellcheck disable=SC2086
  cmake --build "$BUILD" -j "$(nproc)" --target ${DEVICE_CHECK_TARGETS:-grpo grpo-torch test_cuda test_model bench_train}
}

tests() {
  local rc=0
  ctest --test-dir "$BUILD" -L cuda --output-on-failure --output-junit "$OUT/ctest_cuda.xml" || rc=1
  # The model against the PyTorch reference, on this LibTorch (2.x) and this Python's torch.
  ctest --test-dir "$BUILD" -R '^Flavours/ReferenceModel' --output-on-failure --output-junit "$OUT/ctest_reference.xml" || rc=1
  return $rc
}

hf_check() {
  if [ ! -f .device/tokenizers/qwen3/tokenizer.json ]; then
    echo "no .device/tokenizers/qwen3 (scripts/device_bundle.sh copies it from ../shared): skipped"
    return 77
  fi
  "$PYTHON" scripts/reference/hf_check.py --grpo "$BUILD/grpo" --tokenizer .device/tokenizers/qwen3 \
    --work "$ROOT/out/hf_check" --output "$OUT/hf_check.json" --bench
}

bench_train() {
  # The Python reference of bench_train runs on the CPU: skipped here (transformers is hf_check's reference).
  "$BUILD/benchmarks/bench_train" --device cuda --json "$OUT/bench_train_cuda.json" --python '' || return 1
  # The same job with --bf16 (autocast bf16 forwards, bf16 KV cache, float32 weights and AdamW): the ratio.
  "$BUILD/benchmarks/bench_train" --device cuda --bf16 --json "$OUT/bench_train_cuda_bf16.json" --python ''
}

# The steps are functions run by `timeout` in a child bash: it needs them and their variables exported.
export ROOT OUT PREFIX BUILD PYTHON LIBDIR
export -f environment unpack configure build tests hf_check bench_train
step environment 60 environment
step unpack 60 unpack
if step configure 90 configure; then
  if step build 300 build; then
    step tests 90 tests
    step hf_check 150 hf_check
    step bench_train 90 bench_train
  fi
fi

"$PYTHON" - "$OUT" <<'EOF'
import json, os, sys
out = sys.argv[1]
summary = {"steps": [json.loads(line) for line in open(os.path.join(out, "steps.jsonl"))]}
for name in ("hf_check.json", "bench_train_cuda.json", "bench_train_cuda_bf16.json"):
    path = os.path.join(out, name)
    if os.path.exists(path):
        try:
            summary[name[:-5]] = json.load(open(path))
        except ValueError as error:
            summary[name[:-5]] = f"unreadable: {error}"
json.dump(summary, open(os.path.join(out, "device_check.json"), "w"), indent=2)
print(json.dumps(summary["steps"]))
EOF
echo "device_check: $(($(date +%s) - STARTED)) s in all; $OUT/device_check.json"

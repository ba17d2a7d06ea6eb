#!/usr/bin/env bash
# Installs every Debian package grpo needs, non-interactively, skipping what is present.
# Usage: scripts/setup.sh [--with-python] [--with-browser]
#   default: build + run dependencies, plus python3-torch (reference tests) and chromium (report test)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git clang-format
  libtorch-dev libopenblas0-openmp libgloo-dev
  libsentencepiece-dev sentencepiece
  libonig-dev libicu-dev
  libfmt-dev libcli11-dev libgtest-dev
  nlohmann-json3-dev libtomlplusplus-dev
  zlib1g-dev
  python3 python3-torch python3-numpy
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch's CPU kernels run on OpenMP threads. OpenBLAS built for OpenMP shares those threads; the pthread
# build (which Debian prefers when both are installed) keeps its own threads spinning beside them, and on 2
# cores generation ran 4.5x slower with it (BENCHMARKS.md, "Rollout"). Point every OpenBLAS alternative at the OpenMP build.
ARCH_DIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  name="$lib-$(basename "$ARCH_DIR")"
  want="$ARCH_DIR/openblas-openmp/$lib"
  current=$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')
  if [ -e "$want" ] && [ "$current" != "$want" ]; then
    echo "setup: $lib -> $want (was ${current:-unset})"
    if ! $SUDO update-alternatives --set "$name" "$want"; then
      echo "setup: warning: could not switch $lib; runs with more than one thread will be slower (grpo warns)" >&2
    fi
  fi
done
echo "setup: done"

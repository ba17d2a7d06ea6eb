#!/usr/bin/env bash
# Installs every Debian package grpo needs, non-interactively, skipping what is present.
# Usage: scripts/setup.sh [--with-python] [--with-browser]
#   default: build + run dependencies, plus python3-torch (reference tests) and chromium (report test)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libtorch-dev libopenblas0-pthread libgloo-dev
  libsentencepiece-dev sentencepiece
  libfmt-dev libcli11-dev libgtest-dev
  nlohmann-json3-dev
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

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"

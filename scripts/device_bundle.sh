#!/usr/bin/env bash
# Prepares, on this machine, what scripts/device_check.sh needs on the GPU machine, which has no Debian packages
# and no network: the .deb files of grpo's build dependencies (apt-get download; unpacked there with dpkg -x)
# and the Qwen3 tokenizer files from ../shared. Everything goes to .device/ (ignored by git), about 33 MB:
# pass `.device` in the device run's `carry`.
# Usage: scripts/device_bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Headers and libraries the GPU build links (the CUDA LibTorch comes from the machine's own Python), plus
# pkgconf (CMake's pkg_check_modules) and ninja. SentencePiece stays out: the build makes it optional.
PACKAGES=(
  libfmt-dev libfmt9 libcli11-dev nlohmann-json3-dev libgtest-dev libtomlplusplus-dev libtomlplusplus3
  libonig-dev libonig5 libicu-dev libicu72 zlib1g-dev zlib1g libgloo-dev
  pkgconf pkgconf-bin libpkgconf3 ninja-build
)
rm -rf .device/debs
mkdir -p .device/debs
(cd .device/debs && apt-get download "${PACKAGES[@]}" 2>&1 | grep -v "unsandboxed" || true)
for p in "${PACKAGES[@]}"; do
  if ! ls .device/debs/"${p}"_*.deb >/dev/null 2>&1; then
    echo "device_bundle: error: '$p' was not downloaded (is apt's package index current? run apt-get update)" >&2
    exit 1
  fi
done

TOKENIZER=../shared/data/tokenizers/qwen3
if [ -f "$TOKENIZER/tokenizer.json" ]; then
  rm -rf .device/tokenizers && mkdir -p .device/tokenizers
  cp -r "$TOKENIZER" .device/tokenizers/qwen3
else
  echo "device_bundle: warning: no $TOKENIZER (../shared is absent): the transformers comparison will be skipped" >&2
fi
du -sh .device

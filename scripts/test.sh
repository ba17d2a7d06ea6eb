#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
# ctest runs two test processes at once: OpenMP threads that spin while waiting would fight over the two cores.
export OMP_WAIT_POLICY=PASSIVE
ctest --output-on-failure -j 2 --timeout 600

#!/usr/bin/env bash
# Checks that every C++ source of the repository is formatted with the committed .clang-format.
# Exit 0: all formatted; 1: some file is not (they are listed with the command that fixes them);
# 77: clang-format is missing (ctest reports the test as skipped; scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check_format: SKIPPED: clang-format is not installed (bash scripts/setup.sh installs it)"
  exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.h')
else
  mapfile -t files < <(find . -path ./build -prune -o \( -name '*.cpp' -o -name '*.h' \) -print | sed 's|^\./||')
fi
existing=()
for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
# One clang-format process for all files (one per file took minutes on a loaded machine); each difference is
# reported as "FILE:LINE:COLUMN: error: code should be clang-formatted".
status=0
report=$(clang-format --dry-run -Werror "${existing[@]}" 2>&1) || status=$?
mapfile -t unformatted < <(printf '%s\n' "$report" | sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u)
if [ "$status" -ne 0 ] && [ ${#unformatted[@]} -eq 0 ]; then
  echo "check_format: clang-format failed (exit $status):"
  printf '%s\n' "$report" | head -20
  exit 1
fi
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "check_format: ${#unformatted[@]} of ${#files[@]} files differ from .clang-format:"
  printf '  %s\n' "${unformatted[@]}"
  echo "fix with: clang-format -i ${unformatted[*]}"
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"

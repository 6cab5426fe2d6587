#!/usr/bin/env bash
# One command for the tests: install dependencies (apt), build and run every GoogleTest suite in
# the Release build, then again under ASan + UBSan, after checking the sources are clang-formatted.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/format.sh --check
jobs=$(nproc)

for preset in release asan; do
  echo "== $preset: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$jobs"
done

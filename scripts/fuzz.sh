#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined; CMake option
# LOUPE_FUZZ) and runs each for SECONDS (default 600) on the checked-in seed corpus.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: fuzz_onnx fuzz_tensor (default both)
# Environment: FUZZ_BUILD (build dir, default build/fuzz), FUZZ_JOBS (fuzzers run at once,
# default 1), FUZZ_SKIP_BUILD=1 (run the binaries already built). New coverage goes to $FUZZ_BUILD/corpus/<kind> (not into git); crashes to
# $FUZZ_BUILD/findings/<target>/. Minimize a crasher with
#   $FUZZ_BUILD/fuzz/fuzz_onnx -minimize_crash=1 -runs=10000 crash-...
# and, once fixed, check it into fuzz/corpus/<kind>/ so that CI (test_fuzz) replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_onnx fuzz_tensor)
build=${FUZZ_BUILD:-build/fuzz}
jobs=${FUZZ_JOBS:-1}

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  CXX=clang++ cmake -G Ninja -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-O1 \
    -DLOUPE_FUZZ=ON -DLOUPE_BUILD_TESTS=OFF -DLOUPE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target "${targets[@]}"
fi

run() {
  local target=$1 kind=${1#fuzz_}
  mkdir -p "$build/corpus/$kind" "$build/findings/$target"
  # rss_limit_mb: an input that makes a reader allocate past 2 GiB is a finding (allocations
  # must be bounded by the input's size). max_len: models in the corpus are a few KiB.
  "$build/fuzz/$target" "$build/corpus/$kind" "fuzz/corpus/$kind" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=65536 \
    -timeout=30 -print_final_stats=1 -artifact_prefix="$build/findings/$target/" \
    2>&1 | tee "$build/$target.log" | grep -E "^#[0-9]+ +(pulse|DONE)|ERROR|SUMMARY|stat::" || true
  ! grep -q -E "ERROR: (libFuzzer|AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error" \
    "$build/$target.log"
}

status=0
if [ "$jobs" -gt 1 ]; then
  pids=()
  for t in "${targets[@]}"; do run "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
else
  for t in "${targets[@]}"; do run "$t" || status=1; done
fi
[ $status -eq 0 ] && echo "fuzz: no findings" || echo "fuzz: findings in $build/findings" >&2
exit $status

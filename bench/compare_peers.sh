#!/usr/bin/env bash
# loupe side by side with the engines a user would pick instead, on the same ONNX files, on this
# machine, in one run: ONNX Runtime (npm onnxruntime-node), PyTorch (eager) and OpenCV DNN.
# Prints one table of median latencies (ms) and loupe / fastest peer (< 1 means loupe is faster).
#
# Usage: bench/compare_peers.sh [MODEL ...]      (default: all six)
#   env: THREADS="1 2"  BATCHES="1 8"  RUNS=20  WARMUP=3  LOUPE=build/release/src/loupe
#        ROUNDS=1: loupe and ONNX Runtime alternate ROUNDS times per row and each keeps its
#        lowest median (a shared host's load comes and goes within seconds; the lowest median is
#        the one least disturbed). PyTorch and OpenCV run once.
# Models: resnet50 vgg16 googlenet mobilenet_v2 alexnet squeezenet1_1 (torchvision exports).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here="$root/bench/peers"
cache="$root/build/peers"
loupe=${LOUPE:-$root/build/release/src/loupe}
runs=${RUNS:-20}
warmup=${WARMUP:-3}

"$root/scripts/bench-deps.sh"
if [ ! -x "$loupe" ]; then
  cmake --preset release -S "$root" >/dev/null && cmake --build "$root/build/release" --target loupe
fi
mkdir -p "$cache/ort" "$cache/models"
if [ ! -d "$cache/ort/node_modules/onnxruntime-node" ]; then
  # --ignore-scripts: the package ships its Linux x64 CPU library; the install script only tries
  # to fetch GPU extras.
  (cd "$cache/ort" && npm install --silent --no-audit --no-fund --ignore-scripts onnxruntime-node)
fi
names=${*:-resnet50 vgg16 googlenet mobilenet_v2 alexnet squeezenet1_1}
/usr/bin/python3 "$here/export_bench_models.py" "$cache/models" $names

median() {  # stdin: one JSON document; prints its median latency in ms, or "fail"
  /usr/bin/python3 -c 'import json,sys
d = json.load(sys.stdin)
print("%.2f" % (d["latency_ms"]["median"] if "latency_ms" in d else d["median_ms"]))' 2>/dev/null ||
    echo fail
}

lowest() {  # the lower of two medians, "fail" only when both are
  /usr/bin/python3 -c 'import sys
v = [float(x) for x in sys.argv[1:] if x != "fail"]
print("%.2f" % min(v) if v else "fail")' "$1" "$2"
}

printf "%-14s %3s %5s %10s %10s %10s %10s %12s\n" model thr batch loupe_ms ort_ms torch_ms opencv_ms loupe/fastest
for m in $names; do
  f="$cache/models/$m.onnx"
  for t in ${THREADS:-1 2}; do
    for b in ${BATCHES:-1 8}; do
      # An engine that fails on a model (OpenCV on most torchvision exports) reads "fail".
      l=fail o=fail
      for ((round = 0; round < ${ROUNDS:-1}; ++round)); do
        lr=$("$loupe" bench "$f" --threads "$t" --batch "$b" --runs "$runs" --warmup "$warmup" \
          --json 2>/dev/null || true)
        or=$(ORT_DIR="$cache/ort" node "$here/ort_time.js" "$f" "$t" "$b" "$runs" "$warmup" \
          2>/dev/null || true)
        l=$(lowest "$l" "$(median <<<"$lr")") o=$(lowest "$o" "$(median <<<"$or")")
      done
      p=$(/usr/bin/python3 "$here/py_time.py" torch "$f" "$t" "$b" "$runs" "$warmup" 2>/dev/null || true)
      c=$(/usr/bin/python3 "$here/py_time.py" opencv "${f%.onnx}.opencv.onnx" "$t" "$b" "$runs" \
        "$warmup" 2>/dev/null || true)
      p=$(median <<<"$p") c=$(median <<<"$c")
      ratio=$(/usr/bin/python3 -c 'import sys
v = [float(x) for x in sys.argv[2:] if x != "fail"]
print("%.2f" % (float(sys.argv[1]) / min(v)) if v and sys.argv[1] != "fail" else "n/a")' "$l" "$o" "$p" "$c")
      printf "%-14s %3s %5s %10s %10s %10s %10s %12s\n" "$m" "$t" "$b" "$l" "$o" "$p" "$c" "$ratio"
    done
  done
done

#!/usr/bin/env bash
# Where the time goes, loupe next to ONNX Runtime on one model: per-step medians of
# `loupe profile --json` and per-node kernel medians from ONNX Runtime's own profiler, summed by
# loupe's algorithm (convolutions, paired in graph order) and by op (the rest). Use it to find
# the layers to work on; the end-to-end ratios are compare_peers.sh's.
#
# Usage: bench/compare_layers.sh MODEL [THREADS] [BATCH]   (env: RUNS=20, FULL=1 lists every conv)
# MODEL: one of compare_peers.sh's torchvision exports (resnet50, googlenet, ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=$1
threads=${2:-1}
batch=${3:-1}
runs=${RUNS:-20}
cache="$root/build/peers"
loupe=${LOUPE:-$root/build/release/src/loupe}
f="$cache/models/$model.onnx"
if [ ! -f "$f" ] || [ ! -d "$cache/ort/node_modules/onnxruntime-node" ]; then
  "$root/bench/compare_peers.sh" "$model" >/dev/null  # installs ONNX Runtime, exports the model
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$loupe" profile "$f" --threads "$threads" --batch "$batch" --runs "$runs" --no-effectual --json \
  >"$tmp/loupe.json" 2>/dev/null
ORT_DIR="$cache/ort" node "$root/bench/peers/ort_layers.js" "$f" "$threads" "$batch" "$runs" "$tmp" \
  >"$tmp/ort.json"
FULL=${FULL:-0} /usr/bin/python3 - "$tmp/loupe.json" "$tmp/ort.json" <<'PY'
import json, os, sys
lp = json.load(open(sys.argv[1]))
ort = json.load(open(sys.argv[2]))["nodes"]
convs = [l for l in lp["layers"] if l["op"].startswith("Conv")]
ort_convs = [n for n in ort if n["op"] in ("Conv", "FusedConv", "NchwcConv")]
paired = len(convs) == len(ort_convs)
print(f"threads {lp['threads']}  batch {lp['batch']}  loupe latency {lp['total']['latency_ms']:.2f} ms"
      f" (sum of step medians {lp['total']['sum_step_ms']:.2f}),"
      f" ONNX Runtime sum of kernel medians {sum(n['ms'] for n in ort):.2f} ms")
if paired:
    print("  (convolutions paired in graph order: where the two orders differ, GoogLeNet's inception"
          " branches, only the totals compare)")
    by = {}
    for l, o in zip(convs, ort_convs):
        a = by.setdefault(l["algorithm"], [0, 0.0, 0.0])
        a[0] += 1; a[1] += l["time_ms"]; a[2] += o["ms"]
        if os.environ.get("FULL") == "1":
            print(f"  {l['name'][-40:]:40s} {l['algorithm']:15s} {l['time_ms']:8.3f} {o['ms']:8.3f}"
                  f" {l['time_ms'] / o['ms']:6.2f}")
    for k, (n, x, y) in by.items():
        print(f"  conv {k:16s} x{n:<3d} loupe {x:8.2f} ms  ort {y:8.2f} ms  ratio {x / y:5.2f}")
    print(f"  conv total loupe {sum(v[1] for v in by.values()):.2f} ms, ort "
          f"{sum(v[2] for v in by.values()):.2f} ms")
else:
    print(f"  convolutions: loupe {len(convs)}, ONNX Runtime {len(ort_convs)} (fused differently,"
          " not paired)")
    print(f"  conv total loupe {sum(l['time_ms'] for l in convs):.2f} ms, ort "
          f"{sum(n['ms'] for n in ort_convs):.2f} ms")
rest_l, rest_o = {}, {}
for l in lp["layers"]:
    if not l["op"].startswith("Conv"):
        rest_l[l["op"]] = rest_l.get(l["op"], 0) + l["time_ms"]
for n in ort:
    if n["op"] not in ("Conv", "FusedConv", "NchwcConv"):
        rest_o[n["op"]] = rest_o.get(n["op"], 0) + n["ms"]
print("  other ops, loupe:", ", ".join(f"{k} {v:.2f}" for k, v in rest_l.items()))
print("  other ops, ort:  ", ", ".join(f"{k} {v:.2f}" for k, v in rest_o.items()))
PY

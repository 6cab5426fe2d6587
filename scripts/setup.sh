#!/usr/bin/env bash
# One command for a new user: install dependencies (apt), build Release, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
loupe=build/release/src/loupe

echo
echo "== loupe zoo"
"$loupe" zoo
echo
echo "== loupe summary alexnet"
"$loupe" summary alexnet
echo
echo "== loupe run lenet5   (reference loop nests, seeded random input)"
"$loupe" run lenet5 --output-dir build/demo
echo
echo "== loupe eval models/lenet5-fashion.onnx   (LeNet-5 trained on Fashion-MNIST, 10,000 test images)"
"$loupe" eval models/lenet5-fashion.onnx --dataset fashion-mnist
echo
echo "loupe is built: $loupe   (try: $loupe --help)"

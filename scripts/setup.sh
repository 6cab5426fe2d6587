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
echo "== loupe run lenet5   (fast kernels, seeded random input)"
"$loupe" run lenet5 --output-dir build/demo
echo
echo "== loupe eval models/lenet5-fashion.onnx   (LeNet-5 trained on Fashion-MNIST, 10,000 test images)"
"$loupe" eval models/lenet5-fashion.onnx --dataset fashion-mnist
echo
echo "== loupe peak   (the roofline's ceilings, measured on this machine)"
"$loupe" peak
echo
echo "== loupe profile resnet50 --html build/demo/resnet50.html   (per-layer lab report)"
mkdir -p build/demo
"$loupe" profile resnet50 --html build/demo/resnet50.html | tail -n 8
echo
echo "== loupe accel alexnet --arch eyeriss --batch 4   (AlexNet on the Eyeriss chip, row stationary)"
"$loupe" accel alexnet --arch eyeriss --batch 4
echo
echo "loupe is built: $loupe   (try: $loupe --help)"
echo "ResNet-50 lab report (open in a browser): $(pwd)/build/demo/resnet50.html"

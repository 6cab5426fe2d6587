#!/usr/bin/env bash
# Installs the benchmark-only dependencies (bench/, never linked into loupe): Google Benchmark, the
# peer libraries oneDNN and OpenBLAS, and the peer engines, from Debian 12 packages.
# Idempotent; root or sudo.
set -euo pipefail

# bench/compare_peers.sh also times ONNX Runtime (npm), PyTorch and OpenCV DNN.
packages=(libbenchmark-dev libdnnl-dev ocl-icd-opencl-dev opencl-headers libopenblas-dev
  python3-torch python3-torchvision python3-onnx python3-opencv python3-numpy)

# Node.js and npm may come from elsewhere than Debian (their packages then conflict): only install
# them when no npm is on PATH.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

"$(dirname "$0")/apt-install.sh" "${packages[@]}"

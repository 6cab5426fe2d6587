#!/usr/bin/env bash
# Installs the benchmark-only dependencies (bench/, never linked into loupe): Google Benchmark, the
# peer libraries oneDNN and OpenBLAS, and the peer engines, from Debian 12 packages.
# Idempotent; root or sudo.
set -euo pipefail

# bench/compare_peers.sh also times ONNX Runtime (npm), PyTorch and OpenCV DNN.
packages=(libbenchmark-dev libdnnl-dev libopenblas-dev
  python3-torch python3-torchvision python3-onnx python3-opencv python3-numpy)

# Node.js and npm may come from elsewhere than Debian (their packages then conflict): only install
# them when no npm is on PATH.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "loupe: missing packages (${missing[*]}) and neither root nor sudo to install them" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

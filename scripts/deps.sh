#!/usr/bin/env bash
# Installs loupe's build and test dependencies from Debian 12 packages (apt only). Idempotent:
# does nothing when every package is already installed. Works as root or through sudo.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang-format pkg-config
  libfmt-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev
  zlib1g-dev dataset-fashion-mnist
  libonnx-dev libprotobuf-dev protobuf-compiler
  libcpuinfo-dev libyaml-cpp-dev
  chromium  # headless rendering of the HTML lab report in tests (test_report_html)
  # tools/export_models.py (PyTorch parity tests; they skip without it)
  python3-torch python3-torchvision python3-onnx python3-numpy
  # fuzz/ (LOUPE_FUZZ): clang's libFuzzer runtime ships in libclang-rt-14-dev
  clang libclang-rt-14-dev
)

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

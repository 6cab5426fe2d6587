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

"$(dirname "$0")/apt-install.sh" "${packages[@]}"

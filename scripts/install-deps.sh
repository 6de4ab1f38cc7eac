#!/usr/bin/env bash
# Installs the Debian packages kiln needs to build and test (bookworm).
# Idempotent: a fast no-op when everything is already installed.
# Usage: bash scripts/install-deps.sh [--with-torch]
#   --with-torch  also install python3-torch and python3-torchvision (model-export tests).
set -euo pipefail

# libclang-rt-22-dev: clang-22's ASan/UBSan runtimes and libFuzzer
# (scripts/sanitize.sh, run by scripts/test.sh).
pkgs=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22
      libclang-rt-22-dev libprotobuf-dev protobuf-compiler libonnx-dev libgtest-dev
      cmake ninja-build ccache python3-venv python3-numpy)
for arg in "$@"; do
  case "$arg" in
    --with-torch) pkgs+=(python3-torch python3-torchvision) ;;
    *) echo "install-deps.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

# A package counts as present only when dpkg reports it fully installed.
missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# README command #1: installs the dependencies, builds kiln, and runs the main
# job (for now: inspect and import the tiny example model).
set -euo pipefail
cd "$(dirname "$0")/.."

# The demonstration itself; swap this function to change what main.sh shows.
main_job() {
  local model=examples/tiny/tiny.onnx out=build/examples/tiny
  echo "== kiln inspect $model"
  build/bin/kiln inspect "$model"
  echo "== kiln compile $model --emit onnx-mlir -o $out"
  rm -rf "$out"
  build/bin/kiln compile "$model" --emit onnx-mlir -o "$out"
  for f in "$out"/*; do
    echo "== $f"
    cat "$f"
  done
}

bash scripts/install-deps.sh
bash scripts/build.sh kiln
main_job

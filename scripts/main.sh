#!/usr/bin/env bash
# README command #1: installs the dependencies, builds kiln, and runs the main
# job: the digits example (examples/digits), a trained CNN compiled by kiln
# through kiln_add_model() and linked into a C++ program whose accuracy must
# equal ONNX Runtime's.
set -euo pipefail
cd "$(dirname "$0")/.."

# The digits example (examples/digits/README.md): a user-style CMake project
# that compiles digits.onnx with kiln_add_model() and links it into
# digits_demo, which classifies the held-out digits and must match ONNX
# Runtime's accuracy (exit status non-zero otherwise).
digits_job() {
  local src=examples/digits out=build/examples/digits
  echo "== cmake: configure $src -> $out (find_package(Kiln), kiln_add_model)"
  cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DKiln_DIR="$PWD/cmake" -DKILN_EXECUTABLE="$PWD/build/bin/kiln" --log-level=WARNING
  echo "== cmake --build $out"
  cmake --build "$out"
  echo "== $out/digits_demo"
  "$out/digits_demo"
}

# The earlier demonstration: inspect and import the tiny example model.
tiny_job() {
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

# The demonstration itself; swap this function to change what main.sh shows.
main_job() {
  digits_job
}

bash scripts/install-deps.sh
bash scripts/build.sh kiln
main_job

#!/bin/bash
# Makes the folder that the GPU machine's run of test/cuda/device_run.sh
# needs (the device tool carries at most 64 MiB and the GPU machine has no
# LLVM/MLIR libraries):
#   - kiln.xz: build/bin/kiln relinked statically against LLVM/MLIR (the
#     .a archives of the Debian packages) and libstdc++, stripped; it needs
#     only glibc, libz and libzstd there (about 18 MB compressed);
#   - test/cuda's scripts, test/models/export_models.py, the tiny and
#     digits examples, run_node_tests.py + expected_failures.txt;
#   - node-data.tar.xz: the ONNX backend test data of the pinned onnx.
#
#   scripts/cuda-device-bundle.sh BUILD_DIR OUT_DIR [PYTHON]
# Then, on the device (OUT_DIR carried, inside the repository):
#   bash OUT_DIR/device_run.sh OUT_DIR $OUT [steps]
set -eu
build=$(cd "$1" && pwd)
out=$2
py=${3:-python3}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

ninja -C "$build" bin/kiln > /dev/null
# The link command of bin/kiln with the shared LLVM/MLIR/protobuf swapped for
# static archives (lld keeps only what is referenced).
link=$(cd "$build" && ninja -t commands bin/kiln | tail -1)
link=$(echo "$link" | sed -e 's#^: && ##' -e 's# && :$##' \
  -e 's#-o bin/kiln #-o bin/kiln-static #' \
  -e 's#[^ ]*libprotobuf\.so[^ ]*#/usr/lib/x86_64-linux-gnu/libprotobuf.a#' \
  -e 's#[^ ]*libMLIR\.so[^ ]*##g' -e 's#[^ ]*libLLVM\.so[^ ]*##g' \
  -e 's#-Wl,-rpath,[^ ]*##')
(cd "$build" && eval "$link -fuse-ld=lld -static-libstdc++ -static-libgcc \
  -Wl,--start-group /usr/lib/llvm-22/lib/libMLIR*.a /usr/lib/llvm-22/lib/libLLVM*.a \
  -Wl,--end-group /usr/lib/x86_64-linux-gnu/libz.so.1 \
  /usr/lib/x86_64-linux-gnu/libzstd.so.1 -lpthread -ldl -lm")
strip -o "$out/kiln" "$build/bin/kiln-static"
"$out/kiln" compile "$src/examples/tiny/tiny.onnx" --target cuda --emit ptx \
  --name t -o "$out/.check" > /dev/null
rm -rf "$out/.check"
xz -6 -T2 -f "$out/kiln"

cp "$src"/test/cuda/*.py "$src"/test/cuda/*.sh "$src/test/models/export_models.py" \
   "$src/test/conformance/run_node_tests.py" \
   "$src/test/conformance/expected_failures.txt" "$out/"
for m in tiny digits; do
  mkdir -p "$out/examples/$m"
  cp "$src/examples/$m/$m.onnx" "$out/examples/$m/"
  [ -d "$src/examples/$m/test_data_set_0" ] && cp -r "$src/examples/$m/test_data_set_0" "$out/examples/$m/"
done
data=$("$py" -c 'import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data"))')
[ -s "$out/node-data.tar.xz" ] ||
  tar cf - -C "$data" node simple pytorch-converted pytorch-operator | xz -6 -T2 > "$out/node-data.tar.xz"
du -sh "$out"; ls -la "$out"

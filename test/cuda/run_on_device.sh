#!/bin/sh
# Runs libraries compiled here with `kiln compile --target cuda --emit shared`
# on a machine with an NVIDIA GPU and compares them with ONNX Runtime (CPU).
#   run_on_device.sh BUNDLE [OUTDIR]
# BUNDLE holds one folder per model: model.onnx, lib<name>.so (+ <name>.weights
# for --weights file) and optionally test_data_set_*/input_*.pb (each set is
# run; random inputs otherwise). Writes OUTDIR/results.txt and
# OUTDIR/<name>.<set>.json (OUTDIR defaults to $OUT, the device tool's output folder).
set -u
bundle=$(cd "$1" && pwd)
out=${2:-${OUT:-.}}
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python3}
mkdir -p "$out"
{
  echo "== device"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  $py -c 'import onnxruntime, numpy; print("onnxruntime", onnxruntime.__version__, "numpy", numpy.__version__)'
} > "$out/results.txt" 2>&1
status=0
for dir in "$bundle"/*/; do
  name=$(basename "$dir")
  [ -f "$dir/lib$name.so" ] || continue
  sets=$(cd "$dir" && ls -d test_data_set_* 2>/dev/null)
  for set in ${sets:-random}; do
    data=""
    [ "$set" = random ] || data="--data $dir/$set"
    echo "== $name ($set)" >> "$out/results.txt"
    # cwd = the model folder: a --weights file model finds <name>.weights there.
    (cd "$dir" && $py "$here/run_model.py" --lib "$dir/lib$name.so" \
       --name "$name" --model "$dir/model.onnx" $data \
       --json "$out/$name.$set.json") >> "$out/results.txt" 2>&1 || status=1
  done
done
cat "$out/results.txt"
exit $status

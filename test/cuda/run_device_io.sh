#!/bin/sh
# Runs every BUNDLE/<model>/device_io (test/cuda/device_io.c linked with that
# model's --target cuda library on the CPU machine) on a GPU machine.
#   run_device_io.sh BUNDLE [OUTDIR] [DIM] [ITERATIONS]
# Writes OUTDIR/device_io.txt; exits 1 if any check failed.
set -u
bundle=$1 out=${2:-${OUT:-.}} dim=${3:-2} iterations=${4:-50}
mkdir -p "$out"
status=0
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
    --format=csv,noheader
  for dir in "$bundle"/*/; do
    [ -x "$dir/device_io" ] || continue
    echo "== $(basename "$dir")"
    (cd "$dir" && ./device_io "$dim" "$iterations") || status=1
  done
} > "$out/device_io.txt" 2>&1
cat "$out/device_io.txt"
exit $status

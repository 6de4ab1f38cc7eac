#!/bin/sh
# Compiles examples/tiny for the CPU and for CUDA (static libraries), links
# both into io_memory.c with no CUDA library, and runs it.
#   io_memory.sh KILN SRCDIR OUTDIR [CC]
set -eu
kiln=$1 src=$2 out=$3 cc=${4:-cc}
rm -rf "$out"; mkdir -p "$out"
"$kiln" compile "$src/examples/tiny/tiny.onnx" --name tinycpu --emit lib -o "$out"
"$kiln" compile "$src/examples/tiny/tiny.onnx" --target cuda --name tinycu \
  --emit lib -o "$out"
"$cc" -std=c11 -Wall -Wextra -Werror -I"$out" -o "$out/io_memory" \
  "$src/test/cuda/io_memory.c" "$out/libtinycpu.a" "$out/libtinycu.a" \
  -lpthread -ldl -lm
"$out/io_memory"

#!/bin/sh
# Compiles examples/tiny with --target cuda into a static library, links it
# into nodriver.c with the C compiler and no CUDA library, and runs it.
#   nodriver.sh KILN SRCDIR OUTDIR [CC]
set -eu
kiln=$1 src=$2 out=$3 cc=${4:-cc}
rm -rf "$out"; mkdir -p "$out"
"$kiln" compile "$src/examples/tiny/tiny.onnx" --target cuda --name tiny \
  --emit lib -o "$out"
"$cc" -std=c11 -I"$out" -o "$out/nodriver" "$src/test/cuda/nodriver.c" \
  "$out/libtiny.a" -lpthread -ldl
if nm "$out/nodriver" | grep -qi ' U cu[A-Z]'; then
  echo "the program references CUDA symbols"; exit 1
fi
"$out/nodriver"

#!/bin/sh
# Compiles MODEL with `kiln compile --target cuda --emit ptx` for sm_80 and
# sm_90 and assembles every PTX module with ptxas for its .target (sm_90a
# where the tf32/fp16 GEMMs use wgmma).
#   check_ptx.sh KILN MODEL OUTDIR [PTXAS] [PRECISION]
# Exits 77 (ctest skip) when ptxas is not installed.
set -eu
kiln=$1 model=$2 out=$3
ptxas=${4:-}
[ -n "$ptxas" ] || ptxas=$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)
precision=${5:-fp32}
[ -x "$ptxas" ] || { echo "SKIP: ptxas not found"; exit 77; }
mkdir -p "$out"
for arch in sm_80 sm_90; do
  rm -rf "$out/$arch"; mkdir -p "$out/$arch"
  "$kiln" compile "$model" --target cuda --cuda-arch $arch --emit ptx \
    --precision "$precision" --name m -o "$out/$arch"
  # One file per module (split at the marker lines).
  awk -v dir="$out/$arch" '/^\/\/ ---- kiln: PTX module ----$/ {n++; next}
       {print > (dir "/module" n ".ptx")}' "$out/$arch/m.ptx"
  count=0
  for f in "$out/$arch"/module*.ptx; do
    # The module's own target: sm_90 tf32/fp16 GEMMs (wgmma) need sm_90a.
    target=$(sed -n 's/^\.target \(sm_[0-9a-z]*\).*/\1/p' "$f" | head -n 1)
    "$ptxas" -arch=${target:-$arch} -o "$f.cubin" "$f"
    count=$((count + 1))
  done
  # tf32/fp16 GEMMs must run on the tensor cores: mma.sync, and on sm_90
  # Hopper's warpgroup MMA.
  want='mma.sync.aligned'
  [ "$arch" = sm_90 ] && want='wgmma.mma_async.sync.aligned'
  if [ "$precision" != fp32 ] && ! grep -q "$want" "$out/$arch/m.ptx"; then
    echo "FAIL: --precision $precision but no $want in the $arch PTX"; exit 1
  fi
  echo "$model ($precision): $count PTX modules assembled for $arch"
done

#!/bin/bash
# The GPU-machine half of the CUDA tests and benchmarks (docs/cuda.md).
#
#   device_run.sh BUNDLE OUTDIR [STEPS]
#
# BUNDLE (made on the CPU machine by scripts/cuda-device-bundle.sh) holds
# kiln.xz (a kiln linked statically against LLVM/MLIR, so it runs on the GPU
# machine without Debian's libraries), these scripts, export_models.py and
# optionally node-data.tar.xz (the ONNX backend node tests of the onnx
# version pinned on the CPU machine) with expected_failures.txt. Models are
# exported on the GPU machine from the same seeded torch modules as on the
# CPU machine (ResNet-50's and BERT's weights are too large to carry) and
# compiled there with `kiln compile --target cuda`; ONNX Runtime (CPU) on the
# same machine is the reference. STEPS (comma list, default all):
#   env      GPU, driver, python packages, C compiler
#   models   export + compile + compare with ORT + latency (graph and eager)
#   torch    PyTorch eager / torch.compile latency, cuBLAS GEMM TFLOP/s
#   gemm     kiln's 4096^3 MatMul, device time -> TFLOP/s
#   profile  per-kernel device time of ResNet-50, MobileNetV2, BERT
#   node     the backend node tests through `kiln run --target cuda`
# KILN_CUDA_ARCH (default sm_80) is passed as --cuda-arch to every compile
# (sm_90: the Hopper wgmma GEMM kernels at tf32/fp16).
# KILN_CUDA_TMA=on|off is passed as --cuda-tma (default: kiln's, on).
# KILN_PRECISIONS (comma list, default fp32) compiles the models and the GEMM
# with each `--precision` (fp32 into the model folder, tf32/fp16 into a
# subfolder), compares each with ORT (rtol 1e-3 / atol 1e-4 for fp32,
# 1e-2 / 1e-2 for tf32/fp16) and runs torch_bench.py once per precision.
# OUTDIR gets summary.txt, models.json, torch.json, profile.txt and
# node.json (at most a few files: the device tool returns 8).
set -u
bundle=$(cd "$1" && pwd)
out=$2
steps=,${3:-env,models,torch,gemm,profile,node},
here=$(cd "$(dirname "$0")" && pwd)
work=${KILN_DEVICE_WORK:-/tmp/kiln-device}
models=${KILN_DEVICE_MODELS:-tiny,digits,dynamic_cnn,mobilenetv2,resnet50,bert_base}
py=${PYTHON:-python3}
precisions=${KILN_PRECISIONS:-fp32}
mkdir -p "$out" "$work"
summary=$out/summary.txt
has() { case $steps in *,$1,*) return 0;; esac; return 1; }
say() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$summary"; }
export PYTHONUNBUFFERED=1

kiln=$work/kiln
if [ ! -x "$kiln" ]; then
  $py -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
    "$bundle/kiln.xz" "$kiln" && chmod +x "$kiln"
fi

if has env; then
  say env
  { nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
    $py -c 'import torch, onnx, onnxruntime, numpy; print("torch", torch.__version__, "cuda", torch.version.cuda, "onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__, "numpy", numpy.__version__)'
    cc --version | head -1; nproc; "$kiln" --help | head -1
    echo "cuda-arch ${KILN_CUDA_ARCH:-sm_80}"; } >> "$summary" 2>&1
fi

# One model folder per name: model.onnx, test_data_set_*, lib<name>.so.
# fp32 libraries go into the model folder, others into DIR/PRECISION.
libdir() { # dir precision
  if [ "$2" = fp32 ]; then echo "$1"; else echo "$1/$2"; fi
}
compile_model() { # name dir [precision [outdir]]
  local t0=$SECONDS p=${3:-fp32} o
  o=${4:-$(libdir "$2" "$p")}; mkdir -p "$o"
  (cd "$2" && timeout "${KILN_COMPILE_TIMEOUT:-900}" "$kiln" compile model.onnx --target cuda --emit shared \
      --cuda-arch "${KILN_CUDA_ARCH:-sm_80}" --precision "$p" ${KILN_CUDA_TMA:+--cuda-tma "$KILN_CUDA_TMA"} \
      --weights file --name "$1" -o "$o" > "$o/compile.log" 2>&1)
  local rc=$?
  echo "$1 ($p): kiln compile --target cuda rc=$rc $((SECONDS - t0)) s" >> "$work/compile.txt"
  tail -3 "$o/compile.log" >> "$work/compile.txt"
}
tolerances() { # precision -> run_model.py flags (tf32/fp16: the reference
  # rounds the GEMM/conv operands as the library does; see run_model.py)
  if [ "$1" = fp32 ]; then echo "--rtol 1e-3 --atol 1e-4"; else echo "--rtol 1e-2 --atol 1e-2 --precision $1"; fi
}

if has models; then
  say "export + compile: $models"
  rm -f "$work/compile.txt"
  mkdir -p "$work/models"
  exported=$(echo ",$models," | sed 's/,tiny,/,/; s/,digits,/,/; s/^,//; s/,$//')
  $py "$here/export_on_device.py" --out-dir "$work/models" --models "$exported" >> "$summary" 2>&1
  for m in tiny digits; do
    case ,$models, in *,$m,*)
      mkdir -p "$work/models/$m"
      cp "$bundle/examples/$m/$m.onnx" "$work/models/$m/model.onnx"
      [ -d "$bundle/examples/$m/test_data_set_0" ] && cp -r "$bundle/examples/$m/test_data_set_0" "$work/models/$m/";;
    esac
  done
  for p in $(echo "$precisions" | tr , ' '); do
    for m in $(echo "$models" | tr , ' '); do
      [ -f "$work/models/$m/model.onnx" ] && compile_model "$m" "$work/models/$m" "$p" &
    done
  done
  wait
  cat "$work/compile.txt" >> "$summary"
  say "run vs onnxruntime (CPU)"
  echo "[" > "$out/models.json"; sep=""
  for p in $(echo "$precisions" | tr , ' '); do
  for m in $(echo "$models" | tr , ' '); do
    d=$work/models/$m
    o=$(libdir "$d" "$p")
    [ -f "$o/lib$m.so" ] || { echo "$m ($p): not compiled" >> "$summary"; continue; }
    sets=$(cd "$d" && ls -d test_data_set_*/ 2>/dev/null | tr -d /)
    for set in ${sets:-random}; do
      data=""; [ "$set" = random ] || data="--data $d/$set"
      (cd "$o" && timeout 600 $py "$here/run_model.py" --lib "$o/lib$m.so" --name "$m" \
         --model "$d/model.onnx" $data $(tolerances "$p") --eager --json "$o/$set.json") >> "$summary" 2>&1
      if [ -f "$o/$set.json" ]; then
        printf '%s{"set": "%s", "precision": "%s", "report": %s}\n' "$sep" "$set" "$p" "$(cat "$o/$set.json")" >> "$out/models.json"; sep=","
      fi
    done
  done
  done
  echo "]" >> "$out/models.json"
fi

if has torch; then
  say "pytorch eager / torch.compile"
  for p in $(echo "$precisions" | tr , ' '); do
    gemm=4096; [ "$p" = fp32 ] || gemm=0
    timeout 900 $py "$here/torch_bench.py" --precision "$p" --gemm $gemm \
      --iterations "${KILN_TORCH_ITERATIONS:-50}" --json "$out/torch.$p.json" >> "$summary" 2>&1
  done
fi

if has gemm; then
  say "kiln GEMM 4096^3"
  g=$work/models/gemm
  $py "$here/make_gemm.py" "$g" "${KILN_GEMM_N:-4096}"
  echo "[" > "$out/gemm.json"; sep=""
  run_gemm() { # libdir: compare with the test data, time 10 runs
    (cd "$1" && timeout 600 $py "$here/run_model.py" --lib "$1/libgemm.so" --name gemm \
       --model "$g/model.onnx" --data "$g/test_data_set_0" --rtol 1e-2 --atol 0.5 --iterations 10 \
       --json "$1/gemm.json") >> "$summary" 2>&1
  }
  for p in $(echo "$precisions" | tr , ' '); do
    o=$(libdir "$g" "$p")
    compile_model gemm "$g" "$p" && run_gemm "$o"
    if [ -f "$o/gemm.json" ]; then
      printf '%s{"precision": "%s", "report": %s}\n' "$sep" "$p" "$(cat "$o/gemm.json")" >> "$out/gemm.json"; sep=","
    fi
  done
  echo "]" >> "$out/gemm.json"
  # KILN_GEMM_TMA_OFF=1: the tf32/fp16 GEMM again with --cuda-tma off
  # (sm_90: the wgmma kernel with the threads' loads), for comparison.
  if [ -n "${KILN_GEMM_TMA_OFF:-}" ]; then
    for p in $(echo "$precisions" | tr , ' '); do
      [ "$p" = fp32 ] && continue
      echo "gemm ($p, --cuda-tma off):" >> "$summary"
      KILN_CUDA_TMA=off compile_model gemm "$g" "$p" "$g/$p-notma" && run_gemm "$g/$p-notma"
    done
  fi
fi

if has profile; then
  say "per-kernel profile"
  for p in ${precisions//,/ }; do
    for m in mobilenetv2 resnet50 bert_base; do
      d=$work/models/$m; o=$(libdir "$d" "$p")
      [ -f "$o/lib$m.so" ] || continue
      echo "## $m ($p)" >> "$out/profile.txt"
      (cd "$o" && KILN_CUDA_PROFILE="$work/$m.$p.profile" timeout 300 $py "$here/run_model.py" \
         --lib "$o/lib$m.so" --name "$m" --model "$d/model.onnx" --iterations 5 > /dev/null 2>&1)
      head -25 "$work/$m.$p.profile" >> "$out/profile.txt" 2>/dev/null
    done
  done
fi

if has node && [ -f "$bundle/node-data.tar.xz" ]; then
  say "backend node tests through kiln run --target cuda"
  mkdir -p "$work/data" && tar xJf "$bundle/node-data.tar.xz" -C "$work/data"
  KILN=$kiln timeout 1500 $py "$bundle/run_node_tests.py" --kiln "$here/kiln_cuda_run.sh" \
    --data-root "$work/data" --expected "$bundle/expected_failures.txt" \
    --jobs "${KILN_NODE_JOBS:-12}" --timeout 120 --results "$out/node.json" \
    ${KILN_NODE_FILTER:+--filter "$KILN_NODE_FILTER"} > "$work/node.log" 2>&1
  tail -40 "$work/node.log" >> "$summary"
fi
say done

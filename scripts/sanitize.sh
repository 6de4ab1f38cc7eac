#!/usr/bin/env bash
# ASan + UBSan build of kiln's own code (compiler, runtime library, tests;
# the LLVM/MLIR shared libraries are used as installed) in build-asan/, with
# clang-22, and the frontend unit tests, the end-to-end tests and the
# hostile-model corpus run under the sanitizers. With --fuzz SECONDS also
# builds the libFuzzer targets (KILN_FUZZ=ON) and runs each that long: the
# binary-protobuf fuzzer seeded with test/fuzz/corpus and the bad-model
# corpus, the text-format fuzzer seeded with the lit tests' textprotos.
#
#   scripts/sanitize.sh [--jobs N] [--fuzz SECONDS]
#
# Timings are written to build-asan/sanitize-times.txt and the fuzzer's
# final statistics to build-asan/fuzz-stats.txt (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=2
fuzz=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --fuzz) fuzz="$2"; shift 2 ;;
    *) echo "sanitize.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
build=build-asan
python=${KILN_PYTHON:-$PWD/.venv/bin/python}
flags=(-G Ninja -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
  "-DKILN_SANITIZE=address;undefined" -DKILN_PYTHON="$python")
if command -v ccache >/dev/null; then
  flags+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
[[ "$fuzz" != 0 ]] && flags+=(-DKILN_FUZZ=ON)
cmake "${flags[@]}" >/dev/null

targets=(kiln KilnFrontendTests KilnRuntimeTests kiln_e2e_tiny_c
  kiln_e2e_two_models kiln_e2e_stress kiln_e2e_failed_create)
[[ "$fuzz" != 0 ]] && targets+=(kiln-frontend-fuzzer kiln-text-fuzzer)
start=$(date +%s)
ninja -C "$build" -j"$jobs" "${targets[@]}"
built=$(date +%s)

# LLVM's shared libraries are not instrumented: their globals would look
# like ODR violations; leaks are checked (detect_leaks defaults to on).
export ASAN_OPTIONS=detect_odr_violation=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export KILN_HOSTILE_MEMORY_MB=0
# e2e.kiln_run_tiny is left out: the runtime bitcode is instrumented too, so
# a generated .so needs the sanitizer runtime, which `cc -shared` does not
# link; the static-library e2e programs above run generated models instead.  # ASan's shadow memory exceeds RLIMIT_AS
(cd "$build" && ctest --output-on-failure -R '^(unit-frontend|unit-runtime|e2e\.tiny_c|e2e\.two_models|e2e\.stress|e2e\.failed_create|hostile\.models|fuzz\..*)$')
tested=$(date +%s)
{
  echo "build_s $((built - start))"
  echo "test_s $((tested - built))"
  echo "jobs $jobs"
} > "$build/sanitize-times.txt"

if [[ "$fuzz" != 0 ]]; then
  # fuzz NAME SEED_DIR: runs one fuzzer for $fuzz seconds; its final
  # statistics go to $build/fuzz-NAME.txt, crashes to $build/fuzz-crashes/.
  fuzz_one() {
    local name=$1 work=$2
    "$build/test/fuzz/kiln-$name-fuzzer" "$work" -max_total_time="$fuzz" \
      -max_len=65536 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-crashes/" > "$build/fuzz-$name.log" 2>&1
    local rc=$?
    tail -40 "$build/fuzz-$name.log" > "$build/fuzz-$name.txt"
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' \
      "$build/fuzz-$name.txt" || true
    return $rc
  }
  mkdir -p "$build/fuzz-crashes"
  work="$build/fuzz-corpus"
  mkdir -p "$work"
  cp test/fuzz/corpus/* "$work/"
  find "$build/test/hostile/bad-models" -name model.onnx 2>/dev/null |
    while read -r f; do cp "$f" "$work/$(basename "$(dirname "$f")").onnx"; done
  text="$build/fuzz-text-corpus"
  mkdir -p "$text"
  find test/lit -name '*.textproto' | while read -r f; do
    cp "$f" "$text/$(echo "${f#test/lit/}" | tr / _)"; done
  status=0
  echo "fuzzing the binary frontend for $fuzz s"
  fuzz_one frontend "$work" || status=1
  echo "fuzzing the text reader for $fuzz s"
  fuzz_one text "$text" || status=1
  fuzzed=$(date +%s)
  echo "fuzz_s $((fuzzed - tested))" >> "$build/sanitize-times.txt"
  if [[ $status != 0 ]]; then
    echo "sanitize.sh: a fuzzer found a crash (see $build/fuzz-crashes/)" >&2
    exit 1
  fi
fi

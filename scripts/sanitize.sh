#!/usr/bin/env bash
# ASan + UBSan build of kiln's own code (compiler, runtime library, tests;
# the LLVM/MLIR shared libraries are used as installed) in build-asan/, with
# clang-22, and the frontend unit tests, the end-to-end tests and the
# hostile-model corpus run under the sanitizers. With --fuzz SECONDS also
# builds the libFuzzer target (KILN_FUZZ=ON) and fuzzes the frontend for
# that long, seeded with test/fuzz/corpus and the bad-model corpus.
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

targets=(kiln KilnFrontendTests kiln_e2e_tiny_c kiln_e2e_two_models kiln_e2e_stress)
[[ "$fuzz" != 0 ]] && targets+=(kiln-frontend-fuzzer)
start=$(date +%s)
ninja -C "$build" -j"$jobs" "${targets[@]}"
built=$(date +%s)

# LLVM's shared libraries are not instrumented: their globals would look
# like ODR violations; leaks are checked (detect_leaks defaults to on).
export ASAN_OPTIONS=detect_odr_violation=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export KILN_HOSTILE_MEMORY_MB=0  # ASan's shadow memory exceeds RLIMIT_AS
(cd "$build" && ctest --output-on-failure -R '^(unit-frontend|e2e\.tiny_c|e2e\.two_models|e2e\.kiln_run_tiny|e2e\.stress|hostile\.models)$')
tested=$(date +%s)
{
  echo "build_s $((built - start))"
  echo "test_s $((tested - built))"
  echo "jobs $jobs"
} > "$build/sanitize-times.txt"

if [[ "$fuzz" != 0 ]]; then
  work="$build/fuzz-corpus"
  mkdir -p "$work" "$build/fuzz-crashes"
  cp test/fuzz/corpus/* "$work/"
  find "$build/test/hostile/bad-models" -name model.onnx 2>/dev/null |
    while read -r f; do cp "$f" "$work/$(basename "$(dirname "$f")").onnx"; done
  "$build/test/fuzz/kiln-frontend-fuzzer" "$work" -max_total_time="$fuzz" \
    -max_len=65536 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-crashes/" 2>&1 | tail -40 > "$build/fuzz-stats.txt" || true
  cat "$build/fuzz-stats.txt"
fi

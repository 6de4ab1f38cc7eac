#!/usr/bin/env bash
# ASan + UBSan (+ LSan) runs of the code that handles hostile input, and the
# libFuzzer targets; docs/reliability.md records the figures.
#
#   scripts/sanitize.sh [--fuzz SECONDS] [--jobs N] [--full]
#
# Default, the light tier that CI runs after the main ctest
# (scripts/test.sh): build-san/ is configured with clang-22 over the normal
# build's libraries (-DKILN_PREBUILT_DIR=build, cmake/KilnPrebuilt.cmake):
# only the frontend, the `kiln` driver, the runtime (C library, and the
# bitcode linked into every generated library) and the test programs are
# compiled, instrumented; dialect, lowering and codegen are build/'s
# uninstrumented archives. Then, under the sanitizers: the e2e tests (tiny,
# two models in one program, failed creates, `kiln run`, strings, 16-thread
# stress), the bad-model corpus (hostile.models) and every fuzz seed once;
# with --fuzz, both fuzzers at once for SECONDS each (one core each): the
# binary-protobuf one seeded with test/fuzz/corpus and the bad-model corpus,
# the text-format one with the lit tests' textprotos.
#
# --full: the old tier, everything of kiln's (dialect, lowering, codegen,
# unit tests too) rebuilt with clang-22 + sanitizers in build-asan/ (about
# an hour on 2 cores from scratch); the same tests plus unit-frontend and
# unit-runtime.
#
# Prints one summary line `sanitize: ...` and exits non-zero on a failed
# test, a sanitizer report or a fuzzer crash (artifacts in BUILD/fuzz-crashes/).
# Writes BUILD/sanitize-times.txt (also appended as one line to
# BUILD/sanitize-history.txt) and BUILD/fuzz-{frontend,text}.txt (the
# fuzzers' final statistics), which test/hostile/write_reliability_md.py reads.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=2
fuzz=0
full=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --fuzz) fuzz="$2"; shift 2 ;;
    --full) full=1; shift ;;
    *) echo "sanitize.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
python=${KILN_PYTHON:-/usr/bin/python3}
[[ -z "${KILN_PYTHON:-}" && -x .venv/bin/python ]] && python=$PWD/.venv/bin/python
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

start=$(date +%s)
loadavg=$(cut -d' ' -f1 /proc/loadavg)
ccache=off
flags=(-G Ninja -S . -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
  "-DKILN_SANITIZE=address;undefined" -DKILN_FUZZ=ON -DKILN_PYTHON="$python")
if command -v ccache >/dev/null; then
  flags+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  [[ -n "${CCACHE_DISABLE:-}" ]] || ccache=on
fi
if [[ $full == 1 ]]; then
  build=build-asan
  targets=(kiln KilnFrontendTests KilnRuntimeTests kiln_e2e_tiny_c
    kiln_e2e_two_models kiln_e2e_stress kiln_e2e_failed_create kiln_e2e_strings
    kiln_e2e_check_failed
    kiln-frontend-fuzzer kiln-text-fuzzer)
  tests='^(unit-frontend|unit-runtime|e2e\..*|hostile\.models|fuzz\..*)$'
else
  build=build-san
  # The archives this tree links must match the sources: bring build/ up to
  # date first (a no-op after scripts/build.sh).
  bash scripts/build.sh kiln > /dev/null
  flags+=(-DKILN_PREBUILT_DIR="$PWD/build")
  targets=(all)
  tests=.
fi
fresh=$([[ -f "$build/build.ninja" ]] && echo no || echo yes)
mkdir -p "$build"
cmake "${flags[@]}" -B "$build" > "$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
ninja -C "$build" -j"$jobs" "${targets[@]}"
built=$(date +%s)

# LLVM's shared libraries are not instrumented: their globals would look
# like ODR violations. Leaks are checked (detect_leaks is on by default);
# every report aborts the process (the code is built with
# -fno-sanitize-recover=all).
export ASAN_OPTIONS=detect_odr_violation=0:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# ASan's shadow memory exceeds run_bad_models.py's RLIMIT_AS.
export KILN_HOSTILE_MEMORY_MB=0
# A test passes only without a sanitizer report anywhere in its output
# (a test that runs a child and checks only its exit status would miss one).
reports='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer'
status=0
ctest_log="$build/ctest-sanitize.log"
(cd "$build" && ctest --output-on-failure --no-tests=error -j"$jobs" -R "$tests" \
  -O ctest-sanitize.log) > "$build/ctest-summary.txt" 2>&1 || status=1
tests_line=$(grep -E 'tests passed' "$build/ctest-summary.txt" || echo 'ctest: no summary')
if grep -Eq "$reports" "$ctest_log"; then
  echo "sanitize.sh: sanitizer report in the test output ($ctest_log):" >&2
  grep -E -m5 "$reports" "$ctest_log" >&2
  status=1
fi
[[ $status == 0 ]] || cat "$build/ctest-summary.txt" >&2
tested=$(date +%s)

fuzz_line="fuzzing off"
if [[ "$fuzz" != 0 ]]; then
  # fuzz_one NAME CORPUS: runs kiln-NAME-fuzzer for $fuzz seconds on a fresh
  # copy of CORPUS; full log in $build/fuzz-NAME.log, final statistics in
  # $build/fuzz-NAME.txt, crash/leak/timeout inputs in $build/fuzz-crashes/.
  fuzz_one() {
    local name=$1 work=$2 rc=0
    "$build/test/fuzz/kiln-$name-fuzzer" "$work" -max_total_time="$fuzz" \
      -max_len=65536 -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-crashes/$name-" \
      > "$build/fuzz-$name.log" 2>&1 || rc=$?
    tail -40 "$build/fuzz-$name.log" > "$build/fuzz-$name.txt"
    echo "exit_status $rc" >> "$build/fuzz-$name.txt"
    return $rc
  }
  # execs NAME: the executions of the last run of kiln-NAME-fuzzer.
  execs() {
    sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz-$1.txt" | tail -1
  }
  rm -rf "$build/fuzz-crashes" "$build/fuzz-corpus" "$build/fuzz-text-corpus"
  mkdir -p "$build/fuzz-crashes" "$build/fuzz-corpus" "$build/fuzz-text-corpus"
  cp test/fuzz/corpus/* "$build/fuzz-corpus/"
  # The bad-model corpus, which hostile.models has just generated.
  { find "$build/test/hostile/bad-models" -name model.onnx 2>/dev/null || true; } |
    while read -r f; do
      cp "$f" "$build/fuzz-corpus/$(basename "$(dirname "$f")").onnx"
    done
  find test/lit -name '*.textproto' | while read -r f; do
    cp "$f" "$build/fuzz-text-corpus/$(echo "${f#test/lit/}" | tr / _)"; done
  # One core each: the two fuzzers run side by side.
  fuzz_one frontend "$build/fuzz-corpus" & frontend_pid=$!
  fuzz_one text "$build/fuzz-text-corpus" & text_pid=$!
  fuzz_status=0
  wait $frontend_pid || fuzz_status=1
  wait $text_pid || fuzz_status=1
  crashes=$(find "$build/fuzz-crashes" -type f | wc -l)
  fuzz_line="fuzz ${fuzz} s each: frontend $(execs frontend) execs, text $(execs text) execs, $crashes crashes"
  if [[ $fuzz_status != 0 || $crashes != 0 ]]; then
    echo "sanitize.sh: a fuzzer found a crash, leak or timeout:" >&2
    find "$build/fuzz-crashes" -type f >&2
    grep -h -E -m3 "ERROR: |runtime error:|==ERROR|deadly signal" \
      "$build"/fuzz-*.log >&2 || true
    status=1
  fi
fi
fuzzed=$(date +%s)

{
  echo "build_s $((built - start))"
  echo "test_s $((tested - built))"
  echo "fuzz_s $((fuzzed - tested))"
  echo "total_s $((fuzzed - start))"
  echo "jobs $jobs"
  echo "ccache $ccache"
  echo "fresh_dir $fresh"
  echo "loadavg $loadavg"
  echo "tier $([[ $full == 1 ]] && echo full || echo light)"
  echo "result $([[ $status == 0 ]] && echo ok || echo FAILED)"
  echo "date $(date -u +%Y-%m-%dT%H:%MZ)"
} > "$build/sanitize-times.txt"
# One line per run, so that both a cold (CCACHE_DISABLE=1, fresh folder)
# and a warm run can be reported.
tr '\n' ' ' < "$build/sanitize-times.txt" >> "$build/sanitize-history.txt"
echo >> "$build/sanitize-history.txt"
result=$([[ $status == 0 ]] && echo ok || echo FAILED)
echo "sanitize: $result ($build, ASan+UBSan+LSan): $tests_line; $fuzz_line;" \
  "build $((built - start)) s, tests $((tested - built)) s, fuzz $((fuzzed - tested)) s"
exit $status

#!/usr/bin/env python3
"""Regenerates docs/reliability.md from the reliability checks' own runs.

    write_reliability_md.py BUILD_DIR [--san-dir build-san] [--fuzz-dir DIR]
                            [-o docs/reliability.md]

Runs, against BUILD_DIR (a normal build with kiln and the e2e targets
built): the bad-model corpus (run_bad_models.py --generate), the
reproducibility check (check_repro.py), the stress test and the valgrind
test binaries; reads scripts/sanitize.sh's results from --san-dir (build-san:
sanitize-times.txt, ctest-summary.txt, fuzz-frontend.txt, fuzz-text.txt)
and a long fuzz run's from --fuzz-dir. Every figure in the page
comes from these runs.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def sh(cmd, **kw):
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - start


def read_pairs(path):
    """`key value...` lines (sanitize-times.txt) as a dict."""
    pairs = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            if key:
                pairs[key] = value
    return pairs


def fuzz_stats(path):
    """Executions, seconds, corpus additions, peak RSS and exit status of
    one libFuzzer run, from the last lines of its output."""
    with open(path) as f:
        text = f.read()
    def last(pattern):
        found = re.findall(pattern, text, re.M)
        return found[-1] if found else None
    return {
        "execs": last(r"^stat::number_of_executed_units:\s*(\d+)"),
        "secs": last(r"^Done \d+ runs in (\d+) second"),
        "new_units": last(r"^stat::new_units_added:\s*(\d+)"),
        "rss_mb": last(r"^stat::peak_rss_mb:\s*(\d+)"),
        "exit": last(r"^exit_status (\d+)"),
    }


def fuzz_line(name, st):
    secs = f" in {st['secs']} s" if st["secs"] else ""
    return (f"`kiln-{name}-fuzzer`: {st['execs'] or '?'} executions{secs}, "
            f"{st['new_units'] or '?'} inputs added to the corpus, peak RSS "
            f"{st['rss_mb'] or '?'} MB, exit status {st['exit'] or '?'}")


def write_sanitizer_section(w, san_dir, fuzz_dir):
    w("## Sanitizers and fuzzing\n")
    w("**CI tier** (`scripts/sanitize.sh --fuzz 60`, run by `scripts/test.sh` "
      "after the main ctest). `build-san/` is configured with clang-22, "
      "`-DKILN_SANITIZE=\"address;undefined\" -DKILN_FUZZ=ON "
      "-DKILN_PREBUILT_DIR=build` (cmake/KilnPrebuilt.cmake): only the code "
      "that handles hostile input is compiled, instrumented -- frontend/, the "
      "`kiln` driver, runtime/ (its C library, and the runtime bitcode that "
      "every generated library links, so the e2e programs' models run an "
      "instrumented runtime; the GEMM/conv microkernels excepted), the e2e "
      "programs and the fuzzers -- and linked against build/'s gcc-built, "
      "uninstrumented dialect, shape-inference, lowering and codegen "
      "archives. Under ASan+UBSan (every report aborts) and LSan: the e2e "
      "tests (tiny_c, two_models, failed_create, check_failed, kiln_run_tiny, "
      "strings, "
      "stress), hostile.models (the corpus above, compiled by the "
      "instrumented `kiln`), every fuzz seed once (fuzz.frontend_corpus, "
      "fuzz.text_corpus), then both fuzzers side by side for 60 s each. A "
      "failed test, a sanitizer report anywhere in the tests' output or a "
      "fuzzer crash, leak or timeout fails CI.\n")
    times = os.path.join(san_dir, "sanitize-times.txt")
    if os.path.exists(times):
        runs = []
        history = os.path.join(san_dir, "sanitize-history.txt")
        if os.path.exists(history):
            with open(history) as f:
                for line in f:
                    words = line.split()
                    runs.append(dict(zip(words[::2], words[1::2])))
        cold = [r for r in runs if r.get("ccache") == "off"
                and r.get("fresh_dir") == "yes" and r.get("fuzz_s") != "0"]
        warm = [r for r in runs if r.get("ccache") == "on"
                and r.get("fuzz_s") != "0"]
        shown = ([("from scratch: fresh build-san/, CCACHE_DISABLE=1",
                   cold[-1])] if cold else []) + \
                ([("ccache on, " + ("fresh build-san/"
                   if warm[-1].get("fresh_dir") == "yes" else
                   "build-san/ of an earlier run kept (incremental)"),
                   warm[-1])] if warm else [])
        if not shown:
            shown = [("last run", read_pairs(times))]
        w("Time the tier adds to `scripts/test.sh`, measured on the 2-core "
          "development machine, shared with other builds (load average at "
          "the start given), `-j2`:\n")
        w("| run | build | tests | fuzzing | total | load | result |")
        w("|---|---|---|---|---|---|---|")
        for what, t in shown:
            w(f"| {what} ({t.get('date', '?')}) | {t.get('build_s', '?')} s "
              f"| {t.get('test_s', '?')} s | {t.get('fuzz_s', '?')} s | "
              f"**{t.get('total_s', '?')} s** | {t.get('loadavg', '?')} | "
              f"{t.get('result', '?')} |")
        w("")
        w("Last run:")
        summary = os.path.join(san_dir, "ctest-summary.txt")
        if os.path.exists(summary):
            with open(summary) as f:
                line = [l.strip() for l in f if "tests passed" in l]
            w(f"- tests: `{line[-1] if line else '?'}`")
        hostile = os.path.join(san_dir, "test", "hostile",
                               "hostile-summary.json")
        if os.path.exists(hostile):
            with open(hostile) as f:
                h = json.load(f)
            w(f"- bad-model corpus under the sanitizers: {h['clean']}/"
              f"{h['cases']} cases rejected cleanly, failures: "
              f"{', '.join(h['failures']) or 'none'}")
        for name in ("frontend", "text"):
            path = os.path.join(san_dir, f"fuzz-{name}.txt")
            if os.path.exists(path):
                w(f"- {fuzz_line(name, fuzz_stats(path))}")
        w("")
    else:
        w("- no run of scripts/sanitize.sh in this checkout's build-san/.\n")

    w("**Long fuzz run.** The same two fuzzers (test/fuzz/frontend_fuzzer.cpp: "
      "binary protobuf bytes; text_fuzzer.cpp: protobuf text format; both "
      "then import, verify and run the import pipeline with shape inference, "
      "test/fuzz/FuzzFrontend.h), one process each, one after the other. A "
      "crash, sanitizer report, leak or timeout stops the run; each one "
      "found is fixed and its input added to test/fuzz/corpus/ "
      "(fuzz.frontend_corpus runs every seed).\n")
    if fuzz_dir and os.path.isdir(fuzz_dir):
        setup = os.path.join(fuzz_dir, "fuzz-setup.txt")
        if os.path.exists(setup):
            with open(setup) as f:
                w(f.read().strip() + "\n")
        for name in ("frontend", "text"):
            path = os.path.join(fuzz_dir, f"fuzz-{name}.txt")
            if os.path.exists(path):
                w(f"- {fuzz_line(name, fuzz_stats(path))}")
        crash_dir = os.path.join(fuzz_dir, "fuzz-crashes")
        crashes = sorted(os.listdir(crash_dir)) if os.path.isdir(crash_dir) else []
        w(f"- crash artifacts: {len(crashes)}"
          f"{' (' + ', '.join(crashes) + ')' if crashes else ''}")
        fixed = os.path.join(fuzz_dir, "fuzz-fixed.txt")
        if os.path.exists(fixed):
            with open(fixed) as f:
                w(f.read().strip())
        elif not crashes:
            w("- no crash, leak or timeout found: nothing to fix, no "
              "regression seed added")
        w("")
    else:
        w("- no long run recorded (pass --fuzz-dir).\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--san-dir", default=os.path.join(ROOT, "build-san"),
                    help="scripts/sanitize.sh's build folder (its "
                         "sanitize-times.txt, ctest-summary.txt, "
                         "fuzz-{frontend,text}.txt)")
    ap.add_argument("--fuzz-dir", default=None,
                    help="a long fuzz run's folder: fuzz-frontend.txt, "
                         "fuzz-text.txt (libFuzzer's final lines), "
                         "fuzz-crashes/, fuzz-setup.txt")
    ap.add_argument("-o", "--output",
                    default=os.path.join(ROOT, "docs", "reliability.md"))
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    kiln = os.path.join(build, "bin", "kiln")
    py = sys.executable
    out = []
    w = out.append

    corpus = os.path.join(build, "test", "hostile", "bad-models")
    summary = os.path.join(build, "test", "hostile", "hostile-summary.json")
    rc, log, secs = sh([py, os.path.join(HERE, "run_bad_models.py"), kiln,
                        corpus, "--generate", "--timeout", "10",
                        "--memory-mb", "4096", "--summary", summary])
    with open(summary) as f:
        s = json.load(f)
    with open(os.path.join(corpus, "cases.json")) as f:
        cases = json.load(f)

    w("# Reliability\n")
    w("Generated by `test/hostile/write_reliability_md.py BUILD_DIR` "
      "(do not edit by hand). What is checked, and the figures of the last "
      "run.\n")
    w("## Bad-model corpus (`hostile.models`)\n")
    w("`test/hostile/make_bad_models.py` writes the corpus into the build "
      "tree; `test/hostile/run_bad_models.py` runs `kiln compile` (emit lib, "
      f"fresh empty output folder) on each case under a {s['timeout_s']:g} s "
      f"time limit and RLIMIT_AS = {s['memory_mb']} MiB, and requires exit "
      "status 1, exactly one stderr line `kiln: error: ...` containing the "
      "case's expected text (the node or initializer named), nothing on "
      "stdout and nothing left in the output folder.\n")
    w(f"- cases: **{s['cases']}**, rejected cleanly: **{s['clean']}**, "
      f"failures: {', '.join(s['failures']) or 'none'}")
    w(f"- slowest case: {s['slowest_case']} ({s['slowest_s']} s); whole "
      f"corpus {secs:.1f} s\n")
    w("| case | error (first 110 characters) |")
    w("|---|---|")
    for c in cases:
        rc2, err, _ = sh([kiln, "compile", c["model"], "-o",
                          os.path.join(build, "hostile-doc-out")])
        shutil.rmtree(os.path.join(build, "hostile-doc-out"),
                      ignore_errors=True)
        line = err.strip().splitlines()[0] if err.strip() else f"(exit {rc2})"
        line = line.replace(c["model"], "model.onnx").replace("|", "\\|")
        w(f"| {c['name']} | `{line[:110]}` |")
    w("")

    w("## Reproducible output (`repro.byte_identical`)\n")
    models = [os.path.join(ROOT, "examples", "tiny", "tiny.onnx"),
              os.path.join(ROOT, "examples", "digits", "digits.onnx")]
    rc, log, secs = sh([py, os.path.join(HERE, "check_repro.py"), kiln] +
                       models + ["--emit", "lib,obj,shared"])
    w("examples/tiny and examples/digits compiled twice with the same flags "
      "(`--emit lib`, `obj`, `shared`) into two folders; every output file "
      "compared byte for byte.\n")
    w(f"- result: `{log.strip().splitlines()[-1]}` ({secs:.1f} s)\n")

    w("## Generated libraries under load\n")
    stress = os.path.join(build, "test", "e2e", "kiln_e2e_stress")
    data = os.path.join(ROOT, "examples", "tiny", "test_data_set_0")
    if os.path.exists(stress):
        rc, log, secs = sh([stress, data, "16", "500"])
        w("`e2e.stress` (test/e2e/stress_test.c): 16 threads, each with its "
          "own session (1..4 intra-op threads), 500 runs each of tiny at "
          "batch 5 on distinct inputs; every output compared bitwise with a "
          "single-threaded session's.\n")
        w(f"- result: `{log.strip().splitlines()[-1]}` (exit {rc}, "
          f"{secs:.2f} s)\n")
    vg = shutil.which("valgrind")
    tiny_base = os.path.join(build, "test", "e2e", "kiln_e2e_tiny_base_c")
    if vg and os.path.exists(tiny_base):
        rc, log, secs = sh([vg, "--error-exitcode=1", "--leak-check=full",
                            tiny_base, data])
        summary_line = [l for l in log.splitlines() if "ERROR SUMMARY" in l]
        leaks = [l for l in log.splitlines()
                 if "definitely lost" in l or "All heap blocks" in l]
        w("`e2e.valgrind_tiny`: valgrind memcheck over test/e2e/tiny_c_test.c "
          "(results at batch 1 and 5, every bad call) with tiny compiled for "
          "x86-64-v2 (valgrind does not decode AVX-512).\n")
        w(f"- `{summary_line[-1].split('== ')[-1] if summary_line else '?'}`"
          f"; `{leaks[-1].split('== ')[-1] if leaks else '?'}` (exit {rc})\n")

    write_sanitizer_section(w, args.san_dir, args.fuzz_dir)

    with open(args.output, "w") as f:
        f.write("\n".join(out))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs the ONNX backend test suite through `kiln run` and checks the result
against a checked-in expectation file.

Every test folder of the pinned onnx package's backend test data (node/,
simple/, pytorch-converted/, pytorch-operator/) holds model.onnx and
test_data_set_N/ folders; each data set is run with

    kiln run model.onnx --data test_data_set_N --rtol 1e-3 --atol 1e-7

(the ONNX backend-test defaults; `kiln run`'s own default atol is 1e-4).
Outcomes:
  PASS           exit 0 for every data set
  FAIL           exit 1 with an output mismatch (values or shape)
  COMPILE-ERROR  the model did not compile (one-line reason)
  RUN-ERROR      it compiled but reading the data or running it failed
  CRASH          a signal, an unexpected exit code, or the per-test timeout

expected_failures.txt lists every test that does not PASS, one per line:
`test_name  OUTCOME: reason`. The run fails when a test fails but is not
listed, or a listed test passes (the list never goes stale); a changed
reason is only reported. A reason may be followed by an explanation in
parentheses, which `--update` keeps while the reason holds. `--update`
rewrites the list from this run.

Usage:
  python test/conformance/run_node_tests.py --kiln build/bin/kiln
      [--jobs 2] [--timeout 120] [--filter REGEX] [--update]
      [--expected FILE] [--data-root DIR] [--results FILE.json]
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

SUITES = ("node", "simple", "pytorch-converted", "pytorch-operator")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_EXPECTED = os.path.join(HERE, "expected_failures.txt")
RTOL, ATOL = "1e-3", "1e-7"
ERROR_PREFIX = "kiln: error: "


def default_data_root() -> str:
    """The backend test data shipped inside the onnx package (the test venv's)."""
    import onnx
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")


def discover(root: str) -> list[tuple[str, str, str]]:
    """(name, suite, folder) for every test; names are the folder names,
    prefixed by the suite where two suites share one."""
    found = []
    for suite in SUITES:
        for model in sorted(glob.glob(os.path.join(root, suite, "*", "model.onnx"))):
            folder = os.path.dirname(model)
            found.append((os.path.basename(folder), suite, folder))
    counts: dict[str, int] = {}
    for name, _, _ in found:
        counts[name] = counts.get(name, 0) + 1
    return [(name if counts[name] == 1 else f"{suite}/{name}", suite, folder)
            for name, suite, folder in found]


def clean(line: str, folder: str) -> str:
    """A reason without the machine-specific paths in it."""
    line = line.replace(folder + "/", "").replace(folder, "<test>")
    line = re.sub(r"/tmp/kiln-[a-z]+-[^/\s']*", "<tmp>", line)
    return line.strip()


def crash_site(stderr: str, folder: str) -> str:
    """Where a crash happened: the innermost stack frame outside the signal
    handler and libc, or the first error line."""
    for line in stderr.splitlines():
        m = re.match(r"\s*#\d+ 0x[0-9a-f]+ (.*)", line)
        if not m or "libc.so" in line or "PrintStackTrace" in line \
                or "RunSignalHandlers" in line or re.match(r"\(\S+\+0x", m.group(1)):
            continue
        frame = re.sub(r"\s*\(/[^)]*\)$", "", m.group(1))
        return f" in {frame.split(' ')[0]}"
    errors = [l for l in stderr.splitlines() if l.startswith(ERROR_PREFIX)]
    return f": {clean(errors[0][len(ERROR_PREFIX):], folder)}" if errors else ""


def run_one(kiln: str, name: str, folder: str, timeout: float) -> dict:
    """Runs every data set of one test; returns its outcome record."""
    model = os.path.join(folder, "model.onnx")
    sets = sorted(glob.glob(os.path.join(folder, "test_data_set_*")))
    start = time.monotonic()
    outcome, reason = "PASS", ""
    if not sets:
        outcome, reason = "RUN-ERROR", "no test_data_set_N folder"
    for data in sets:
        cmd = [kiln, "run", model, "--data", data, "--rtol", RTOL, "--atol", ATOL]
        left = timeout - (time.monotonic() - start)
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=max(left, 1))
        except subprocess.TimeoutExpired:
            outcome, reason = "CRASH", f"timeout after {timeout:g} s"
            break
        if proc.returncode == 0:
            continue
        out = proc.stdout.decode("utf-8", errors="replace")
        err = proc.stderr.decode("utf-8", errors="replace")
        errors = [l[len(ERROR_PREFIX):] for l in err.splitlines()
                  if l.startswith(ERROR_PREFIX)]
        first = clean(errors[0] if errors else
                      (err.strip().splitlines() or [""])[0], folder)
        if proc.returncode < 0:
            try:
                sig = signal.Signals(-proc.returncode).name
            except ValueError:
                sig = f"signal {-proc.returncode}"
            outcome, reason = "CRASH", f"killed by {sig}{crash_site(err, folder)}"
        elif proc.returncode != 1:
            outcome, reason = "CRASH", f"exit {proc.returncode}: {first}"
        elif "shape mismatch" in out:
            outcome, reason = "FAIL", "output shape mismatch"
        elif "MISMATCH" in out:
            outcome, reason = "FAIL", "output values mismatch"
        elif any(e.startswith("compiling '") and e.endswith("' failed") for e in errors):
            outcome, reason = "COMPILE-ERROR", first
        else:
            outcome, reason = "RUN-ERROR", first
        break
    return {"name": name, "outcome": outcome, "reason": reason,
            "seconds": round(time.monotonic() - start, 3)}


def read_expected(path: str) -> dict[str, str]:
    """test name -> "OUTCOME: reason" from the expectation file."""
    expected = {}
    if not os.path.exists(path):
        return expected
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            name, _, reason = line.partition("  ")
            expected[name.strip()] = reason.strip()
    return expected


def same_reason(listed: str | None, r: dict) -> bool:
    """Whether a listed line says what this run found: the same text, or the
    same text followed by a hand-written explanation in parentheses."""
    found = f"{r['outcome']}: {r['reason']}"
    return listed is not None and (listed == found or listed.startswith(found + " ("))


def write_expected(path: str, results: list[dict], keep: dict[str, str],
                   listed: dict[str, str]) -> None:
    """Rewrites the list: this run's failures plus `keep` (tests not run);
    explanations added to a reason that still holds are kept."""
    lines = dict(keep)
    for r in results:
        lines.pop(r["name"], None)
        if r["outcome"] != "PASS":
            old = listed.get(r["name"])
            lines[r["name"]] = old if same_reason(old, r) else f"{r['outcome']}: {r['reason']}"
    with open(path, "w", encoding="utf-8") as f:
        f.write("# ONNX backend tests that kiln does not pass, with the reason.\n"
                "# Format: test_name  OUTCOME: reason   (two spaces). Checked by\n"
                "# test/conformance/run_node_tests.py (ctest conformance.node);\n"
                "# regenerate with its --update option.\n")
        for name in sorted(lines):
            f.write(f"{name}  {lines[name]}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--expected", default=DEFAULT_EXPECTED)
    ap.add_argument("--filter", default=None, help="regex on test names")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per test")
    ap.add_argument("--update", action="store_true", help="rewrite the expectation file")
    ap.add_argument("--results", default=None, help="write every outcome as JSON")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    root = args.data_root or default_data_root()
    tests = discover(root)
    if args.filter:
        tests = [t for t in tests if re.search(args.filter, t[0])]
    if not tests:
        print(f"run_node_tests: no tests under {root}", file=sys.stderr)
        return 1
    kiln = os.path.abspath(args.kiln)

    start = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, kiln, name, folder, args.timeout)
                   for name, _, folder in tests]
        for i, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            r = fut.result()
            results.append(r)
            if args.verbose:
                print(f"[{i}/{len(tests)}] {r['name']}: {r['outcome']} {r['reason']}",
                      flush=True)
    elapsed = time.monotonic() - start
    results.sort(key=lambda r: r["name"])
    suite_of = {name: suite for name, suite, _ in tests}

    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            json.dump([dict(r, suite=suite_of[r["name"]]) for r in results], f, indent=1)

    counts: dict[str, int] = {}
    for r in results:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    node = [r for r in results if suite_of[r["name"]] == "node"]
    node_pass = sum(r["outcome"] == "PASS" for r in node)
    print(f"run_node_tests: {len(results)} tests in {elapsed:.0f} s with "
          f"{args.jobs} jobs: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if node:
        print(f"run_node_tests: node/ pass rate {node_pass}/{len(node)} = "
              f"{100.0 * node_pass / len(node):.1f}%")

    expected = read_expected(args.expected)
    if args.update:
        ran = {r["name"] for r in results}
        write_expected(args.expected, results,
                       {k: v for k, v in expected.items() if k not in ran}, expected)
        print(f"run_node_tests: wrote {args.expected}")
        return 0

    unexpected_fail = [r for r in results if r["outcome"] != "PASS" and r["name"] not in expected]
    unexpected_pass = [r for r in results if r["outcome"] == "PASS" and r["name"] in expected]
    changed = [r for r in results if r["outcome"] != "PASS" and r["name"] in expected
               and not same_reason(expected[r["name"]], r)]
    for r in changed:
        print(f"note: {r['name']}: reason changed to {r['outcome']}: {r['reason']} "
              f"(listed: {expected[r['name']]})")
    for r in unexpected_fail:
        print(f"UNEXPECTED {r['outcome']}: {r['name']}: {r['reason']}")
    for r in unexpected_pass:
        print(f"UNEXPECTED PASS: {r['name']} (listed as {expected[r['name']]}); "
              f"remove it from {os.path.basename(args.expected)}")
    if unexpected_fail or unexpected_pass:
        print(f"run_node_tests: {len(unexpected_fail)} unexpected failures, "
              f"{len(unexpected_pass)} unexpected passes; rerun with --update to "
              f"accept this run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

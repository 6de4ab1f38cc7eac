#!/usr/bin/env python3
"""Imports every ONNX backend-test model with `kiln compile --emit onnx-mlir`.

Each model must end in one of two acceptable ways:
  import  exit 0 and a non-empty output written
  error   exit 1 and stderr exactly one line starting "kiln: error: "
Anything else is BAD: a signal (crash, abort), a timeout, another exit code,
a multi-line or malformed error, or exit 0 without output.

Exits 1 when any model is BAD, or when fewer than --min-clean node/ models
import. Usage:
  python test/conformance/import_all.py --kiln build/bin/kiln [--min-clean N]
      [--data-root DIR] [--filter REGEX] [--list-errors FILE] [--jobs 2]
"""
import argparse
import collections
import concurrent.futures
import glob
import os
import re
import signal
import subprocess
import sys
import tempfile

SUITES = ("node", "simple", "pytorch-converted", "pytorch-operator")
ERROR_PREFIX = "kiln: error: "


def default_data_root() -> str:
    """The backend test data shipped inside the onnx package (the test venv's)."""
    try:
        import onnx
        base = os.path.dirname(onnx.__file__)
    except ImportError:
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        found = glob.glob(os.path.join(repo, ".venv/lib/python3*/site-packages/onnx"))
        if not found:
            sys.exit("import_all: onnx not importable and no .venv found; pass --data-root")
        base = found[0]
    return os.path.join(base, "backend", "test", "data")


def classify(kiln: str, model: str, timeout: float) -> tuple[str, str]:
    """Runs kiln on one model; returns (outcome, detail)."""
    with tempfile.TemporaryDirectory(prefix="kiln-import-") as tmp:
        out = os.path.join(tmp, "out")
        cmd = [kiln, "compile", model, "--emit", "onnx-mlir", "-o", out]
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return "bad", f"timeout after {timeout:g} s"
        stderr = proc.stderr.decode("utf-8", errors="replace")
        first = stderr.strip().splitlines()[0] if stderr.strip() else ""
        if proc.returncode < 0:
            name = signal.Signals(-proc.returncode).name
            return "bad", f"killed by {name}: {first}"
        if proc.returncode == 0:
            if not wrote_output(out):
                return "bad", "exit 0 but no output written"
            return "import", ""
        if proc.returncode != 1:
            return "bad", f"exit {proc.returncode}: {first}"
        text = stderr[:-1] if stderr.endswith("\n") else stderr
        if "\n" in text:
            return "bad", f"multi-line error ({text.count(chr(10)) + 1} lines): {first}"
        if not text.startswith(ERROR_PREFIX) or len(text) == len(ERROR_PREFIX):
            return "bad", f"malformed error: {text!r}"
        return "error", text[len(ERROR_PREFIX):]


def wrote_output(out: str) -> bool:
    """True when OUT is a non-empty file or a folder holding one."""
    if os.path.isfile(out):
        return os.path.getsize(out) > 0
    return any(os.path.getsize(os.path.join(d, f)) > 0
               for d, _, files in os.walk(out) for f in files)


def group_key(message: str) -> str:
    """An error's <what>, without its trailing "(<where>)" part."""
    what = re.sub(r"\s*\([^()]*\)\s*$", "", message)
    return what if len(what) <= 100 else what[:97] + "..."


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", required=True, help="path of the kiln driver")
    ap.add_argument("--data-root", default=None,
                    help="onnx backend test data (default: the onnx package's backend/test/data)")
    ap.add_argument("--min-clean", type=int, default=0,
                    help="fail when fewer node/ models import cleanly")
    ap.add_argument("--list-errors", metavar="FILE",
                    help="write one line per model: suite/test, outcome, detail")
    ap.add_argument("--filter", default="", help="only test dirs matching this regex")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per model")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    kiln = os.path.abspath(args.kiln)
    if not os.access(kiln, os.X_OK):
        sys.exit(f"import_all: not an executable: {kiln}")
    root = args.data_root or default_data_root()
    if not os.path.isdir(os.path.join(root, "node")):
        sys.exit(f"import_all: no node/ tests under {root}")

    pattern = re.compile(args.filter)
    tests = []  # (suite, test name, model path)
    for suite in SUITES:
        for model in sorted(glob.glob(os.path.join(root, suite, "*", "model.onnx"))):
            name = os.path.basename(os.path.dirname(model))
            if pattern.search(f"{suite}/{name}"):
                tests.append((suite, name, model))
    if not tests:
        sys.exit("import_all: no models selected")

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda t: classify(kiln, t[2], args.timeout), tests))

    counts = collections.defaultdict(collections.Counter)
    errors = collections.defaultdict(list)
    bad = []
    for (suite, name, _), (outcome, detail) in zip(tests, results):
        counts[suite][outcome] += 1
        if outcome == "error":
            errors[group_key(detail)].append(f"{suite}/{name}")
        elif outcome == "bad":
            bad.append(f"{suite}/{name}: {detail}")

    if args.list_errors:
        with open(args.list_errors, "w") as f:
            for (suite, name, _), (outcome, detail) in zip(tests, results):
                f.write(f"{suite}/{name}\t{outcome}\t{detail}\n")

    print(f"kiln import of ONNX backend tests under {root}")
    print("\nclean errors, grouped by message:")
    for key, names in sorted(errors.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        more = f", ... (+{len(names) - 3})" if len(names) > 3 else ""
        print(f"  {len(names):5d}  {key}  [{', '.join(names[:3])}{more}]")
    if bad:
        print(f"\nBAD ({len(bad)}):")
        for line in bad:
            print(f"  {line}")
    print()
    for suite in SUITES:
        c = counts.get(suite)
        if c:
            print(f"{suite}: {c['import']} imported, {c['error']} clean errors, "
                  f"{c['bad']} bad ({sum(c.values())} models)")

    total = sum(counts.values(), collections.Counter())
    clean_node = counts["node"]["import"]
    status = 0
    if clean_node < args.min_clean:
        print(f"FAIL: {clean_node} node/ models imported, --min-clean is {args.min_clean}")
        status = 1
    if bad:
        status = 1
    print(f"import_all: {total['import'] + total['error']} passed, {total['bad']} failed")
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs `kiln compile` on every model of the bad-model corpus.

    run_bad_models.py KILN CORPUS_DIR [--generate] [--timeout S]
                      [--memory-mb M] [--summary FILE.json] [-v]
                      [extra kiln compile args...]

CORPUS_DIR is what make_bad_models.py wrote. Each case runs with a time limit
and an address-space limit (RLIMIT_AS) into a fresh empty output folder, and
must: exit with status 1, print exactly one line on stderr starting with
`kiln: error:` that contains the case's expected substring, print nothing on
stdout, and leave the output folder empty. Prints one line per failure and a
summary; exits 1 if any case failed.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def limit_memory(megabytes):
    def apply():
        if megabytes > 0:
            n = megabytes * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (n, n))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run_case(kiln, case, timeout, memory_mb, extra):
    out = tempfile.mkdtemp(prefix="kiln-hostile-")
    try:
        cmd = [kiln, "compile", case["model"], "-o", out] + extra
        start = time.monotonic()
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout,
                                  preexec_fn=limit_memory(memory_mb))
        except subprocess.TimeoutExpired:
            return f"timed out after {timeout} s", timeout
        elapsed = time.monotonic() - start
        stderr = proc.stderr.decode("utf-8", "replace")
        lines = stderr.splitlines()
        left = sorted(os.listdir(out))
        if proc.returncode != 1:
            return (f"exit status {proc.returncode} (want 1); stderr: "
                    f"{stderr.strip()[:400]!r}"), elapsed
        if len(lines) != 1 or not lines[0].startswith("kiln: error: "):
            return f"stderr is not one 'kiln: error:' line: {stderr[:400]!r}", elapsed
        if case["expect"] and case["expect"] not in lines[0]:
            return (f"error does not name '{case['expect']}': "
                    f"{lines[0]!r}"), elapsed
        if proc.stdout:
            return f"wrote to stdout: {proc.stdout[:200]!r}", elapsed
        if left:
            return f"left files in the output folder: {left}", elapsed
        return None, elapsed
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kiln")
    ap.add_argument("corpus")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--memory-mb", type=int, default=4096)
    ap.add_argument("--summary")
    ap.add_argument("--generate", action="store_true",
                    help="(re)build CORPUS_DIR with make_bad_models.py first")
    ap.add_argument("-v", "--verbose", action="store_true")
    args, extra = ap.parse_known_args()
    # ASan reserves terabytes of shadow address space: sanitizer runs set
    # KILN_HOSTILE_MEMORY_MB=0 to drop the RLIMIT_AS limit.
    if os.environ.get("KILN_HOSTILE_MEMORY_MB"):
        args.memory_mb = int(os.environ["KILN_HOSTILE_MEMORY_MB"])
    if args.generate:
        shutil.rmtree(args.corpus, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "make_bad_models.py"),
            args.corpus], check=True)
    with open(os.path.join(args.corpus, "cases.json")) as f:
        cases = json.load(f)
    failures = []
    slowest = (0.0, "")
    for case in cases:
        problem, elapsed = run_case(args.kiln, case, args.timeout,
                                    args.memory_mb, extra)
        slowest = max(slowest, (elapsed, case["name"]))
        if problem:
            failures.append(case["name"])
            print(f"FAIL {case['name']}: {problem}")
        elif args.verbose:
            print(f"ok   {case['name']} ({elapsed:.2f} s)")
    print(f"run_bad_models: {len(cases) - len(failures)}/{len(cases)} cases "
          f"rejected cleanly; slowest {slowest[1]} {slowest[0]:.2f} s")
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"cases": len(cases), "clean": len(cases) - len(failures),
                       "failures": failures, "slowest_s": round(slowest[0], 2),
                       "slowest_case": slowest[1], "timeout_s": args.timeout,
                       "memory_mb": args.memory_mb}, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

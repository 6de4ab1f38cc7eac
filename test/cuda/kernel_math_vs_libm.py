#!/usr/bin/env python3
"""Checks kiln-cuda-expand-math's arith expansions (f64 exp/log/sin/cos,
integer powers) against the host's libm / Python integers: the expanded
functions are run on the CPU with mlir-runner over a few thousand inputs
and special values, and must be within 4 ulp (f64; near a zero of sin or
cos, within 1e-28 |x|) or exact (ipowi).

  kernel_math_vs_libm.py KILN_OPT MLIR_OPT MLIR_RUNNER RUNNER_UTILS_SO
Exits 77 (ctest skip) when mlir-runner or its runtime library is missing.
"""
import math
import os
import struct
import subprocess
import sys

INF, NAN = "0x7FF0000000000000", "0x7FF8000000000000"


def f64(bits):
    return struct.unpack("<d", struct.pack("<q", int(bits)))[0]


def hexbits(x):
    """An f64 constant as its bit pattern (MLIR's hex float literal)."""
    return "0x%016X" % struct.unpack("<Q", struct.pack("<d", x))[0]


def program(op, type, arity, calls):
    """MLIR that prints the i64 bits of `op` (in a function of its own: on
    constants it would be folded, by libm, before the expansion) applied to
    each tuple of constant literals in `calls`, one result per line."""
    params = ", ".join(f"%a{k}: {type}" for k in range(arity))
    args = ", ".join(f"%a{k}" for k in range(arity))
    bits = "" if type == "i64" else f"\n  %r = arith.bitcast %v : {type} to i64"
    value = "%v" if type == "i64" else "%r"
    lines = ["func.func private @printI64(i64)", "func.func private @printNewline()",
             f"func.func @f({params}) -> i64 {{\n  %v = {op} {args} : {type}{bits}\n"
             f"  return {value} : i64\n}}",
             "func.func @main() {"]
    types = ", ".join([type] * arity)
    for i, literals in enumerate(calls):
        names = []
        for k, literal in enumerate(literals):
            lines.append(f"  %c{i}_{k} = arith.constant {literal} : {type}")
            names.append(f"%c{i}_{k}")
        lines.append(f"  %r{i} = func.call @f({', '.join(names)}) : ({types}) -> i64")
        lines.append(f"  func.call @printI64(%r{i}) : (i64) -> ()")
        lines.append("  func.call @printNewline() : () -> ()")
    lines += ["  return", "}"]
    return "\n".join(lines)


def run(tools, source):
    kiln_opt, mlir_opt, runner, utils = tools
    expanded = subprocess.run([kiln_opt, "-kiln-cuda-expand-math", "-"], input=source,
                              capture_output=True, text=True, check=True).stdout
    if any(f"math.{fn}" in expanded for fn in ("exp", "log", "sin", "cos", "ipowi")):
        sys.exit("FAIL: kiln-cuda-expand-math left an op unexpanded")
    llvm = subprocess.run([mlir_opt, "--convert-scf-to-cf", "--convert-math-to-llvm",
                           "--convert-to-llvm", "--reconcile-unrealized-casts"],
                          input=expanded, capture_output=True, text=True, check=True).stdout
    out = subprocess.run([runner, "-e", "main", "-entry-point-result=void",
                          f"-shared-libs={utils}"], input=llvm, capture_output=True,
                         text=True, check=True).stdout
    return [l.strip() for l in out.splitlines() if l.strip()]


def main():
    tools = sys.argv[1:5]
    if len(tools) != 4:
        sys.exit(__doc__)
    if not os.path.exists(tools[2]) or not os.path.exists(tools[3]):
        print("SKIP: mlir-runner or its runtime library is missing")
        sys.exit(77)
    cases = {
        "exp": [-745.5 + 0.727 * i for i in range(2000)] + [1e-300, -1e-300, 0.5],
        "log": [10.0 ** (-307 + 0.3 * i) for i in range(2000)] + [5e-324, 1e-310, 1.0, 2.0],
        "sin": [-1000.3 + 1.00037 * i for i in range(2000)] + [1e-9, math.pi, 1e6 + 0.1],
        "cos": [-1000.3 + 1.00037 * i for i in range(2000)] + [1e-9, math.pi / 2, 1e6 + 0.1],
    }
    specials = {
        "exp": [(INF, math.inf), ("0xFFF0000000000000", 0.0), (NAN, math.nan), (hexbits(800.0), math.inf),
                (hexbits(-800.0), 0.0)],
        "log": [(hexbits(0.0), -math.inf), (hexbits(-1.0), math.nan), (INF, math.inf), (NAN, math.nan)],
        "sin": [(INF, math.nan), (NAN, math.nan), (hexbits(0.0), 0.0)],
        "cos": [(INF, math.nan), (NAN, math.nan), (hexbits(0.0), 1.0)],
    }
    failures = 0
    for fn, xs in cases.items():
        got = [f64(b) for b in run(tools, program(f"math.{fn}", "f64", 1, [(hexbits(float(x)),) for x in xs]))]
        worst = 0.0
        for x, y in zip(xs, got):
            ref = getattr(math, fn)(x)
            if ref == 0.0 or abs(ref) < 2.3e-308:
                err = 0.0 if abs(y - ref) <= 4 * 5e-324 else math.inf
            elif fn in ("sin", "cos") and abs(y - ref) <= 1e-28 * max(1.0, abs(x)):
                err = 0.0  # near a zero of sin/cos: pi/2 is 3 doubles long
            else:
                err = abs(y - ref) / math.ulp(ref)
            if err > 4:
                failures += 1
                print(f"FAIL: {fn}({x!r}) = {y!r}, libm {ref!r} ({err:.1f} ulp)")
            worst = max(worst, err)
        got = [f64(b) for b in run(tools, program(f"math.{fn}", "f64", 1, [(s,) for s, _ in specials[fn]]))]
        for (s, ref), y in zip(specials[fn], got):
            if not (y == ref or (math.isnan(ref) and math.isnan(y))):
                failures += 1
                print(f"FAIL: {fn}({s}) = {y!r}, expected {ref!r}")
        print(f"{fn}: {len(xs)} inputs, max {worst:.1f} ulp; {len(specials[fn])} special values")
    pairs = [(2, 10), (3, 3), (-2, 5), (1, -3), (-1, -3), (-1, -4), (0, 0), (5, 0), (7, 2),
             (2, -1), (-3, 7), (10, 18), (2, 62), (0, 5)]
    got = [int(v) for v in run(tools, program("math.ipowi", "i64", 2, pairs))]
    for (b, e), y in zip(pairs, got):
        ref = b ** e if e >= 0 else (1 if b == 1 else (-1) ** (-e) if b == -1 else 0)
        if y != ref:
            failures += 1
            print(f"FAIL: ipowi({b}, {e}) = {y}, expected {ref}")
    print(f"ipowi: {len(pairs)} pairs")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

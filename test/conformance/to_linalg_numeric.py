#!/usr/bin/env python3
"""Runs ONNX backend node tests through the onnx -> linalg lowering alone.

For each test directory: import the model with `kiln compile --emit
onnx-mlir` (inputs named by --const-inputs become initializers first, for
ops that need them constant), lower with `kiln-opt -convert-onnx-to-linalg`,
add a @main that feeds the test's input_N.pb as dense constants and prints
every output (widened to f64), bufferize and lower to LLVM with mlir-opt,
execute with mlir-runner, and compare with output_N.pb. Until `kiln run`
works this checks the lowering's numbers against the reference data.

Usage:
  python test/conformance/to_linalg_numeric.py --kiln build/bin/kiln
      --kiln-opt build/bin/kiln-opt [--filter REGEX] [--const-inputs OP=...]
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

LLVM_BIN = "/usr/lib/llvm-22/bin"
LLVM_LIB = "/usr/lib/llvm-22/lib"
LOWER_TO_LLVM = [
    "--one-shot-bufferize=bufferize-function-boundaries",
    "--convert-linalg-to-loops", "--expand-strided-metadata", "--lower-affine",
    "--convert-scf-to-cf", "--convert-math-to-llvm", "--convert-math-to-libm",
    "--finalize-memref-to-llvm", "--convert-arith-to-llvm",
    "--convert-func-to-llvm", "--convert-cf-to-llvm", "--convert-index-to-llvm",
    "--reconcile-unrealized-casts",
]
MLIR_TYPES = {
    np.float32: "f32", np.float64: "f64", np.float16: "f16", np.int64: "i64",
    np.int32: "i32", np.int16: "i16", np.int8: "i8", np.uint8: "i8",
    np.uint16: "i16", np.uint32: "i32", np.uint64: "i64",
}


def mlir_type(arr):
    if arr.dtype.name == "bfloat16":
        return "bf16"
    for t, name in MLIR_TYPES.items():
        if arr.dtype == t:
            return name
    raise ValueError(f"unsupported dtype {arr.dtype}")


def tensor_type(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def read_pbs(case, prefix):
    files = sorted(glob.glob(os.path.join(case, f"{prefix}_*.pb")),
                   key=lambda p: int(re.findall(r"(\d+)\.pb$", p)[0]))
    out = []
    for f in files:
        t = onnx.TensorProto()
        with open(f, "rb") as fh:
            t.ParseFromString(fh.read())
        out.append(numpy_helper.to_array(t))
    return out


def make_main(sig_inputs, sig_outputs, arrays):
    """A @main calling @main_graph on constants and printing its outputs."""
    lines = ["func.func @main() {"]
    args = []
    for i, (ty, arr) in enumerate(zip(sig_inputs, arrays)):
        raw = np.ascontiguousarray(arr).tobytes().hex().upper()
        lines.append(f'  %in{i} = arith.constant dense<"0x{raw}"> : {ty}')
        args.append(f"%in{i}")
    res = ", ".join(sig_outputs)
    lines.append(f"  %r:{len(sig_outputs)} = call @main_graph({', '.join(args)}) : "
                 f"({', '.join(sig_inputs)}) -> ({res})")
    for i, ty in enumerate(sig_outputs):
        m = re.match(r"tensor<((?:[0-9?]+x)*)(\w+)>", ty)
        dims, elt = m.group(1), m.group(2)
        rank = dims.count("x")
        f64ty = f"tensor<{dims}f64>"
        if elt == "f64":
            conv = f"%r#{i}"
        else:
            if elt.startswith("f") or elt == "bf16":
                op = f"arith.extf %a : {elt} to f64"
            elif elt == "i1":
                op = f"arith.uitofp %a : {elt} to f64"
            else:
                op = f"arith.sitofp %a : {elt} to f64"
            dyn = [f"%d{i}_{k}" for k, d in enumerate(dims.split("x")[:-1]) if d == "?"]
            for k, d in enumerate(dims.split("x")[:-1]):
                if d == "?":
                    lines.append(f"  %c{i}_{k} = arith.constant {k} : index")
                    lines.append(f"  %d{i}_{k} = tensor.dim %r#{i}, %c{i}_{k} : {ty}")
            lines.append(f"  %e{i} = tensor.empty({', '.join(dyn)}) : {f64ty}")
            ids = ", ".join(f"d{k}" for k in range(rank))
            iters = ", ".join(['"parallel"'] * rank)
            lines.append(
                f"  %f{i} = linalg.generic {{indexing_maps = [affine_map<({ids}) -> ({ids})>, "
                f"affine_map<({ids}) -> ({ids})>], iterator_types = [{iters}]}} "
                f"ins(%r#{i} : {ty}) outs(%e{i} : {f64ty}) {{\n"
                f"  ^bb0(%a: {elt}, %b: f64):\n    %v = {op}\n    linalg.yield %v : f64\n  }} -> {f64ty}")
            conv = f"%f{i}"
        memty = f"memref<{dims}f64>"
        lines.append(f"  %m{i} = bufferization.to_buffer {conv} : {f64ty} to {memty}")
        lines.append(f"  %u{i} = memref.cast %m{i} : {memty} to memref<*xf64>")
        lines.append(f"  call @printMemrefF64(%u{i}) : (memref<*xf64>) -> ()")
    lines.append("  return\n}")
    lines.append("func.func private @printMemrefF64(memref<*xf64>) "
                 "attributes {llvm.emit_c_interface}")
    return "\n".join(lines)


NUM = r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)"


def parse_printed(text):
    outs = []
    for block in text.split("Unranked Memref")[1:]:
        sizes = [int(s) for s in re.search(r"sizes = \[([^\]]*)\]", block).group(1).split(",") if s.strip()]
        data = block.split("data =", 1)[1]
        vals = [float(v) for v in re.findall(NUM, data)]
        if 0 in sizes:
            vals = []
        outs.append(np.array(vals, dtype=np.float64).reshape(sizes))
    return outs


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def run_case(case_dir, args, const_inputs):
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    data = os.path.join(case_dir, "test_data_set_0")
    inputs, expected = read_pbs(data, "input"), read_pbs(data, "output")
    # Inputs the lowering needs constant become initializers.
    keep = []
    for i, (vi, arr) in enumerate(zip(list(model.graph.input), inputs)):
        if i in const_inputs:
            model.graph.initializer.append(numpy_helper.from_array(arr, vi.name))
            model.graph.input.remove(vi)
        else:
            keep.append(arr)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.onnx")
        onnx.save(model, path)
        r = run([args.kiln, "compile", path, "--emit", "onnx-mlir", "-o", "-"])
        if r.returncode:
            return "import", r.stderr.strip().splitlines()[-1:]
        r = run([args.kiln_opt, "-convert-onnx-to-linalg"], input=r.stdout)
        if r.returncode:
            return "lower", r.stderr.strip().splitlines()[:2]
        lowered = r.stdout
        sig = re.search(r"func.func @main_graph\((.*?)\) -> \(?(.*?)\)? \{\n", lowered)
        ins = re.findall(r"%arg\d+: (tensor<[^>]*>)", sig.group(1))
        outs = re.findall(r"(tensor<[^>]*>)", sig.group(2))
        main = make_main(ins, outs, keep)
        text = lowered.rstrip()
        assert text.endswith("}")
        text = text[:-1] + main + "\n}\n"
        r = run([f"{LLVM_BIN}/mlir-opt"] + LOWER_TO_LLVM, input=text)
        if r.returncode:
            return "llvm", r.stderr.strip().splitlines()[:2]
        r = run([f"{LLVM_BIN}/mlir-runner", "-e", "main", "-entry-point-result=void",
                 f"-shared-libs={LLVM_LIB}/libmlir_runner_utils.so,{LLVM_LIB}/libmlir_c_runner_utils.so"],
                input=r.stdout)
        if r.returncode:
            return "run", r.stderr.strip().splitlines()[:2]
        got = parse_printed(r.stdout)
    if len(got) != len(expected):
        return "fail", [f"{len(got)} outputs, expected {len(expected)}"]
    msgs = []
    for g, e in zip(got, expected):
        e = e.astype(np.float64)
        if g.shape != e.shape:
            return "fail", [f"shape {g.shape} != {e.shape}"]
        err = np.abs(g - e)
        tol = args.atol + args.rtol * np.abs(e)
        same_nan = np.isnan(g) & np.isnan(e)
        bad = ~((err <= tol) | same_nan | (g == e))
        if bad.any():
            return "fail", [f"max abs err {np.nanmax(err):.3g} at {np.argwhere(bad)[0].tolist()}"]
        msgs.append(f"max abs err {np.nanmax(err) if err.size else 0:.2g}")
    return "pass", msgs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kiln", required=True)
    p.add_argument("--kiln-opt", required=True)
    p.add_argument("--filter", default=".")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--const-inputs", action="append", default=[],
                   help="REGEX=1,2: make these input indices constant for matching tests")
    args = p.parse_args()
    root = os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/node")
    rules = []
    for spec in args.const_inputs:
        pat, idx = spec.split("=")
        rules.append((re.compile(pat), {int(i) for i in idx.split(",") if i}))
    counts = {}
    for case in sorted(os.listdir(root)):
        if not re.search(args.filter, case):
            continue
        const = set()
        for pat, idx in rules:
            if pat.search(case):
                const |= idx
        status, msgs = run_case(os.path.join(root, case), args, const)
        counts[status] = counts.get(status, 0) + 1
        print(f"{status:6} {case}: {'; '.join(msgs)}", flush=True)
    print("summary:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"pass"} else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Runs a library compiled with `kiln compile --target cuda --emit shared` and
compares its outputs with ONNX Runtime (CPU) on the same inputs.

  run_model.py --lib DIR/m.so --name m --model m.onnx [--data DIR]
               [--rtol 1e-3] [--atol 1e-4] [--iterations N] [--json OUT]
               [--eager]

Latency: the median wall time of a run (host copies included) and the
device time of its kernels (KILN_CUDA_TIMING: CUDA events around the graph
launch); --eager times a second session with KILN_CUDA_GRAPH=0 as well.

Inputs come from DIR/input_*.pb (ONNX test data) or are random with seed 0.
Prints one line per output and exits 0 when all match. Loads the library
with ctypes (no build step on the GPU machine).

--precision tf32|fp16 (the library's `kiln compile --precision`): the
reference is ONNX Runtime on the model with the f32 operands of the Convs,
Gemms and MatMuls that the library runs on tensor cores rounded as it
rounds them, to a 10-bit mantissa (a Cast to float16 and back: tf32 and
fp16 both keep 10 bits), products summed in f32. An output matches when it
is within rtol/atol of that reference, or when it is no farther from the
plain f32 ORT result than 1.25x the reference's own distance to it (the
rounding's error: for the random-weight ResNet-50, ORT rounding so differs
from its f32 logits by up to 0.07, 39 of 1000 beyond 1e-2 + 1e-2 |x|, and
two such computations that sum in different orders differ by about half
that). Both distances are printed.
"""
import argparse
import ctypes
import glob
import json
import os
import sys
import time

import numpy as np

DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64,
          9: np.bool_, 10: np.float16, 11: np.float64}


class Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("rank", ctypes.c_int32), ("dtype", ctypes.c_int32)]


def load_inputs(args, names):
    import onnx
    from onnx import numpy_helper
    if args.data:
        files = sorted(glob.glob(os.path.join(args.data, "input_*.pb")))
        arrays = []
        for f in files:
            t = onnx.TensorProto()
            with open(f, "rb") as fh:
                t.ParseFromString(fh.read())
            arrays.append(numpy_helper.to_array(t))
        return arrays
    return None


def _dims(types, shapes, name):
    shape = shapes.get(name)
    return shape if shape and all(d > 0 for d in shape) else None


def rounded_operands_model(path):
    """The model at `path` with the two f32 operands of every Conv, Gemm and
    MatMul that kiln's tensor-core GEMM kernels run (codegen/cuda/
    GemmKernels.cpp: M and N of at least 32, K of at least 16; smaller
    products, GEMVs and depthwise convolutions stay in f32) rounded to a
    10-bit mantissa through a Cast to float16 and back; None when there is
    none. Serialized, for onnxruntime."""
    import onnx
    from onnx import TensorProto, helper
    model = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(model)
    values = (list(inferred.graph.value_info) + list(inferred.graph.input) +
              list(inferred.graph.output))
    types = {v.name: v.type.tensor_type.elem_type for v in values}
    shapes = {v.name: [d.dim_value if d.HasField("dim_value") else -1
                       for d in v.type.tensor_type.shape.dim] for v in values}
    for t in model.graph.initializer:
        types[t.name] = t.data_type
        shapes[t.name] = list(t.dims)

    def gemm_sized(node):
        a, b = (_dims(types, shapes, n) for n in node.input[:2])
        y = _dims(types, shapes, node.output[0])
        if not a or not b or not y:
            return False
        attrs = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        if node.op_type == "Conv":
            if len(b) < 3:
                return False
            group = attrs.get("group", 1)
            m, k = b[0] // group, b[1] * int(np.prod(b[2:]))
            n = y[0] * int(np.prod(y[2:]))
        elif node.op_type == "Gemm":
            if len(a) != 2 or len(b) != 2:
                return False
            m, k = (a[1], a[0]) if attrs.get("transA", 0) else (a[0], a[1])
            n = b[0] if attrs.get("transB", 0) else b[1]
        else:  # MatMul
            if len(a) < 2 or len(b) < 2:
                return False
            m, k, n = a[-2], a[-1], b[-1]
        return min(m, n) >= 32 and k >= 16

    nodes, count = [], 0
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm", "MatMul") and gemm_sized(node):
            for i in range(2):
                name = node.input[i]
                if types.get(name) != TensorProto.FLOAT:
                    continue
                half, back = f"{name}__f16_{count}", f"{name}__r10_{count}"
                count += 1
                nodes.append(helper.make_node("Cast", [name], [half], to=TensorProto.FLOAT16))
                nodes.append(helper.make_node("Cast", [half], [back], to=TensorProto.FLOAT))
                node.input[i] = back
        nodes.append(node)
    if count == 0:
        return None
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model.SerializeToString()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "fp16"])
    ap.add_argument("--json")
    ap.add_argument("--save", help="write each output to SAVE.<index>.npy")
    ap.add_argument("--eager", action="store_true",
                    help="also time a session without CUDA graphs")
    args = ap.parse_args()
    timing_file = os.path.abspath(f".kiln_cuda_timing.{os.getpid()}")
    os.environ["KILN_CUDA_TIMING"] = timing_file
    import onnxruntime as ort

    lib = ctypes.CDLL(os.path.abspath(args.lib))
    m = args.name
    fn = lambda suffix: getattr(lib, f"{m}_{suffix}")
    fn("error").restype = ctypes.c_char_p
    fn("input_name").restype = ctypes.c_char_p
    fn("input_dim").restype = ctypes.c_int64
    fn("output_dim").restype = ctypes.c_int64
    n_in, n_out = fn("num_inputs")(), fn("num_outputs")()

    sess = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    inputs = load_inputs(args, None)
    if inputs is None:
        rng = np.random.default_rng(0)
        inputs = []
        for i, meta in enumerate(sess.get_inputs()):
            shape = [fn("input_dim")(i, k) for k in range(fn("input_rank")(i))]
            shape = [d if d >= 0 else 2 for d in shape]
            dt = DTYPES[fn("input_dtype")(i)]
            inputs.append(rng.standard_normal(shape).astype(dt))
    feeds = {meta.name: x for meta, x in zip(sess.get_inputs(), inputs)}
    expected = sess.run(None, feeds)
    # The reference at the library's precision (see the module doc).
    expected_f32 = expected
    if args.precision != "fp32":
        rounded = rounded_operands_model(args.model)
        if rounded is not None:
            ref = ort.InferenceSession(rounded, providers=["CPUExecutionProvider"]).run(None, feeds)
            if all(np.all(np.isfinite(r)) or not np.all(np.isfinite(e))
                   for r, e in zip(ref, expected) if r.dtype.kind == "f"):
                expected = ref
            else:
                print(f"{m}: the {args.precision} reference overflows float16; comparing with f32")

    def read_timing():
        """The device-time line the runtime appended at destroy."""
        try:
            with open(timing_file) as fh:
                line = fh.read().split("\n")[0].split()
            os.remove(timing_file)
            return dict(zip(line[::2], map(float, line[1::2])))
        except (OSError, ValueError):
            return {}

    session = ctypes.c_void_p()
    t0 = time.perf_counter()
    rc = fn("create")(ctypes.byref(session), None)
    create_s = time.perf_counter() - t0
    if rc != 0:
        print(f"{m}: create failed ({rc}): {fn('error')(None).decode()}")
        return 1
    keep = []
    ins = (Tensor * max(n_in, 1))()
    for i, x in enumerate(inputs):
        x = np.ascontiguousarray(x)
        shape = (ctypes.c_int64 * max(x.ndim, 1))(*x.shape)
        keep += [x, shape]
        ins[i] = Tensor(x.ctypes.data, shape, x.ndim, fn("input_dtype")(i))
    outs = (Tensor * max(n_out, 1))()
    bufs = []
    for o in range(n_out):
        e = expected[o]
        buf = np.empty_like(e)
        bufs.append(buf)
        outs[o] = Tensor(buf.ctypes.data, None, e.ndim, fn("output_dtype")(o))

    def run():
        rc = fn("run")(session, ins, ctypes.c_size_t(n_in), outs, ctypes.c_size_t(n_out))
        if rc != 0:
            raise RuntimeError(f"run failed ({rc}): {fn('error')(session).decode()}")

    run()
    ok = True
    report = {"model": m, "create_s": create_s, "outputs": []}
    for o in range(n_out):
        shape = tuple(outs[o].shape[k] for k in range(outs[o].rank))
        dt = DTYPES[outs[o].dtype]
        got = np.ctypeslib.as_array(ctypes.cast(outs[o].data, ctypes.POINTER(
            np.ctypeslib.as_ctypes_type(dt))), shape=shape).copy() if shape else bufs[o]
        e = expected[o]
        close = got.shape == e.shape and np.allclose(got, e, rtol=args.rtol, atol=args.atol)
        same = got.shape == e.shape and e.size
        err = float(np.max(np.abs(got.astype(np.float64) - e))) if same else 0.0
        entry = {"shape": list(got.shape), "max_abs_diff": err}
        versus = ""
        if expected_f32 is not expected:
            def dist(x):
                return float(np.max(np.abs(x.astype(np.float64) - expected_f32[o]))) if same else 0.0
            entry["max_abs_diff_f32"] = dist(got)
            entry["reference_diff_f32"] = dist(e)
            close = close or (same and entry["max_abs_diff_f32"] <= 1.25 * entry["reference_diff_f32"])
            versus = (f" vs ORT with {args.precision} operands; vs f32 ORT {entry['max_abs_diff_f32']:.3g}"
                      f" (that reference: {entry['reference_diff_f32']:.3g})")
        ok &= bool(close)
        entry["ok"] = bool(close)
        print(f"{m}: output {o} shape {list(got.shape)} max|diff| {err:.3g}{versus} "
              f"{'OK' if close else 'MISMATCH'} (rtol {args.rtol}, atol {args.atol})")
        report["outputs"].append(entry)
        if args.save:
            np.save(f"{args.save}.{o}.npy", got)
    times = []
    for _ in range(args.iterations):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    if times:
        report["median_ms"] = 1e3 * float(np.median(times))
        print(f"{m}: median run (host copies included) {report['median_ms']:.3f} ms over {len(times)}")
    report["ok"] = ok
    fn("destroy")(session)
    dev = read_timing()
    if "median_ms" in dev:
        report["device_median_ms"] = dev["median_ms"]
        print(f"{m}: kernels (device time, CUDA graph) median {dev['median_ms']:.3f} ms")
    if args.eager:
        os.environ["KILN_CUDA_GRAPH"] = "0"
        rc = fn("create")(ctypes.byref(session), None)
        del os.environ["KILN_CUDA_GRAPH"]
        if rc == 0:
            times = []
            for _ in range(args.iterations + 1):
                t = time.perf_counter()
                run()
                times.append(time.perf_counter() - t)
            fn("destroy")(session)
            report["eager_median_ms"] = 1e3 * float(np.median(times[1:]))
            dev = read_timing()
            report["eager_device_median_ms"] = dev.get("median_ms")
            print(f"{m}: without CUDA graph: median run {report['eager_median_ms']:.3f} ms, "
                  f"kernels {dev.get('median_ms', float('nan')):.3f} ms")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

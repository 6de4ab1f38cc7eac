#!/usr/bin/env python3
"""Checks kiln's graph optimizations (and a few CPU lowerings) against ONNX
Runtime on small models.

  check_graph_opt.py --kiln BUILD/bin/kiln --work-dir DIR

Builds ONNX models holding the subgraphs lowering/graph rewrites, runs them
with ONNX Runtime (all graph optimizations off, so ORT computes the original
graph) and with `kiln run` (-O3: the kiln-onnx-optimize pipeline runs),
compares the outputs (rtol 1e-3, atol 1e-4), and checks in
`kiln compile --emit onnx-mlir` that the rewrites happened: the ops listed as
gone must be gone. Exits 77 when onnx/onnxruntime/numpy are missing.
"""
import argparse
import os
import subprocess
import sys

SKIP = 77


def build_models(np, onnx, h, T, nh):
    rng = np.random.default_rng(0)
    f32 = lambda name, a: nh.from_array(np.asarray(a, dtype=np.float32), name)
    models = []

    # Conv -> BatchNormalization -> Mul [C,1,1] -> Add [1,C,1,1] -> Relu, then
    # Conv without bias -> Mul by a scalar: all folded into the Convs.
    c = 16
    inits = [f32("W", rng.standard_normal((c, 3, 3, 3)) * 0.3),
             f32("B", rng.standard_normal(c)),
             f32("sc", rng.random(c) + 0.5), f32("bb", rng.standard_normal(c)),
             f32("mu", rng.standard_normal(c) * 0.1),
             f32("var", rng.random(c) + 0.1),
             f32("k", rng.standard_normal((c, 1, 1))),
             f32("c", rng.standard_normal((1, c, 1, 1))),
             f32("W2", rng.standard_normal((c, c, 1, 1)) * 0.2),
             f32("two", 2.0)]
    nodes = [h.make_node("Conv", ["x", "W", "B"], ["c1"], pads=[1, 1, 1, 1]),
             h.make_node("BatchNormalization", ["c1", "sc", "bb", "mu", "var"],
                         ["b1"], epsilon=1e-3),
             h.make_node("Mul", ["b1", "k"], ["m1"]),
             h.make_node("Add", ["c", "m1"], ["a1"]),
             h.make_node("Relu", ["a1"], ["r1"]),
             h.make_node("Conv", ["r1", "W2"], ["c2"]),
             h.make_node("Mul", ["c2", "two"], ["y"])]
    models.append(("conv_affine", nodes, inits, (1, 3, 8, 8),
                   ["onnx.BatchNormalization", "onnx.Mul", "onnx.Add"]))

    # torch < 1.13 LayerNorm -> linear -> tanh GELU -> erf GELU -> linear
    # -> Transpose pair.
    d = 32
    inits = [f32("g", rng.random(d) + 0.5), f32("be", rng.standard_normal(d)),
             f32("two", 2.0), f32("eps", 1e-5),
             f32("W", rng.standard_normal((d, 64)) * 0.2),
             f32("b", rng.standard_normal(64)), f32("half", 0.5),
             f32("one", 1.0), f32("three", 3.0), f32("c0", 0.044715),
             f32("k", np.sqrt(2 / np.pi)), f32("sq2", np.sqrt(2.0)),
             f32("W2", rng.standard_normal((64, d)) * 0.2),
             f32("b2", rng.standard_normal(d))]
    nodes = [h.make_node("ReduceMean", ["x"], ["mu"], axes=[-1]),
             h.make_node("Sub", ["x", "mu"], ["d"]),
             h.make_node("Pow", ["d", "two"], ["p"]),
             h.make_node("ReduceMean", ["p"], ["v"], axes=[-1]),
             h.make_node("Add", ["v", "eps"], ["ve"]),
             h.make_node("Sqrt", ["ve"], ["s"]),
             h.make_node("Div", ["d", "s"], ["n"]),
             h.make_node("Mul", ["n", "g"], ["ng"]),
             h.make_node("Add", ["ng", "be"], ["ln"]),
             h.make_node("MatMul", ["ln", "W"], ["mm"]),
             h.make_node("Add", ["b", "mm"], ["h"]),
             h.make_node("Pow", ["h", "three"], ["h3"]),
             h.make_node("Mul", ["h3", "c0"], ["h3c"]),
             h.make_node("Add", ["h", "h3c"], ["inner"]),
             h.make_node("Mul", ["k", "inner"], ["ki"]),
             h.make_node("Tanh", ["ki"], ["t"]),
             h.make_node("Add", ["t", "one"], ["t1"]),
             h.make_node("Mul", ["h", "half"], ["hh"]),
             h.make_node("Mul", ["hh", "t1"], ["gt"]),
             h.make_node("Div", ["gt", "sq2"], ["e0"]),
             h.make_node("Erf", ["e0"], ["e1"]),
             h.make_node("Add", ["e1", "one"], ["e2"]),
             h.make_node("Mul", ["gt", "e2"], ["e3"]),
             h.make_node("Mul", ["e3", "half"], ["ge"]),
             h.make_node("MatMul", ["ge", "W2"], ["mm2"]),
             h.make_node("Add", ["mm2", "b2"], ["o"]),
             h.make_node("Transpose", ["o"], ["o1"], perm=[0, 2, 1]),
             h.make_node("Transpose", ["o1"], ["y"], perm=[0, 2, 1])]
    models.append(("layer_norm_gelu", nodes, inits, (2, 5, d),
                   ["onnx.ReduceMean", "onnx.Erf", "onnx.Tanh", "onnx.MatMul",
                    "onnx.Transpose", "onnx.Pow"]))

    # BERT-style self-attention as torch exports it: per-head Reshape +
    # Transpose of Q/K/V projections, K transposed to [B,H,D,L] directly,
    # MatMul / sqrt(d), + additive mask, Softmax, MatMul V, heads merged.
    # The second layer has a Mul scale, no mask and K transposed twice.
    s, hid, nh_, hd = 8, 32, 4, 8
    mask = np.zeros((1, 1, 1, s), dtype=np.float32)
    mask[..., -3:] = -10000.0
    inits = [f32("Wq", rng.standard_normal((hid, hid)) * 0.3),
             f32("Wk", rng.standard_normal((hid, hid)) * 0.3),
             f32("Wv", rng.standard_normal((hid, hid)) * 0.3),
             f32("mask", mask), f32("sqrtd", np.sqrt(hd)),
             f32("scale", 1 / np.sqrt(hd)),
             nh.from_array(np.array([1, s, nh_, hd], dtype=np.int64), "heads"),
             nh.from_array(np.array([1, s, hid], dtype=np.int64), "merged")]
    nodes = []
    x = "x"
    for layer, bert in ((0, True), (1, False)):
        p = f"l{layer}_"
        for w in "qkv":
            nodes += [h.make_node("MatMul", [x, "W" + w], [p + w]),
                      h.make_node("Reshape", [p + w, "heads"], [p + w + "4"])]
        nodes += [h.make_node("Transpose", [p + "q4"], [p + "qh"], perm=[0, 2, 1, 3]),
                  h.make_node("Transpose", [p + "v4"], [p + "vh"], perm=[0, 2, 1, 3])]
        if bert:
            nodes += [h.make_node("Transpose", [p + "k4"], [p + "kt"], perm=[0, 2, 3, 1]),
                      h.make_node("MatMul", [p + "qh", p + "kt"], [p + "s"]),
                      h.make_node("Div", [p + "s", "sqrtd"], [p + "ss"]),
                      h.make_node("Add", [p + "ss", "mask"], [p + "sm"])]
        else:
            nodes += [h.make_node("Transpose", [p + "k4"], [p + "kh"], perm=[0, 2, 1, 3]),
                      h.make_node("Transpose", [p + "kh"], [p + "kt"], perm=[0, 1, 3, 2]),
                      h.make_node("MatMul", [p + "qh", p + "kt"], [p + "s"]),
                      h.make_node("Mul", ["scale", p + "s"], [p + "sm"])]
        out = "y" if layer == 1 else p + "out"
        nodes += [h.make_node("Softmax", [p + "sm"], [p + "p"], axis=-1),
                  h.make_node("MatMul", [p + "p", p + "vh"], [p + "o"]),
                  h.make_node("Transpose", [p + "o"], [p + "ot"], perm=[0, 2, 1, 3]),
                  h.make_node("Reshape", [p + "ot", "merged"], [out])]
        x = out
    # The per-head Transposes fold into the 3-D Attention's head split.
    models.append(("attention", nodes, inits, (1, s, hid),
                   ["onnx.Softmax", "onnx.Div", "onnx.Transpose"]))

    # Depthwise convolutions on padded inputs, each input computed by the
    # op before (a buffer of its own, so the CPU backend's depthwise loops
    # read it unpadded): asymmetric pads with stride 2 along the width and
    # a fused bias and Relu; dilation 2 with pads wider than the dilated
    # taps reach; a Pad with a non-zero value; odd widths throughout.
    c = 8
    inits = [f32("W1", rng.standard_normal((c, c, 1, 1)) * 0.3),
             f32("lo", 0.0), f32("hi", 6.0),
             f32("D1", rng.standard_normal((c, 1, 3, 3))),
             f32("B1", rng.standard_normal(c)),
             f32("D2", rng.standard_normal((c, 1, 5, 5))),
             f32("D3", rng.standard_normal((c, 1, 3, 3))),
             nh.from_array(np.array([0, 0, 1, 2, 0, 0, 2, 1], dtype=np.int64), "pads"),
             f32("half", 0.5)]
    nodes = [h.make_node("Conv", ["x", "W1"], ["a0"]),
             h.make_node("Clip", ["a0", "lo", "hi"], ["a"]),
             h.make_node("Conv", ["a", "D1", "B1"], ["b0"], group=c,
                         pads=[1, 2, 1, 0], strides=[1, 2]),
             h.make_node("Relu", ["b0"], ["b"]),
             h.make_node("Conv", ["b", "D2"], ["d"], group=c, pads=[4, 4, 4, 4],
                         dilations=[2, 2], strides=[2, 1]),
             h.make_node("Pad", ["d", "pads", "half"], ["e"]),
             h.make_node("Conv", ["e", "D3"], ["y"], group=c)]
    models.append(("depthwise_padding", nodes, inits, (1, c, 13, 19), []))

    # Max pooling on padded inputs (-inf padding), input computed by the op
    # before: ResNet's 3x3 stride-2 pool, then asymmetric pads, dilation 2
    # and stride 3 along the width over negative values too.
    inits = [f32("W1", rng.standard_normal((c, c, 1, 1)) * 0.3)]
    nodes = [h.make_node("Conv", ["x", "W1"], ["a"]),
             h.make_node("MaxPool", ["a"], ["b"], kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
             h.make_node("MaxPool", ["b"], ["y"], kernel_shape=[3, 2],
                         strides=[1, 3], pads=[1, 0, 2, 1], dilations=[2, 1])]
    models.append(("max_pool_padding", nodes, inits, (1, c, 17, 23), []))
    return rng, models


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--work-dir", required=True)
    args = ap.parse_args()
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto as T
        from onnx import helper as h
        from onnx import numpy_helper as nh
    except Exception as e:
        print(f"SKIP: onnx/onnxruntime/numpy not importable ({e})")
        return SKIP

    os.makedirs(args.work_dir, exist_ok=True)
    rng, models = build_models(np, onnx, h, T, nh)
    failures = 0
    for name, nodes, inits, shape, gone in models:
        graph = h.make_graph(nodes, name,
                             [h.make_tensor_value_info("x", T.FLOAT, list(shape))],
                             [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
        path = os.path.join(args.work_dir, name + ".onnx")
        onnx.save(model, path)
        x = rng.standard_normal(shape).astype(np.float32)
        xpath = os.path.join(args.work_dir, name + "_x.npy")
        np.save(xpath, x)
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        so.log_severity_level = 3
        ref = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]) \
            .run(None, {"x": x})[0]

        ir = subprocess.run([args.kiln, "compile", path, "--emit", "onnx-mlir",
                             "-o", "-"], capture_output=True, text=True)
        if ir.returncode != 0:
            print(f"{name}: kiln compile failed:\n{ir.stderr}")
            failures += 1
            continue
        left = [op for op in gone if f'"{op}"' in ir.stdout]
        if left:
            print(f"{name}: not rewritten: {left}")
            failures += 1

        out = os.path.join(args.work_dir, name + "_out")
        run = subprocess.run([args.kiln, "run", path, "--input", f"x={xpath}",
                              "--output-dir", out], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name}: kiln run failed:\n{run.stdout}{run.stderr}")
            failures += 1
            continue
        got = np.load(os.path.join(out, "y.npy"))
        ok = got.shape == ref.shape and np.allclose(got, ref, rtol=1e-3, atol=1e-4)
        err = float(np.abs(got - ref).max()) if got.shape == ref.shape else float("nan")
        print(f"{name}: max abs err {err:.3g} vs ORT: {'ok' if ok else 'MISMATCH'}")
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

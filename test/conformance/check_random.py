#!/usr/bin/env python3
"""Checks kiln's random ops against what the ONNX spec says of them.

  check_random.py --kiln BUILD/bin/kiln --work-dir DIR

The ONNX node tests of Bernoulli and training-mode Dropout compare with
numpy's random draws, which no other generator reproduces (they are listed
as FAIL in expected_failures.txt). This test checks the properties instead,
on those node test models and on models built here with onnx.helper
(RandomUniform, RandomNormal, their -Like forms, Bernoulli, Dropout):

- values: in [low, high); in {0, 1}; kept Dropout elements exactly
  x * (1 / (1 - ratio)) (the spec's scale * data * mask), dropped ones 0,
  the mask output consistent with the data output;
- statistics of large draws, each within 5 sigma of the spec's law: mean,
  variance, histogram (chi-square), neighbour correlation, normal tail
  fractions, Bernoulli's mean per probability row, Dropout's drop fraction;
- determinism: a seed gives bitwise-identical results run after run and in
  a new session; unseeded ops draw new numbers every run of a session (and
  every iteration of a Loop), while a new session replays the sequence;
  1 and 2 threads give bitwise-identical results;
- a training ratio outside [0, 1) fails the run with a message.

Models are compiled once (`kiln compile --emit shared`) and run through the
generated C API with ctypes (many runs per session); the node test models
also go through `kiln run --input ... --output-dir`. Exits 77 when onnx or
numpy is missing.
"""
import argparse
import ctypes
import glob
import os
import subprocess
import sys

SKIP = 77
SIGMA = 5.0


class KilnTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("rank", ctypes.c_int32), ("dtype", ctypes.c_int32)]


class KilnOptions(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_int32), ("weights_path", ctypes.c_char_p),
                ("cuda_device", ctypes.c_int32), ("io_memory", ctypes.c_int32)]


class Library:
    """A model compiled to lib<name>.so, called through its C API."""

    def __init__(self, np, kiln, model_path, out_dir, name="model"):
        self.np = np
        subprocess.run([kiln, "compile", model_path, "--emit", "shared",
                        "-o", out_dir, "--name", name], check=True)
        self.lib = ctypes.CDLL(os.path.join(out_dir, f"lib{name}.so"))
        self.name = name
        fn = lambda suffix: getattr(self.lib, f"{name}_{suffix}")
        fn("create").argtypes = [ctypes.POINTER(ctypes.c_void_p),
                                 ctypes.POINTER(KilnOptions)]
        fn("run").argtypes = [ctypes.c_void_p, ctypes.POINTER(KilnTensor),
                              ctypes.c_size_t, ctypes.POINTER(KilnTensor),
                              ctypes.c_size_t]
        fn("destroy").argtypes = [ctypes.c_void_p]
        fn("error").argtypes = [ctypes.c_void_p]
        fn("error").restype = ctypes.c_char_p
        for f in ("output_dtype", "output_rank"):
            fn(f).argtypes = [ctypes.c_size_t]
            fn(f).restype = ctypes.c_int32
        fn("output_dim").argtypes = [ctypes.c_size_t, ctypes.c_size_t]
        fn("output_dim").restype = ctypes.c_int64
        fn("num_outputs").restype = ctypes.c_size_t
        self.fn = fn

    def session(self, threads=1):
        return Session(self, threads)


# ONNX dtype code -> numpy dtype (bfloat16 and float8 from ml_dtypes, which
# onnx depends on).
def numpy_dtypes(np):
    import ml_dtypes
    return {1: np.float32, 2: np.uint8, 3: np.int8, 6: np.int32, 7: np.int64,
            9: np.bool_, 10: np.float16, 11: np.float64,
            16: ml_dtypes.bfloat16, 17: ml_dtypes.float8_e4m3fn}


def dtype_code(np, dtype):
    return {np.dtype(v): k for k, v in numpy_dtypes(np).items()}[np.dtype(dtype)]


class Session:
    def __init__(self, library, threads):
        self.library = library
        self.handle = ctypes.c_void_p()
        opt = KilnOptions(threads, None, 0, 0)
        if library.fn("create")(ctypes.byref(self.handle), ctypes.byref(opt)) != 0:
            raise RuntimeError(library.fn("error")(None).decode())

    def close(self):
        self.library.fn("destroy")(self.handle)

    def run(self, *inputs):
        """The outputs as numpy arrays; RuntimeError(message) on failure."""
        np, fn = self.library.np, self.library.fn
        keep = []
        ins = (KilnTensor * max(1, len(inputs)))()
        for i, a in enumerate(inputs):
            a = np.require(a, requirements="C")
            shape = (ctypes.c_int64 * max(1, a.ndim))(*a.shape)
            keep += [a, shape]
            ins[i] = KilnTensor(a.ctypes.data, shape, a.ndim, dtype_code(np, a.dtype))
        n_out = fn("num_outputs")()
        outs = (KilnTensor * n_out)()
        buffers = []
        for o in range(n_out):
            dims = [fn("output_dim")(o, d) for d in range(fn("output_rank")(o))]
            dtype = numpy_dtypes(np)[fn("output_dtype")(o)]
            buf = np.empty(dims, dtype) if min(dims, default=0) >= 0 else None
            buffers.append(buf)
            outs[o].data = buf.ctypes.data if buf is not None else None
        rc = fn("run")(self.handle, ins, len(inputs), outs, n_out)
        if rc != 0:
            raise RuntimeError(fn("error")(self.handle).decode())
        results = []
        for o in range(n_out):
            shape = tuple(outs[o].shape[d] for d in range(outs[o].rank))
            dtype = numpy_dtypes(np)[outs[o].dtype]
            count = int(np.prod(shape, dtype=np.int64))
            raw = ctypes.string_at(outs[o].data, count * np.dtype(dtype).itemsize)
            results.append(np.frombuffer(raw, dtype).reshape(shape).copy())
        return results


class Checker:
    def __init__(self):
        self.failures = 0
        self.count = 0

    def check(self, ok, what):
        self.count += 1
        if not ok:
            self.failures += 1
            print(f"  FAILED: {what}")
        return ok


def within(c, value, expected, sigma, what):
    """value within SIGMA standard errors `sigma` of expected."""
    return c.check(abs(value - expected) <= SIGMA * sigma + 1e-12,
                   f"{what}: {value:.6g}, expected {expected:.6g} +- "
                   f"{SIGMA:g} * {sigma:.3g}")


def check_uniform_stats(np, c, x, low, high, what):
    x = x.astype(np.float64).ravel()
    n = x.size
    c.check(bool(np.all(x >= low) and np.all(x < high)),
            f"{what}: values in [{low}, {high}) (min {x.min()}, max {x.max()})")
    w = high - low
    within(c, x.mean(), (low + high) / 2, w / np.sqrt(12 * n), f"{what}: mean")
    var = w * w / 12
    mu4 = w ** 4 / 80
    within(c, x.var(), var, np.sqrt((mu4 - var * var) / n), f"{what}: variance")
    bins = 20
    counts, _ = np.histogram(x, bins=bins, range=(low, high))
    chi2 = float(((counts - n / bins) ** 2 / (n / bins)).sum())
    df = bins - 1
    c.check(chi2 <= df + SIGMA * np.sqrt(2 * df),
            f"{what}: histogram chi-square {chi2:.1f} over {df} dof")
    check_neighbours(np, c, x, f"{what}")


def check_neighbours(np, c, x, what):
    """Adjacent elements (which share a hash input but one) uncorrelated."""
    x = x.ravel().astype(np.float64)
    r = np.corrcoef(x[:-1], x[1:])[0, 1]
    within(c, r, 0.0, 1 / np.sqrt(x.size), f"{what}: neighbour correlation")


def check_normal_stats(np, c, x, mean, scale, what):
    x = x.astype(np.float64).ravel()
    n = x.size
    c.check(bool(np.all(np.isfinite(x))), f"{what}: finite values")
    within(c, x.mean(), mean, scale / np.sqrt(n), f"{what}: mean")
    within(c, x.var(), scale * scale, scale * scale * np.sqrt(2 / n),
           f"{what}: variance")
    z = (x - mean) / scale
    for k, p in ((1, 0.682689492), (2, 0.954499736), (3, 0.997300204)):
        frac = float(np.mean(np.abs(z) < k))
        within(c, frac, p, np.sqrt(p * (1 - p) / n), f"{what}: P(|z| < {k})")
    within(c, float(np.mean(z > 0)), 0.5, 0.5 / np.sqrt(n), f"{what}: P(z > 0)")
    check_neighbours(np, c, x, what)


def make_model(onnx, h, nodes, inputs, outputs, opset=22):
    graph = h.make_graph(nodes, "random", inputs, outputs)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    model.ir_version = 10
    return model


class Context:
    def __init__(self, np, onnx, kiln, work, checker):
        self.np, self.onnx, self.kiln, self.work, self.c = np, onnx, kiln, work, checker

    def compile(self, name, model):
        folder = os.path.join(self.work, name)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "model.onnx")
        self.onnx.save(model, path)
        return Library(self.np, self.kiln, path, folder)

    def determinism(self, lib, inputs, seeded, what):
        """Same seed -> same numbers every run and session; unseeded -> new
        numbers every run, the sequence replayed by a new session; 1 and 2
        threads alike."""
        np, c = self.np, self.c
        s1, s2 = lib.session(1), lib.session(2)
        a = s1.run(*inputs)
        b = s1.run(*inputs)
        a2 = s2.run(*inputs)
        b2 = s2.run(*inputs)
        same = lambda x, y: all(np.array_equal(p, q, equal_nan=True) and
                                p.tobytes() == q.tobytes() for p, q in zip(x, y))
        if seeded:
            c.check(same(a, b), f"{what}: a seed gives the same numbers on the next run")
        else:
            c.check(not same(a, b), f"{what}: unseeded draws differ run to run")
        c.check(same(a, a2) and same(b, b2),
                f"{what}: 1 and 2 threads give bitwise-identical results "
                "(fresh sessions replay the same sequence)")
        s1.close()
        s2.close()
        return a, b


def uniform_models(ctx):
    np, onnx = ctx.np, ctx.onnx
    h, T = onnx.helper, onnx.TensorProto
    cases = [  # name, dtype, low, high, shape, seed
        ("uniform_f32", T.FLOAT, -2.0, 3.0, [400, 500], 7.0),
        ("uniform_f64", T.DOUBLE, 0.0, 1.0, [200000], 11.0),
        ("uniform_f32_rounding", T.FLOAT, 1.0, 2.0, [300000], 5.0),
        ("uniform_f16", T.FLOAT16, 0.0, 1.0, [100000], 3.0),
        ("uniform_bf16", T.BFLOAT16, -1.0, 1.0, [100000], 3.0),
        ("uniform_f16_inexact_bounds", T.FLOAT16, 0.1, 0.3, [100000], 6.0),
    ]
    for name, dtype, low, high, shape, seed in cases:
        print(name)
        node = h.make_node("RandomUniform", [], ["y"], shape=shape, dtype=dtype,
                           low=low, high=high, seed=seed)
        lib = ctx.compile(name, make_model(onnx, h, [node], [],
                                           [h.make_tensor_value_info("y", dtype, shape)]))
        a, _ = ctx.determinism(lib, [], True, name)
        y = a[0]
        ctx.c.check(list(y.shape) == shape, f"{name}: shape {y.shape}")
        check_uniform_stats(np, ctx.c, y, low, high, name)
        other = h.make_node("RandomUniform", [], ["y"], shape=shape, dtype=dtype,
                            low=low, high=high, seed=seed + 1)
        lib2 = ctx.compile(name + "_seed2", make_model(
            onnx, h, [other], [], [h.make_tensor_value_info("y", dtype, shape)]))
        s = lib2.session()
        ctx.c.check(not np.array_equal(s.run()[0], a[0]),
                    f"{name}: another seed gives other numbers")
        s.close()

    print("uniform_like_unseeded")
    x = np.zeros((300, 700), np.int64)
    node = h.make_node("RandomUniformLike", ["x"], ["y"], dtype=T.FLOAT,
                       low=10.0, high=12.0)
    lib = ctx.compile("uniform_like", make_model(
        onnx, h, [node], [h.make_tensor_value_info("x", T.INT64, x.shape)],
        [h.make_tensor_value_info("y", T.FLOAT, x.shape)]))
    a, b = ctx.determinism(lib, [x], False, "uniform_like_unseeded")
    check_uniform_stats(np, ctx.c, a[0], 10.0, 12.0, "uniform_like run 1")
    check_uniform_stats(np, ctx.c, b[0], 10.0, 12.0, "uniform_like run 2")
    r = np.corrcoef(a[0].ravel(), b[0].ravel())[0, 1]
    within(ctx.c, r, 0.0, 1 / np.sqrt(a[0].size), "uniform_like: runs uncorrelated")

    print("uniform_like_dynamic")
    node = h.make_node("RandomUniformLike", ["x"], ["y"], seed=2.0)
    lib = ctx.compile("uniform_like_dynamic", make_model(
        onnx, h, [node], [h.make_tensor_value_info("x", T.DOUBLE, ["N", 1000])],
        [h.make_tensor_value_info("y", T.DOUBLE, ["N", 1000])]))
    s = lib.session(2)
    y = s.run(np.zeros((150, 1000)))[0]
    s.close()
    ctx.c.check(y.shape == (150, 1000) and y.dtype == np.float64,
                f"uniform_like_dynamic: shape {y.shape} dtype {y.dtype}")
    check_uniform_stats(np, ctx.c, y, 0.0, 1.0, "uniform_like_dynamic")


def normal_models(ctx):
    np, onnx = ctx.np, ctx.onnx
    h, T = onnx.helper, onnx.TensorProto
    for name, dtype, mean, scale, shape, seed in [
            ("normal_f32", T.FLOAT, 1.5, 2.0, [500, 400], 1.0),
            ("normal_f64", T.DOUBLE, -3.0, 0.5, [200000], 2.0),
            ("normal_f16", T.FLOAT16, 0.0, 1.0, [100000], 4.0)]:
        print(name)
        node = h.make_node("RandomNormal", [], ["y"], shape=shape, dtype=dtype,
                           mean=mean, scale=scale, seed=seed)
        lib = ctx.compile(name, make_model(onnx, h, [node], [],
                                           [h.make_tensor_value_info("y", dtype, shape)]))
        a, _ = ctx.determinism(lib, [], True, name)
        ctx.c.check(list(a[0].shape) == shape, f"{name}: shape {a[0].shape}")
        check_normal_stats(np, ctx.c, a[0], mean, scale, name)

    print("normal_like_unseeded")
    x = np.zeros((400, 500), np.float32)
    node = h.make_node("RandomNormalLike", ["x"], ["y"], dtype=T.DOUBLE, scale=3.0)
    lib = ctx.compile("normal_like", make_model(
        onnx, h, [node], [h.make_tensor_value_info("x", T.FLOAT, x.shape)],
        [h.make_tensor_value_info("y", T.DOUBLE, x.shape)]))
    a, b = ctx.determinism(lib, [x], False, "normal_like_unseeded")
    ctx.c.check(a[0].dtype == np.float64, f"normal_like: dtype {a[0].dtype}")
    check_normal_stats(np, ctx.c, a[0], 0.0, 3.0, "normal_like run 1")
    check_normal_stats(np, ctx.c, b[0], 0.0, 3.0, "normal_like run 2")


def bernoulli_models(ctx):
    np, onnx = ctx.np, ctx.onnx
    h, T = onnx.helper, onnx.TensorProto
    probs = np.array([0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    n = 40000
    for name, in_type, out_dtype, seed in [
            ("bernoulli_f32_to_f32", T.FLOAT, None, 9.0),
            ("bernoulli_f64_to_bool", T.DOUBLE, T.BOOL, None),
            ("bernoulli_f32_to_i32", T.FLOAT, T.INT32, 4.0),
            ("bernoulli_f16_to_f64", T.FLOAT16, T.DOUBLE, 1.0),
            ("bernoulli_bf16", T.BFLOAT16, None, 8.0)]:
        print(name)
        np_in = numpy_dtypes(np)[in_type]
        p = np.repeat(probs[:, None], n, axis=1).astype(np_in)
        attrs = {}
        if out_dtype is not None:
            attrs["dtype"] = out_dtype
        if seed is not None:
            attrs["seed"] = seed
        node = h.make_node("Bernoulli", ["p"], ["y"], **attrs)
        out_type = out_dtype if out_dtype is not None else in_type
        lib = ctx.compile(name, make_model(
            onnx, h, [node], [h.make_tensor_value_info("p", in_type, p.shape)],
            [h.make_tensor_value_info("y", out_type, p.shape)]))
        a, b = ctx.determinism(lib, [p], seed is not None, name)
        for run, y in (("run 1", a[0]), ("run 2", b[0])):
            ctx.c.check(y.dtype == numpy_dtypes(np)[out_type],
                        f"{name}: dtype {y.dtype}")
            y = y.astype(np.float64)
            ctx.c.check(bool(np.all((y == 0) | (y == 1))), f"{name}: values in {{0, 1}}")
            for row, q in enumerate(p[:, 0].astype(np.float64)):
                within(ctx.c, y[row].mean(), q, np.sqrt(q * (1 - q) / n),
                       f"{name} {run}: mean of the p = {q:.4g} row")
            check_neighbours(np, ctx.c, y[4], f"{name} {run} p = 0.5 row")


def dropout_models(ctx):
    np, onnx = ctx.np, ctx.onnx
    h, T = onnx.helper, onnx.TensorProto
    rng = np.random.default_rng(0)
    for name, dtype, seed in [("dropout_f32", np.float32, 5),
                              ("dropout_f64", np.float64, None),
                              ("dropout_f16", np.float16, 3),
                              ("dropout_bf16", numpy_dtypes(np)[16], 4),
                              ("dropout_f8e4m3fn", numpy_dtypes(np)[17], 6)]:
        print(name)
        code = dtype_code(np, dtype)
        x = rng.standard_normal((400, 500)).astype(dtype)
        attrs = {"seed": seed} if seed is not None else {}
        node = h.make_node("Dropout", ["x", "r", "t"], ["y", "mask"], **attrs)
        lib = ctx.compile(name, make_model(
            onnx, h, [node],
            [h.make_tensor_value_info("x", code, x.shape),
             h.make_tensor_value_info("r", code, []),
             h.make_tensor_value_info("t", T.BOOL, [])],
            [h.make_tensor_value_info("y", code, x.shape),
             h.make_tensor_value_info("mask", T.BOOL, x.shape)]))
        for ratio in (0.3, 0.75, 0.0):
            r = np.array(ratio, dtype)
            what = f"{name} ratio {ratio}"
            a, b = ctx.determinism(lib, [x, r, np.array(True)],
                                   seed is not None or ratio == 0, what)
            for y, mask in (a, b):
                check_dropout(np, ctx.c, x, r, y, mask, what)
                within(ctx.c, 1 - mask.mean(), float(r),
                       np.sqrt(float(r) * (1 - float(r)) / x.size),
                       f"{what}: drop fraction")
        s = lib.session(2)
        y, mask = s.run(x, np.array(0.5, dtype), np.array(False))
        ctx.c.check(y.tobytes() == x.tobytes() and bool(mask.all()),
                    f"{name}: training_mode false forwards the data, mask all true")
        for bad in (1.0, -0.25):
            try:
                s.run(x, np.array(bad, dtype), np.array(True))
                ctx.c.check(False, f"{name}: ratio {bad} in training mode fails the run")
            except RuntimeError as e:
                ctx.c.check("ratio in [0, 1)" in str(e),
                            f"{name}: ratio {bad} fails the run naming the reason ({e})")
        y, mask = s.run(x, np.array(0.5, dtype), np.array(True))
        check_dropout(np, ctx.c, x, np.array(0.5, dtype), y, mask,
                      f"{name}: a session still runs after a failed run")
        s.close()


def check_dropout(np, c, x, r, y, mask, what):
    """Kept elements exactly x * scale (scale = 1 / (1 - ratio) in x's type,
    f32 for narrower floats), dropped ones 0; mask true exactly where kept."""
    compute = np.float32 if x.dtype.itemsize < 4 else x.dtype.type
    one = compute(1)
    scale = one / (one - compute(r))
    want = (x.astype(compute) * scale).astype(x.dtype)
    c.check(mask.dtype == np.bool_ and mask.shape == x.shape,
            f"{what}: mask of dtype bool and x's shape")
    c.check(want[mask].tobytes() == y[mask].tobytes(),
            f"{what}: kept elements equal x * (1 / (1 - ratio)) exactly")
    c.check(bool(np.all(y[~mask] == 0)), f"{what}: dropped elements are 0")


def loop_model(ctx):
    """An unseeded RandomUniform in a Loop body: new numbers every iteration."""
    np, onnx = ctx.np, ctx.onnx
    h, T = onnx.helper, onnx.TensorProto
    print("loop_unseeded")
    body = h.make_graph(
        [h.make_node("Identity", ["cond_in"], ["cond_out"]),
         h.make_node("RandomUniform", [], ["u"], shape=[5000])],
        "body",
        [h.make_tensor_value_info("i", T.INT64, []),
         h.make_tensor_value_info("cond_in", T.BOOL, [])],
        [h.make_tensor_value_info("cond_out", T.BOOL, []),
         h.make_tensor_value_info("u", T.FLOAT, [5000])])
    trip = h.make_tensor("trip", T.INT64, [], [3])
    cond = h.make_tensor("cond", T.BOOL, [], [True])
    nodes = [h.make_node("Constant", [], ["M"], value=trip),
             h.make_node("Constant", [], ["c"], value=cond),
             h.make_node("Loop", ["M", "c"], ["us"], body=body)]
    lib = ctx.compile("loop_unseeded", make_model(
        onnx, h, nodes, [], [h.make_tensor_value_info("us", T.FLOAT, [3, 5000])]))
    a, _ = ctx.determinism(lib, [], False, "loop_unseeded")
    us = a[0]
    ctx.c.check(us.shape == (3, 5000), f"loop: shape {us.shape}")
    ctx.c.check(not np.array_equal(us[0], us[1]) and not np.array_equal(us[1], us[2]),
                "loop: every iteration draws new numbers")
    check_uniform_stats(np, ctx.c, us, 0.0, 1.0, "loop")


def node_test_models(ctx, data_root):
    """The ONNX node tests of these ops: compiled by kiln, run through the
    CLI and the C API, checked for the properties (not numpy's numbers)."""
    np, onnx = ctx.np, ctx.onnx
    from onnx import numpy_helper
    names = sorted(os.path.basename(d) for d in glob.glob(os.path.join(data_root, "node", "*"))
                   if any(k in os.path.basename(d) for k in ("bernoulli", "dropout")))
    if not names:
        ctx.c.check(False, f"node tests of bernoulli/dropout under {data_root}")
    for name in names:
        print(name)
        folder = os.path.join(data_root, "node", name)
        model = onnx.load(os.path.join(folder, "model.onnx"))
        inputs = [numpy_helper.to_array(onnx.load_tensor(p)) for p in
                  sorted(glob.glob(os.path.join(folder, "test_data_set_0", "input_*.pb")))]
        work = os.path.join(ctx.work, "node", name)
        os.makedirs(work, exist_ok=True)
        # The CLI path: kiln run MODEL --input ... --output-dir, 1 and 2 threads.
        cli = []
        for threads in (1, 2):
            out_dir = os.path.join(work, f"cli{threads}")
            args = [ctx.kiln, "run", os.path.join(folder, "model.onnx"),
                    "--output-dir", out_dir, "--threads", str(threads)]
            for g, a in zip(model.graph.input, inputs):
                path = os.path.join(work, f"{g.name}.npy")
                np.save(path, a)
                args += ["--input", f"{g.name}={path}"]
            run = subprocess.run(args, capture_output=True, text=True)
            if not ctx.c.check(run.returncode == 0, f"{name}: kiln run ({run.stderr.strip()})"):
                break
            cli.append([np.load(os.path.join(out_dir, f"{o.name}.npy"))
                        for o in model.graph.output])
        if len(cli) == 2:
            ctx.c.check(all(p.tobytes() == q.tobytes() for p, q in zip(*cli)),
                        f"{name}: kiln run with 1 and 2 threads alike")
        seeded = any(a.name == "seed" for n in model.graph.node for a in n.attribute)
        lib = Library(np, ctx.kiln, os.path.join(folder, "model.onnx"), work)
        training = "dropout" in name and len(inputs) == 3 and bool(inputs[2])
        random = "bernoulli" in name or (training and float(inputs[1]) != 0)
        a, _ = ctx.determinism(lib, inputs, seeded or not random, name)
        if cli:
            ctx.c.check(all(p.tobytes() == q.tobytes() for p, q in zip(cli[0], a)),
                        f"{name}: kiln run gives the first run of a fresh session")
        if "bernoulli" in name:
            y = a[0].astype(np.float64)
            want = numpy_helper.to_array(onnx.load_tensor(
                os.path.join(folder, "test_data_set_0", "output_0.pb")))
            ctx.c.check(a[0].dtype == want.dtype and a[0].shape == want.shape,
                        f"{name}: dtype/shape {a[0].dtype}{a[0].shape}")
            ctx.c.check(bool(np.all((y == 0) | (y == 1))), f"{name}: values in {{0, 1}}")
        elif training:
            x, r = inputs[0], inputs[1]
            y = a[0]
            mask = a[1] if len(a) > 1 else (y != 0)
            check_dropout(np, ctx.c, x, r, y, mask, name)
        else:
            ctx.c.check(a[0].tobytes() == inputs[0].tobytes(),
                        f"{name}: inference Dropout forwards the data")
            if len(a) > 1:
                ctx.c.check(bool(a[1].all()), f"{name}: inference mask all true")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--data-root", default=None,
                    help="the onnx package's backend test data (default: its own)")
    args = ap.parse_args()
    try:
        import ml_dtypes  # noqa: F401 (bfloat16, float8)
        import numpy as np
        import onnx
    except ImportError as e:
        print(f"skipped: {e}")
        return SKIP
    data_root = args.data_root or os.path.join(
        os.path.dirname(onnx.__file__), "backend", "test", "data")
    os.makedirs(args.work_dir, exist_ok=True)
    checker = Checker()
    ctx = Context(np, onnx, os.path.abspath(args.kiln), os.path.abspath(args.work_dir),
                  checker)
    uniform_models(ctx)
    normal_models(ctx)
    bernoulli_models(ctx)
    dropout_models(ctx)
    loop_model(ctx)
    node_test_models(ctx, data_root)
    print(f"check_random: {checker.count - checker.failures} of {checker.count} "
          "checks hold")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PyTorch side of the GPU comparison (run on the GPU machine).

For each model of test/models/export_models.py (the same torch modules kiln
compiles there, batch 1, fp32 with TF32 off unless --precision tf32;
--precision fp16 runs under torch.autocast(float16)), times
eager mode and torch.compile: the median device time of one forward pass
(CUDA events, inputs already on the GPU) and the median wall time of a pass
with the host copies (inputs from host memory, outputs back to it), which is
what kiln's run_model.py measures. Also times a square GEMM through
cuBLAS (torch.matmul) in fp32, tf32 and fp16 (f16 inputs). Writes one JSON object.

  torch_bench.py --json OUT [--models resnet50,...] [--gemm 4096]
                 [--no-compile] [--iterations 50] [--precision fp32|tf32|fp16]
"""
import argparse
import json
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(here, "..", "models")]
import numpy as np  # noqa: E402
import torch  # noqa: E402

import export_models  # noqa: E402


def timed(fn, iterations):
    """(median device ms by CUDA events, median wall ms incl. sync)."""
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    dev, wall = [], []
    for _ in range(iterations):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        t = time.perf_counter()
        a.record()
        fn()
        b.record()
        b.synchronize()
        wall.append(time.perf_counter() - t)
        dev.append(a.elapsed_time(b))
    return float(np.median(dev)), 1e3 * float(np.median(wall))


def bench_model(name, iterations, compile_too):
    torch.manual_seed(0)
    np.random.seed(0)
    model, _, _, _, data_sets = export_models.build(name)
    model = model.eval().cuda()
    host = [torch.from_numpy(a) for a in data_sets[0]]
    dev_in = [t.cuda() for t in host]
    out = {}
    variants = [("eager", model)]
    if compile_too:
        variants.append(("compile", torch.compile(model)))
    # fp16: matmuls and convs in f16 with f32 accumulation, the rest in f32
    # (autocast), which is what kiln's --precision fp16 does.
    autocast = torch.autocast("cuda", dtype=torch.float16,
                              enabled=PRECISION == "fp16")
    with torch.no_grad(), autocast:
        for label, fwd in variants:
            t0 = time.perf_counter()
            try:
                fwd(*dev_in)
                torch.cuda.synchronize()
            except Exception as e:  # keep the other measurements
                out[label] = {"error": str(e).splitlines()[0][:200]}
                continue
            first_s = time.perf_counter() - t0
            d_ms, _ = timed(lambda: fwd(*dev_in), iterations)

            def with_copies():
                r = fwd(*[t.cuda() for t in host])
                r = r if isinstance(r, (tuple, list)) else (r,)
                return [x.cpu() for x in r]
            _, w_ms = timed(with_copies, iterations)
            out[label] = {"device_ms": d_ms, "wall_ms_with_copies": w_ms,
                          "first_call_s": first_s}
            print(f"{name} {label}: device {d_ms:.3f} ms, with copies {w_ms:.3f} ms "
                  f"(first call {first_s:.1f} s)", flush=True)
    return out


PRECISION = "fp32"


def bench_gemm(n, iterations):
    a = torch.randn(n, n, device="cuda")
    b = torch.randn(n, n, device="cuda")
    res = {}
    a16, b16 = a.half(), b.half()
    for label, tf32 in (("fp32", False), ("tf32", True), ("fp16", False)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        if label == "fp16":
            d_ms, _ = timed(lambda: torch.matmul(a16, b16), iterations)
        else:
            d_ms, _ = timed(lambda: torch.matmul(a, b), iterations)
        res[label] = {"ms": d_ms, "tflops": 2 * n ** 3 / d_ms / 1e9}
        print(f"cuBLAS {n}^3 {label}: {d_ms:.3f} ms, {res[label]['tflops']:.1f} TFLOP/s", flush=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    ap.add_argument("--models", default="resnet50,mobilenetv2,bert_base")
    ap.add_argument("--gemm", type=int, default=4096)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "tf32", "fp16"])
    args = ap.parse_args()
    global PRECISION
    PRECISION = args.precision
    tf32 = args.precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    report = {"torch": torch.__version__, "cuda": torch.version.cuda,
              "cudnn": torch.backends.cudnn.version(),
              "gpu": torch.cuda.get_device_name(), "precision": args.precision,
              "models": {}}
    for name in filter(None, args.models.split(",")):
        report["models"][name] = bench_model(name, args.iterations, not args.no_compile)
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    if args.gemm:
        report["gemm"] = {"n": args.gemm, **bench_gemm(args.gemm, args.iterations)}
    with open(args.json, "w") as fh:
        json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()

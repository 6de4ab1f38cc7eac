#!/usr/bin/env python3
"""Checks that a compiled model's outputs are bitwise identical for every
thread count (parallel loops split work statically; no reduction is split
across threads), and match ONNX Runtime's reference data.

Compiles MODEL_DIR/model.onnx once to a shared library, then runs
  kiln run LIB --data MODEL_DIR/DATA --threads T --output-dir OUT/tT
for each T in --threads and compares the written .npy files byte for byte.
Exit status 0 on success, 77 when the model was not exported (no torch).

Usage: threads_identical.py --kiln KILN --model-dir DIR --data test_data_set_0
           --work-dir DIR [--threads 1,2,8]
"""
import argparse
import os
import subprocess
import sys

SKIP = 77


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kiln", required=True)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--data", default="test_data_set_0")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--threads", default="1,2,8")
    args = p.parse_args()
    model = os.path.join(args.model_dir, "model.onnx")
    if not os.path.exists(model):
        print(f"threads_identical: SKIP: {model} not exported", file=sys.stderr)
        return SKIP
    os.makedirs(args.work_dir, exist_ok=True)
    subprocess.run([args.kiln, "compile", model, "--emit", "shared", "-O3", "--name", "m",
                    "-o", args.work_dir], check=True)
    lib = os.path.join(args.work_dir, "libm.so")
    data = os.path.join(args.model_dir, args.data)
    outputs = {}
    for t in [int(x) for x in args.threads.split(",")]:
        out = os.path.join(args.work_dir, f"t{t}")
        os.makedirs(out, exist_ok=True)
        subprocess.run([args.kiln, "run", lib, "--data", data, "--rtol", "1e-3", "--atol", "1e-4",
                        "--threads", str(t), "--output-dir", out], check=True)
        files = sorted(f for f in os.listdir(out) if f.endswith(".npy"))
        if not files:
            print(f"threads_identical: no outputs written with --threads {t}", file=sys.stderr)
            return 1
        outputs[t] = {f: open(os.path.join(out, f), "rb").read() for f in files}
    first, reference = next(iter(outputs.items()))
    for t, files in outputs.items():
        if files != reference:
            bad = [f for f in reference if files.get(f) != reference[f]]
            print(f"threads_identical: --threads {t} differs from --threads {first} in {bad}",
                  file=sys.stderr)
            return 1
    print(f"threads_identical: {len(reference)} output(s) bitwise identical for threads "
          f"{', '.join(map(str, outputs))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

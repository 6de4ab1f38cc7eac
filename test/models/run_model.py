#!/usr/bin/env python3
"""Runs one end-to-end model test: `kiln run` on an exported model against ORT's outputs.

  run_model.py --kiln BUILD/bin/kiln --model-dir CACHE/resnet50 --data test_data_set_0
               [--rtol 1e-3] [--atol 1e-4] [-- EXTRA KILN RUN ARGS]

The model and its reference data come from export_models.py (ctest fixture
models.export). Exits with kiln's status and prints the wall time; exits 77
(ctest SKIP_RETURN_CODE) when torch is not importable, so the export could not run.
"""
import argparse
import os
import subprocess
import sys
import time

SKIP = 77


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--data", default="test_data_set_0")
    ap.add_argument("--rtol", default="1e-3")
    ap.add_argument("--atol", default="1e-4")
    ap.add_argument("extra", nargs="*", help="more `kiln run` arguments (after --)")
    args = ap.parse_args()

    try:
        import torch  # noqa: F401  (only to know whether the export could run)
        import torchvision  # noqa: F401
    except Exception as e:
        print(f"SKIP: torch/torchvision not importable ({e}); the models were not exported. "
              f"Install them with scripts/install-deps.sh --with-torch")
        return SKIP

    model = os.path.join(args.model_dir, "model.onnx")
    data = os.path.join(args.model_dir, args.data)
    if not os.path.isfile(model) or not os.path.isdir(data):
        print(f"error: {model} or {data} missing: did the models.export test fail?")
        return 1

    cmd = [args.kiln, "run", model, "--data", data, "--rtol", args.rtol, "--atol", args.atol]
    cmd += args.extra
    print("$ " + " ".join(cmd), flush=True)
    start = time.time()
    rc = subprocess.call(cmd)
    print(f"kiln run: exit {rc} after {time.time() - start:.1f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())

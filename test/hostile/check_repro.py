#!/usr/bin/env python3
"""Compiles each model twice with the same flags into two fresh folders and
checks every output file (.a, .o, .so, .h, .hpp, .weights) is byte-identical.

    check_repro.py KILN MODEL.onnx... [--emit lib,obj,shared]
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile


def compile_into(kiln, model, emit, extra, out):
    cmd = [kiln, "compile", model, "-o", out, "--emit", emit] + extra
    subprocess.run(cmd, check=True)
    return sorted(os.listdir(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kiln")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--emit", default="lib,obj,shared")
    args, extra = ap.parse_known_args()
    problems = 0
    compared = 0
    for model in args.models:
        for emit in args.emit.split(","):
            a = tempfile.mkdtemp(prefix="kiln-repro-a-")
            b = tempfile.mkdtemp(prefix="kiln-repro-b-")
            try:
                files_a = compile_into(args.kiln, model, emit, extra, a)
                files_b = compile_into(args.kiln, model, emit, extra, b)
                if files_a != files_b or not files_a:
                    print(f"FAIL {model} --emit {emit}: outputs differ: "
                          f"{files_a} vs {files_b}")
                    problems += 1
                    continue
                for name in files_a:
                    compared += 1
                    if not filecmp.cmp(os.path.join(a, name),
                                       os.path.join(b, name), shallow=False):
                        print(f"FAIL {model} --emit {emit}: {name} differs")
                        problems += 1
            finally:
                shutil.rmtree(a, ignore_errors=True)
                shutil.rmtree(b, ignore_errors=True)
    print(f"check_repro: {compared - problems}/{compared} files byte-identical")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

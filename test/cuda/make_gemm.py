#!/usr/bin/env python3
"""Writes a one-MatMul ONNX model, Y[M,N] = A[M,K] @ B[K,N] (both inputs, so
the library carries no weights), and test_data_set_0 with ONNX Runtime's
output: the GEMM kernel measured against cuBLAS.
  make_gemm.py OUTDIR [N]   (square N x N x N, default 4096)"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4096
graph = helper.make_graph(
    [helper.make_node("MatMul", ["A", "B"], ["Y"])], "gemm",
    [helper.make_tensor_value_info("A", TensorProto.FLOAT, [n, n]),
     helper.make_tensor_value_info("B", TensorProto.FLOAT, [n, n])],
    [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n, n])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
onnx.save(model, os.path.join(out, "model.onnx"))
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, n), dtype=np.float32)
for i, (name, x) in enumerate((("A", a), ("B", b))):
    onnx.save_tensor(numpy_helper.from_array(x, name),
                     os.path.join(out, "test_data_set_0", f"input_{i}.pb"))

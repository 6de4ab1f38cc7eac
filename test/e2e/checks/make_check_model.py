#!/usr/bin/env python3
"""Writes check.onnx, the model of test/e2e/check_failed_test.c: a run-time
check (Slice's step must not be 0; the step is an input) that runs after
the kernel has put a dynamically sized intermediate on the heap:

  e = Exp(x)                          x[N] float: e is heap-allocated
  y = Slice(e, [0], [2^40], [0], steps)    steps[1] int64, checked != 0
  w = Neg(e)                          e lives past the check

Run: python test/e2e/checks/make_check_model.py (needs the onnx package).
"""
import os

import onnx
from onnx import TensorProto, helper

nodes = [
    helper.make_node("Exp", ["x"], ["e"], name="exp"),
    helper.make_node("Slice", ["e", "starts", "ends", "axes", "steps"], ["y"],
                     name="slice"),
    helper.make_node("Neg", ["e"], ["w"], name="neg"),
]
inits = [helper.make_tensor("starts", TensorProto.INT64, [1], [0]),
         helper.make_tensor("ends", TensorProto.INT64, [1], [1 << 40]),
         helper.make_tensor("axes", TensorProto.INT64, [1], [0])]
graph = helper.make_graph(
    nodes, "check",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"]),
     helper.make_tensor_value_info("steps", TensorProto.INT64, [1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None]),
     helper.make_tensor_value_info("w", TensorProto.FLOAT, ["N"])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="kiln-test")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "check.onnx"))

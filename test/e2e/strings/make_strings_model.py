#!/usr/bin/env python3
"""Writes strings.onnx, the model of test/e2e/strings_test.c: one string
input x[N] and a suffix s[1], every string-making op, and an Identity:

  joined            = StringConcat(x, s)                     [N]
  words, num_words  = StringSplit(x)   (whitespace)          [N, ?], [N]
  kept              = StringNormalizer(x, UPPER, case-insensitive,
                                       stopwords=["the"],
                                       locale="C.UTF-8")      [?]
  same              = Identity(x)                            [N]

Run: python test/e2e/strings/make_strings_model.py (needs the onnx package).
"""
import os

import onnx
from onnx import TensorProto, helper

nodes = [
    helper.make_node("StringConcat", ["x", "s"], ["joined"]),
    helper.make_node("StringSplit", ["x"], ["words", "num_words"]),
    helper.make_node("StringNormalizer", ["x"], ["kept"],
                     case_change_action="UPPER", is_case_sensitive=0,
                     stopwords=["the"], locale="C.UTF-8"),
    helper.make_node("Identity", ["x"], ["same"]),
]
graph = helper.make_graph(
    nodes, "strings",
    [helper.make_tensor_value_info("x", TensorProto.STRING, ["N"]),
     helper.make_tensor_value_info("s", TensorProto.STRING, [1])],
    [helper.make_tensor_value_info("joined", TensorProto.STRING, ["N"]),
     helper.make_tensor_value_info("words", TensorProto.STRING, ["N", None]),
     helper.make_tensor_value_info("num_words", TensorProto.INT64, ["N"]),
     helper.make_tensor_value_info("kept", TensorProto.STRING, [None]),
     helper.make_tensor_value_info("same", TensorProto.STRING, ["N"])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)],
                          producer_name="kiln-test")
model.ir_version = 9
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "strings.onnx"))

#!/usr/bin/env python3
"""Builds examples/tiny/tiny.onnx, kiln's smallest end-to-end example model.

    x: float[N,3,8,8] -> Conv(3->4, 3x3, pads 1, bias) -> Relu
      -> GlobalAveragePool -> Flatten -> Gemm(4->2) -> Softmax -> probs: float[N,2]

Opset 17, IR version 8, weights drawn from a seeded generator (seed 0) so the
file is reproducible. Also writes test_data_set_0/ (input_0.pb, output_0.pb in
the ONNX backend-test layout) with ONNX Runtime's output as the reference.

Run with the test venv:  .venv/bin/python examples/tiny/make_tiny.py
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))


def build_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    conv_w = rng.standard_normal((4, 3, 3, 3), dtype=np.float32) * 0.3
    conv_b = rng.standard_normal((4,), dtype=np.float32) * 0.1
    fc_w = rng.standard_normal((2, 4), dtype=np.float32)
    fc_b = rng.standard_normal((2,), dtype=np.float32) * 0.1
    inits = [
        numpy_helper.from_array(conv_w, "conv.weight"),
        numpy_helper.from_array(conv_b, "conv.bias"),
        numpy_helper.from_array(fc_w, "fc.weight"),
        numpy_helper.from_array(fc_b, "fc.bias"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"],
                         name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv_out"], ["relu_out"], name="relu"),
        helper.make_node("GlobalAveragePool", ["relu_out"], ["pool_out"], name="pool"),
        helper.make_node("Flatten", ["pool_out"], ["flat_out"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat_out", "fc.weight", "fc.bias"], ["logits"],
                         name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 2])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="kiln-make_tiny",
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def main() -> None:
    model = build_model()
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(HERE, "tiny.onnx")
    onnx.save(model, path)

    x = np.random.default_rng(1).standard_normal((2, 3, 8, 8), dtype=np.float32)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (probs,) = sess.run(None, {"x": x})
    assert probs.shape == (2, 2) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    # Two independent implementations must agree before ORT's output becomes the reference.
    (ref,) = ReferenceEvaluator(model).run(None, {"x": x})
    np.testing.assert_allclose(probs, ref, rtol=1e-5, atol=1e-6)

    data = os.path.join(HERE, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save_tensor(numpy_helper.from_array(x, "x"), os.path.join(data, "input_0.pb"))
    onnx.save_tensor(numpy_helper.from_array(probs, "probs"), os.path.join(data, "output_0.pb"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes); onnxruntime probs:\n{probs}")


if __name__ == "__main__":
    main()

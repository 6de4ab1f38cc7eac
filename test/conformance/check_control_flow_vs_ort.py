#!/usr/bin/env python3
"""Checks kiln's control-flow and recurrent-net lowerings against ONNX Runtime
on the cases the ONNX node tests leave out.

  check_control_flow_vs_ort.py --kiln BUILD/bin/kiln --work-dir DIR

Builds small models (RNN/GRU/LSTM in every direction, with initial states,
peepholes, clip, non-default activations and sequence_lens; a while-style
Loop; a reversed multi-input Scan), runs them with ONNX Runtime, writes the
inputs and ORT's outputs in the backend-test layout and runs
`kiln run --data` on them (rtol 1e-3, atol 1e-5). Exits 77 when
onnx/onnxruntime/numpy are missing.
"""
import argparse
import os
import subprocess
import sys

SKIP = 77


def recurrent_models(np, h, T, rng):
    """(name, graph inputs as name -> array, node, output names)."""
    models = []

    def add(name, op, S, B, I, H, attrs, dirs=1, bias=True, seqlens=None,
            init_h=False, init_c=False, peep=False):
        G = {"RNN": 1, "GRU": 3, "LSTM": 4}[op]
        f = lambda *shape: rng.standard_normal(shape).astype(np.float32)
        inputs = {"X": f(S, B, I), "W": f(dirs, G * H, I) * 0.5,
                  "R": f(dirs, G * H, H) * 0.5}
        names = ["X", "W", "R"]
        optional = [("B", bias, lambda: f(dirs, 2 * G * H) * 0.3),
                    ("sl", seqlens is not None,
                     lambda: np.array(seqlens, np.int32)),
                    ("h0", init_h, lambda: f(dirs, B, H))]
        if op == "LSTM":
            optional += [("c0", init_c, lambda: f(dirs, B, H)),
                         ("P", peep, lambda: f(dirs, 3 * H))]
        for key, present, make in optional:
            names.append(key if present else "")
            if present:
                inputs[key] = make()
        while names[-1] == "":
            names.pop()
        outs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
        node = h.make_node(op, names, outs, hidden_size=H, **attrs)
        models.append((name, inputs, [node], outs))

    add("rnn_bidirectional", "RNN", 4, 2, 3, 5,
        {"direction": "bidirectional"}, dirs=2, init_h=True)
    add("rnn_reverse_relu", "RNN", 3, 2, 3, 4,
        {"direction": "reverse", "activations": ["Relu"]})
    add("rnn_sequence_lens", "RNN", 4, 3, 2, 3, {}, seqlens=[1, 4, 2])
    add("gru_reverse_linear_before_reset", "GRU", 4, 3, 2, 5,
        {"direction": "reverse", "linear_before_reset": 1}, init_h=True)
    add("gru_bidirectional", "GRU", 3, 2, 4, 3,
        {"direction": "bidirectional"}, dirs=2)
    add("gru_clip", "GRU", 5, 2, 3, 4, {"clip": 0.7}, init_h=True)
    add("gru_sequence_lens", "GRU", 4, 3, 2, 3, {}, seqlens=[3, 4, 1],
        init_h=True)
    add("lstm_bidirectional_peepholes", "LSTM", 4, 2, 3, 5,
        {"direction": "bidirectional"}, dirs=2, init_h=True, init_c=True,
        peep=True)
    add("lstm_sequence_lens", "LSTM", 5, 3, 2, 4, {}, seqlens=[5, 2, 3],
        init_h=True, init_c=True)
    add("gru_reverse_sequence_lens", "GRU", 5, 3, 2, 4,
        {"direction": "reverse"}, seqlens=[5, 2, 3], init_h=True)
    add("lstm_bidirectional_sequence_lens", "LSTM", 4, 3, 3, 2,
        {"direction": "bidirectional"}, dirs=2, seqlens=[1, 4, 3],
        init_h=True, init_c=True)
    add("lstm_activations", "LSTM", 3, 2, 3, 4,
        {"activations": ["HardSigmoid", "LeakyRelu", "Softsign"],
         "activation_alpha": [0.3, 0.05], "activation_beta": [0.4]})
    return models


def control_flow_models(np, h, T, rng):
    models = []
    # while (i < M && cond) { y = 2 * y; cond = i < lim }
    body = h.make_graph(
        [h.make_node("Add", ["y_in", "y_in"], ["y_out"]),
         h.make_node("Cast", ["i"], ["fi"], to=T.FLOAT),
         h.make_node("Less", ["fi", "lim"], ["c_out"])],
        "body",
        [h.make_tensor_value_info("i", T.INT64, []),
         h.make_tensor_value_info("c", T.BOOL, []),
         h.make_tensor_value_info("y_in", T.FLOAT, [2])],
        [h.make_tensor_value_info("c_out", T.BOOL, []),
         h.make_tensor_value_info("y_out", T.FLOAT, [2])])
    models.append(("loop_while",
                   {"M": np.array(10, np.int64), "cond": np.array(True),
                    "y": np.array([1.0, -2.0], np.float32),
                    "lim": np.array(3.0, np.float32)},
                   [h.make_node("Loop", ["M", "cond", "y"], ["res"],
                                body=body)], ["res"]))
    # Scan over axis 1 of a, backwards over axis 0 of b; the second output
    # stacked backwards on axis 1.
    body = h.make_graph(
        [h.make_node("Add", ["s_in", "a"], ["t"]),
         h.make_node("Mul", ["t", "b"], ["s_out"]),
         h.make_node("Neg", ["s_out"], ["o1"]),
         h.make_node("Identity", ["t"], ["o2"])],
        "scan_body",
        [h.make_tensor_value_info("s_in", T.FLOAT, [3]),
         h.make_tensor_value_info("a", T.FLOAT, [3]),
         h.make_tensor_value_info("b", T.FLOAT, [3])],
        [h.make_tensor_value_info("s_out", T.FLOAT, [3]),
         h.make_tensor_value_info("o1", T.FLOAT, [3]),
         h.make_tensor_value_info("o2", T.FLOAT, [3])])
    f = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    models.append(("scan_axes_directions",
                   {"s": f(3), "a": f(3, 4), "b": f(4, 3)},
                   [h.make_node("Scan", ["s", "a", "b"], ["sf", "y1", "y2"],
                                body=body, num_scan_inputs=2,
                                scan_input_axes=[1, 0],
                                scan_input_directions=[0, 1],
                                scan_output_axes=[0, 1],
                                scan_output_directions=[0, 1])],
                   ["sf", "y1", "y2"]))
    return models


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    try:
        import numpy as np
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto as T, helper as h, numpy_helper as nh
    except ImportError as e:
        print(f"skipped: {e}")
        return SKIP
    rng = np.random.default_rng(0)
    failures = 0
    models = recurrent_models(np, h, T, rng) + control_flow_models(np, h, T, rng)
    for name, inputs, nodes, outs in models:
        folder = os.path.join(args.work_dir, name)
        data = os.path.join(folder, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        graph = h.make_graph(
            nodes, name,
            [h.make_tensor_value_info(
                k, onnx.helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
             for k, v in inputs.items()],
            [h.make_tensor_value_info(o, T.FLOAT, None) for o in outs])
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", 22)])
        model.ir_version = 10
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        results = ort.InferenceSession(
            path, providers=["CPUExecutionProvider"]).run(None, inputs)
        for k, (n, v) in enumerate(inputs.items()):
            with open(os.path.join(data, f"input_{k}.pb"), "wb") as fp:
                fp.write(nh.from_array(v, n).SerializeToString())
        for k, (n, v) in enumerate(zip(outs, results)):
            with open(os.path.join(data, f"output_{k}.pb"), "wb") as fp:
                fp.write(nh.from_array(v, n).SerializeToString())
        run = subprocess.run([args.kiln, "run", path, "--data", data,
                              "--rtol", "1e-3", "--atol", "1e-5"],
                             capture_output=True, text=True)
        status = "ok" if run.returncode == 0 else "FAILED"
        print(f"{name}: {status}")
        if run.returncode != 0:
            failures += 1
            print(run.stdout + run.stderr)
    print(f"{len(models) - failures} of {len(models)} match ONNX Runtime")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generates kiln's bad-model corpus: models no compiler should trust.

    make_bad_models.py OUTDIR

Writes one folder per case under OUTDIR (OUTDIR/<case>/model.onnx plus any
external-data files or symlinks the case needs) and OUTDIR/cases.json, the
table run_bad_models.py checks against: for each case the model path and a
substring the one-line error must contain (the node or initializer named,
where there is one).

Cases are built with onnx.helper where the protobuf is well-formed but the
model is not, and by mangling bytes where the protobuf itself is broken.
Nothing is checked by the onnx checker: these models are meant to be wrong.
"""
import json
import os
import struct
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=(), opset=17, value_info=(),
          domain_opsets=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              initializer=list(inits), value_info=value_info)
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, v) for d, v in domain_opsets]
    m = helper.make_model(graph, opset_imports=opsets)
    m.ir_version = 8
    return m


def relu_model(**kw):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])], **kw)


def add_init_model(init, name="w"):
    """y = x + <init>; `init` is the hostile initializer."""
    return model([helper.make_node("Add", ["x", name], ["y"], name="add")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])], inits=[init])


def raw_tensor(name, dims, data_type, raw):
    t = TensorProto()
    t.name = name
    t.dims.extend(dims)
    t.data_type = data_type
    t.raw_data = raw
    return t


def external_tensor(name, dims, location, offset=None, length=None):
    t = TensorProto()
    t.name = name
    t.dims.extend(dims)
    t.data_type = F
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    for k, v in entries:
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def nested_if_model(depth, leaf_uses="x"):
    """`depth` If nodes, each in the then-branch of the one before."""
    def leaf(level):
        node = helper.make_node("Identity", ["x"], [f"o{level}"],
                                name=f"else{level}")
        return helper.make_graph([node], f"e{level}", [],
                                 [vi(f"o{level}", [2, 3])])

    def branch(level):
        if level == depth:
            node = helper.make_node("Identity", [leaf_uses], [f"o{level}"],
                                    name=f"leaf{level}")
            return helper.make_graph([node], f"b{level}", [],
                                     [vi(f"o{level}", [2, 3])])
        sub = branch(level + 1)
        node = helper.make_node("If", ["c"], [f"o{level}"], name=f"if{level}",
                                then_branch=sub, else_branch=leaf(level))
        return helper.make_graph([node], f"b{level}", [],
                                 [vi(f"o{level}", [2, 3])])
    top = helper.make_node("If", ["c"], ["y"], name="if0",
                           then_branch=branch(1), else_branch=leaf(0))
    return model([top], [vi("x", [2, 3]), vi("c", [], TensorProto.BOOL)],
                 [vi("y", [2, 3])])


def ld(field, payload):
    """A length-delimited protobuf field."""
    return varint((field << 3) | 2) + varint(len(payload)) + payload


def nested_if_bytes(depth):
    """Like nested_if_model, `depth` levels deep, spliced as raw bytes
    (Python's protobuf refuses to build messages this deep)."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["o"], name="leaf")], "b", [],
        [vi("o", [2, 3])]).SerializeToString()
    for level in range(depth):
        node = helper.make_node("If", ["c"], ["o"], name=f"if{level}")
        attr = (ld(1, b"then_branch") + varint(20 << 3) + varint(5) +
                ld(6, graph))
        node_bytes = node.SerializeToString() + ld(5, attr)
        graph = ld(1, node_bytes) + ld(2, b"b") + ld(12, vi("o", [2, 3]).SerializeToString())
    top = model([], [vi("x", [2, 3]), vi("c", [], TensorProto.BOOL)], [])
    return _splice_graph(top, graph)


def _splice_graph(top, graph_bytes):
    """`top` serialized with `graph_bytes` as its graph's contents added."""
    g = top.graph.SerializeToString() + graph_bytes
    top.ClearField("graph")
    return top.SerializeToString() + ld(7, g)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def nested_protobuf_bomb(depth):
    """ModelProto.graph(7) -> GraphProto.node(1) -> NodeProto.attribute(5)
    -> AttributeProto.g(6) -> GraphProto.node ... `depth` levels deep,
    built from the inside out as raw length-delimited fields."""
    inner = b""
    for _ in range(depth):
        graph = b"\x0a" + varint(len(inner)) + inner if inner else b""
        attr = b"\x0a\x01a" + b"\x32" + varint(len(graph)) + graph
        node = b"\x2a" + varint(len(attr)) + attr  # NodeProto.attribute
        inner = node
    graph = b"\x0a" + varint(len(inner)) + inner
    return b"\x08\x08" + b"\x3a" + varint(len(graph)) + graph


CASES = []


def case(name, expect):
    """Registers a generator; `expect` must appear in the error line."""
    def wrap(fn):
        CASES.append((name, expect, fn))
        return fn
    return wrap


# --- Broken protobuf -------------------------------------------------------

@case("empty_file", "")
def _(d):
    return b""

@case("garbage_bytes", "")
def _(d):
    return bytes((i * 131 + 7) % 256 for i in range(4096))

@case("truncated_half", "")
def _(d):
    b = relu_model().SerializeToString()
    return b[: len(b) // 2]

@case("truncated_one_byte", "")
def _(d):
    b = relu_model().SerializeToString()
    return b[:-1]

@case("text_not_protobuf", "")
def _(d):
    return b"ir_version: 8\ngraph { node { op_type: 'Relu' } }\n"

@case("huge_declared_length", "")
def _(d):
    # graph field claiming 2^62 bytes follow.
    return b"\x08\x08\x3a" + varint(1 << 62) + b"\x00" * 16

@case("varint_overflow", "")
def _(d):
    return b"\x08" + b"\xff" * 11 + b"\x01"

@case("protobuf_nesting_bomb", "")
def _(d):
    return nested_protobuf_bomb(3000)

@case("no_graph", "")
def _(d):
    m = relu_model()
    m.ClearField("graph")
    return m

@case("no_opset_import", "")
def _(d):
    m = relu_model()
    del m.opset_import[:]
    return m

@case("opset_from_future", "")
def _(d):
    return relu_model(opset=999)

# --- Element types and dims ------------------------------------------------

@case("undefined_input_elem_type", "x")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3], TensorProto.UNDEFINED)], [vi("y", [2, 3])])

@case("unknown_input_elem_type", "x")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3], 77)], [vi("y", [2, 3])])

@case("unknown_initializer_elem_type", "w")
def _(d):
    return add_init_model(raw_tensor("w", [2, 3], 99, b"\0" * 24))

@case("undefined_initializer_elem_type", "w")
def _(d):
    return add_init_model(raw_tensor("w", [2, 3], 0, b"\0" * 24))

@case("negative_input_dim", "x")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, -3])], [vi("y", [2, 3])])

@case("negative_initializer_dim", "w")
def _(d):
    return add_init_model(raw_tensor("w", [2, -3], F, b"\0" * 24))

@case("initializer_count_past_2p63", "w")
def _(d):
    return add_init_model(raw_tensor("w", [1 << 32, 1 << 32, 4], F, b"\0" * 24))

@case("initializer_bytes_past_2p63", "w")
def _(d):
    # 2^61 elements of 4 bytes: the count fits, the byte size does not.
    return add_init_model(raw_tensor("w", [1 << 61], F, b"\0" * 24))

@case("input_count_past_2p63", "2^63")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [1 << 40, 1 << 40])], [vi("y", [1 << 40, 1 << 40])])

@case("input_bytes_past_2p63", "2^63")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [1 << 31, 1 << 31])], [vi("y", [1 << 31, 1 << 31])])

@case("input_dim_int64_max", "2^63")
def _(d):
    big = (1 << 63) - 1
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [big])], [vi("y", [big])])

@case("input_dims_shape_mismatch", "relu")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [1 << 20, 1 << 20])], [vi("y", [2, 3])])

@case("initializer_dim_int64_max", "w")
def _(d):
    return add_init_model(raw_tensor("w", [(1 << 63) - 1], F, b"\0" * 24))

# --- Initializer data ------------------------------------------------------

@case("raw_data_too_short", "w")
def _(d):
    return add_init_model(raw_tensor("w", [2, 3], F, b"\0" * 20))

@case("raw_data_too_long", "w")
def _(d):
    return add_init_model(raw_tensor("w", [2, 3], F, b"\0" * 28))

@case("float_data_too_short", "w")
def _(d):
    t = TensorProto()
    t.name, t.data_type = "w", F
    t.dims.extend([2, 3])
    t.float_data.extend([1.0, 2.0])
    return add_init_model(t)

@case("int64_data_too_long", "w")
def _(d):
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.INT64
    t.dims.extend([2])
    t.int64_data.extend([1, 2, 3, 4, 5])
    m = model([helper.make_node("Reshape", ["x", "w"], ["y"], name="reshape")],
              [vi("x", [2, 3])], [vi("y", [3, 2])], inits=[t])
    return m

@case("initializer_no_data", "w")
def _(d):
    t = TensorProto()
    t.name, t.data_type = "w", F
    t.dims.extend([2, 3])
    return add_init_model(t)

@case("initializer_unnamed", "")
def _(d):
    return add_init_model(raw_tensor("", [2, 3], F, b"\0" * 24), name="w")

@case("duplicate_initializer", "w")
def _(d):
    m = add_init_model(raw_tensor("w", [2, 3], F, b"\0" * 24))
    m.graph.initializer.append(raw_tensor("w", [2, 3], F, b"\0" * 24))
    return m

@case("string_initializer_raw", "w")
def _(d):
    return add_init_model(raw_tensor("w", [2, 3], TensorProto.STRING,
                                     b"\0" * 24))

# --- Graph structure -------------------------------------------------------

@case("cycle_two_nodes", "")
def _(d):
    return model([helper.make_node("Add", ["x", "b"], ["a"], name="n1"),
                  helper.make_node("Relu", ["a"], ["b"], name="n2"),
                  helper.make_node("Identity", ["a"], ["y"], name="n3")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("self_loop", "")
def _(d):
    return model([helper.make_node("Add", ["x", "y"], ["y"], name="selfloop")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("undefined_node_input", "nowhere")
def _(d):
    return model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="add")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("duplicate_node_output", "y")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="a"),
                  helper.make_node("Neg", ["x"], ["y"], name="b")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("output_shadows_input", "x")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["x"], name="relu")],
                 [vi("x", [2, 3])], [vi("x", [2, 3])])

@case("duplicate_graph_input", "x")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3]), vi("x", [2, 3])], [vi("y", [2, 3])])

@case("missing_graph_output", "y")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["z"], name="relu")],
                 [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("no_graph_outputs", "no outputs")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3])], [])

@case("empty_output_name", "")
def _(d):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", [2, 3])], [vi("", [2, 3])])

# --- Nodes and attributes --------------------------------------------------

@case("attribute_wrong_type", "softmax")
def _(d):
    n = helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis="one")
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("attribute_tensor_for_ints", "transpose")
def _(d):
    n = helper.make_node("Transpose", ["x"], ["y"], name="transpose",
                         perm=helper.make_tensor("p", TensorProto.INT64, [2], [1, 0]))
    return model([n], [vi("x", [2, 3])], [vi("y", [3, 2])])

@case("attribute_type_undefined", "softmax")
def _(d):
    n = helper.make_node("Softmax", ["x"], ["y"], name="softmax")
    a = n.attribute.add()
    a.name = "axis"
    a.type = 0
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("attribute_out_of_range", "softmax")
def _(d):
    n = helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1 << 40)
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("transpose_perm_bad", "transpose")
def _(d):
    n = helper.make_node("Transpose", ["x"], ["y"], name="transpose",
                         perm=[0, 0])
    return model([n], [vi("x", [2, 3])], [vi("y", [3, 2])])

@case("too_many_inputs", "relu")
def _(d):
    n = helper.make_node("Relu", ["x", "x", "x"], ["y"], name="relu")
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("too_few_inputs", "add")
def _(d):
    n = helper.make_node("Add", ["x"], ["y"], name="add")
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("unknown_op", "frobnicate")
def _(d):
    n = helper.make_node("Frobnicate", ["x"], ["y"], name="frobnicate")
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("unknown_domain", "relu")
def _(d):
    n = helper.make_node("Relu", ["x"], ["y"], name="relu",
                         domain="com.example.evil")
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])],
                 domain_opsets=[("com.example.evil", 1)])

@case("domain_without_opset", "relu")
def _(d):
    n = helper.make_node("Relu", ["x"], ["y"], name="relu",
                         domain="com.example.evil")
    return model([n], [vi("x", [2, 3])], [vi("y", [2, 3])])

@case("incompatible_shapes", "add")
def _(d):
    n = helper.make_node("Add", ["x", "z"], ["y"], name="add")
    return model([n], [vi("x", [2, 3]), vi("z", [4, 5])], [vi("y", [2, 3])])

@case("reshape_count_mismatch", "reshape")
def _(d):
    t = helper.make_tensor("s", TensorProto.INT64, [2], [4, 4])
    n = helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")
    return model([n], [vi("x", [2, 3])], [vi("y", [4, 4])], inits=[t])

# --- Subgraphs -------------------------------------------------------------

@case("subgraph_unknown_value", "ghost")
def _(d):
    body = helper.make_graph(
        [helper.make_node("Identity", ["ghost"], ["o"], name="inner")],
        "then", [], [vi("o", [2, 3])])
    n = helper.make_node("If", ["c"], ["y"], name="if", then_branch=body,
                         else_branch=body)
    return model([n], [vi("x", [2, 3]), vi("c", [], TensorProto.BOOL)],
                 [vi("y", [2, 3])])

@case("subgraph_missing_branch", "if")
def _(d):
    body = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["o"], name="inner")],
        "then", [], [vi("o", [2, 3])])
    n = helper.make_node("If", ["c"], ["y"], name="if", then_branch=body)
    return model([n], [vi("x", [2, 3]), vi("c", [], TensorProto.BOOL)],
                 [vi("y", [2, 3])])

@case("subgraph_depth_bomb", "")
def _(d):
    return nested_if_bytes(2000)

@case("subgraph_depth_30_unknown_leaf", "ghost")
def _(d):
    return nested_if_model(30, leaf_uses="ghost")

# --- External data ---------------------------------------------------------

@case("external_absolute_path", "w")
def _(d):
    return add_init_model(external_tensor("w", [2, 3], "/etc/passwd"))

@case("external_dotdot", "w")
def _(d):
    return add_init_model(external_tensor("w", [2, 3], "../secret.bin"))

@case("external_dotdot_inside", "w")
def _(d):
    os.makedirs(os.path.join(d, "sub"), exist_ok=True)
    return add_init_model(external_tensor("w", [2, 3], "sub/../../x.bin"))

@case("external_symlink_out", "w")
def _(d):
    link = os.path.join(d, "weights.bin")
    if not os.path.lexists(link):
        os.symlink("/etc/hostname", link)
    return add_init_model(external_tensor("w", [2, 3], "weights.bin"))

@case("external_symlink_dir_out", "w")
def _(d):
    link = os.path.join(d, "up")
    with open(os.path.join(d, "..", "escape.bin"), "wb") as f:
        f.write(b"\0" * 24)
    if not os.path.lexists(link):
        os.symlink("..", link)
    return add_init_model(external_tensor("w", [2, 3], "up/escape.bin"))

@case("external_missing_file", "w")
def _(d):
    return add_init_model(external_tensor("w", [2, 3], "absent.bin"))

@case("external_offset_past_end", "w")
def _(d):
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(b"\0" * 24)
    return add_init_model(external_tensor("w", [2, 3], "w.bin", offset=4096))

@case("external_length_past_end", "w")
def _(d):
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(b"\0" * 24)
    return add_init_model(external_tensor("w", [2, 3], "w.bin", offset=8,
                                          length=24))

@case("external_huge_length", "w")
def _(d):
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(b"\0" * 24)
    return add_init_model(external_tensor("w", [2, 3], "w.bin",
                                          length=(1 << 63) + 5))

@case("external_offset_overflow", "w")
def _(d):
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(b"\0" * 24)
    return add_init_model(external_tensor("w", [2, 3], "w.bin",
                                          offset=(1 << 64) - 8, length=24))

@case("external_length_wrong_for_shape", "w")
def _(d):
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(b"\0" * 64)
    return add_init_model(external_tensor("w", [2, 3], "w.bin", length=16))

@case("external_directory", "w")
def _(d):
    os.makedirs(os.path.join(d, "adir"), exist_ok=True)
    return add_init_model(external_tensor("w", [2, 3], "adir"))

@case("external_no_location", "w")
def _(d):
    t = external_tensor("w", [2, 3], "x")
    del t.external_data[:]
    return add_init_model(t)

@case("external_negative_offset", "w")
def _(d):
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(b"\0" * 24)
    t = external_tensor("w", [2, 3], "w.bin")
    e = t.external_data.add()
    e.key, e.value = "offset", "-8"
    return add_init_model(t)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_bad_models.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    table = []
    for name, expect, fn in CASES:
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        result = fn(d)
        data = result if isinstance(result, bytes) else result.SerializeToString()
        path = os.path.join(d, "model.onnx")
        with open(path, "wb") as f:
            f.write(data)
        table.append({"name": name, "model": path, "expect": expect})
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(table, f, indent=1)
    print(f"make_bad_models: {len(table)} cases in {out}")


if __name__ == "__main__":
    main()

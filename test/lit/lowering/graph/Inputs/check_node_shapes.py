#!/usr/bin/env python3
"""Checks onnx-shape-inference against the output shapes that the onnx
package's backend node tests declare.

Each test model is written as onnx-dialect MLIR (as the importer would,
every node result unranked; small integer inputs of test_data_set_0 become
onnx.Constant so the shape-value rules see them), run through
`kiln-opt -onnx-shape-inference`, and the inferred graph output types are
compared with the declared ones. A conflict (a different static dim, rank or
element type) means a wrong rule; a less precise type means a missing one.

usage: check_node_shapes.py KILN_OPT [NODE_TEST_DIR] [-v]
"""

import os
import re
import subprocess
import sys

import numpy as np
import onnx
import onnx.defs
from onnx import numpy_helper

ELEM = {1: "f32", 2: "ui8", 3: "i8", 4: "ui16", 5: "i16", 6: "i32", 7: "i64",
        9: "i1", 10: "f16", 11: "f64", 12: "ui32", 13: "ui64", 16: "bf16"}


class Unsupported(Exception):
    pass


def tensor_type(tt, shaped=True):
    if tt.elem_type not in ELEM:
        raise Unsupported("element type %d" % tt.elem_type)
    elem = ELEM[tt.elem_type]
    if not shaped or not tt.HasField("shape"):
        return "tensor<*x%s>" % elem
    dims, syms = [], []
    for d in tt.shape.dim:
        if d.HasField("dim_value"):
            dims.append(str(d.dim_value)); syms.append("")
        else:
            dims.append("?"); syms.append(d.dim_param)
    body = "x".join(dims + [elem])
    if any(syms):
        return 'tensor<%s, #onnx.dims<[%s]>>' % (
            body, ", ".join('"%s"' % s for s in syms))
    return "tensor<%s>" % body


def value_type(vi, shaped=True):
    if not vi.type.HasField("tensor_type"):
        raise Unsupported("non-tensor value")
    return tensor_type(vi.type.tensor_type, shaped)


def fmt_float(x):
    x = float(np.float32(x))
    if not np.isfinite(x):
        raise Unsupported("non-finite float attribute")
    return "%.9e" % x


def dense(arr, elem):
    shape = "x".join([str(s) for s in arr.shape] + [elem])
    flat = arr.flatten()
    if elem in ("f32", "f64", "f16", "bf16"):
        if not np.all(np.isfinite(flat.astype(np.float64))):
            raise Unsupported("non-finite tensor")
        vals = [fmt_float(v) for v in flat]
    elif elem == "i1":
        vals = ["true" if v else "false" for v in flat]
    else:
        vals = [str(int(v)) for v in flat]
    if arr.ndim == 0:
        return "dense<%s> : tensor<%s>" % (vals[0], shape)
    if arr.size == 0:
        return "dense<> : tensor<%s>" % shape
    nested = np.array(vals, dtype=object).reshape(arr.shape).tolist()
    text = repr(nested).replace("'", "")
    return "dense<%s> : tensor<%s>" % (text, shape)


def tensor_attr(t):
    if t.data_type not in ELEM or t.data_type == 8:
        raise Unsupported("tensor attribute type")
    return dense(numpy_helper.to_array(t), ELEM[t.data_type])


def attribute(a):
    A = onnx.AttributeProto
    if a.type == A.INT:
        return "%d : i64" % a.i
    if a.type == A.FLOAT:
        return "%s : f32" % fmt_float(a.f)
    if a.type == A.STRING:
        return '"%s"' % a.s.decode("utf-8", "replace").replace('"', '\\"')
    if a.type == A.INTS:
        return "[%s]" % ", ".join(str(v) for v in a.ints)
    if a.type == A.FLOATS:
        return "[%s]" % ", ".join(fmt_float(v) + " : f32" for v in a.floats)
    if a.type == A.STRINGS:
        return "[%s]" % ", ".join('"%s"' % s.decode() for s in a.strings)
    if a.type == A.TENSOR:
        return tensor_attr(a.t)
    raise Unsupported("attribute kind %d" % a.type)


def convert(model_dir):
    model = onnx.load(os.path.join(model_dir, "model.onnx"))
    g = model.graph
    data = {}
    ds = os.path.join(model_dir, "test_data_set_0")
    for i, inp in enumerate(g.input):
        pb = os.path.join(ds, "input_%d.pb" % i)
        if os.path.exists(pb):
            t = onnx.TensorProto()
            with open(pb, "rb") as f:
                t.ParseFromString(f.read())
            data[inp.name] = t
    names, types, lines = {}, {}, []
    args = []
    counter = [0]

    def fresh():
        counter[0] += 1
        return "%%v%d" % counter[0]

    init_names = {t.name for t in g.initializer}
    # Float inputs that these ops read as values (scales, range bounds).
    value_inputs = {i for n in g.node
                    if n.op_type in ("Resize", "Upsample", "Range", "OneHot",
                                     "Compress")
                    for i in n.input[(0 if n.op_type == "Range" else 1):]}
    for inp in g.input:
        if inp.name in init_names:
            continue
        t = data.get(inp.name)
        if (t is not None and np.prod(t.dims, dtype=np.int64) <= 64 and
                (t.data_type in (6, 7) or
                 (t.data_type in (1, 9, 10, 11) and inp.name in value_inputs))):
            arr = numpy_helper.to_array(t)
            v = fresh()
            ty = value_type(inp)
            lines.append('%s = "onnx.Constant"() {value = %s} : () -> %s'
                         % (v, dense(arr, ELEM[t.data_type]), ty))
            names[inp.name], types[inp.name] = v, ty
            continue
        v = "%%arg%d" % len(args)
        ty = value_type(inp)
        args.append("%s: %s" % (v, ty))
        names[inp.name], types[inp.name] = v, ty
    for t in g.initializer:
        v = fresh()
        arr = numpy_helper.to_array(t)
        ty = "tensor<%s>" % "x".join([str(s) for s in arr.shape] + [ELEM.get(t.data_type, "?")])
        lines.append('%s = "onnx.Constant"() {value = %s} : () -> %s'
                     % (v, tensor_attr(t), ty))
        names[t.name], types[t.name] = v, ty
    none = None
    for n in g.node:
        if n.domain not in ("", "ai.onnx"):
            raise Unsupported("domain")
        schema = onnx.defs.get_schema(n.op_type)
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
               for a in n.attribute):
            raise Unsupported("subgraph")
        opnds, otys = [], []
        for i, formal in enumerate(schema.inputs):
            if formal.option == formal.option.Variadic:
                ins = list(n.input[i:])
            else:
                ins = [n.input[i] if i < len(n.input) else ""]
            for name in ins:
                if name == "":
                    if none is None:
                        none = "%none"
                        lines.insert(0, "%none = onnx.NoValue")
                    opnds.append(none); otys.append("none")
                else:
                    opnds.append(names[name]); otys.append(types[name])
        results, rtys = [], []
        for i, formal in enumerate(schema.outputs):
            if formal.option == formal.option.Variadic:
                outs = list(n.output[i:])
            else:
                outs = [n.output[i] if i < len(n.output) else ""]
            for name in outs:
                v = fresh()
                results.append((name, v))
                if name == "":
                    rtys.append("none")
                else:
                    # The element type comes from value_info or outputs.
                    rtys.append(None)
        elem_of = {}
        for vi in list(g.output) + list(g.value_info):
            elem_of[vi.name] = value_type(vi, shaped=False)
        for k, (name, v) in enumerate(results):
            if rtys[k] is None:
                if name not in elem_of:
                    raise Unsupported("intermediate without type")
                rtys[k] = elem_of[name]
        attrs = ", ".join("%s = %s" % (a.name, attribute(a)) for a in n.attribute)
        res = ", ".join(v for _, v in results)
        rt = rtys[0] if len(rtys) == 1 else "(%s)" % ", ".join(rtys)
        lhs = ""
        if results:
            lhs = "%s = " % (results[0][1] if len(results) == 1 else
                             "%s:%d" % (results[0][1], len(results)))
            if len(results) > 1:
                for k, (name, _) in enumerate(results):
                    if name:
                        names[name] = "%s#%d" % (results[0][1], k)
                        types[name] = rtys[k]
            elif results[0][0]:
                names[results[0][0]] = results[0][1]
                types[results[0][0]] = rtys[0]
        lines.append('%s"onnx.%s"(%s) {%s} : (%s) -> %s' % (
            lhs, n.op_type, ", ".join(opnds), attrs, ", ".join(otys), rt))
    outs = [names[o.name] for o in g.output]
    otys = [types[o.name] for o in g.output]
    lines.append("return %s : %s" % (", ".join(outs), ", ".join(otys)))
    text = "func.func @main_graph(%s) -> (%s) {\n  %s\n}\n" % (
        ", ".join(args), ", ".join(otys), "\n  ".join(lines))
    declared = [value_type(o) for o in g.output]
    return text, declared


def split_types(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip()); cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_type(t):
    m = re.match(r"tensor<(.*)>$", t)
    if not m:
        return None
    body = m.group(1).split(", #onnx")[0]
    if body.startswith("*x"):
        return (None, body[2:])
    parts = body.split("x")
    return ([None if p == "?" else int(p) for p in parts[:-1]], parts[-1])


def compare(inferred, declared):
    """Returns 'ok', 'weaker' or 'conflict'."""
    i, d = parse_type(inferred), parse_type(declared)
    if i is None or d is None:
        return "ok"
    if i[1] != d[1]:
        return "conflict"
    if d[0] is None:
        return "ok"
    if i[0] is None:
        return "weaker"
    if len(i[0]) != len(d[0]):
        return "conflict"
    status = "ok"
    for a, b in zip(i[0], d[0]):
        if a is not None and b is not None and a != b:
            return "conflict"
        if a is None and b is not None:
            status = "weaker"
    return status


def main():
    kiln_opt = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("-") else \
        os.path.join(os.path.dirname(onnx.__file__), "backend/test/data/node")
    verbose = "-v" in sys.argv
    counts = {"ok": 0, "weaker": 0, "conflict": 0, "unsupported": 0,
              "error": 0}
    weaker_ops = {}
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        try:
            text, declared = convert(d)
        except (Unsupported, KeyError, IndexError, onnx.defs.SchemaError,
                ValueError, TypeError) as e:
            counts["unsupported"] += 1
            continue
        p = subprocess.run([kiln_opt, "-", "-onnx-shape-inference"],
                           input=text, capture_output=True, text=True)
        if p.returncode != 0:
            if "conflicts with" in p.stderr or "op expects" in p.stderr or \
                    "inferred" in p.stderr:
                counts["conflict"] += 1
                print("CONFLICT %s: %s" % (name, p.stderr.strip().splitlines()[0]))
            else:
                counts["error"] += 1
                if verbose:
                    print("ERROR %s: %s" % (name, p.stderr.strip().splitlines()[0]))
            continue
        m = re.search(r"func\.func @main_graph\(.*\) -> (.*) \{", p.stdout)
        res = m.group(1)
        if res.startswith("("):
            res = res[1:-1]
        inferred = split_types(res)
        worst = "ok"
        for i_t, d_t in zip(inferred, declared):
            s = compare(i_t, d_t)
            if s == "conflict":
                worst = "conflict"
                print("CONFLICT %s: inferred %s, declared %s" % (name, i_t, d_t))
            elif s == "weaker" and worst == "ok":
                worst = "weaker"
                if verbose:
                    print("WEAKER %s: inferred %s, declared %s" % (name, i_t, d_t))
        counts[worst] += 1
    total = sum(counts.values())
    print("node tests: %d; converted: %d; exact: %d; less precise: %d; "
          "conflicts: %d; kiln-opt errors: %d" % (
              total, total - counts["unsupported"], counts["ok"],
              counts["weaker"], counts["conflict"], counts["error"]))
    return 1 if counts["conflict"] else 0


if __name__ == "__main__":
    sys.exit(main())

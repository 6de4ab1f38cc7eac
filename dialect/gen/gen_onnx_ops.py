#!/usr/bin/env python3
"""Generates the onnx dialect's ops from the installed onnx package's schemas.

Writes two checked-in files, so that building kiln needs no Python:
  dialect/OnnxOps.td      ODS definition of every op of the default domain
  dialect/OnnxSchemas.inc C++ tables the frontend uses to import nodes: the
                          versions of each op, its formal inputs/outputs with
                          their type constraints, and its attribute kinds.

Usage: python dialect/gen/gen_onnx_ops.py   (with the pinned onnx installed)
"""

import argparse
import collections
import math
import os
import sys

import onnx
import onnx.defs

HERE = os.path.dirname(os.path.abspath(__file__))
DIALECT_DIR = os.path.dirname(HERE)

# ONNX element type name -> ODS type constraint.
ELEMENT_TYPES = {
    "float": "F32", "double": "F64", "float16": "F16", "bfloat16": "BF16",
    "int8": "I8", "int16": "I16", "int32": "I32", "int64": "I64",
    "uint8": "UI8", "uint16": "UI16", "uint32": "UI32", "uint64": "UI64",
    "int4": "I<4>", "uint4": "UI<4>", "int2": "I<2>", "uint2": "UI<2>",
    "bool": "I1", "string": "ONNX_String",
    "complex64": "Complex<F32>", "complex128": "Complex<F64>",
    "float8e4m3fn": "F8E4M3FN", "float8e4m3fnuz": "F8E4M3FNUZ",
    "float8e5m2": "F8E5M2", "float8e5m2fnuz": "F8E5M2FNUZ",
    "float8e8m0": "F8E8M0FNU", "float4e2m1": "F4E2M1FN",
}

ATTR_KINDS = {
    # onnx AttrType name -> (C++ AttrKind enumerator, ODS attribute type)
    "FLOAT": ("Float", "F32Attr"),
    "INT": ("Int", "I64Attr"),
    "STRING": ("String", "StrAttr"),
    "TENSOR": ("Tensor", "ElementsAttr"),
    "SPARSE_TENSOR": ("SparseTensor", "ElementsAttr"),
    "TYPE_PROTO": ("TypeProto", "TypeAttr"),
    "FLOATS": ("Floats", "F32ArrayAttr"),
    "INTS": ("Ints", "I64ArrayAttr"),
    "STRINGS": ("Strings", "StrArrayAttr"),
    "TENSORS": ("Tensors", "TypedArrayAttrBase<ElementsAttr, \"tensor array\">"),
    "TYPE_PROTOS": ("TypeProtos", "TypeArrayAttr"),
    "GRAPH": ("Graph", None),
    "GRAPHS": ("Graphs", None),
}


def ods_type_of(type_str):
    """ODS constraint for one allowed ONNX type string, e.g. tensor(float)."""
    if type_str.startswith("tensor("):
        return ("tensor", ELEMENT_TYPES[type_str[len("tensor("):-1]])
    if type_str.startswith("seq("):
        return ("other", "ONNX_AnySeq")
    if type_str.startswith("optional("):
        return ("other", "ONNX_AnyOpt")
    raise ValueError("unknown ONNX type string " + type_str)


def constraint_for(param, schema, optional):
    allowed = allowed_types(param, schema)
    elems, others = [], []
    for t in allowed:
        kind, ods = ods_type_of(t)
        target = elems if kind == "tensor" else others
        if ods not in target:
            target.append(ods)
    parts = []
    if elems:
        parts.append("TensorOf<[" + ", ".join(elems) + "]>")
    parts.extend(others)
    if optional:
        parts.append("NoneType")
    return parts[0] if len(parts) == 1 else "AnyTypeOf<[" + ", ".join(parts) + "]>"


def allowed_types(param, schema):
    for tc in schema.type_constraints:
        if tc.type_param_str == param.type_str:
            return list(tc.allowed_type_strs)
    return [param.type_str]  # a literal type such as tensor(int64)


def option_name(param):
    return param.option.name  # Single, Optional, Variadic


def cpp_float(value):
    if math.isinf(value):
        return "std::numeric_limits<float>::infinity()" if value > 0 else \
            "-std::numeric_limits<float>::infinity()"
    text = repr(float(value))
    return text if ("." in text or "e" in text) else text + ".0"


def td_string(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def default_value(attr):
    """ODS default-value literal of a schema attribute, or None."""
    proto = attr.default_value
    if proto is None or not proto.name:
        return None
    kind = attr.type.name
    if kind == "INT":
        return str(proto.i)
    if kind == "FLOAT":
        return cpp_float(proto.f)
    if kind == "STRING":
        return '"' + td_string(proto.s.decode()) + '"'
    if kind == "INTS":
        return "{" + ", ".join(str(v) for v in proto.ints) + "}"
    if kind == "FLOATS":
        return "{" + ", ".join(cpp_float(v) for v in proto.floats) + "}"
    if kind == "STRINGS":
        return "{" + ", ".join('\\"%s\\"' % s.decode() for s in proto.strings) + "}"
    return None


def ods_attr(name, attr):
    kind, ods = ATTR_KINDS[attr.type.name]
    dflt = default_value(attr)
    if kind == "String" and dflt is not None:
        return "DefaultValuedStrAttr<StrAttr, %s>:$%s" % (dflt, name)
    if dflt is not None:
        return 'DefaultValuedAttr<%s, "%s">:$%s' % (ods, dflt, name)
    if attr.required:
        return "%s:$%s" % (ods, name)
    return "OptionalAttr<%s>:$%s" % (ods, name)


def attribute_order(schema):
    """Attribute names in the order the ODS op and the C++ table use.

    Alphabetical, except that If's then_branch comes before its else_branch,
    so region #0 of onnx.If is the `then` branch.
    """
    return sorted(schema.attributes, key=lambda n: (n != "then_branch", n))


def doc_block(schema):
    doc = (schema.doc or "").strip().replace("[{", "[ {").replace("}]", "} ]")
    lines = [l.rstrip() for l in doc.splitlines()]
    return "\n".join("    " + l if l else "" for l in lines)


def op_traits(schema):
    traits = []
    has_graph = any(a.type.name in ("GRAPH", "GRAPHS") for a in schema.attributes.values())
    if has_graph:
        traits.append("RecursiveMemoryEffects")
    elif not schema.non_deterministic:
        traits.append("Pure")
    if schema.name == "Constant":
        traits.append("ConstantLike")
    return traits


def gen_op(schema):
    name = schema.name
    traits = op_traits(schema)
    args = []
    for p in schema.inputs:
        opt = option_name(p)
        c = constraint_for(p, schema, opt == "Optional")
        args.append(("Variadic<%s>" % c if opt == "Variadic" else c) + ":$" + p.name)
    regions = []
    for aname in attribute_order(schema):
        attr = schema.attributes[aname]
        if attr.type.name == "GRAPH":
            regions.append("SizedRegion<1>:$" + aname)
        elif attr.type.name == "GRAPHS":
            regions.append("VariadicRegion<SizedRegion<1>>:$" + aname)
        else:
            args.append(ods_attr(aname, attr))
    results = []
    for p in schema.outputs:
        opt = option_name(p)
        c = constraint_for(p, schema, opt == "Optional")
        results.append(("Variadic<%s>" % c if opt == "Variadic" else c) + ":$" + p.name)

    out = []
    out.append('def ONNX_%sOp : ONNX_Op<"%s", [%s]> {' % (name, name, ", ".join(traits)))
    out.append('  let summary = "ONNX %s (opset %d%s)";' % (
        name, schema.since_version, ", deprecated" if schema.deprecated else ""))
    out.append("  let description = [{")
    out.append(doc_block(schema))
    out.append("  }];")
    out.append("  let arguments = (ins" + (("\n    " + ",\n    ".join(args)) if args else "") + ");")
    out.append("  let results = (outs" + (("\n    " + ",\n    ".join(results)) if results else "") + ");")
    if regions:
        out.append("  let regions = (region " + ", ".join(regions) + ");")
    if name == "Constant":
        # The importer normalizes every ONNX Constant form into `value`.
        out.append("  let builders = [OpBuilder<(ins \"::mlir::ElementsAttr\":$value), [{")
        out.append("    $_state.getOrAddProperties<Properties>().value = value;")
        out.append("    $_state.addTypes(value.getType());")
        out.append("  }]>];")
        out.append("  let hasFolder = 1;")
    out.append("}")
    return "\n".join(out)


def gen_td(schemas, version):
    header = """//===- OnnxOps.td - onnx dialect ops (generated) ---------------*- tablegen -*-===//
//
// GENERATED by dialect/gen/gen_onnx_ops.py from onnx %s (opset %d); do not
// edit. Every op of the default ONNX domain in its newest version.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECT_ONNXOPS_TD
#define KILN_DIALECT_ONNXOPS_TD

include "dialect/OnnxBase.td"
""" % (version, onnx.defs.onnx_opset_version())
    body = "\n\n".join(gen_op(s) for s in schemas)
    return header + "\n" + body + "\n\n#endif // KILN_DIALECT_ONNXOPS_TD\n"


def gen_inc(schemas, history, version):
    lines = [
        "// GENERATED by dialect/gen/gen_onnx_ops.py from onnx %s; do not edit." % version,
        "// Schema tables of the default ONNX domain, included by OnnxSchema.cpp.",
        "",
        "static constexpr int64_t kPinnedOpsetVersion = %d;" % onnx.defs.onnx_opset_version(),
        "static constexpr int64_t kPinnedIRVersion = %d;" % onnx.IR_VERSION,
        "",
    ]
    entries = []
    for s in schemas:
        n = s.name
        since = sorted(history[n])
        lines.append("static const int64_t kSince_%s[] = {%s};" % (n, ", ".join(map(str, since))))

        def params(kind, ps):
            if not ps:
                return "{}"
            rows = []
            for p in ps:
                tc = "|".join(allowed_types(p, s))
                rows.append('{"%s", ParamOption::%s, "%s", "%s"}' % (
                    p.name, option_name(p), p.type_str, tc))
            lines.append("static const ParamInfo k%s_%s[] = {\n  %s};" % (kind, n, ",\n  ".join(rows)))
            return "k%s_%s" % (kind, n)

        ins = params("In", s.inputs)
        outs = params("Out", s.outputs)
        if s.attributes:
            rows = ['{"%s", AttrKind::%s, %s}' % (a, ATTR_KINDS[s.attributes[a].type.name][0],
                                                 "true" if s.attributes[a].required else "false")
                    for a in attribute_order(s)]
            lines.append("static const AttrInfo kAttr_%s[] = {\n  %s};" % (n, ",\n  ".join(rows)))
            attrs = "kAttr_" + n
        else:
            attrs = "{}"
        entries.append('  {"%s", kSince_%s, %s, %s, %s, %d, %d, %s},' % (
            n, n, ins, outs, attrs, s.min_input, s.min_output,
            "true" if s.deprecated else "false"))
    lines.append("")
    lines.append("static const OpSchemaInfo kOpSchemas[] = {")
    lines.extend(entries)
    lines.append("};")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", default=DIALECT_DIR)
    args = parser.parse_args()

    schemas = sorted((s for s in onnx.defs.get_all_schemas() if s.domain == ""),
                     key=lambda s: s.name)
    history = collections.defaultdict(set)
    for s in onnx.defs.get_all_schemas_with_history():
        if s.domain == "":
            history[s.name].add(s.since_version)

    with open(os.path.join(args.out_dir, "OnnxOps.td"), "w") as f:
        f.write(gen_td(schemas, onnx.__version__))
    with open(os.path.join(args.out_dir, "OnnxSchemas.inc"), "w") as f:
        f.write(gen_inc(schemas, history, onnx.__version__))
    print("generated %d ops from onnx %s" % (len(schemas), onnx.__version__), file=sys.stderr)


if __name__ == "__main__":
    main()

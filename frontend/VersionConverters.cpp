//===- VersionConverters.cpp - Old ONNX op versions to the newest form ----===//
//
// The onnx dialect holds each op in its newest form only. A node whose
// model opset resolves to an older since-version with different semantics
// is rewritten here, in a table keyed by (op name, since-version): most
// often an attribute that later became an input (Reshape-1 `shape`,
// Squeeze-11 `axes`, ...), sometimes a different op (Upsample -> Resize,
// Scatter -> ScatterElements) or extra ops around the node (Softmax-11's
// coerce-to-2-D semantics). Versions whose changes do not affect the
// attributes a node carries import as-is and have no entry.
//
//===----------------------------------------------------------------------===//

#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringSwitch.h"

#include <cfloat>

using namespace mlir;

namespace kiln::detail {
namespace {

using Results = FailureOr<SmallVector<Value>>;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

NamedAttribute namedI64(ModelImporter &imp, StringRef name, int64_t value) {
  return NamedAttribute(imp.builder.getStringAttr(name),
                        imp.builder.getI64IntegerAttr(value));
}

/// Places `value` at input position `index`, padding with omitted inputs.
void setInput(NodeState &node, unsigned index, Value value) {
  if (node.inputs.size() <= index)
    node.inputs.resize(index + 1);
  node.inputs[index] = value;
}

/// Checks that an attribute has the kind a converter expects.
LogicalResult expectKind(NodeState &node, const pb::AttributeProto *attr,
                         onnx::AttrKind kind) {
  std::optional<onnx::AttrKind> actual = getAttrKind(*attr);
  if (actual == kind)
    return success();
  node.emitError() << "attribute '" << attr->name() << "' has type "
                   << (actual ? onnx::stringifyAttrKind(*actual) : "UNDEFINED")
                   << ", expected " << onnx::stringifyAttrKind(kind);
  return failure();
}

/// Moves the INTS attribute `name` (if present) to a 1-D i64 input.
LogicalResult moveIntsToInput(ModelImporter &imp, NodeState &node,
                              StringRef name, unsigned index) {
  const pb::AttributeProto *attr = node.takeAttr(name);
  if (!attr)
    return success();
  if (failed(expectKind(node, attr, onnx::AttrKind::Ints)))
    return failure();
  SmallVector<int64_t> values(attr->ints().begin(), attr->ints().end());
  setInput(node, index, imp.constI64(node.loc, values));
  return success();
}

/// The element type of a value's tensor type, or null.
Type elementTypeOf(Value value) {
  if (!value)
    return {};
  if (auto type = dyn_cast<TensorType>(value.getType()))
    return type.getElementType();
  return {};
}

/// Moves the FLOAT attribute `name` (if present) to a scalar input of the
/// element type of input #0 (f32 when unknown).
LogicalResult moveFloatToInput(ModelImporter &imp, NodeState &node,
                               StringRef name, unsigned index) {
  const pb::AttributeProto *attr = node.takeAttr(name);
  if (!attr)
    return success();
  if (failed(expectKind(node, attr, onnx::AttrKind::Float)))
    return failure();
  Type element = elementTypeOf(node.inputs.empty() ? Value() : node.inputs[0]);
  if (!isa_and_nonnull<FloatType>(element))
    element = imp.builder.getF32Type();
  setInput(node, index, imp.constFloat(node.loc, element, attr->f()));
  return success();
}

/// Drops attributes that later versions removed without replacement.
void dropAttrs(NodeState &node, std::initializer_list<StringRef> names) {
  for (StringRef name : names)
    node.takeAttr(name);
}

//===----------------------------------------------------------------------===//
// Attributes that became inputs
//===----------------------------------------------------------------------===//

/// Reshape-1: `shape` attribute -> input.
Results convertReshape1(ModelImporter &imp, NodeState &node) {
  if (!node.findAttr("shape")) {
    node.emitError() << "Reshape-1 needs the 'shape' attribute";
    return failure();
  }
  if (failed(moveIntsToInput(imp, node, "shape", 1)))
    return failure();
  return imp.buildFromNode(node);
}

/// Squeeze/Unsqueeze-1/11, Reduce*-1/11/12/13: `axes` attribute -> input 1.
Results convertAxesToInput(ModelImporter &imp, NodeState &node) {
  if (failed(moveIntsToInput(imp, node, "axes", 1)))
    return failure();
  return imp.buildFromNode(node);
}

/// Slice-1: `starts`, `ends`, `axes` attributes -> inputs.
Results convertSlice1(ModelImporter &imp, NodeState &node) {
  if (!node.findAttr("starts") || !node.findAttr("ends")) {
    node.emitError() << "Slice-1 needs the 'starts' and 'ends' attributes";
    return failure();
  }
  if (failed(moveIntsToInput(imp, node, "starts", 1)) ||
      failed(moveIntsToInput(imp, node, "ends", 2)) ||
      failed(moveIntsToInput(imp, node, "axes", 3)))
    return failure();
  return imp.buildFromNode(node);
}

/// Split-1/2/11/13: `split` attribute -> input; without split sizes the
/// newest Split needs `num_outputs`.
Results convertSplit(ModelImporter &imp, NodeState &node) {
  if (failed(moveIntsToInput(imp, node, "split", 1)))
    return failure();
  if (node.inputs.size() < 2 || !node.inputs[1]) {
    pb::AttributeProto &attr = node.setAttr("num_outputs");
    attr.set_type(pb::AttributeProto::INT);
    attr.set_i(static_cast<int64_t>(node.outputNames.size()));
  }
  return imp.buildFromNode(node);
}

/// TopK-1: `k` attribute -> input [k].
Results convertTopK1(ModelImporter &imp, NodeState &node) {
  const pb::AttributeProto *k = node.takeAttr("k");
  if (!k || failed(expectKind(node, k, onnx::AttrKind::Int))) {
    if (!k)
      node.emitError() << "TopK-1 needs the 'k' attribute";
    return failure();
  }
  setInput(node, 1, imp.constI64(node.loc, {k->i()}));
  return imp.buildFromNode(node);
}

/// Pad-1/2: `pads` (`paddings` in Pad-1) and `value` attributes -> inputs.
Results convertPad(ModelImporter &imp, NodeState &node) {
  if (node.findAttr("paddings")) {
    if (failed(moveIntsToInput(imp, node, "paddings", 1)))
      return failure();
  } else if (failed(moveIntsToInput(imp, node, "pads", 1))) {
    return failure();
  }
  if (node.inputs.size() < 2) {
    node.emitError() << "Pad needs the 'pads' attribute";
    return failure();
  }
  if (failed(moveFloatToInput(imp, node, "value", 2)))
    return failure();
  return imp.buildFromNode(node);
}

/// Clip-1/6: `min`/`max` attributes -> inputs.
Results convertClip(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"consumed_inputs"});
  if (failed(moveFloatToInput(imp, node, "min", 1)) ||
      failed(moveFloatToInput(imp, node, "max", 2)))
    return failure();
  return imp.buildFromNode(node);
}

/// Dropout-1/6/7/10: `ratio` attribute -> input; `is_test` dropped
/// (kiln imports for inference: training_mode stays false).
Results convertDropout(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"is_test", "consumed_inputs"});
  if (failed(moveFloatToInput(imp, node, "ratio", 1)))
    return failure();
  // The old mask output had the data's type; the newest one is bool.
  for (size_t i = 1; i < node.outputHints.size(); ++i)
    node.outputHints[i] = Type();
  return imp.buildFromNode(node);
}

/// DFT-17: `axis` attribute (default 1) -> scalar input 2 (whose default
/// changed to -2, so it is always given).
Results convertDFT17(ModelImporter &imp, NodeState &node) {
  int64_t axis = 1;
  if (const pb::AttributeProto *attr = node.takeAttr("axis")) {
    if (failed(expectKind(node, attr, onnx::AttrKind::Int)))
      return failure();
    axis = attr->i();
  }
  setInput(node, 2, imp.constI64(node.loc, {axis}, /*scalar=*/true));
  return imp.buildFromNode(node);
}

//===----------------------------------------------------------------------===//
// Attributes removed or retyped
//===----------------------------------------------------------------------===//

/// BatchNormalization-1/6/7/9: drops `spatial`/`is_test`/`consumed_inputs`;
/// the old training-only outputs (mean, var, saved_*) are not imported.
Results convertBatchNorm(ModelImporter &imp, NodeState &node) {
  if (const pb::AttributeProto *spatial = node.takeAttr("spatial")) {
    if (spatial->i() == 0) {
      node.emitError() << "BatchNormalization with spatial=0 is not "
                          "supported";
      return failure();
    }
  }
  dropAttrs(node, {"is_test", "consumed_inputs"});
  for (size_t i = 1; i < node.outputNames.size(); ++i) {
    if (!node.outputNames[i].empty()) {
      node.emitError() << "BatchNormalization-" << node.version
                       << " in training mode (output '"
                       << node.outputNames[i] << "') is not supported";
      return failure();
    }
  }
  node.outputNames.resize(1);
  node.outputHints.resize(1);
  return imp.buildFromNode(node);
}

/// Ops whose old versions carried attributes later removed with no
/// change for inference (`consumed_inputs`, Gemm `broadcast`, RNN
/// `output_sequence`).
Results convertDropRemoved(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"consumed_inputs", "broadcast", "output_sequence"});
  return imp.buildFromNode(node);
}

/// Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less-1/6: legacy
/// broadcasting aligns B at `axis` of A; unsqueeze B's trailing dims so
/// numpy-style broadcasting gives the same result.
Results convertLegacyBroadcast(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"consumed_inputs"});
  const pb::AttributeProto *broadcast = node.takeAttr("broadcast");
  const pb::AttributeProto *axisAttr = node.takeAttr("axis");
  if (!broadcast || broadcast->i() == 0 || !axisAttr)
    return imp.buildFromNode(node);
  if (node.inputs.size() != 2 || !node.inputs[0] || !node.inputs[1]) {
    node.emitError() << "expects two inputs";
    return failure();
  }
  auto typeA = dyn_cast<RankedTensorType>(node.inputs[0].getType());
  auto typeB = dyn_cast<RankedTensorType>(node.inputs[1].getType());
  if (!typeA || !typeB) {
    node.emitError() << "legacy broadcast with 'axis' needs inputs of "
                        "known rank";
    return failure();
  }
  int64_t rankA = typeA.getRank(), rankB = typeB.getRank();
  int64_t axis = axisAttr->i() < 0 ? axisAttr->i() + rankA : axisAttr->i();
  int64_t trailing = rankA - axis - rankB;
  if (axis < 0 || trailing < 0) {
    node.emitError() << "legacy broadcast axis " << axisAttr->i()
                     << " does not fit ranks " << rankA << " and " << rankB;
    return failure();
  }
  if (trailing > 0) {
    SmallVector<int64_t> axes;
    for (int64_t i = 0; i < trailing; ++i)
      axes.push_back(rankB + i);
    FailureOr<Value> unsqueezed = imp.createOp1(
        node, "Unsqueeze", {node.inputs[1], imp.constI64(node.loc, axes)});
    if (failed(unsqueezed))
      return failure();
    node.inputs[1] = *unsqueezed;
  }
  return imp.buildFromNode(node);
}

/// PRelu-1/6: a 1-D slope of C values applied per channel (axis 1), which
/// numpy broadcasting (PRelu-7+) would apply to the last axis instead: the
/// slope gets trailing unit dims, [C] -> [C, 1, ..., 1].
Results convertPRelu6(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"consumed_inputs"});
  if (node.inputs.size() != 2 || !node.inputs[0] || !node.inputs[1])
    return imp.buildFromNode(node);
  auto typeX = dyn_cast<RankedTensorType>(node.inputs[0].getType());
  auto typeSlope = dyn_cast<RankedTensorType>(node.inputs[1].getType());
  if (!typeX || !typeSlope || typeX.getRank() < 3 || typeSlope.getRank() != 1 ||
      typeSlope.getDimSize(0) == 1)
    return imp.buildFromNode(node);
  SmallVector<int64_t> axes;
  for (int64_t i = 1; i < typeX.getRank() - 1; ++i)
    axes.push_back(i);
  FailureOr<Value> unsqueezed = imp.createOp1(
      node, "Unsqueeze", {node.inputs[1], imp.constI64(node.loc, axes)});
  if (failed(unsqueezed))
    return failure();
  node.inputs[1] = *unsqueezed;
  return imp.buildFromNode(node);
}

/// Cast-1: `to` was the data type's name (STRING), now its code (INT).
Results convertCast1(ModelImporter &imp, NodeState &node) {
  const pb::AttributeProto *to = node.findAttr("to");
  if (to && getAttrKind(*to) == onnx::AttrKind::String) {
    int code = 0;
    if (!pb::TensorProto::DataType_Parse(to->s(),
                                         reinterpret_cast<pb::TensorProto::DataType *>(&code)) &&
        !pb::TensorProto::DataType_Parse(StringRef(to->s()).upper(),
                                         reinterpret_cast<pb::TensorProto::DataType *>(&code))) {
      node.emitError() << "Cast-1 'to' names unknown type '" << to->s()
                       << "'";
      return failure();
    }
    pb::AttributeProto &attr = node.setAttr("to");
    attr.set_type(pb::AttributeProto::INT);
    attr.set_i(code);
  }
  return imp.buildFromNode(node);
}

/// LpPool-1/GlobalLpPool-1: `p` was a FLOAT.
Results convertLpPool1(ModelImporter &imp, NodeState &node) {
  const pb::AttributeProto *p = node.findAttr("p");
  if (p && getAttrKind(*p) == onnx::AttrKind::Float) {
    float value = p->f();
    pb::AttributeProto &attr = node.setAttr("p");
    attr.set_type(pb::AttributeProto::INT);
    attr.set_i(static_cast<int64_t>(value));
  }
  return imp.buildFromNode(node);
}

/// Concat-1: `axis` was optional with default 1.
Results convertConcat1(ModelImporter &imp, NodeState &node) {
  if (!node.findAttr("axis")) {
    pb::AttributeProto &attr = node.setAttr("axis");
    attr.set_type(pb::AttributeProto::INT);
    attr.set_i(1);
  }
  return imp.buildFromNode(node);
}

/// GridSample-16: modes were renamed (bilinear -> linear, bicubic -> cubic).
Results convertGridSample16(ModelImporter &imp, NodeState &node) {
  const pb::AttributeProto *mode = node.findAttr("mode");
  std::string value = mode ? mode->s() : "bilinear";
  value = llvm::StringSwitch<std::string>(value)
              .Case("bilinear", "linear")
              .Case("bicubic", "cubic")
              .Default(value);
  pb::AttributeProto &attr = node.setAttr("mode");
  attr.set_type(pb::AttributeProto::STRING);
  attr.set_s(value);
  return imp.buildFromNode(node);
}

/// RoiAlign-10: behaves like coordinate_transformation_mode
/// "output_half_pixel" (the newest default is "half_pixel").
Results convertRoiAlign10(ModelImporter &imp, NodeState &node) {
  pb::AttributeProto &attr = node.setAttr("coordinate_transformation_mode");
  attr.set_type(pb::AttributeProto::STRING);
  attr.set_s("output_half_pixel");
  return imp.buildFromNode(node);
}

/// Selu-1: defaults were rounded differently; make them explicit.
Results convertSelu1(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"consumed_inputs"});
  if (!node.findAttr("alpha")) {
    pb::AttributeProto &attr = node.setAttr("alpha");
    attr.set_type(pb::AttributeProto::FLOAT);
    attr.set_f(1.673200011253357f);
  }
  if (!node.findAttr("gamma")) {
    pb::AttributeProto &attr = node.setAttr("gamma");
    attr.set_type(pb::AttributeProto::FLOAT);
    attr.set_f(1.050699949264526f);
  }
  return imp.buildFromNode(node);
}

//===----------------------------------------------------------------------===//
// Op replacements
//===----------------------------------------------------------------------===//

/// Scatter-9/11 (deprecated) is ScatterElements.
Results convertScatter(ModelImporter &imp, NodeState &node) {
  node.opType = "ScatterElements";
  return imp.buildFromNode(node);
}

/// Upsample-7/9/10 and Resize-10 become Resize with the coordinate
/// mapping they had: asymmetric, nearest rounding down.
Results convertToResize(ModelImporter &imp, NodeState &node) {
  Value scales;
  if (const pb::AttributeProto *attr = node.takeAttr("scales")) {
    if (failed(expectKind(node, attr, onnx::AttrKind::Floats)))
      return failure();
    SmallVector<float> values(attr->floats().begin(), attr->floats().end());
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      imp.builder.getF32Type());
    scales = onnx::ConstantOp::create(
        imp.builder, node.loc,
        DenseElementsAttr::get(type, ArrayRef<float>(values)));
  } else if (node.inputs.size() >= 2) {
    scales = node.inputs[1];
  }
  if (!scales) {
    node.emitError() << node.opType << " needs scales";
    return failure();
  }
  const pb::AttributeProto *modeAttr = node.takeAttr("mode");
  std::string mode = modeAttr ? modeAttr->s() : "nearest";
  if (mode == "bilinear" || mode == "trilinear")
    mode = "linear";
  if (mode != "nearest" && mode != "linear") {
    node.emitError() << node.opType << " mode '" << mode
                     << "' is not supported";
    return failure();
  }
  if (!node.attributes.empty()) {
    node.emitError() << "unknown attribute '" << node.attributes[0]->name()
                     << "'";
    return failure();
  }
  Value x = node.inputs.empty() ? Value() : node.inputs[0];
  node.opType = "Resize";
  node.inputs = {x, Value(), scales};
  auto setString = [&](StringRef name, StringRef value) {
    pb::AttributeProto &attr = node.setAttr(name);
    attr.set_type(pb::AttributeProto::STRING);
    attr.set_s(value.str());
  };
  setString("mode", mode);
  setString("coordinate_transformation_mode", "asymmetric");
  if (mode == "nearest")
    setString("nearest_mode", "floor");
  return imp.buildFromNode(node);
}

/// Softmax/LogSoftmax/Hardmax-1/11 coerce the input to 2-D at `axis`
/// (default 1) and normalize each row. When `axis` is the last dim that is
/// the newest op with axis -1; otherwise Flatten -> op -> Reshape.
Results convertCoerced2D(ModelImporter &imp, NodeState &node) {
  int64_t axis = 1;
  if (const pb::AttributeProto *attr = node.takeAttr("axis")) {
    if (failed(expectKind(node, attr, onnx::AttrKind::Int)))
      return failure();
    axis = attr->i();
  }
  if (node.inputs.size() != 1 || !node.inputs[0]) {
    node.emitError() << "expects one input";
    return failure();
  }
  Value x = node.inputs[0];
  auto setAxis = [&](int64_t value) {
    pb::AttributeProto &attr = node.setAttr("axis");
    attr.set_type(pb::AttributeProto::INT);
    attr.set_i(value);
  };
  if (auto ranked = dyn_cast<RankedTensorType>(x.getType())) {
    int64_t rank = ranked.getRank();
    int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized == rank - 1 || rank == 0) {
      setAxis(-1);
      return imp.buildFromNode(node);
    }
  }
  FailureOr<Value> flat =
      imp.createOp1(node, "Flatten", {x}, {namedI64(imp, "axis", axis)});
  if (failed(flat))
    return failure();
  node.inputs[0] = *flat;
  setAxis(-1);
  SmallVector<Type> hints = node.outputHints;
  node.outputHints.assign(hints.size(), Type());
  Results normalized = imp.buildFromNode(node);
  if (failed(normalized))
    return failure();
  FailureOr<Value> shape = imp.createOp1(node, "Shape", {x});
  if (failed(shape))
    return failure();
  FailureOr<Value> reshaped =
      imp.createOp1(node, "Reshape", {(*normalized)[0], *shape}, {},
                    hints.empty() ? Type() : hints[0]);
  if (failed(reshaped))
    return failure();
  return SmallVector<Value>{*reshaped};
}

/// Scan-8 has a leading batch axis on every state, scan input and output
/// (the body sees one batch entry) and an optional `sequence_lens`. Without
/// sequence_lens and with a static batch size B it is B newest-form Scans,
/// one per batch entry (Gather of entry b; the body imported once each),
/// whose outputs get the batch axis back (Unsqueeze, then Concat).
Results convertScan8(ModelImporter &imp, NodeState &node) {
  if (node.inputs.empty() || node.inputs[0]) {
    node.emitError() << "Scan-8 with sequence_lens is not supported; "
                        "re-export the model with a newer opset";
    return failure();
  }
  if (const pb::AttributeProto *attr = node.takeAttr("directions")) {
    if (failed(expectKind(node, attr, onnx::AttrKind::Ints)))
      return failure();
    pb::AttributeProto &renamed = node.setAttr("scan_input_directions");
    renamed = *attr;
    renamed.set_name("scan_input_directions");
  }
  SmallVector<Value> operands(node.inputs.begin() + 1, node.inputs.end());
  std::optional<int64_t> batch;
  for (Value v : operands) {
    auto type = v ? dyn_cast<RankedTensorType>(v.getType()) : nullptr;
    if (!type || type.getRank() < 1 || type.isDynamicDim(0) ||
        (batch && *batch != type.getDimSize(0))) {
      node.emitError() << "Scan-8 needs inputs with one static batch size; "
                          "re-export the model with a newer opset";
      return failure();
    }
    batch = type.getDimSize(0);
  }
  if (!batch) {
    node.emitError() << "Scan-8 without inputs";
    return failure();
  }
  SmallVector<Type> hints = node.outputHints;
  node.outputHints.assign(hints.size(), Type());
  SmallVector<SmallVector<Value>> pieces(node.outputNames.size());
  for (int64_t b = 0; b < *batch; ++b) {
    Value index = imp.constI64(node.loc, {b}, /*scalar=*/true);
    node.inputs.clear();
    for (Value v : operands) {
      FailureOr<Value> entry = imp.createOp1(node, "Gather", {v, index},
                                             {namedI64(imp, "axis", 0)});
      if (failed(entry))
        return failure();
      node.inputs.push_back(*entry);
    }
    Results results = imp.buildFromNode(node);
    if (failed(results))
      return failure();
    for (auto [k, value] : llvm::enumerate(*results)) {
      if (!value)
        continue;
      FailureOr<Value> expanded = imp.createOp1(
          node, "Unsqueeze", {value, imp.constI64(node.loc, {0})});
      if (failed(expanded))
        return failure();
      pieces[k].push_back(*expanded);
    }
  }
  SmallVector<Value> outputs;
  for (auto [k, values] : llvm::enumerate(pieces)) {
    if (values.empty()) {
      outputs.push_back(Value());
      continue;
    }
    Type hint = k < hints.size() ? hints[k] : Type();
    FailureOr<Value> joined =
        values.size() == 1 && !hint
            ? FailureOr<Value>(values[0])
            : imp.createOp1(node, "Concat", values,
                            {namedI64(imp, "axis", 0)}, hint);
    if (failed(joined))
      return failure();
    outputs.push_back(*joined);
  }
  return outputs;
}

/// Versions kiln cannot express in the newest form.
Results rejectVersion(ModelImporter &imp, NodeState &node) {
  node.emitError() << node.opType << "-" << node.version
                   << " is not supported (its semantics differ from the "
                      "newest version); re-export the model with a newer "
                      "opset";
  return failure();
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

struct Entry {
  const char *opType;
  int64_t sinceVersion;
  VersionConverter convert;
};

const Entry kConverters[] = {
    // Attributes that became inputs.
    {"Reshape", 1, convertReshape1},
    {"Squeeze", 1, convertAxesToInput},
    {"Squeeze", 11, convertAxesToInput},
    {"Unsqueeze", 1, convertAxesToInput},
    {"Unsqueeze", 11, convertAxesToInput},
    {"ReduceSum", 1, convertAxesToInput},
    {"ReduceSum", 11, convertAxesToInput},
#define KILN_REDUCE(name)                                                      \
  {name, 1, convertAxesToInput}, {name, 11, convertAxesToInput},               \
      {name, 13, convertAxesToInput}
    KILN_REDUCE("ReduceL1"),
    KILN_REDUCE("ReduceL2"),
    KILN_REDUCE("ReduceLogSum"),
    KILN_REDUCE("ReduceLogSumExp"),
    KILN_REDUCE("ReduceMax"),
    KILN_REDUCE("ReduceMean"),
    KILN_REDUCE("ReduceMin"),
    KILN_REDUCE("ReduceProd"),
    KILN_REDUCE("ReduceSumSquare"),
#undef KILN_REDUCE
    {"ReduceMax", 12, convertAxesToInput},
    {"ReduceMin", 12, convertAxesToInput},
    {"Slice", 1, convertSlice1},
    {"Split", 1, convertSplit},
    {"Split", 2, convertSplit},
    {"Split", 11, convertSplit},
    {"Split", 13, convertSplit},
    {"TopK", 1, convertTopK1},
    {"Pad", 1, convertPad},
    {"Pad", 2, convertPad},
    {"Clip", 1, convertClip},
    {"Clip", 6, convertClip},
    {"Dropout", 1, convertDropout},
    {"Dropout", 6, convertDropout},
    {"Dropout", 7, convertDropout},
    {"Dropout", 10, convertDropout},
    {"DFT", 17, convertDFT17},
    // Attributes removed or retyped.
    {"BatchNormalization", 1, convertBatchNorm},
    {"BatchNormalization", 6, convertBatchNorm},
    {"BatchNormalization", 7, convertBatchNorm},
    {"BatchNormalization", 9, convertBatchNorm},
    {"Gemm", 1, convertDropRemoved},
    {"Gemm", 6, convertDropRemoved},
    {"RNN", 1, convertDropRemoved},
    {"GRU", 1, convertDropRemoved},
    {"GRU", 3, convertDropRemoved},
    {"LSTM", 1, convertDropRemoved},
    {"Add", 1, convertLegacyBroadcast},
    {"Add", 6, convertLegacyBroadcast},
    {"Sub", 1, convertLegacyBroadcast},
    {"Sub", 6, convertLegacyBroadcast},
    {"Mul", 1, convertLegacyBroadcast},
    {"Mul", 6, convertLegacyBroadcast},
    {"Div", 1, convertLegacyBroadcast},
    {"Div", 6, convertLegacyBroadcast},
    {"Pow", 1, convertLegacyBroadcast},
    {"And", 1, convertLegacyBroadcast},
    {"Or", 1, convertLegacyBroadcast},
    {"Xor", 1, convertLegacyBroadcast},
    {"Equal", 1, convertLegacyBroadcast},
    {"Greater", 1, convertLegacyBroadcast},
    {"Less", 1, convertLegacyBroadcast},
    {"PRelu", 1, convertPRelu6},
    {"PRelu", 6, convertPRelu6},
    {"Cast", 1, convertCast1},
    {"LpPool", 1, convertLpPool1},
    {"GlobalLpPool", 1, convertLpPool1},
    {"Concat", 1, convertConcat1},
    {"GridSample", 16, convertGridSample16},
    {"RoiAlign", 10, convertRoiAlign10},
    {"Selu", 1, convertSelu1},
    // Op replacements and structural changes.
    {"Scatter", 9, convertScatter},
    {"Scatter", 11, convertScatter},
    {"Upsample", 7, convertToResize},
    {"Upsample", 9, convertToResize},
    {"Upsample", 10, convertToResize},
    {"Resize", 10, convertToResize},
    {"Softmax", 1, convertCoerced2D},
    {"Softmax", 11, convertCoerced2D},
    {"LogSoftmax", 1, convertCoerced2D},
    {"LogSoftmax", 11, convertCoerced2D},
    {"Hardmax", 1, convertCoerced2D},
    {"Hardmax", 11, convertCoerced2D},
    {"Scan", 8, convertScan8},
    // Not expressible in the newest form.
    {"Upsample", 1, rejectVersion},
    {"Tile", 1, rejectVersion},
    {"GroupNormalization", 18, rejectVersion},
};

/// `consumed_inputs` (opset 1) meant nothing for inference.
Results dropConsumedInputs(ModelImporter &imp, NodeState &node) {
  dropAttrs(node, {"consumed_inputs"});
  return imp.buildFromNode(node);
}
} // namespace

VersionConverter findVersionConverter(StringRef opType, int64_t sinceVersion) {
  for (const Entry &entry : kConverters)
    if (opType == entry.opType && sinceVersion == entry.sinceVersion)
      return entry.convert;
  if (sinceVersion == 1)
    return dropConsumedInputs;
  return nullptr;
}

} // namespace kiln::detail

//===- NodeImporter.cpp - Dispatching one ONNX node -----------------------===//
//
// Resolves a node's operator (default domain, the version the model's opset
// selects), its input values and output type hints, then hands it to the
// version converter of its (op, since-version) if one is registered, else
// to the generic builder. `Constant` nodes are normalized to `value`.
//
//===----------------------------------------------------------------------===//

#include "frontend/Diagnostics.h"
#include "frontend/ImporterImpl.h"
#include "frontend/MlDomain.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;
using kiln::onnx::AttrKind;

namespace kiln::detail {

LogicalResult ModelImporter::importConstantNode(const pb::NodeProto &node,
                                                NodeState &state) {
  if (state.attributes.size() != 1) {
    state.emitError() << "Constant needs exactly one value attribute, got "
                      << state.attributes.size();
    return failure();
  }
  if (state.outputNames.size() != 1 || !state.inputs.empty()) {
    state.emitError() << "Constant takes no inputs and has one output";
    return failure();
  }
  const pb::AttributeProto &attr = *state.attributes.front();
  std::optional<AttrKind> kind = getAttrKind(attr);
  StringRef name = attr.name();
  static const std::pair<const char *, AttrKind> kinds[] = {
      {"value", AttrKind::Tensor},        {"sparse_value", AttrKind::SparseTensor},
      {"value_float", AttrKind::Float},   {"value_floats", AttrKind::Floats},
      {"value_int", AttrKind::Int},       {"value_ints", AttrKind::Ints},
      {"value_string", AttrKind::String}, {"value_strings", AttrKind::Strings}};
  const auto *expected = llvm::find_if(
      kinds, [&](const auto &entry) { return name == entry.first; });
  if (expected == std::end(kinds)) {
    state.emitError() << "unknown attribute '" << name << "'";
    return failure();
  }
  if (!kind || *kind != expected->second) {
    state.emitError() << "attribute '" << name << "' has type "
                      << (kind ? onnx::stringifyAttrKind(*kind) : "UNDEFINED")
                      << ", expected "
                      << onnx::stringifyAttrKind(expected->second);
    return failure();
  }
  Builder b(ctx);
  auto vectorType = [&](size_t n, Type element) {
    return RankedTensorType::get({static_cast<int64_t>(n)}, element);
  };
  auto scalarType = [&](Type element) {
    return RankedTensorType::get({}, element);
  };
  ElementsAttr value;
  switch (*kind) {
  case AttrKind::Tensor: {
    FailureOr<ElementsAttr> converted =
        convertTensor(attr.t(), getNodeDiagLoc(state.loc, state.opType),
                      state.outputNames[0]);
    if (failed(converted))
      return failure();
    value = *converted;
    break;
  }
  case AttrKind::Float:
    value = DenseElementsAttr::get(scalarType(b.getF32Type()), attr.f());
    break;
  case AttrKind::Floats: {
    SmallVector<float> values(attr.floats().begin(), attr.floats().end());
    value = DenseElementsAttr::get(vectorType(values.size(), b.getF32Type()),
                                   ArrayRef<float>(values));
    break;
  }
  case AttrKind::Int:
    value = DenseElementsAttr::get(scalarType(b.getI64Type()),
                                   static_cast<int64_t>(attr.i()));
    break;
  case AttrKind::Ints: {
    SmallVector<int64_t> values(attr.ints().begin(), attr.ints().end());
    value = DenseElementsAttr::get(vectorType(values.size(), b.getI64Type()),
                                   ArrayRef<int64_t>(values));
    break;
  }
  case AttrKind::String: {
    StringRef s = attr.s();
    value = DenseStringElementsAttr::get(
        scalarType(onnx::StringType::get(ctx)), ArrayRef<StringRef>(s));
    break;
  }
  case AttrKind::Strings: {
    SmallVector<StringRef> values(attr.strings().begin(),
                                  attr.strings().end());
    value = DenseStringElementsAttr::get(
        vectorType(values.size(), onnx::StringType::get(ctx)), values);
    break;
  }
  default:
    state.emitError() << "sparse Constant values are not supported";
    return failure();
  }
  Value result = onnx::ConstantOp::create(builder, state.loc, value);
  if (!state.outputNames[0].empty())
    return defineValue(state.outputNames[0], result,
                       getNodeDiagLoc(state.loc, state.opType));
  return success();
}

LogicalResult ModelImporter::importNode(const pb::NodeProto &node,
                                        unsigned index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  NodeState state(getNodeLoc(ctx, options.modelPath, name));
  state.opType = node.op_type();
  state.name = name;
  if (state.opType.empty()) {
    state.emitError() << "node has no op_type";
    return failure();
  }
  // ai.onnx.ml nodes kiln knows become default-domain ops (MlDomain.cpp).
  VersionConverter mlDecomposition = nullptr;
  if (node.domain() == kMlDomain) {
    mlDecomposition = findMlDecomposition(state.opType);
    if (!mlDecomposition) {
      state.emitError() << "operator '" << state.opType << "' of domain '"
                        << node.domain() << "' is not supported";
      return failure();
    }
    auto it = header.otherDomains.find(node.domain());
    state.version = it == header.otherDomains.end() ? 1 : it->second;
  } else if (!isDefaultDomain(node.domain())) {
    state.emitError() << "operator domain '" << node.domain()
                      << "' is not supported (only the default ONNX domain)";
    return failure();
  } else {
    if (header.opsetVersion == 0) {
      state.emitError() << "the model does not import the default ONNX domain";
      return failure();
    }
    const onnx::OpSchemaInfo *schema = onnx::lookupOpSchema(state.opType);
    if (!schema) {
      state.emitError() << "unknown operator '" << state.opType << "'";
      return failure();
    }
    std::optional<int64_t> version =
        schema->resolveVersion(header.opsetVersion);
    if (!version) {
      state.emitError() << "operator '" << state.opType
                        << "' does not exist in opset " << header.opsetVersion
                        << " (introduced in opset "
                        << schema->sinceVersions.front() << ")";
      return failure();
    }
    state.version = *version;
  }

  for (const std::string &input : node.input()) {
    if (input.empty()) {
      state.inputs.push_back(Value());
      continue;
    }
    Value value = lookup(input);
    if (!value) {
      state.emitError() << "undefined input '" << input << "'";
      return failure();
    }
    state.inputs.push_back(value);
  }
  // Trailing omitted inputs carry no information.
  while (!state.inputs.empty() && !state.inputs.back())
    state.inputs.pop_back();
  for (const pb::AttributeProto &attr : node.attribute())
    state.attributes.push_back(&attr);
  for (const std::string &output : node.output()) {
    state.outputNames.push_back(output);
    state.outputHints.push_back(output.empty() ? Type() : lookupHint(output));
  }

  if (state.opType == "Constant")
    return importConstantNode(node, state);

  FailureOr<SmallVector<Value>> results;
  if (mlDecomposition)
    results = mlDecomposition(*this, state);
  else if (VersionConverter convert =
               findVersionConverter(state.opType, state.version))
    results = convert(*this, state);
  else
    results = buildFromNode(state);
  if (failed(results))
    return failure();
  for (auto [i, output] : llvm::enumerate(state.outputNames)) {
    if (output.empty() || i >= results->size())
      continue;
    if (failed(defineValue(output, (*results)[i],
                           getNodeDiagLoc(state.loc, state.opType))))
      return failure();
  }
  return success();
}

} // namespace kiln::detail

//===- ImportNode.cpp - One ONNX node to one onnx op, driven by the schema ===//
//
// Node import is table-driven: the op's schema (OpSchemaInfo) gives the
// formal inputs/outputs and attribute kinds; the node is checked against it,
// omitted optional inputs are padded with onnx.NoValue, attributes are
// converted by kind, subgraphs imported as regions, and the op is built
// generically with an OperationState (inherent attributes set as
// properties). Old op versions first go through their version converter.
//
//===----------------------------------------------------------------------===//

#include "frontend/Diagnostics.h"
#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringExtras.h"
#include "mlir/IR/Operation.h"

using namespace mlir;
using kiln::onnx::AttrKind;
using kiln::onnx::OpSchemaInfo;
using kiln::onnx::ParamOption;

namespace kiln::detail {

//===----------------------------------------------------------------------===//
// NodeState
//===----------------------------------------------------------------------===//

const pb::AttributeProto *NodeState::findAttr(StringRef attrName) const {
  for (const pb::AttributeProto *attr : attributes)
    if (attr->name() == attrName)
      return attr;
  return nullptr;
}

const pb::AttributeProto *NodeState::takeAttr(StringRef attrName) {
  for (auto it = attributes.begin(); it != attributes.end(); ++it) {
    if ((*it)->name() == attrName) {
      const pb::AttributeProto *attr = *it;
      attributes.erase(it);
      return attr;
    }
  }
  return nullptr;
}

pb::AttributeProto &NodeState::setAttr(StringRef attrName) {
  takeAttr(attrName);
  pb::AttributeProto &attr = ownedAttributes.emplace_back();
  attr.set_name(attrName.str());
  attributes.push_back(&attr);
  return attr;
}

InFlightDiagnostic NodeState::emitError() const {
  return mlir::emitError(getNodeDiagLoc(loc, opType));
}

std::optional<AttrKind> getAttrKind(const pb::AttributeProto &attr) {
  switch (attr.type()) {
  case pb::AttributeProto::FLOAT: return AttrKind::Float;
  case pb::AttributeProto::INT: return AttrKind::Int;
  case pb::AttributeProto::STRING: return AttrKind::String;
  case pb::AttributeProto::TENSOR: return AttrKind::Tensor;
  case pb::AttributeProto::GRAPH: return AttrKind::Graph;
  case pb::AttributeProto::SPARSE_TENSOR: return AttrKind::SparseTensor;
  case pb::AttributeProto::TYPE_PROTO: return AttrKind::TypeProto;
  case pb::AttributeProto::FLOATS: return AttrKind::Floats;
  case pb::AttributeProto::INTS: return AttrKind::Ints;
  case pb::AttributeProto::STRINGS: return AttrKind::Strings;
  case pb::AttributeProto::TENSORS: return AttrKind::Tensors;
  case pb::AttributeProto::GRAPHS: return AttrKind::Graphs;
  case pb::AttributeProto::SPARSE_TENSORS: return std::nullopt;
  case pb::AttributeProto::TYPE_PROTOS: return AttrKind::TypeProtos;
  case pb::AttributeProto::UNDEFINED: break;
  }
  // Models from before the `type` field: infer it from the set field.
  if (attr.has_f()) return AttrKind::Float;
  if (attr.has_i()) return AttrKind::Int;
  if (attr.has_s()) return AttrKind::String;
  if (attr.has_t()) return AttrKind::Tensor;
  if (attr.has_g()) return AttrKind::Graph;
  if (attr.has_tp()) return AttrKind::TypeProto;
  if (attr.floats_size()) return AttrKind::Floats;
  if (attr.ints_size()) return AttrKind::Ints;
  if (attr.strings_size()) return AttrKind::Strings;
  if (attr.tensors_size()) return AttrKind::Tensors;
  if (attr.graphs_size()) return AttrKind::Graphs;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

FailureOr<Attribute>
ModelImporter::convertAttribute(const pb::AttributeProto &attr, AttrKind kind,
                                const NodeState &node) {
  Builder b(ctx);
  switch (kind) {
  case AttrKind::Float:
    return Attribute(b.getF32FloatAttr(attr.f()));
  case AttrKind::Int:
    return Attribute(b.getI64IntegerAttr(attr.i()));
  case AttrKind::String:
    return Attribute(b.getStringAttr(attr.s()));
  case AttrKind::Floats:
    return Attribute(b.getF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case AttrKind::Ints:
    return Attribute(b.getI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case AttrKind::Strings: {
    SmallVector<StringRef> values(attr.strings().begin(),
                                  attr.strings().end());
    return Attribute(b.getStrArrayAttr(values));
  }
  case AttrKind::Tensor: {
    FailureOr<ElementsAttr> value = convertTensor(
        attr.t(), getNodeDiagLoc(node.loc, node.opType),
        attr.t().name().empty() ? node.name + "_" + attr.name()
                                : attr.t().name());
    if (failed(value))
      return failure();
    return Attribute(*value);
  }
  case AttrKind::Tensors: {
    SmallVector<Attribute> values;
    for (const pb::TensorProto &tensor : attr.tensors()) {
      FailureOr<ElementsAttr> value = convertTensor(
          tensor, getNodeDiagLoc(node.loc, node.opType),
          node.name + "_" + attr.name());
      if (failed(value))
        return failure();
      values.push_back(*value);
    }
    return Attribute(b.getArrayAttr(values));
  }
  case AttrKind::TypeProto: {
    FailureOr<Type> type =
        convertType(attr.tp(), getNodeDiagLoc(node.loc, node.opType));
    if (failed(type))
      return failure();
    if (!*type) {
      node.emitError() << "attribute '" << attr.name()
                       << "' has an incomplete type";
      return failure();
    }
    return Attribute(TypeAttr::get(*type));
  }
  case AttrKind::TypeProtos: {
    SmallVector<Attribute> types;
    for (const pb::TypeProto &tp : attr.type_protos()) {
      FailureOr<Type> type =
          convertType(tp, getNodeDiagLoc(node.loc, node.opType));
      if (failed(type))
        return failure();
      if (!*type) {
        node.emitError() << "attribute '" << attr.name()
                         << "' has an incomplete type";
        return failure();
      }
      types.push_back(TypeAttr::get(*type));
    }
    return Attribute(b.getArrayAttr(types));
  }
  case AttrKind::SparseTensor:
    node.emitError() << "sparse tensor attribute '" << attr.name()
                     << "' is not supported";
    return failure();
  case AttrKind::Graph:
  case AttrKind::Graphs:
    break;
  }
  node.emitError() << "attribute '" << attr.name()
                   << "' cannot be converted";
  return failure();
}

//===----------------------------------------------------------------------===//
// Constants used by converters
//===----------------------------------------------------------------------===//

Value ModelImporter::constI64(Location loc, ArrayRef<int64_t> values,
                              bool scalar) {
  SmallVector<int64_t> shape;
  if (!scalar)
    shape.push_back(static_cast<int64_t>(values.size()));
  auto type = RankedTensorType::get(shape, builder.getI64Type());
  return onnx::ConstantOp::create(builder, loc,
                                  DenseIntElementsAttr::get(type, values));
}

Value ModelImporter::constFloat(Location loc, Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  auto floatType = cast<FloatType>(elementType);
  APFloat apValue(value);
  bool losesInfo = false;
  apValue.convert(floatType.getFloatSemantics(),
                  APFloat::rmNearestTiesToEven, &losesInfo);
  return onnx::ConstantOp::create(builder, loc,
                                  DenseElementsAttr::get(type, apValue));
}

//===----------------------------------------------------------------------===//
// Generic op building
//===----------------------------------------------------------------------===//

/// Number of graph-kind attributes (regions) of `schema`, in region order.
static SmallVector<const onnx::AttrInfo *>
regionAttributes(const OpSchemaInfo &schema) {
  SmallVector<const onnx::AttrInfo *> result;
  for (const onnx::AttrInfo &attr : schema.attributes)
    if (attr.kind == AttrKind::Graph || attr.kind == AttrKind::Graphs)
      result.push_back(&attr);
  return result;
}

FailureOr<SmallVector<Value>>
ModelImporter::createOp(const NodeState &node, StringRef opType,
                        ArrayRef<Value> inputs, ArrayRef<NamedAttribute> attrs,
                        MutableArrayRef<std::unique_ptr<Region>> regions,
                        unsigned numOutputs, ArrayRef<Type> resultHints) {
  const OpSchemaInfo *schema = onnx::lookupOpSchema(opType);
  if (!schema) {
    node.emitError() << "internal: no schema for '" << opType << "'";
    return failure();
  }
  // Operands: one per formal input; a variadic last input takes the rest.
  size_t numFormal = schema->inputs.size();
  bool variadicIn = numFormal && schema->inputs.back().option ==
                                     ParamOption::Variadic;
  size_t fixedIn = variadicIn ? numFormal - 1 : numFormal;
  if (!variadicIn && inputs.size() > numFormal) {
    node.emitError() << "has " << inputs.size() << " inputs, " << opType
                     << " takes at most " << numFormal;
    return failure();
  }
  if (variadicIn && inputs.size() <= fixedIn &&
      schema->minInputs > static_cast<int>(fixedIn)) {
    node.emitError() << "has " << inputs.size() << " inputs, " << opType
                     << " needs at least " << schema->minInputs;
    return failure();
  }
  SmallVector<Value> operands;
  Value noValue;
  for (size_t i = 0; i < fixedIn; ++i) {
    Value v = i < inputs.size() ? inputs[i] : Value();
    if (!v) {
      if (schema->inputs[i].option != ParamOption::Optional) {
        node.emitError() << "required input '" << schema->inputs[i].name
                         << "' (#" << i << ") is missing";
        return failure();
      }
      if (!noValue)
        noValue = onnx::NoValueOp::create(builder, node.loc);
      v = noValue;
    }
    operands.push_back(v);
  }
  for (size_t i = fixedIn; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      node.emitError() << "variadic input #" << i << " is empty";
      return failure();
    }
    operands.push_back(inputs[i]);
  }

  // Results: one per formal output; a variadic last output takes the rest.
  size_t numFormalOut = schema->outputs.size();
  bool variadicOut = numFormalOut && schema->outputs.back().option ==
                                         ParamOption::Variadic;
  size_t fixedOut = variadicOut ? numFormalOut - 1 : numFormalOut;
  if (!variadicOut && numOutputs > numFormalOut) {
    node.emitError() << "has " << numOutputs << " outputs, " << opType
                     << " has at most " << numFormalOut;
    return failure();
  }
  for (size_t i = numOutputs; i < fixedOut; ++i) {
    if (schema->outputs[i].option != ParamOption::Optional) {
      node.emitError() << "has " << numOutputs << " outputs, " << opType
                       << " needs at least " << schema->minOutputs;
      return failure();
    }
  }
  if (variadicOut && numOutputs <= fixedOut &&
      schema->minOutputs > static_cast<int>(fixedOut)) {
    node.emitError() << "has " << numOutputs << " outputs, " << opType
                     << " needs at least " << schema->minOutputs;
    return failure();
  }
  size_t numResults = variadicOut ? std::max<size_t>(numOutputs, fixedOut)
                                  : numFormalOut;
  SmallVector<Type> resultTypes;
  for (size_t r = 0; r < numResults; ++r) {
    size_t param = std::min(r, numFormalOut - 1);
    bool present = r < numOutputs && (r >= node.outputNames.size() ||
                                      !node.outputNames[r].empty());
    if (!present && schema->outputs[param].option == ParamOption::Optional) {
      resultTypes.push_back(builder.getNoneType());
      continue;
    }
    Type hint = r < resultHints.size() ? resultHints[r] : Type();
    if (hint) {
      resultTypes.push_back(hint);
      continue;
    }
    Type inferred =
        inferResultType(*schema, param, r, operands, attrs, regions);
    if (!inferred) {
      std::string outName =
          r < node.outputNames.size() ? node.outputNames[r] : "";
      node.emitError() << "cannot determine the type of output #" << r
                       << (outName.empty() ? "" : " ('" + outName + "')");
      return failure();
    }
    resultTypes.push_back(inferred);
  }

  OperationState state(node.loc, ("onnx." + opType).str());
  state.addOperands(operands);
  state.addTypes(resultTypes);
  for (std::unique_ptr<Region> &region : regions)
    state.addRegion(std::move(region));
  Operation *op = Operation::create(state);
  // Inherent attributes go into the op's properties.
  for (const NamedAttribute &attr : attrs) {
    if (op->getInherentAttr(attr.getName()))
      op->setInherentAttr(attr.getName(), attr.getValue());
    else
      op->setDiscardableAttr(attr.getName(), attr.getValue());
  }
  builder.insert(op);
  return SmallVector<Value>(op->getResults());
}

FailureOr<Value> ModelImporter::createOp1(const NodeState &node,
                                          StringRef opType,
                                          ArrayRef<Value> inputs,
                                          ArrayRef<NamedAttribute> attrs,
                                          Type resultHint) {
  SmallVector<Type, 1> hints;
  if (resultHint)
    hints.push_back(resultHint);
  FailureOr<SmallVector<Value>> results =
      createOp(node, opType, inputs, attrs, {}, 1, hints);
  if (failed(results))
    return failure();
  return (*results)[0];
}

FailureOr<SmallVector<Value>> ModelImporter::buildFromNode(NodeState &node) {
  const OpSchemaInfo *schema = onnx::lookupOpSchema(node.opType);
  if (!schema) {
    node.emitError() << "unknown operator '" << node.opType << "'";
    return failure();
  }
  // Convert attributes; graph attributes become regions.
  SmallVector<NamedAttribute> attrs;
  llvm::StringMap<const pb::AttributeProto *> graphs;
  llvm::StringSet<> seen;
  for (const pb::AttributeProto *attr : node.attributes) {
    if (!seen.insert(attr->name()).second) {
      node.emitError() << "attribute '" << attr->name() << "' is repeated";
      return failure();
    }
    if (!attr->ref_attr_name().empty()) {
      node.emitError() << "attribute '" << attr->name()
                       << "' refers to a function attribute (only valid "
                          "inside functions)";
      return failure();
    }
    const onnx::AttrInfo *info = schema->findAttribute(attr->name());
    if (!info) {
      node.emitError() << "unknown attribute '" << attr->name() << "'";
      return failure();
    }
    std::optional<AttrKind> kind = getAttrKind(*attr);
    if (!kind) {
      node.emitError() << "attribute '" << attr->name()
                       << "' has no value";
      return failure();
    }
    if (*kind != info->kind) {
      node.emitError() << "attribute '" << attr->name() << "' has type "
                       << onnx::stringifyAttrKind(*kind) << ", expected "
                       << onnx::stringifyAttrKind(info->kind);
      return failure();
    }
    if (*kind == AttrKind::Graph) {
      graphs[attr->name()] = attr;
      continue;
    }
    if (*kind == AttrKind::Graphs) {
      node.emitError() << "attribute '" << attr->name()
                       << "' of type GRAPHS is not supported";
      return failure();
    }
    FailureOr<Attribute> value = convertAttribute(*attr, *kind, node);
    if (failed(value))
      return failure();
    attrs.emplace_back(builder.getStringAttr(attr->name()), *value);
  }
  for (const onnx::AttrInfo &info : schema->attributes) {
    if (info.required && !seen.contains(info.name)) {
      node.emitError() << "missing required attribute '" << info.name << "'";
      return failure();
    }
  }

  // Operands (for subgraph argument types) and regions.
  SmallVector<std::unique_ptr<Region>> regions;
  for (const onnx::AttrInfo *info : regionAttributes(*schema)) {
    auto it = graphs.find(info->name);
    if (it == graphs.end()) {
      regions.push_back(std::make_unique<Region>());
      continue;
    }
    SmallVector<Type> fallback =
        deriveSubgraphArgTypes(node, info->name, node.inputs);
    FailureOr<std::unique_ptr<Region>> region =
        importSubgraph(it->second->g(), fallback, node, info->name);
    if (failed(region))
      return failure();
    regions.push_back(std::move(*region));
  }
  return createOp(node, node.opType, node.inputs, attrs, regions,
                  node.outputNames.size(), node.outputHints);
}

} // namespace kiln::detail

//===- ResultTypes.cpp - Result types of imported ops ---------------------===//
//
// When no value_info declares a node output's type, its type comes from the
// schema: a literal type ("tensor(int64)"), a type parameter shared with a
// present input, a parameter allowing one type, or a small table of
// attribute-driven cases (Cast `to`, RandomNormal `dtype`, ...). Control
// flow ops take their result types from their regions. Results are unranked
// (`tensor<*xT>`); shape inference refines them later.
//
//===----------------------------------------------------------------------===//

#include "frontend/ImporterImpl.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using kiln::onnx::OpSchemaInfo;
using kiln::onnx::ParamInfo;
using kiln::onnx::ParamOption;

namespace kiln::detail {
namespace {

/// Forgets the shape of tensors (also inside sequences and optionals).
Type generalize(Type type) {
  if (auto tensor = dyn_cast<TensorType>(type))
    return UnrankedTensorType::get(tensor.getElementType());
  if (auto seq = dyn_cast<onnx::SeqType>(type))
    return onnx::SeqType::get(type.getContext(),
                              generalize(seq.getElementType()));
  if (auto opt = dyn_cast<onnx::OptType>(type))
    return onnx::OptType::get(type.getContext(),
                              generalize(opt.getElementType()));
  return type;
}

Type elementTypeOf(Type type) {
  if (auto tensor = dyn_cast_or_null<TensorType>(type))
    return tensor.getElementType();
  return {};
}

Type unranked(Type elementType) {
  return elementType ? UnrankedTensorType::get(elementType) : Type();
}

bool isTypeParameter(StringRef typeStr) { return !typeStr.contains('('); }

/// Parses "tensor(float)", "seq(tensor(int64))", "optional(...)".
Type parseTypeString(MLIRContext *ctx, StringRef str) {
  str = str.trim();
  if (str.starts_with("tensor("))
    return unranked(onnx::parseTensorTypeString(ctx, str));
  if (str.consume_front("seq(") && str.consume_back(")")) {
    Type element = parseTypeString(ctx, str);
    return element ? onnx::SeqType::get(ctx, element) : Type();
  }
  if (str.consume_front("optional(") && str.consume_back(")")) {
    Type element = parseTypeString(ctx, str);
    return element ? onnx::OptType::get(ctx, element) : Type();
  }
  return {};
}

Attribute findAttr(ArrayRef<NamedAttribute> attrs, StringRef name) {
  for (const NamedAttribute &attr : attrs)
    if (attr.getName() == name)
      return attr.getValue();
  return {};
}

/// The element type a data-type attribute (`to`, `dtype`, ...) names.
Type dataTypeAttr(MLIRContext *ctx, ArrayRef<NamedAttribute> attrs) {
  for (StringRef name : {"to", "dtype", "output_dtype", "output_datatype"})
    if (auto value = dyn_cast_or_null<IntegerAttr>(findAttr(attrs, name)))
      if (value.getInt() != 0)
        return onnx::getElementTypeForDataType(ctx, value.getInt());
  return {};
}

/// Operand type, or null for a missing/none operand.
Type operandType(ArrayRef<Value> operands, unsigned index) {
  if (index >= operands.size() || isa<NoneType>(operands[index].getType()))
    return {};
  return operands[index].getType();
}

/// The types a region's terminator yields (empty if none).
SmallVector<Type> yieldTypes(ArrayRef<std::unique_ptr<Region>> regions,
                             unsigned index) {
  if (index >= regions.size() || !regions[index] || regions[index]->empty())
    return {};
  Block &block = regions[index]->front();
  if (block.empty())
    return {};
  Operation *terminator = &block.back();
  return SmallVector<Type>(terminator->getOperandTypes());
}

/// Result types of control-flow ops come from their bodies.
Type controlFlowResultType(StringRef op, unsigned resultIndex,
                           ArrayRef<Value> operands,
                           ArrayRef<NamedAttribute> attrs,
                           ArrayRef<std::unique_ptr<Region>> regions) {
  if (op == "If") {
    // Regions are in attribute-name order: else_branch, then_branch.
    SmallVector<Type> thenTypes = yieldTypes(regions, 1);
    SmallVector<Type> elseTypes = yieldTypes(regions, 0);
    if (resultIndex >= thenTypes.size())
      return {};
    Type type = thenTypes[resultIndex];
    if (resultIndex < elseTypes.size() && elseTypes[resultIndex] != type)
      return generalize(type);
    return type;
  }
  if (op == "Loop") {
    SmallVector<Type> body = yieldTypes(regions, 0);
    size_t numCarried = operands.size() >= 2 ? operands.size() - 2 : 0;
    if (resultIndex + 1 >= body.size())
      return {};
    Type type = body[resultIndex + 1];
    if (resultIndex < numCarried)
      return type == operandType(operands, resultIndex + 2) ? type
                                                           : generalize(type);
    return unranked(elementTypeOf(type));
  }
  if (op == "Scan") {
    SmallVector<Type> body = yieldTypes(regions, 0);
    auto numScanInputs =
        dyn_cast_or_null<IntegerAttr>(findAttr(attrs, "num_scan_inputs"));
    if (!numScanInputs || resultIndex >= body.size())
      return {};
    int64_t numState =
        static_cast<int64_t>(operands.size()) - numScanInputs.getInt();
    Type type = body[resultIndex];
    if (static_cast<int64_t>(resultIndex) < numState)
      return type;
    return unranked(elementTypeOf(type));
  }
  if (op == "SequenceMap") {
    SmallVector<Type> body = yieldTypes(regions, 0);
    if (resultIndex >= body.size() || !elementTypeOf(body[resultIndex]))
      return {};
    return onnx::SeqType::get(body[resultIndex].getContext(),
                              unranked(elementTypeOf(body[resultIndex])));
  }
  return {};
}

/// Ops whose result type the schema's constraints do not pin down.
Type specialResultType(MLIRContext *ctx, StringRef op, unsigned resultIndex,
                       ArrayRef<Value> operands,
                       ArrayRef<NamedAttribute> attrs) {
  Type dtype = dataTypeAttr(ctx, attrs);
  Type f32 = Float32Type::get(ctx);
  Type input0 = operandType(operands, 0);
  if (op == "ConstantOfShape") {
    if (auto value = dyn_cast_or_null<ElementsAttr>(findAttr(attrs, "value")))
      return unranked(value.getShapedType().getElementType());
    return unranked(f32);
  }
  if (op == "SequenceEmpty")
    return onnx::SeqType::get(ctx, unranked(dtype ? dtype : f32));
  if (op == "Optional") {
    if (auto type = dyn_cast_or_null<TypeAttr>(findAttr(attrs, "type")))
      return onnx::OptType::get(ctx, type.getValue());
    return input0 ? onnx::OptType::get(ctx, input0) : Type();
  }
  if (op == "OptionalGetElement") {
    if (auto opt = dyn_cast_or_null<onnx::OptType>(input0))
      return opt.getElementType();
    return input0;
  }
  if (op == "SequenceAt") {
    if (auto seq = dyn_cast_or_null<onnx::SeqType>(input0))
      return seq.getElementType();
    return {};
  }
  if (op == "SequenceConstruct")
    return input0 ? onnx::SeqType::get(ctx, generalize(input0)) : Type();
  if (op == "SplitToSequence") {
    Type element = elementTypeOf(input0);
    return element ? onnx::SeqType::get(ctx, unranked(element)) : Type();
  }
  if (op == "ConcatFromSequence") {
    if (auto seq = dyn_cast_or_null<onnx::SeqType>(input0))
      return unranked(elementTypeOf(seq.getElementType()));
    return {};
  }
  if (dtype)
    return {}; // Handled generically (only for type-parameter outputs).
  if (op == "DequantizeLinear")
    return unranked(elementTypeOf(operandType(operands, 1)));
  if (op == "QuantizeLinear") {
    if (Type zp = elementTypeOf(operandType(operands, 2)))
      return unranked(zp);
    return unranked(IntegerType::get(ctx, 8, IntegerType::Unsigned));
  }
  if (op == "Multinomial")
    return unranked(IntegerType::get(ctx, 32));
  if (llvm::is_contained({"RandomNormal", "RandomUniform", "MelWeightMatrix",
                          "HannWindow", "HammingWindow", "BlackmanWindow"},
                         op))
    return unranked(f32);
  if (llvm::is_contained({"EyeLike", "RandomNormalLike", "RandomUniformLike",
                          "Bernoulli"},
                         op))
    return unranked(elementTypeOf(input0));
  return {};
}
} // namespace

Type ModelImporter::inferResultType(const OpSchemaInfo &schema,
                                    unsigned paramIndex, unsigned resultIndex,
                                    ArrayRef<Value> operands,
                                    ArrayRef<NamedAttribute> attrs,
                                    ArrayRef<std::unique_ptr<Region>> regions) {
  StringRef op = schema.name;
  if (Type type = controlFlowResultType(op, resultIndex, operands, attrs,
                                        regions))
    return type;
  if (llvm::is_contained({"If", "Loop", "Scan", "SequenceMap"}, op))
    return {};
  const ParamInfo &out = schema.outputs[paramIndex];
  StringRef typeStr = out.typeStr;
  if (!isTypeParameter(typeStr))
    return parseTypeString(ctx, typeStr);

  // A data-type attribute names the element type (Cast `to`, ...).
  bool sharedWithInput = llvm::any_of(schema.inputs, [&](const ParamInfo &in) {
    return StringRef(in.typeStr) == typeStr;
  });
  if (Type special =
          specialResultType(ctx, op, resultIndex, operands, attrs))
    return special;
  if (Type dtype = dataTypeAttr(ctx, attrs))
    if (!sharedWithInput || op == "QuantizeLinear")
      return unranked(dtype);

  // The type parameter is shared with a present input: take its type.
  unsigned operandIndex = 0;
  for (const ParamInfo &in : schema.inputs) {
    bool variadic = in.option == ParamOption::Variadic;
    unsigned count = variadic && operands.size() > operandIndex
                         ? operands.size() - operandIndex
                         : 1;
    if (StringRef(in.typeStr) == typeStr) {
      for (unsigned i = 0; i < count; ++i)
        if (Type type = operandType(operands, operandIndex + i))
          return generalize(type);
    }
    operandIndex += count;
  }

  // A type parameter that allows exactly one type.
  StringRef allowed = out.allowedTypes;
  if (!allowed.empty() && !allowed.contains('|'))
    return parseTypeString(ctx, allowed);
  return {};
}

SmallVector<Type>
ModelImporter::deriveSubgraphArgTypes(const NodeState &node,
                                      StringRef attrName,
                                      ArrayRef<Value> operands) {
  SmallVector<Type> types;
  auto typeOf = [&](unsigned i) -> Type {
    return i < operands.size() && operands[i] ? operands[i].getType() : Type();
  };
  if (node.opType == "Loop" && attrName == "body") {
    // (iteration_num: int64 scalar, cond: bool scalar, loop-carried...).
    types.push_back(RankedTensorType::get({}, builder.getI64Type()));
    types.push_back(RankedTensorType::get({}, builder.getI1Type()));
    for (unsigned i = 2; i < operands.size(); ++i)
      types.push_back(typeOf(i) ? generalize(typeOf(i)) : Type());
    return types;
  }
  if (node.opType == "Scan" && attrName == "body") {
    const pb::AttributeProto *numScan = node.findAttr("num_scan_inputs");
    if (!numScan || numScan->i() < 0 ||
        numScan->i() > static_cast<int64_t>(operands.size()))
      return {};
    size_t numState = operands.size() - numScan->i();
    for (unsigned i = 0; i < operands.size(); ++i) {
      Type type = typeOf(i);
      if (!type)
        types.push_back(Type());
      else if (i < numState)
        types.push_back(generalize(type));
      else
        types.push_back(unranked(elementTypeOf(type)));
    }
    return types;
  }
  if (node.opType == "SequenceMap" && attrName == "body") {
    for (unsigned i = 0; i < operands.size(); ++i) {
      Type type = typeOf(i);
      if (auto seq = dyn_cast_or_null<onnx::SeqType>(type))
        types.push_back(generalize(seq.getElementType()));
      else
        types.push_back(type ? generalize(type) : Type());
    }
    return types;
  }
  return types;
}

} // namespace kiln::detail

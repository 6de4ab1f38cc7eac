//===- ShapeInference.cpp - Dims, type refinement and the rule registry ---===//
//
// The family-independent half of onnx shape inference: the symbolic Dim,
// reading and building tensor types with the `#onnx.dims` encoding,
// broadcasting, the registry that joins the family rule tables, and the
// merge of inferred types into existing result types.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln::onnx {

//===----------------------------------------------------------------------===//
// Dim and ShapeInfo
//===----------------------------------------------------------------------===//

Dim Dim::symbolic(StringAttr symbol) {
  if (!symbol || symbol.getValue().empty())
    return Dim();
  return Dim(ShapedType::kDynamic, symbol);
}

bool Dim::isKnownEqual(const Dim &other) const {
  if (isStatic() || other.isStatic())
    return size == other.size;
  return symbol && symbol == other.symbol;
}

void printDims(llvm::raw_ostream &os, ArrayRef<Dim> dims) {
  os << '[';
  llvm::interleaveComma(dims, os, [&](const Dim &dim) {
    if (dim.isStatic())
      os << dim.getSize();
    else if (dim.hasSymbol())
      os << dim.getSymbol().getValue();
    else
      os << '?';
  });
  os << ']';
}

ShapeInfo getShapeInfo(Type type) {
  ShapeInfo info;
  auto tensorType = dyn_cast_or_null<TensorType>(type);
  if (!tensorType)
    return info;
  info.elementType = tensorType.getElementType();
  auto ranked = dyn_cast<RankedTensorType>(tensorType);
  if (!ranked)
    return info;
  auto symbols = dyn_cast_or_null<DimsAttr>(ranked.getEncoding());
  ArrayAttr symbolList = symbols ? symbols.getSymbols() : ArrayAttr();
  bool useSymbols = symbolList && symbolList.size() == ranked.getShape().size();
  DimList dims;
  for (auto [i, size] : llvm::enumerate(ranked.getShape())) {
    if (!ShapedType::isDynamic(size)) {
      dims.push_back(Dim::get(size));
      continue;
    }
    StringAttr symbol =
        useSymbols ? dyn_cast<StringAttr>(symbolList[i]) : StringAttr();
    dims.push_back(Dim::symbolic(symbol));
  }
  info.dims = std::move(dims);
  return info;
}

ShapeInfo getShapeInfo(Value value) {
  return value ? getShapeInfo(value.getType()) : ShapeInfo();
}

std::optional<DimList> getDims(Value value) { return getShapeInfo(value).dims; }

RankedTensorType makeTensorType(ArrayRef<Dim> dims, Type elementType) {
  SmallVector<int64_t> shape;
  bool anySymbol = false;
  for (const Dim &dim : dims) {
    shape.push_back(dim.getSize());
    anySymbol |= dim.hasSymbol();
  }
  if (!anySymbol)
    return RankedTensorType::get(shape, elementType);
  MLIRContext *context = elementType.getContext();
  SmallVector<Attribute> symbols;
  for (const Dim &dim : dims)
    symbols.push_back(dim.hasSymbol() ? dim.getSymbol()
                                      : StringAttr::get(context, ""));
  auto encoding = DimsAttr::get(context, ArrayAttr::get(context, symbols));
  return RankedTensorType::get(shape, elementType, encoding);
}

std::optional<int64_t> getStaticProduct(ArrayRef<Dim> dims) {
  int64_t product = 1;
  for (const Dim &dim : dims) {
    if (dim.isDynamic() || dim.getSize() < 0)
      return std::nullopt;
    product *= dim.getSize();
  }
  return product;
}

FailureOr<Dim> broadcastDim(const Dim &lhs, const Dim &rhs) {
  if (lhs.is(1))
    return rhs;
  if (rhs.is(1))
    return lhs;
  if (lhs.isStatic() && rhs.isStatic())
    return lhs.getSize() == rhs.getSize() ? FailureOr<Dim>(lhs)
                                          : FailureOr<Dim>(failure());
  // A static size other than 1 fixes the result (the dynamic side must be
  // that size or 1).
  if (lhs.isStatic())
    return lhs;
  if (rhs.isStatic())
    return rhs;
  if (lhs.isKnownEqual(rhs))
    return lhs;
  return Dim::unknown();
}

FailureOr<DimList> broadcastShapes(ArrayRef<Dim> lhs, ArrayRef<Dim> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  DimList result(rank);
  for (size_t i = 0; i < rank; ++i) {
    Dim l = i < rank - lhs.size() ? Dim::get(1) : lhs[i - (rank - lhs.size())];
    Dim r = i < rank - rhs.size() ? Dim::get(1) : rhs[i - (rank - rhs.size())];
    FailureOr<Dim> dim = broadcastDim(l, r);
    if (failed(dim))
      return failure();
    result[i] = *dim;
  }
  return result;
}

Dim joinDim(const Dim &lhs, const Dim &rhs) {
  return lhs == rhs ? lhs : Dim::unknown();
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

SmallVector<int64_t> getI64Array(std::optional<ArrayAttr> attr) {
  SmallVector<int64_t> values;
  if (!attr)
    return values;
  for (Attribute element : *attr)
    if (auto integer = dyn_cast<IntegerAttr>(element))
      values.push_back(integer.getInt());
  return values;
}

//===----------------------------------------------------------------------===//
// InferredResults
//===----------------------------------------------------------------------===//

InferredResults::InferredResults(Operation *op)
    : op(op), results(op->getNumResults()) {}

void InferredResults::setShape(unsigned index, ArrayRef<Dim> dims,
                               Type elementType) {
  if (index >= results.size())
    return;
  ShapeInfo info;
  info.elementType = elementType;
  info.dims = DimList(dims.begin(), dims.end());
  results[index] = std::move(info);
}

void InferredResults::setElementType(unsigned index, Type elementType) {
  if (index >= results.size())
    return;
  ShapeInfo info;
  info.elementType = elementType;
  results[index] = std::move(info);
}

void InferredResults::set(unsigned index, const ShapeInfo &info) {
  if (index < results.size())
    results[index] = info;
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

SmallVector<const InferenceRule *> getAllInferenceRules() {
  SmallVector<const InferenceRule *> rules;
  for (ArrayRef<InferenceRule> table :
       {getElementwiseInferenceRules(), getConvInferenceRules(),
        getMatmulInferenceRules(), getNormalizationInferenceRules(),
        getShapeInferenceRules(), getIndexingInferenceRules(),
        getSpatialInferenceRules(), getReductionInferenceRules(),
        getControlFlowInferenceRules()})
    for (const InferenceRule &rule : table)
      rules.push_back(&rule);
  return rules;
}

const InferenceRule *lookupInferenceRule(StringRef opName) {
  static const llvm::StringMap<const InferenceRule *> registry = [] {
    llvm::StringMap<const InferenceRule *> map;
    for (const InferenceRule *rule : getAllInferenceRules())
      map.try_emplace(rule->opName, rule);
    return map;
  }();
  return registry.lookup(opName);
}

//===----------------------------------------------------------------------===//
// Refinement
//===----------------------------------------------------------------------===//

FailureOr<Type> refineType(Operation *op, unsigned index, Type existing,
                           const ShapeInfo &inferred) {
  auto existingTensor = dyn_cast<TensorType>(existing);
  // `none` results (omitted optional outputs), sequences and optionals are
  // not refined here.
  if (!existingTensor)
    return existing;
  Type existingElement = existingTensor.getElementType();
  if (inferred.elementType && inferred.elementType != existingElement) {
    return op->emitOpError()
           << "inferred element type " << inferred.elementType
           << " conflicts with result #" << index << " of type " << existing;
  }
  if (!inferred.dims)
    return existing;
  auto ranked = dyn_cast<RankedTensorType>(existingTensor);
  if (!ranked)
    return Type(makeTensorType(*inferred.dims, existingElement));
  // Leave types with a foreign encoding alone.
  if (ranked.getEncoding() && !isa<DimsAttr>(ranked.getEncoding()))
    return existing;

  DimList current = *getShapeInfo(existing).dims;
  auto conflict = [&]() -> FailureOr<Type> {
    InFlightDiagnostic diag = op->emitOpError() << "inferred shape ";
    std::string text;
    llvm::raw_string_ostream os(text);
    printDims(os, *inferred.dims);
    diag << text << " conflicts with result #" << index << " of type "
         << existing;
    return diag;
  };
  if (current.size() != inferred.dims->size())
    return conflict();
  DimList merged;
  for (auto [have, got] : llvm::zip_equal(current, *inferred.dims)) {
    if (have.isStatic()) {
      if (got.isStatic() && got.getSize() != have.getSize())
        return conflict();
      merged.push_back(have);
    } else if (got.isStatic()) {
      if (got.getSize() < 0)
        return conflict();
      merged.push_back(got);
    } else {
      merged.push_back(have.hasSymbol() ? have : got);
    }
  }
  return Type(makeTensorType(merged, existingElement));
}

LogicalResult inferShapes(Operation *op) {
  const InferenceRule *rule = lookupInferenceRule(op->getName().getStringRef());
  if (!rule)
    return success();
  InferredResults results(op);
  if (failed(rule->infer(op, results)))
    return failure();
  for (auto [index, inferred] : llvm::enumerate(results.getResults())) {
    if (!inferred)
      continue;
    if (inferred->dims && llvm::any_of(*inferred->dims, [](const Dim &dim) {
          return dim.isStatic() && dim.getSize() < 0;
        })) {
      InFlightDiagnostic diag = op->emitOpError() << "inferred shape ";
      std::string text;
      llvm::raw_string_ostream os(text);
      printDims(os, *inferred->dims);
      return diag << text << " of result #" << index
                  << " has a negative dimension";
    }
    OpResult result = op->getResult(index);
    FailureOr<Type> refined =
        refineType(op, index, result.getType(), *inferred);
    if (failed(refined))
      return failure();
    result.setType(*refined);
  }
  return success();
}

} // namespace kiln::onnx

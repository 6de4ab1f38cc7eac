//===- Shape.cpp - Inference rules of shape-computing and reshaping ops ---===//
//
// Ops whose result shape comes from the *value* of an input or attribute:
// Reshape (0 and -1, allowzero, symbols cancelled through -1), Flatten,
// Expand, Tile, ConstantOfShape, Range, Shape, Size, Constant, the
// shape-attribute generators, and the ops whose result size depends on
// values (NonZero, NonMaxSuppression, Unique). Values of shape tensors come from
// getShapeValue(), so torch's `Shape -> Gather -> Concat -> Reshape` chains
// keep their symbols.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"
#include "dialect/OnnxSchema.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnx {
namespace {

/// The product of dims: static when all are; the one dynamic dim when the
/// others multiply to 1; 0 when a static dim is 0; unknown otherwise.
Dim multiplyDims(ArrayRef<Dim> dims) {
  int64_t product = 1;
  std::optional<Dim> dynamic;
  unsigned numDynamic = 0;
  for (const Dim &dim : dims) {
    if (dim.isStatic()) {
      if (dim.getSize() == 0)
        return Dim::get(0);
      product *= dim.getSize();
    } else {
      ++numDynamic;
      dynamic = dim;
    }
  }
  if (numDynamic == 0)
    return Dim::get(product);
  if (numDynamic == 1 && product == 1)
    return *dynamic;
  return Dim::unknown();
}

/// Solves the one -1 of a Reshape target: input and output dims are
/// products of static sizes and symbols; symbols on both sides cancel.
Dim solveReshapeWildcard(ArrayRef<Dim> input, ArrayRef<Dim> knownOutput) {
  int64_t inputProduct = 1, outputProduct = 1;
  SmallVector<StringAttr> symbols;
  for (const Dim &dim : input) {
    if (dim.isStatic())
      inputProduct *= dim.getSize();
    else if (dim.hasSymbol())
      symbols.push_back(dim.getSymbol());
    else
      return Dim::unknown();
  }
  for (const Dim &dim : knownOutput) {
    if (dim.isStatic()) {
      outputProduct *= dim.getSize();
      continue;
    }
    auto *it = llvm::find(symbols, dim.getSymbol());
    if (!dim.hasSymbol() || it == symbols.end())
      return Dim::unknown();
    symbols.erase(it);
  }
  if (outputProduct == 0)
    return Dim::unknown();
  if (symbols.empty() && inputProduct % outputProduct == 0)
    return Dim::get(inputProduct / outputProduct);
  if (symbols.size() == 1 && inputProduct == outputProduct)
    return Dim::symbolic(symbols.front());
  return Dim::unknown();
}

/// A shape-value element used as a dim: a known value, a symbol, or `?`.
Dim dimFromValue(const Dim &value) {
  if (value.isStatic() && value.getSize() < 0)
    return Dim::unknown();
  return value;
}

/// The length of a 1-D shape operand whose value is unknown.
std::optional<int64_t> getStaticLength(Value shape) {
  std::optional<DimList> dims = getDims(shape);
  if (!dims || dims->size() != 1 || (*dims)[0].isDynamic())
    return std::nullopt;
  return (*dims)[0].getSize();
}

LogicalResult inferReshape(ReshapeOp op, InferredResults &results) {
  std::optional<DimList> target = getShapeValue(op.getShape());
  if (!target) {
    if (std::optional<int64_t> rank = getStaticLength(op.getShape()))
      results.setShape(0, DimList(*rank, Dim()));
    return success();
  }
  std::optional<DimList> input = getDims(op.getData());
  bool allowZero = op.getAllowzero() != 0;
  DimList output;
  std::optional<size_t> wildcard;
  for (auto [i, element] : llvm::enumerate(*target)) {
    if (element.is(-1)) {
      if (wildcard)
        return op.emitOpError() << "expects at most one -1 in the shape";
      wildcard = i;
      output.push_back(Dim::unknown());
    } else if (element.is(0) && !allowZero) {
      if (input && i >= input->size())
        return op.emitOpError() << "expects a 0 in the shape to copy an "
                                   "input dim, got index "
                                << i << " of a rank-" << input->size()
                                << " input";
      output.push_back(input ? (*input)[i] : Dim::unknown());
    } else if (element.isStatic() && element.getSize() < 0) {
      return op.emitOpError() << "expects shape values >= -1, got "
                              << element.getSize();
    } else {
      output.push_back(element);
    }
  }
  if (wildcard && input) {
    DimList known(output);
    known.erase(known.begin() + *wildcard);
    output[*wildcard] = solveReshapeWildcard(*input, known);
  }
  if (input && !wildcard) {
    std::optional<int64_t> in = getStaticProduct(*input);
    std::optional<int64_t> out = getStaticProduct(output);
    if (in && out && *in != *out)
      return op.emitOpError() << "expects the shape to keep " << *in
                              << " elements, got " << *out;
  }
  results.setShape(0, output);
  return success();
}

LogicalResult inferFlatten(FlattenOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getInput());
  if (!input)
    return success();
  int64_t rank = input->size();
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < -rank || axis > rank)
    return op.emitOpError() << "expects 'axis' in [" << -rank << ", " << rank
                            << "], got " << axis;
  if (axis < 0)
    axis += rank;
  ArrayRef<Dim> dims(*input);
  results.setShape(0, {multiplyDims(dims.take_front(axis)),
                       multiplyDims(dims.drop_front(axis))});
  return success();
}

LogicalResult inferExpand(ExpandOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getInput());
  std::optional<DimList> target = getShapeValue(op.getShape());
  if (!target || !input) {
    std::optional<int64_t> length = getStaticLength(op.getShape());
    if (length && input)
      results.setShape(0, DimList(std::max<int64_t>(*length, input->size()),
                                  Dim()));
    return success();
  }
  DimList shape;
  for (const Dim &element : *target)
    shape.push_back(dimFromValue(element));
  FailureOr<DimList> output = broadcastShapes(*input, shape);
  if (failed(output))
    return op.emitOpError() << "expects a shape broadcast-compatible with the "
                               "input";
  results.setShape(0, *output);
  return success();
}

LogicalResult inferTile(TileOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getInput());
  if (!input)
    return success();
  std::optional<DimList> repeats = getShapeValue(op.getRepeats());
  if (!repeats || repeats->size() != input->size()) {
    results.setShape(0, DimList(input->size(), Dim()));
    return success();
  }
  DimList output;
  for (auto [dim, repeat] : llvm::zip_equal(*input, *repeats)) {
    if (repeat.is(1))
      output.push_back(dim);
    else if (repeat.isStatic() && dim.isStatic())
      output.push_back(Dim::get(dim.getSize() * repeat.getSize()));
    else
      output.push_back(Dim::unknown());
  }
  results.setShape(0, output);
  return success();
}

LogicalResult inferShape(ShapeOp op, InferredResults &results) {
  Type i64 = IntegerType::get(op.getContext(), 64);
  std::optional<DimList> dims = getShapeValue(op.getResult());
  if (dims)
    results.setShape(0, {Dim::get(dims->size())}, i64);
  else
    results.setShape(0, {Dim()}, i64);
  return success();
}

LogicalResult inferSize(SizeOp op, InferredResults &results) {
  results.setShape(0, {}, IntegerType::get(op.getContext(), 64));
  return success();
}

LogicalResult inferConstant(ConstantOp op, InferredResults &results) {
  if (ElementsAttr value = op.getValueAttr())
    results.set(0, getShapeInfo(value.getType()));
  return success();
}

LogicalResult inferConstantOfShape(ConstantOfShapeOp op,
                                   InferredResults &results) {
  Type elementType = Float32Type::get(op.getContext());
  if (ElementsAttr value = op.getValueAttr())
    elementType = value.getElementType();
  std::optional<DimList> shape = getShapeValue(op.getInput());
  if (!shape) {
    if (std::optional<int64_t> rank = getStaticLength(op.getInput()))
      results.setShape(0, DimList(*rank, Dim()), elementType);
    else
      results.setElementType(0, elementType);
    return success();
  }
  DimList output;
  for (const Dim &element : *shape) {
    if (element.isStatic() && element.getSize() < 0)
      return op.emitOpError() << "expects non-negative dims, got "
                              << element.getSize();
    output.push_back(element);
  }
  results.setShape(0, output, elementType);
  return success();
}

LogicalResult inferRange(RangeOp op, InferredResults &results) {
  auto start = getConstantFloats(op.getStart());
  auto limit = getConstantFloats(op.getLimit());
  auto delta = getConstantFloats(op.getDelta());
  if (!start || !limit || !delta) {
    auto ints = [](Value value) -> std::optional<SmallVector<double>> {
      std::optional<SmallVector<int64_t>> values = getConstantInts(value);
      if (!values)
        return std::nullopt;
      return SmallVector<double>(values->begin(), values->end());
    };
    start = ints(op.getStart());
    limit = ints(op.getLimit());
    delta = ints(op.getDelta());
  }
  if (!start || !limit || !delta || start->size() != 1 || limit->size() != 1 ||
      delta->size() != 1 || (*delta)[0] == 0) {
    results.setShape(0, {Dim()});
    return success();
  }
  double count = std::ceil(((*limit)[0] - (*start)[0]) / (*delta)[0]);
  results.setShape(0, {Dim::get(std::max<int64_t>(0, (int64_t)count))});
  return success();
}

/// RandomNormal/RandomUniform: shape and dtype attributes.
LogicalResult inferRandom(Operation *op, InferredResults &results) {
  auto shape = op->getAttrOfType<ArrayAttr>("shape");
  auto dtype = op->getAttrOfType<IntegerAttr>("dtype");
  Type elementType =
      getElementTypeForDataType(op->getContext(), dtype ? dtype.getInt() : 1);
  if (!shape || !elementType)
    return success();
  DimList dims;
  for (int64_t size : getI64Array(shape))
    dims.push_back(Dim::get(size));
  results.setShape(0, dims, elementType);
  return success();
}

LogicalResult inferNonZero(NonZeroOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getX());
  Type i64 = IntegerType::get(op.getContext(), 64);
  if (input)
    results.setShape(0, {Dim::get(input->size()), Dim()}, i64);
  else
    results.setShape(0, {Dim(), Dim()}, i64);
  return success();
}

LogicalResult inferNonMaxSuppression(NonMaxSuppressionOp op,
                                     InferredResults &results) {
  Type i64 = IntegerType::get(op.getContext(), 64);
  results.setShape(0, {Dim(), Dim::get(3)}, i64);
  return success();
}

/// Unique: Y has the input's shape with the axis dim unknown (1-D unknown
/// without an axis); indices and counts are 1-D of that unknown size;
/// inverse_indices has one entry per element (or per slice along the axis).
LogicalResult inferUnique(UniqueOp op, InferredResults &results) {
  Type i64 = IntegerType::get(op.getContext(), 64);
  std::optional<DimList> input = getDims(op.getX());
  // Omitted optional outputs are `none` results and keep that type.
  auto set = [&](unsigned index, ArrayRef<Dim> dims, Type elementType) {
    if (!isa<NoneType>(op->getResult(index).getType()))
      results.setShape(index, dims, elementType);
  };
  set(1, {Dim()}, i64);
  set(3, {Dim()}, i64);
  if (!input) {
    set(2, {Dim()}, i64);
    return success();
  }
  if (std::optional<int64_t> axisAttr = op.getAxis()) {
    int64_t rank = input->size();
    std::optional<int64_t> axis = normalizeAxis(*axisAttr, rank);
    if (!axis)
      return op.emitOpError() << "expects 'axis' in [" << -rank << ", "
                              << rank - 1 << "], got " << *axisAttr;
    DimList y = *input;
    y[*axis] = Dim();
    set(0, y, {});
    set(2, {(*input)[*axis]}, i64);
    return success();
  }
  set(0, {Dim()}, {});
  set(2, {multiplyDims(*input)}, i64);
  return success();
}

const InferenceRule kShapeRules[] = {
    typedRule<ConstantOp, inferConstant>(25),
    typedRule<ConstantOfShapeOp, inferConstantOfShape>(25),
    typedRule<ExpandOp, inferExpand>(13),
    typedRule<FlattenOp, inferFlatten>(25),
    typedRule<NonZeroOp, inferNonZero>(13),
    typedRule<NonMaxSuppressionOp, inferNonMaxSuppression>(11),
    genericRule<RandomNormalOp>(22, inferRandom),
    genericRule<RandomUniformOp>(22, inferRandom),
    typedRule<RangeOp, inferRange>(27),
    typedRule<ReshapeOp, inferReshape>(25),
    typedRule<ShapeOp, inferShape>(25),
    typedRule<SizeOp, inferSize>(25),
    typedRule<TileOp, inferTile>(13),
    typedRule<UniqueOp, inferUnique>(11),
};

} // namespace

ArrayRef<InferenceRule> getShapeInferenceRules() { return kShapeRules; }

} // namespace kiln::onnx

//===- Reduction.cpp - Inference rules of reductions ----------------------===//
//
// Reduce* (axes as an input, keepdims, noop_with_empty_axes), ArgMax/ArgMin
// (one axis attribute, int64 result) and TopK (the axis shrinks to K).
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

/// Reduces `dims` over `axes` (already normalized): reduced dims become 1
/// with keepdims, or are dropped.
DimList reduceDims(ArrayRef<Dim> dims, const llvm::SmallBitVector &reduced,
                   bool keepDims) {
  DimList output;
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (!reduced.test(i))
      output.push_back(dim);
    else if (keepDims)
      output.push_back(Dim::get(1));
  }
  return output;
}

/// Normalizes `axes` against `rank` into a bit set; emits an error for an
/// axis out of range.
FailureOr<llvm::SmallBitVector> getAxisSet(Operation *op, ArrayRef<int64_t> axes,
                                           int64_t rank) {
  llvm::SmallBitVector set(rank);
  for (int64_t axis : axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return op->emitOpError() << "expects reduction axes in [" << -rank
                               << ", " << rank - 1 << "], got " << axis;
    set.set(*normalized);
  }
  return set;
}

/// Every Reduce* op: data, optional axes input, keepdims,
/// noop_with_empty_axes.
LogicalResult inferReduce(Operation *op, InferredResults &results) {
  ShapeInfo data = getShapeInfo(op->getOperand(0));
  if (!data.dims)
    return success();
  int64_t rank = data.dims->size();
  bool keepDims = op->getAttrOfType<IntegerAttr>("keepdims")
                      ? op->getAttrOfType<IntegerAttr>("keepdims").getInt() != 0
                      : true;
  auto noopAttr = op->getAttrOfType<IntegerAttr>("noop_with_empty_axes");
  bool noopWithEmptyAxes = noopAttr && noopAttr.getInt() != 0;
  Value axesValue = op->getNumOperands() > 1 ? op->getOperand(1) : Value();
  bool noAxes = !axesValue || isa<NoneType>(axesValue.getType());
  std::optional<SmallVector<int64_t>> axes =
      noAxes ? SmallVector<int64_t>() : getConstantInts(axesValue);
  if (!axes) {
    // Unknown axes: the rank is known with keepdims (or from a static
    // number of axes); dims that are 1 stay 1.
    std::optional<DimList> axesDims = getDims(axesValue);
    if (keepDims) {
      DimList output;
      for (const Dim &dim : *data.dims)
        output.push_back(dim.is(1) ? dim : Dim::unknown());
      results.setShape(0, output);
    } else if (axesDims && axesDims->size() == 1 && (*axesDims)[0].isStatic() &&
               (*axesDims)[0].getSize() > 0 &&
               (*axesDims)[0].getSize() <= rank) {
      results.setShape(0, DimList(rank - (*axesDims)[0].getSize(), Dim()));
    }
    return success();
  }
  if (axes->empty()) {
    if (noopWithEmptyAxes) {
      results.set(0, data);
      return success();
    }
    for (int64_t i = 0; i < rank; ++i)
      axes->push_back(i);
  }
  FailureOr<llvm::SmallBitVector> reduced = getAxisSet(op, *axes, rank);
  if (failed(reduced))
    return failure();
  results.setShape(0, reduceDims(*data.dims, *reduced, keepDims));
  return success();
}

/// ArgMax/ArgMin: one axis, int64 indices.
template <typename ArgOp>
LogicalResult inferArgReduce(ArgOp op, InferredResults &results) {
  Type i64 = IntegerType::get(op.getContext(), 64);
  std::optional<DimList> data = getDims(op.getData());
  if (!data) {
    results.setElementType(0, i64);
    return success();
  }
  int64_t axis = static_cast<int64_t>(op.getAxis());
  FailureOr<llvm::SmallBitVector> reduced =
      getAxisSet(op, {axis}, data->size());
  if (failed(reduced))
    return failure();
  results.setShape(0, reduceDims(*data, *reduced, op.getKeepdims() != 0), i64);
  return success();
}

LogicalResult inferTopK(TopKOp op, InferredResults &results) {
  ShapeInfo x = getShapeInfo(op.getX());
  Type i64 = IntegerType::get(op.getContext(), 64);
  if (!x.dims) {
    results.setElementType(1, i64);
    return success();
  }
  int64_t rank = x.dims->size();
  std::optional<int64_t> axis =
      normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
  if (!axis)
    return op.emitOpError() << "expects 'axis' in [" << -rank << ", "
                            << rank - 1 << "], got "
                            << static_cast<int64_t>(op.getAxis());
  DimList output = *x.dims;
  std::optional<DimList> k = getShapeValue(op.getK());
  output[*axis] = k && k->size() == 1 ? (*k)[0] : Dim::unknown();
  if (output[*axis].isStatic() && (*x.dims)[*axis].isStatic() &&
      output[*axis].getSize() > (*x.dims)[*axis].getSize())
    return op.emitOpError() << "expects K <= " << (*x.dims)[*axis].getSize()
                            << ", got " << output[*axis].getSize();
  results.setShape(0, output);
  results.setShape(1, output, i64);
  return success();
}

/// NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss: the loss has the
/// target's [N, d1, ...] dims for reduction "none" and is a scalar
/// otherwise; SoftmaxCrossEntropyLoss's optional log_prob is like the scores.
template <typename LossOp>
LogicalResult inferLoss(LossOp op, InferredResults &results) {
  ShapeInfo input = getShapeInfo(op->getOperand(0));
  if (op.getReduction() != "none")
    results.setShape(0, DimList(), input.elementType);
  else if (std::optional<DimList> target = getDims(op->getOperand(1)))
    results.setShape(0, *target, input.elementType);
  else
    results.setElementType(0, input.elementType);
  if (op->getNumResults() > 1 &&
      !isa<NoneType>(op->getResult(1).getType()))
    results.set(1, input);
  return success();
}

const InferenceRule kReductionRules[] = {
    genericRule<ReduceL1Op>(18, inferReduce),
    genericRule<ReduceL2Op>(18, inferReduce),
    genericRule<ReduceLogSumOp>(18, inferReduce),
    genericRule<ReduceLogSumExpOp>(18, inferReduce),
    genericRule<ReduceMaxOp>(20, inferReduce),
    genericRule<ReduceMeanOp>(18, inferReduce),
    genericRule<ReduceMinOp>(20, inferReduce),
    genericRule<ReduceProdOp>(18, inferReduce),
    genericRule<ReduceSumOp>(13, inferReduce),
    genericRule<ReduceSumSquareOp>(18, inferReduce),
    typedRule<ArgMaxOp, inferArgReduce<ArgMaxOp>>(13),
    typedRule<ArgMinOp, inferArgReduce<ArgMinOp>>(13),
    typedRule<TopKOp, inferTopK>(24),
    typedRule<NegativeLogLikelihoodLossOp,
              inferLoss<NegativeLogLikelihoodLossOp>>(22),
    typedRule<SoftmaxCrossEntropyLossOp, inferLoss<SoftmaxCrossEntropyLossOp>>(
        13),
};

} // namespace

ArrayRef<InferenceRule> getReductionInferenceRules() {
  return kReductionRules;
}

} // namespace kiln::onnx

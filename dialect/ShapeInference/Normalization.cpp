//===- Normalization.cpp - Inference rules of normalization ops -----------===//
//
// Batch/Instance/Group/Layer/RMS normalization: the normalized output has
// the input's shape; LayerNormalization's optional Mean and InvStdDev keep
// the dims before `axis` and reduce the rest to 1 (in the stash type);
// BatchNormalization's optional running statistics are shaped like `scale`.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"
#include "dialect/OnnxSchema.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

LogicalResult inferLikeFirstInput(Operation *op, InferredResults &results) {
  results.set(0, getShapeInfo(op->getOperand(0)));
  return success();
}

LogicalResult inferBatchNormalization(BatchNormalizationOp op,
                                      InferredResults &results) {
  std::optional<DimList> x = getDims(op.getX());
  if (x && x->size() < 2)
    return op.emitOpError() << "expects an input of rank >= 2, got "
                            << x->size();
  results.set(0, getShapeInfo(op.getX()));
  ShapeInfo stats = getShapeInfo(op.getScale());
  if (x && !stats.dims)
    stats.dims = DimList{(*x)[1]};
  results.set(1, stats);
  results.set(2, stats);
  return success();
}

LogicalResult inferLayerNormalization(LayerNormalizationOp op,
                                      InferredResults &results) {
  ShapeInfo x = getShapeInfo(op.getX());
  results.set(0, x);
  Type stashType = getElementTypeForDataType(
      op.getContext(), static_cast<int32_t>(op.getStashType()));
  if (!stashType)
    return op.emitOpError() << "expects a known ONNX data type in "
                               "'stash_type', got "
                            << static_cast<int64_t>(op.getStashType());
  ShapeInfo stats;
  stats.elementType = stashType;
  if (x.dims) {
    int64_t rank = x.dims->size();
    std::optional<int64_t> axis =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    if (!axis)
      return op.emitOpError() << "expects 'axis' in [" << -rank << ", "
                              << rank - 1 << "], got "
                              << static_cast<int64_t>(op.getAxis());
    DimList dims(x.dims->begin(), x.dims->begin() + *axis);
    dims.append(rank - *axis, Dim::get(1));
    stats.dims = std::move(dims);
  }
  results.set(1, stats);
  results.set(2, stats);
  return success();
}

const InferenceRule kNormalizationRules[] = {
    typedRule<BatchNormalizationOp, inferBatchNormalization>(15),
    genericRule<GroupNormalizationOp>(21, inferLikeFirstInput),
    genericRule<InstanceNormalizationOp>(22, inferLikeFirstInput),
    typedRule<LayerNormalizationOp, inferLayerNormalization>(17),
    genericRule<RMSNormalizationOp>(23, inferLikeFirstInput),
};

} // namespace

ArrayRef<InferenceRule> getNormalizationInferenceRules() {
  return kNormalizationRules;
}

} // namespace kiln::onnx

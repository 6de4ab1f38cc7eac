//===- Spatial.cpp - Inference rules of padding, resizing and rearranging -===//
//
// Pad, Resize/Upsample (scales or sizes, optional axes), CenterCropPad,
// DepthToSpace/SpaceToDepth, GridSample and RoiAlign: ops that change the
// spatial extent of an image-like tensor.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnx {
namespace {

bool isPresent(Value value) { return value && !isa<NoneType>(value.getType()); }

/// The axes an op applies to: the `axes` values normalized, or all of them.
FailureOr<SmallVector<int64_t>> normalizeAxes(Operation *op,
                                              ArrayRef<int64_t> axes,
                                              int64_t rank) {
  SmallVector<int64_t> result;
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i)
      result.push_back(i);
    return result;
  }
  for (int64_t axis : axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return op->emitOpError() << "expects axes in [" << -rank << ", "
                               << rank - 1 << "], got " << axis;
    result.push_back(*normalized);
  }
  return result;
}

LogicalResult inferPad(PadOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getData());
  if (!input)
    return success();
  int64_t rank = input->size();
  std::optional<SmallVector<int64_t>> axesValues =
      isPresent(op.getAxes()) ? getConstantInts(op.getAxes())
                              : SmallVector<int64_t>();
  std::optional<SmallVector<int64_t>> pads = getConstantInts(op.getPads());
  if (!pads || !axesValues) {
    results.setShape(0, DimList(rank, Dim()));
    return success();
  }
  FailureOr<SmallVector<int64_t>> axes = normalizeAxes(op, *axesValues, rank);
  if (failed(axes))
    return failure();
  int64_t numAxes = axes->size();
  if (static_cast<int64_t>(pads->size()) != 2 * numAxes)
    return op.emitOpError() << "expects " << 2 * numAxes
                            << " pads, got " << pads->size();
  DimList output = *input;
  for (int64_t i = 0; i < numAxes; ++i) {
    int64_t begin = (*pads)[i], end = (*pads)[i + numAxes];
    Dim &dim = output[(*axes)[i]];
    if (dim.isStatic())
      dim = Dim::get(dim.getSize() + begin + end);
    else if (begin != 0 || end != 0)
      dim = Dim::unknown();
  }
  results.setShape(0, output);
  return success();
}

/// Resize and Upsample: output from constant sizes, or floor(dim * scale).
LogicalResult setResizeResult(Operation *op, InferredResults &results,
                              Value x, Value scales, Value sizes,
                              ArrayRef<int64_t> axesAttr, StringRef policy) {
  std::optional<DimList> input = getDims(x);
  if (!input)
    return success();
  int64_t rank = input->size();
  FailureOr<SmallVector<int64_t>> axes = normalizeAxes(op, axesAttr, rank);
  if (failed(axes))
    return failure();
  DimList output = *input;
  // Sizes count only when present and non-empty (older exports pass an
  // empty `scales` next to `sizes`, or an empty `sizes`).
  std::optional<SmallVector<int64_t>> sizeValues =
      isPresent(sizes) ? getConstantInts(sizes) : std::nullopt;
  std::optional<SmallVector<double>> scaleValues =
      isPresent(scales) ? getConstantFloats(scales) : std::nullopt;
  if (sizeValues && !sizeValues->empty()) {
    if (sizeValues->size() != axes->size())
      return op->emitOpError() << "expects " << axes->size()
                               << " sizes, got " << sizeValues->size();
    if (policy != "stretch") {
      for (int64_t axis : *axes)
        output[axis] = Dim();
    } else {
      for (auto [axis, size] : llvm::zip_equal(*axes, *sizeValues))
        output[axis] = Dim::get(size);
    }
  } else if (scaleValues && !scaleValues->empty()) {
    if (scaleValues->size() != axes->size())
      return op->emitOpError() << "expects " << axes->size()
                               << " scales, got " << scaleValues->size();
    for (auto [axis, scale] : llvm::zip_equal(*axes, *scaleValues)) {
      Dim &dim = output[axis];
      if (dim.isStatic())
        dim = Dim::get(static_cast<int64_t>(std::floor(
            static_cast<float>(dim.getSize()) * static_cast<float>(scale))));
      else if (scale != 1.0)
        dim = Dim();
    }
  } else {
    for (int64_t axis : *axes)
      output[axis] = Dim();
  }
  results.setShape(0, output);
  return success();
}

LogicalResult inferResize(ResizeOp op, InferredResults &results) {
  return setResizeResult(op, results, op.getX(), op.getScales(),
                         op.getSizes(), getI64Array(op.getAxes()),
                         op.getKeepAspectRatioPolicy());
}

LogicalResult inferUpsample(UpsampleOp op, InferredResults &results) {
  return setResizeResult(op, results, op.getX(), op.getScales(), Value(), {},
                         "stretch");
}

LogicalResult inferCenterCropPad(CenterCropPadOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getInputData());
  if (!input)
    return success();
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(op, getI64Array(op.getAxes()), input->size());
  if (failed(axes))
    return failure();
  std::optional<DimList> shape = getShapeValue(op.getShape());
  DimList output = *input;
  for (auto [i, axis] : llvm::enumerate(*axes))
    output[axis] = shape && shape->size() == axes->size() ? (*shape)[i] : Dim();
  results.setShape(0, output);
  return success();
}

/// DepthToSpace (toSpace) and SpaceToDepth: NCHW with a block size.
LogicalResult setBlockRearrangeResult(Operation *op, InferredResults &results,
                                      Value input, int64_t block,
                                      bool toSpace) {
  std::optional<DimList> dims = getDims(input);
  if (!dims)
    return success();
  if (dims->size() != 4)
    return op->emitOpError() << "expects a 4-D input, got rank "
                             << dims->size();
  if (block <= 0)
    return op->emitOpError() << "expects a positive blocksize, got " << block;
  auto scale = [&](const Dim &dim, bool up) {
    if (dim.isDynamic())
      return Dim();
    return Dim::get(up ? dim.getSize() * block : dim.getSize() / block);
  };
  const Dim &c = (*dims)[1];
  Dim channels = c.isStatic() ? Dim::get(toSpace ? c.getSize() / (block * block)
                                                 : c.getSize() * block * block)
                              : Dim();
  results.setShape(0, {(*dims)[0], channels, scale((*dims)[2], toSpace),
                       scale((*dims)[3], toSpace)});
  return success();
}

LogicalResult inferDepthToSpace(DepthToSpaceOp op, InferredResults &results) {
  return setBlockRearrangeResult(op, results, op.getInput(),
                                 static_cast<int64_t>(op.getBlocksize()), true);
}

LogicalResult inferSpaceToDepth(SpaceToDepthOp op, InferredResults &results) {
  return setBlockRearrangeResult(op, results, op.getInput(),
                                 static_cast<int64_t>(op.getBlocksize()),
                                 false);
}

/// GridSample: [N, C, grid spatial dims...].
LogicalResult inferGridSample(GridSampleOp op, InferredResults &results) {
  std::optional<DimList> x = getDims(op.getX());
  std::optional<DimList> grid = getDims(op.getGrid());
  if (!x || !grid || x->size() < 2 || grid->size() != x->size())
    return success();
  DimList output = {(*x)[0], (*x)[1]};
  output.append(grid->begin() + 1, grid->end() - 1);
  results.setShape(0, output);
  return success();
}

/// RoiAlign: [num_rois, C, output_height, output_width].
LogicalResult inferRoiAlign(RoiAlignOp op, InferredResults &results) {
  std::optional<DimList> x = getDims(op.getX());
  std::optional<DimList> rois = getDims(op.getRois());
  Dim numRois = rois && !rois->empty() ? (*rois)[0] : Dim();
  Dim channels = x && x->size() > 1 ? (*x)[1] : Dim();
  results.setShape(0, {numRois, channels,
                       Dim::get(static_cast<int64_t>(op.getOutputHeight())),
                       Dim::get(static_cast<int64_t>(op.getOutputWidth()))});
  return success();
}

const InferenceRule kSpatialRules[] = {
    typedRule<CenterCropPadOp, inferCenterCropPad>(18),
    typedRule<DepthToSpaceOp, inferDepthToSpace>(13),
    typedRule<GridSampleOp, inferGridSample>(22),
    typedRule<PadOp, inferPad>(25),
    typedRule<ResizeOp, inferResize>(19),
    typedRule<RoiAlignOp, inferRoiAlign>(22),
    typedRule<SpaceToDepthOp, inferSpaceToDepth>(13),
    typedRule<UpsampleOp, inferUpsample>(10),
};

} // namespace

ArrayRef<InferenceRule> getSpatialInferenceRules() { return kSpatialRules; }

} // namespace kiln::onnx

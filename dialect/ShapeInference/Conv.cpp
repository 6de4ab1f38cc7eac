//===- Conv.cpp - Inference rules of convolutions and pooling -------------===//
//
// Conv, ConvTranspose, and Max/Average/Lp pooling share one sliding-window
// rule for each spatial dim (kernel, stride, dilation, explicit pads or
// auto_pad, ceil_mode); the global pools reduce every spatial dim to 1.
// A window that cannot change the size (stride 1 with pads that add up to
// the kernel extent minus one, or SAME with stride 1) keeps a symbolic
// spatial dim as it is.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

/// The attributes of a sliding window over `spatialRank` dims, defaults
/// filled in.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
  StringRef autoPad;
  bool ceilMode = false;
};

/// Fills in defaults and checks the lengths of the window attributes.
LogicalResult completeWindow(Operation *op, Window &window,
                             int64_t spatialRank) {
  auto checkLength = [&](SmallVector<int64_t> &values, int64_t length,
                         int64_t fill, StringRef name) -> LogicalResult {
    if (values.empty())
      values.assign(length, fill);
    if (static_cast<int64_t>(values.size()) != length)
      return op->emitOpError() << "expects '" << name << "' to have " << length
                               << " values, got " << values.size();
    return success();
  };
  if (failed(checkLength(window.kernel, spatialRank, 1, "kernel_shape")) ||
      failed(checkLength(window.strides, spatialRank, 1, "strides")) ||
      failed(checkLength(window.dilations, spatialRank, 1, "dilations")) ||
      failed(checkLength(window.pads, 2 * spatialRank, 0, "pads")))
    return failure();
  for (int64_t i = 0; i < spatialRank; ++i)
    if (window.strides[i] <= 0 || window.dilations[i] <= 0 ||
        window.kernel[i] <= 0)
      return op->emitOpError()
             << "expects positive kernel_shape, strides and dilations";
  return success();
}

/// The output size of one spatial dim of a conv or pool.
Dim windowOutput(const Dim &input, const Window &window, int64_t i,
                 int64_t spatialRank) {
  int64_t stride = window.strides[i];
  int64_t effectiveKernel = (window.kernel[i] - 1) * window.dilations[i] + 1;
  bool same = window.autoPad == "SAME_UPPER" || window.autoPad == "SAME_LOWER";
  bool valid = window.autoPad == "VALID";
  int64_t padBegin = (same || valid) ? 0 : window.pads[i];
  int64_t padEnd = (same || valid) ? 0 : window.pads[i + spatialRank];
  if (input.isDynamic()) {
    bool keepsSize =
        stride == 1 && (same || padBegin + padEnd == effectiveKernel - 1);
    return keepsSize ? input : Dim::unknown();
  }
  int64_t size = input.getSize();
  if (same)
    return Dim::get((size + stride - 1) / stride);
  int64_t span = size + padBegin + padEnd - effectiveKernel;
  if (span < 0)
    return Dim::get(-1); // Reported as a negative dim by the caller.
  int64_t positions =
      window.ceilMode ? (span + stride - 1) / stride : span / stride;
  int64_t output = positions + 1;
  // With ceil_mode, a window that would start inside the end padding is
  // dropped.
  if (window.ceilMode && (output - 1) * stride >= size + padBegin)
    --output;
  return Dim::get(output);
}

/// Computes [N, channels, spatial...] of a conv or pool from input `x`.
LogicalResult setWindowResult(Operation *op, InferredResults &results,
                              Value x, Window window, Dim channels,
                              ArrayRef<unsigned> resultIndices) {
  std::optional<DimList> dims = getDims(x);
  if (!dims)
    return success();
  int64_t rank = dims->size();
  if (rank < 3)
    return op->emitOpError() << "expects an input of rank >= 3, got " << rank;
  if (failed(completeWindow(op, window, rank - 2)))
    return failure();
  DimList output = {(*dims)[0], channels};
  for (int64_t i = 0; i < rank - 2; ++i)
    output.push_back(windowOutput((*dims)[i + 2], window, i, rank - 2));
  for (unsigned index : resultIndices)
    results.setShape(index, output);
  return success();
}

LogicalResult inferConv(ConvOp op, InferredResults &results) {
  std::optional<DimList> x = getDims(op.getX());
  std::optional<DimList> w = getDims(op.getW());
  int64_t group = static_cast<int64_t>(op.getGroup());
  if (group <= 0)
    return op.emitOpError() << "expects a positive group, got " << group;
  Window window;
  window.kernel = getI64Array(op.getKernelShape());
  window.strides = getI64Array(op.getStrides());
  window.dilations = getI64Array(op.getDilations());
  window.pads = getI64Array(op.getPads());
  window.autoPad = op.getAutoPad();
  Dim channels;
  if (w) {
    if (w->size() < 3)
      return op.emitOpError() << "expects weights of rank >= 3, got "
                              << w->size();
    channels = (*w)[0];
    if (window.kernel.empty())
      for (const Dim &k : ArrayRef<Dim>(*w).drop_front(2)) {
        if (k.isDynamic())
          return success();
        window.kernel.push_back(k.getSize());
      }
    if (x && x->size() > 1 && (*x)[1].isStatic() && (*w)[1].isStatic() &&
        (*x)[1].getSize() != (*w)[1].getSize() * group)
      return op.emitOpError()
             << "expects input channels (" << (*x)[1].getSize()
             << ") to equal weight channels (" << (*w)[1].getSize()
             << ") times group (" << group << ")";
  } else if (window.kernel.empty()) {
    return success();
  }
  return setWindowResult(op, results, op.getX(), window, channels, {0});
}

LogicalResult inferConvTranspose(ConvTransposeOp op, InferredResults &results) {
  std::optional<DimList> x = getDims(op.getX());
  std::optional<DimList> w = getDims(op.getW());
  if (!x || !w)
    return success();
  int64_t rank = x->size();
  if (rank < 3 || static_cast<int64_t>(w->size()) != rank)
    return op.emitOpError() << "expects input and weights of the same rank "
                               ">= 3, got "
                            << rank << " and " << w->size();
  int64_t spatialRank = rank - 2;
  int64_t group = static_cast<int64_t>(op.getGroup());
  Window window;
  window.kernel = getI64Array(op.getKernelShape());
  window.strides = getI64Array(op.getStrides());
  window.dilations = getI64Array(op.getDilations());
  window.pads = getI64Array(op.getPads());
  if (window.kernel.empty())
    for (const Dim &k : ArrayRef<Dim>(*w).drop_front(2)) {
      if (k.isDynamic())
        return success();
      window.kernel.push_back(k.getSize());
    }
  if (failed(completeWindow(op, window, spatialRank)))
    return failure();
  SmallVector<int64_t> outputPadding = getI64Array(op.getOutputPadding());
  if (outputPadding.empty())
    outputPadding.assign(spatialRank, 0);
  SmallVector<int64_t> outputShape = getI64Array(op.getOutputShape());
  if (static_cast<int64_t>(outputPadding.size()) != spatialRank)
    return op.emitOpError() << "expects 'output_padding' to have "
                            << spatialRank << " values, got "
                            << outputPadding.size();

  Dim channels = (*w)[1].isStatic() ? Dim::get((*w)[1].getSize() * group)
                                    : Dim::unknown();
  DimList output = {(*x)[0], channels};
  StringRef autoPad = op.getAutoPad();
  for (int64_t i = 0; i < spatialRank; ++i) {
    if (!outputShape.empty()) {
      // output_shape may list only the spatial dims or the whole shape.
      int64_t offset = outputShape.size() - spatialRank;
      if (offset < 0)
        return op.emitOpError() << "expects 'output_shape' to have at least "
                                << spatialRank << " values";
      output.push_back(Dim::get(outputShape[offset + i]));
      continue;
    }
    const Dim &input = (*x)[i + 2];
    if (input.isDynamic()) {
      output.push_back(Dim::unknown());
      continue;
    }
    int64_t stride = window.strides[i];
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      output.push_back(Dim::get(input.getSize() * stride));
      continue;
    }
    int64_t padTotal = autoPad == "VALID"
                           ? 0
                           : window.pads[i] + window.pads[i + spatialRank];
    int64_t effectiveKernel = (window.kernel[i] - 1) * window.dilations[i] + 1;
    output.push_back(Dim::get(stride * (input.getSize() - 1) +
                              outputPadding[i] + effectiveKernel - padTotal));
  }
  results.setShape(0, output);
  return success();
}

/// MaxPool/AveragePool/LpPool (MaxPool's optional Indices has Y's shape).
template <typename PoolOp>
LogicalResult inferPool(PoolOp op, InferredResults &results) {
  std::optional<DimList> x = getDims(op.getX());
  Window window;
  window.kernel = getI64Array(op.getKernelShape());
  window.strides = getI64Array(op.getStrides());
  window.dilations = getI64Array(op.getDilations());
  window.pads = getI64Array(op.getPads());
  window.autoPad = op.getAutoPad();
  window.ceilMode = op.getCeilMode() != 0;
  if (!x)
    return success();
  Dim channels = x->size() > 1 ? (*x)[1] : Dim::unknown();
  if (failed(setWindowResult(op, results, op.getX(), window, channels, {0})))
    return failure();
  if (op->getNumResults() > 1 && results.getResults()[0]) {
    ShapeInfo indices = *results.getResults()[0];
    indices.elementType = IntegerType::get(op.getContext(), 64);
    results.set(1, indices);
  }
  return success();
}

/// GlobalAveragePool/GlobalMaxPool/GlobalLpPool: [N, C, 1, ..., 1].
LogicalResult inferGlobalPool(Operation *op, InferredResults &results) {
  std::optional<DimList> x = getDims(op->getOperand(0));
  if (!x)
    return success();
  if (x->size() < 2)
    return op->emitOpError() << "expects an input of rank >= 2, got "
                             << x->size();
  DimList output = {(*x)[0], (*x)[1]};
  output.append(x->size() - 2, Dim::get(1));
  results.setShape(0, output);
  return success();
}

const InferenceRule kConvRules[] = {
    typedRule<ConvOp, inferConv>(22),
    typedRule<ConvTransposeOp, inferConvTranspose>(22),
    typedRule<MaxPoolOp, inferPool<MaxPoolOp>>(22),
    typedRule<AveragePoolOp, inferPool<AveragePoolOp>>(22),
    typedRule<LpPoolOp, inferPool<LpPoolOp>>(22),
    genericRule<GlobalAveragePoolOp>(22, inferGlobalPool),
    genericRule<GlobalMaxPoolOp>(22, inferGlobalPool),
    genericRule<GlobalLpPoolOp>(22, inferGlobalPool),
};

} // namespace

ArrayRef<InferenceRule> getConvInferenceRules() { return kConvRules; }

} // namespace kiln::onnx

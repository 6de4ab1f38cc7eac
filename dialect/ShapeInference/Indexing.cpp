//===- Indexing.cpp - Inference rules of data-movement ops ----------------===//
//
// Ops that select, reorder, join or pad the elements of their input along
// axes given by attributes or constant inputs: Transpose, Concat, Split,
// Slice, Gather/GatherElements/GatherND, Squeeze/Unsqueeze, Pad, Resize,
// DepthToSpace/SpaceToDepth, OneHot, Compress.
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnx {
namespace {

/// Emits the usual out-of-range axis diagnostic.
LogicalResult emitBadAxis(Operation *op, int64_t axis, int64_t rank) {
  return op->emitOpError() << "expects axis in [" << -rank << ", " << rank - 1
                           << "], got " << axis;
}

/// Reads an optional constant-int operand; `present` tells whether the
/// operand is there (not `none`).
std::optional<SmallVector<int64_t>> getOptionalInts(Value value,
                                                    bool &present) {
  present = value && !isa<NoneType>(value.getType());
  if (!present)
    return SmallVector<int64_t>();
  return getConstantInts(value);
}

LogicalResult inferTranspose(TransposeOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getData());
  if (!input)
    return success();
  int64_t rank = input->size();
  SmallVector<int64_t> perm = getI64Array(op.getPerm());
  if (perm.empty())
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != rank)
    return op.emitOpError() << "expects 'perm' of " << rank
                            << " values, got " << perm.size();
  DimList output;
  for (int64_t axis : perm) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return emitBadAxis(op, axis, rank);
    output.push_back((*input)[*normalized]);
  }
  results.setShape(0, output);
  return success();
}

LogicalResult inferConcat(ConcatOp op, InferredResults &results) {
  std::optional<DimList> output;
  int64_t axis = static_cast<int64_t>(op.getAxis());
  for (Value input : op.getInputs()) {
    std::optional<DimList> dims = getDims(input);
    if (!dims)
      return success();
    int64_t rank = dims->size();
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return emitBadAxis(op, axis, rank);
    if (!output) {
      output = *dims;
      continue;
    }
    if (static_cast<int64_t>(output->size()) != rank)
      return op.emitOpError() << "expects inputs of equal rank, got "
                              << output->size() << " and " << rank;
    for (int64_t i = 0; i < rank; ++i) {
      Dim &have = (*output)[i];
      const Dim &got = (*dims)[i];
      if (i == *normalized) {
        have = have.isStatic() && got.isStatic()
                   ? Dim::get(have.getSize() + got.getSize())
                   : Dim::unknown();
      } else if (have.isStatic() && got.isStatic()) {
        if (have.getSize() != got.getSize())
          return op.emitOpError()
                 << "expects equal sizes outside the concat axis, got "
                 << have.getSize() << " and " << got.getSize() << " in dim "
                 << i;
      } else if (have.isDynamic() && (got.isStatic() || !have.hasSymbol())) {
        have = got;
      }
    }
  }
  if (output)
    results.setShape(0, *output);
  return success();
}

LogicalResult inferSplit(SplitOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getInput());
  if (!input)
    return success();
  int64_t rank = input->size();
  std::optional<int64_t> axis =
      normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
  if (!axis)
    return emitBadAxis(op, static_cast<int64_t>(op.getAxis()), rank);
  int64_t numOutputs = op->getNumResults();
  bool hasSplit;
  std::optional<SmallVector<int64_t>> split =
      getOptionalInts(op.getSplit(), hasSplit);
  Dim dim = (*input)[*axis];
  SmallVector<Dim> sizes;
  if (hasSplit && split) {
    if (static_cast<int64_t>(split->size()) != numOutputs)
      return op.emitOpError() << "expects " << numOutputs
                              << " split sizes, got " << split->size();
    int64_t total = 0;
    for (int64_t size : *split) {
      sizes.push_back(Dim::get(size));
      total += size;
    }
    if (dim.isStatic() && total != dim.getSize())
      return op.emitOpError() << "expects split sizes to sum to "
                              << dim.getSize() << ", got " << total;
  } else if (!hasSplit && dim.isStatic() && numOutputs > 0) {
    int64_t chunk = (dim.getSize() + numOutputs - 1) / numOutputs;
    for (int64_t i = 0; i < numOutputs; ++i)
      sizes.push_back(Dim::get(
          std::max<int64_t>(0, std::min(chunk, dim.getSize() - i * chunk))));
  } else {
    sizes.assign(numOutputs, Dim::unknown());
  }
  for (int64_t i = 0; i < numOutputs; ++i) {
    DimList output = *input;
    output[*axis] = sizes[i];
    results.setShape(i, output);
  }
  return success();
}

/// The length of a slice of a static dim, ONNX clamping rules.
int64_t sliceLength(int64_t size, int64_t start, int64_t end, int64_t step) {
  if (start < 0)
    start += size;
  if (end < 0)
    end += size;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = std::clamp<int64_t>(start, 0, size - 1);
  end = std::clamp<int64_t>(end, -1, size - 1);
  return start > end ? (start - end - step - 1) / -step : 0;
}

LogicalResult inferSlice(SliceOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getData());
  if (!input)
    return success();
  int64_t rank = input->size();
  auto starts = getConstantInts(op.getStarts());
  auto ends = getConstantInts(op.getEnds());
  bool hasAxes, hasSteps;
  auto axes = getOptionalInts(op.getAxes(), hasAxes);
  auto steps = getOptionalInts(op.getSteps(), hasSteps);
  DimList output = *input;
  if (!starts || !ends || !steps) {
    // The sliced axes are known but not by how much.
    if (!axes) {
      output.assign(rank, Dim());
    } else {
      for (int64_t axis : hasAxes ? *axes : SmallVector<int64_t>())
        if (std::optional<int64_t> normalized = normalizeAxis(axis, rank))
          output[*normalized] = Dim();
      if (!hasAxes)
        output.assign(rank, Dim());
    }
    results.setShape(0, output);
    return success();
  }
  if (!hasAxes)
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(i);
  if (!hasSteps)
    steps->assign(starts->size(), 1);
  if (!axes || ends->size() != starts->size() ||
      axes->size() != starts->size() || steps->size() != starts->size())
    return op.emitOpError() << "expects starts, ends, axes and steps of equal "
                               "length";
  for (size_t i = 0; i < starts->size(); ++i) {
    std::optional<int64_t> axis = normalizeAxis((*axes)[i], rank);
    if (!axis)
      return emitBadAxis(op, (*axes)[i], rank);
    int64_t start = (*starts)[i], end = (*ends)[i], step = (*steps)[i];
    if (step == 0)
      return op.emitOpError() << "expects non-zero steps";
    const Dim &dim = (*input)[*axis];
    if (dim.isStatic()) {
      output[*axis] = Dim::get(sliceLength(dim.getSize(), start, end, step));
      continue;
    }
    // A whole-dim slice keeps a dynamic dim (and its symbol).
    bool whole = step == 1 && start == 0 &&
                 end >= std::numeric_limits<int32_t>::max();
    output[*axis] = whole ? dim : Dim::unknown();
  }
  results.setShape(0, output);
  return success();
}

LogicalResult inferGather(GatherOp op, InferredResults &results) {
  std::optional<DimList> data = getDims(op.getData());
  std::optional<DimList> indices = getDims(op.getIndices());
  if (!data || !indices)
    return success();
  int64_t rank = data->size();
  std::optional<int64_t> axis =
      normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
  if (!axis)
    return emitBadAxis(op, static_cast<int64_t>(op.getAxis()), rank);
  DimList output(data->begin(), data->begin() + *axis);
  output.append(indices->begin(), indices->end());
  output.append(data->begin() + *axis + 1, data->end());
  results.setShape(0, output);
  return success();
}

LogicalResult inferGatherElements(GatherElementsOp op,
                                  InferredResults &results) {
  if (std::optional<DimList> indices = getDims(op.getIndices()))
    results.setShape(0, *indices);
  return success();
}

LogicalResult inferGatherND(GatherNDOp op, InferredResults &results) {
  std::optional<DimList> data = getDims(op.getData());
  std::optional<DimList> indices = getDims(op.getIndices());
  if (!data || !indices || indices->empty() || indices->back().isDynamic())
    return success();
  int64_t batchDims = static_cast<int64_t>(op.getBatchDims());
  int64_t last = indices->back().getSize();
  if (batchDims + last > static_cast<int64_t>(data->size()))
    return op.emitOpError() << "expects batch_dims + indices.shape[-1] <= "
                            << data->size();
  DimList output(indices->begin(), indices->end() - 1);
  output.append(data->begin() + batchDims + last, data->end());
  results.setShape(0, output);
  return success();
}

LogicalResult inferSqueeze(SqueezeOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getData());
  if (!input)
    return success();
  int64_t rank = input->size();
  bool hasAxes;
  auto axes = getOptionalInts(op.getAxes(), hasAxes);
  if (!axes)
    return success();
  DimList output;
  if (!hasAxes) {
    // Without axes every 1 goes; a dynamic dim might be 1 too.
    for (const Dim &dim : *input) {
      if (dim.isDynamic())
        return success();
      if (!dim.is(1))
        output.push_back(dim);
    }
    results.setShape(0, output);
    return success();
  }
  SmallVector<bool> squeezed(rank, false);
  for (int64_t axis : *axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return emitBadAxis(op, axis, rank);
    const Dim &dim = (*input)[*normalized];
    if (dim.isStatic() && dim.getSize() != 1)
      return op.emitOpError() << "expects squeezed dim " << *normalized
                              << " to be 1, got " << dim.getSize();
    squeezed[*normalized] = true;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (!squeezed[i])
      output.push_back((*input)[i]);
  results.setShape(0, output);
  return success();
}

LogicalResult inferUnsqueeze(UnsqueezeOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getData());
  std::optional<SmallVector<int64_t>> axes = getConstantInts(op.getAxes());
  if (!input)
    return success();
  if (!axes) {
    std::optional<DimList> axesDims = getDims(op.getAxes());
    if (axesDims && axesDims->size() == 1 && (*axesDims)[0].isStatic())
      results.setShape(0, DimList(input->size() + (*axesDims)[0].getSize(),
                                  Dim()));
    return success();
  }
  int64_t rank = input->size() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    std::optional<int64_t> normalized = normalizeAxis(axis, rank);
    if (!normalized)
      return emitBadAxis(op, axis, rank);
    if (inserted[*normalized])
      return op.emitOpError() << "expects unique axes, got " << axis
                              << " twice";
    inserted[*normalized] = true;
  }
  DimList output;
  auto next = input->begin();
  for (int64_t i = 0; i < rank; ++i)
    output.push_back(inserted[i] ? Dim::get(1) : *next++);
  results.setShape(0, output);
  return success();
}

LogicalResult inferOneHot(OneHotOp op, InferredResults &results) {
  std::optional<DimList> indices = getDims(op.getIndices());
  Type elementType = getShapeInfo(op.getValues()).elementType;
  if (!indices) {
    if (elementType)
      results.setElementType(0, elementType);
    return success();
  }
  int64_t rank = indices->size() + 1;
  int64_t axis = static_cast<int64_t>(op.getAxis());
  std::optional<int64_t> normalized = normalizeAxis(axis, rank);
  if (!normalized)
    return emitBadAxis(op, axis, rank);
  std::optional<SmallVector<double>> depthFloat =
      getConstantFloats(op.getDepth());
  std::optional<SmallVector<int64_t>> depthInt = getConstantInts(op.getDepth());
  Dim depth;
  if (depthInt && depthInt->size() == 1)
    depth = Dim::get((*depthInt)[0]);
  else if (depthFloat && depthFloat->size() == 1)
    depth = Dim::get(static_cast<int64_t>((*depthFloat)[0]));
  DimList output = *indices;
  output.insert(output.begin() + *normalized, depth);
  results.setShape(0, output, elementType);
  return success();
}

LogicalResult inferCompress(CompressOp op, InferredResults &results) {
  std::optional<DimList> input = getDims(op.getInput());
  // A constant condition selects a known number of slices (it may be
  // shorter than the axis; the rest is dropped).
  Dim selected;
  if (std::optional<SmallVector<int64_t>> condition =
          getConstantInts(op.getCondition()))
    selected = Dim::get(llvm::count_if(*condition,
                                       [](int64_t value) { return value; }));
  if (!op.getAxis()) {
    results.setShape(0, {selected});
    return success();
  }
  if (!input)
    return success();
  int64_t rank = input->size();
  int64_t axis = static_cast<int64_t>(*op.getAxis());
  std::optional<int64_t> normalized = normalizeAxis(axis, rank);
  if (!normalized)
    return emitBadAxis(op, axis, rank);
  DimList output = *input;
  output[*normalized] = selected;
  results.setShape(0, output);
  return success();
}

const InferenceRule kIndexingRules[] = {
    typedRule<CompressOp, inferCompress>(11),
    typedRule<ConcatOp, inferConcat>(13),
    typedRule<GatherOp, inferGather>(13),
    typedRule<GatherElementsOp, inferGatherElements>(13),
    typedRule<GatherNDOp, inferGatherND>(13),
    typedRule<OneHotOp, inferOneHot>(11),
    typedRule<SliceOp, inferSlice>(13),
    typedRule<SplitOp, inferSplit>(18),
    typedRule<SqueezeOp, inferSqueeze>(25),
    typedRule<TransposeOp, inferTranspose>(25),
    typedRule<UnsqueezeOp, inferUnsqueeze>(25),
};

} // namespace

ArrayRef<InferenceRule> getIndexingInferenceRules() { return kIndexingRules; }

} // namespace kiln::onnx

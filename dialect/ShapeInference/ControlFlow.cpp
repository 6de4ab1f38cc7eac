//===- ControlFlow.cpp - Inference of If/Loop/Scan and their bodies -------===//
//
// If results join the types both branches yield. Loop and Scan bodies get
// block-argument types from the op's inputs before their ops are inferred
// (inferRegionArgumentTypes); their results join the initial loop-carried
// values with what the body yields, and scan outputs gain the iteration
// dim. The recurrent nets (RNN/GRU/LSTM, loops over time) are here too:
// Y is [seq, directions, batch, hidden] (layout 0) or [batch, seq,
// directions, hidden] (layout 1), Y_h and Y_c [directions, batch, hidden]
// or [batch, directions, hidden].
//
//===----------------------------------------------------------------------===//

#include "dialect/ShapeInference/ShapeInference.h"

#include "dialect/OnnxDialect.h"

using namespace mlir;

namespace kiln::onnx {
namespace {

/// The operands of the terminator of a single-block region, or empty.
OperandRange getYielded(Region &region) {
  if (region.empty())
    return OperandRange(nullptr, 0);
  Operation *terminator = region.front().getTerminator();
  if (!terminator)
    return OperandRange(nullptr, 0);
  return terminator->getOperands();
}

/// What two values of possibly different shapes have in common.
ShapeInfo join(const ShapeInfo &lhs, const ShapeInfo &rhs) {
  ShapeInfo result;
  if (lhs.elementType == rhs.elementType)
    result.elementType = lhs.elementType;
  if (lhs.dims && rhs.dims && lhs.dims->size() == rhs.dims->size()) {
    DimList dims;
    for (auto [l, r] : llvm::zip_equal(*lhs.dims, *rhs.dims))
      dims.push_back(joinDim(l, r));
    result.dims = std::move(dims);
  }
  return result;
}

/// Rank and element type only: loop-carried dims may change per iteration.
ShapeInfo forgetDims(ShapeInfo info) {
  if (info.dims)
    info.dims = DimList(info.dims->size(), Dim());
  return info;
}

/// Refines a block argument's type in place.
LogicalResult refineArgument(Operation *op, BlockArgument arg,
                             const ShapeInfo &info) {
  FailureOr<Type> refined = refineType(op, arg.getArgNumber(), arg.getType(),
                                       info);
  if (failed(refined))
    return failure();
  arg.setType(*refined);
  return success();
}

LogicalResult inferIf(IfOp op, InferredResults &results) {
  OperandRange thenValues = getYielded(op.getThenBranch());
  OperandRange elseValues = getYielded(op.getElseBranch());
  if (thenValues.size() != op->getNumResults() ||
      elseValues.size() != op->getNumResults())
    return success();
  for (unsigned i = 0; i < op->getNumResults(); ++i)
    results.set(i, join(getShapeInfo(thenValues[i]),
                        getShapeInfo(elseValues[i])));
  return success();
}

LogicalResult inferLoop(LoopOp op, InferredResults &results) {
  OperandRange yielded = getYielded(op.getBody());
  unsigned numCarried = op.getVInitial().size();
  if (yielded.size() != 1 + op->getNumResults() ||
      op->getNumResults() < numCarried)
    return success();
  for (unsigned i = 0; i < numCarried; ++i)
    results.set(i, join(getShapeInfo(op.getVInitial()[i]),
                        getShapeInfo(yielded[1 + i])));
  // Scan outputs stack one value per iteration: exactly M of them when
  // there is no condition.
  Dim iterations;
  if (isa<NoneType>(op.getCond().getType()))
    if (std::optional<SmallVector<int64_t>> trip = getConstantInts(op.getM()))
      if (trip->size() == 1)
        iterations = Dim::get((*trip)[0]);
  for (unsigned i = numCarried; i < op->getNumResults(); ++i) {
    ShapeInfo info = getShapeInfo(yielded[1 + i]);
    if (info.dims)
      info.dims->insert(info.dims->begin(), iterations);
    results.set(i, info);
  }
  return success();
}

LogicalResult inferScan(ScanOp op, InferredResults &results) {
  OperandRange yielded = getYielded(op.getBody());
  OperandRange inputs = op.getInitialStateAndScanInputs();
  int64_t numScanInputs = static_cast<int64_t>(op.getNumScanInputs());
  int64_t numState = static_cast<int64_t>(inputs.size()) - numScanInputs;
  if (numState < 0 || yielded.size() != op->getNumResults())
    return success();
  for (int64_t i = 0; i < numState; ++i)
    results.set(i, join(getShapeInfo(inputs[i]), getShapeInfo(yielded[i])));
  // The number of iterations is the scanned dim of the first scan input.
  Dim iterations;
  SmallVector<int64_t> inputAxes = getI64Array(op.getScanInputAxes());
  if (numScanInputs > 0) {
    if (std::optional<DimList> first = getDims(inputs[numState])) {
      int64_t axis = inputAxes.empty() ? 0 : inputAxes[0];
      if (std::optional<int64_t> normalized = normalizeAxis(axis, first->size()))
        iterations = (*first)[*normalized];
    }
  }
  SmallVector<int64_t> outputAxes = getI64Array(op.getScanOutputAxes());
  for (unsigned i = numState; i < op->getNumResults(); ++i) {
    ShapeInfo info = getShapeInfo(yielded[i]);
    if (info.dims) {
      int64_t k = i - numState;
      int64_t axis = k < static_cast<int64_t>(outputAxes.size())
                         ? outputAxes[k]
                         : 0;
      std::optional<int64_t> normalized =
          normalizeAxis(axis, info.dims->size() + 1);
      if (!normalized)
        return op.emitOpError() << "expects scan_output_axes in range, got "
                                << axis;
      info.dims->insert(info.dims->begin() + *normalized, iterations);
    }
    results.set(i, info);
  }
  return success();
}

/// Y, Y_h (and Y_c) of a recurrent net from X, W/R and its attributes.
template <typename OpTy>
LogicalResult inferRecurrent(OpTy op, InferredResults &results) {
  ShapeInfo x = getShapeInfo(op.getX());
  std::optional<DimList> r = getDims(op.getR());
  if (!x.dims || x.dims->size() != 3)
    return success();
  bool batchwise = op.getLayout() != 0;
  Dim seq = (*x.dims)[batchwise ? 1 : 0];
  Dim batch = (*x.dims)[batchwise ? 0 : 1];
  Dim directions = Dim::get(op.getDirection() == "bidirectional" ? 2 : 1);
  Dim hidden;
  if (std::optional<int64_t> size = op.getHiddenSize())
    hidden = Dim::get(*size);
  else if (r && r->size() == 3)
    hidden = (*r)[2];
  DimList y = batchwise ? DimList{batch, seq, directions, hidden}
                        : DimList{seq, directions, batch, hidden};
  DimList state = batchwise ? DimList{batch, directions, hidden}
                            : DimList{directions, batch, hidden};
  for (unsigned i = 0; i < op->getNumResults(); ++i)
    if (!isa<NoneType>(op->getResult(i).getType()))
      results.setShape(i, i == 0 ? y : state, x.elementType);
  return success();
}

const InferenceRule kControlFlowRules[] = {
    typedRule<RNNOp, inferRecurrent<RNNOp>>(22),
    typedRule<GRUOp, inferRecurrent<GRUOp>>(22),
    typedRule<LSTMOp, inferRecurrent<LSTMOp>>(22),
    typedRule<IfOp, inferIf>(25),
    typedRule<LoopOp, inferLoop>(25),
    typedRule<ScanOp, inferScan>(25),
};

} // namespace

ArrayRef<InferenceRule> getControlFlowInferenceRules() {
  return kControlFlowRules;
}

LogicalResult inferRegionArgumentTypes(Operation *op) {
  MLIRContext *context = op->getContext();
  if (auto loop = dyn_cast<LoopOp>(op)) {
    if (loop.getBody().empty())
      return success();
    Block &body = loop.getBody().front();
    unsigned numCarried = loop.getVInitial().size();
    if (body.getNumArguments() != 2 + numCarried)
      return success();
    ShapeInfo iteration{IntegerType::get(context, 64), DimList()};
    ShapeInfo condition{IntegerType::get(context, 1), DimList()};
    if (failed(refineArgument(op, body.getArgument(0), iteration)) ||
        failed(refineArgument(op, body.getArgument(1), condition)))
      return failure();
    for (unsigned i = 0; i < numCarried; ++i)
      if (failed(refineArgument(op, body.getArgument(2 + i),
                                forgetDims(getShapeInfo(
                                    loop.getVInitial()[i])))))
        return failure();
    return success();
  }
  if (auto scan = dyn_cast<ScanOp>(op)) {
    if (scan.getBody().empty())
      return success();
    Block &body = scan.getBody().front();
    OperandRange inputs = scan.getInitialStateAndScanInputs();
    if (body.getNumArguments() != inputs.size())
      return success();
    int64_t numScanInputs = static_cast<int64_t>(scan.getNumScanInputs());
    int64_t numState = static_cast<int64_t>(inputs.size()) - numScanInputs;
    if (numState < 0)
      return success();
    SmallVector<int64_t> axes = getI64Array(scan.getScanInputAxes());
    for (int64_t i = 0; i < static_cast<int64_t>(inputs.size()); ++i) {
      ShapeInfo info = getShapeInfo(inputs[i]);
      if (i < numState) {
        info = forgetDims(info);
      } else if (info.dims) {
        int64_t k = i - numState;
        int64_t axis = k < static_cast<int64_t>(axes.size()) ? axes[k] : 0;
        std::optional<int64_t> normalized =
            normalizeAxis(axis, info.dims->size());
        if (!normalized)
          return op->emitOpError() << "expects scan_input_axes in range, got "
                                   << axis;
        info.dims->erase(info.dims->begin() + *normalized);
      }
      if (failed(refineArgument(op, body.getArgument(i), info)))
        return failure();
    }
  }
  return success();
}

} // namespace kiln::onnx

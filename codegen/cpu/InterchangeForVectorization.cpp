//===- InterchangeForVectorization.cpp - vectorizable linalg loop order ---===//
//
// Puts a unit-stride parallel loop innermost in linalg ops that reduce
// (matmul, convolutions, pooling), so that the loop nests from
// convert-linalg-to-loops vectorize in LLVM without reassociating sums.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_KILNCPUINTERCHANGEFORVECTORIZATION
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// The loop order [parallel loops, reduction loops, vector loop] for `op`,
/// as `interchangeGenericOp` takes it (old loop positions in new order), or
/// failure when the op has no reduction or no suitable vector loop.
FailureOr<SmallVector<unsigned>> vectorizableOrder(linalg::LinalgOp op,
                                                   int64_t minVectorTrip) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0)
    return failure();
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap map = op.getMatchingIndexingMap(init);
  if (map.getNumResults() == 0)
    return failure();
  auto innermost = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!innermost)
    return failure();
  unsigned vectorLoop = innermost.getPosition();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (iterators[vectorLoop] != utils::IteratorType::parallel)
    return failure();
  // Every operand the vector loop indexes must be unit-stride (or a fixed
  // stride, for strided convolutions) in it: only its innermost dimension
  // may depend on the vector loop. A reduction over the innermost input
  // dimension (softmax, layer norm) stays a reduction loop.
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap inputMap = op.getMatchingIndexingMap(input);
    for (unsigned r = 0, e = inputMap.getNumResults(); r + 1 < e; ++r)
      if (inputMap.getResult(r).isFunctionOfDim(vectorLoop))
        return failure();
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!ShapedType::isDynamic(ranges[vectorLoop]) &&
      ranges[vectorLoop] <= minVectorTrip)
    return failure();

  SmallVector<unsigned> order;
  for (unsigned i = 0, e = iterators.size(); i < e; ++i)
    if (i != vectorLoop && iterators[i] == utils::IteratorType::parallel)
      order.push_back(i);
  for (unsigned i = 0, e = iterators.size(); i < e; ++i)
    if (iterators[i] != utils::IteratorType::parallel)
      order.push_back(i);
  order.push_back(vectorLoop);
  bool identity = true;
  for (unsigned i = 0, e = order.size(); i < e; ++i)
    identity &= order[i] == i;
  if (identity)
    return failure();
  return order;
}

/// Whether `op` reduces along its innermost loop, unit-stride in every
/// input: dot products (matmul with a transposed operand) and row
/// reductions (softmax's max and sum, layer norm's moments, global
/// pooling). LLVM vectorizes such a loop only when the reduction may be
/// reassociated.
bool isInnermostReduction(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() == 0)
    return false;
  unsigned innermost = op.getNumLoops() - 1;
  if (op.getIteratorTypesArray()[innermost] != utils::IteratorType::reduction)
    return false;
  // Inputs the loop does not index (a row's mean) are loop-invariant.
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isFunctionOfDim(innermost))
      continue;
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!last || last.getPosition() != innermost)
      return false;
    for (AffineExpr result : map.getResults().drop_back())
      if (result.isFunctionOfDim(innermost))
        return false;
  }
  return true;
}

/// Allows reassociating the sum in `generic`'s body (summation in vector
/// lanes, results within float rounding of the sequential order).
void allowReassociation(linalg::GenericOp generic) {
  generic.getBody()->walk([](Operation *op) {
    if (auto fastmath = dyn_cast<arith::ArithFastMathInterface>(op))
      op->setAttr(fastmath.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(
                      op->getContext(), arith::FastMathFlags::reassoc |
                                            arith::FastMathFlags::contract));
  });
}

struct InterchangeForVectorizationPass
    : public kiln::cpu::impl::KilnCpuInterchangeForVectorizationBase<
          InterchangeForVectorizationPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      FailureOr<SmallVector<unsigned>> order =
          vectorizableOrder(op, minVectorTrip);
      if (failed(order)) {
        if (!isInnermostReduction(op))
          continue;
        rewriter.setInsertionPoint(op);
        linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(*op);
        if (!generic) {
          FailureOr<linalg::GenericOp> generalized =
              linalg::generalizeNamedOp(rewriter, op);
          if (failed(generalized))
            continue;
          generic = *generalized;
        }
        allowReassociation(generic);
        continue;
      }
      rewriter.setInsertionPoint(op);
      linalg::GenericOp generic = dyn_cast<linalg::GenericOp>(*op);
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      // Failure leaves the op as it was: plain loops in iterator order.
      (void)linalg::interchangeGenericOp(rewriter, generic, *order);
    }
  }
};

} // namespace

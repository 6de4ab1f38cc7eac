//===- OrderLoops.cpp - parallel loops in the output's layout order -------===//
//
// kiln-cuda-order-loops: see Passes.td. kiln-cuda-map-to-gpu gives
// consecutive threads consecutive values of the innermost parallel loop, so
// that loop should walk the output's innermost (contiguous) dimension, and
// every parallel loop should come before the reductions.
//
//===----------------------------------------------------------------------===//

#include "codegen/cuda/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::cuda {
#define GEN_PASS_DEF_KILNCUDAORDERLOOPS
#include "codegen/cuda/Passes.h.inc"
} // namespace kiln::cuda

using namespace mlir;

namespace {

/// The loop order [parallel loops in the order of the output's dims,
/// reduction loops] (old loop positions in new order, as
/// interchangeGenericOp takes it), or failure when `op` already has it or
/// its output map is not a permutation of its parallel loops.
FailureOr<SmallVector<unsigned>> layoutOrder(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() < 2)
    return failure();
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!out.isProjectedPermutation() ||
      out.getNumResults() != op.getNumParallelLoops())
    return failure();
  SmallVector<unsigned> order;
  for (AffineExpr e : out.getResults())
    order.push_back(cast<AffineDimExpr>(e).getPosition());
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < iterators.size(); ++d)
    if (iterators[d] != utils::IteratorType::parallel)
      order.push_back(d);
  for (unsigned i = 0; i < order.size(); ++i)
    if (order[i] != i)
      return order;
  return failure();
}

struct OrderLoopsPass
    : public kiln::cuda::impl::KilnCudaOrderLoopsBase<OrderLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && !isa<linalg::CopyOp>(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      FailureOr<SmallVector<unsigned>> order = layoutOrder(op);
      if (failed(order))
        continue;
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(*op);
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      (void)linalg::interchangeGenericOp(rewriter, generic, *order);
    }
  }
};

} // namespace

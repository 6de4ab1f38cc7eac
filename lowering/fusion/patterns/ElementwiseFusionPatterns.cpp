//===- ElementwiseFusionPatterns.cpp - kiln's elementwise fusion ----------===//
//
// The control function kiln runs upstream elementwise fusion under: which
// producer generics fold into which consumer generics. Named ops (matmul,
// conv, pooling, transpose, fill) are never fused here, and elementwise
// epilogues of matmuls/convs stay elementwise, for GEMM/conv epilogue fusion.
//
//===----------------------------------------------------------------------===//

#include "lowering/fusion/patterns/FusionPatterns.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {
namespace {

/// Whether the body of `op` only forwards block arguments to its yield: a
/// copy, broadcast or transpose, free to recompute at every use.
bool onlyMovesData(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (!llvm::hasSingleElement(body.getOperations()))
    return false;
  return llvm::all_of(body.getTerminator()->getOperands(), [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &body;
  });
}

/// Looks through tensor reshapes to the op that computed `value`.
Operation *producerThroughReshapes(Value value) {
  Operation *def = value.getDefiningOp();
  while (def && isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
    def = def->getOperand(0).getDefiningOp();
  return def;
}

/// Whether `op` consumes the result of a named compute op (matmul, conv,
/// pooling, ...): it is then part of that op's epilogue.
bool readsNamedComputeOp(linalg::GenericOp op) {
  return llvm::any_of(op.getDpsInputs(), [](Value input) {
    Operation *def = producerThroughReshapes(input);
    return def && isa<linalg::LinalgOp>(def) && !isa<linalg::GenericOp>(def) &&
           !isa<linalg::FillOp, linalg::TransposeOp, linalg::BroadcastOp,
                linalg::CopyOp>(def);
  });
}

} // namespace

bool shouldFuseElementwise(OpOperand *fusedOperand) {
  auto producer = fusedOperand->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::GenericOp>(fusedOperand->getOwner());
  if (!producer || !consumer || !consumer.isDpsInput(fusedOperand))
    return false;
  bool free = onlyMovesData(producer);
  // A producer with other users would be computed twice.
  if (!free && !llvm::hasSingleElement(producer->getUses()))
    return false;
  // Read through a broadcast, it would be computed once per broadcast
  // element.
  if (!free && !consumer.getMatchingIndexingMap(fusedOperand).isPermutation())
    return false;
  // An epilogue of a matmul/conv may merge with other elementwise ops, but
  // not sink into a reduction: the GEMM/conv could no longer absorb it.
  if (readsNamedComputeOp(producer) && consumer.getNumReductionLoops() > 0)
    return false;
  return true;
}

void populateKilnElementwiseFusionPatterns(RewritePatternSet &patterns) {
  // Upstream's set: producer/consumer fusion under the control function,
  // splat constants and fills folded into bodies, outs that only carried a
  // shape replaced by tensor.empty, dead operands and results erased.
  linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuseElementwise);
}

} // namespace kiln

//===- FuseElementwise.cpp - The kiln-fuse-elementwise pass ---------------===//
//
// Fuses chains of elementwise linalg.generic ops (and elementwise producers
// of reductions) into single loop nests, under kiln's control function.
// The patterns are in patterns/ElementwiseFusionPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/fusion/patterns/FusionPatterns.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEELEMENTWISE
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct KilnFuseElementwisePass
    : impl::KilnFuseElementwiseBase<KilnFuseElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateKilnElementwiseFusionPatterns(patterns);
    // Producers before consumers, as upstream fusion expects: a chain folds
    // into its last op in one sweep.
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal();
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln

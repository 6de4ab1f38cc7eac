//===- InPlaceElementwise.cpp - The kiln-inplace-elementwise pass ---------===//
//
// Makes elementwise generics compute into an input that dies there, so
// one-shot bufferization reuses its buffer. The pattern is in
// patterns/InPlaceElementwisePatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/fusion/patterns/FusionPatterns.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNINPLACEELEMENTWISE
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct KilnInPlaceElementwisePass
    : impl::KilnInPlaceElementwiseBase<KilnInPlaceElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateInPlaceElementwisePatterns(patterns);
    // In program order, leaving blocks as they are: each decision only
    // looks at uses in the op's own block.
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal();
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln

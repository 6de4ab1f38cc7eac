//===- FuseConvAffine.cpp - The onnx-fuse-conv-affine pass ----------------===//
//
// Folds a BatchNormalization (inference), or a Mul/Add by a per-channel
// constant, that follows a Conv with constant weights into the Conv's weights
// and bias. The patterns are in patterns/FuseConvAffinePatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXFUSECONVAFFINE
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct OnnxFuseConvAffinePass
    : impl::OnnxFuseConvAffineBase<OnnxFuseConvAffinePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseConvAffinePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln

//===- RecognizeAttention.cpp - The onnx-recognize-attention pass ---------===//
//
// Rewrites the scaled dot-product attention subgraphs torch exports into
// onnx.Attention. The patterns are in patterns/RecognizeAttentionPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXRECOGNIZEATTENTION
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct OnnxRecognizeAttentionPass
    : impl::OnnxRecognizeAttentionBase<OnnxRecognizeAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRecognizeAttentionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln

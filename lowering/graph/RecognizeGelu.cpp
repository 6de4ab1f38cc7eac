//===- RecognizeGelu.cpp - The onnx-recognize-gelu pass -------------------===//
//
// Rewrites the erf and tanh forms of GELU that torch exports into onnx.Gelu.
// The patterns are in patterns/RecognizeGeluPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXRECOGNIZEGELU
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct OnnxRecognizeGeluPass
    : impl::OnnxRecognizeGeluBase<OnnxRecognizeGeluPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRecognizeGeluPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln

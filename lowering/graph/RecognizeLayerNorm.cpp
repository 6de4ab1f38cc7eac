//===- RecognizeLayerNorm.cpp - The onnx-recognize-layer-norm pass --------===//
//
// Rewrites the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add chain of
// torch < 1.13 exports into LayerNormalization. The patterns are in
// patterns/RecognizeLayerNormPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "lowering/graph/patterns/GraphPatterns.h"

#include "dialect/OnnxDialect.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXRECOGNIZELAYERNORM
#include "lowering/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace kiln {
namespace {

struct OnnxRecognizeLayerNormPass
    : impl::OnnxRecognizeLayerNormBase<OnnxRecognizeLayerNormPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateRecognizeLayerNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln
